/**
 * `char-rnn gradcheck`: the report's section 1. A model with m hidden units,
 * weights N(0, 0.01²) and b = c = 0, h0 = 0; X = the first T characters of the
 * text, Y = characters 2..T+1; every entry of U, W, V, b and c is compared
 * with a finite-difference estimate (@weft/gradcheck), and the count of
 * relative errors above the threshold and the maximum are printed per parameter.
 * With `--cell lstm|gru` or `--layers N` the model is `charRnn`'s other
 * architectures (PyTorch's parameter names, PyTorch's initialisation).
 */
import { checkGradients, formatReport, type GradcheckReport } from '@weft/gradcheck';
import { CELLS, charRnn, type CellName } from '@weft/layers';
import { Rng } from '@weft/tensor';
import { loadCorpus, Vocabulary } from './corpus.js';
import { UserError } from './errors.js';
import type { CliIO } from './cli-io.js';

/** The flags of `char-rnn gradcheck` (already parsed as numbers). */
export interface GradcheckCommandOptions {
  /** Text file; default Moby Dick. */
  data?: string;
  hidden: number;
  seqLength: number;
  /** The recurrent cell; default rnn (the report's). */
  cell?: CellName;
  /** Stacked layers; default 1. */
  layers?: number;
  /** Finite-difference step. */
  h: number;
  stencil: 'central' | 'five-point';
  threshold: number;
  seed: number;
  json: boolean;
}

/** `{"params": {"U": {"count": …, "max": …, …}, …}, …}`: what `--json` prints. */
export interface GradcheckJson {
  params: Record<string, { count: number; max: number | null; mean: number | null; checked: number; shape: number[] }>;
  stencil: string;
  h: number;
  threshold: number;
  hidden: number;
  seqLength: number;
  cell: CellName;
  layers: number;
  vocabularySize: number;
  passed: boolean;
}

/** Checks the flags; throws `UserError` naming the first bad one. */
function checkOptions(o: GradcheckCommandOptions): void {
  if (o.cell !== undefined && !CELLS.includes(o.cell)) throw new UserError(`--cell must be one of ${CELLS.join(', ')}, got ${JSON.stringify(o.cell)}`);
  if (o.layers !== undefined && !(Number.isInteger(o.layers) && o.layers >= 1)) throw new UserError(`--layers must be a positive integer, got ${o.layers}`);
  if (!(Number.isInteger(o.hidden) && o.hidden >= 1)) throw new UserError(`--hidden must be a positive integer, got ${o.hidden}`);
  if (!(Number.isInteger(o.seqLength) && o.seqLength >= 1)) throw new UserError(`--seq-length must be a positive integer, got ${o.seqLength}`);
  if (!(o.h > 0 && Number.isFinite(o.h))) throw new UserError(`--h must be a positive number, got ${o.h}`);
  if (!(o.threshold > 0 && Number.isFinite(o.threshold))) throw new UserError(`--threshold must be a positive number, got ${o.threshold}`);
  if (!Number.isSafeInteger(o.seed)) throw new UserError(`--seed must be an integer, got ${o.seed}`);
}

/**
 * Runs the gradient check and returns its report; the vocabulary is that of
 * the whole text (K = its distinct characters, as in training).
 */
export async function runGradcheck(o: GradcheckCommandOptions): Promise<{ report: GradcheckReport; vocabularySize: number }> {
  checkOptions(o);
  const corpus = await loadCorpus(o.data);
  const vocab = Vocabulary.fromText(corpus.text);
  const ids = vocab.encode(corpus.text);
  if (ids.length < o.seqLength + 1) {
    throw new UserError(`the text has ${ids.length} characters but --seq-length ${o.seqLength} needs at least ${o.seqLength + 1}`);
  }
  const inputs = ids.slice(0, o.seqLength);
  const targets = ids.slice(1, o.seqLength + 1);
  // charRnn draws U, W, V from N(0, std²) with std 0.01 and sets b = c = 0: the report's initialisation.
  // LSTM and GRU layers keep PyTorch's U(−1/√m, 1/√m) (charRnn's default for them).
  const cell = o.cell ?? 'rnn';
  const model = charRnn({ vocabSize: vocab.size, hidden: o.hidden, rng: new Rng(o.seed), batch: 1, cell, layers: o.layers ?? 1, ...(cell === 'rnn' ? { std: 0.01 } : {}) });
  const report = checkGradients(
    model.parameters(),
    () => {
      model.resetState(); // h0 = 0 for every probe: the loss is a pure function of the weights
      return model.lossAndGradients(inputs, targets);
    },
    { h: o.h, stencil: o.stencil, threshold: o.threshold },
  );
  return { report, vocabularySize: vocab.size };
}

/** `char-rnn gradcheck`: prints the table (or JSON) and returns 0; user mistakes throw `UserError`. */
export async function gradcheckCommand(o: GradcheckCommandOptions, io: CliIO): Promise<number> {
  const { report, vocabularySize } = await runGradcheck(o);
  if (o.json) {
    const json: GradcheckJson = {
      params: Object.fromEntries(
        report.params.map((p) => [
          p.name,
          { count: p.count, max: finiteOrNull(p.max), mean: finiteOrNull(p.mean), checked: p.checked, shape: p.shape.slice() },
        ]),
      ),
      stencil: report.stencil,
      h: report.h,
      threshold: report.threshold,
      hidden: o.hidden,
      seqLength: o.seqLength,
      cell: o.cell ?? 'rnn',
      layers: o.layers ?? 1,
      vocabularySize,
      passed: report.passed,
    };
    io.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    io.stdout.write(
      `${o.cell === undefined || (o.cell === 'rnn' && (o.layers ?? 1) === 1) ? '' : `cell ${o.cell ?? 'rnn'}, ${o.layers ?? 1} layer(s), `}m = ${o.hidden}, K = ${vocabularySize}, X = the first ${o.seqLength} characters, Y = characters 2..${o.seqLength + 1}, h0 = 0\n` +
        `${formatReport(report)}\n`,
    );
  }
  return 0;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

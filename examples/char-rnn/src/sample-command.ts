/**
 * `char-rnn sample`: generates text from a checkpoint.
 *
 * The model starts from the checkpoint's hidden state (stream 0's h when it
 * was saved): a model only ever sees h = 0 at the start of the text, so from
 * h = 0 it writes front matter (chapter lists, the etymology's Greek and
 * Hebrew) rather than prose. With `--prime`, the prime text is fed first and
 * printed before the generated characters; without it, the first character is
 * drawn uniformly from the vocabulary (as Karpathy's char-rnn does) and is
 * part of the output. `--length` counts the generated characters after the
 * prime (or after that first character). The same checkpoint, flags and
 * `--seed` give the same text.
 */
import { checkSamplingOptions, generateIds, type SamplingOptions } from '@weft/layers';
import { Rng } from '@weft/tensor';
import { loadCheckpoint } from './checkpoint.js';
import { modelFromCheckpoint } from './model-checkpoint.js';
import { describeChar, Vocabulary } from './corpus.js';
import { UserError } from './errors.js';
import type { CliIO } from './cli-io.js';

/** The flags of `char-rnn sample` (already parsed as numbers). */
export interface SampleCommandOptions {
  checkpoint: string;
  /** Characters to generate. */
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  prime?: string;
  seed: number;
}

/** Generates the text `sample` prints (prime or first character included). */
export async function generateSample(o: SampleCommandOptions, onNote?: (note: string) => void): Promise<string> {
  if (!(Number.isInteger(o.length) && o.length >= 1)) throw new UserError(`--length must be a positive integer, got ${o.length}`);
  if (!Number.isSafeInteger(o.seed)) throw new UserError(`--seed must be an integer, got ${o.seed}`);
  const sampling: SamplingOptions = { temperature: o.temperature };
  if (o.topK !== undefined) sampling.topK = o.topK;
  if (o.topP !== undefined) sampling.topP = o.topP;
  try {
    checkSamplingOptions(sampling);
  } catch (error) {
    throw new UserError(`--${(error as Error).message}`);
  }
  if (o.prime !== undefined && o.prime.length === 0) throw new UserError('--prime must not be empty');

  const ckpt = await loadCheckpoint(o.checkpoint, onNote ? { onNote } : {});
  const vocab = Vocabulary.fromChars(ckpt.vocab);
  const rng = new Rng(o.seed);
  let context: Int32Array;
  if (o.prime !== undefined) {
    const missing = Array.from(new Set(Array.from(o.prime).filter((c) => !vocab.has(c))));
    if (missing.length > 0) {
      throw new UserError(
        `--prime has ${missing.length === 1 ? 'a character' : 'characters'} the model does not know: ` +
          `${missing.slice(0, 5).map(describeChar).join(', ')}${missing.length > 5 ? ', …' : ''} (its vocabulary has ${vocab.size} characters)`,
      );
    }
    context = vocab.encode(o.prime);
  } else {
    context = Int32Array.of(rng.int(vocab.size));
  }
  const model = modelFromCheckpoint(ckpt);
  const ids = generateIds(model, context, o.length, rng, { ...sampling, vocabSize: vocab.size });
  return vocab.decode(context) + vocab.decode(ids);
}

/** `char-rnn sample`: prints the generated text (and a newline) to stdout; returns 0. */
export async function sampleCommand(o: SampleCommandOptions, io: CliIO): Promise<number> {
  const text = await generateSample(o, (note) => io.stderr.write(`char-rnn: note: ${note}\n`));
  io.stdout.write(`${text}\n`);
  return 0;
}

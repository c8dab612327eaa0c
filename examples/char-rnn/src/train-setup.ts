/**
 * Everything `char-rnn train` needs before it touches the run directory: the
 * settings (flags, or a resumed checkpoint's config with the typed flags on
 * top), the text and its vocabulary, the model, the optimizer and, when
 * resuming, their restored state. Every check happens here, so bad input
 * fails before anything is written.
 */
import type { CharRnnModel, Param } from '@weft/layers';
import { createOptimizer, type Optimizer } from '@weft/optim';
import { loadWasm, Rng, wasmUnavailableReason, withBackend } from '@weft/tensor';
import { loadCheckpoint, type CharRnnCheckpoint } from './checkpoint.js';
import type { CliIO } from './cli-io.js';
import { configDtype, defaultTrainConfig, flagName, parseTrainConfig, withModelDefaults, type FullTrainConfig, type TrainConfig } from './config.js';
import { describeChar, readCorpus, Vocabulary, type EncodedCorpus, type TokenIds } from './corpus.js';
import { checkModelSize } from './limits.js';
import { UserError } from './errors.js';
import { checkpointStates } from './checkpoint-codec.js';
import { copyParams, copyStates, modelForConfig, restoreRng } from './model-checkpoint.js';
import { TextStreams } from './streams.js';

/** The flags of `char-rnn train`, as `main` parsed them. */
export interface TrainCommandOptions {
  /** Config values from the flags, defaults included. */
  flags: Partial<TrainConfig>;
  /** The config fields the user actually typed (they override a resumed checkpoint's). */
  explicit: ReadonlySet<keyof TrainConfig>;
  data?: string;
  out?: string;
  resume?: string;
  force: boolean;
  json: boolean;
}

/** Settings a resumed run must keep: they shape the weights, the text walk or the random streams. */
export const FIXED_ON_RESUME = ['cell', 'layers', 'hidden', 'dropout', 'seqLength', 'batch', 'optimizer', 'seed', 'backend', 'valFraction', 'dtype'] as const;

/**
 * The run's settings. A new run: the flags (defaults filled in). A resumed
 * run: the checkpoint's config, with the flags the user typed on top — except
 * that hidden, seq-length, batch, optimizer and seed cannot change (a
 * different value is a `UserError`). Throws `UserError` on invalid values.
 */
export function resolveConfig(flags: Partial<TrainConfig>, explicit: ReadonlySet<keyof TrainConfig>, saved?: TrainConfig): FullTrainConfig {
  if (!saved) {
    const config = withModelDefaults(parseTrainConfig({ ...defaultTrainConfig, ...flags }));
    if (config.dtype === 'float64') delete config.dtype; // the default: float64 configs leave it out
    return config;
  }
  saved = withModelDefaults(saved);
  for (const field of FIXED_ON_RESUME) {
    // An absent dtype is float64 (checkpoints of float64 runs leave it out).
    const same = field === 'dtype' ? configDtype(flags) === configDtype(saved) : flags[field] === saved[field];
    if (explicit.has(field) && !same) {
      throw new UserError(
        `${flagName(field)} ${flags[field]} conflicts with the checkpoint, which was trained with ${flagName(field)} ${field === 'dtype' ? configDtype(saved) : saved[field]}; ` +
          `a resumed run keeps the checkpoint's ${FIXED_ON_RESUME.map(flagName).join(', ')} (drop the flag, or start a new run)`,
      );
    }
  }
  const merged: Record<string, unknown> = { ...saved };
  for (const field of explicit) if (field !== 'dtype') merged[field] = flags[field];
  return withModelDefaults(parseTrainConfig(merged));
}

/** Everything a run needs, validated before the run directory is touched. */
export interface Setup {
  config: FullTrainConfig;
  corpus: EncodedCorpus;
  vocab: Vocabulary;
  /** The whole text as ids (training and validation parts), in the smallest typed array that holds them. */
  ids: TokenIds;
  /** The training part: the first 1 − val-fraction of the text (all of it without validation). */
  trainIds: TokenIds;
  /** The held-out part: the last val-fraction of the text (empty without validation). */
  valIds: TokenIds;
  streams: TextStreams;
  model: CharRnnModel;
  params: Param[];
  optimizer: Optimizer;
  trainRng: Rng;
  update: number;
  epoch: number;
  smoothLoss: number;
  resumed?: { file: string; ckpt: CharRnnCheckpoint };
}

/** Loads and checks the config, text, vocabulary, model and optimizer (restored from `--resume`). */
export async function setUp(o: TrainCommandOptions, io: CliIO): Promise<Setup> {
  // Flag values first, so a typo is reported before any file is read.
  if (!o.resume) resolveConfig(o.flags, o.explicit);
  const ckpt = o.resume ? await loadCheckpoint(o.resume, { onNote: (note) => io.stderr.write(`char-rnn: note: ${note}\n`) }) : undefined;
  const config = resolveConfig(o.flags, o.explicit, ckpt?.config);
  const corpus = await readCorpus(o.data);
  const textVocab = corpus.vocab;
  let vocab = textVocab;
  if (ckpt) {
    vocab = Vocabulary.fromChars(ckpt.vocab);
    if (vocab.size === textVocab.size && textVocab.chars.every((c) => vocab.has(c)) && !sameChars(vocab.chars, textVocab.chars)) {
      const first = vocab.chars.findIndex((c, i) => c !== textVocab.chars[i]);
      throw new UserError(
        `the text ${corpus.source} has the same ${vocab.size} characters as the checkpoint ${o.resume}, but the checkpoint orders them differently ` +
          `(entry ${first} is ${describeChar(vocab.chars[first]!)} there, ${describeChar(textVocab.chars[first]!)} here; this program sorts them by code point), ` +
          'so it was written by another program: its ids would mean other characters',
      );
    }
    if (!sameChars(vocab.chars, textVocab.chars)) {
      const added = textVocab.chars.filter((c) => !vocab.has(c));
      const dropped = vocab.chars.filter((c) => !textVocab.has(c));
      const diff = [
        added.length > 0 ? `${added.length} new (${JSON.stringify(added.slice(0, 5).join(''))})` : '',
        dropped.length > 0 ? `${dropped.length} missing (${JSON.stringify(dropped.slice(0, 5).join(''))})` : '',
      ].filter(Boolean);
      throw new UserError(
        `the text ${corpus.source} has a different vocabulary (${textVocab.size} characters) than the checkpoint ${o.resume} ` +
          `(${vocab.size}): ${diff.join(', ')}; resume with the --data the run was trained on`,
      );
    }
  }
  if ((config.workers ?? 1) > config.batch) {
    throw new UserError(`--workers ${config.workers} needs at least as many streams: each worker takes a share of the --batch ${config.batch} streams (raise --batch or lower --workers)`);
  }
  const ids = corpus.ids;
  if (!ckpt) checkModelSize({ ...config, vocabSize: vocab.size }, `--hidden ${config.hidden}`);
  const { trainIds, valIds } = splitText(ids, config);
  const streams = new TextStreams(trainIds, config.batch, config.seqLength);

  const trainRng = new Rng(config.seed);
  if (config.backend === 'wasm' && loadWasm() !== 'wasm') {
    throw new UserError(`--backend ${config.backend} is not available here (${wasmUnavailableReason() ?? 'unknown reason'}); use --backend js`);
  }
  // The model and the optimizer's state are allocated on the run's backend;
  // their kernels then run there (they follow where the tensors live), with
  // no switch to set or restore around training.
  const { model, optimizer } = withBackend(config.backend, () => {
    // The run's generator draws the initial weights, then the dropout masks (the model keeps it).
    const model = modelForConfig(config, vocab.size, trainRng);
    // Clipping happens inside step(): AdaGrad fuses clip, accumulate and update into one pass.
    const optimizer = createOptimizer(config.optimizer, model.parameters(), { lr: config.lr, clipValue: config.clip > 0 ? config.clip : Infinity });
    return { model, optimizer };
  });
  const params = model.parameters();
  const setup: Setup = { config, corpus, vocab, ids, trainIds, valIds, streams, model, params, optimizer, trainRng, update: 0, epoch: 0, smoothLoss: NaN };
  if (ckpt) {
    try {
      copyParams(model, ckpt);
    } catch (error) {
      throw new UserError(`${o.resume}: the weights do not fit the model: ${(error as Error).message}`, { cause: error });
    }
    copyStates(model, checkpointStates(ckpt));
    try {
      optimizer.loadStateDict(ckpt.optimizer);
    } catch (error) {
      throw new UserError(`${o.resume}: the optimizer state does not fit: ${(error as Error).message}`, { cause: error });
    }
    streams.setPositions(ckpt.position);
    if (!streams.hasNext()) {
      // Written by an older version at the end of an epoch: the end-of-run checkpoint had the
      // epoch counted already, a mid-run one not. Either way the next epoch starts afresh.
      if (ckpt.epoch < ckpt.config.epochs) ckpt.epoch += 1;
      streams.rewind();
      model.resetState();
    }
    trainRng.setState(ckpt.rng);
    setup.update = ckpt.update;
    setup.epoch = ckpt.epoch;
    setup.smoothLoss = ckpt.smoothLoss;
    setup.resumed = { file: o.resume!, ckpt };
    if (setup.epoch >= config.epochs || (config.updates !== undefined && setup.update >= config.updates)) {
      throw new UserError(
        `the run is already at update ${setup.update} (epoch ${setup.epoch}); ask for more: --epochs and --updates are totals for the run ` +
          `(now --epochs ${config.epochs}${config.updates === undefined ? '' : `, --updates ${config.updates}`})`,
      );
    }
  }
  return setup;
}

/**
 * The training and validation parts of the text: the last ⌊val-fraction · N⌋
 * characters are held out. Throws `UserError` when validation is asked for but
 * the held-out part has fewer than 2 characters (nothing to predict), or the
 * training part is too short for one window per stream.
 */
export function splitText(ids: TokenIds, config: FullTrainConfig): { trainIds: TokenIds; valIds: TokenIds } {
  const N = ids.length;
  if (config.valFraction === 0) return { trainIds: ids, valIds: ids.subarray(N) };
  const nVal = Math.floor(config.valFraction * N);
  const flag = `--val-fraction ${config.valFraction}`;
  if (nVal < 2) {
    throw new UserError(`${flag} holds out ${nVal} of the text's ${N} characters; validation needs at least 2 (raise it, or 0 for no validation)`);
  }
  const nTrain = N - nVal;
  const need = config.batch * (config.seqLength + 1);
  if (nTrain < need) {
    throw new UserError(
      `${flag} leaves ${nTrain} of the text's ${N} characters for training; --batch ${config.batch} and --seq-length ${config.seqLength} need at least ${need} (lower it)`,
    );
  }
  return { trainIds: ids.subarray(0, nTrain), valIds: ids.subarray(nTrain) };
}

function sameChars(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

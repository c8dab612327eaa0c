/**
 * `char-rnn train`: the report's training run, composed from @weft/layers
 * (the model), @weft/optim (the optimizer and clipping) and the example's IO
 * modules (corpus, checkpoints, run directory, plot). No forward or backward
 * math lives here.
 *
 * One update: zero the grads, `loss = model.lossAndGradients(X, Y)` on the
 * next window of every stream (the hidden state carries over), clip every
 * gradient entry to [-clip, clip], `optimizer.step()`, then
 * smooth = loss on the first update of a run, 0.999·smooth + 0.001·loss after.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CharRnnModel, Param } from '@weft/layers';
import { charRnn, generateIds } from '@weft/layers';
import { createOptimizer, type Optimizer } from '@weft/optim';
import { copy, getBackend, reshape, row, Rng, setBackend, wasmUnavailableReason } from '@weft/tensor';
import { writeFileAtomic } from './atomic-write.js';
import { loadCheckpoint, saveCheckpoint, type CharRnnCheckpoint } from './checkpoint.js';
import { defaultTrainConfig, flagName, parseTrainConfig, type TrainConfig } from './config.js';
import { loadCorpus, Vocabulary, type Corpus } from './corpus.js';
import { UserError } from './errors.js';
import type { CliIO } from './main.js';
import { renderLossSvg } from './plot.js';
import {
  ConsoleReporter,
  JsonReporter,
  type CheckpointReason,
  type ProgressSnapshot,
  type TrainReporter,
  type TrainSummary,
} from './progress.js';
import {
  defaultRunDir,
  LOSS_CSV_HEADER,
  LossCsv,
  prepareRunDir,
  readLossCsv,
  runPaths,
  samplesMarkdown,
  writeReportMarkdown,
  type LossRow,
  type RunPaths,
  type SampleEntry,
} from './run-dir.js';
import { copyParams, modelFromCheckpoint } from './sample-command.js';
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
export const FIXED_ON_RESUME = ['hidden', 'seqLength', 'batch', 'optimizer', 'seed', 'backend'] as const;

/** Characters sampled from the best model for report.md (the report's 1000). */
export const BEST_SAMPLE_LENGTH = 1000;

/**
 * The run's settings. A new run: the flags (defaults filled in). A resumed
 * run: the checkpoint's config, with the flags the user typed on top — except
 * that hidden, seq-length, batch, optimizer and seed cannot change (a
 * different value is a `UserError`). Throws `UserError` on invalid values.
 */
export function resolveConfig(flags: Partial<TrainConfig>, explicit: ReadonlySet<keyof TrainConfig>, saved?: TrainConfig): TrainConfig {
  if (!saved) return parseTrainConfig({ ...defaultTrainConfig, ...flags });
  for (const field of FIXED_ON_RESUME) {
    if (explicit.has(field) && flags[field] !== saved[field]) {
      throw new UserError(
        `${flagName(field)} ${flags[field]} conflicts with the checkpoint, which was trained with ${flagName(field)} ${saved[field]}; ` +
          `a resumed run keeps the checkpoint's ${FIXED_ON_RESUME.map(flagName).join(', ')} (drop the flag, or start a new run)`,
      );
    }
  }
  const merged: Record<string, unknown> = { ...saved };
  for (const field of explicit) merged[field] = flags[field];
  return parseTrainConfig(merged);
}

/**
 * The seed of the generator that draws a training-time sample: a hash of the
 * run's seed and the update. Samples never touch the training generator, so
 * they cannot change the run, and a resumed run draws the same samples as an
 * uninterrupted one. `update` −1 is used for the best model's text.
 */
export function samplingSeed(seed: number, update: number): number {
  let h = Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1) ^ Math.floor(seed / 0x100000000);
  h = Math.imul(h ^ (update | 0) ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Everything a run needs, validated before the run directory is touched. */
interface Setup {
  config: TrainConfig;
  corpus: Corpus;
  vocab: Vocabulary;
  ids: Int32Array;
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
async function setUp(o: TrainCommandOptions): Promise<Setup> {
  // Flag values first, so a typo is reported before any file is read.
  if (!o.resume) resolveConfig(o.flags, o.explicit);
  const ckpt = o.resume ? await loadCheckpoint(o.resume) : undefined;
  const config = resolveConfig(o.flags, o.explicit, ckpt?.config);
  const corpus = await loadCorpus(o.data);
  const textVocab = Vocabulary.fromText(corpus.text);
  let vocab = textVocab;
  if (ckpt) {
    vocab = Vocabulary.fromChars(ckpt.vocab);
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
  const ids = vocab.encode(corpus.text);
  const streams = new TextStreams(ids, config.batch, config.seqLength);

  const trainRng = new Rng(config.seed);
  if (setBackend(config.backend) !== config.backend) {
    throw new UserError(`--backend ${config.backend} is not available here (${wasmUnavailableReason() ?? 'unknown reason'}); use --backend js`);
  }
  const model = charRnn({ vocabSize: vocab.size, hidden: config.hidden, rng: trainRng, batch: config.batch });
  const params = model.parameters();
  // Clipping happens inside step(): AdaGrad fuses clip, accumulate and update into one pass.
  const optimizer = createOptimizer(config.optimizer, params, { lr: config.lr, clipValue: config.clip > 0 ? config.clip : Infinity });
  const setup: Setup = { config, corpus, vocab, ids, streams, model, params, optimizer, trainRng, update: 0, epoch: 0, smoothLoss: NaN };
  if (ckpt) {
    copyParams(model, ckpt);
    copy(model.state, ckpt.h);
    try {
      optimizer.loadStateDict(ckpt.optimizer);
    } catch (error) {
      throw new UserError(`${o.resume}: the optimizer state does not fit: ${(error as Error).message}`, { cause: error });
    }
    streams.setPositions(ckpt.position);
    setup.trainRng = Rng.fromState(ckpt.rng);
    setup.update = ckpt.update;
    setup.epoch = ckpt.epoch;
    setup.smoothLoss = ckpt.smoothLoss;
    setup.resumed = { file: o.resume!, ckpt };
  }
  return setup;
}

function sameChars(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** True when every parameter entry is finite (checked before a checkpoint is written). */
function allFinite(params: readonly Param[]): boolean {
  for (const p of params) {
    const { data, offset, size } = p.value;
    for (let i = 0; i < size; i++) if (!Number.isFinite(data[offset + i]!)) return false;
  }
  return true;
}

/**
 * `char-rnn train`. Resolves to the exit code: 0 done, 1 diverged (loss NaN
 * or infinite: the last good checkpoint is kept), 130 interrupted (after a
 * checkpoint and the report). Bad input throws `UserError` before the run
 * directory is created or anything in it is written.
 */
export async function trainCommand(o: TrainCommandOptions, io: CliIO): Promise<number> {
  const previousBackend = getBackend();
  try {
    return await train(o, io);
  } finally {
    setBackend(previousBackend); // in-process callers (tests) get their backend back
  }
}

async function train(o: TrainCommandOptions, io: CliIO): Promise<number> {
  const s = await setUp(o);
  const { config, streams, model, params, optimizer, vocab, ids } = s;

  // The run directory: a resumed run continues in its checkpoint's directory unless --out says otherwise.
  const outDir = o.out ?? (o.resume ? dirname(o.resume) : defaultRunDir());
  const continuing = o.resume !== undefined && resolve(outDir) === resolve(dirname(o.resume));
  const previousRows = continuing ? readPreviousRows(outDir, s.update) : [];
  const previousSamples = continuing ? readPreviousSamples(outDir) : undefined;
  const paths = await prepareRunDir(outDir, { force: o.force || continuing });

  const reporter: TrainReporter = o.json ? new JsonReporter(io.stdout) : new ConsoleReporter(io.stdout, io.stderr);
  const csv = LossCsv.open(paths.lossCsv);
  for (const r of previousRows) csv.append(r);

  const sampleModel = model.withBatch(1);
  const m = config.hidden;
  const inputs = new Int32Array(config.seqLength * config.batch);
  const targets = new Int32Array(config.seqLength * config.batch);

  let update = s.update;
  let epoch = s.epoch;
  let smooth = s.smoothLoss;
  let loss = NaN;
  // best.safetensors belongs to the run directory: a resume elsewhere starts its own.
  let best = continuing ? (s.resumed?.ckpt.bestSmoothLoss ?? Infinity) : Infinity;
  let bestUpdate: number | undefined;
  let lastGoodCheckpoint: { file: string; update: number } | undefined;
  const samples: SampleEntry[] = [];
  const milestones: { epoch: number; update: number; smoothLoss: number }[] = [];
  const startUpdate = update;
  const totalUpdates = plannedTotal(config, streams, update, epoch);

  const checkpointAt = (): CharRnnCheckpoint => {
    const byName = Object.fromEntries(params.map((p) => [p.name, p.value]));
    const positions = streams.getPositions();
    const ckpt: CharRnnCheckpoint = {
      params: { U: byName.U!, W: byName.W!, V: byName.V!, b: byName.b!, c: byName.c! },
      h: model.state,
      optimizer: optimizer.stateDict(),
      vocab: [...vocab.chars],
      config,
      update,
      epoch,
      position: config.batch === 1 ? positions[0]! : positions,
      smoothLoss: smooth,
      rng: s.trainRng.getState(),
    };
    if (Number.isFinite(best)) ckpt.bestSmoothLoss = best;
    return ckpt;
  };
  const save = async (file: string, reason: CheckpointReason): Promise<boolean> => {
    if (!allFinite(params) || !Number.isFinite(smooth)) return false; // never replace a good file with a broken state
    await saveCheckpoint(file, checkpointAt());
    if (reason !== 'best') lastGoodCheckpoint = { file, update };
    reporter.checkpoint({ update, file, reason });
    return true;
  };
  const checkBest = async (): Promise<boolean> => {
    if (!(smooth < best)) return true;
    best = smooth;
    bestUpdate = update;
    return save(paths.best, 'best');
  };
  const writeSamples = async (): Promise<void> => {
    const body = samplesMarkdown(samples);
    await writeFileAtomic(paths.samples, previousSamples ? `${previousSamples.trimEnd()}\n\n${body.replace(/^# Text evolution\n\n/, '')}` : body);
  };
  const takeSample = async (): Promise<void> => {
    // Stream 0's state and next character, in a batch-1 model sharing the weights: training is not disturbed.
    copy(reshape(sampleModel.state, [m]), row(model.state, 0));
    const rng = new Rng(samplingSeed(config.seed, update));
    const text = vocab.decode(generateIds(sampleModel, [streams.nextInput(0)], config.sampleLength, rng, { vocabSize: vocab.size }));
    const entry: SampleEntry = { update, text, epoch: epoch + 1 };
    if (update > 0) entry.smoothLoss = smooth;
    samples.push(entry);
    reporter.sample({ update, epoch: epoch + 1, text });
    await writeSamples();
  };

  const snapshot: ProgressSnapshot = {
    update,
    totalUpdates,
    epoch: epoch + 1,
    epochs: config.epochs,
    loss,
    smoothLoss: smooth,
    updatesPerSec: 0,
    etaSeconds: NaN,
  };
  const startedAt = performance.now();
  let lastYield = startedAt;
  let stoppedBy: TrainSummary['stoppedBy'];
  reporter.start({
    startUpdate: update,
    totalUpdates,
    epochs: config.epochs,
    outDir,
    ...(s.resumed ? { resumedFrom: s.resumed.file } : {}),
  });

  for (;;) {
    if (config.updates !== undefined && update >= config.updates) {
      stoppedBy = 'updates';
      break;
    }
    if (!streams.hasNext()) {
      epoch += 1;
      milestones.push({ epoch, update, smoothLoss: smooth });
      if (epoch >= config.epochs) {
        stoppedBy = 'epochs';
        break;
      }
      streams.rewind();
      model.resetState(); // h = 0 at the start of every epoch, as in the report
    }
    if (update % config.sampleEvery === 0) await takeSample();

    streams.next(inputs, targets);
    model.zeroGrad();
    loss = model.lossAndGradients(inputs, targets);
    if (!Number.isFinite(loss)) {
      stoppedBy = 'diverged';
      break;
    }
    optimizer.step();
    smooth = update === 0 ? loss : 0.999 * smooth + 0.001 * loss;
    update += 1;

    const now = performance.now();
    const rate = (update - startUpdate) / ((now - startedAt) / 1000);
    snapshot.update = update;
    snapshot.epoch = epoch + 1;
    snapshot.loss = loss;
    snapshot.smoothLoss = smooth;
    snapshot.updatesPerSec = rate;
    snapshot.etaSeconds = (totalUpdates - update) / rate;
    reporter.progress(snapshot);

    if (update % config.logEvery === 0) {
      csv.append({ update, smoothLoss: smooth, loss });
      reporter.logPoint(snapshot);
      if (!(await checkBest())) {
        stoppedBy = 'diverged';
        break;
      }
    }
    if (config.checkpointEvery !== undefined && update % config.checkpointEvery === 0) {
      if (!(await save(paths.checkpoint, 'every'))) {
        stoppedBy = 'diverged';
        break;
      }
    }
    if (io.signal?.aborted) {
      stoppedBy = 'interrupted';
      break;
    }
    // Let signals (Ctrl-C) and the progress bar's timer through now and then.
    if (now - lastYield > 50) {
      await new Promise<void>((done) => setImmediate(done));
      lastYield = performance.now();
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const updatesPerSec = seconds > 0 ? (update - startUpdate) / seconds : 0;

  const summary = { stoppedBy, update, epochsDone: epoch, smoothLoss: smooth, bestSmoothLoss: best, seconds, updatesPerSec, outDir };
  if (stoppedBy === 'diverged') {
    csv.close();
    const where = lastGoodCheckpoint
      ? `the last good checkpoint is ${lastGoodCheckpoint.file} (update ${lastGoodCheckpoint.update})`
      : s.resumed
        ? `the checkpoint you resumed from, ${s.resumed.file}, is untouched`
        : 'no checkpoint was written (use --checkpoint-every to keep some)';
    reporter.finish({ ...summary, files: lastGoodCheckpoint ? { checkpoint: lastGoodCheckpoint.file } : {} });
    const what = Number.isFinite(loss) ? `the weights stopped being finite after update ${update}` : `the loss became ${loss} at update ${update + 1}`;
    io.stderr.write(`char-rnn: training diverged: ${what}; stopped without saving the bad state; ${where}; try a smaller --lr\n`);
    return 1;
  }

  // Close the curve and the best-model check on the last update, then the final checkpoint.
  if (update > startUpdate && update % config.logEvery !== 0) csv.append({ update, smoothLoss: smooth, loss });
  csv.close();
  await checkBest();
  await save(paths.checkpoint, stoppedBy === 'interrupted' ? 'interrupt' : 'end');
  if (stoppedBy === 'interrupted') reporter.note(`Interrupted at update ${update}; resume with: char-rnn train --resume ${paths.checkpoint}`);

  const bestText = await sampleBestModel(paths, ids, config.seed);
  const rows = readLossCsv(paths.lossCsv);
  await writeFileAtomic(paths.lossSvg, await renderLossSvg(rows, 'Smooth loss during training'));
  await writeSamples();
  const notes: string[] = [];
  if (s.resumed) notes.push(`Resumed from ${s.resumed.file} at update ${startUpdate}; earlier samples are in samples.md.`);
  if (stoppedBy === 'interrupted') notes.push(`Interrupted (Ctrl-C) at update ${update}.`);
  await writeReportMarkdown(paths.report, {
    settings: { data: s.corpus.source, ...config },
    corpus: { source: s.corpus.source, characters: ids.length, vocabularySize: vocab.size },
    timing: { seconds, updates: update - startUpdate },
    finalSmoothLoss: smooth,
    bestSmoothLoss: best,
    ...(bestUpdate !== undefined ? { bestUpdate } : {}),
    milestones,
    evolution: samples,
    bestSample: bestText,
    notes,
  });

  reporter.finish({
    ...summary,
    files: {
      checkpoint: paths.checkpoint,
      best: paths.best,
      lossCsv: paths.lossCsv,
      lossSvg: paths.lossSvg,
      samples: paths.samples,
      report: paths.report,
    },
  });
  return stoppedBy === 'interrupted' ? 130 : 0;
}

/** Updates the run will have done at its end: the --updates cap or the end of the last epoch, whichever comes first. */
function plannedTotal(config: TrainConfig, streams: TextStreams, update: number, epoch: number): number {
  const leftInEpoch = streams.windowsPerEpoch - streams.windowIndex;
  const byEpochs = epoch >= config.epochs ? update : update + leftInEpoch + (config.epochs - epoch - 1) * streams.windowsPerEpoch;
  return config.updates === undefined ? byEpochs : Math.max(update, Math.min(config.updates, byEpochs));
}

/**
 * BEST_SAMPLE_LENGTH characters from best.safetensors (read back, so the text
 * comes from the file a user keeps), continuing stream 0 where the best model
 * was saved: its hidden state, fed the next character of the text.
 */
async function sampleBestModel(paths: RunPaths, ids: Int32Array, seed: number): Promise<string> {
  const best = await loadCheckpoint(paths.best);
  const vocab = Vocabulary.fromChars(best.vocab);
  const position = Array.isArray(best.position) ? best.position[0]! : best.position;
  const next = ids[Math.min(position, ids.length - 1)]!;
  const generated = generateIds(modelFromCheckpoint(best), [next], BEST_SAMPLE_LENGTH, new Rng(samplingSeed(seed, -1)), {
    vocabSize: vocab.size,
  });
  return vocab.decode([next]) + vocab.decode(generated);
}

/**
 * The loss.csv rows of the run being continued, up to `update` (rows of a
 * later, abandoned continuation are dropped so the curve stays one line).
 */
function readPreviousRows(dir: string, update: number): LossRow[] {
  const file = runPaths(dir).lossCsv;
  if (!existsSync(file)) return [];
  try {
    return readLossCsv(file).filter((r) => r.update <= update);
  } catch (error) {
    throw new UserError(`cannot continue ${file}: ${(error as Error).message} (expected a header "${LOSS_CSV_HEADER}")`, { cause: error });
  }
}

/** The samples.md of the run being continued, if any; new samples are added after it. */
function readPreviousSamples(dir: string): string | undefined {
  const file = runPaths(dir).samples;
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * One `char-rnn train` run as an object: the state that changes as it trains
 * (update, epoch, smooth loss, best, samples) and its named steps — `step`
 * (one update), `log`, `checkBest`, `save`, `sample`, `finish`. `train.ts`
 * sets it up and calls `run()`. No forward or backward math lives here.
 *
 * One update: zero the grads, `loss = model.lossAndGradients(X, Y)` on the
 * next window of every stream (the hidden state carries over), clip every
 * gradient entry to [-clip, clip], `optimizer.step()`, then
 * smooth = loss on the first update of a run, 0.999·smooth + 0.001·loss after.
 */
import type { DataParallel } from '@weft/layers';
import { pullStates, pushStates, startDataParallel } from './parallel.js';
import { DivergenceWatch, samplingSeed, stepOrDiverge } from './run-rules.js';
import { generateIds, stateDict, type CharRnnModel, type Param } from '@weft/layers';
import type { Optimizer } from '@weft/optim';
import { resolve } from 'node:path';
import { isWasmTensor, Rng, wasmFree } from '@weft/tensor';
import { writeFileAtomic } from './atomic-write.js';
import { encodeCheckpoint, loadCheckpoint, type CharRnnCheckpoint, type EpochEnd } from './checkpoint.js';
import { abortExitCode, abortSignalName, EXIT, type CliIO } from './cli-io.js';
import { isFileWriteError } from './errors.js';
import type { FullTrainConfig, TrainConfig } from './config.js';
import { Vocabulary } from './corpus.js';
import { copyStreamStates, modelFromCheckpoint } from './model-checkpoint.js';
import { renderLossSvg } from './plot.js';
import type { CheckpointReason, ProgressSnapshot, TrainReporter, TrainSummary } from './progress.js';
import { LossCsv, lossCsvText, readLossCsv, reportMarkdown, samplesMarkdown, type LossRow, type RunPaths, type SampleEntry } from './run-dir.js';
import type { TokenIds } from './corpus.js';
import type { TextStreams } from './streams.js';
import type { Setup } from './train-setup.js';

/**
 * CHAR_RNN_TIMING=1 in the environment: one line on stderr when the first
 * update is done (milliseconds since the process started, resident memory, CPU
 * time), for measuring start-up (docs/performance.md; cli-main.ts adds the peak at
 * exit). Nothing else changes.
 */
const TIMING = typeof process !== 'undefined' && process.env.CHAR_RNN_TIMING === '1';

/** Characters sampled from the best model for report.md (the report's 1000). */
export const BEST_SAMPLE_LENGTH = 1000;

export { samplingSeed };


/** Where the run writes and what it carries over from the run it continues. */
export interface RunPlace {
  outDir: string;
  paths: RunPaths;
  /** True when resuming into the checkpoint's own directory. */
  continuing: boolean;
  /** loss.csv rows of the run being continued, up to the checkpoint. */
  previousRows: readonly LossRow[];
  /** The samples of the run being continued, drawn before the checkpoint's update. */
  previousSamples: readonly SampleEntry[];
}

/** How the loop ended. */
type StoppedBy = TrainSummary['stoppedBy'];

/** A training run: create it with a validated `Setup` and a prepared run directory, then `run()`. */
export class TrainingRun {
  private readonly config: FullTrainConfig;
  private readonly streams: TextStreams;
  private readonly model: CharRnnModel;
  private readonly sampleModel: CharRnnModel;
  /** Batch 1, sharing the weights: evaluates the validation text (no dropout), from zero state. */
  private readonly evalModel: CharRnnModel | undefined;
  /** With --workers N > 1: the worker threads that compute the gradients of their share of the streams. */
  private dp: DataParallel | null = null;
  /** The held-out text (empty without --val-fraction). */
  private readonly valIds: TokenIds;
  /** The last validation: its update and loss per window of seq-length characters. */
  private lastVal: { update: number; loss: number } | undefined;
  private readonly params: Param[];
  private readonly optimizer: Optimizer;
  private readonly vocab: Vocabulary;
  /** loss.csv, opened by `run()` (see `openLossCsv`). */
  private csv: LossCsv | undefined;
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;

  private update: number;
  private epoch: number;
  private smooth: number;
  private loss = NaN;
  private best: number;
  private bestUpdate: number | undefined;
  private lastGoodCheckpoint: { file: string; update: number } | undefined;
  private readonly samples: SampleEntry[];
  private readonly milestones: EpochEnd[];
  /** The epoch (1-based) of the update being done, for progress reports. */
  private stepEpoch: number;
  private readonly startUpdate: number;
  private readonly totalUpdates: number;
  private readonly snapshot: ProgressSnapshot;
  private startedAt = 0;
  /** The loss of the run's first update; a mean loss above three times it is divergence. */
  private initialLoss: number | undefined;
  /** The divergence rule: losses averaged over ≥ 2,500 characters, as Karpathy's char-rnn's batch. */
  private readonly divergenceWatch: DivergenceWatch;
  /** Why the run diverged, for the message. */
  private divergence = '';
  /** Whether the final checkpoint is written (then a resume has nothing left to train). */
  private trained = false;

  constructor(
    private readonly s: Setup,
    private readonly place: RunPlace,
    private readonly reporter: TrainReporter,
    private readonly io: CliIO,
  ) {
    this.config = s.config;
    this.streams = s.streams;
    this.model = s.model;
    this.params = s.params;
    this.optimizer = s.optimizer;
    this.vocab = s.vocab;
    this.sampleModel = s.model.withBatch(1);
    this.valIds = s.valIds;
    this.evalModel = s.valIds.length >= 2 ? s.model.withBatch(1) : undefined;
    this.inputs = new Int32Array(s.config.seqLength * s.config.batch);
    this.targets = new Int32Array(s.config.seqLength * s.config.batch);
    this.update = s.update;
    this.epoch = s.epoch;
    this.smooth = s.smoothLoss;
    // best.safetensors belongs to the run directory: a resume elsewhere starts its own.
    // With a validation set the best model is the one with the lowest validation loss.
    const savedBest = this.evalModel ? s.resumed?.ckpt.bestValLoss : s.resumed?.ckpt.bestSmoothLoss;
    this.best = place.continuing ? (savedBest ?? Infinity) : Infinity;
    if (s.resumed?.ckpt.lastVal !== undefined) this.lastVal = { ...s.resumed.ckpt.lastVal };
    if (place.continuing && s.resumed?.ckpt.bestUpdate !== undefined) this.bestUpdate = s.resumed.ckpt.bestUpdate;
    this.samples = [...place.previousSamples];
    this.milestones = [...(s.resumed?.ckpt.epochEnds ?? [])];
    this.stepEpoch = this.epoch + 1;
    // Checkpoints of older versions lack it: the loss of a uniform guess, T·ln K, is what a first update sees.
    this.initialLoss = s.resumed ? (s.resumed.ckpt.initialLoss ?? s.config.seqLength * Math.log(s.vocab.size)) : undefined;
    // A resumed run's window starts from the smooth loss it continues from, not from one window's loss.
    this.divergenceWatch = new DivergenceWatch(s.config.seqLength * s.config.batch, s.resumed ? s.smoothLoss : undefined);
    this.startUpdate = s.update;
    this.totalUpdates = plannedTotal(s.config, s.streams, s.update, s.epoch);
    this.snapshot = {
      update: this.update,
      totalUpdates: this.totalUpdates,
      epoch: this.epoch + 1,
      epochs: this.config.epochs,
      loss: this.loss,
      smoothLoss: this.smooth,
      trainBpc: this.trainBpc(),
      updatesPerSec: 0,
      etaSeconds: NaN,
    };
  }

  /**
   * Trains until a budget, a signal or divergence ends the run, writes its
   * files, and returns the exit code. A file that cannot be written throws
   * `FileWriteError` (its previous version is intact).
   */
  async run(): Promise<number> {
    try {
      await this.openLossCsv();
      const workers = this.config.workers ?? 1;
      if (workers > 1) {
        this.dp = await startDataParallel(this.model, { workers, backend: this.config.backend, seed: this.config.seed });
        await pushStates(this.dp, this.model); // a resumed run's states → the workers that own the streams
      }
      return await this.trainAndFinish();
    } catch (error) {
      // A write failed mid-run (a full disk, EIO, …): tell how to go on from what is on disk.
      if (isFileWriteError(error) && !this.trained) error.hint ??= this.recoveryHint();
      throw error;
    } finally {
      this.csv?.close();
      await this.dp?.close();
    }
  }

  /**
   * Starts loss.csv with the rows carried over (a resume's, up to its
   * checkpoint), then opens it for appending. The rows are written atomically,
   * not by truncating and appending: a resume that fails (a full disk) or is
   * killed while rewriting them leaves the old loss.csv whole, whose rows the
   * next resume needs.
   */
  private async openLossCsv(): Promise<void> {
    const file = this.place.paths.lossCsv;
    await this.write(file, lossCsvText(this.place.previousRows));
    this.csv = LossCsv.open(file, { append: true, ...(this.io.fs ? { fs: this.io.fs } : {}) });
  }

  /** What to do after a failed write before the final checkpoint: resume from the last good one, or start again. */
  private recoveryHint(): string {
    const good = this.lastGoodCheckpoint ?? (this.s.resumed && this.place.continuing ? { file: this.s.resumed.file, update: this.startUpdate } : undefined);
    if (good === undefined) return `no checkpoint was written yet: fix that and start again (with --force to reuse ${this.place.outDir})`;
    return `fix that, then resume from update ${good.update} with: ${resumeCommand(good.file, this.s.corpus.file)}`;
  }

  /** Atomically writes one of the run's files (through `io.fs` when a test injects one). */
  private write(file: string, data: string | Uint8Array): Promise<void> {
    return writeFileAtomic(file, data, this.io.fs ? { fs: this.io.fs } : {});
  }

  /** The bytes of the last checkpoint written (see `saveBuffer`). */
  private saveBytes = new Uint8Array(0);

  /**
   * `n` bytes to encode a checkpoint into: one buffer reused by every save
   * (saves run one at a time, each awaiting its write), grown when needed. A
   * new 0.5 MB array per save was garbage until the next collection, taken
   * from malloc's heap, which then stays resident (docs/performance.md).
   */
  private saveBuffer(n: number): Uint8Array {
    if (this.saveBytes.length < n) this.saveBytes = new Uint8Array(Math.ceil(n * 1.25));
    return this.saveBytes.subarray(0, n);
  }

  /** Whether the first update's timing line was written (CHAR_RNN_TIMING=1). */
  private timed = false;

  private async trainAndFinish(): Promise<number> {
    this.startedAt = performance.now();
    this.reporter.start({
      startUpdate: this.update,
      totalUpdates: this.totalUpdates,
      epochs: this.config.epochs,
      outDir: this.place.outDir,
      ...(this.s.resumed ? { resumedFrom: this.s.resumed.file } : {}),
    });
    const stoppedBy = await this.loop();
    return this.finish(stoppedBy);
  }

  private async loop(): Promise<StoppedBy> {
    const { config, streams } = this;
    let lastYield = this.startedAt;
    for (;;) {
      if (config.updates !== undefined && this.update >= config.updates) return 'updates';
      if (this.epoch >= config.epochs) return 'epochs';
      if (this.update % config.sampleEvery === 0) await this.sample();

      this.stepEpoch = this.epoch + 1;
      if (!(await this.step())) return 'diverged';
      if (TIMING && !this.timed) {
        this.timed = true;
        // performance.now() counts from the start of the process.
        const cpu = process.cpuUsage();
        this.io.stderr.write(
          `char-rnn timing: first update done ${performance.now().toFixed(1)} ms after the process started; ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB resident; ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms of CPU\n`,
        );
      }
      // The epoch is counted and the walk rewound at once, so every checkpoint from here on
      // says "epoch done, next window at the start": a resume never counts it twice.
      if (!streams.hasNext()) await this.endEpoch();
      const now = performance.now();
      this.progress(now);

      const logNow = this.update % config.logEvery === 0;
      const evalNow = this.evalModel !== undefined && this.update % config.evalEvery === 0;
      if (logNow || evalNow) {
        this.log(evalNow);
        if (!(await this.checkBest())) return 'diverged';
      }
      if (config.checkpointEvery !== undefined && this.update % config.checkpointEvery === 0) {
        if (!(await this.save(this.place.paths.checkpoint, 'every'))) return 'diverged';
      }
      if (this.io.signal?.aborted) return 'interrupted';
      // Let signals (Ctrl-C) and the progress bar's timer through now and then.
      if (now - lastYield > 50) {
        await new Promise<void>((done) => setImmediate(done));
        lastYield = performance.now();
      }
    }
  }

  /**
   * One update on the next window of every stream. False, with nothing stepped,
   * when the run diverges (as Karpathy's char-rnn decides): the loss is not
   * finite, or its mean over the last ≥ 2,500 characters of updates is above
   * three times the initial loss (`DivergenceWatch`), or the optimizer refuses
   * a non-finite gradient.
   */
  private async step(): Promise<boolean> {
    this.streams.next(this.inputs, this.targets);
    this.model.zeroGrad();
    // With --workers, each worker computes its share of the streams and the gradients are summed into the model's.
    const loss = this.dp ? await this.dp.lossAndGradients(this.inputs, this.targets) : this.model.lossAndGradients(this.inputs, this.targets);
    this.loss = loss;
    const at = this.update + 1;
    if (Number.isFinite(loss)) this.initialLoss ??= loss;
    // The optimizer steps only when the loss did not diverge.
    const diverged = this.divergenceWatch.check(loss, this.initialLoss ?? loss, at) ?? stepOrDiverge(this.optimizer, at);
    if (diverged !== null) {
      this.divergence = diverged;
      return false;
    }
    this.smooth = this.update === 0 ? this.loss : 0.999 * this.smooth + 0.001 * this.loss;
    this.update += 1;
    return true;
  }

  /** Counts the finished epoch and starts the next at the beginning of the text with h = 0, as in the report. */
  private async endEpoch(): Promise<void> {
    this.epoch += 1;
    this.milestones.push({ epoch: this.epoch, update: this.update, smoothLoss: this.smooth });
    this.streams.rewind();
    this.model.resetState();
    await this.dp?.resetState();
  }

  /** Tells the reporter where the run is (every update; reporters throttle). */
  private progress(now: number): void {
    const rate = (this.update - this.startUpdate) / ((now - this.startedAt) / 1000);
    const snap = this.snapshot;
    snap.update = this.update;
    snap.epoch = this.stepEpoch;
    snap.loss = this.loss;
    snap.smoothLoss = this.smooth;
    snap.trainBpc = this.trainBpc();
    snap.updatesPerSec = rate;
    snap.etaSeconds = (this.totalUpdates - this.update) / rate;
    this.reporter.progress(snap);
  }

  /** Training bits per character: smooth loss / seq-length / ln 2. */
  private trainBpc(): number {
    return this.smooth / this.config.seqLength / Math.LN2;
  }

  /** A loss.csv row and a log point; with `evaluate`, the validation loss first (a `validation` event, and in the row). */
  private log(evaluate: boolean): void {
    const row: LossRow = { update: this.update, smoothLoss: this.smooth, loss: this.loss, trainBpc: this.trainBpc() };
    if (evaluate) {
      const perChar = this.validate();
      row.valLoss = perChar * this.config.seqLength;
      row.valBpc = perChar / Math.LN2;
      this.lastVal = { update: this.update, loss: row.valLoss };
      this.reporter.validation({ update: this.update, epoch: this.stepEpoch, valLoss: row.valLoss, valBpc: row.valBpc, trainBpc: row.trainBpc! });
    }
    this.csv!.append(row);
    this.reporter.logPoint(this.snapshot);
  }

  /**
   * The mean loss per character (nats) of the whole validation text: the
   * batch-1 evaluation model (sharing the weights, no dropout) from zero state,
   * fed windows of seq-length characters (the last one shorter), its state
   * carried between windows. Training's state is not touched.
   */
  private validate(): number {
    const model = this.evalModel!;
    const ids = this.valIds;
    const T = this.config.seqLength;
    const predictions = ids.length - 1;
    model.resetState();
    // The text's ids may be 8 or 16 bits wide; the model takes Int32Array windows.
    const inputs = new Int32Array(T);
    const targets = new Int32Array(T);
    let total = 0;
    for (let start = 0; start < predictions; start += T) {
      const n = Math.min(T, predictions - start);
      inputs.set(ids.subarray(start, start + n));
      targets.set(ids.subarray(start + 1, start + n + 1));
      total += model.loss(inputs.subarray(0, n), targets.subarray(0, n));
    }
    return total / predictions;
  }

  /** The state to save now. */
  private checkpoint(): CharRnnCheckpoint {
    const { config, streams } = this;
    const positions = streams.getPositions();
    const ckpt: CharRnnCheckpoint = {
      params: stateDict(this.model),
      h: this.model.state,
      states: { ...this.model.states },
      optimizer: this.optimizer.stateDict(),
      vocab: [...this.vocab.chars],
      config,
      update: this.update,
      epoch: this.epoch,
      position: config.batch === 1 ? positions[0]! : positions,
      smoothLoss: this.smooth,
      rng: this.s.trainRng.getState(),
    };
    if (!this.evalModel && Number.isFinite(this.best)) ckpt.bestSmoothLoss = this.best;
    if (this.bestUpdate !== undefined) ckpt.bestUpdate = this.bestUpdate;
    if (this.initialLoss !== undefined) ckpt.initialLoss = this.initialLoss;
    if (this.milestones.length > 0) ckpt.epochEnds = this.milestones.map((e) => ({ ...e }));
    if (this.evalModel && Number.isFinite(this.best)) ckpt.bestValLoss = this.best;
    if (this.lastVal !== undefined) ckpt.lastVal = { ...this.lastVal };
    return ckpt;
  }

  /** Writes a checkpoint; false (and nothing written) when the state is not finite. */
  private async save(file: string, reason: CheckpointReason): Promise<boolean> {
    if (!allFinite(this.params) || !Number.isFinite(this.smooth)) return false; // never replace a good file with a broken state
    if (this.dp) await pullStates(this.dp, this.model); // the streams' states live in the workers
    const ckpt = this.checkpoint();
    let bytes: Uint8Array;
    try {
      bytes = encodeCheckpoint(ckpt, { allocate: (n) => this.saveBuffer(n) });
    } finally {
      // The optimizer's stateDict() is a fresh copy, on the WebAssembly heap under
      // the wasm backend. Its blocks return to the heap now: left to the garbage
      // collector (which the small JS objects seldom prompt), each best-model save
      // could take fresh heap pages, which then stay resident.
      for (const t of Object.values(ckpt.optimizer)) if (isWasmTensor(t)) wasmFree(t);
    }
    await this.write(file, bytes);
    if (reason !== 'best') this.lastGoodCheckpoint = { file, update: this.update };
    this.reporter.checkpoint({ update: this.update, file, reason });
    return true;
  }

  /**
   * Saves best.safetensors when the model is the best so far: the lowest smooth
   * loss, or with a validation set the lowest validation loss (checked right
   * after each evaluation). False when the state is not finite.
   */
  private async checkBest(): Promise<boolean> {
    const score = this.evalModel ? (this.lastVal?.update === this.update ? this.lastVal.loss : NaN) : this.smooth;
    if (!(score < this.best)) return true;
    this.best = score;
    this.bestUpdate = this.update;
    return this.save(this.place.paths.best, 'best');
  }

  /** Draws a text sample from stream 0's state (training is not disturbed) and rewrites samples.md. */
  private async sample(): Promise<void> {
    const { config, update } = this;
    // Stream 0's states (every layer's h, and c for an LSTM) and next character, in a batch-1 model sharing the weights.
    if (this.dp) await pullStates(this.dp, this.model);
    copyStreamStates(this.sampleModel, this.model.states, 0);
    const rng = new Rng(samplingSeed(config.seed, update));
    const text = this.vocab.decode(generateIds(this.sampleModel, [this.streams.nextInput(0)], config.sampleLength, rng, { vocabSize: this.vocab.size }));
    const entry: SampleEntry = { update, text, epoch: this.epoch + 1 };
    if (update > 0) entry.smoothLoss = this.smooth;
    this.samples.push(entry);
    this.reporter.sample({ update, epoch: this.epoch + 1, text });
    await this.writeSamples();
  }

  /** Rewrites samples.md whole: the continued run's samples, then this segment's. */
  private async writeSamples(): Promise<void> {
    await this.write(this.place.paths.samples, samplesMarkdown(this.samples));
  }

  /** Closes the run: the last loss row and best check, then the files (or the divergence message); returns the exit code. */
  private async finish(stoppedBy: StoppedBy): Promise<number> {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const { config } = this;
    if (stoppedBy !== 'diverged') {
      // Close the curve and the best-model check on the last update, before the summary reads the best.
      const { update } = this;
      // With a validation set the run ends with an evaluation (unless one was just done).
      const logged = update % config.logEvery === 0 || (this.evalModel !== undefined && update % config.evalEvery === 0);
      if (update > this.startUpdate && !logged) this.log(this.evalModel !== undefined);
      this.csv?.close();
      await this.checkBest();
    }
    const summary = {
      stoppedBy,
      update: this.update,
      epochsDone: this.epoch,
      smoothLoss: this.smooth,
      bestSmoothLoss: this.evalModel ? Infinity : this.best,
      trainBpc: this.trainBpc(),
      ...(this.lastVal !== undefined ? { valLoss: this.lastVal.loss, valBpc: this.lastVal.loss / config.seqLength / Math.LN2 } : {}),
      ...(this.evalModel && Number.isFinite(this.best) ? { bestValLoss: this.best } : {}),
      seconds,
      updatesPerSec: seconds > 0 ? (this.update - this.startUpdate) / seconds : 0,
      outDir: this.place.outDir,
    };
    if (stoppedBy === 'diverged') {
      const good = this.lastGoodCheckpoint;
      this.reporter.finish({ ...summary, files: good ? { checkpoint: good.file } : {} });
      this.io.stderr.write(`char-rnn: ${this.divergenceMessage()}\n`);
      return EXIT.diverged;
    }
    await this.writeRunFiles(stoppedBy, seconds);
    const paths = this.place.paths;
    const files = { checkpoint: paths.checkpoint, best: paths.best, lossCsv: paths.lossCsv, lossSvg: paths.lossSvg, samples: paths.samples, report: paths.report };
    this.reporter.finish({ ...summary, files });
    return stoppedBy === 'interrupted' ? abortExitCode(this.io.signal?.reason) : EXIT.ok;
  }

  /** The one line a diverged run ends with: what happened, and which checkpoint is good. */
  private divergenceMessage(): string {
    const good = this.lastGoodCheckpoint;
    const where = good
      ? `the last good checkpoint is ${good.file} (update ${good.update})`
      : this.s.resumed
        ? `the checkpoint you resumed from, ${this.s.resumed.file}, is untouched`
        : 'no checkpoint was written (use --checkpoint-every to keep some)';
    const what = this.divergence || `the weights stopped being finite after update ${this.update}`;
    return `training diverged: ${what}; stopped without saving the bad state; ${where}; try a smaller --lr`;
  }

  /** The final checkpoint, loss.svg, samples.md and report.md (with 1000 characters from best.safetensors). */
  private async writeRunFiles(stoppedBy: StoppedBy, seconds: number): Promise<void> {
    const { config, update, reporter } = this;
    const paths = this.place.paths;
    await this.save(paths.checkpoint, stoppedBy === 'interrupted' ? 'interrupt' : 'end');
    this.trained = true;
    const signal = abortSignalName(this.io.signal?.reason);
    if (stoppedBy === 'interrupted') reporter.note(`Interrupted (${signal}) at update ${update}; resume with: ${resumeCommand(paths.checkpoint, this.s.corpus.file)}`);

    const bestText = await sampleBestModel(paths, this.s.ids, config.seed);
    const rows = readLossCsv(paths.lossCsv);
    // With a validation set the best is the validation loss's, which the training curve does not show.
    const best = this.bestUpdate !== undefined && !this.evalModel ? { best: { update: this.bestUpdate, smoothLoss: this.best } } : {};
    const title = this.evalModel ? 'Training (smooth) and validation loss' : 'Smooth loss during training';
    await this.write(paths.lossSvg, await renderLossSvg(rows, title, { epochEnds: this.milestones, ...best }));
    await this.writeSamples();
    const notes: string[] = [];
    if (this.s.resumed) notes.push(`Resumed from ${this.s.resumed.file} at update ${this.startUpdate}.`);
    if (stoppedBy === 'interrupted') notes.push(`Interrupted (${signal}) at update ${update}.`);
    const report = reportMarkdown({
      settings: { data: this.s.corpus.source, ...config },
      corpus: { source: this.s.corpus.source, characters: this.s.ids.length, vocabularySize: this.vocab.size },
      timing: { seconds, updates: update - this.startUpdate },
      finalSmoothLoss: this.smooth,
      bestSmoothLoss: this.evalModel ? NaN : this.best,
      seqLength: config.seqLength,
      ...(this.evalModel
        ? {
            validation: {
              characters: this.valIds.length,
              ...(this.lastVal ? { finalLoss: this.lastVal.loss, finalUpdate: this.lastVal.update } : {}),
              ...(Number.isFinite(this.best) ? { bestLoss: this.best } : {}),
            },
          }
        : {}),
      ...(this.bestUpdate !== undefined ? { bestUpdate: this.bestUpdate } : {}),
      milestones: this.milestones,
      evolution: this.samples,
      bestSample: bestText,
      notes,
    });
    await this.write(paths.report, report);
  }
}

/**
 * The command that resumes from `checkpoint`, to paste at the repository root:
 * absolute paths, quoted for a POSIX shell when needed, with the run's --data.
 */
export function resumeCommand(checkpoint: string, data?: string): string {
  const words = ['npm', 'run', 'char-rnn', '--', 'train', '--resume', resolve(checkpoint)];
  if (data !== undefined) words.push('--data', resolve(data));
  return words.map(shellWord).join(' ');
}

/** `word` as one POSIX shell word: as is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** True when every parameter entry is finite (checked before a checkpoint is written). */
function allFinite(params: readonly Param[]): boolean {
  for (const p of params) {
    const { data, offset, size } = p.value;
    for (let i = 0; i < size; i++) if (!Number.isFinite(data[offset + i]!)) return false;
  }
  return true;
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
async function sampleBestModel(paths: RunPaths, ids: ArrayLike<number>, seed: number): Promise<string> {
  const best = await loadCheckpoint(paths.best);
  const vocab = Vocabulary.fromChars(best.vocab);
  const position = Array.isArray(best.position) ? best.position[0]! : best.position;
  const next = ids[Math.min(position, ids.length - 1)]!;
  const generated = generateIds(modelFromCheckpoint(best), [next], BEST_SAMPLE_LENGTH, new Rng(samplingSeed(seed, -1)), {
    vocabSize: vocab.size,
  });
  return vocab.decode([next]) + vocab.decode(generated);
}

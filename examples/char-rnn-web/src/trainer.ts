/**
 * One training run, as `char-rnn train` does it with one stream, without any
 * DOM or worker code (so it also runs, and is tested, in Node):
 *
 *   zero the grads; loss = model.lossAndGradients(X, Y) on the next window
 *   (h carries over); AdaGrad with clipping to ±clip; smooth = loss on the
 *   first update, 0.999·smooth + 0.001·loss after; each epoch starts at the
 *   beginning of the text with h = 0; a loss (the mean of the last 100
 *   updates) above three times the first is divergence.
 *
 * Same text, settings, seed and backend as the CLI → the same run, so
 * checkpoints and samples move between the two.
 */
import { createOptimizer, type Optimizer } from '@weft/optim';
import { sampleIds, stateDict, type CharRnnModel, type Param, type SamplingOptions } from '@weft/layers';
import { copy, Rng, withBackend, type Backend, type DType } from '@weft/tensor';
import { checkpointStates, type CharRnnCheckpoint as RunCheckpoint } from '@weft/char-rnn-example/checkpoint-codec';
import { copyParams, copyStates, copyStreamStates, generateFromCheckpoint, modelForConfig, restoreRng } from '@weft/char-rnn-example/model-checkpoint';
import { DivergenceWatch, samplingSeed, stepOrDiverge } from '@weft/char-rnn-example/run-rules';

export { samplingSeed };
import { cellKind } from './cells.js';
import { dtypeChoice } from './dtypes.js';
import { TextWalk } from './text-walk.js';
import { Vocabulary } from './vocabulary.js';

/** The CLI's `TrainConfig`: the run's settings, stored as the checkpoint's `config`. */
export type RunConfig = RunCheckpoint['config'];

/** What the page's controls set. */
export interface TrainSettings {
  /** A cell id from CELLS: 'rnn', 'lstm' or 'gru'. */
  cell: string;
  hidden: number;
  /** Stacked recurrent layers (1–3 on the page). */
  layers: number;
  /** Dropout between layers, in [0, 1) (the CLI's --dropout; no effect with one layer). Default 0. */
  dropout?: number;
  /** The dtype of the weights, gradients, states and optimizer state (the CLI's --dtype). Default 'float64'. */
  dtype?: DType;
  lr: number;
  seqLength: number;
  /** Gradient clipping to [-clip, clip]; 0 turns it off. */
  clip: number;
  seed: number;
  /** Updates between samples (one is also drawn before update 1). */
  sampleEvery: number;
  sampleLength: number;
  /** Stop after this many updates in total (none: until paused). */
  updates?: number;
}

/** What a page run stores as its CLI `epochs`: it trains until paused or until `updates`. */
export const PAGE_EPOCHS = 1000;


/** A request to sample as `char-rnn sample --checkpoint … --seed S` does. */
export interface SeededSampleRequest extends SamplingOptions {
  seed: number;
  /** Characters generated after the prime (or after the first, random, character). */
  length: number;
  prime?: string;
}

/** Why `step()` did not do an update. */
export type StopReason = 'updates' | 'epochs' | 'diverged';

export class Trainer {
  readonly vocab: Vocabulary;
  readonly model: CharRnnModel;
  readonly params: Param[];
  readonly optimizer: Optimizer;
  readonly config: RunConfig;
  /** The walk over the training text; null when only sampling (a checkpoint loaded without its text). */
  readonly walk: TextWalk | null;
  /** The run's generator: it drew the weights, and the model draws its dropout masks from it. */
  readonly trainRng: Rng;
  update = 0;
  /** Epochs completed (the CLI's counter; the page shows epoch + 1). */
  epoch = 0;
  smoothLoss = NaN;
  loss = NaN;
  bestSmoothLoss = Infinity;
  bestUpdate: number | undefined;
  /** The loss of the first update; a mean loss above three times it is divergence (the CLI's rule). */
  initialLoss: number | undefined;
  /** What made the run diverge, when `step()` said 'diverged'. */
  divergence = '';
  /** The CLI's divergence rule, made at the first step (a loaded run's window starts from its smooth loss). */
  private divergenceWatch: DivergenceWatch | null = null;
  /** The smooth loss at the end of every epoch (kept in checkpoints for the CLI's report). */
  epochEnds: { epoch: number; update: number; smoothLoss: number }[] = [];
  private readonly inputs: Int32Array;
  private readonly targets: Int32Array;
  /** A batch-1 model of its own for training-time samples: it gets a snapshot of the weights, so drawing can go on while training does. */
  private readonly sampleModel: CharRnnModel;

  /**
   * `backend`: where the models and the optimizer state are allocated, and so
   * where their kernels run; their dtype is the config's (`modelForConfig`
   * builds it, the optimizer's state takes each parameter's).
   */
  private constructor(vocab: Vocabulary, config: RunConfig, walk: TextWalk | null, backend: Backend) {
    this.vocab = vocab;
    this.config = config;
    this.walk = walk;
    const trainRng = new Rng(config.seed);
    this.trainRng = trainRng;
    const built = withBackend(backend, () => {
      // As the CLI builds it: the run's generator draws the weights, layer by layer, then the dropout masks.
      const model = modelForConfig(config, vocab.size, trainRng, 1);
      const optimizer = createOptimizer(config.optimizer, model.parameters(), { lr: config.lr, clipValue: config.clip > 0 ? config.clip : Infinity });
      const sampleModel = modelForConfig(config, vocab.size, new Rng(0), 1);
      return { model, optimizer, sampleModel };
    });
    this.model = built.model;
    this.params = this.model.parameters();
    this.optimizer = built.optimizer;
    this.sampleModel = built.sampleModel;
    this.inputs = new Int32Array(config.seqLength);
    this.targets = new Int32Array(config.seqLength);
  }

  /**
   * A new run on `text`, allocated on `backend` in the settings' dtype (model,
   * sampling model and optimizer state alike). Throws on bad settings or a too-short text.
   */
  static create(text: string, s: TrainSettings, backend: Backend = 'js'): Trainer {
    checkSettings(s);
    const vocab = Vocabulary.fromText(text);
    const walk = new TextWalk(vocab.encode(text), s.seqLength);
    const config: RunConfig = {
      hidden: s.hidden,
      seqLength: s.seqLength,
      lr: s.lr,
      optimizer: 'adagrad',
      clip: s.clip,
      epochs: PAGE_EPOCHS,
      batch: 1,
      seed: s.seed,
      logEvery: 100,
      sampleEvery: s.sampleEvery,
      sampleLength: s.sampleLength,
      backend,
      cell: cellKind(s.cell).id,
      layers: s.layers,
      dropout: s.dropout ?? 0,
      valFraction: 0,
    };
    if (s.updates !== undefined) config.updates = s.updates;
    // As the CLI: a float64 run's config leaves dtype out, so its checkpoint is the one it always was.
    if (s.dtype === 'float32') config.dtype = 'float32';
    return new Trainer(vocab, config, walk, backend);
  }

  /**
   * A run restored from a checkpoint (the CLI's or the page's, any cell and
   * number of layers): the checkpoint's architecture, weights (by name), every
   * carried state and the run's generator, as `char-rnn train --resume` restores
   * them. With `text` whose vocabulary is the checkpoint's, training continues
   * where it stopped; without (or with another vocabulary, or a run the page
   * cannot continue) the model can only sample, and `trainable` says why not.
   */
  static fromCheckpoint(ckpt: RunCheckpoint, text?: string, backend: Backend = 'js'): { trainer: Trainer; trainable: true } | { trainer: Trainer; trainable: false; why: string } {
    const vocab = Vocabulary.fromChars(ckpt.vocab);
    let walk: TextWalk | null = null;
    let why = '';
    const heldOut = ckpt.config.valFraction ?? 0;
    if (ckpt.config.batch !== 1) why = `it was trained with ${ckpt.config.batch} streams; the page trains one`;
    else if (heldOut > 0) why = `it holds out the last ${heldOut} of its text for validation, which the page does not do (continue it with char-rnn train --resume)`;
    else if (text === undefined) why = 'no text is chosen';
    else if (!Vocabulary.fromText(text).equals(vocab)) why = 'the chosen text has another vocabulary than the checkpoint (continue it on the text it was trained on)';
    else walk = new TextWalk(vocab.encode(text), ckpt.config.seqLength);
    const t = new Trainer(vocab, { ...ckpt.config, batch: 1 }, walk, backend);
    copyParams(t.model, ckpt);
    // Stream 0's states (all of them when batch = 1): every layer's h, and c for an LSTM.
    copyStreamStates(t.model, checkpointStates(ckpt), 0);
    if (walk) {
      t.optimizer.loadStateDict(ckpt.optimizer);
      walk.position = typeof ckpt.position === 'number' ? ckpt.position : ckpt.position[0]!;
    }
    // Into the generator the model holds: the dropout masks go on where the checkpoint left them.
    restoreRng(t.trainRng, ckpt.rng);
    t.update = ckpt.update;
    t.epoch = ckpt.epoch;
    t.smoothLoss = ckpt.smoothLoss;
    t.bestSmoothLoss = ckpt.bestSmoothLoss ?? Infinity;
    if (ckpt.bestUpdate !== undefined) t.bestUpdate = ckpt.bestUpdate;
    // As the CLI resumes: a checkpoint without its first loss gets the uniform model's, T·ln K.
    t.initialLoss = ckpt.initialLoss ?? ckpt.config.seqLength * Math.log(vocab.size);
    t.epochEnds = (ckpt.epochEnds ?? []).map((e) => ({ ...e }));
    return walk ? { trainer: t, trainable: true } : { trainer: t, trainable: false, why };
  }

  /** The smooth loss in bits per character (it is summed over the T characters of a window, in nats). */
  get smoothBitsPerChar(): number {
    return this.smoothLoss / (this.config.seqLength * Math.LN2);
  }

  /** Whether a training-time sample is due before the next update (the CLI draws one before update 1 and every sampleEvery). */
  sampleDue(): boolean {
    return this.update % this.config.sampleEvery === 0;
  }

  /**
   * Why no update can follow (the update or the epoch limit), or null; the
   * CLI's loop asks this before it samples and steps. Changes nothing.
   */
  advance(): StopReason | null {
    if (!this.walk) throw new Error('this model was loaded for sampling only');
    if (this.config.updates !== undefined && this.update >= this.config.updates) return 'updates';
    if (this.epoch >= this.config.epochs) return 'epochs';
    return null;
  }

  /**
   * One update, as the CLI's, or the reason there is none: a limit (see
   * `advance`) or divergence — a loss that is not finite or, averaged over
   * the last 100 updates (the CLI's `DivergenceWatch`), above three times
   * the run's first loss, or the optimizer refusing a non-finite gradient (the
   * weights are then left as they were, and `divergence` says what happened).
   * At the end of the text the epoch is counted at once and the next one
   * starts at the beginning with h = 0, as in the report.
   */
  step(): StopReason | null {
    const stop = this.advance();
    if (stop) return stop;
    const walk = this.walk!;
    walk.next(this.inputs, this.targets);
    this.model.zeroGrad();
    const loss = this.model.lossAndGradients(this.inputs, this.targets);
    const at = this.update + 1;
    if (Number.isFinite(loss)) this.initialLoss ??= loss;
    // The CLI's rules: the optimizer steps only when the loss did not diverge.
    this.divergenceWatch ??= new DivergenceWatch(this.config.seqLength, this.update > 0 ? this.smoothLoss : undefined);
    const diverged = this.divergenceWatch.check(loss, this.initialLoss ?? loss, at) ?? stepOrDiverge(this.optimizer, at);
    if (diverged !== null) {
      this.divergence = diverged;
      return 'diverged';
    }
    this.loss = loss;
    this.smoothLoss = this.update === 0 ? loss : 0.999 * this.smoothLoss + 0.001 * loss;
    this.update += 1;
    if (!walk.hasNext()) {
      this.epoch += 1;
      this.epochEnds.push({ epoch: this.epoch, update: this.update, smoothLoss: this.smoothLoss });
      walk.rewind();
      this.model.resetState();
    }
    if (this.update % this.config.logEvery === 0 && this.smoothLoss < this.bestSmoothLoss) {
      this.bestSmoothLoss = this.smoothLoss;
      this.bestUpdate = this.update;
    }
    return null;
  }

  /**
   * The training-time sample due now, one character at a time: the CLI's
   * sample at this update (stream 0's state, fed the next character of the
   * text, seeded by samplingSeed). It draws from a snapshot of the weights, so
   * the caller may interleave it with further updates.
   */
  trainingSample(options: SamplingOptions = {}): Generator<number, void, undefined> {
    // The same architecture: the parameters come in the same order.
    this.sampleModel.parameters().forEach((p, i) => copy(p.value, this.params[i]!.value));
    copyStates(this.sampleModel, this.model.states);
    const next = this.walk ? this.walk.nextInput() : 0;
    const rng = new Rng(samplingSeed(this.config.seed, this.update));
    return sampleIds(this.sampleModel, [next], this.config.sampleLength, rng, { ...options, vocabSize: this.vocab.size });
  }

  /**
   * Text as `char-rnn sample --checkpoint <this run's checkpoint now> --seed S`
   * prints it (prime or first character included): from the current weights
   * and states, by the CLI's own `generateFromCheckpoint` on the JS kernels
   * (as the CLI samples), so the two agree character for character. Does not
   * disturb training.
   */
  sampleWithSeed(r: SeededSampleRequest): string {
    if (!Number.isSafeInteger(r.seed)) throw new Error(`seed must be an integer, got ${r.seed}`);
    if (!(Number.isInteger(r.length) && r.length >= 1)) throw new Error(`length must be a positive integer, got ${r.length}`);
    return withBackend('js', () => {
      const rng = new Rng(r.seed);
      const context = r.prime !== undefined && r.prime.length > 0 ? this.vocab.encode(r.prime) : Int32Array.of(rng.int(this.vocab.size));
      const options: SamplingOptions = { temperature: r.temperature ?? 1 };
      if (r.topK !== undefined) options.topK = r.topK;
      if (r.topP !== undefined) options.topP = r.topP;
      const ids = generateFromCheckpoint(this.checkpoint(), context, r.length, rng, options);
      return this.vocab.decode(context) + this.vocab.decode(ids);
    });
  }

  /**
   * The run as the CLI's checkpoint (format 2) holds it: every parameter by
   * name (`stateDict`) and every carried state. The tensors are the live
   * ones: encode before training goes on.
   */
  checkpoint(): RunCheckpoint {
    const ckpt: RunCheckpoint = {
      params: stateDict(this.model),
      h: this.model.state,
      states: { ...this.model.states },
      optimizer: this.optimizer.stateDict(),
      vocab: [...this.vocab.chars],
      config: { ...this.config },
      update: this.update,
      epoch: this.epoch,
      position: this.walk?.position ?? 0,
      smoothLoss: this.smoothLoss,
      rng: this.trainRng.getState(),
    };
    if (Number.isFinite(this.bestSmoothLoss)) ckpt.bestSmoothLoss = this.bestSmoothLoss;
    if (this.bestUpdate !== undefined) ckpt.bestUpdate = this.bestUpdate;
    if (this.initialLoss !== undefined) ckpt.initialLoss = this.initialLoss;
    if (this.epochEnds.length > 0) ckpt.epochEnds = this.epochEnds.map((e) => ({ ...e }));
    return ckpt;
  }
}

/** Throws naming the first setting out of range. */
export function checkSettings(s: TrainSettings): void {
  const positiveInt = (name: string, v: number): void => {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  cellKind(s.cell);
  positiveInt('hidden size', s.hidden);
  positiveInt('sequence length', s.seqLength);
  positiveInt('sample every', s.sampleEvery);
  positiveInt('sample length', s.sampleLength);
  if (!cellKind(s.cell).layers.includes(s.layers)) throw new Error(`layers must be one of ${cellKind(s.cell).layers.join(', ')} for this cell, got ${s.layers}`);
  if (s.dtype !== undefined) dtypeChoice(s.dtype);
  if (s.dropout !== undefined && !(s.dropout >= 0 && s.dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${s.dropout}`);
  if (!(s.lr > 0 && Number.isFinite(s.lr))) throw new Error(`learning rate must be a positive number, got ${s.lr}`);
  if (!(s.clip >= 0 && Number.isFinite(s.clip))) throw new Error(`clip must be a finite number ≥ 0, got ${s.clip}`);
  if (!Number.isSafeInteger(s.seed)) throw new Error(`seed must be an integer, got ${s.seed}`);
  if (s.updates !== undefined) positiveInt('updates', s.updates);
}

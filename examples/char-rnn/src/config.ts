import { CELLS, type CellName } from '@weft/layers';
// valibot, not zod: the same checks, but importing zod took ≈ 50 ms and 10 MiB of every start (docs/performance.md).
import * as v from 'valibot';
import { UserError } from './errors.js';

export { CELLS, type CellName };

/** The most characters one sample may have (`--sample-length`, `sample --length`). */
export const MAX_SAMPLE_LENGTH = 1_000_000;

/** The optimizers `char-rnn train --optimizer` accepts. */
export const OPTIMIZERS = ['adagrad', 'sgd', 'rmsprop', 'adam'] as const;

/** Which optimizer trains the model. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Where the kernels run: @weft/tensor's WebAssembly SIMD backend, or plain JavaScript. */
export const BACKENDS = ['wasm', 'js'] as const;

/** The kernel backend of a run (where the model is allocated: see `withBackend` in @weft/tensor). */
export type BackendName = (typeof BACKENDS)[number];

/** The dtypes `char-rnn train --dtype` accepts. */
export const DTYPES = ['float64', 'float32'] as const;

/** The dtype a run computes and stores its model in. */
export type DTypeName = (typeof DTYPES)[number];

/** The dtype of a config: float64 unless it says float32 (configs before `--dtype` existed say nothing). */
export function configDtype(config: Pick<TrainConfig, 'dtype'>): DTypeName {
  return config.dtype ?? 'float64';
}

/**
 * The hyperparameters of a training run, as stored in a checkpoint's `config`
 * metadata (JSON). Field names are camelCase; each has a CLI flag (see `flagName`).
 */
export interface TrainConfig {
  /** Hidden units m (a positive integer). */
  hidden: number;
  /** Characters per window T (truncated-BPTT length). */
  seqLength: number;
  /** Learning rate (positive, finite). */
  lr: number;
  optimizer: OptimizerName;
  /**
   * Element-wise gradient clipping to [-clip, clip]; 0 turns clipping off.
   * Must be finite and ≥ 0 (JSON cannot hold Infinity, so 0 is "off").
   */
  clip: number;
  /** Passes over the text (a total for the run, also when resuming). */
  epochs: number;
  /** Optional cap on the number of updates (a total, also when resuming). */
  updates?: number;
  /** Streams trained side by side. */
  batch: number;
  /** Seed of the run's random number generator (a safe integer). */
  seed: number;
  /** Updates between rows of loss.csv. */
  logEvery: number;
  /** Updates between samples of the text evolution. */
  sampleEvery: number;
  /** Characters per sample. */
  sampleLength: number;
  /** Optional: updates between checkpoint writes (besides the end and Ctrl-C). */
  checkpointEvery?: number;
  /**
   * Kernel backend. Both compute the same model, but SIMD sums in another order,
   * so results agree to ~1e-12, not bit for bit: a run resumes on its own backend.
   */
  backend: BackendName;
  /**
   * The recurrent cell (`rnn`, `lstm`, `gru`). Optional in the type so that
   * configs of older checkpoints (format 1: always the report's `rnn`) still
   * type-check; `withModelDefaults` fills it in.
   */
  cell?: CellName;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
  /** Dropout probability between layers, in [0, 1) (default 0). */
  dropout?: number;
  /** The last fraction of the text held out for validation, in [0, 1) (default 0: train on all of it). */
  valFraction?: number;
  /** Updates between evaluations of the validation text (default 1000). */
  evalEvery?: number;
  /**
   * Worker threads sharing the B streams (data-parallel, default 1: none).
   * Not fixed on resume: without dropout the count changes results only by rounding.
   */
  workers?: number;
  /**
   * The dtype of the model, gradients and optimizer state (`--dtype`); absent
   * means float64 (the default run's config leaves it out). Fixed on resume.
   */
  dtype?: DTypeName;
}

/** The model and validation settings of a config, with the defaults of older checkpoints filled in. */
export type FullTrainConfig = TrainConfig & Required<Pick<TrainConfig, 'cell' | 'layers' | 'dropout' | 'valFraction' | 'evalEvery'>>;

/** Default of `--eval-every`. */
export const DEFAULT_EVAL_EVERY = 1000;

/** `config` with cell rnn, 1 layer, dropout 0, no validation filled in where absent (a format-1 checkpoint's config). */
export function withModelDefaults(config: TrainConfig): FullTrainConfig {
  return { ...config, cell: config.cell ?? 'rnn', layers: config.layers ?? 1, dropout: config.dropout ?? 0, valFraction: config.valFraction ?? 0, evalEvery: config.evalEvery ?? DEFAULT_EVAL_EVERY };
}

/** The report's settings (seed 1 unless the user gives one). */
export const defaultTrainConfig: TrainConfig = {
  hidden: 100,
  seqLength: 25,
  lr: 0.1,
  optimizer: 'adagrad',
  clip: 5,
  epochs: 10,
  batch: 1,
  seed: 1,
  logEvery: 100,
  sampleEvery: 10000,
  sampleLength: 200,
  backend: 'wasm',
  cell: 'rnn',
  layers: 1,
  dropout: 0,
  valFraction: 0,
  evalEvery: DEFAULT_EVAL_EVERY,
};

const positiveInt = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
const fraction = v.pipe(v.number(), v.minValue(0), v.ltValue(1));

/**
 * The valibot schema of `TrainConfig`. Unknown keys are dropped (not
 * rejected), so a checkpoint written by a later version with extra settings
 * still loads. Validate with `validateTrainConfig` or `parseTrainConfig`.
 */
export const trainConfigSchema = v.object({
  hidden: positiveInt,
  seqLength: positiveInt,
  lr: v.pipe(v.number(), v.finite(), v.gtValue(0)),
  optimizer: v.picklist(OPTIMIZERS),
  clip: v.pipe(v.number(), v.finite(), v.minValue(0)),
  epochs: positiveInt,
  updates: v.optional(positiveInt),
  batch: positiveInt,
  seed: v.pipe(v.number(), v.safeInteger()),
  logEvery: positiveInt,
  sampleEvery: positiveInt,
  sampleLength: v.pipe(positiveInt, v.maxValue(MAX_SAMPLE_LENGTH)),
  checkpointEvery: v.optional(positiveInt),
  // Checkpoints written before the option existed were trained with the JS kernels.
  backend: v.optional(v.picklist(BACKENDS), 'js'),
  // Absent in format-1 checkpoints (the report's model, no validation).
  cell: v.optional(v.picklist(CELLS)),
  layers: v.optional(positiveInt),
  dropout: v.optional(fraction),
  valFraction: v.optional(fraction),
  evalEvery: v.optional(positiveInt),
  workers: v.optional(v.pipe(positiveInt, v.maxValue(256))),
  dtype: v.optional(v.picklist(DTYPES)),
});

/** What each field must be, for error messages ("--hidden must be <this>, got 0"). */
const EXPECTED: Record<keyof TrainConfig, string> = {
  hidden: 'a positive integer',
  seqLength: 'a positive integer',
  lr: 'a positive finite number',
  optimizer: `one of ${OPTIMIZERS.join(', ')}`,
  clip: 'a finite number >= 0 (0 turns clipping off)',
  epochs: 'a positive integer',
  updates: 'a positive integer',
  batch: 'a positive integer',
  seed: 'an integer',
  logEvery: 'a positive integer',
  sampleEvery: 'a positive integer',
  sampleLength: `a positive integer up to ${MAX_SAMPLE_LENGTH}`,
  checkpointEvery: 'a positive integer',
  backend: `one of ${BACKENDS.join(', ')}`,
  cell: `one of ${CELLS.join(', ')}`,
  layers: 'a positive integer',
  dropout: 'a number in [0, 1)',
  valFraction: 'a number in [0, 1)',
  evalEvery: 'a positive integer',
  workers: 'a positive integer up to 256',
  dtype: `one of ${DTYPES.join(', ')}`,
};

/** The CLI flag of a config field: `seqLength` → `--seq-length`. */
export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * One line describing the first of valibot's `issues` about `input`, naming
 * the flag and the offending value: `--hidden must be a positive integer, got 0`.
 */
export function configErrorMessage(issues: readonly v.BaseIssue<unknown>[], input: unknown): string {
  const issue = issues[0];
  if (issue === undefined) return 'invalid configuration';
  const field = issue.path?.[0]?.key;
  if (field === undefined) return `the configuration must be an object, got ${describeValue(input)}`;
  const name = String(field);
  const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[name] : undefined;
  const expected = EXPECTED[name as keyof TrainConfig];
  if (expected === undefined) return `${flagName(name)}: ${issue.message}`;
  if (value === undefined) return `${flagName(name)} is missing; it must be ${expected}`;
  return `${flagName(name)} must be ${expected}, got ${describeValue(value)}`;
}

/** Validates `input` as a `TrainConfig` (unknown keys dropped): the config, or `configErrorMessage`'s line. */
export function validateTrainConfig(input: unknown): { success: true; data: TrainConfig } | { success: false; message: string } {
  const result = v.safeParse(trainConfigSchema, input, { abortEarly: true });
  return result.success ? { success: true, data: result.output } : { success: false, message: configErrorMessage(result.issues, input) };
}

/** Validates `input` as a `TrainConfig`; throws `UserError` with `configErrorMessage`'s line. */
export function parseTrainConfig(input: unknown): TrainConfig {
  const result = validateTrainConfig(input);
  if (!result.success) throw new UserError(result.message);
  return result.data;
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

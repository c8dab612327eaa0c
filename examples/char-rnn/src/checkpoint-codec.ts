/**
 * The char-rnn checkpoint codec: a checkpoint to and from safetensors bytes,
 * with every check. Browser-safe (no `node:` imports): a web page can read and
 * write the same files. File IO is in checkpoint.ts; the format is documented
 * in docs/checkpoint-format.md.
 */
import { Rng, formatShape, shapesEqual, type RngState, type Tensor } from '@weft/tensor';
import { trainConfigSchema, configErrorMessage, type TrainConfig } from './config.js';
import { UserError } from './errors.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

/** The value of the `format` metadata entry. */
export const CHECKPOINT_FORMAT = 'weft-char-rnn/1';

/** The model's parameters, by the report's names. */
export interface CharRnnParams {
  /** [m, K] input-to-hidden. */
  U: Tensor;
  /** [m, m] hidden-to-hidden. */
  W: Tensor;
  /** [K, m] hidden-to-output. */
  V: Tensor;
  /** [m] hidden bias. */
  b: Tensor;
  /** [K] output bias. */
  c: Tensor;
}

/** Everything needed to resume training or to sample. */
export interface CharRnnCheckpoint {
  params: CharRnnParams;
  /** Hidden state [B, m] carried into the next window. */
  h: Tensor;
  /** The optimizer's `stateDict()`: names prefixed `<config.optimizer>.` (e.g. `adagrad.U`). */
  optimizer: Record<string, Tensor>;
  /** The characters in index order (K of them, each one code point). */
  vocab: string[];
  config: TrainConfig;
  /** Updates done so far. */
  update: number;
  /** Epoch in progress (as the trainer counts it). */
  epoch: number;
  /** Index in the text of the next window: a number when batch = 1, one per stream when batch > 1. */
  position: number | number[];
  smoothLoss: number;
  /** State of the run's random number generator. */
  rng: RngState;
  /** Lowest smooth loss seen so far (optional). */
  bestSmoothLoss?: number;
}

/** The parameter names in file order. */
export const PARAM_NAMES = ['U', 'W', 'V', 'b', 'c'] as const;

/** Expected shape of each parameter for hidden size m and vocabulary size K. */
export function paramShapes(m: number, K: number): Record<(typeof PARAM_NAMES)[number], number[]> {
  return { U: [m, K], W: [m, m], V: [K, m], b: [m], c: [K] };
}

/**
 * Serialises a checkpoint to safetensors bytes. Throws an `Error` (a bug in the
 * caller, not a user mistake) if it would not load back: shapes that disagree
 * with config and vocab, non-float64 tensors, non-finite numbers, badly named
 * optimizer state.
 */
export function encodeCheckpoint(ckpt: CharRnnCheckpoint): Uint8Array {
  const bytes = encodeSafetensors(checkpointTensors(ckpt), checkpointMetadata(ckpt));
  // Validate by decoding what we wrote: one set of rules for saving and loading.
  try {
    decodeCheckpoint(bytes, 'the checkpoint being saved');
  } catch (error) {
    throw new Error(`saveCheckpoint: refusing to write an invalid checkpoint: ${(error as Error).message}`);
  }
  return bytes;
}

/** Decodes and validates checkpoint bytes (what `loadCheckpoint` reads); `source` names them in error messages. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): CharRnnCheckpoint {
  const bad: (why: string) => never = (why) => {
    throw new UserError(`${source} is not a usable char-rnn checkpoint: ${why}`);
  };
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    throw new UserError(`${source} is not a valid safetensors file (${(error as Error).message.replace(/^decodeSafetensors: /, '')})`, { cause: error });
  }
  const { tensors, metadata } = decoded;

  const format = metadata.format;
  if (format === undefined) {
    throw new UserError(`${source} is a safetensors file but not a weft char-rnn checkpoint (no "format" metadata)`);
  }
  if (format !== CHECKPOINT_FORMAT) {
    throw new UserError(`${source} has format ${JSON.stringify(format)}; this version reads ${JSON.stringify(CHECKPOINT_FORMAT)}`);
  }

  const field = (key: string): string => metadata[key] ?? bad(`the metadata entry "${key}" is missing`);
  const json = (key: string): unknown => {
    const text = field(key);
    try {
      return JSON.parse(text);
    } catch {
      return bad(`the metadata entry "${key}" is not valid JSON: ${abbreviate(text)}`);
    }
  };
  const finite = (key: string): number => {
    const value = json(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) bad(`"${key}" must be a finite number, got ${abbreviate(field(key))}`);
    return value as number;
  };
  const count = (key: string, value: unknown): number => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) bad(`"${key}" must be a non-negative integer, got ${abbreviate(JSON.stringify(value))}`);
    return value as number;
  };

  // Vocabulary: a non-empty JSON array of distinct single code points.
  const vocab = json('vocab');
  if (!Array.isArray(vocab) || vocab.length === 0) bad('"vocab" must be a non-empty JSON array of characters');
  const seen = new Set<string>();
  (vocab as unknown[]).forEach((c, i) => {
    if (typeof c !== 'string' || Array.from(c).length !== 1) bad(`vocab entry ${i} is ${abbreviate(JSON.stringify(c))}, not a single character`);
    if (seen.has(c as string)) bad(`vocab has ${JSON.stringify(c)} twice`);
    seen.add(c as string);
  });
  const K = (vocab as string[]).length;

  // Config: the same schema as the CLI flags, messages name the flag.
  const rawConfig = json('config');
  const parsed = trainConfigSchema.safeParse(rawConfig);
  if (!parsed.success) bad(`invalid config: ${configErrorMessage(parsed.error, rawConfig)}`);
  const config = parsed.data!;
  const m = config.hidden;
  const B = config.batch;

  const update = count('update', finite('update'));
  const epoch = count('epoch', finite('epoch'));
  const smoothLoss = finite('smoothLoss');
  const bestSmoothLoss = metadata.bestSmoothLoss === undefined ? undefined : finite('bestSmoothLoss');

  const rawPosition = json('position');
  let position: number | number[];
  if (B === 1) {
    position = count('position', rawPosition);
  } else {
    if (!Array.isArray(rawPosition) || rawPosition.length !== B) bad(`"position" must be a JSON array of ${B} indices (batch ${B}), got ${abbreviate(field('position'))}`);
    position = (rawPosition as unknown[]).map((p) => count('position', p));
  }

  let rng: RngState;
  try {
    rng = Rng.fromState(json('rng') as RngState).getState();
  } catch (error) {
    if (error instanceof UserError) throw error;
    return bad(`"rng" is not a generator state: ${abbreviate(field('rng'))}`);
  }

  // Tensors: parameters and h with the shapes config and vocab imply, all F64.
  const expected: Record<string, number[]> = { ...paramShapes(m, K), h: [B, m] };
  const checkTensor = (name: string, shape: readonly number[]): Tensor => {
    const t = tensors[name] ?? bad(`the tensor "${name}" is missing`);
    if (t.dtype !== 'float64') bad(`the tensor "${name}" is F32; checkpoints hold F64`);
    if (!shapesEqual(t.shape, shape)) {
      bad(`the tensor "${name}" is ${formatShape(t.shape)} but hidden ${m}, vocabulary ${K} and batch ${B} need ${formatShape(shape)}`);
    }
    return t;
  };
  const params = Object.fromEntries(PARAM_NAMES.map((name) => [name, checkTensor(name, expected[name]!)])) as unknown as CharRnnParams;
  const h = checkTensor('h', expected.h!);

  // Optimizer state: every other tensor, named `<optimizer>.…`; a name ending in a
  // parameter's name (adagrad.U, adam.m.W) must have that parameter's shape.
  const prefix = `${config.optimizer}.`;
  const optimizer: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name in expected) continue;
    if (!name.startsWith(prefix)) bad(`unexpected tensor "${name}" (optimizer state must be named "${prefix}…" for optimizer ${config.optimizer})`);
    if (t.dtype !== 'float64') bad(`the tensor "${name}" is F32; checkpoints hold F64`);
    const last = name.slice(name.lastIndexOf('.') + 1);
    const shape = (expected as Record<string, number[] | undefined>)[last];
    if (last !== 'h' && shape !== undefined && !shapesEqual(t.shape, shape)) {
      bad(`the optimizer tensor "${name}" is ${formatShape(t.shape)} but parameter ${last} is ${formatShape(shape)}`);
    }
    optimizer[name] = t;
  }

  const ckpt: CharRnnCheckpoint = { params, h, optimizer, vocab: vocab as string[], config, update, epoch, position, smoothLoss, rng };
  if (bestSmoothLoss !== undefined) ckpt.bestSmoothLoss = bestSmoothLoss;
  return ckpt;
}

function checkpointTensors(ckpt: CharRnnCheckpoint): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of PARAM_NAMES) out[name] = ckpt.params[name];
  out.h = ckpt.h;
  for (const [name, t] of Object.entries(ckpt.optimizer)) {
    if (name in out) throw new Error(`saveCheckpoint: optimizer state "${name}" collides with a model tensor`);
    out[name] = t;
  }
  return out;
}

function checkpointMetadata(ckpt: CharRnnCheckpoint): Record<string, string> {
  // JSON.stringify(number) is the shortest text that parses back to the same double.
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    vocab: JSON.stringify(ckpt.vocab),
    config: JSON.stringify(ckpt.config),
    update: JSON.stringify(ckpt.update),
    epoch: JSON.stringify(ckpt.epoch),
    position: JSON.stringify(ckpt.position),
    smoothLoss: JSON.stringify(ckpt.smoothLoss),
    rng: JSON.stringify(ckpt.rng),
  };
  if (ckpt.bestSmoothLoss !== undefined) metadata.bestSmoothLoss = JSON.stringify(ckpt.bestSmoothLoss);
  return metadata;
}

function abbreviate(text: string | undefined): string {
  const s = String(text);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

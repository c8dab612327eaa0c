/**
 * The char-rnn checkpoint codec: a checkpoint to and from safetensors bytes,
 * with every check. Browser-safe (no `node:` imports): a web page can read and
 * write the same files. File IO is in checkpoint.ts; the format is documented
 * in docs/checkpoint-format.md.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { clone, Rng, formatShape, shapesEqual, type RngState, type Tensor } from '@weft/tensor';
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
  /** The loss of the run's first update (optional): divergence is a loss above three times it. */
  initialLoss?: number;
  /** The update at which `bestSmoothLoss` was reached (optional). */
  bestUpdate?: number;
  /** The smooth loss at the end of every epoch so far (optional; report.md's epoch table across resumes). */
  epochEnds?: EpochEnd[];
}

/** The end of one epoch: its number (1-based), the update that ended it, and the smooth loss there. */
export interface EpochEnd {
  epoch: number;
  update: number;
  smoothLoss: number;
}

/** The metadata key of the checksum; its value is `sha256:` and 64 hex digits. */
export const CHECKSUM_KEY = 'checksum';

/** Options of `decodeCheckpoint`. */
export interface DecodeOptions {
  /** Receives remarks that are not errors (a file without a checksum). */
  onNote?: (message: string) => void;
}

/**
 * The checksum stored under `checksum`: SHA-256 over every tensor (in name
 * order: name, dtype, shape, then its elements as little-endian bytes) and
 * every other metadata entry (in key order), each field NUL-terminated. It
 * does not depend on the layout of the file, only on its contents.
 */
export function checkpointChecksum(tensors: Record<string, Tensor>, metadata: Record<string, string>): string {
  const hash = sha256.create();
  const text = new TextEncoder();
  const field = (s: string): void => {
    hash.update(text.encode(s));
    hash.update(ZERO_BYTE);
  };
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name]!;
    field(name);
    field(t.dtype);
    field(t.shape.join(','));
    hash.update(littleEndianBytes(t));
  }
  for (const key of Object.keys(metadata).sort()) {
    if (key === CHECKSUM_KEY) continue;
    field(key);
    field(metadata[key]!);
  }
  return `sha256:${bytesToHex(hash.digest())}`;
}

const ZERO_BYTE = new Uint8Array(1);

/** A tensor's elements, row-major, as little-endian bytes (a copy). */
function littleEndianBytes(t: Tensor): Uint8Array {
  const values = t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : clone(t).data;
  const item = t.dtype === 'float32' ? 4 : 8;
  const out = new Uint8Array(values.length * item);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (item === 8) view.setFloat64(8 * i, values[i]!, true);
    else view.setFloat32(4 * i, values[i]!, true);
  }
  return out;
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
  const tensors = checkpointTensors(ckpt);
  const metadata = checkpointMetadata(ckpt);
  // The checksum is taken over the tensors as they will read back (contiguous, row-major).
  metadata[CHECKSUM_KEY] = checkpointChecksum(decodeSafetensors(encodeSafetensors(tensors, metadata)).tensors, metadata);
  const bytes = encodeSafetensors(tensors, metadata);
  // Validate by decoding what we wrote: one set of rules for saving and loading.
  try {
    decodeCheckpoint(bytes, 'the checkpoint being saved');
  } catch (error) {
    throw new Error(`saveCheckpoint: refusing to write an invalid checkpoint: ${(error as Error).message}`);
  }
  return bytes;
}

/** Decodes and validates checkpoint bytes (what `loadCheckpoint` reads); `source` names them in error messages. */
export function decodeCheckpoint(bytes: Uint8Array, source: string, options: DecodeOptions = {}): CharRnnCheckpoint {
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

  // Integrity before meaning: a changed bit anywhere is damage, whatever it would decode to.
  const damaged = (why: string): never => {
    throw new UserError(`${source} is damaged: ${why}; use another checkpoint (best.safetensors, an earlier copy) or start a new run`);
  };
  const stored = metadata[CHECKSUM_KEY];
  if (stored === undefined) {
    options.onNote?.(`${source} has no checksum (written by another program?); loading it unverified`);
  } else if (stored !== checkpointChecksum(tensors, metadata)) {
    damaged('its checksum does not match its contents (a changed or truncated byte)');
  }
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name]!.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) damaged(`the tensor "${name}" holds ${data[i]} at index ${i}`);
    }
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
    const cp = (c as string).codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) bad(`vocab entry ${i} is U+${cp.toString(16).toUpperCase()}, a lone surrogate, not a character`);
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
  const initialLoss = metadata.initialLoss === undefined ? undefined : finite('initialLoss');
  const bestUpdate = metadata.bestUpdate === undefined ? undefined : count('bestUpdate', finite('bestUpdate'));
  let epochEnds: EpochEnd[] | undefined;
  if (metadata.epochEnds !== undefined) {
    const raw = json('epochEnds');
    if (!Array.isArray(raw)) bad(`"epochEnds" must be a JSON array, got ${abbreviate(field('epochEnds'))}`);
    epochEnds = (raw as unknown[]).map((e) => {
      const r = (e ?? {}) as Record<string, unknown>;
      if (typeof r.smoothLoss !== 'number' || !Number.isFinite(r.smoothLoss)) bad(`"epochEnds" holds ${abbreviate(JSON.stringify(e))}, not {epoch, update, smoothLoss}`);
      return { epoch: count('epochEnds', r.epoch), update: count('epochEnds', r.update), smoothLoss: r.smoothLoss as number };
    });
  }

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
    const t = (Object.hasOwn(tensors, name) ? tensors[name] : undefined) ?? bad(`the tensor "${name}" is missing`);
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
    if (Object.hasOwn(expected, name)) continue;
    if (!name.startsWith(prefix)) bad(`unexpected tensor "${name}" (optimizer state must be named "${prefix}…" for optimizer ${config.optimizer})`);
    if (t.dtype !== 'float64') bad(`the tensor "${name}" is F32; checkpoints hold F64`);
    const last = name.slice(name.lastIndexOf('.') + 1);
    if (!(PARAM_NAMES as readonly string[]).includes(last) && name !== `${prefix}step`) {
      bad(`the optimizer tensor "${name}" names no parameter (optimizer state is "${prefix}[slot.]<U|W|V|b|c>" or "${prefix}step")`);
    }
    const shape = Object.hasOwn(expected, last) ? expected[last] : undefined;
    if (last !== 'h' && shape !== undefined && !shapesEqual(t.shape, shape)) {
      bad(`the optimizer tensor "${name}" is ${formatShape(t.shape)} but parameter ${last} is ${formatShape(shape)}`);
    }
    optimizer[name] = t;
  }

  const ckpt: CharRnnCheckpoint = { params, h, optimizer, vocab: vocab as string[], config, update, epoch, position, smoothLoss, rng };
  if (bestSmoothLoss !== undefined) ckpt.bestSmoothLoss = bestSmoothLoss;
  if (initialLoss !== undefined) ckpt.initialLoss = initialLoss;
  if (bestUpdate !== undefined) ckpt.bestUpdate = bestUpdate;
  if (epochEnds !== undefined) ckpt.epochEnds = epochEnds;
  return ckpt;
}

function checkpointTensors(ckpt: CharRnnCheckpoint): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of PARAM_NAMES) out[name] = ckpt.params[name];
  out.h = ckpt.h;
  for (const [name, t] of Object.entries(ckpt.optimizer)) {
    if (Object.hasOwn(out, name)) throw new Error(`saveCheckpoint: optimizer state "${name}" collides with a model tensor`);
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
  if (ckpt.initialLoss !== undefined) metadata.initialLoss = JSON.stringify(ckpt.initialLoss);
  if (ckpt.bestUpdate !== undefined) metadata.bestUpdate = JSON.stringify(ckpt.bestUpdate);
  if (ckpt.epochEnds !== undefined) metadata.epochEnds = JSON.stringify(ckpt.epochEnds);
  return metadata;
}

function abbreviate(text: string | undefined): string {
  const s = String(text);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * The char-rnn checkpoint codec: a checkpoint to and from safetensors bytes,
 * with every check. Browser-safe (no `node:` imports): a web page can read and
 * write the same files. File IO is in checkpoint.ts; the format is documented
 * in docs/checkpoint-format.md.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { charRnn, type CellName } from '@weft/layers';
import { clone, decodeSafetensors, encodeSafetensors, formatShape, Rng, shapesEqual, type EncodeSafetensorsOptions, type RngState, type Tensor } from '@weft/tensor';
import { configDtype, validateTrainConfig, withModelDefaults, type DTypeName, type TrainConfig } from './config.js';
import { UserError } from './errors.js';

/** The value of the `format` metadata entry of the checkpoints this version writes. */
export const CHECKPOINT_FORMAT = 'weft-char-rnn/2';

/** Format 1: the report's model only (tensors U, W, V, b, c, h); still read, never written. */
export const CHECKPOINT_FORMAT_V1 = 'weft-char-rnn/1';

/** The prefix of the state tensors in format 2: `state.h` (the report's model), `state.l0.h`, `state.l0.c`, … */
export const STATE_PREFIX = 'state.';

/** The report's parameters by name (format 1; also the names of the default model in format 2). */
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

/** The architecture a checkpoint records (the `architecture` metadata, `CharRnnModel.architecture`). */
export interface CheckpointArchitecture {
  cell: CellName;
  layers: number;
  hidden: number;
  vocabSize: number;
  dropout: number;
  /** Present only for a float32 model (an absent dtype means float64, as in checkpoints written before `--dtype`). */
  dtype?: 'float32';
}

/** Everything needed to resume training or to sample. */
export interface CharRnnCheckpoint {
  /**
   * Every parameter by the model's name (`CharRnnModel.parameters()`, i.e. `stateDict`):
   * U, W, V, b, c for the report's model; `l0.weight_ih`, …, `head.weight`, `head.bias` otherwise.
   */
  params: Record<string, Tensor>;
  /** The first carried state [B, m] (`h` of the report's model, `l0.h` otherwise): `states[stateNames[0]]`. */
  h: Tensor;
  /**
   * Every carried state [B, m] by the model's state name (`h`; or `l0.h`, `l0.c`, `l1.h`, …).
   * Optional when writing the report's model (then `{ h }`); always set by `decodeCheckpoint`.
   */
  states?: Record<string, Tensor>;
  /** The optimizer's `stateDict()`: names prefixed `<config.optimizer>.` (e.g. `adagrad.U`, `adam.m.l0.weight_ih`). */
  optimizer: Record<string, Tensor>;
  /** The characters in index order (K of them, each one code point). */
  vocab: string[];
  /** The settings; `decodeCheckpoint` fills cell, layers, dropout, valFraction and evalEvery (format 1: rnn, 1, 0, 0, 1000). */
  config: TrainConfig;
  /** Updates done so far. */
  update: number;
  /** Epoch in progress (as the trainer counts it). */
  epoch: number;
  /** Index in the text of the next window: a number when batch = 1, one per stream when batch > 1. */
  position: number | number[];
  smoothLoss: number;
  /** State of the run's random number generator (the weights' and the dropout masks'). */
  rng: RngState;
  /** Lowest smooth loss seen so far (optional). */
  bestSmoothLoss?: number;
  /** The loss of the run's first update (optional): divergence is a mean loss (see `DivergenceWatch`) above three times it. */
  initialLoss?: number;
  /** The update at which the best model was reached (optional). */
  bestUpdate?: number;
  /** The smooth loss at the end of every epoch so far (optional; report.md's epoch table across resumes). */
  epochEnds?: EpochEnd[];
  /** With a validation set: the lowest validation loss so far (per window of seq-length characters). */
  bestValLoss?: number;
  /** With a validation set: the last validation loss and the update it was measured at. */
  lastVal?: { update: number; loss: number };
  /** The format the checkpoint was read from (set by `decodeCheckpoint`; 1 or 2). */
  formatVersion?: 1 | 2;
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
  /**
   * true: the tensors of the result are views of `bytes` where aligned (see
   * `decodeSafetensors`' `copy: false`), for bytes decoded only to be checked.
   */
  views?: boolean;
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

/** True where typed arrays hold their elements little-endian (every platform Node and the browsers run on in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A tensor's elements, row-major, as little-endian bytes: on a little-endian
 * host a view of the elements themselves (each save hashes every tensor
 * twice, and copies here were half of a save's garbage), else a copy.
 */
function littleEndianBytes(t: Tensor): Uint8Array {
  const values = t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : clone(t).data;
  const item = t.dtype === 'float32' ? 4 : 8;
  if (LITTLE_ENDIAN && values.BYTES_PER_ELEMENT === item) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * item);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (item === 8) view.setFloat64(8 * i, values[i]!, true);
    else view.setFloat32(4 * i, values[i]!, true);
  }
  return out;
}

/** The report's parameter names, in file order (format 1, and the default model of format 2). */
export const PARAM_NAMES = ['U', 'W', 'V', 'b', 'c'] as const;

/** Expected shape of each of the report's parameters for hidden size m and vocabulary size K. */
export function paramShapes(m: number, K: number): Record<(typeof PARAM_NAMES)[number], number[]> {
  return { U: [m, K], W: [m, m], V: [K, m], b: [m], c: [K] };
}

/**
 * The parameter names and shapes, and the state names, of the model an
 * architecture describes, in the model's order (built once with `charRnn`, so
 * they are the model's own, whatever the cell).
 */
export function architectureLayout(arch: CheckpointArchitecture): ArchitectureLayout {
  const key = JSON.stringify([arch.cell, arch.layers, arch.hidden, arch.vocabSize, arch.dropout]);
  let layout = layouts.get(key);
  if (layout === undefined) {
    const model = charRnn({ vocabSize: arch.vocabSize, hidden: arch.hidden, rng: new Rng(1), cell: arch.cell, layers: arch.layers, dropout: arch.dropout });
    layout = { params: model.parameters().map((p) => ({ name: p.name, shape: [...p.value.shape] })), states: [...model.stateNames] };
    if (layouts.size >= 8) layouts.delete(layouts.keys().next().value!);
    layouts.set(key, layout);
  }
  return layout;
}

/** Parameter names and shapes, and state names, of a model. */
export interface ArchitectureLayout {
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly states: readonly string[];
}

/** Layouts already worked out (every save decodes what it wrote). */
const layouts = new Map<string, ArchitectureLayout>();

/** One line: "lstm, 2 layers of 8, vocabulary 12, dropout 0.1" (and ", float32" for a float32 model). */
export function describeArchitecture(arch: CheckpointArchitecture): string {
  const dtype = arch.dtype === undefined ? '' : `, ${arch.dtype}`;
  return `${arch.cell}, ${arch.layers} layer${arch.layers === 1 ? '' : 's'} of ${arch.hidden}, vocabulary ${arch.vocabSize}, dropout ${arch.dropout}${dtype}`;
}

/** The architecture a (filled-in) config and vocabulary describe. */
function configArchitecture(config: TrainConfig, K: number): CheckpointArchitecture {
  const full = withModelDefaults(config);
  const arch: CheckpointArchitecture = { cell: full.cell, layers: full.layers, hidden: full.hidden, vocabSize: K, dropout: full.dropout };
  if (configDtype(full) === 'float32') arch.dtype = 'float32'; // float64 checkpoints stay as they were
  return arch;
}

/**
 * Serialises a checkpoint to safetensors bytes (format 2). Throws an `Error`
 * (a bug in the caller, not a user mistake) if it would not load back: shapes
 * that disagree with config and vocab, non-float64 tensors, non-finite
 * numbers, badly named optimizer state. `options.allocate` gives the array
 * to write into (see `encodeSafetensors`; a training run reuses one).
 */
export function encodeCheckpoint(ckpt: CharRnnCheckpoint, options: EncodeSafetensorsOptions = {}): Uint8Array {
  const tensors = checkpointTensors(ckpt);
  const metadata = checkpointMetadata(ckpt);
  // The checksum is taken over the tensors as they will read back: each one's name,
  // dtype, shape and elements row-major as little-endian bytes, which is what
  // `checkpointChecksum` hashes for any layout (it used to encode and decode the
  // file first to get there: two more copies of every tensor per save).
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  const bytes = encodeSafetensors(tensors, metadata, options);
  // Validate by decoding what we wrote: one set of rules for saving and loading
  // (the tensors read as views of the bytes: no copies made only to be checked).
  try {
    decodeCheckpoint(bytes, 'the checkpoint being saved', { views: true });
  } catch (error) {
    throw new Error(`saveCheckpoint: refusing to write an invalid checkpoint: ${(error as Error).message}`);
  }
  return bytes;
}

/**
 * Decodes and validates checkpoint bytes (what `loadCheckpoint` reads) of
 * format 2, or of format 1 (the report's model: read as an `rnn` of one
 * layer); `source` names them in error messages.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string, options: DecodeOptions = {}): CharRnnCheckpoint {
  const bad: (why: string) => never = (why) => {
    throw new UserError(`${source} is not a usable char-rnn checkpoint: ${why}`);
  };
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes, { copy: options.views !== true });
  } catch (error) {
    throw new UserError(`${source} is not a valid safetensors file (${(error as Error).message.replace(/^decodeSafetensors: /, '')})`, { cause: error });
  }
  const { tensors, metadata } = decoded;

  const format = metadata.format;
  if (format === undefined) {
    throw new UserError(`${source} is a safetensors file but not a weft char-rnn checkpoint (no "format" metadata)`);
  }
  if (format !== CHECKPOINT_FORMAT && format !== CHECKPOINT_FORMAT_V1) {
    throw new UserError(`${source} has format ${JSON.stringify(format)}; this version reads ${JSON.stringify(CHECKPOINT_FORMAT)} and ${JSON.stringify(CHECKPOINT_FORMAT_V1)}`);
  }
  const v1 = format === CHECKPOINT_FORMAT_V1;

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
  const parsed = validateTrainConfig(rawConfig);
  if (!parsed.success) bad(`invalid config: ${parsed.message}`);
  if (v1) {
    const c = parsed.data!;
    if ((c.cell ?? 'rnn') !== 'rnn' || (c.layers ?? 1) !== 1 || (c.dropout ?? 0) !== 0) bad(`format 1 holds only the report's model (rnn, 1 layer, no dropout), but its config says ${describeArchitecture(configArchitecture(c, K))}`);
  }
  const config: TrainConfig = withModelDefaults(parsed.data!);
  const m = config.hidden;
  const B = config.batch;

  // The architecture: format 2 records it, and it must agree with the config and the vocabulary.
  const arch = configArchitecture(config, K);
  if (!v1) {
    const raw = json('architecture') as Record<string, unknown> | null;
    const recorded = raw !== null && typeof raw === 'object' ? raw : bad(`"architecture" must be a JSON object, got ${abbreviate(field('architecture'))}`);
    for (const key of ['cell', 'layers', 'hidden', 'vocabSize', 'dropout'] as const) {
      if (recorded[key] !== arch[key]) {
        bad(`its architecture says ${key} ${abbreviate(JSON.stringify(recorded[key]))} but its config and vocabulary say ${JSON.stringify(arch[key])}`);
      }
    }
    const recordedDtype = recorded.dtype ?? 'float64';
    if (recordedDtype !== configDtype(config)) {
      bad(`its architecture says dtype ${abbreviate(JSON.stringify(recordedDtype))} but its config says ${JSON.stringify(configDtype(config))}`);
    }
  }

  const update = count('update', finite('update'));
  const epoch = count('epoch', finite('epoch'));
  const smoothLoss = finite('smoothLoss');
  const bestSmoothLoss = metadata.bestSmoothLoss === undefined ? undefined : finite('bestSmoothLoss');
  const initialLoss = metadata.initialLoss === undefined ? undefined : finite('initialLoss');
  const bestUpdate = metadata.bestUpdate === undefined ? undefined : count('bestUpdate', finite('bestUpdate'));
  const bestValLoss = metadata.bestValLoss === undefined ? undefined : finite('bestValLoss');
  let lastVal: { update: number; loss: number } | undefined;
  if (metadata.lastVal !== undefined) {
    const r = (json('lastVal') ?? {}) as Record<string, unknown>;
    if (typeof r.loss !== 'number' || !Number.isFinite(r.loss)) bad(`"lastVal" must be {update, loss}, got ${abbreviate(field('lastVal'))}`);
    lastVal = { update: count('lastVal', r.update), loss: r.loss as number };
  }
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

  // Tensors: the model's parameters and states with the shapes the architecture implies,
  // all F64, or all F32 for a float32 model (but the step count of Adam, always F64).
  const dtype: DTypeName = configDtype(config);
  const storedAs = dtype === 'float32' ? 'F32' : 'F64';
  const wrongDtype = (name: string, t: Tensor): never =>
    bad(`the tensor "${name}" is ${t.dtype === 'float32' ? 'F32' : 'F64'} but the model is ${dtype}, stored as ${storedAs}`);
  const layout = v1
    ? { params: PARAM_NAMES.map((name) => ({ name, shape: paramShapes(m, K)[name] })), states: ['h'] }
    : architectureLayout(arch);
  const stateTensor = (name: string): string => (v1 ? name : `${STATE_PREFIX}${name}`);
  const expected = new Map<string, readonly number[]>();
  for (const p of layout.params) expected.set(p.name, p.shape);
  for (const name of layout.states) expected.set(stateTensor(name), [B, m]);
  const what = v1 ? `hidden ${m}, vocabulary ${K} and batch ${B}` : `its architecture (${describeArchitecture(arch)}) and batch ${B}`;
  const checkTensor = (name: string): Tensor => {
    const t = (Object.hasOwn(tensors, name) ? tensors[name] : undefined) ?? bad(`the tensor "${name}" is missing (${what} need it)`);
    if (t.dtype !== dtype) wrongDtype(name, t);
    const shape = expected.get(name)!;
    if (!shapesEqual(t.shape, shape)) bad(`the tensor "${name}" is ${formatShape(t.shape)} but ${what} need ${formatShape(shape)}`);
    return t;
  };
  const params: Record<string, Tensor> = {};
  for (const p of layout.params) params[p.name] = checkTensor(p.name);
  const states: Record<string, Tensor> = {};
  for (const name of layout.states) states[name] = checkTensor(stateTensor(name));

  // Optimizer state: every other tensor, named `<optimizer>.…`; a name ending in a
  // parameter's name (adagrad.U, adam.m.l0.weight_ih) must have that parameter's shape.
  const prefix = `${config.optimizer}.`;
  const paramNames = layout.params.map((p) => p.name);
  const optimizer: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (expected.has(name)) continue;
    if (!name.startsWith(prefix)) {
      bad(`unexpected tensor "${name}" (${what} have no such tensor; optimizer state must be named "${prefix}…" for optimizer ${config.optimizer})`);
    }
    const rest = name.slice(prefix.length);
    const param = paramNames.find((p) => rest === p || rest.endsWith(`.${p}`));
    if (param === undefined && rest !== 'step') {
      bad(`the optimizer tensor "${name}" names no parameter (optimizer state is "${prefix}[slot.]<parameter>" or "${prefix}step"; the parameters are ${paramNames.join(', ')})`);
    }
    if (t.dtype !== (param === undefined ? 'float64' : dtype)) wrongDtype(name, t);
    const shape = param === undefined ? undefined : expected.get(param);
    if (shape !== undefined && !shapesEqual(t.shape, shape)) {
      bad(`the optimizer tensor "${name}" is ${formatShape(t.shape)} but parameter ${param} is ${formatShape(shape)}`);
    }
    optimizer[name] = t;
  }

  const h = states[layout.states[0]!]!;
  const ckpt: CharRnnCheckpoint = { params, h, states, optimizer, vocab: vocab as string[], config, update, epoch, position, smoothLoss, rng, formatVersion: v1 ? 1 : 2 };
  if (bestSmoothLoss !== undefined) ckpt.bestSmoothLoss = bestSmoothLoss;
  if (initialLoss !== undefined) ckpt.initialLoss = initialLoss;
  if (bestUpdate !== undefined) ckpt.bestUpdate = bestUpdate;
  if (epochEnds !== undefined) ckpt.epochEnds = epochEnds;
  if (bestValLoss !== undefined) ckpt.bestValLoss = bestValLoss;
  if (lastVal !== undefined) ckpt.lastVal = lastVal;
  return ckpt;
}

/** The states of a checkpoint by name: `states`, or `{ h }` for the report's model. */
export function checkpointStates(ckpt: CharRnnCheckpoint): Record<string, Tensor> {
  return ckpt.states ?? { h: ckpt.h };
}

function checkpointTensors(ckpt: CharRnnCheckpoint): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(ckpt.params)) out[name] = t;
  for (const [name, t] of Object.entries(checkpointStates(ckpt))) {
    const key = `${STATE_PREFIX}${name}`;
    if (Object.hasOwn(out, key)) throw new Error(`saveCheckpoint: state "${name}" collides with a parameter`);
    out[key] = t;
  }
  for (const [name, t] of Object.entries(ckpt.optimizer)) {
    if (Object.hasOwn(out, name)) throw new Error(`saveCheckpoint: optimizer state "${name}" collides with a model tensor`);
    out[name] = t;
  }
  return out;
}

function checkpointMetadata(ckpt: CharRnnCheckpoint): Record<string, string> {
  const config = withModelDefaults(ckpt.config);
  // JSON.stringify(number) is the shortest text that parses back to the same double.
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    architecture: JSON.stringify(configArchitecture(config, ckpt.vocab.length)),
    vocab: JSON.stringify(ckpt.vocab),
    config: JSON.stringify(config),
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
  if (ckpt.bestValLoss !== undefined) metadata.bestValLoss = JSON.stringify(ckpt.bestValLoss);
  if (ckpt.lastVal !== undefined) metadata.lastVal = JSON.stringify(ckpt.lastVal);
  return metadata;
}

function abbreviate(text: string | undefined): string {
  const s = String(text);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

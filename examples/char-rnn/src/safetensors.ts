/**
 * The safetensors file format (Hugging Face), for F64 and F32 tensors.
 *
 * Layout:
 *   bytes 0..8        N, the header length, an unsigned 64-bit little-endian integer
 *   bytes 8..8+N      the header: UTF-8 JSON object, starting with `{`, padded with
 *                     spaces (0x20) so that 8+N is a multiple of 8
 *   bytes 8+N..end    the data buffer: each tensor's elements, row-major, little-endian
 *
 * The header maps each tensor name to `{ "dtype": "F64"|"F32", "shape": [..],
 * "data_offsets": [begin, end] }` (byte offsets relative to the start of the data
 * buffer), plus an optional `"__metadata__": { string: string }`. The tensors
 * tile the data buffer exactly: no gaps, no overlaps, nothing after the last one.
 */
import { Tensor, formatShape, shapeSize } from '@weft/tensor';

/** What `decodeSafetensors` returns. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** The header key that holds the string-to-string metadata. */
export const METADATA_KEY = '__metadata__';

/** Headers larger than this are rejected (the reference implementation's limit, 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const ITEM_SIZE = { F64: 8, F32: 4 } as const;
type SupportedDtype = keyof typeof ITEM_SIZE;

/** Dtypes of the safetensors specification that this reader recognises but does not load. */
const OTHER_DTYPES = new Set([
  'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'C64',
]);

/**
 * Serialises `tensors` (float64 → F64, float32 → F32; any strides, written
 * row-major) and `metadata` to safetensors bytes.
 *
 * Tensors are laid out F64 first, then F32, each group in the order of
 * `tensors`' keys, so every tensor's data is aligned to its element size.
 * Throws on an empty name, the reserved name `__metadata__`, or a non-string metadata value.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name.length === 0 || name === METADATA_KEY) {
      throw new Error(`encodeSafetensors: a tensor cannot be named ${JSON.stringify(name)}`);
    }
    if (!(t instanceof Tensor)) throw new Error(`encodeSafetensors: tensors.${name} is not a Tensor`);
    const dtype: SupportedDtype = t.dtype === 'float32' ? 'F32' : 'F64';
    return { name, t, dtype };
  });
  // Stable sort: 8-byte elements before 4-byte ones keeps everything aligned.
  entries.sort((a, b) => ITEM_SIZE[b.dtype] - ITEM_SIZE[a.dtype]);

  const header: Record<string, unknown> = {};
  const meta = Object.entries(metadata);
  if (meta.length > 0) {
    for (const [key, value] of meta) {
      if (typeof value !== 'string') throw new Error(`encodeSafetensors: metadata.${key} must be a string, got ${typeof value}`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let dataLength = 0;
  for (const { name, t, dtype } of entries) {
    const bytes = t.size * ITEM_SIZE[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [dataLength, dataLength + bytes] };
    dataLength += bytes;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + dataLength);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let at = 8 + headerLength;
  for (const { t, dtype } of entries) {
    const data = t.data;
    if (dtype === 'F64') {
      iterate(t, (i) => {
        view.setFloat64(at, data[i]!, true);
        at += 8;
      });
    } else {
      iterate(t, (i) => {
        view.setFloat32(at, data[i]!, true);
        at += 4;
      });
    }
  }
  return out;
}

/** Row-major walk over a tensor's data indices (a fast path for contiguous tensors). */
function iterate(t: Tensor, fn: (dataIndex: number) => void): void {
  if (t.isContiguous) {
    for (let i = 0; i < t.size; i++) fn(t.offset + i);
    return;
  }
  // Strided: walk the multi-index.
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let n = 0; n < t.size; n++) {
    let at = t.offset;
    for (let d = 0; d < rank; d++) at += idx[d]! * t.stride[d]!;
    fn(at);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * Parses safetensors `bytes` into new contiguous tensors (float64 for F64,
 * float32 for F32) and the metadata.
 *
 * Strict: throws a one-line `Error` starting `decodeSafetensors:` when the file
 * is shorter than 8 bytes, the header length runs past the end or exceeds 100 MB,
 * the header is not UTF-8 JSON starting with `{`, is not an object, an entry has
 * a bad dtype/shape/data_offsets, a tensor's byte span disagrees with its shape,
 * offsets fall outside the data buffer, overlap, leave a gap or leave bytes
 * unused at the end, or a metadata value is not a string.
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    fail(`the header length ${declared} runs past the end of the file (${bytes.length} bytes); the file is truncated or not safetensors`);
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) fail(`the header is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength < 2 || bytes[8] !== 0x7b) fail('the header does not start with "{"; this is not a safetensors file');

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${firstLine(error)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');

  const metadata = readMetadata((header as Record<string, unknown>)[METADATA_KEY]);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  interface Entry { name: string; dtype: SupportedDtype; shape: number[]; begin: number; end: number }
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) continue;
    const what = `tensor ${JSON.stringify(name)}`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${what} is not an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`${what} has no dtype string`);
    if (!((dtype as string) in ITEM_SIZE)) {
      fail(
        OTHER_DTYPES.has(dtype as string)
          ? `${what} has dtype ${dtype as string}; only F64 and F32 are supported`
          : `${what} has unknown dtype ${JSON.stringify(dtype)}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`${what} has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    ) {
      fail(`${what} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const type = dtype as SupportedDtype;
    const needed = shapeSize(shape as number[]) * ITEM_SIZE[type];
    if (!Number.isSafeInteger(needed) || needed !== end - begin) {
      fail(`${what}: shape ${formatShape(shape as number[])} of ${type} needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    if (end > dataLength) {
      fail(`${what}: data_offsets [${begin}, ${end}] reach past the end of the data (${dataLength} bytes); the file is truncated`);
    }
    entries.push({ name, dtype: type, shape: shape as number[], begin, end });
  }

  // The tensors must tile [0, dataLength) exactly.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const entry of sorted) {
    if (entry.begin < cursor) {
      fail(`tensors ${JSON.stringify(previous!.name)} and ${JSON.stringify(entry.name)} overlap (data_offsets [${previous!.begin}, ${previous!.end}] and [${entry.begin}, ${entry.end}])`);
    }
    if (entry.begin > cursor) fail(`the data has a gap: bytes [${cursor}, ${entry.begin}) belong to no tensor`);
    cursor = entry.end;
    previous = entry;
  }
  if (cursor !== dataLength) fail(`the data has ${dataLength - cursor} bytes after the last tensor; offsets and file length disagree`);

  // No prototype: a tensor named __proto__ or constructor is a key like any other.
  const tensors: Record<string, Tensor> = Object.create(null) as Record<string, Tensor>;
  for (const { name, dtype, shape, begin } of entries) {
    const n = shapeSize(shape);
    const at = dataStart + begin;
    // Copy element by element: the data may not be aligned for a typed-array view.
    if (dtype === 'F64') {
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat64(at + 8 * i, true);
      tensors[name] = new Tensor(data, shape);
    } else {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
      tensors[name] = new Tensor(data, shape);
    }
  }
  return { tensors, metadata };
}

/** Throws the one-line decode error. */
function fail(why: string): never {
  throw new Error(`decodeSafetensors: ${why}`);
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${METADATA_KEY} is not an object of strings`);
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`${METADATA_KEY}.${key} is ${v === null ? 'null' : typeof v}; metadata values must be strings`);
    metadata[key] = v as string;
  }
  return metadata;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

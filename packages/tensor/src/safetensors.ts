/**
 * The safetensors file format (Hugging Face), for F64 and F32 tensors.
 * Bytes in, bytes out (Uint8Array, DataView): no Node APIs, so it runs in
 * browsers and workers too.
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
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * What `decodeSafetensors` returns. Both records have a null prototype, so a
 * tensor named `__proto__`, `constructor` or `toString` is an ordinary entry
 * and nothing inherited is ever mistaken for one.
 */
export interface Safetensors {
  /** The tensors by name (a null-prototype object: no inherited keys). */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings by key (null-prototype, empty when absent). */
  metadata: Record<string, string>;
}

/** The header key that holds the string-to-string metadata. */
export const SAFETENSORS_METADATA_KEY = '__metadata__';

/** Headers larger than this are refused (the reference implementation's limit, 100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/**
 * At most this many tensors, and this many metadata entries, per file. Checked
 * while scanning the header text, before any per-entry object is built, so a
 * header of a million empty tensors fails at once instead of building them all.
 */
export const SAFETENSORS_MAX_ENTRIES = 65_536;

/** Tensors of more dimensions are refused (numpy's limit, NPY_MAXDIMS). */
export const SAFETENSORS_MAX_RANK = 64;

/**
 * The WHATWG text codecs (browsers, workers, Node ≥ 11), typed locally: the
 * package compiles against ES2022 without DOM or Node types.
 */
interface TextCodecs {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => { decode(bytes: Uint8Array): string };
}
const codecs = globalThis as unknown as TextCodecs;

const ITEM_SIZE = { F64: 8, F32: 4 } as const;
type SupportedDtype = keyof typeof ITEM_SIZE;

/** Dtypes of the safetensors specification that this reader recognises but does not load. */
const OTHER_DTYPES = new Set([
  'F16', 'BF16', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL', 'C64',
]);

/** True where typed arrays hold their elements little-endian, as safetensors files do. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Options of `decodeSafetensors`. */
export interface DecodeSafetensorsOptions {
  /**
   * false: where a tensor's data is aligned for its element size (and the
   * host is little-endian), its Tensor is a view of `bytes` instead of a copy
   * — it changes when `bytes` does. For reading a file only to check it.
   * Default true: every tensor is a copy.
   */
  copy?: boolean;
}

/** Options of `encodeSafetensors`. */
export interface EncodeSafetensorsOptions {
  /**
   * Returns the Uint8Array of exactly `byteLength` bytes to write the file
   * into (all of it is written), e.g. a view of a buffer reused from save to
   * save; default a new Uint8Array.
   */
  allocate?: (byteLength: number) => Uint8Array;
}

/**
 * Serialises `tensors` (float64 → F64, float32 → F32; any shape and strides,
 * written row-major) and `metadata` (string values) to safetensors bytes.
 *
 * Tensors are laid out F64 first, then F32, each group in the order of
 * `tensors`' keys, so every tensor's data is aligned to its element size.
 * Throws on an empty name, the reserved name `__metadata__`, a value that is not
 * a Tensor, a non-string metadata value, a name or value UTF-8 cannot encode
 * (a lone surrogate), or more than
 * {@link SAFETENSORS_MAX_ENTRIES} tensors or metadata entries (a file
 * `decodeSafetensors` would refuse). Returns the bytes: a new Uint8Array, or
 * the one `options.allocate` gave.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}, options: EncodeSafetensorsOptions = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') throw new Error(`encodeSafetensors: tensors must be an object of named Tensors, got ${String(tensors)}`);
  if (metadata === null || typeof metadata !== 'object') throw new Error(`encodeSafetensors: metadata must be an object of strings, got ${String(metadata)}`);
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name.length === 0 || name === SAFETENSORS_METADATA_KEY) {
      throw new Error(`encodeSafetensors: a tensor cannot be named ${JSON.stringify(name)}`);
    }
    checkWellFormed('tensor name', name);
    if (!(t instanceof Tensor)) throw new Error(`encodeSafetensors: tensor ${JSON.stringify(name)} is not a Tensor`);
    const dtype: SupportedDtype = t.dtype === 'float32' ? 'F32' : 'F64';
    return { name, t, dtype };
  });
  if (entries.length > SAFETENSORS_MAX_ENTRIES) {
    throw new Error(`encodeSafetensors: ${entries.length} tensors, more than the ${SAFETENSORS_MAX_ENTRIES} a file may hold`);
  }
  // Stable sort: 8-byte elements before 4-byte ones keeps everything aligned.
  entries.sort((a, b) => ITEM_SIZE[b.dtype] - ITEM_SIZE[a.dtype]);

  // Null prototypes: a tensor or metadata key named "__proto__" stays an own key.
  const header: Record<string, unknown> = Object.create(null);
  const meta = Object.entries(metadata);
  if (meta.length > SAFETENSORS_MAX_ENTRIES) {
    throw new Error(`encodeSafetensors: ${meta.length} metadata entries, more than the ${SAFETENSORS_MAX_ENTRIES} a file may hold`);
  }
  if (meta.length > 0) {
    const copy: Record<string, string> = Object.create(null);
    for (const [key, value] of meta) {
      if (typeof value !== 'string') throw new Error(`encodeSafetensors: metadata ${JSON.stringify(key)} must be a string, got ${typeof value}`);
      checkWellFormed('metadata key', key);
      checkWellFormed(`metadata ${JSON.stringify(key)}`, value);
      copy[key] = value;
    }
    header[SAFETENSORS_METADATA_KEY] = copy;
  }
  let dataLength = 0;
  for (const { name, t, dtype } of entries) {
    const bytes = t.size * ITEM_SIZE[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [dataLength, dataLength + bytes] };
    dataLength += bytes;
  }

  const json = new codecs.TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const total = 8 + headerLength + dataLength;
  const out = options.allocate ? options.allocate(total) : new Uint8Array(total);
  if (!(out instanceof Uint8Array) || out.length !== total) {
    throw new Error(`encodeSafetensors: options.allocate(${total}) must return a Uint8Array of ${total} bytes, got ${out instanceof Uint8Array ? `${out.length} bytes` : String(out)}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
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

/**
 * Throws if `text` holds a lone UTF-16 surrogate: UTF-8 cannot encode it
 * (TextEncoder would write U+FFFD), so the name would not come back, and two
 * such names could come back equal.
 */
function checkWellFormed(what: string, text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1); // NaN past the end
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a whole pair
      continue;
    }
    throw new Error(`encodeSafetensors: ${what} ${JSON.stringify(text)} holds a lone UTF-16 surrogate, which UTF-8 cannot encode`);
  }
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

interface Entry {
  name: string;
  dtype: SupportedDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors `bytes` into new contiguous tensors (float64 for F64,
 * float32 for F32; shapes as declared) and the metadata, both in
 * null-prototype records (see {@link Safetensors}). With `options.copy`
 * false, aligned tensors are views of `bytes` instead (see
 * {@link DecodeSafetensorsOptions}).
 *
 * Strict: throws a one-line `Error` starting `decodeSafetensors:` when the file
 * is shorter than 8 bytes; the header length runs past the end or exceeds
 * {@link SAFETENSORS_MAX_HEADER_BYTES}; the header is not UTF-8, not JSON, not
 * an object starting with `{`; a key appears twice (a tensor name, a key of
 * `__metadata__`, a field of an entry); there are more than {@link SAFETENSORS_MAX_ENTRIES} tensors
 * or metadata entries; an entry has an unknown or unsupported dtype, a bad
 * shape (or more than {@link SAFETENSORS_MAX_RANK} dimensions) or data_offsets, a size that is not a safe integer, or a byte span that
 * disagrees with its shape; offsets fall outside the data buffer, overlap,
 * leave a gap or leave bytes unused at the end; or a metadata value is not a
 * string. Nothing is allocated for tensor data until every size is known to
 * fit in the file.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): Safetensors {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) fail(`the header length ${declared} is more than the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit; the file is damaged or not safetensors`);
  const headerLength = Number(declared);
  if (headerLength > bytes.length - 8) {
    fail(`the header length ${headerLength} runs past the end of the file (${bytes.length} bytes); the file is truncated or not safetensors`);
  }
  if (headerLength < 2 || bytes[8] !== 0x7b) fail('the header does not start with "{"; this is not a safetensors file');

  let text = '';
  try {
    text = new codecs.TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  // Before JSON.parse: it would silently keep the last of two equal keys, and
  // would build every entry of an oversized header.
  scanHeaderKeys(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${firstLine(error)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');

  const fields = header as Record<string, unknown>;
  const metadata = readMetadata(Object.prototype.hasOwnProperty.call(fields, SAFETENSORS_METADATA_KEY) ? fields[SAFETENSORS_METADATA_KEY] : undefined);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(fields)) {
    if (name === SAFETENSORS_METADATA_KEY) continue;
    entries.push(readEntry(name, info, dataLength));
  }
  checkTiling(entries, dataLength);

  // Every span is now inside the file: the allocations below total at most its length.
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const { name, dtype, shape, begin, end } of entries) {
    const at = dataStart + begin;
    const n = (end - begin) / ITEM_SIZE[dtype];
    // Views only where the data is aligned for one (and the host little-endian, as the file is).
    if (options.copy === false && LITTLE_ENDIAN && (bytes.byteOffset + at) % ITEM_SIZE[dtype] === 0) {
      tensors[name] = new Tensor(dtype === 'F64' ? new Float64Array(bytes.buffer, bytes.byteOffset + at, n) : new Float32Array(bytes.buffer, bytes.byteOffset + at, n), shape);
      continue;
    }
    // Copy element by element: the data may not be aligned for a typed-array view.
    if (dtype === 'F64') {
      const data = new Float64Array((end - begin) / 8);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat64(at + 8 * i, true);
      tensors[name] = new Tensor(data, shape);
    } else {
      const data = new Float32Array((end - begin) / 4);
      for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(at + 4 * i, true);
      tensors[name] = new Tensor(data, shape);
    }
  }
  return { tensors, metadata };
}

/** Checks one header entry (dtype, shape, data_offsets against the data length) and returns it typed. */
function readEntry(name: string, info: unknown, dataLength: number): Entry {
  const what = `tensor ${JSON.stringify(name)}`;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${what} is not an object with dtype, shape and data_offsets`);
  const fields = info as Record<string, unknown>;
  const own = (key: string): unknown => (Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined);
  const dtype = own('dtype');
  const shape = own('shape');
  const offsets = own('data_offsets');
  if (typeof dtype !== 'string') fail(`${what} has no dtype string`);
  if (dtype !== 'F64' && dtype !== 'F32') {
    fail(
      OTHER_DTYPES.has(dtype)
        ? `${what} has dtype ${dtype}, which is not supported; supported dtypes are F64 and F32`
        : `${what} has unknown dtype ${JSON.stringify(dtype)}; supported dtypes are F64 and F32`,
    );
  }
  if (Array.isArray(shape) && shape.length > SAFETENSORS_MAX_RANK) fail(`${what} has ${shape.length} dimensions, more than the ${SAFETENSORS_MAX_RANK} supported`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`${what} has shape ${show(shape)}; expected an array of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
    (offsets[0] as number) > (offsets[1] as number)
  ) {
    fail(`${what} has data_offsets ${show(offsets)}; expected [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const dims = shape as number[];
  // Checked product, as the reference implementation's checked_mul: a shape such
  // as [1e9, 1e9] is refused here, from the header alone.
  let needed = ITEM_SIZE[dtype];
  for (const d of dims) {
    needed *= d;
    if (!Number.isSafeInteger(needed)) {
      fail(`${what}: shape ${abbreviate(formatShape(dims))} of ${dtype} is too large (more than 2^53 bytes)`);
    }
  }
  if (needed !== end - begin) {
    fail(`${what}: shape ${abbreviate(formatShape(dims))} of ${dtype} needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  if (end > dataLength) {
    fail(`${what}: data_offsets [${begin}, ${end}] reach past the end of the data (${dataLength} bytes); the file is truncated`);
  }
  return { name, dtype, shape: dims, begin, end };
}

/** Throws unless the entries' byte spans tile [0, dataLength) exactly. */
function checkTiling(entries: readonly Entry[], dataLength: number): void {
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
}

/**
 * Walks the top-level keys of the header text (and those of `__metadata__` and
 * of each tensor entry) without building any value: throws on a key seen twice
 * and on more than SAFETENSORS_MAX_ENTRIES tensors or metadata entries.
 * Malformed JSON is left to JSON.parse to report: the walk just stops.
 */
function scanHeaderKeys(text: string): void {
  let tensorCount = 0;
  scanObjectKeys(text, 0, (key, valueAt) => {
    if (key === SAFETENSORS_METADATA_KEY) {
      if (text.charCodeAt(valueAt) !== OPEN_BRACE) return; // not an object: readMetadata says so
      let metaCount = 0;
      scanObjectKeys(text, valueAt, () => {
        if (++metaCount > SAFETENSORS_MAX_ENTRIES) fail(`${SAFETENSORS_METADATA_KEY} has more than ${SAFETENSORS_MAX_ENTRIES} entries, the limit`);
      }, (metaKey) => `${SAFETENSORS_METADATA_KEY} has the key ${abbreviate(JSON.stringify(metaKey))} twice`);
      return;
    }
    if (++tensorCount > SAFETENSORS_MAX_ENTRIES) fail(`the header declares more than ${SAFETENSORS_MAX_ENTRIES} tensors, the limit`);
    // An entry's own fields too: "dtype" twice would be as ambiguous.
    if (text.charCodeAt(valueAt) === OPEN_BRACE) {
      scanObjectKeys(text, valueAt, () => {}, (field) => `tensor ${abbreviate(JSON.stringify(key))} has the field ${abbreviate(JSON.stringify(field))} twice`);
    }
  }, (key) => (key === SAFETENSORS_METADATA_KEY ? `the header has ${SAFETENSORS_METADATA_KEY} twice` : `duplicate tensor name ${abbreviate(JSON.stringify(key))}`));
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * Calls `onKey(key, indexOfItsValue)` for each key of the JSON object starting
 * at `text[start] === '{'`, and throws `duplicate(key)` when a key repeats
 * (compared after unescaping, so "a" and "\u0061" are the same key). Returns
 * the index after the closing brace, or -1 where the text is not well-formed.
 */
function scanObjectKeys(text: string, start: number, onKey: (key: string, valueAt: number) => void, duplicate: (key: string) => string): number {
  const seen = new Set<string>();
  let i = skipSpace(text, start + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return -1;
    const close = stringEnd(text, i);
    if (close < 0) return -1;
    let key: string;
    try {
      key = JSON.parse(text.slice(i, close + 1)) as string;
    } catch {
      return -1;
    }
    if (seen.has(key)) fail(duplicate(key));
    seen.add(key);
    i = skipSpace(text, close + 1);
    if (text.charCodeAt(i) !== COLON) return -1;
    i = skipSpace(text, i + 1);
    onKey(key, i);
    i = skipValue(text, i);
    if (i < 0) return -1;
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpace(text, i + 1);
  }
}

/** Index of the quote closing the string that opens at `text[i]`, or -1. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

/** Index just after the JSON value starting at `text[i]` (at the `,` or `}` that follows), or -1. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i;
      depth--;
    } else if (c === COMMA && depth === 0) {
      return i;
    }
  }
  return -1;
}

function skipSpace(text: string, i: number): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
  }
  return i;
}

/** Throws the one-line decode error. */
function fail(why: string): never {
  throw new Error(`decodeSafetensors: ${why}`);
}

function readMetadata(value: unknown): Record<string, string> {
  const metadata: Record<string, string> = Object.create(null);
  if (value === undefined) return metadata;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${SAFETENSORS_METADATA_KEY} is not an object of strings`);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      fail(`${SAFETENSORS_METADATA_KEY}[${abbreviate(JSON.stringify(key))}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; metadata values must be strings`);
    }
    metadata[key] = v;
  }
  return metadata;
}

/** A value from the file as JSON, for an error message (`undefined` when absent). */
function show(value: unknown): string {
  return abbreviate(JSON.stringify(value) ?? String(value));
}

/** Keeps error messages short when a name or value in the file is huge. */
function abbreviate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

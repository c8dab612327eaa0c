/**
 * Issue 12.10, 12.11, 12.13: sizes are checked before anything is allocated
 * (model size against memory, regular files only, a maximum text size, bounded
 * sample lengths), ids take the smallest typed array, and flag values that
 * round to 0, or a vocabulary in another order, are one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointChecksum } from '../src/checkpoint.js';
import { readCorpus } from '../src/corpus.js';
import { MAX_TEXT_BYTES } from '../src/limits.js';
import { decodeSafetensors, encodeSafetensors } from '../src/safetensors.js';
import { makeText, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

let dir: string;
let data: string;
let ckpt: string;
beforeAll(async () => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(1000, 13));
  expect((await run(['train', '--data', data, '--hidden', '4', '--updates', '5', '--out', join(dir, 'run'), '--json'])).code).toBe(0);
  ckpt = join(dir, 'run', 'checkpoint.safetensors');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2, exactly one `char-rnn:` line matching `message`, nothing in the temp dir changed, and quickly. */
async function expectUserError(args: string[], message: RegExp): Promise<void> {
  const before = snapshotTree(dir);
  const started = Date.now();
  const res = await run(args);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/^char-rnn: [^\n]*\n$/);
  expect(res.stderr).toMatch(message);
  expect(snapshotTree(dir)).toEqual(before);
}

const train = (...args: string[]) => ['train', '--data', data, '--out', join(dir, 'never'), ...args];

describe('sizes', () => {
  it('a model too large for this machine is refused before it is allocated', async () => {
    await expectUserError(train('--hidden', '100000'), /--hidden 100000 with \d+ characters needs about [\d.]+ GB of memory .*use a smaller --hidden/);
    await expectUserError(train('--hidden', '30000'), /--hidden 30000 .*needs about [\d.]+ GB/);
    await expectUserError(['gradcheck', '--data', data, '--hidden', '100000'], /--hidden 100000 .*needs about/);
  });

  it('only regular files: /dev/zero as --data, --checkpoint or --resume', async () => {
    await expectUserError(train('--data', '/dev/zero'), /\/dev\/zero is not a regular file/);
    await expectUserError(['sample', '--checkpoint', '/dev/zero'], /\/dev\/zero is not a regular file/);
    await expectUserError(['train', '--resume', '/dev/zero', '--data', data], /\/dev\/zero is not a regular file/);
  });

  it('a text over the maximum size is refused before it is read', async () => {
    const elsewhere = tempDir(); // outside dir, whose snapshot reads every file
    const huge = join(elsewhere, 'huge.txt');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_TEXT_BYTES + 1); // sparse: takes no disk space
    try {
      await expectUserError(train('--data', huge), /huge\.txt has 537 MB; texts of at most 537 MB are read/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('ids take the smallest typed array that holds the vocabulary', async () => {
    const text = (n: number) => Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    const cases: [number, string][] = [[200, 'Uint8Array'], [300, 'Uint16Array'], [70_000, 'Int32Array']];
    for (const [k, type] of cases) {
      const file = writeText(dir, `k${k}.txt`, k > 20000 ? Array.from({ length: k }, (_, i) => String.fromCodePoint(0x10000 + i)).join('') : text(k));
      const corpus = await readCorpus(file);
      expect([k, corpus.ids.constructor.name, corpus.vocab.size, corpus.ids.length]).toEqual([k, type, k, k]);
      expect(Array.from(corpus.ids.subarray(0, 3))).toEqual([0, 1, 2]);
      rmSync(file);
    }
  });

  it('sample lengths are bounded', async () => {
    await expectUserError(train('--sample-length', '1000000000'), /--sample-length must be a positive integer up to 1000000, got 1000000000/);
    await expectUserError(['sample', '--checkpoint', ckpt, '--length', '1000000001'], /--length must be a positive integer up to 1000000/);
  });
});

describe('values that are not what they seem', () => {
  it('a flag value that rounds to 0 or to infinity is refused', async () => {
    await expectUserError(train('--clip', '1e-400'), /--clip.*'1e-400' is invalid\. It is too small for a double: it rounds to 0/);
    await expectUserError(train('--lr', '1e400'), /--lr.*'1e400' is invalid\. It is too large/);
  });

  it('a checkpoint with the same characters in another order says it is the order', async () => {
    const file = decodeSafetensors(new Uint8Array(readFileSync(ckpt)));
    const vocab = JSON.parse(file.metadata.vocab!) as string[];
    [vocab[0], vocab[1]] = [vocab[1]!, vocab[0]!];
    file.metadata.vocab = JSON.stringify(vocab);
    file.metadata.checksum = checkpointChecksum(file.tensors, file.metadata);
    const swapped = writeText(dir, 'swapped.safetensors', encodeSafetensors(file.tensors, file.metadata));
    await expectUserError(
      ['train', '--resume', swapped, '--data', data, '--out', join(dir, 'never')],
      /has the same \d+ characters as the checkpoint .*swapped\.safetensors, but the checkpoint orders them differently \(entry 0 is /,
    );
    rmSync(swapped);
  });
});

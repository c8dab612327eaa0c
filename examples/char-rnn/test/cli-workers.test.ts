/**
 * `char-rnn train --workers N`: the B streams shared by N worker threads
 * (@weft/layers' dataParallel). The same run as one process to rounding,
 * bit-identical for a given N, resumable; N must not exceed B. Needs the
 * build (the workers run dist/parallel-worker.js; `npm test` builds first).
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { readLossCsv } from '../src/run-dir.js';
import { makeText, run, tempDir, writeText } from './cli-helpers.js';

const built = existsSync(resolve('examples/char-rnn/dist/parallel-worker.js'));
const maybe = built ? describe : describe.skip;

maybe('char-rnn train --workers', () => {
  const dir = tempDir('char-rnn-workers-');
  const data = writeText(dir, 'text.txt', makeText(6000, 3));
  const args = (out: string, ...extra: string[]): string[] => [
    'train', '--data', data, '--hidden', '12', '--seq-length', '10', '--batch', '4', '--updates', '60',
    '--log-every', '10', '--sample-every', '30', '--sample-length', '20', '--backend', 'js', '--out', join(dir, out), '--json', ...extra,
  ];

  it('2 workers train the one-process run to rounding, the same bytes twice, and resume', async () => {
    expect((await run(args('one'))).code).toBe(0);
    expect((await run(args('two-a', '--workers', '2'))).code).toBe(0);
    expect((await run(args('two-b', '--workers', '2'))).code).toBe(0);
    const one = readLossCsv(join(dir, 'one', 'loss.csv'));
    const two = readLossCsv(join(dir, 'two-a', 'loss.csv'));
    expect(two.map((r) => r.update)).toEqual(one.map((r) => r.update));
    two.forEach((r, i) => expect(Math.abs(r.loss - one[i]!.loss)).toBeLessThanOrEqual(1e-10 * Math.abs(one[i]!.loss)));
    for (const f of ['checkpoint.safetensors', 'loss.csv', 'samples.md']) {
      expect(readFileSync(join(dir, 'two-b', f))).toEqual(readFileSync(join(dir, 'two-a', f)));
    }
    // The carried states of the 4 streams come back from the workers into the checkpoint.
    const a = await loadCheckpoint(join(dir, 'one', 'checkpoint.safetensors'));
    const b = await loadCheckpoint(join(dir, 'two-a', 'checkpoint.safetensors'));
    const h1 = Array.from(a.h.data);
    Array.from(b.h.data).forEach((v, i) => expect(Math.abs(v - h1[i]!)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(h1[i]!))));
    // 30 updates with 2 workers, then a resume to 60 with 2 workers: the straight 2-worker run.
    expect((await run(args('split', '--workers', '2', '--updates', '30'))).code).toBe(0);
    const resumed = await run(['train', '--resume', join(dir, 'split', 'checkpoint.safetensors'), '--data', data, '--updates', '60', '--workers', '2', '--json']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(dir, 'split', 'checkpoint.safetensors'))).toEqual(readFileSync(join(dir, 'two-a', 'checkpoint.safetensors')));
  });

  it('refuses more workers than streams, in one line', async () => {
    const res = await run(args('too-many', '--workers', '5'));
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^char-rnn: --workers 5 needs at least as many streams/);
  });
});

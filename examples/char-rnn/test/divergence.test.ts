/**
 * Issue 12.3: training stops when the loss exceeds three times the run's
 * initial loss (or is not finite), as Karpathy's char-rnn does: exit 1, one
 * line, the last good checkpoint kept and named.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { jsonLines, makeText, run, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

let dir: string;
let data: string;
beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(1500, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('divergence', () => {
  it.each([
    ['adagrad', '1e300'],
    ['adagrad', '1e6'],
    ['sgd', '1e6'],
    ['rmsprop', '1e6'],
    ['adam', '1e6'],
  ])('--optimizer %s --lr %s stops with exit 1 and keeps the last good checkpoint', async (optimizer, lr) => {
    const out = join(dir, `${optimizer}-${lr}`);
    const res = await run(['train', '--data', data, '--hidden', '8', '--optimizer', optimizer, '--lr', lr, '--updates', '300', '--checkpoint-every', '1', '--out', out, '--json']);
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^char-rnn: training diverged: the loss (rose to [\d.e+]+ at update \d+, more than three times the initial loss [\d.]+|became (NaN|Infinity))/);
    expect(lines[0]).toMatch(/last good checkpoint is .*checkpoint\.safetensors \(update \d+\)/);
    const summary = jsonLines(res.stdout).at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', stoppedBy: 'diverged' });
    const ckpt = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect(ckpt.update).toBeLessThan(300);
    expect(ckpt.smoothLoss).toBeLessThan(3 * ckpt.initialLoss!);
  });
});

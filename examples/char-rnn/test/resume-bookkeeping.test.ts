/**
 * Issue 12.1 and 11.5: an interrupted run, a finished run and a straight run
 * agree. Straight 4 epochs == 2 epochs + a resume to 4 (checkpoint files byte
 * for byte, samples.md, the report's epoch table); a resume with no more to do
 * is refused without rewriting anything; the console's best equals report.md's.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { jsonLines, makeText, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000); // the machine is shared: wall time varies

let dir: string;
let data: string;

beforeAll(() => {
  dir = tempDir();
  // 1000 characters in windows of 25: floor(999 / 25) = 39 windows an epoch.
  data = writeText(dir, 'text.txt', makeText(1000, 3));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = ['--hidden', '8', '--sample-every', '50', '--sample-length', '20', '--log-every', '10', '--json'];
const train = (out: string, ...extra: string[]) => run(['train', '--data', data, '--out', join(dir, out), ...flags, ...extra]);
const resume = (out: string, ...extra: string[]) =>
  run(['train', '--resume', join(dir, out, 'checkpoint.safetensors'), '--data', data, '--json', ...extra]);

/** The rows of report.md's epoch table: [epoch, update]. */
function epochTable(out: string): number[][] {
  const report = readFileSync(join(dir, out, 'report.md'), 'utf8');
  return [...report.matchAll(/^\| (\d+) \| (\d+) \| [\d.]+ \|$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('epoch bookkeeping across resumes', () => {
  it('--epochs 2 then a resume to --epochs 4 equals a straight --epochs 4, byte for byte', async () => {
    expect((await train('straight', '--epochs', '4')).code).toBe(0);
    expect((await train('split', '--epochs', '2')).code).toBe(0);
    const half = await loadCheckpoint(join(dir, 'split', 'checkpoint.safetensors'));
    expect([half.update, half.epoch, half.position]).toEqual([78, 2, 0]); // 2 epochs done, the next starts at 0
    const resumed = await resume('split', '--epochs', '4');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({ update: 156, epochsDone: 4 });
    for (const name of ['checkpoint.safetensors', 'best.safetensors', 'loss.csv', 'samples.md']) {
      expect([name, readFileSync(join(dir, 'split', name)).equals(readFileSync(join(dir, 'straight', name)))]).toEqual([name, true]);
    }
    const table = [[1, 39], [2, 78], [3, 117], [4, 156]];
    expect(epochTable('straight')).toEqual(table);
    expect(epochTable('split')).toEqual(table); // all segments, and the end of epoch 2 is epoch 2
    const samples = readFileSync(join(dir, 'split', 'samples.md'), 'utf8');
    expect(samples.match(/^# Text evolution$/gm)).toHaveLength(1);
    const report = readFileSync(join(dir, 'split', 'report.md'), 'utf8');
    for (const update of ['Before the first update', 'After update 50 ', 'After update 100 ', 'After update 150 ']) expect(report).toContain(update);
  });

  it('a finished run resumed with no more to do exits 2 and rewrites nothing', async () => {
    expect((await train('done', '--epochs', '2')).code).toBe(0);
    const before = snapshotTree(join(dir, 'done'));
    for (const extra of [[], ['--epochs', '2'], ['--updates', '78'], ['--updates', '50']]) {
      const res = await resume('done', ...extra);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^char-rnn: the run is already at update 78 \(epoch 2\); ask for more/);
      expect(snapshotTree(join(dir, 'done'))).toEqual(before); // the epoch is not counted again
    }
  });

  it('the summary\'s best smooth loss is report.md\'s, also when the last update is the new best', async () => {
    // 45 updates with --log-every 10: the end (update 45) is checked after the last log point.
    const res = await train('best', '--updates', '45');
    expect(res.code).toBe(0);
    const summary = jsonLines(res.stdout).at(-1)!;
    const best = await loadCheckpoint(join(dir, 'best', 'best.safetensors'));
    expect(best.update).toBe(45); // the loss still falls here, so the last update is the best
    expect(summary.bestSmoothLoss).toBe(best.smoothLoss);
    const report = readFileSync(join(dir, 'best', 'report.md'), 'utf8');
    expect(report).toContain(`Best smooth loss: ${best.smoothLoss.toFixed(2)} (update 45)`);
  });
});

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { readLossCsv } from '../src/run-dir.js';
import { jsonLines, makeText, param, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

const RUN_FILES = ['checkpoint.safetensors', 'best.safetensors', 'loss.csv', 'loss.svg', 'samples.md', 'report.md'];

jest.setTimeout(60_000); // the machine is shared: wall time varies

let dir: string;
let data: string;
let text: string;

beforeAll(() => {
  dir = tempDir();
  text = makeText(3000, 5);
  data = writeText(dir, 'text.txt', text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small, fast settings: a few hundred updates of a 16-unit model. */
function small(out: string, ...extra: string[]): string[] {
  return ['train', '--data', data, '--hidden', '16', '--out', join(dir, out), '--sample-length', '40', ...extra];
}

describe('char-rnn train', () => {
  it('writes every run file, prints where, and checkpoints the position of the text walk', async () => {
    const res = await run(small('run1', '--updates', '300', '--log-every', '50', '--sample-every', '100'));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = join(dir, 'run1');
    for (const name of RUN_FILES) {
      expect(existsSync(join(out, name))).toBe(true);
      expect(res.stdout).toContain(join(out, name));
    }

    // loss.csv: a row every 50 updates; the smooth loss goes down on this easy text.
    const rows = readLossCsv(join(out, 'loss.csv'));
    expect(rows.map((r) => r.update)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(rows.at(-1)!.smoothLoss).toBeLessThan(rows[0]!.smoothLoss);

    // The walk: 3000 characters in windows of 25 give floor(2999 / 25) = 119 windows an epoch,
    // so 300 updates are 2 epochs and 62 windows: the next window starts at 62 · 25.
    const ckpt = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect(ckpt.update).toBe(300);
    expect(ckpt.epoch).toBe(2);
    expect(ckpt.position).toBe(62 * 25);
    expect(ckpt.config).toMatchObject({ hidden: 16, seqLength: 25, lr: 0.1, optimizer: 'adagrad', clip: 5, batch: 1, updates: 300 });
    expect(ckpt.vocab).toEqual([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
    expect(ckpt.smoothLoss).toBe(rows.at(-1)!.smoothLoss);
    expect(Object.keys(ckpt.optimizer).sort()).toEqual(['adagrad.U', 'adagrad.V', 'adagrad.W', 'adagrad.b', 'adagrad.c']);

    // best.safetensors holds the lowest smooth loss among the logged points.
    const best = await loadCheckpoint(join(out, 'best.safetensors'));
    expect(best.smoothLoss).toBe(Math.min(...rows.map((r) => r.smoothLoss)));

    // Samples before update 1 and every 100 updates, 40 characters of the text's alphabet each.
    const samples = readFileSync(join(out, 'samples.md'), 'utf8');
    expect(samples).toContain('Before the first update');
    expect(samples).toContain('After update 100');
    expect(samples).toContain('After update 200');
    const blocks = [...samples.matchAll(/```text\n([\s\S]*?)\n```/g)].map((match) => match[1]!);
    expect(blocks).toHaveLength(3);
    for (const block of blocks) {
      expect(Array.from(block)).toHaveLength(40);
      expect(Array.from(block).every((c) => text.includes(c))).toBe(true);
    }

    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('Text from the best model');
    expect(report).toContain('](loss.svg)');
    const bestText = /## Text from the best model\n\n```+text\n([\s\S]*?)\n```/.exec(report)![1]!;
    expect(Array.from(bestText)).toHaveLength(1001); // the text's first character, then 1000 sampled
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/<svg/);
  });

  it('defines the smooth loss as s1 = loss1, s = 0.999 s + 0.001 loss', async () => {
    const res = await run(small('run-smooth', '--updates', '40', '--log-every', '1', '--json'));
    expect(res.code).toBe(0);
    const rows = readLossCsv(join(dir, 'run-smooth', 'loss.csv'));
    expect(rows).toHaveLength(40);
    expect(rows[0]!.smoothLoss).toBe(rows[0]!.loss);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]!.smoothLoss).toBeCloseTo(0.999 * rows[i - 1]!.smoothLoss + 0.001 * rows[i]!.loss, 10);
    }
  });

  it('--json writes only JSON lines: start, progress, sample, checkpoint and a final summary', async () => {
    const res = await run(small('run-json', '--updates', '120', '--log-every', '40', '--sample-every', '60', '--checkpoint-every', '50', '--json'));
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    const events = jsonLines(res.stdout);
    expect(events[0]!.event).toBe('start');
    expect(events.at(-1)!.event).toBe('summary');
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.map((e) => e.update)).toEqual([40, 80, 120]);
    for (const e of progress) {
      expect(typeof e.loss).toBe('number');
      expect(typeof e.smoothLoss).toBe('number');
      expect(e.updatesPerSec).toBeGreaterThan(0);
    }
    // 119 windows an epoch: update 120 is the first of epoch 2.
    expect(progress.map((e) => e.epoch)).toEqual([1, 1, 2]);
    expect(events.filter((e) => e.event === 'sample').map((e) => e.update)).toEqual([0, 60]);
    const checkpoints = events.filter((e) => e.event === 'checkpoint');
    expect(checkpoints.filter((e) => e.reason === 'every').map((e) => e.update)).toEqual([50, 100]);
    expect(checkpoints.filter((e) => e.reason === 'end').map((e) => e.update)).toEqual([120]);
    expect(checkpoints.some((e) => e.reason === 'best')).toBe(true);
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ stoppedBy: 'updates', update: 120, epochsDone: 1 });
    expect(Object.keys(summary.files as object).sort()).toEqual(['best', 'checkpoint', 'lossCsv', 'lossSvg', 'report', 'samples']);
  });

  it('stops at the end of --epochs when that comes before --updates', async () => {
    const res = await run(small('run-epochs', '--epochs', '1', '--updates', '1000', '--json'));
    expect(res.code).toBe(0);
    const summary = jsonLines(res.stdout).at(-1)!;
    expect(summary).toMatchObject({ stoppedBy: 'epochs', update: 119, epochsDone: 1 });
  });

  it('trains B streams side by side and stores one position per stream', async () => {
    const res = await run(small('run-batch', '--batch', '3', '--seq-length', '10', '--updates', '30', '--json'));
    expect(res.code).toBe(0);
    const ckpt = await loadCheckpoint(join(dir, 'run-batch', 'checkpoint.safetensors'));
    // 3 streams of 1000 characters; 30 windows of 10 into each.
    expect(ckpt.position).toEqual([300, 1300, 2300]);
    expect(ckpt.h.shape).toEqual([3, 16]);
  });

  it('on Ctrl-C finishes the update, writes a checkpoint and the report, and exits 130', async () => {
    const stop = new AbortController();
    stop.abort();
    const res = await run(small('run-int', '--updates', '500', '--json'), stop.signal);
    expect(res.code).toBe(130);
    const events = jsonLines(res.stdout);
    expect(events.at(-1)).toMatchObject({ event: 'summary', stoppedBy: 'interrupted', update: 1 });
    expect(events.some((e) => e.event === 'checkpoint' && e.reason === 'interrupt')).toBe(true);
    expect((await loadCheckpoint(join(dir, 'run-int', 'checkpoint.safetensors'))).update).toBe(1);
    expect(existsSync(join(dir, 'run-int', 'report.md'))).toBe(true);
  });

  it('stops on a diverging loss, keeps the last good checkpoint and exits 1 with one line', async () => {
    // SGD with an absurd learning rate pushes the weights to Infinity within a few updates.
    const res = await run(small('run-nan', '--optimizer', 'sgd', '--lr', '1e307', '--updates', '100', '--checkpoint-every', '1'));
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^char-rnn: training diverged: .*last good checkpoint is .*checkpoint\.safetensors \(update \d+\)/);
    const ckpt = await loadCheckpoint(join(dir, 'run-nan', 'checkpoint.safetensors')); // validates: all finite
    expect(ckpt.update).toBeGreaterThanOrEqual(1);
    expect(ckpt.update).toBeLessThan(100);
  });

  it('samples never change the training run', async () => {
    // Many long samples in one run, a single short one in the other: the same weights, bit for bit.
    expect((await run(small('run-many', '--updates', '150', '--sample-every', '7', '--sample-length', '90', '--json'))).code).toBe(0);
    expect((await run(small('run-few', '--updates', '150', '--sample-every', '100000', '--sample-length', '5', '--json'))).code).toBe(0);
    const many = await loadCheckpoint(join(dir, 'run-many', 'checkpoint.safetensors'));
    const few = await loadCheckpoint(join(dir, 'run-few', 'checkpoint.safetensors'));
    for (const name of ['U', 'W', 'V', 'b', 'c'] as const) expect(Array.from(param(many, name).data)).toEqual(Array.from(param(few, name).data));
    expect(Array.from(many.h.data)).toEqual(Array.from(few.h.data));
    expect(many.rng).toEqual(few.rng);
  });

  it('--force lets --out reuse a run directory, rewriting its run files', async () => {
    await run(small('run-force', '--updates', '20', '--json'));
    const before = snapshotTree(join(dir, 'run-force'));
    const res = await run(small('run-force', '--updates', '30', '--json', '--force'));
    expect(res.code).toBe(0);
    expect((await loadCheckpoint(join(dir, 'run-force', 'checkpoint.safetensors'))).update).toBe(30);
    expect(snapshotTree(join(dir, 'run-force'))).not.toEqual(before);
  });
});

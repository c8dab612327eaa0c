/**
 * Issue 12.3: training stops when the loss exceeds three times the run's
 * initial loss (or is not finite), as Karpathy's char-rnn does: exit 1, one
 * line, the last good checkpoint kept and named.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { JsonReporter } from '../src/progress.js';
import { prepareRunDir } from '../src/run-dir.js';
import { setUp } from '../src/train-setup.js';
import { TrainingRun } from '../src/training-run.js';
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

describe('an optimizer that refuses a non-finite gradient', () => {
  it('ends the run as diverged (exit 1), keeping the last good checkpoint', async () => {
    const out = join(dir, 'refused');
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    const options = { flags: { hidden: 8, updates: 50, checkpointEvery: 5 }, explicit: new Set<never>(), data, out, force: false, json: true };
    const setup = await setUp(options, io);
    // What @weft/optim's step() throws (nonFinite: 'error', its default) when a gradient holds NaN.
    let steps = 0;
    const step = setup.optimizer.step.bind(setup.optimizer);
    setup.optimizer.step = () => {
      if (++steps === 13) throw new Error("adagrad.step: parameter 'W' has a non-finite gradient, grad[3] = NaN; nothing was updated");
      return step();
    };
    const paths = await prepareRunDir(out);
    const code = await new TrainingRun(setup, { outDir: out, paths, continuing: false, previousRows: [], previousSamples: [] }, new JsonReporter(io.stdout), io).run();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^char-rnn: training diverged: the optimizer refused update 13 \(adagrad\.step: parameter 'W' has a non-finite gradient, grad\[3\] = NaN; nothing was updated\); .*last good checkpoint is .*checkpoint\.safetensors \(update 10\)/);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ event: 'summary', stoppedBy: 'diverged', update: 12 });
    expect((await loadCheckpoint(join(out, 'checkpoint.safetensors'))).update).toBe(10);
  });
});

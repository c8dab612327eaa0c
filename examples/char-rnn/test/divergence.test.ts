/**
 * Issue 12.3: training stops when the loss exceeds three times the run's
 * initial loss (or is not finite), as Karpathy's char-rnn does: exit 1, one
 * line, the last good checkpoint kept and named. The loss is the mean over
 * the last ≥ 2,500 characters of updates (Karpathy's batch), not one window's.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { JsonReporter } from '../src/progress.js';
import { prepareRunDir } from '../src/run-dir.js';
import { setUp } from '../src/train-setup.js';
import { TrainingRun } from '../src/training-run.js';
import { DIVERGENCE_CHARACTERS, DivergenceWatch } from '../src/run-rules.js';
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
    expect(lines[0]).toMatch(/^char-rnn: training diverged: the loss (rose to [\d.e+]+ \(the mean of the last 100 updates\) at update \d+, more than three times the initial loss [\d.]+|became (NaN|Infinity))/);
    expect(lines[0]).toMatch(/last good checkpoint is .*checkpoint\.safetensors \(update \d+\)/);
    const summary = jsonLines(res.stdout).at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', stoppedBy: 'diverged' });
    const ckpt = await loadCheckpoint(join(out, 'checkpoint.safetensors'));
    expect(ckpt.update).toBeLessThan(300);
    expect(ckpt.smoothLoss).toBeLessThan(3 * ckpt.initialLoss!);
  });
});

describe('DivergenceWatch (the rule)', () => {
  const initial = 104;
  it('averages ⌈2500 / (T·B)⌉ updates: 100 at T = 25, B = 1; 4 at B = 32; 1 from 2,500 characters on', () => {
    expect(DIVERGENCE_CHARACTERS).toBe(2500);
    expect([25, 800, 2500, 3000].map((n) => new DivergenceWatch(n).window)).toEqual([100, 4, 1, 1]);
    expect(() => new DivergenceWatch(0)).toThrow('DivergenceWatch: characters per update must be a positive integer, got 0');
  });

  it("one hard window of 3.06× the initial loss among ordinary ones is not divergence (alice.txt's update 91 in float32)", () => {
    const watch = new DivergenceWatch(25);
    const losses = [initial, 105, 148, ...Array.from({ length: 87 }, () => 90), 318, 105, 89];
    losses.forEach((loss, i) => expect(watch.check(loss, initial, i + 1)).toBeNull());
  });

  it('a loss that stays high is divergence once the mean passes 3×: after ⌈(2/9)·100⌉ updates at 10×', () => {
    const watch = new DivergenceWatch(25);
    watch.check(initial, initial, 1);
    let at = 1;
    let why: string | null = null;
    while (why === null && at < 200) why = watch.check(10 * initial, initial, ++at);
    // mean = initial + (at − 1)·9·initial/100 > 3·initial ⇔ at − 1 > 22.2
    expect(at).toBe(24);
    expect(why).toBe(`the loss rose to ${((77 * initial + 23 * 10 * initial) / 100).toPrecision(4)} (the mean of the last 100 updates) at update 24, more than three times the initial loss 104.00`);
  });

  it('one window when T·B ≥ 2,500: the loss itself, as Karpathy’s rule', () => {
    const watch = new DivergenceWatch(2500);
    expect(watch.check(initial, initial, 1)).toBeNull();
    expect(watch.check(3.5 * initial, initial, 2)).toBe('the loss rose to 364.0 at update 2, more than three times the initial loss 104.00');
  });

  it('a non-finite loss is divergence at once, and is not recorded', () => {
    const watch = new DivergenceWatch(25);
    expect(watch.check(NaN, initial, 7)).toBe('the loss became NaN at update 7');
    expect(watch.check(Infinity, initial, 8)).toBe('the loss became Infinity at update 8');
    expect(watch.check(initial, initial, 9)).toBeNull();
  });

  it('after a resume the window starts from the smooth loss, so one hard window does not stop the run', () => {
    const resumed = new DivergenceWatch(25, 60);
    expect(resumed.check(3.5 * initial, initial, 5001)).toBeNull();
    // Without a start the first window's loss fills it: a run that starts at 3.5× its own first loss cannot exist, but a start of 60 must not be ignored.
    const fresh = new DivergenceWatch(25);
    expect(fresh.check(60, initial, 1)).toBeNull();
    expect(fresh.check(3.5 * initial, initial, 2)).toBeNull();
  });
});

describe('a run with hard windows early on (alice.txt, float32, seed 1)', () => {
  it('trains past update 91, where one window costs 3.06× the initial loss (exit 1 "diverged" before the rule averaged)', async () => {
    const alice = fileURLToPath(new URL('../../char-rnn-web/src/texts/alice.txt', import.meta.url));
    const out = join(dir, 'alice-f32');
    const res = await run(['train', '--data', alice, '--dtype', 'float32', '--updates', '120', '--log-every', '1', '--sample-every', '1000', '--out', out]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    // The hard window is there: update 91's loss is over three times the first update's.
    const rows = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(120);
    expect(rows[90]![2]!).toBeGreaterThan(3 * rows[0]![2]!);
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

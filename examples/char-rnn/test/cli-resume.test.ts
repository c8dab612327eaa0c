import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, PARAM_NAMES } from '../src/checkpoint.js';
import { makeText, param, run, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000); // the machine is shared: wall time varies

let dir: string;
let data: string;

beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(3000, 9));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function train(out: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(['train', '--data', data, '--hidden', '12', '--epochs', '100', '--sample-every', '500', '--sample-length', '30', '--out', join(dir, out), '--json', ...extra]);
}

/** Every tensor of two checkpoints equal bit for bit (Object.is: also -0 and NaN payload-insensitive equality). */
async function expectSameState(a: string, b: string): Promise<void> {
  const x = await loadCheckpoint(a);
  const y = await loadCheckpoint(b);
  for (const name of PARAM_NAMES) expect(Buffer.from(param(x, name).data.buffer).equals(Buffer.from(param(y, name).data.buffer))).toBe(true);
  expect(Array.from(x.h.data)).toEqual(Array.from(y.h.data));
  expect(Object.keys(x.optimizer).sort()).toEqual(Object.keys(y.optimizer).sort());
  for (const key of Object.keys(x.optimizer)) expect(Array.from(x.optimizer[key]!.data)).toEqual(Array.from(y.optimizer[key]!.data));
  expect([x.update, x.epoch, x.position, x.smoothLoss, x.bestSmoothLoss, x.rng]).toEqual([y.update, y.epoch, y.position, y.smoothLoss, y.bestSmoothLoss, y.rng]);
}

describe('char-rnn train --resume', () => {
  it('2000 updates in one run and 1000 + a resume to 2000 give bit-identical weights and files', async () => {
    expect((await train('straight', '--updates', '2000')).code).toBe(0);
    expect((await train('split', '--updates', '1000')).code).toBe(0);
    const resumed = await run(['train', '--resume', join(dir, 'split', 'checkpoint.safetensors'), '--data', data, '--updates', '2000', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);

    await expectSameState(join(dir, 'straight', 'checkpoint.safetensors'), join(dir, 'split', 'checkpoint.safetensors'));
    await expectSameState(join(dir, 'straight', 'best.safetensors'), join(dir, 'split', 'best.safetensors'));
    // The whole checkpoint file, the loss log and the text evolution match byte for byte too.
    for (const name of ['checkpoint.safetensors', 'best.safetensors', 'loss.csv', 'samples.md']) {
      expect(readFileSync(join(dir, 'split', name)).equals(readFileSync(join(dir, 'straight', name)))).toBe(true);
    }
  });

  it('continues exactly with several streams after a Ctrl-C', async () => {
    const flags = ['--batch', '2', '--seq-length', '10', '--updates', '300'];
    expect((await train('b2-straight', ...flags)).code).toBe(0);
    const stop = new AbortController();
    stop.abort();
    const interrupted = await run(['train', '--data', data, '--hidden', '12', '--epochs', '100', '--sample-every', '500', '--sample-length', '30', '--json', '--out', join(dir, 'b2-int'), ...flags], stop.signal);
    expect(interrupted.code).toBe(130); // stopped after its first update
    const resumed = await run(['train', '--resume', join(dir, 'b2-int', 'checkpoint.safetensors'), '--data', data, '--json']);
    expect(resumed.code).toBe(0);
    await expectSameState(join(dir, 'b2-straight', 'checkpoint.safetensors'), join(dir, 'b2-int', 'checkpoint.safetensors'));
    // Streams of 1500 characters hold floor(1499 / 10) = 149 windows: 300 updates are 2 epochs and 2 windows.
    expect((await loadCheckpoint(join(dir, 'b2-int', 'checkpoint.safetensors'))).position).toEqual([20, 1520]);
  });

  it('can resume into a new --out, and lets the typed flags override lr, clip and the budget', async () => {
    const res = await run([
      'train', '--resume', join(dir, 'split', 'checkpoint.safetensors'), '--data', data, '--out', join(dir, 'elsewhere'),
      '--updates', '2050', '--lr', '0.05', '--json',
    ]);
    expect(res.code).toBe(0);
    const ckpt = await loadCheckpoint(join(dir, 'elsewhere', 'checkpoint.safetensors'));
    expect(ckpt.update).toBe(2050);
    expect(ckpt.config).toMatchObject({ lr: 0.05, hidden: 12, updates: 2050 });
    expect((await loadCheckpoint(join(dir, 'elsewhere', 'best.safetensors'))).update).toBeGreaterThan(2000);
    // The original run is untouched.
    expect((await loadCheckpoint(join(dir, 'split', 'checkpoint.safetensors'))).update).toBe(2000);
  });
});

describe('char-rnn train --backend', () => {
  it('js and wasm train the same model (to rounding), and a resume keeps its backend', async () => {
    expect((await train('js', '--updates', '300', '--backend', 'js')).code).toBe(0);
    expect((await train('wasm', '--updates', '300', '--backend', 'wasm')).code).toBe(0);
    const js = await loadCheckpoint(join(dir, 'js', 'checkpoint.safetensors'));
    const wasm = await loadCheckpoint(join(dir, 'wasm', 'checkpoint.safetensors'));
    expect([js.config.backend, wasm.config.backend]).toEqual(['js', 'wasm']);
    let anyDifference = false; // SIMD sums in another order: if nothing differs, wasm never ran
    for (const name of PARAM_NAMES) {
      const a = param(js, name).data;
      const b = param(wasm, name).data;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
      expect(worst).toBeLessThan(1e-8); // 300 AdaGrad updates amplify last-bit differences only this far
      anyDifference ||= worst > 0;
    }
    expect(anyDifference).toBe(true);
    const switched = await run(['train', '--resume', join(dir, 'js', 'checkpoint.safetensors'), '--data', data, '--backend', 'wasm', '--updates', '400']);
    expect(switched.code).toBe(2);
    expect(switched.stderr).toMatch(/^char-rnn: --backend wasm conflicts with the checkpoint, which was trained with --backend js/);
  });
});

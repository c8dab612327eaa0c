import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { GradcheckJson } from '../src/gradcheck-command.js';
import { makeText, run, tempDir, writeText } from './cli-helpers.js';

let dir: string;
let data: string;
let K: number;

beforeAll(() => {
  dir = tempDir();
  const text = makeText(400, 2);
  K = new Set(text).size;
  data = writeText(dir, 'text.txt', text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function gradcheckJson(...args: string[]): Promise<GradcheckJson> {
  const res = await run(['gradcheck', '--data', data, '--json', ...args]);
  expect(res.stderr).toBe('');
  const json = JSON.parse(res.stdout) as GradcheckJson;
  // Exit 1 only when an entry still fails the five-point re-check.
  expect(res.code).toBe(json.verdict === 'wrong gradients' ? 1 : 0);
  expect(res.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(res.stdout) as GradcheckJson;
}

describe('char-rnn gradcheck', () => {
  it('checks every entry of U, W, V, b, c at m = 5 and finds only tiny errors (central differences)', async () => {
    const report = await gradcheckJson();
    expect(Object.keys(report.params)).toEqual(['U', 'W', 'V', 'b', 'c']);
    const m = 5;
    const sizes = { U: m * K, W: m * m, V: K * m, b: m, c: K };
    for (const [name, size] of Object.entries(sizes)) {
      const p = report.params[name]!;
      expect(p.checked).toBe(size);
      expect(p.count).toBeGreaterThanOrEqual(0);
      expect(p.count).toBeLessThanOrEqual(size);
      // The report saw maxima from 2e-8 (b) to 2.5e-5 (W): the analytical gradients are right.
      expect(p.max).toBeLessThan(1e-4);
    }
    expect(report).toMatchObject({ stencil: 'central', h: 1e-4, threshold: 1e-6, hidden: 5, seqLength: 25, vocabularySize: K });
  });

  it('counts errors against the threshold consistently', async () => {
    const loose = await gradcheckJson('--threshold', '1');
    expect(loose.passed).toBe(true);
    for (const p of Object.values(loose.params)) expect(p.count).toBe(0);
    const strict = await gradcheckJson('--threshold', '1e-14');
    expect(strict.passed).toBe(false);
    for (const p of Object.values(strict.params)) {
      // A parameter has entries above the threshold exactly when its maximum is above it.
      if (p.max! > 1e-14) expect(p.count).toBeGreaterThan(0);
      else expect(p.count).toBe(0);
    }
  });

  it('runs the five-point stencil with its own step and hidden size', async () => {
    const report = await gradcheckJson('--stencil', 'five-point', '--hidden', '3', '--seq-length', '10', '--h', '1e-3');
    expect(report).toMatchObject({ stencil: 'five-point', h: 1e-3, hidden: 3, seqLength: 10 });
    expect(report.params.W!.checked).toBe(9);
    for (const p of Object.values(report.params)) expect(p.max).toBeLessThan(1e-4);
  });

  it('is reproducible for a seed and prints a table by default', async () => {
    expect(await gradcheckJson('--seed', '3')).toEqual(await gradcheckJson('--seed', '3'));
    const res = await run(['gradcheck', '--data', data]);
    expect(res.code).toBe(0);
    for (const name of ['U', 'W', 'V', 'b', 'c']) expect(res.stdout).toMatch(new RegExp(`^${name} +\\|`, 'm'));
    expect(res.stdout).toContain(`K = ${K}`);
  });
});

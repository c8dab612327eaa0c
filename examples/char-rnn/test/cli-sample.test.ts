import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint.js';
import { modelFromCheckpoint } from '../src/model-checkpoint.js';
import { makeText, run, tempDir, writeText } from './cli-helpers.js';

let dir: string;
let checkpoint: string;
let text: string;

beforeAll(async () => {
  dir = tempDir();
  text = makeText(2500, 3);
  const data = writeText(dir, 'text.txt', text);
  const res = await run(['train', '--data', data, '--hidden', '16', '--updates', '200', '--out', join(dir, 'run'), '--json']);
  expect(res.code).toBe(0);
  checkpoint = join(dir, 'run', 'checkpoint.safetensors');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The generated text (stdout without its final newline). */
async function sample(...args: string[]): Promise<string> {
  const res = await run(['sample', '--checkpoint', checkpoint, ...args]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(res.stdout.endsWith('\n')).toBe(true);
  return res.stdout.slice(0, -1);
}

describe('char-rnn sample', () => {
  it('gives the same text for the same seed and a different one for another seed', async () => {
    const a = await sample('--seed', '5', '--length', '300');
    const b = await sample('--seed', '5', '--length', '300');
    const c = await sample('--seed', '6', '--length', '300');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('prints one random first character and then --length characters, all from the vocabulary', async () => {
    const out = Array.from(await sample('--length', '250'));
    expect(out).toHaveLength(251);
    expect(out.every((c) => text.includes(c))).toBe(true);
  });

  it('prints the prime text first and continues it', async () => {
    const out = await sample('--prime', 'The whale', '--length', '50', '--seed', '2');
    expect(out.startsWith('The whale')).toBe(true);
    expect(Array.from(out)).toHaveLength('The whale'.length + 50);
  });

  it('top-k 1 is greedy: the seed no longer matters once the prime fixes the start', async () => {
    const a = await sample('--prime', 'The ', '--top-k', '1', '--seed', '1', '--length', '80');
    const b = await sample('--prime', 'The ', '--top-k', '1', '--seed', '99', '--length', '80');
    expect(a).toBe(b);
    const c = await sample('--prime', 'The ', '--seed', '1', '--length', '80');
    const d = await sample('--prime', 'The ', '--seed', '99', '--length', '80');
    expect(c).not.toBe(d);
  });

  it('accepts temperature and top-p', async () => {
    const out = await sample('--temperature', '0.5', '--top-p', '0.9', '--length', '100', '--seed', '4');
    expect(Array.from(out)).toHaveLength(101);
    expect(await sample('--temperature', '0.5', '--top-p', '0.9', '--length', '100', '--seed', '4')).toBe(out);
  });
});

describe('sampling starts from the checkpoint\'s hidden state', () => {
  it('modelFromCheckpoint carries h of stream 0, and a zeroed h gives other text', async () => {
    const ckpt = await loadCheckpoint(checkpoint);
    const model = modelFromCheckpoint(ckpt);
    expect(Array.from(model.state.data)).toEqual(Array.from(ckpt.h.data.subarray(0, 16)));
    expect(ckpt.h.data.some((v) => v !== 0)).toBe(true);

    const withState = await sample('--seed', '3', '--length', '200', '--prime', 'The ');
    ckpt.h.data.fill(0);
    const zeroed = join(dir, 'zeroed.safetensors');
    await saveCheckpoint(zeroed, ckpt);
    const fromZero = await run(['sample', '--checkpoint', zeroed, '--seed', '3', '--length', '200', '--prime', 'The ']);
    expect(fromZero.code).toBe(0);
    expect(fromZero.stdout.slice(0, -1)).not.toBe(withState);
  });
});

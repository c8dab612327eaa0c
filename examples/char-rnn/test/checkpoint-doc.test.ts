/**
 * docs/checkpoint-format.md's numpy snippet reads a checkpoint written by
 * saveCheckpoint and sees exactly our values (skipped without python3 + numpy).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, randn, zeros, type Tensor } from '@weft/tensor';
import { saveCheckpoint, type CharRnnCheckpoint } from '../src/checkpoint.js';
import { defaultTrainConfig } from '../src/config.js';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

(hasNumpy ? test.each : test.skip.each)(['float64', 'float32'] as const)('the documented numpy snippet reads a %s checkpoint exactly', async (dtype) => {
  const doc = await readFile(fileURLToPath(new URL('../../../docs/checkpoint-format.md', import.meta.url)), 'utf8');
  const snippet = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(snippet).toBeDefined();
  expect(snippet!.trim().split('\n').length).toBeLessThanOrEqual(14);

  const rng = new Rng(3);
  const [m, K] = [4, 3];
  const params = { U: randn([m, K], rng, 0, 1, dtype), W: randn([m, m], rng, 0, 1, dtype), V: randn([K, m], rng, 0, 1, dtype), b: randn([m], rng, 0, 1, dtype), c: randn([K], rng, 0, 1, dtype) };
  const optimizer: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(params)) optimizer[`adagrad.${name}`] = rng.fillUniform(zeros(t.shape, dtype), 0, 1);
  const ckpt: CharRnnCheckpoint = {
    params,
    h: randn([1, m], rng, 0, 1, dtype),
    optimizer,
    vocab: ['a', 'é', '🐋'],
    config: { ...defaultTrainConfig, hidden: m, ...(dtype === 'float32' ? { dtype } : {}) },
    update: 77,
    epoch: 0,
    position: 1925,
    smoothLoss: 27.4639,
    rng: rng.getState(),
  };
  const dir = await mkdtemp(join(tmpdir(), 'char-rnn-doc-'));
  try {
    const file = join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(file, ckpt);
    // The snippet as documented, plus one line that dumps every value for comparison.
    const program = `${snippet}\nprint(json.dumps({name: t.ravel().tolist() for name, t in tensors.items()}))\n`;
    const run = spawnSync('python3', ['-c', program, file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const [first, second, third] = run.stdout.trim().split('\n');
    expect(first).toBe('weft-char-rnn/2 update 77 smooth loss 27.4639 cell rnn vocab 3');
    expect(second).toContain("'U': (4, 3)");
    expect(second).toContain("'V': (3, 4)");
    expect(second).toContain("'state.h': (1, 4)");
    expect(second).toContain("'adagrad.W': (4, 4)");
    const values = JSON.parse(third!) as Record<string, number[]>;
    const ours: Record<string, Tensor> = { ...params, 'state.h': ckpt.h, ...optimizer };
    expect(Object.keys(values).sort()).toEqual(Object.keys(ours).sort());
    for (const [name, t] of Object.entries(ours)) expect(values[name]).toEqual(Array.from(t.data));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * The page's trainer against the CLI: the same text, settings and seed give
 * the same run (weights, every state, smooth loss, samples) as
 * `char-rnn train`, for every cell and layer count, and checkpoints move
 * between the two both ways. Runs in Node on the JS kernels; the browser test
 * (scripts/test-browser.mjs) covers the page.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allClose, backendOf, getBackend, wasmKernelCalls, type Backend } from '@weft/tensor';
import { decodeCheckpoint, encodeCheckpoint, type CharRnnCheckpoint } from '../../char-rnn/src/checkpoint-codec.js';
import { param, run, tempDir } from '../../char-rnn/test/cli-helpers.js';
import type { ToWorker } from '../src/protocol.js';
import { TextWalk } from '../src/text-walk.js';
import { Trainer, type TrainSettings } from '../src/trainer.js';
import { Vocabulary } from '../src/vocabulary.js';

const text = readFileSync(join(import.meta.dirname, '..', 'src', 'texts', 'gettysburg.txt'), 'utf8');
const settings: TrainSettings = { cell: 'rnn', hidden: 12, layers: 1, lr: 0.1, seqLength: 10, clip: 5, seed: 4, sampleEvery: 50, sampleLength: 40 };

/** Runs the page's loop (advance, sample when due, step) for `updates` updates; returns the samples. */
function train(t: Trainer, updates: number): string[] {
  const samples: string[] = [];
  while (t.update < updates) {
    expect(t.advance()).toBeNull();
    if (t.sampleDue()) samples.push(t.vocab.decode([...t.trainingSample()]));
    expect(t.step()).toBeNull();
  }
  return samples;
}

/** The CLI flags of page settings (the options the page has; --backend js as the tests run). */
function cliFlags(s: TrainSettings): string[] {
  return [
    '--cell', s.cell, '--layers', String(s.layers), '--dropout', String(s.dropout ?? 0), '--hidden', String(s.hidden), '--seq-length', String(s.seqLength),
    '--lr', String(s.lr), '--seed', String(s.seed), '--sample-every', String(s.sampleEvery), '--sample-length', String(s.sampleLength), '--backend', 'js',
    ...(s.dtype !== undefined ? ['--dtype', s.dtype] : []),
  ];
}

/** `char-rnn train` with `args`: its samples and its checkpoint. */
async function cliTrain(args: string[], out: string): Promise<{ samples: string[]; ckpt: CharRnnCheckpoint; file: string }> {
  const cli = await run(['train', ...args, '--out', out, '--json']);
  expect(cli.stderr).toBe('');
  expect(cli.code).toBe(0);
  const samples = cli.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.event === 'sample').map((e) => e.text as string);
  const file = join(out, 'checkpoint.safetensors');
  return { samples, ckpt: decodeCheckpoint(readFileSync(file), file), file };
}

/** Every parameter and state of two checkpoints, bit for bit, and the run's counters and generator. */
function expectSameRun(mine: CharRnnCheckpoint, theirs: CharRnnCheckpoint): void {
  expect(Object.keys(mine.params)).toEqual(Object.keys(theirs.params));
  for (const name of Object.keys(theirs.params)) expect([name, Array.from(mine.params[name]!.data)]).toEqual([name, Array.from(theirs.params[name]!.data)]);
  const states = mine.states ?? { h: mine.h };
  expect(Object.keys(states)).toEqual(Object.keys(theirs.states!));
  for (const name of Object.keys(theirs.states!)) expect([name, Array.from(states[name]!.data)]).toEqual([name, Array.from(theirs.states![name]!.data)]);
  expect(mine.smoothLoss).toBe(theirs.smoothLoss);
  expect([mine.update, mine.epoch, mine.position]).toEqual([theirs.update, theirs.epoch, theirs.position]);
  expect([mine.initialLoss, mine.epochEnds]).toEqual([theirs.initialLoss, theirs.epochEnds]);
  expect(mine.rng).toEqual(theirs.rng);
}

/** `char-rnn sample` on a checkpoint file. */
async function cliSample(file: string, seed: number, length: number, prime?: string): Promise<string> {
  const out = await run(['sample', '--checkpoint', file, '--seed', String(seed), '--length', String(length), ...(prime ? ['--prime', prime] : [])]);
  expect(out.code).toBe(0);
  return out.stdout.replace(/\n$/, '');
}

describe('Trainer', () => {
  it('allocates a run on the backend it is given (as the worker does after initWasm), next to a JS run, with no switch', () => {
    const onHeap = Trainer.create(text, settings, 'wasm');
    const plain = Trainer.create(text, settings);
    expect(getBackend()).toBe('js');
    expect(onHeap.config.backend).toBe('wasm');
    for (const p of onHeap.params) expect(backendOf(p.value)).toBe('wasm');
    for (const p of plain.params) expect(backendOf(p.value)).toBe('js');
    const calls = wasmKernelCalls();
    train(plain, 20);
    expect(wasmKernelCalls()).toBe(calls);
    train(onHeap, 20);
    expect(wasmKernelCalls()).toBeGreaterThan(calls);
    for (let i = 0; i < plain.params.length; i++) expect(allClose(onHeap.params[i]!.value, plain.params[i]!.value, 1e-9)).toBe(true);
    expect(onHeap.sampleWithSeed({ seed: 5, length: 30 })).toHaveLength(31); // the first character + 30 drawn
    expect(getBackend()).toBe('js');
  });

  it('runs the CLI\'s training: 314 updates (exactly 2 epochs of 157 windows) give the CLI\'s weights, state, counters, smooth loss and samples', async () => {
    const dir = tempDir('char-rnn-web-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const args = ['train', '--data', data, '--hidden', '12', '--seq-length', '10', '--seed', '4', '--updates', '314', '--sample-every', '50', '--sample-length', '40', '--backend', 'js', '--out', join(dir, 'run'), '--json'];
    const cli = await run(args);
    expect(cli.code).toBe(0);
    const cliSamples = cli.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.event === 'sample').map((e) => e.text as string);
    const ckpt = decodeCheckpoint(readFileSync(join(dir, 'run', 'checkpoint.safetensors')), 'the CLI checkpoint');

    const t = Trainer.create(text, settings);
    const samples = train(t, 314);
    const mine = t.checkpoint();
    expect(mine.vocab).toEqual(ckpt.vocab);
    for (const name of ['U', 'W', 'V', 'b', 'c'] as const) expect(Array.from(param(mine, name).data)).toEqual(Array.from(param(ckpt, name).data));
    expect(Array.from(mine.h.data)).toEqual(Array.from(ckpt.h.data));
    expect(mine.smoothLoss).toBe(ckpt.smoothLoss);
    // The end of an epoch is counted at once: epoch 2 done, the next window at the start.
    expect([mine.update, mine.epoch, mine.position]).toEqual([314, 2, 0]);
    expect([mine.update, mine.epoch, mine.position]).toEqual([ckpt.update, ckpt.epoch, ckpt.position]);
    expect([mine.initialLoss, mine.epochEnds]).toEqual([ckpt.initialLoss, ckpt.epochEnds]);
    expect(samples).toEqual(cliSamples);
  });

  it('writes checkpoints the codec accepts, and a run restored from one continues exactly', () => {
    const straight = Trainer.create(text, settings);
    train(straight, 300);
    const half = Trainer.create(text, settings);
    train(half, 150);
    const bytes = encodeCheckpoint(half.checkpoint());
    const restored = Trainer.fromCheckpoint(decodeCheckpoint(bytes, 'page checkpoint'), text);
    expect(restored.trainable).toBe(true);
    train(restored.trainer, 300);
    expect(restored.trainer.params.map((p) => p.name)).toEqual(['U', 'W', 'V', 'b', 'c']);
    restored.trainer.params.forEach((p, i) => expect(Array.from(p.value.data)).toEqual(Array.from(straight.params[i]!.value.data)));
    expect(restored.trainer.smoothLoss).toBe(straight.smoothLoss);
  });

  it('loads a checkpoint for sampling only when the text has another vocabulary, and says why', () => {
    const t = Trainer.create(text, settings);
    train(t, 20);
    const loaded = Trainer.fromCheckpoint(decodeCheckpoint(encodeCheckpoint(t.checkpoint()), 'x'), 'abc abc abc abc');
    expect(loaded.trainable).toBe(false);
    expect(loaded.trainable === false && loaded.why).toMatch(/another vocabulary/);
    expect(() => loaded.trainer.step()).toThrow(/sampling only/);
    expect(loaded.trainer.sampleWithSeed({ seed: 3, length: 30 })).toBe(t.sampleWithSeed({ seed: 3, length: 30 }));
  });

  it('samples with a seed without disturbing training, the same text for the same seed', () => {
    const t = Trainer.create(text, settings);
    train(t, 100);
    const before = Array.from(t.model.state.data);
    const a = t.sampleWithSeed({ seed: 9, length: 80, prime: 'We ', temperature: 0.7, topP: 0.9 });
    expect(a.startsWith('We ')).toBe(true);
    expect(a).toHaveLength(83);
    expect(t.sampleWithSeed({ seed: 9, length: 80, prime: 'We ', temperature: 0.7, topP: 0.9 })).toBe(a);
    expect(t.sampleWithSeed({ seed: 10, length: 80, prime: 'We ', temperature: 0.7, topP: 0.9 })).not.toBe(a);
    expect(Array.from(t.model.state.data)).toEqual(before);
    expect(() => t.sampleWithSeed({ seed: 1, length: 5, prime: 'Zebra#' })).toThrow(/not in the model's vocabulary/);
  });

  it('stops at the update limit and reports bits per character', () => {
    const t = Trainer.create(text, { ...settings, updates: 30 });
    train(t, 30);
    expect(t.advance()).toBe('updates');
    expect(t.smoothBitsPerChar).toBeCloseTo(t.smoothLoss / (10 * Math.LN2), 12);
    expect(allClose(t.model.state, t.model.state)).toBe(true);
  });

  it('stops on divergence as the CLI does (a loss above three times the first), leaving the last good weights', () => {
    const t = Trainer.create(text, { ...settings, lr: 1000 });
    let stop: string | null = null;
    while (stop === null && t.update < 2000) stop = t.step();
    expect(stop).toBe('diverged');
    expect(t.divergence).toMatch(/more than three times the initial loss|became|refused/);
    expect(Number.isFinite(t.smoothLoss)).toBe(true);
  });

  it('refuses bad settings and texts too short for one window', () => {
    expect(() => Trainer.create(text, { ...settings, hidden: 0 })).toThrow(/hidden size must be a positive integer, got 0/);
    expect(() => Trainer.create(text, { ...settings, lr: -1 })).toThrow(/learning rate/);
    expect(() => Trainer.create(text, { ...settings, layers: 4 })).toThrow(/layers must be one of 1, 2, 3/);
    expect(() => Trainer.create(text, { ...settings, cell: 'tcn' })).toThrow(/unknown cell "tcn"; this page knows rnn, lstm, gru/);
    expect(() => Trainer.create(text, { ...settings, layers: 2, dropout: 1 })).toThrow(/dropout must be in \[0, 1\), got 1/);
    expect(() => Trainer.create('short', settings)).toThrow(/needs at least 11/);
  });
});

describe('Trainer, every cell (issue 14.3)', () => {
  const cases: TrainSettings[] = [
    { ...settings, cell: 'lstm', layers: 2, dropout: 0.25, hidden: 8 },
    { ...settings, cell: 'gru', layers: 1, hidden: 8 },
  ];

  it.each(cases)('$cell with $layers layer(s): 200 updates (over an epoch end) give `char-rnn train --backend js`\'s weights, states, smooth loss and samples bit for bit', async (s) => {
    const dir = tempDir('char-rnn-web-cells-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const cli = await cliTrain(['--data', data, ...cliFlags(s), '--updates', '200'], join(dir, 'run'));
    expect(cli.ckpt.config).toMatchObject({ cell: s.cell, layers: s.layers, dropout: s.dropout ?? 0 });

    const t = Trainer.create(text, s);
    const samples = train(t, 200);
    const mine = t.checkpoint();
    expect(mine.vocab).toEqual(cli.ckpt.vocab);
    expectSameRun(mine, cli.ckpt);
    expect(mine.epoch).toBe(1);
    expect(samples).toHaveLength(4);
    expect(samples).toEqual(cli.samples);
  });

  it.each(cases)('$cell with $layers layer(s): checkpoints move both ways, and sample as `char-rnn sample` does', async (s) => {
    const dir = tempDir('char-rnn-web-cells-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const straight = Trainer.create(text, s);
    train(straight, 300);

    // The page's checkpoint (format 2: every parameter by name, every state) → the CLI continues it exactly.
    const half = Trainer.create(text, s);
    train(half, 150);
    const pageFile = join(dir, 'page.safetensors');
    writeFileSync(pageFile, encodeCheckpoint(half.checkpoint()));
    const decoded = decodeCheckpoint(readFileSync(pageFile), pageFile);
    expect(decoded.formatVersion).toBe(2);
    expect(Object.keys(decoded.params)).toEqual(half.params.map((p) => p.name));
    expect(Object.keys(decoded.states!)).toEqual([...half.model.stateNames]);
    expect(await cliSample(pageFile, 5, 60, 'We ')).toBe(half.sampleWithSeed({ seed: 5, length: 60, prime: 'We ' }));
    expect(await cliSample(pageFile, 6, 60)).toBe(half.sampleWithSeed({ seed: 6, length: 60 }));
    const resumed = await cliTrain(['--data', data, '--resume', pageFile, '--updates', '300'], join(dir, 'cli-resumed'));
    expectSameRun(straight.checkpoint(), resumed.ckpt);

    // The CLI's checkpoint → the page rebuilds the architecture, samples as the CLI, continues exactly.
    const cli = await cliTrain(['--data', data, ...cliFlags(s), '--updates', '150'], join(dir, 'cli-half'));
    const loaded = Trainer.fromCheckpoint(cli.ckpt, text);
    expect(loaded.trainable).toBe(true);
    expect(loaded.trainer.model.architecture).toMatchObject({ cell: s.cell, layers: s.layers, hidden: s.hidden, dropout: s.dropout ?? 0 });
    expect(loaded.trainer.sampleWithSeed({ seed: 7, length: 80, temperature: 0.8, topP: 0.9 })).toBe(
      (await run(['sample', '--checkpoint', cli.file, '--seed', '7', '--length', '80', '--temperature', '0.8', '--top-p', '0.9'])).stdout.replace(/\n$/, ''),
    );
    delete loaded.trainer.config.updates; // as the page's Resume with no limit typed (the CLI run stopped at its --updates 150)
    train(loaded.trainer, 300);
    expectSameRun(loaded.trainer.checkpoint(), straight.checkpoint());
  });

  it('loads a float32 checkpoint of the CLI: a float32 model that samples as `char-rnn sample` and saves float32 again', async () => {
    const dir = tempDir('char-rnn-web-f32-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const cli = await cliTrain(['--data', data, '--dtype', 'float32', '--hidden', '8', '--seq-length', '10', '--updates', '20'], join(dir, 'run'));
    const loaded = Trainer.fromCheckpoint(cli.ckpt, text);
    expect(loaded.trainable).toBe(true);
    expect(loaded.trainer.model.dtype).toBe('float32');
    expect(loaded.trainer.sampleWithSeed({ seed: 4, length: 40 })).toBe((await run(['sample', '--checkpoint', cli.file, '--seed', '4', '--length', '40'])).stdout.replace(/\n$/, ''));
    delete loaded.trainer.config.updates;
    train(loaded.trainer, 30);
    const again = decodeCheckpoint(encodeCheckpoint(loaded.trainer.checkpoint()), 'the page checkpoint');
    expect(again.config.dtype).toBe('float32');
    expect(Object.values(again.params).every((t) => t.dtype === 'float32')).toBe(true);
  });

  it('loads an LSTM checkpoint of the CLI (which it used to refuse): same states, and the text `char-rnn sample` prints for a seed', async () => {
    const dir = tempDir('char-rnn-web-lstm-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const cli = await cliTrain(['--data', data, '--cell', 'lstm', '--hidden', '6', '--seq-length', '10', '--updates', '3'], join(dir, 'run'));
    const loaded = Trainer.fromCheckpoint(cli.ckpt, text);
    expect(loaded.trainable).toBe(true);
    expect([...loaded.trainer.model.stateNames]).toEqual(['l0.h', 'l0.c']);
    for (const name of ['l0.h', 'l0.c']) expect(Array.from(loaded.trainer.model.states[name]!.data)).toEqual(Array.from(cli.ckpt.states![name]!.data));
    expect(loaded.trainer.sampleWithSeed({ seed: 11, length: 50 })).toBe(await cliSample(cli.file, 11, 50));
    // Loaded without its text: sampling only, and says why.
    const sampleOnly = Trainer.fromCheckpoint(cli.ckpt);
    expect(sampleOnly.trainable === false && sampleOnly.why).toBe('no text is chosen');
    expect(sampleOnly.trainer.sampleWithSeed({ seed: 11, length: 50 })).toBe(await cliSample(cli.file, 11, 50));
  });
});

describe('Trainer, float32 (the dtype select)', () => {
  const f32: TrainSettings = { ...settings, dtype: 'float32' };

  it.each(['js', 'wasm'] as Backend[])('a float32 run on the %s kernels holds every parameter, gradient, state and AdaGrad accumulator in Float32Arrays, and trains', (backend) => {
    const t = Trainer.create(text, f32, backend);
    expect(t.model.dtype).toBe('float32');
    expect(t.config.dtype).toBe('float32');
    for (const p of t.params) expect([p.name, p.value.data instanceof Float32Array, p.grad.data instanceof Float32Array, backendOf(p.value)]).toEqual([p.name, true, true, backend]);
    for (const name of t.model.stateNames) expect([name, t.model.states[name]!.data instanceof Float32Array]).toEqual([name, true]);
    const samples = train(t, 60);
    expect(samples[0]).toHaveLength(40); // the training-time sample model takes the float32 weights
    const accumulators = Object.entries(t.optimizer.stateDict());
    expect(accumulators).toHaveLength(t.params.length);
    for (const [name, acc] of accumulators) expect([name, acc.data instanceof Float32Array]).toEqual([name, true]);
    expect(t.smoothLoss).toBeLessThan(t.initialLoss!);
  });

  it('tracks a float64 run started from the same weights (rounded to float32) to within float32 rounding, and is not that run', () => {
    const t32 = Trainer.create(text, f32);
    const t64 = Trainer.create(text, settings);
    // The same seed draws the same weights, rounded once to float32; the float64 run then starts from exactly those.
    t32.params.forEach((p, i) => {
      const w64 = t64.params[i]!.value.data;
      for (let k = 0; k < p.value.size; k++) expect(p.value.data[k]).toBe(Math.fround(w64[k]!));
      w64.set(p.value.data);
    });
    const losses32: number[] = [];
    const losses64: number[] = [];
    for (let u = 0; u < 200; u++) {
      expect([t32.step(), t64.step()]).toEqual([null, null]);
      losses32.push(t32.loss);
      losses64.push(t64.loss);
    }
    const relative = Math.max(...losses32.map((l, i) => Math.abs(l - losses64[i]!) / losses64[i]!));
    // Float32 rounds each operation to 2⁻²⁴ ≈ 6e-8 relative; measured here: at most 1.4e-7 over 200 updates
    // (an epoch end included). 1e-5 leaves a 70× margin; a wrong rate, clip or step is far outside it.
    expect(relative).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(t32.smoothLoss - t64.smoothLoss) / t64.smoothLoss).toBeLessThanOrEqual(1e-5);
    // …but it did compute in float32: a float64 run would match bit for bit.
    expect(relative).toBeGreaterThan(0);
  });

  it('is `char-rnn train --dtype float32 --backend js` bit for bit, and its checkpoint says float32 (a float64 one says nothing, as the CLI\'s)', async () => {
    const dir = tempDir('char-rnn-web-f32-train-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const cli = await cliTrain(['--data', data, ...cliFlags(f32), '--updates', '100'], join(dir, 'run'));
    expect(cli.ckpt.config.dtype).toBe('float32');
    const t = Trainer.create(text, f32);
    const samples = train(t, 100);
    const mine = decodeCheckpoint(encodeCheckpoint(t.checkpoint()), 'the page checkpoint');
    expect(mine.config.dtype).toBe('float32');
    expect(Object.values(mine.params).every((p) => p.dtype === 'float32')).toBe(true);
    expectSameRun(mine, cli.ckpt);
    expect(samples).toEqual(cli.samples);
    expect('dtype' in Trainer.create(text, settings).checkpoint().config).toBe(false);
    expect('dtype' in Trainer.create(text, { ...settings, dtype: 'float64' }).checkpoint().config).toBe(false);
  });

  it('refuses a start message whose dtype is not one, in one line naming the choices', () => {
    // What the worker gets from postMessage (a structured clone), and hands to Trainer.create.
    const start = (dtype: unknown): ToWorker => structuredClone({ type: 'start', text, textName: 'gettysburg', settings: { ...settings, dtype }, sampling: { temperature: 1, topP: 1 } }) as ToWorker;
    const refusal = (dtype: unknown): string => {
      const m = start(dtype);
      if (m.type !== 'start') throw new Error('not a start message');
      try {
        Trainer.create(m.text, m.settings);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('float16')).toBe('dtype must be one of float64, float32, got "float16"');
    expect(refusal('Float32')).toBe('dtype must be one of float64, float32, got "Float32"');
    expect(refusal('')).toBe('dtype must be one of float64, float32, got ""');
    expect(refusal(null)).toBe('dtype must be one of float64, float32, got null');
    expect(refusal(32)).toBe('dtype must be one of float64, float32, got 32');
    expect(refusal('float32\nfloat64')).toBe('dtype must be one of float64, float32, got "float32\\nfloat64"');
    expect(refusal('float32')).toBe('accepted');
  });
});

describe('Vocabulary and TextWalk', () => {
  it('sort code points like the CLI and walk windows of T with e += T', () => {
    const v = Vocabulary.fromText('ba\nb😀');
    expect(v.chars).toEqual(['\n', 'a', 'b', '😀']);
    expect(v.decode(v.encode('b😀a'))).toBe('b😀a');
    const walk = new TextWalk(Int32Array.from([0, 1, 2, 3, 4, 5, 6]), 3);
    const x = new Int32Array(3);
    const y = new Int32Array(3);
    walk.next(x, y);
    expect([Array.from(x), Array.from(y), walk.position]).toEqual([[0, 1, 2], [1, 2, 3], 3]);
    expect(walk.hasNext()).toBe(true); // 3 + 3 + 1 <= 7
    walk.next(x, y);
    expect(walk.hasNext()).toBe(false);
  });

});

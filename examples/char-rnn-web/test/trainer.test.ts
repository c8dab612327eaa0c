/**
 * The page's trainer against the CLI: the same text, settings and seed give
 * the same run (weights, hidden state, smooth loss, samples) as
 * `char-rnn train`, and checkpoints move between the two. Runs in Node on the
 * JS kernels; the browser test (scripts/test-browser.mjs) covers the page.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allClose, backendOf, getBackend, wasmKernelCalls } from '@weft/tensor';
import { decodeCheckpoint, encodeCheckpoint } from '../../char-rnn/src/checkpoint-codec.js';
import { run, tempDir } from '../../char-rnn/test/cli-helpers.js';
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
    for (const name of ['U', 'W', 'V', 'b', 'c'] as const) expect(Array.from(mine.params[name].data)).toEqual(Array.from(ckpt.params[name].data));
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
    for (let i = 0; i < 5; i++) expect(Array.from(restored.trainer.params[i]!.value.data)).toEqual(Array.from(straight.params[i]!.value.data));
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
    expect(t.divergence).toMatch(/more than three times the first loss|became|refused/);
    expect(Number.isFinite(t.smoothLoss)).toBe(true);
  });

  it('refuses bad settings and texts too short for one window', () => {
    expect(() => Trainer.create(text, { ...settings, hidden: 0 })).toThrow(/hidden size must be a positive integer, got 0/);
    expect(() => Trainer.create(text, { ...settings, lr: -1 })).toThrow(/learning rate/);
    expect(() => Trainer.create(text, { ...settings, layers: 2 })).toThrow(/layers must be one of 1/);
    expect(() => Trainer.create(text, { ...settings, cell: 'lstm' })).toThrow(/unknown cell "lstm"/);
    expect(() => Trainer.create('short', settings)).toThrow(/needs at least 11/);
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

  it('refuses an LSTM (or multi-layer) CLI checkpoint with a message instead of crashing', async () => {
    const dir = tempDir('char-rnn-web-lstm-');
    const data = join(dir, 'text.txt');
    writeFileSync(data, text);
    const cli = await run(['train', '--data', data, '--cell', 'lstm', '--hidden', '6', '--seq-length', '10', '--updates', '3', '--out', join(dir, 'run'), '--json']);
    expect(cli.code).toBe(0);
    const ckpt = decodeCheckpoint(readFileSync(join(dir, 'run', 'checkpoint.safetensors')), 'the LSTM checkpoint');
    expect(() => Trainer.fromCheckpoint(ckpt, text)).toThrow('this page trains and samples the vanilla RNN with one layer, but the checkpoint holds 1 lstm layer(s)');
  });
});

/**
 * Checkpoints: exact round trips, atomic saves, and a one-line UserError for
 * every kind of bad file (missing, not safetensors, truncated, foreign,
 * missing tensors, shapes that disagree with config/vocab, bad metadata).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, decodeSafetensors, encodeSafetensors, randn, zeros, fromData, type Tensor } from '@weft/tensor';
import {
  CHECKPOINT_FORMAT,
  checkpointChecksum,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type CharRnnCheckpoint,
} from '../src/checkpoint.js';
import { defaultTrainConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { param } from './cli-helpers.js';

const m = 3;
const vocab = ['\n', ' ', 'a', '🐋'];
const K = vocab.length;

function makeCheckpoint(batch = 1): CharRnnCheckpoint {
  const rng = new Rng(7);
  const U = randn([m, K], rng, 0, 0.01);
  const W = randn([m, m], rng, 0, 0.01);
  const V = randn([K, m], rng, 0, 0.01);
  const b = randn([m], rng);
  const c = randn([K], rng);
  const optimizer: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries({ U, W, V, b, c })) optimizer[`adagrad.${name}`] = rng.fillUniform(zeros(t.shape), 0, 3);
  return {
    params: { U, W, V, b, c },
    h: randn([batch, m], rng),
    optimizer,
    vocab,
    config: { ...defaultTrainConfig, hidden: m, batch, seed: 7, updates: 500 },
    update: 1234,
    epoch: 2,
    position: batch === 1 ? 30850 : Array.from({ length: batch }, (_, i) => 25 * i),
    smoothLoss: 55.123456789012345,
    rng: rng.getState(),
    bestSmoothLoss: 54.98765432101234,
  };
}

function expectSameCheckpoint(a: CharRnnCheckpoint, b: CharRnnCheckpoint): void {
  const { params: pa, h: ha, optimizer: oa, ...restA } = a;
  const { params: pb, h: hb, optimizer: ob, states: sb, formatVersion, ...restB } = b;
  expect(formatVersion).toBe(2);
  expect(restB).toEqual(restA);
  expect(Object.keys(sb!)).toEqual(['h']);
  expect(sb!.h).toBe(hb);
  for (const name of ['U', 'W', 'V', 'b', 'c'] as const) {
    expect(param(b, name).shape).toEqual(param(a, name).shape);
    expect(Array.from(param(b, name).data)).toEqual(Array.from(param(a, name).data));
  }
  expect(hb.shape).toEqual(ha.shape);
  expect(Array.from(hb.data)).toEqual(Array.from(ha.data));
  expect(Object.keys(ob).sort()).toEqual(Object.keys(oa).sort());
  for (const name of Object.keys(oa)) expect(Array.from(ob[name]!.data)).toEqual(Array.from(oa[name]!.data));
}

/** Re-encodes a valid checkpoint's file after `edit` changes its tensors or metadata. */
function tampered(edit: (file: { tensors: Record<string, Tensor>; metadata: Record<string, string> }) => void, batch = 1): Uint8Array {
  const file = decodeSafetensors(encodeCheckpoint(makeCheckpoint(batch)));
  edit(file);
  // Re-sign, so that the structural checks (not the checksum) are what is tested here.
  if (file.metadata.checksum !== undefined) file.metadata.checksum = checkpointChecksum(file.tensors, file.metadata);
  return encodeSafetensors(file.tensors, file.metadata);
}

function userError(bytes: Uint8Array): string {
  try {
    decodeCheckpoint(bytes, 'run/ckpt.safetensors');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('run/ckpt.safetensors');
    return message;
  }
  throw new Error('expected decodeCheckpoint to throw');
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'char-rnn-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('round trip', () => {
  test.each([1, 3])('save then load gives back every value bit for bit (batch %i)', async (batch) => {
    const ckpt = makeCheckpoint(batch);
    const file = join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(file, ckpt);
    const back = await loadCheckpoint(file);
    expectSameCheckpoint(ckpt, back);
    expect(await readdir(dir)).toEqual(['checkpoint.safetensors']);
  });

  test('the restored rng continues the same stream', () => {
    const ckpt = makeCheckpoint();
    const original = Rng.fromState(ckpt.rng);
    const restored = Rng.fromState(decodeCheckpoint(encodeCheckpoint(ckpt), 'x').rng);
    for (let i = 0; i < 5; i++) expect(restored.uniform()).toBe(original.uniform());
  });

  test('the file holds the documented tensors and metadata strings', () => {
    const { tensors, metadata } = decodeSafetensors(encodeCheckpoint(makeCheckpoint()));
    expect(Object.keys(tensors).sort()).toEqual(['U', 'V', 'W', 'adagrad.U', 'adagrad.V', 'adagrad.W', 'adagrad.b', 'adagrad.c', 'b', 'c', 'state.h']);
    expect(tensors.U!.shape).toEqual([m, K]);
    expect(tensors.V!.shape).toEqual([K, m]);
    expect(tensors['state.h']!.shape).toEqual([1, m]);
    expect(metadata.format).toBe(CHECKPOINT_FORMAT);
    expect(CHECKPOINT_FORMAT).toBe('weft-char-rnn/2');
    expect(JSON.parse(metadata.architecture!)).toEqual({ cell: 'rnn', layers: 1, hidden: m, vocabSize: K, dropout: 0 });
    expect(JSON.parse(metadata.vocab!)).toEqual(vocab);
    expect(JSON.parse(metadata.config!).hidden).toBe(m);
    expect(metadata.update).toBe('1234');
    expect(metadata.position).toBe('30850');
    expect(Number(metadata.smoothLoss)).toBe(55.123456789012345);
    expect(JSON.parse(metadata.rng!).algorithm).toBe('xoroshiro128plus');
  });

  test('bestSmoothLoss is optional', () => {
    const ckpt = makeCheckpoint();
    delete ckpt.bestSmoothLoss;
    expect('bestSmoothLoss' in decodeCheckpoint(encodeCheckpoint(ckpt), 'x')).toBe(false);
  });
});

describe('saveCheckpoint refuses what could not be loaded, and keeps the old file', () => {
  test.each<[string, (c: CharRnnCheckpoint) => void, RegExp]>([
    ['a NaN smooth loss', (c) => (c.smoothLoss = Number.NaN), /smoothLoss" must be a finite number/],
    ['a shape that disagrees with the config', (c) => (c.config = { ...c.config, hidden: 4 }), /tensor "U" is \[3,4\]/],
    ['a float32 parameter', (c) => (c.params.b = fromData(Float32Array.from([1, 2, 3]), [3])), /"b" is F32/],
    ['optimizer state of another optimizer', (c) => (c.optimizer = { 'adam.m.U': param(c, 'U') }), /unexpected tensor "adam\.m\.U"/],
    ['a position array when batch is 1', (c) => (c.position = [1]), /"position" must be a non-negative integer/],
  ])('%s', async (_, mutate, pattern) => {
    const file = join(dir, 'checkpoint.safetensors');
    await writeFile(file, 'previous checkpoint');
    const ckpt = makeCheckpoint();
    mutate(ckpt);
    const error = await saveCheckpoint(file, ckpt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/^saveCheckpoint: refusing to write an invalid checkpoint/);
    expect((error as Error).message).toMatch(pattern);
    expect(await readFile(file, 'utf8')).toBe('previous checkpoint');
  });
});

describe('loadCheckpoint: one-line UserErrors', () => {
  const load = async (file: string): Promise<string> => {
    const error = await loadCheckpoint(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  };

  test('a missing file and a directory', async () => {
    expect(await load(join(dir, 'none.safetensors'))).toMatch(/cannot read checkpoint .*none\.safetensors: no such file/);
    await mkdir(join(dir, 'sub'));
    expect(await load(join(dir, 'sub'))).toMatch(/sub: it is a directory/);
  });

  test('a text file, a truncated file and a corrupted header are not valid safetensors', async () => {
    const text = join(dir, 'notes.txt');
    await writeFile(text, 'Call me Ishmael. Some years ago...');
    expect(await load(text)).toMatch(/notes\.txt is not a valid safetensors file/);

    const bytes = encodeCheckpoint(makeCheckpoint());
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 100));
    expect(await load(truncated)).toMatch(/truncated\.safetensors is not a valid safetensors file \(.*truncated/);
    const cut = join(dir, 'cut.safetensors');
    await writeFile(cut, bytes.subarray(0, 50));
    expect(await load(cut)).toMatch(/not a valid safetensors file \(the header length .* runs past the end/);

    const corrupted = Uint8Array.from(bytes);
    corrupted[20] = 0x00;
    const bad = join(dir, 'corrupted.safetensors');
    await writeFile(bad, corrupted);
    expect(await load(bad)).toMatch(/not a valid safetensors file \(the header is not valid JSON/);
  });

  test('a foreign safetensors file (no format tag, another format)', () => {
    expect(userError(encodeSafetensors({ weight: zeros([2, 2]) }, { format: 'pt' }))).toMatch(/has format "pt"; this version reads "weft-char-rnn\/2" and "weft-char-rnn\/1"/);
    expect(userError(encodeSafetensors({ weight: zeros([2, 2]) }))).toMatch(/not a weft char-rnn checkpoint \(no "format" metadata\)/);
  });

  test('missing tensors', () => {
    expect(userError(tampered((f) => delete f.tensors.V))).toMatch(/the tensor "V" is missing/);
    expect(userError(tampered((f) => delete f.tensors['state.h']))).toMatch(/the tensor "state\.h" is missing/);
  });

  test('an architecture that disagrees with the config or the vocabulary', () => {
    const msg = userError(tampered((f) => (f.metadata.config = JSON.stringify({ ...JSON.parse(f.metadata.config!), hidden: 5 }))));
    expect(msg).toMatch(/its architecture says hidden 3 but its config and vocabulary say 5/);
    const cell = userError(tampered((f) => (f.metadata.config = JSON.stringify({ ...JSON.parse(f.metadata.config!), cell: 'lstm' }))));
    expect(cell).toMatch(/its architecture says cell "rnn" but its config and vocabulary say "lstm"/);
    const voc = userError(tampered((f) => (f.metadata.vocab = JSON.stringify([...vocab, 'z']))));
    expect(voc).toMatch(/its architecture says vocabSize 4 but its config and vocabulary say 5/);
    expect(userError(tampered((f) => delete f.metadata.architecture))).toMatch(/the metadata entry "architecture" is missing/);
  });

  test('tensors that disagree with the architecture', () => {
    const bigger = (f: { metadata: Record<string, string> }, change: Record<string, unknown>): void => {
      f.metadata.config = JSON.stringify({ ...JSON.parse(f.metadata.config!), ...change });
      f.metadata.architecture = JSON.stringify({ ...JSON.parse(f.metadata.architecture!), ...change });
    };
    expect(userError(tampered((f) => bigger(f, { hidden: 5 })))).toMatch(/the tensor "U" is \[3,4\] but its architecture \(rnn, 1 layer of 5, vocabulary 4, dropout 0\) and batch 1 need \[5,4\]/);
    // An LSTM's architecture with the report's tensors: its parameters are missing, the report's are unexpected.
    expect(userError(tampered((f) => bigger(f, { cell: 'lstm' })))).toMatch(/the tensor "l0\.weight_ih" is missing \(its architecture \(lstm, 1 layer of 3/);
    expect(userError(tampered((f) => bigger(f, { layers: 2 })))).toMatch(/the tensor "l0\.weight_ih" is missing/);
  });

  test('h that disagrees with the batch size, and a position of the wrong length', () => {
    expect(userError(tampered((f) => (f.tensors['state.h'] = zeros([2, m]))))).toMatch(/"state\.h" is \[2,3\] but .* need \[1,3\]/);
    expect(userError(tampered((f) => (f.metadata.position = '[0, 25]'), 3))).toMatch(/"position" must be a JSON array of 3 indices/);
  });

  test('optimizer state with a foreign name or a wrong shape', () => {
    expect(userError(tampered((f) => (f.tensors['sgd.momentum.U'] = zeros([m, K]))))).toMatch(/unexpected tensor "sgd\.momentum\.U"/);
    expect(userError(tampered((f) => (f.tensors['adagrad.W'] = zeros([2, 2]))))).toMatch(/optimizer tensor "adagrad\.W" is \[2,2\] but parameter W is \[3,3\]/);
  });

  test.each([
    ['smoothLoss', 'NaN', /"smoothLoss" is not valid JSON: NaN/],
    ['smoothLoss', 'null', /"smoothLoss" must be a finite number, got null/],
    ['smoothLoss', '1e999', /"smoothLoss" must be a finite number, got 1e999/],
    ['bestSmoothLoss', '"low"', /"bestSmoothLoss" must be a finite number/],
    ['update', '1.5', /"update" must be a non-negative integer, got 1.5/],
    ['epoch', '-1', /"epoch" must be a non-negative integer, got -1/],
    ['position', '"start"', /"position" must be a non-negative integer, got "start"/],
    ['vocab', '["a"', /"vocab" is not valid JSON/],
    ['vocab', '["a","a","b","c"]', /vocab has "a" twice/],
    ['vocab', '["ab","c","d","e"]', /vocab entry 0 is "ab", not a single character/],
    ['vocab', '{}', /"vocab" must be a non-empty JSON array/],
    ['config', '{"hidden": 3', /"config" is not valid JSON/],
    ['rng', '{"algorithm":"mt19937","state":[1]}', /"rng" is not a generator state/],
  ])('metadata %s = %s', (key, value, pattern) => {
    expect(userError(tampered((f) => (f.metadata[key] = value)))).toMatch(pattern);
  });

  test('missing metadata entries', () => {
    expect(userError(tampered((f) => delete f.metadata.rng))).toMatch(/the metadata entry "rng" is missing/);
  });

  test('an invalid config names the flag', () => {
    const msg = userError(tampered((f) => (f.metadata.config = JSON.stringify({ ...JSON.parse(f.metadata.config!), lr: -1 }))));
    expect(msg).toMatch(/invalid config: --lr must be a positive finite number, got -1/);
    const opt = userError(tampered((f) => (f.metadata.config = JSON.stringify({ ...JSON.parse(f.metadata.config!), optimizer: 'lbfgs' }))));
    expect(opt).toMatch(/--optimizer must be one of/);
  });
});

/**
 * Issue 12.2, 12.8, 12.9, 12.13: a checkpoint carries a checksum of its tensors
 * and metadata, verified on load; non-finite values are refused on save and on
 * load as damage; tensor names that are Object.prototype's keys and lone
 * surrogates in the vocabulary are one-line errors.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, Rng, randn, zeros, type Tensor } from '@weft/tensor';
import { checkpointChecksum, decodeCheckpoint, encodeCheckpoint, type CharRnnCheckpoint } from '../src/checkpoint.js';
import { defaultTrainConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { makeText, param, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

function makeCheckpoint(): CharRnnCheckpoint {
  const rng = new Rng(5);
  const [m, K] = [3, 4];
  const params = { U: randn([m, K], rng), W: randn([m, m], rng), V: randn([K, m], rng), b: randn([m], rng), c: randn([K], rng) };
  const optimizer: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(params)) optimizer[`adagrad.${name}`] = rng.fillUniform(zeros(t.shape), 0, 1);
  return {
    params,
    h: randn([1, m], rng),
    optimizer,
    vocab: ['a', 'b', 'c', 'd'],
    config: { ...defaultTrainConfig, hidden: m },
    update: 10,
    epoch: 0,
    position: 250,
    smoothLoss: 30.5,
    rng: rng.getState(),
  };
}

/** The message of the UserError `decodeCheckpoint` throws. */
function refusal(bytes: Uint8Array): string {
  try {
    decodeCheckpoint(bytes, 'ckpt.safetensors');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected decodeCheckpoint to refuse the file');
}

/** Re-encodes a valid checkpoint after `edit`; `sign` recomputes the checksum (damage the checksum cannot see). */
function edited(edit: (f: { tensors: Record<string, Tensor>; metadata: Record<string, string> }) => void, sign = true): Uint8Array {
  const file = decodeSafetensors(encodeCheckpoint(makeCheckpoint()));
  edit(file);
  if (sign) file.metadata.checksum = checkpointChecksum(file.tensors, file.metadata);
  return encodeSafetensors(file.tensors, file.metadata);
}

/**
 * A valid checkpoint without a checksum plus one [2] F64 tensor named `name`,
 * written into the header as raw JSON (an object literal or the encoder would
 * treat `__proto__` as the prototype, not a key).
 */
function withRawTensor(name: string): Uint8Array {
  const base = edited((f) => delete f.metadata.checksum, false);
  const n = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(base.subarray(8, 8 + n))) as Record<string, unknown>;
  const data = base.subarray(8 + n);
  const info = { dtype: 'F64', shape: [2], data_offsets: [data.length, data.length + 16] };
  Object.defineProperty(header, name, { value: info, enumerable: true, configurable: true, writable: true });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + length + data.length + 16);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.fill(0x20, 8, 8 + length);
  out.set(json, 8);
  out.set(data, 8 + length);
  return out;
}

describe('checksum', () => {
  it('detects every one of 20 random single-bit flips in the data region', () => {
    const bytes = encodeCheckpoint(makeCheckpoint());
    const dataStart = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const rng = new Rng(2024);
    for (let i = 0; i < 20; i++) {
      const flipped = Uint8Array.from(bytes);
      const at = dataStart + rng.int(bytes.length - dataStart);
      flipped[at]! ^= 1 << rng.int(8);
      expect(refusal(flipped)).toMatch(/ckpt\.safetensors is damaged: (its checksum does not match|the tensor "[\w.]+" holds)/);
    }
  });

  it('covers the metadata too', () => {
    expect(refusal(edited((f) => (f.metadata.update = '11'), false))).toMatch(/is damaged: its checksum does not match/);
  });

  it('a file without one (written by another program) still loads, with a note', () => {
    const notes: string[] = [];
    const ckpt = decodeCheckpoint(edited((f) => delete f.metadata.checksum, false), 'ckpt.safetensors', { onNote: (n) => notes.push(n) });
    expect(ckpt.update).toBe(10);
    expect(notes).toEqual([expect.stringMatching(/ckpt\.safetensors has no checksum/)]);
  });
});

describe('non-finite values', () => {
  it.each([Number.NaN, Infinity, -Infinity])('are refused on save (%p)', (bad) => {
    const ckpt = makeCheckpoint();
    param(ckpt, 'W').data[4] = bad;
    expect(() => encodeCheckpoint(ckpt)).toThrow(/refusing to write an invalid checkpoint: .*"W" holds/);
    const state = makeCheckpoint();
    state.optimizer['adagrad.c']!.data[0] = bad;
    expect(() => encodeCheckpoint(state)).toThrow(/"adagrad\.c" holds/);
  });

  it('are refused on load as damage, also under a valid checksum', () => {
    expect(refusal(edited((f) => (f.tensors.U!.data[0] = Number.NaN)))).toMatch(/ckpt\.safetensors is damaged: the tensor "U" holds NaN at index 0/);
    expect(refusal(edited((f) => (f.tensors['state.h']!.data[2] = Infinity)))).toMatch(/is damaged: the tensor "state\.h" holds Infinity at index 2/);
  });
});

describe('names and characters that are not what they seem', () => {
  it.each(['adagrad.constructor', 'adagrad.toString', 'adagrad.__proto__', 'adagrad.hasOwnProperty'])('a tensor named %s is one line', (name) => {
    expect(refusal(edited((f) => (f.tensors[name] = zeros([2]))))).toMatch(/ckpt\.safetensors/);
  });

  it.each(['constructor', 'toString', '__proto__', 'valueOf'])('a top-level tensor named %s is refused, not ignored', (name) => {
    expect(refusal(withRawTensor(name))).toMatch(new RegExp(`unexpected tensor "${name}"`));
  });

  it('a lone surrogate in the vocabulary is refused', () => {
    expect(refusal(edited((f) => (f.metadata.vocab = JSON.stringify(['a', 'b', '\ud800', 'd']))))).toMatch(/vocab entry 2 .*U\+D800.*lone surrogate/);
  });
});

describe('the commands refuse a damaged checkpoint', () => {
  let dir: string;
  let data: string;
  let damaged: string;
  beforeAll(async () => {
    dir = tempDir();
    data = writeText(dir, 'text.txt', makeText(800, 6));
    expect((await run(['train', '--data', data, '--hidden', '6', '--updates', '20', '--out', join(dir, 'run'), '--json'])).code).toBe(0);
    const file = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'run', 'checkpoint.safetensors'))));
    file.tensors.V!.data[3] = Number.NaN;
    file.metadata.checksum = checkpointChecksum(file.tensors, file.metadata); // structurally valid, even its checksum
    damaged = writeText(dir, 'nan.safetensors', encodeSafetensors(file.tensors, file.metadata));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['sample', () => ['sample', '--checkpoint', damaged]],
    ['train --resume', () => ['train', '--resume', damaged, '--data', data, '--out', join(dir, 'new'), '--updates', '40']],
  ])('%s: exit 2, one line saying the file is damaged', async (_, args) => {
    const before = snapshotTree(dir);
    const res = await run(args());
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^char-rnn: .*nan\.safetensors is damaged: the tensor "V" holds NaN at index 3[^\n]*\n$/);
    expect(res.stderr).not.toMatch(/--lr/);
    expect(snapshotTree(dir)).toEqual(before);
  });
});

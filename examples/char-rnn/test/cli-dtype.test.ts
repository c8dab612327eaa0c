/**
 * `char-rnn train --dtype float32`: the run trains, its checkpoints hold F32
 * tensors and record the dtype, a resume continues byte for byte, `sample`
 * reads them, --workers trains it too, and every misuse (another --dtype on
 * resume, gradcheck in float32, a tampered dtype) is one line and exit 2.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, fromData } from '@weft/tensor';
import { loadCheckpoint } from '../src/checkpoint.js';
import { makeText, run, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000); // the machine is shared: wall time varies

let dir: string;
let data: string;

beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(3000, 4));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function train(out: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(['train', '--data', data, '--hidden', '16', '--epochs', '100', '--sample-every', '100', '--sample-length', '30', '--log-every', '20', '--out', join(dir, out), '--json', ...extra]);
}

/** The dtype of every tensor in a safetensors file, by name. */
function storedDtypes(file: string): Record<string, string> {
  const { tensors } = decodeSafetensors(readFileSync(file));
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.dtype]));
}

describe('char-rnn train --dtype float32', () => {
  beforeAll(async () => {
    const straight = await train('straight', '--dtype', 'float32', '--updates', '300');
    expect(straight.stderr).toBe('');
    expect(straight.code).toBe(0);
  });

  it('trains a float32 model (the loss falls) and stores it as F32 with dtype in the architecture', async () => {
    const ckpt = await loadCheckpoint(join(dir, 'straight', 'checkpoint.safetensors'));
    expect(ckpt.config.dtype).toBe('float32');
    const dtypes = storedDtypes(join(dir, 'straight', 'checkpoint.safetensors'));
    expect(new Set(Object.values(dtypes))).toEqual(new Set(['float32']));
    expect(Object.keys(dtypes)).toEqual(expect.arrayContaining(['U', 'W', 'V', 'b', 'c', 'state.h', 'adagrad.W']));
    const { metadata } = decodeSafetensors(readFileSync(join(dir, 'straight', 'checkpoint.safetensors')));
    expect(JSON.parse(metadata.architecture!)).toEqual({ cell: 'rnn', layers: 1, hidden: 16, vocabSize: ckpt.vocab.length, dropout: 0, dtype: 'float32' });
    const rows = readFileSync(join(dir, 'straight', 'loss.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
    expect(rows.length).toBe(15);
    expect(rows.at(-1)!).toBeLessThan(0.8 * rows[0]!);
  });

  it('a float64 run leaves dtype out of its checkpoint (the format as before), whether or not --dtype float64 is typed', async () => {
    expect((await train('f64', '--updates', '20')).code).toBe(0);
    expect((await train('f64-typed', '--updates', '20', '--dtype', 'float64')).code).toBe(0);
    for (const out of ['f64', 'f64-typed']) {
      const file = join(dir, out, 'checkpoint.safetensors');
      const { metadata } = decodeSafetensors(readFileSync(file));
      expect(JSON.parse(metadata.architecture!).dtype).toBeUndefined();
      expect(JSON.parse(metadata.config!).dtype).toBeUndefined();
      expect(new Set(Object.values(storedDtypes(file)))).toEqual(new Set(['float64']));
    }
    expect(readFileSync(join(dir, 'f64', 'checkpoint.safetensors')).equals(readFileSync(join(dir, 'f64-typed', 'checkpoint.safetensors')))).toBe(true);
  });

  it('resumes in float32: 150 + a resume to 300 give the same files byte for byte as 300 straight', async () => {
    expect((await train('split', '--dtype', 'float32', '--updates', '150')).code).toBe(0);
    // --dtype may be repeated on resume when it agrees.
    const resumed = await run(['train', '--resume', join(dir, 'split', 'checkpoint.safetensors'), '--data', data, '--updates', '300', '--dtype', 'float32', '--json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    for (const name of ['loss.csv', 'samples.md', 'checkpoint.safetensors', 'best.safetensors']) {
      expect(readFileSync(join(dir, 'split', name)).equals(readFileSync(join(dir, 'straight', name)))).toBe(true);
    }
  });

  it('samples from a float32 checkpoint, the same text for the same seed', async () => {
    const args = ['sample', '--checkpoint', join(dir, 'straight', 'checkpoint.safetensors'), '--length', '50', '--seed', '3'];
    const a = await run(args);
    const b = await run(args);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(Array.from(a.stdout.trimEnd()).length).toBeGreaterThanOrEqual(50);
    expect(b.stdout).toBe(a.stdout);
  });

  it('refuses another --dtype on resume, in one line, exit 2', async () => {
    const res = await run(['train', '--resume', join(dir, 'straight', 'checkpoint.safetensors'), '--data', data, '--updates', '400', '--dtype', 'float64']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^char-rnn: --dtype float64 conflicts with the checkpoint, which was trained with --dtype float32; a resumed run keeps the checkpoint's .*--dtype/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    const f64 = await run(['train', '--resume', join(dir, 'f64', 'checkpoint.safetensors'), '--data', data, '--updates', '40', '--dtype', 'float32']);
    expect(f64.code).toBe(2);
    expect(f64.stderr).toMatch(/^char-rnn: --dtype float32 conflicts with the checkpoint, which was trained with --dtype float64;/);
  });

  it('refuses an unknown --dtype and float32 gradient checks, in one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--data', data, '--dtype', 'float16', '--out', join(dir, 'x')], /^char-rnn: option '--dtype <name>' argument 'float16' is invalid\. Allowed choices are float64, float32\.\n$/],
      [['gradcheck', '--data', data, '--dtype', 'float32'], /^char-rnn: gradient checks run in float64 \(finite differences need its precision\), got --dtype float32; drop --dtype\n$/],
    ];
    for (const [args, message] of cases) {
      const res = await run(args);
      expect(res.stderr).toMatch(message);
      expect(res.code).toBe(2);
    }
    // gradcheck --dtype float64 is the default and runs.
    expect((await run(['gradcheck', '--data', data, '--hidden', '3', '--seq-length', '4', '--dtype', 'float64'])).code).toBe(0);
  });

  it('trains float32 with --workers 2: the same run as one process, to float32 rounding', async () => {
    const flags = ['--dtype', 'float32', '--batch', '2', '--seq-length', '10', '--updates', '60'];
    const one = await train('b2-one', ...flags);
    const two = await train('b2-two', ...flags, '--workers', '2');
    expect(two.stderr).toBe('');
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(new Set(Object.values(storedDtypes(join(dir, 'b2-two', 'checkpoint.safetensors'))))).toEqual(new Set(['float32']));
    const losses = (out: string): number[] => readFileSync(join(dir, out, 'loss.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
    const a = losses('b2-one');
    const b = losses('b2-two');
    expect(b.length).toBe(3);
    // Each worker rounds its loss and gradients to float32: the runs agree to a few float32 ulps per update.
    b.forEach((l, i) => expect(Math.abs(l - a[i]!) / a[i]!).toBeLessThan(1e-4));
  });

  it('refuses a checkpoint whose tensors or architecture disagree with its dtype', async () => {
    const file = join(dir, 'straight', 'checkpoint.safetensors');
    const { tensors, metadata } = decodeSafetensors(readFileSync(file));
    delete metadata.checksum;
    const tampered = (name: string, change: (t: typeof tensors, m: typeof metadata) => void): string => {
      const t = { ...tensors };
      const m = { ...metadata };
      change(t, m);
      const out = join(dir, name);
      writeFileSync(out, encodeSafetensors(t, m));
      return out;
    };
    const noDtype = tampered('no-dtype.safetensors', (_, m) => (m.architecture = JSON.stringify({ ...JSON.parse(m.architecture!), dtype: undefined })));
    const res = await run(['sample', '--checkpoint', noDtype, '--length', '5']);
    expect(res.stderr).toMatch(/its architecture says dtype "float64" but its config says "float32"/);
    expect(res.code).toBe(2);
    const f64Tensor = tampered('f64-tensor.safetensors', (t) => (t.W = fromData(Float64Array.from(t.W!.data), t.W!.shape)));
    const bad = await run(['sample', '--checkpoint', f64Tensor, '--length', '5']);
    expect(bad.stderr).toMatch(/the tensor "W" is F64 but the model is float32, stored as F32\n$/);
    expect(bad.code).toBe(2);
  });
});

/**
 * gatherColumns and scatterAddColumns (the one-hot embedding's forward and
 * gradient) against naive loops over `get`, in JavaScript and on the
 * WebAssembly heap (bit for bit: they copy and add, in order), with repeated
 * ids, views at an offset, and their errors.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { gatherColumns, Rng, scatterAddColumns, Tensor, wasmKernelCalls, wasmZeros, withBackend, zeros, type DType } from '@weft/tensor';
import { mat } from './reference.js';

afterAll(() => withBackend('js', () => undefined));

function random(shape: number[], rng: Rng, dtype: DType, heap: boolean): Tensor {
  return rng.fillUniform(heap ? wasmZeros(shape, dtype) : zeros(shape, dtype), -2, 2);
}

describe.each<[string, boolean, DType]>([
  ['js float64', false, 'float64'],
  ['wasm float64', true, 'float64'],
  ['js float32', false, 'float32'],
  ['wasm float32', true, 'float32'],
])('%s', (_, heap, dtype) => {
  test('gatherColumns: out[r, :] = A[:, ids[r]], any m, K, repeated ids', () => {
    const rng = new Rng(5);
    for (const [m, K] of [[1, 1], [3, 5], [7, 2], [100, 89]] as const) {
      const ids = Int32Array.from({ length: 9 }, (_, r) => (r * 7 + (r % 3)) % K); // repeats
      const A = random([m, K], rng, dtype, heap);
      const out = random([ids.length, m], rng, dtype, heap);
      const calls = wasmKernelCalls();
      expect(gatherColumns(out, A, ids)).toBe(out);
      expect(wasmKernelCalls() - calls).toBe(heap ? 1 : 0);
      const a = mat(A);
      expect(mat(out)).toEqual(Array.from(ids, (id) => a.map((r) => r[id]!)));
    }
  });

  test('scatterAddColumns: A[:, ids[r]] += src[r, :] in row order, repeated ids add up', () => {
    const rng = new Rng(6);
    for (const [m, K] of [[1, 1], [3, 5], [7, 2], [100, 89]] as const) {
      const ids = Int32Array.from({ length: 11 }, (_, r) => (r * 5) % K);
      const A = random([m, K], rng, dtype, heap);
      const src = random([ids.length, m], rng, dtype, heap);
      const expected = mat(A);
      const s = mat(src);
      const round = dtype === 'float32' ? Math.fround : (x: number): number => x;
      ids.forEach((id, r) => expected.forEach((rowOfA, i) => (rowOfA[id] = round(rowOfA[id]! + s[r]![i]!))));
      expect(scatterAddColumns(A, ids, src)).toBe(A);
      expect(mat(A)).toEqual(expected);
    }
  });

  test('views at an offset (rows of a larger buffer) work as out and src', () => {
    const rng = new Rng(7);
    const A = random([4, 6], rng, dtype, heap);
    const big = random([3, 4], rng, dtype, heap);
    const ids = Int32Array.of(5);
    const out = new Tensor(big.data, [1, 4], undefined, big.offset + 4); // row 1 of big
    gatherColumns(out, A, ids);
    expect(mat(out)[0]).toEqual(mat(A).map((r) => r[5]!));
    const before = mat(A);
    scatterAddColumns(A, ids, out);
    expect(mat(A).map((r) => r[5]!)).toEqual(before.map((r) => (dtype === 'float32' ? Math.fround(2 * r[5]!) : 2 * r[5]!)));
  });
});

describe('errors', () => {
  const A = zeros([3, 4]);
  test('ids outside [0, K), the wrong row count or width, not an Int32Array', () => {
    expect(() => gatherColumns(zeros([2, 3]), A, Int32Array.of(0, 4))).toThrow('gatherColumns: id 4 at row 1 is outside [0, 4)');
    expect(() => scatterAddColumns(A, Int32Array.of(-1), zeros([1, 3]))).toThrow('scatterAddColumns: id -1 at row 0 is outside [0, 4)');
    expect(() => gatherColumns(zeros([3, 3]), A, Int32Array.of(0, 1))).toThrow('gatherColumns: out must be [2,3] (one row per id), got [3,3]');
    expect(() => scatterAddColumns(A, Int32Array.of(0), zeros([1, 4]))).toThrow('scatterAddColumns: src must be [1,3] (one row per id), got [1,4]');
    expect(() => gatherColumns(zeros([1, 3]), A, [0] as never)).toThrow('gatherColumns: ids must be an Int32Array, got object');
  });

  test('aliasing and mixed dtypes', () => {
    const B = zeros([3, 3]);
    expect(() => gatherColumns(new Tensor(B.data, [1, 3]), B, Int32Array.of(0))).toThrow(
      'gatherColumns: out must not share memory with A',
    );
    expect(() => scatterAddColumns(B, Int32Array.of(1), new Tensor(B.data, [1, 3], undefined, 3))).toThrow(
      'scatterAddColumns: out must not share memory with src',
    );
    expect(() => gatherColumns(zeros([1, 3], 'float32'), A, Int32Array.of(0))).toThrow('gatherColumns: A is float64 but out is float32');
  });
});

/**
 * allFinite: the WebAssembly kernel (tensors on the heap) and the JavaScript
 * loop (plain tensors) against a naive reference, with NaN, +Infinity and
 * −Infinity placed at every position of every length up to 37 (so every
 * accumulator lane, the single-vector loop and the scalar tail of both element
 * types), plus views at an offset and the argument check.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { allFinite, setBackend, Tensor, wasmKernelCalls, wasmZeros, type DType } from '@weft/tensor';

/** A tensor off the heap (plain typed array): the JavaScript loop. */
const plain = (shape: number[], dtype: DType): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(dtype === 'float32' ? new Float32Array(n) : new Float64Array(n), shape);
};

const naive = (t: Tensor): boolean => {
  for (let i = 0; i < t.size; i++) if (!Number.isFinite(t.data[t.offset + i]!)) return false;
  return true;
};

const BAD = [NaN, Infinity, -Infinity];
const DTYPES: DType[] = ['float64', 'float32'];

beforeAll(() => {
  expect(setBackend('wasm')).toBe('wasm');
});
afterAll(() => {
  setBackend('js');
});

function fillFinite(t: Tensor, n: number): void {
  // large, tiny, negative zero and ordinary values: finite in both types
  const vals = [1, -2.5, 0, -0, 1e30, -1e-30, 3.4e38, -3.4e38, 5e-324, 7];
  for (let i = 0; i < n; i++) t.data[t.offset + i] = vals[i % vals.length]!;
}

describe.each(DTYPES)('allFinite %s', (dtype) => {
  for (const where of ['wasm heap', 'JS'] as const) {
    test(`${where}: every length to 37, every bad value at every position`, () => {
      for (let n = 0; n <= 37; n++) {
        const t = where === 'wasm heap' ? wasmZeros([n], dtype) : plain([n], dtype);
        fillFinite(t, n);
        const before = wasmKernelCalls();
        expect(allFinite(t)).toBe(true);
        expect(naive(t)).toBe(true);
        if (where === 'wasm heap') expect(wasmKernelCalls()).toBe(before + 1);
        else expect(wasmKernelCalls()).toBe(before);
        for (let p = 0; p < n; p++) {
          for (const bad of BAD) {
            const keep = t.data[t.offset + p]!;
            t.data[t.offset + p] = bad;
            expect([n, p, bad, allFinite(t)]).toEqual([n, p, bad, naive(t)]);
            expect(allFinite(t)).toBe(false);
            t.data[t.offset + p] = keep;
          }
        }
        // two bad values of opposite sign (+Inf·0 and −Inf·0 are both NaN) and all bad
        if (n >= 2) {
          t.data[t.offset] = Infinity;
          t.data[t.offset + n - 1] = -Infinity;
          expect(allFinite(t)).toBe(false);
          t.data.fill(NaN, t.offset, t.offset + n);
          expect(allFinite(t)).toBe(false);
        }
      }
    });
  }

  test('views at an offset: only the view is checked', () => {
    for (const heap of [true, false]) {
      const base = heap ? wasmZeros([40], dtype) : plain([40], dtype);
      const view = new Tensor(base.data, [29], undefined, base.offset + 3);
      base.data[base.offset + 2] = NaN;
      base.data[base.offset + 32] = Infinity;
      expect(allFinite(view)).toBe(true);
      for (let p = 0; p < 29; p++) {
        base.data[base.offset + 3 + p] = -Infinity;
        expect(allFinite(view)).toBe(false);
        base.data[base.offset + 3 + p] = 1;
      }
    }
  });
});

test('rejects a non-tensor and a non-contiguous view', () => {
  expect(() => allFinite([1, 2] as unknown as Tensor)).toThrow(/allFinite: a must be a Tensor/);
  const t = plain([3, 4], 'float64');
  const tr = new Tensor(t.data, [4, 3], [1, 4], 0);
  expect(() => allFinite(tr)).toThrow(/not contiguous/);
});

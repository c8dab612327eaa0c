/**
 * Naive references and random inputs for the kernel tests.
 *
 * The references read tensors through `get()` / `toArray()` (never through the
 * kernels or `data` offsets) and compute with plain nested loops, so a kernel
 * bug cannot hide in a shared helper.
 */
import fc from 'fast-check';
import { Rng, Tensor, zeros, type DType } from '@weft/tensor';

/** A plain 2-D array view of a matrix tensor, read element by element with `get`. */
export function mat(t: Tensor): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < t.shape[0]!; i++) {
    const r: number[] = [];
    for (let j = 0; j < t.shape[1]!; j++) r.push(t.get(i, j));
    rows.push(r);
  }
  return rows;
}

/** The elements of any tensor in row-major order, read with `get`. */
export function flat(t: Tensor): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.rank).fill(0);
  if (t.size === 0) return out;
  for (;;) {
    out.push(t.get(...idx));
    let d = t.rank - 1;
    while (d >= 0 && ++idx[d]! === t.shape[d]!) idx[d--] = 0;
    if (d < 0) return out;
  }
}

/** Plain matrix transpose. */
export function transposed(a: number[][], cols: number): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < cols; j++) out.push(a.map((r) => r[j]!));
  return out;
}

/** Plain matrix product of [M,K] and [K,N]. */
export function naiveMatmul(a: number[][], b: number[][], M: number, K: number, N: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < M; i++) {
    const r: number[] = [];
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i]![k]! * b[k]![j]!;
      r.push(s);
    }
    out.push(r);
  }
  return out;
}

/** A tensor of `shape` with uniform values in [-2, 2) drawn from a seeded Rng. */
export function randomTensor(shape: number[], seed: number, dtype: DType = 'float64'): Tensor {
  const t = zeros(shape, dtype);
  const rng = new Rng(seed);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-2, 2);
  return t;
}

/** A tensor of `shape` full of NaN (to prove a kernel overwrites instead of reading). */
export function nanTensor(shape: number[], dtype: DType = 'float64'): Tensor {
  const t = zeros(shape, dtype);
  t.data.fill(NaN);
  return t;
}

/**
 * Asserts that `actual` equals `expected` elementwise within
 * |a − e| ≤ tol · max(1, |a|, |e|) (tolerance for reordered float sums).
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Math.abs(a - e) <= tol * Math.max(1, Math.abs(a), Math.abs(e));
    if (!ok) throw new Error(`element ${i}: got ${a}, expected ${e} (tol ${tol})`);
  }
}

/** A matrix extent: mostly small, sometimes 0 or 1, sometimes past a 4-row block. */
export const dim = fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 13 }));

/** Seeds for `randomTensor`. */
export const seed = fc.integer({ min: 0, max: 1_000_000 });

/** Coefficients for alpha/beta, including the special values 0 and 1. */
export const coefficient = fc.oneof(
  fc.constantFrom(0, 1, -1),
  fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }),
);

/** fast-check runs per property: enough to hit the edge shapes, fast on 2 shared cores. */
export const runs = { numRuns: 60 };

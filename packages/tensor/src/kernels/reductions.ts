/**
 * Reductions. Scalar results are returned; vector results are written to `out`.
 * None allocates.
 */
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { wasmAllFinite, wasmColSumsAcc } from '../wasm/dispatch.js';
import { checkContiguous, checkLength, checkMatrix, checkNoAlias, fitsLength } from './check.js';
import { fill } from './elementwise.js';

/** Σ a (0 for an empty tensor). */
export function sum(a: Tensor): number {
  checkContiguous('sum', 'a', a);
  const x = a.data;
  let s = 0;
  for (let i = a.offset, end = a.offset + a.size; i < end; i++) s += x[i]!;
  return s;
}

/**
 * True when every element of a is finite, false when one is NaN or ±Infinity
 * (true for an empty tensor). One pass without early exit and without a
 * branch per element: in WebAssembly SIMD when a lives on the heap, otherwise
 * a JavaScript loop with four accumulators of x·0 (0 for finite x, NaN for NaN
 * and ±Infinity; NaN survives every later addition). To find which element is
 * bad, scan for it after this returns false.
 */
export function allFinite(a: Tensor): boolean {
  checkContiguous('allFinite', 'a', a);
  const w = wasmAllFinite(a);
  if (w >= 0) return w === 1;
  const x = a.data;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = a.offset;
  const end = i + a.size;
  for (const end4 = end - 3; i < end4; i += 4) {
    s0 += x[i]! * 0;
    s1 += x[i + 1]! * 0;
    s2 += x[i + 2]! * 0;
    s3 += x[i + 3]! * 0;
  }
  for (; i < end; i++) s0 += x[i]! * 0;
  return s0 + s1 + (s2 + s3) === 0;
}

/** a · b over all elements; a and b have equal length. */
export function dot(a: Tensor, b: Tensor): number {
  checkContiguous('dot', 'a', a);
  checkLength('dot', 'b', b, a.size, `a has length ${a.size}`);
  const x = a.data, y = b.data;
  const xo = a.offset, yo = b.offset;
  let s = 0;
  for (let i = 0, n = a.size; i < n; i++) s += x[xo + i]! * y[yo + i]!;
  return s;
}

/** The largest element; throws for an empty tensor. NaN if any element is NaN. */
export function max(a: Tensor): number {
  checkContiguous('max', 'a', a);
  if (a.size === 0) throw new Error('max: a is empty');
  const x = a.data;
  let m = -Infinity;
  for (let i = a.offset, end = a.offset + a.size; i < end; i++) {
    const v = x[i]!;
    if (v > m || v !== v) m = v;
    if (m !== m) return NaN;
  }
  return m;
}

/** Index (row-major) of the first largest element; throws for an empty tensor. */
export function argmax(a: Tensor): number {
  checkContiguous('argmax', 'a', a);
  if (a.size === 0) throw new Error('argmax: a is empty');
  const x = a.data;
  let best = 0;
  let m = x[a.offset]!;
  for (let i = 1, n = a.size; i < n; i++) {
    const v = x[a.offset + i]!;
    if (v > m) {
      m = v;
      best = i;
    }
  }
  return best;
}

/** Euclidean (L2) norm √(Σ a²), scaled to avoid overflow and underflow. */
export function norm(a: Tensor): number {
  checkContiguous('norm', 'a', a);
  const x = a.data;
  let scaleMax = 0;
  for (let i = a.offset, end = a.offset + a.size; i < end; i++) {
    const v = Math.abs(x[i]!);
    if (v > scaleMax || v !== v) scaleMax = v;
  }
  if (scaleMax === 0 || !Number.isFinite(scaleMax)) return scaleMax;
  const inv = 1 / scaleMax;
  let s = 0;
  for (let i = a.offset, end = a.offset + a.size; i < end; i++) {
    const v = x[i]! * inv;
    s += v * v;
  }
  return scaleMax * Math.sqrt(s);
}

/** out[r] = Σ_j A[r, j] + beta · out[r], for A [B, n] and out of length B. Returns out. */
export function rowSums(out: Tensor, A: Tensor, beta = 0): Tensor {
  checkMatrix('rowSums', 'A', A);
  const rows = A.shape[0]!;
  const n = A.shape[1]!;
  if (!fitsLength(out, rows)) checkLength('rowSums', 'out', out, rows, `A is ${formatShape(A.shape)}`);
  checkNoAlias('rowSums', 'A', out, A);
  const o = out.data, a = A.data;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = A.offset + r * n;
    for (let j = 0; j < n; j++) s += a[base + j]!;
    o[out.offset + r] = beta === 0 ? s : s + beta * o[out.offset + r]!;
  }
  return out;
}

/**
 * out[j] = Σ_r A[r, j] + beta · out[j], for A [B, n] and out of length n.
 * With beta = 1 it accumulates, as a bias gradient does. In WebAssembly SIMD
 * when both live on the heap (the same additions in the same order). Returns out.
 */
export function colSums(out: Tensor, A: Tensor, beta = 0): Tensor {
  checkMatrix('colSums', 'A', A);
  const rows = A.shape[0]!;
  const n = A.shape[1]!;
  if (!fitsLength(out, n)) checkLength('colSums', 'out', out, n, `A is ${formatShape(A.shape)}`);
  checkNoAlias('colSums', 'A', out, A);
  const o = out.data, a = A.data;
  const oo = out.offset;
  if (beta === 0) fill(out, 0);
  else if (beta !== 1) for (let j = 0; j < n; j++) o[oo + j]! *= beta;
  if (wasmColSumsAcc(out, A, rows, n)) return out;
  // Four rows per pass: out is read and written once per four rows, and each
  // element still adds the rows one by one, in order (the same sums as row by row).
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const b0 = A.offset + r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let j = 0; j < n; j++) o[oo + j] = o[oo + j]! + a[b0 + j]! + a[b1 + j]! + a[b2 + j]! + a[b3 + j]!;
  }
  for (; r < rows; r++) {
    const base = A.offset + r * n;
    for (let j = 0; j < n; j++) o[oo + j]! += a[base + j]!;
  }
  return out;
}

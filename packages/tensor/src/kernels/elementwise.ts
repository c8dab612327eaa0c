/**
 * Elementwise kernels on contiguous tensors of equal shape. Out-first,
 * allocation-free; `out` may be exactly one of the inputs (`add(a, a, b)`).
 * `add`, `addRowVector`, `scale`, `fill` and `copy` (per training step in a
 * recurrent model) run in WebAssembly when every operand lives on the heap,
 * with the same results (one operation per element, or the bytes copied);
 * the loops here are the fallback.
 */
import { formatShape, shapesEqual } from '../shape.js';
import { forEachIndex, type Tensor } from '../tensor.js';
import { wasmAddRowVector, wasmCopy, wasmFill, wasmScale } from '../wasm/dispatch.js';
import { checkContiguous, checkExactOrNoAlias, checkMatrix, checkNoAlias, checkSameDtype, checkSameShape, checkUnary } from './check.js';

function binaryChecks(who: string, out: Tensor, a: Tensor, b: Tensor): void {
  checkContiguous(who, 'a', a);
  checkSameShape(who, 'a', a, 'b', b);
  checkSameShape(who, 'a', a, 'out', out);
  checkSameDtype(who, 'a', a, 'b', b);
  checkSameDtype(who, 'a', a, 'out', out);
  checkExactOrNoAlias(who, 'a', out, a);
  checkExactOrNoAlias(who, 'b', out, b);
}

/** out = a + b. Returns out. */
export function add(out: Tensor, a: Tensor, b: Tensor): Tensor {
  binaryChecks('add', out, a, b);
  if (wasmAddRowVector(out, a, b, 1, out.size)) return out;
  const o = out.data, x = a.data, y = b.data;
  const oo = out.offset, xo = a.offset, yo = b.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = x[xo + i]! + y[yo + i]!;
  return out;
}

/** out = a − b. Returns out. */
export function sub(out: Tensor, a: Tensor, b: Tensor): Tensor {
  binaryChecks('sub', out, a, b);
  const o = out.data, x = a.data, y = b.data;
  const oo = out.offset, xo = a.offset, yo = b.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = x[xo + i]! - y[yo + i]!;
  return out;
}

/** out = a ⊙ b (elementwise product). Returns out. */
export function mul(out: Tensor, a: Tensor, b: Tensor): Tensor {
  binaryChecks('mul', out, a, b);
  const o = out.data, x = a.data, y = b.data;
  const oo = out.offset, xo = a.offset, yo = b.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = x[xo + i]! * y[yo + i]!;
  return out;
}

/** out = s · a. Returns out. */
export function scale(out: Tensor, a: Tensor, s: number): Tensor {
  checkUnary('scale', out, a, true);
  if (wasmScale(out, a, s)) return out;
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = s * x[xo + i]!;
  return out;
}

/** out = scale · a + shift (e.g. 1 − a with scale −1, shift 1). Returns out. */
export function scaleShift(out: Tensor, a: Tensor, scale: number, shift: number): Tensor {
  checkUnary('scaleShift', out, a, true);
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = scale * x[xo + i]! + shift;
  return out;
}

/** y += alpha · x (BLAS axpy); y is the output. Returns y. */
export function axpy(y: Tensor, alpha: number, x: Tensor): Tensor {
  checkContiguous('axpy', 'y', y);
  checkSameShape('axpy', 'y', y, 'x', x);
  checkSameDtype('axpy', 'y', y, 'x', x);
  checkExactOrNoAlias('axpy', 'x', y, x);
  const o = y.data, xd = x.data;
  const oo = y.offset, xo = x.offset;
  for (let i = 0, n = y.size; i < n; i++) o[oo + i]! += alpha * xd[xo + i]!;
  return y;
}

/** Sets every element of contiguous `out` to `value`. Returns out. */
export function fill(out: Tensor, value: number): Tensor {
  checkContiguous('fill', 'out', out);
  if (wasmFill(out, value)) return out;
  out.data.fill(value, out.offset, out.offset + out.size);
  return out;
}

/**
 * Up to this many elements `copy` runs a loop: cheaper than the subarray view
 * (an allocation) that TypedArray.set needs, for the per-step vectors of an RNN.
 */
const SMALL_COPY = 256;

/** out = a (same shape; a may be any layout, e.g. a transposed view). Returns out. */
export function copy(out: Tensor, a: Tensor): Tensor {
  checkContiguous('copy', 'out', out);
  if (!shapesEqual(out.shape, a.shape)) {
    throw new Error(`copy: out is ${formatShape(out.shape)} but a is ${formatShape(a.shape)}`);
  }
  if (a.isContiguous) {
    checkExactOrNoAlias('copy', 'a', out, a);
    if (out.data === a.data && out.offset === a.offset) return out;
    if (wasmCopy(out, a)) return out;
    const n = a.size;
    if (n > SMALL_COPY) {
      out.data.set(a.data.subarray(a.offset, a.offset + n), out.offset);
      return out;
    }
    const o = out.data, x = a.data;
    const oo = out.offset, xo = a.offset;
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]!;
    return out;
  }
  if (out.data.buffer === a.data.buffer) throw new Error('copy: out must not share memory with a strided view a');
  let k = out.offset;
  forEachIndex(a, (at) => (out.data[k++] = a.data[at]!));
  return out;
}

/** out = min(max(a, lo), hi). NaN stays NaN. Returns out. */
export function clip(out: Tensor, a: Tensor, lo: number, hi: number): Tensor {
  checkUnary('clip', out, a, true);
  if (!(lo <= hi)) throw new Error(`clip: lo must be <= hi, got lo=${lo}, hi=${hi}`);
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) {
    const v = x[xo + i]!;
    o[oo + i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/**
 * out[r, :] = A[r, :] + v for every row r: the explicit bias add, with
 * A and out [B, n] and v of length n. Returns out.
 */
export function addRowVector(out: Tensor, A: Tensor, v: Tensor): Tensor {
  checkMatrix('addRowVector', 'A', A);
  checkSameShape('addRowVector', 'A', A, 'out', out);
  checkContiguous('addRowVector', 'v', v);
  const rows = A.shape[0]!;
  const n = A.shape[1]!;
  if (v.size !== n) throw new Error(`addRowVector: A is ${formatShape(A.shape)} but v has length ${v.size}`);
  checkSameDtype('addRowVector', 'A', A, 'v', v);
  checkSameDtype('addRowVector', 'A', A, 'out', out);
  checkExactOrNoAlias('addRowVector', 'A', out, A);
  checkNoAlias('addRowVector', 'v', out, v);
  if (wasmAddRowVector(out, A, v, rows, n)) return out;
  const o = out.data, a = A.data, vd = v.data;
  const oo = out.offset, ao = A.offset, vo = v.offset;
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let j = 0; j < n; j++) o[oo + base + j] = a[ao + base + j]! + vd[vo + j]!;
  }
  return out;
}

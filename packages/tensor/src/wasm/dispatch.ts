/**
 * The bridge from the pure-JS kernels to the WebAssembly ones. Each function
 * runs its kernel in WebAssembly and returns true when the runtime is loaded
 * and every operand is a view on its heap with one element type (where the
 * operands live is all that decides: there is no backend switch); otherwise it
 * does nothing and returns false, and the caller runs its JavaScript loop.
 *
 * Callers have already checked shapes and aliasing: these functions only
 * translate tensors to byte addresses.
 */
import type { Tensor } from '../tensor.js';
import type { KernelSet } from './module.js';
import { wasmCalls, wasmRuntime } from './state.js';

/**
 * The kernel set for operands a, b, c (and d), or null when they cannot run in
 * wasm. Reads only fields kept on the tensors (see Tensor.buffer): this runs
 * on every kernel call.
 */
function kernelsFor(a: Tensor, b: Tensor, c: Tensor, d: Tensor = c): KernelSet | null {
  const runtime = wasmRuntime();
  if (runtime === null) return null;
  const buffer = runtime.heap.buffer;
  if (a.buffer !== buffer || b.buffer !== buffer || c.buffer !== buffer || d.buffer !== buffer) {
    wasmCalls.fallbacks++;
    return null;
  }
  // one element size for all: both dtypes' storage on the heap, never mixed in one call
  const size = a.itemsize;
  if (b.itemsize !== size || c.itemsize !== size || d.itemsize !== size) {
    wasmCalls.fallbacks++;
    return null;
  }
  if (size === 4) wasmCalls.float32++;
  wasmCalls.count++;
  return size === 8 ? runtime.kernels.f64 : runtime.kernels.f32;
}

/** Byte address of t's first element in the heap. */
function address(t: Tensor): number {
  return t.byteStart;
}

/** out = alpha·A x + beta·out in wasm, A [m, n]. */
export function wasmMatvec(out: Tensor, A: Tensor, x: Tensor, alpha: number, beta: number): boolean {
  const k = kernelsFor(out, A, x);
  if (k === null) return false;
  k.matvec(address(out), address(A), address(x), A.shape[0]!, A.shape[1]!, alpha, beta);
  return true;
}

/** out += alpha·Aᵀ x in wasm, A [m, n] (out already scaled by beta). */
export function wasmMatvecTAcc(out: Tensor, A: Tensor, x: Tensor, alpha: number): boolean {
  const k = kernelsFor(out, A, x);
  if (k === null) return false;
  k.matvecTAcc(address(out), address(A), address(x), A.shape[0]!, A.shape[1]!, alpha);
  return true;
}

/**
 * out += alpha·op(A) op(B) in wasm, out [M, N], inner size K (out already
 * scaled by beta). Handles B untransposed (A either way) and A Bᵀ; returns
 * false for Aᵀ Bᵀ, which stays in JavaScript.
 */
export function wasmGemmAcc(
  out: Tensor,
  A: Tensor,
  B: Tensor,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
): boolean {
  if (transA && transB) {
    if (wasmRuntime() !== null) wasmCalls.fallbacks++;
    return false;
  }
  const k = kernelsFor(out, A, B);
  if (k === null) return false;
  if (transB) k.gemmNTAcc(address(out), address(A), address(B), M, N, K, alpha);
  else k.gemmAcc(address(out), address(A), address(B), M, N, K, transA ? 1 : K, transA ? M : 1, alpha);
  return true;
}

/** A += alpha·x yᵀ in wasm, A [m, n]. */
export function wasmAddOuter(A: Tensor, x: Tensor, y: Tensor, alpha: number): boolean {
  const k = kernelsFor(A, x, y);
  if (k === null) return false;
  k.addOuter(address(A), address(x), address(y), A.shape[0]!, A.shape[1]!, alpha);
  return true;
}

/**
 * out = a in wasm (contiguous, same size and dtype): one memory.copy, with no
 * subarray view to allocate (TypedArray.set needs one).
 */
export function wasmCopy(out: Tensor, a: Tensor): boolean {
  const k = kernelsFor(out, a, a);
  if (k === null) return false;
  k.copy(address(out), address(a), out.size);
  return true;
}

/**
 * out = value in wasm (contiguous out); +0 is one memory.fill.
 */
export function wasmFill(out: Tensor, value: number): boolean {
  const k = kernelsFor(out, out, out);
  if (k === null) return false;
  k.fill(address(out), out.size, value);
  return true;
}

/** out[r, :] = A[:, ids[r]] in wasm, A [m, K], out [ids.length, m] (ids checked by the caller). */
export function wasmGatherColumns(out: Tensor, A: Tensor, ids: Int32Array, m: number, K: number): boolean {
  const k = kernelsFor(out, A, A);
  if (k === null) return false;
  const size = A.itemsize;
  for (let r = 0; r < ids.length; r++) k.gatherStrided(address(out) + r * m * size, address(A) + ids[r]! * size, m, K * size);
  return true;
}

/** A[:, ids[r]] += src[r, :] in wasm for r in order, A [m, K], src [ids.length, m] (ids checked by the caller). */
export function wasmScatterAddColumns(A: Tensor, ids: Int32Array, src: Tensor, m: number, K: number): boolean {
  const k = kernelsFor(A, src, src);
  if (k === null) return false;
  const size = A.itemsize;
  for (let r = 0; r < ids.length; r++) k.scatterAddStrided(address(A) + ids[r]! * size, address(src) + r * m * size, m, K * size);
  return true;
}

/** out = s·a in wasm (same shapes, out may be a). */
export function wasmScale(out: Tensor, a: Tensor, s: number): boolean {
  const k = kernelsFor(out, a, a);
  if (k === null) return false;
  k.scale(address(out), address(a), out.size, s);
  return true;
}

/**
 * out[r, :] = A[r, :] + v in wasm for `rows` rows of n elements (out may be A);
 * with rows = 1 and n = size, the elementwise out = A + v (out may be either).
 */
export function wasmAddRowVector(out: Tensor, A: Tensor, v: Tensor, rows: number, n: number): boolean {
  const k = kernelsFor(out, A, v);
  if (k === null) return false;
  k.addRowVector(address(out), address(A), address(v), rows, n);
  return true;
}

/** out += the column sums of A [rows, n] in wasm (out already scaled by beta). */
export function wasmColSumsAcc(out: Tensor, A: Tensor, rows: number, n: number): boolean {
  const k = kernelsFor(out, A, A);
  if (k === null) return false;
  k.colSumsAcc(address(out), address(A), rows, n);
  return true;
}

/** The fused clip + AdaGrad step in wasm; the number of clipped elements, or -1 when it cannot run there. */
export function wasmAdagrad(param: Tensor, grad: Tensor, accum: Tensor, lr: number, eps: number, limit: number): number {
  const k = kernelsFor(param, grad, accum);
  if (k === null) return -1;
  return k.adagrad(address(param), address(grad), address(accum), param.size, lr, eps, limit);
}

/** The elementwise functions with a wasm kernel. */
export type WasmUnary = 'exp' | 'tanh' | 'sigmoid';

/** out = f(a) elementwise in wasm (same shapes, out may be a). */
export function wasmUnary(f: WasmUnary, out: Tensor, a: Tensor): boolean {
  const k = kernelsFor(out, a, a);
  if (k === null) return false;
  k[f](address(out), address(a), out.size);
  return true;
}

/** The backward of tanh or sigmoid from the output y in wasm (same shapes). */
export function wasmOutputBackward(f: 'tanhBackward' | 'sigmoidBackward', out: Tensor, y: Tensor, dy: Tensor): boolean {
  const k = kernelsFor(out, y, dy);
  if (k === null) return false;
  k[f](address(out), address(y), address(dy), out.size);
  return true;
}

/**
 * Row-wise softmax of a [rows, n] in wasm; when `max` and `sum` are given,
 * also each row's maximum and Σ exp(a − max) − 1, computed without adding the
 * max's term 1 (the caller takes log1p).
 */
export function wasmSoftmax(out: Tensor, a: Tensor, rows: number, n: number, max?: Tensor, sum?: Tensor): boolean {
  const stats = max !== undefined && sum !== undefined;
  const k = stats ? kernelsFor(out, a, max, sum) : kernelsFor(out, a, a);
  if (k === null) return false;
  k.softmax(address(out), address(a), rows, n, stats ? 1 : 0, stats ? address(max) : 0, stats ? address(sum) : 0);
  return true;
}

/** One RMSProp step in wasm; `b` is the momentum buffer (ignored, may be `s`, when mu = 0). */
export function wasmRmsprop(theta: Tensor, g: Tensor, s: Tensor, b: Tensor, lr: number, alpha: number, eps: number, mu: number, wd: number): boolean {
  const k = kernelsFor(theta, g, s, b);
  if (k === null) return false;
  k.rmsprop(address(theta), address(g), address(s), address(b), theta.size, lr, alpha, eps, mu, wd);
  return true;
}

/** One Adam/AdamW step in wasm (c1, c2: the bias corrections). */
export function wasmAdam(
  theta: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  lr: number,
  beta1: number,
  beta2: number,
  c1: number,
  c2: number,
  eps: number,
  l2: number,
  shrink: number,
): boolean {
  const k = kernelsFor(theta, g, m, v);
  if (k === null) return false;
  k.adam(address(theta), address(g), address(m), address(v), theta.size, lr, beta1, beta2, c1, c2, eps, l2, shrink);
  return true;
}

/** 1 when every element of a (contiguous) is finite, 0 when not, -1 when it cannot run in wasm. */
export function wasmAllFinite(a: Tensor): number {
  const k = kernelsFor(a, a, a);
  if (k === null) return -1;
  return k.allFinite(address(a), a.size);
}

/**
 * Activation kernels. Out-first, allocation-free; `out` may be exactly the input.
 * Softmax and log-softmax work row by row over the last dimension
 * (a vector [n] is one row; [B, n] is B rows), subtracting the row maximum
 * so that large logits do not overflow.
 *
 * With the wasm backend on and every operand on the WebAssembly heap, exp,
 * tanh, sigmoid, their backwards and softmax run in WebAssembly SIMD (after
 * the same checks; src/wasm/dispatch.ts). The wasm exp, tanh and sigmoid are
 * within 1 ulp of the exact result (Math.exp and Math.tanh are within 1 and
 * 2), so results agree with these loops to an ulp or two, not bit for bit.
 * These loops are the reference and the fallback. Unlike elementwise.ts they
 * do not compare dtypes (checkUnary's `sameDtype` is false), as before.
 */
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { wasmOutputBackward, wasmSoftmax, wasmUnary } from '../wasm/dispatch.js';
import { checkContiguous, checkExactOrNoAlias, checkLength, checkSameShape, checkUnary, fitsLength, overlaps } from './check.js';

/** Checks of a backward computed from the forward's output y: y, dy and out of one shape; out may be y or dy. */
function outputBackwardChecks(who: string, out: Tensor, y: Tensor, dy: Tensor): void {
  checkContiguous(who, 'y', y);
  checkSameShape(who, 'y', y, 'dy', dy);
  checkSameShape(who, 'y', y, 'out', out);
  checkExactOrNoAlias(who, 'y', out, y);
  checkExactOrNoAlias(who, 'dy', out, dy);
}

/** out = tanh(a) elementwise; out and a of one shape (out may be a). Returns out. */
export function tanh(out: Tensor, a: Tensor): Tensor {
  checkUnary('tanh', out, a, false);
  if (wasmUnary('tanh', out, a)) return out;
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = Math.tanh(x[xo + i]!);
  return out;
}

/**
 * Backward of tanh from its output: out = dy ⊙ (1 − y²), where y = tanh(a),
 * all three of one shape. Using the output saves recomputing tanh; 1 − y² is
 * computed as (1 − y)(1 + y), which does not cancel when |y| is near 1.
 * `out` may be `dy`. Returns out.
 */
export function tanhBackward(out: Tensor, y: Tensor, dy: Tensor): Tensor {
  outputBackwardChecks('tanhBackward', out, y, dy);
  if (wasmOutputBackward('tanhBackward', out, y, dy)) return out;
  const o = out.data, yd = y.data, g = dy.data;
  const oo = out.offset, yo = y.offset, go = dy.offset;
  for (let i = 0, n = out.size; i < n; i++) {
    const v = yd[yo + i]!;
    o[oo + i] = g[go + i]! * ((1 - v) * (1 + v));
  }
  return out;
}

/**
 * out = σ(a) = 1 / (1 + exp(−a)) elementwise, out and a of one shape (out may
 * be a), computed without overflow for large |a| (exp of a non-positive
 * number only). Returns out.
 */
export function sigmoid(out: Tensor, a: Tensor): Tensor {
  checkUnary('sigmoid', out, a, false);
  if (wasmUnary('sigmoid', out, a)) return out;
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) {
    const v = x[xo + i]!;
    if (v >= 0) o[oo + i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      o[oo + i] = e / (1 + e);
    }
  }
  return out;
}

/**
 * Backward of sigmoid from its output: out = dy ⊙ y ⊙ (1 − y), where y = σ(a).
 * `out` may be `dy` or `y`. Returns out.
 */
export function sigmoidBackward(out: Tensor, y: Tensor, dy: Tensor): Tensor {
  outputBackwardChecks('sigmoidBackward', out, y, dy);
  if (wasmOutputBackward('sigmoidBackward', out, y, dy)) return out;
  const o = out.data, yd = y.data, g = dy.data;
  const oo = out.offset, yo = y.offset, go = dy.offset;
  for (let i = 0, n = out.size; i < n; i++) {
    const v = yd[yo + i]!;
    o[oo + i] = g[go + i]! * v * (1 - v);
  }
  return out;
}

/** out = max(a, 0) (NaN stays NaN). Returns out. */
export function relu(out: Tensor, a: Tensor): Tensor {
  checkUnary('relu', out, a, false);
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) {
    const v = x[xo + i]!;
    o[oo + i] = v < 0 ? 0 : v;
  }
  return out;
}

/**
 * Backward of relu from its output: out = dy where y > 0, else 0 (the
 * subgradient 0 at 0, as PyTorch). `out` may be `dy` or `y`. Returns out.
 */
export function reluBackward(out: Tensor, y: Tensor, dy: Tensor): Tensor {
  outputBackwardChecks('reluBackward', out, y, dy);
  const o = out.data, yd = y.data, g = dy.data;
  const oo = out.offset, yo = y.offset, go = dy.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = yd[yo + i]! > 0 ? g[go + i]! : 0;
  return out;
}

/** out = exp(a) elementwise; out and a of one shape (out may be a). Returns out. */
export function exp(out: Tensor, a: Tensor): Tensor {
  checkUnary('exp', out, a, false);
  if (wasmUnary('exp', out, a)) return out;
  const o = out.data, x = a.data;
  const oo = out.offset, xo = a.offset;
  for (let i = 0, n = out.size; i < n; i++) o[oo + i] = Math.exp(x[xo + i]!);
  return out;
}

/** The row length n of a vector [n] or a matrix [B, n] (its rows: `a.size / n`, 0 when n is 0). */
function rowLength(who: string, a: Tensor): number {
  if (a.shape.length === 0) throw new Error(`${who}: expected a vector or a matrix, got a scalar`);
  if (a.shape.length > 2) throw new Error(`${who}: expected a vector [n] or a matrix [B, n], got ${formatShape(a.shape)}`);
  return a.shape[a.shape.length - 1]!;
}

/**
 * Each row's log Σ_j exp(a[r, j]) in two parts, `max[r] + logSum[r]`, where
 * `logSum[r] = log Σ_j exp(a[r, j] − max[r])` lies in [0, log n]. Added
 * together they would round log Σ to the precision of the largest logit (for
 * logits [1e16, 1e16] the log 2 would vanish); kept apart, a log-probability
 * `(a[r, j] − max[r]) − logSum[r]` loses nothing to that rounding. logSum is
 * computed as log1p of the sum less the max's own term 1 (never added), so it
 * keeps its relative precision when it is tiny: logits [1000, 970] give
 * log(1 + e^−30) = 9.357622968839737e-14 to the last digits.
 */
export interface LogSumExp {
  /** Each row's maximum, `[rows]` (any shape of `rows` elements). */
  readonly max: Tensor;
  /** Each row's log Σ_j exp(a[r, j] − max[r]), `[rows]`. */
  readonly logSum: Tensor;
}

/** Checks one tensor of a {@link LogSumExp}: `rows` elements, sharing no memory with out or a. */
function checkRowStat(name: string, t: Tensor, rows: number, out: Tensor, a: Tensor): void {
  if (!fitsLength(t, rows)) checkLength('softmax', name, t, rows, `a has ${rows} row(s)`);
  if (overlaps(t, out) || overlaps(t, a)) throw new Error(`softmax: ${name} must not share memory with out or a`);
}

/**
 * Row-wise softmax: out[r, :] = exp(a[r, :] − max) / Σ exp(a[r, :] − max),
 * for a vector [n] (one row) or a matrix [B, n]; out has a's shape. Returns out.
 *
 * `lse`, if given, receives each row's maximum and log Σ exp(a − max) (see
 * {@link LogSumExp}), so that log p[r, j] = (a[r, j] − lse.max[r]) − lse.logSum[r]:
 * a fused softmax cross-entropy needs one exp per element, not two.
 */
export function softmax(out: Tensor, a: Tensor, lse?: LogSumExp): Tensor {
  checkUnary('softmax', out, a, false);
  const n = rowLength('softmax', a); // not a [rows, n] pair: softmax runs every update, an array is garbage
  const rows = n === 0 ? 0 : a.size / n;
  if (lse !== undefined) {
    if (lse instanceof Tensor || typeof lse !== 'object' || lse === null) {
      throw new Error(`softmax: expected lse = { max, logSum } (two tensors of ${rows} element(s)), got ${lse instanceof Tensor ? `a Tensor ${formatShape(lse.shape)}` : String(lse)}`);
    }
    checkRowStat('lse.max', lse.max, rows, out, a);
    checkRowStat('lse.logSum', lse.logSum, rows, out, a);
    if (overlaps(lse.max, lse.logSum)) throw new Error('softmax: lse.max and lse.logSum must not share memory');
  }
  if (wasmSoftmax(out, a, rows, n, lse?.max, lse?.logSum)) {
    // the kernel leaves Σ exp(a − max) − 1 in logSum (WebAssembly has no log)
    if (lse !== undefined) {
      const s = lse.logSum.data, so = lse.logSum.offset;
      for (let r = 0; r < rows; r++) s[so + r] = Math.log1p(s[so + r]!);
    }
    return out;
  }
  const o = out.data, x = a.data;
  for (let r = 0; r < rows; r++) {
    const xo = a.offset + r * n;
    const oo = out.offset + r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (x[xo + j]! > max) max = x[xo + j]!;
    // rest = total − 1 without ever adding the max's term 1: the other terms
    // plus one more 1 per tie (ties starts at −1 for the max itself)
    let total = 0, rest = 0, ties = -1;
    for (let j = 0; j < n; j++) {
      const v = x[xo + j]!;
      const e = Math.exp(v - max);
      o[oo + j] = e;
      total += e;
      if (v === max) ties++;
      else rest += e;
    }
    const inv = 1 / total;
    for (let j = 0; j < n; j++) o[oo + j]! *= inv;
    if (lse !== undefined) {
      lse.max.data[lse.max.offset + r] = max;
      lse.logSum.data[lse.logSum.offset + r] = Math.log1p(rest + ties);
    }
  }
  return out;
}

/**
 * Row-wise log-softmax: out[r, j] = (a[r, j] − max) − log Σ exp(a[r, :] − max),
 * for a vector [n] or a matrix [B, n]; out has a's shape. The two
 * subtractions stay apart: `a − (max + log Σ)` would round log Σ to the
 * precision of max. Returns out.
 */
export function logSoftmax(out: Tensor, a: Tensor): Tensor {
  checkUnary('logSoftmax', out, a, false);
  const n = rowLength('logSoftmax', a);
  const rows = n === 0 ? 0 : a.size / n;
  const o = out.data, x = a.data;
  for (let r = 0; r < rows; r++) {
    const xo = a.offset + r * n;
    const oo = out.offset + r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (x[xo + j]! > max) max = x[xo + j]!;
    let rest = 0, ties = -1; // as in softmax: log Σ = log1p(Σ − 1), Σ − 1 without rounding
    for (let j = 0; j < n; j++) {
      const v = x[xo + j]!;
      if (v === max) ties++;
      else rest += Math.exp(v - max);
    }
    const logSum = Math.log1p(rest + ties);
    for (let j = 0; j < n; j++) o[oo + j] = x[xo + j]! - max - logSum;
  }
  return out;
}

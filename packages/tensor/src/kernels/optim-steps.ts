/**
 * Fused optimizer steps: clip + AdaGrad, RMSProp and Adam/AdamW, each one pass
 * over a parameter and its state, in WebAssembly SIMD when every operand lives
 * on the heap, in JavaScript otherwise (like every kernel). RMSProp and Adam
 * compute exactly what @weft/optim's loops compute, in the same order (float64
 * results are bit-identical).
 */
import type { Tensor } from '../tensor.js';
import { checkContiguous, checkSameShape, overlaps } from './check.js';
import { wasmAdagrad, wasmAdam, wasmRmsprop } from '../wasm/dispatch.js';

/** Throws unless v is finite (the optimizer checks the ranges). */
function checkFinite(who: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new Error(`${who}: ${name} must be a finite number, got ${v}`);
}

/** Throws unless `b` has `a`'s shape and shares no memory with it. Allocates nothing (runs every step). */
function checkPair(who: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  checkSameShape(who, aName, a, bName, b);
  if (overlaps(a, b)) throw new Error(`${who}: ${aName} and ${bName} must not share memory`);
}

/** Shape and aliasing checks of a step on param, grad and two state tensors (c, d; d may be null). */
function checkOperands(who: string, param: Tensor, grad: Tensor, cName: string, c: Tensor, dName: string, d: Tensor | null): void {
  checkContiguous(who, 'param', param);
  checkPair(who, 'param', param, 'grad', grad);
  checkPair(who, 'param', param, cName, c);
  checkPair(who, 'grad', grad, cName, c);
  if (d === null) return;
  checkPair(who, 'param', param, dName, d);
  checkPair(who, 'grad', grad, dName, d);
  checkPair(who, cName, c, dName, d);
}

/**
 * One RMSProp step (PyTorch's, not centered), in place, on tensors of one shape:
 *
 *     g' = g + wd·θ;  s = alpha·s + (1 − alpha)·g'²;  u = g' / (sqrt(s) + eps)
 *     momentum = null (or mu = 0):  θ −= lr·u
 *     otherwise:                    b = mu·b + u;  θ −= lr·b
 *
 * `param` is θ, `grad` g (read only), `square` s, `momentum` b. Every number
 * must be finite; the optimizer checks their ranges.
 */
export function rmspropStep(
  param: Tensor,
  grad: Tensor,
  square: Tensor,
  momentum: Tensor | null,
  lr: number,
  alpha: number,
  eps: number,
  mu: number,
  weightDecay: number,
): void {
  const useMomentum = momentum !== null && mu > 0;
  checkOperands('rmspropStep', param, grad, 'square', square, 'momentum', useMomentum ? momentum : null);
  checkFinite('rmspropStep', 'lr', lr);
  checkFinite('rmspropStep', 'alpha', alpha);
  checkFinite('rmspropStep', 'eps', eps);
  checkFinite('rmspropStep', 'mu', mu);
  checkFinite('rmspropStep', 'weightDecay', weightDecay);
  if (mu > 0 && momentum === null) throw new Error(`rmspropStep: momentum ${mu} needs a momentum buffer, got null`);
  const b = useMomentum ? momentum : square; // only read and written when mu > 0
  if (wasmRmsprop(param, grad, square, b, lr, alpha, eps, useMomentum ? mu : 0, weightDecay)) return;
  const x = param.data, xo = param.offset;
  const g = grad.data, go = grad.offset;
  const s = square.data, so = square.offset;
  const bd = b.data, bo = b.offset;
  for (let k = 0, n = param.size; k < n; k++) {
    const gk = g[go + k]! + weightDecay * x[xo + k]!;
    const sk = alpha * s[so + k]! + (1 - alpha) * gk * gk;
    s[so + k] = sk;
    const update = gk / (Math.sqrt(sk) + eps);
    if (useMomentum) {
      const bk = mu * bd[bo + k]! + update;
      bd[bo + k] = bk;
      x[xo + k]! -= lr * bk;
    } else {
      x[xo + k]! -= lr * update;
    }
  }
}

/**
 * One bias-corrected Adam / AdamW step, in place, on tensors of one shape:
 *
 *     shrink ≠ 0:  θ −= shrink·θ            (AdamW: shrink = lr·λ)
 *     g' = g + l2·θ                          (Adam: l2 = λ)
 *     m = beta1·m + (1 − beta1)·g';  v = beta2·v + (1 − beta2)·g'²
 *     θ −= lr·(m / correction1) / (sqrt(v / correction2) + eps)
 *
 * with correction1 = 1 − beta1^t and correction2 = 1 − beta2^t at step t.
 * `param` is θ, `grad` g (read only), `m` and `v` the moments. Every number
 * must be finite; the optimizer checks their ranges.
 */
export function adamStep(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  lr: number,
  beta1: number,
  beta2: number,
  correction1: number,
  correction2: number,
  eps: number,
  l2: number,
  shrink: number,
): void {
  checkOperands('adamStep', param, grad, 'm', m, 'v', v);
  checkFinite('adamStep', 'lr', lr);
  checkFinite('adamStep', 'beta1', beta1);
  checkFinite('adamStep', 'beta2', beta2);
  checkFinite('adamStep', 'correction1', correction1);
  checkFinite('adamStep', 'correction2', correction2);
  checkFinite('adamStep', 'eps', eps);
  checkFinite('adamStep', 'l2', l2);
  checkFinite('adamStep', 'shrink', shrink);
  if (wasmAdam(param, grad, m, v, lr, beta1, beta2, correction1, correction2, eps, l2, shrink)) return;
  const x = param.data, xo = param.offset;
  const g = grad.data, go = grad.offset;
  const md = m.data, mo = m.offset;
  const vd = v.data, vo = v.offset;
  for (let k = 0, n = param.size; k < n; k++) {
    if (shrink !== 0) x[xo + k]! -= shrink * x[xo + k]!;
    const gk = g[go + k]! + l2 * x[xo + k]!;
    const mk = beta1 * md[mo + k]! + (1 - beta1) * gk;
    const vk = beta2 * vd[vo + k]! + (1 - beta2) * gk * gk;
    md[mo + k] = mk;
    vd[vo + k] = vk;
    x[xo + k]! -= (lr * (mk / correction1)) / (Math.sqrt(vk / correction2) + eps);
  }
}

/**
 * One clipped AdaGrad step, in place, on tensors of one shape:
 *
 *     g = clip(g, -limit, limit);  G += g²;  θ -= lr · g / sqrt(G + eps)
 *
 * `param` is θ, `grad` is g (overwritten with the clipped gradient, as
 * `clipByValue` would), `accum` is G. `limit` defaults to Infinity (no clip).
 * A NaN gradient stays NaN (and spreads into θ and G: nothing hides it); an
 * element whose gradient is 0 is left unchanged, as in @weft/optim's AdaGrad.
 * Returns how many gradient elements lay outside [-limit, limit].
 */
export function clipAdagradStep(param: Tensor, grad: Tensor, accum: Tensor, lr: number, eps: number, limit = Infinity): number {
  checkContiguous('clipAdagradStep', 'param', param);
  checkSameShape('clipAdagradStep', 'param', param, 'grad', grad);
  checkSameShape('clipAdagradStep', 'param', param, 'accum', accum);
  if (overlaps(param, grad) || overlaps(param, accum) || overlaps(grad, accum)) {
    throw new Error('clipAdagradStep: param, grad and accum must not share memory');
  }
  if (!Number.isFinite(lr)) throw new Error(`clipAdagradStep: lr must be a finite number, got ${lr}`);
  if (!(eps >= 0)) throw new Error(`clipAdagradStep: eps must be >= 0, got ${eps}`);
  if (!(limit > 0)) throw new Error(`clipAdagradStep: limit must be > 0 (Infinity for no clipping), got ${limit}`);
  const clipped = wasmAdagrad(param, grad, accum, lr, eps, limit);
  if (clipped >= 0) return clipped;
  const p = param.data, g = grad.data, G = accum.data;
  const po = param.offset, go = grad.offset, Go = accum.offset;
  const lo = -limit;
  let count = 0;
  for (let i = 0, n = param.size; i < n; i++) {
    const raw = g[go + i]!;
    if (raw < lo || raw > limit) count++;
    // min/max rather than `raw < lo ? lo : …`: with an integer limit (a small
    // integer to V8) that choice would box every element (an allocation each).
    // NaN stays NaN.
    const gi = Math.min(Math.max(raw, lo), limit);
    if (gi === 0) continue; // as @weft/optim's AdaGrad: no 0/0 when eps = 0 and G = 0
    g[go + i] = gi;
    const acc = G[Go + i]! + gi * gi;
    G[Go + i] = acc;
    p[po + i]! -= (lr * gi) / Math.sqrt(acc + eps);
  }
  return count;
}

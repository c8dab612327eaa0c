/**
 * Fused RMSProp and Adam/AdamW steps: one pass over a parameter and its state,
 * in WebAssembly SIMD when every operand lives on the heap, in JavaScript
 * otherwise. Both paths compute exactly what @weft/optim's loops compute, in
 * the same order (float64 results are bit-identical).
 */
import type { Tensor } from '../tensor.js';
import { checkContiguous, checkSameShape, overlaps } from '../kernels/check.js';
import { wasmAdam, wasmRmsprop } from './dispatch.js';

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
      x[xo + k] -= lr * bk;
    } else {
      x[xo + k] -= lr * update;
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
    if (shrink !== 0) x[xo + k] -= shrink * x[xo + k]!;
    const gk = g[go + k]! + l2 * x[xo + k]!;
    const mk = beta1 * md[mo + k]! + (1 - beta1) * gk;
    const vk = beta2 * vd[vo + k]! + (1 - beta2) * gk * gk;
    md[mo + k] = mk;
    vd[vo + k] = vk;
    x[xo + k] -= (lr * (mk / correction1)) / (Math.sqrt(vk / correction2) + eps);
  }
}

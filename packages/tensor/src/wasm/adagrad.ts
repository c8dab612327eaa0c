/**
 * The fused clip + AdaGrad step: one pass over a parameter instead of three
 * (clip the gradient, accumulate its square, update the parameter), in
 * WebAssembly SIMD when the operands live on the heap, in JavaScript otherwise.
 */
import type { Tensor } from '../tensor.js';
import { checkContiguous, checkSameShape, overlaps } from '../kernels/check.js';
import { wasmAdagrad } from './dispatch.js';

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
    p[po + i] -= (lr * gi) / Math.sqrt(acc + eps);
  }
  return count;
}

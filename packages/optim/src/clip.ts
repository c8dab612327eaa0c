import { scale as scaleKernel } from '@weft/tensor';
import { globalGradNorm } from './grad-norm.js';
import type { GradHolder } from './param.js';
import { checkGradHolders, describe } from './validate.js';

/** What {@link clipByValue} measured. */
export interface ClipByValueResult {
  /** Entries with |g| > limit, as a fraction of all gradient entries (0 when there are none). */
  fractionClipped: number;
  /** Global L2 norm of all grads before clipping. */
  normBefore: number;
}

/** What {@link clipByGlobalNorm} measured and did. */
export interface ClipByGlobalNormResult {
  /** Global L2 norm of all grads before clipping. */
  normBefore: number;
  /** 1 if the grads were scaled down, else 0. */
  fractionClipped: number;
  /** The factor every grad was multiplied by (1 when not scaled). */
  scale: number;
}

/**
 * Clips every entry of every `param.grad` in place to [−limit, limit] (as
 * min-char-rnn's `np.clip(g, -5, 5)` with limit 5). NaN entries stay NaN.
 *
 * `params`: objects with a contiguous `grad` of any shape (e.g. an optimizer's `params`).
 * `limit`: a number > 0 (Infinity measures without clipping).
 * `out`: optional result object to fill and return; pass one to reuse it and the
 * call allocates nothing.
 * Returns `{ fractionClipped, normBefore }`.
 */
export function clipByValue(params: readonly GradHolder[], limit: number, out?: ClipByValueResult): ClipByValueResult {
  if (typeof limit !== 'number' || !(limit > 0)) throw new Error(`clipByValue: limit must be a number > 0, got ${describe(limit)}`);
  checkGradHolders('clipByValue', params);
  const normBefore = globalGradNorm(params);
  const clipped = clipGradsInPlace(params, limit);
  let total = 0;
  for (let i = 0; i < params.length; i++) total += params[i]!.grad.size;
  const result = out ?? { fractionClipped: 0, normBefore: 0 };
  result.fractionClipped = total === 0 ? 0 : clipped / total;
  result.normBefore = normBefore;
  return result;
}

/**
 * Rescales all grads together when their global L2 norm exceeds `maxNorm`:
 * g ← g · maxNorm / ‖g‖ for every grad (the direction is kept), else leaves them.
 * A non-finite norm (NaN or Infinity entries) leaves the grads unchanged with
 * scale 1; check `normBefore` to notice it.
 *
 * `params`: objects with a contiguous `grad` of any shape. `maxNorm`: a finite number > 0.
 * `out`: optional result object to fill and return (then the call allocates nothing).
 * Returns `{ normBefore, fractionClipped (1 if scaled, else 0), scale }`.
 */
export function clipByGlobalNorm(params: readonly GradHolder[], maxNorm: number, out?: ClipByGlobalNormResult): ClipByGlobalNormResult {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`clipByGlobalNorm: maxNorm must be a finite number > 0, got ${describe(maxNorm)}`);
  }
  checkGradHolders('clipByGlobalNorm', params);
  const normBefore = globalGradNorm(params);
  const scaled = Number.isFinite(normBefore) && normBefore > maxNorm;
  const factor = scaled ? maxNorm / normBefore : 1;
  if (scaled) for (let i = 0; i < params.length; i++) scaleKernel(params[i]!.grad, params[i]!.grad, factor);
  const result = out ?? { normBefore: 0, fractionClipped: 0, scale: 1 };
  result.normBefore = normBefore;
  result.fractionClipped = scaled ? 1 : 0;
  result.scale = factor;
  return result;
}

/**
 * Clips every entry of every `grad` in place to [−limit, limit] and returns how
 * many entries were outside (one pass that both counts and clips; the tensor
 * `clip` kernel cannot count). No argument checks: callers validate. Allocates nothing.
 */
export function clipGradsInPlace(params: readonly GradHolder[], limit: number): number {
  let clipped = 0;
  for (let i = 0; i < params.length; i++) {
    const grad = params[i]!.grad;
    const g = grad.data, go = grad.offset;
    for (let k = 0, n = grad.size; k < n; k++) {
      const v = g[go + k]!;
      if (v > limit) {
        g[go + k] = limit;
        clipped++;
      } else if (v < -limit) {
        g[go + k] = -limit;
        clipped++;
      }
    }
  }
  return clipped;
}

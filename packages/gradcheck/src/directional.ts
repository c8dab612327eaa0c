/**
 * directionalCheck: one cheap check of all gradients at once, along a random
 * direction (as JAX's check_grads does): the directional derivative Σ g·d from
 * the analytical gradients against a finite difference of f along d.
 */
import { axpy, clone, copy, dot, fill, norm, Rng, scale, zerosLike } from '@weft/tensor';
import { finiteDifference } from './numerical.js';
import { checkParams, type GradParam } from './params.js';
import { DEFAULT_EPS, relativeError } from './relative-error.js';
import { DEFAULT_H, finiteLoss, functionArg, positive, seedOption, stencilOption, type Stencil } from './validate.js';

/** Options of `directionalCheck`. */
export interface DirectionalCheckOptions {
  /** Seed of the random direction (default 0). */
  seed?: number;
  /** Finite-difference step along the unit direction (default 1e-4). */
  h?: number;
  /** `'central'` (default) or `'five-point'`. */
  stencil?: Stencil;
  /** `passed` is relativeError <= threshold (default 1e-6). */
  threshold?: number;
  /** Floor of the relative error's denominator (default 1e-30). */
  eps?: number;
}

/** What `directionalCheck` returns. */
export interface DirectionalCheckResult {
  /** Σ over all parameters of grad · d. */
  analytical: number;
  /** The finite difference of the loss along d, e.g. (f(θ+hd) − f(θ−hd)) / 2h. */
  numerical: number;
  /** relativeError(analytical, numerical, eps). */
  relativeError: number;
  /** relativeError <= threshold. */
  passed: boolean;
  /** The threshold `relativeError` is compared with. */
  threshold: number;
  /** The finite-difference step along d. */
  h: number;
  /** The finite-difference formula. */
  stencil: Stencil;
  /** Seed of the direction d. */
  seed: number;
}

/**
 * Checks all gradients along one seeded random unit direction d (normal draws
 * over every entry of every parameter, in order, scaled to unit length).
 * Costs 3 calls of `lossAndGradients` (5 with the five-point stencil) whatever
 * the model size, but says only whether the gradients are right along d — use
 * `checkGradients` to find which entry is wrong.
 *
 * Zeroes the grads and calls `lossAndGradients()` once for the analytical
 * gradients; afterwards every `value` is bit-identical to before and every
 * `grad` holds that analytical gradient.
 *
 * @param params parameters `{ name, value, grad }`, contiguous float64, value and grad of one shape
 * @param lossAndGradients returns the loss at the current values and ACCUMULATES (+=) its gradients into the grads
 */
export function directionalCheck(
  params: GradParam[],
  lossAndGradients: () => number,
  options: DirectionalCheckOptions = {},
): DirectionalCheckResult {
  const who = 'directionalCheck';
  checkParams(who, params);
  functionArg(who, 'lossAndGradients', lossAndGradients);
  const seed = seedOption(who, options.seed ?? 0);
  const h = positive(who, 'h', options.h ?? DEFAULT_H);
  const stencil = stencilOption(who, options.stencil ?? 'central');
  const threshold = positive(who, 'threshold', options.threshold ?? 1e-6);
  const eps = positive(who, 'eps', options.eps ?? DEFAULT_EPS);

  const rng = new Rng(seed);
  const direction = params.map((p) => rng.fillNormal(zerosLike(p.value)));
  const length = Math.hypot(...direction.map((d) => norm(d)));
  for (const d of direction) scale(d, d, 1 / length);

  for (const p of params) fill(p.grad, 0);
  finiteLoss(who, 'lossAndGradients', lossAndGradients());
  const gradients = params.map((p) => clone(p.grad));
  let analytical = 0;
  params.forEach((p, i) => (analytical += dot(p.grad, direction[i]!)));

  const saved = params.map((p) => clone(p.value));
  let numerical: number;
  try {
    numerical = finiteDifference((shift) => {
      params.forEach((p, i) => axpy(copy(p.value, saved[i]!), shift, direction[i]!));
      return lossAndGradients();
    }, h, stencil);
  } finally {
    params.forEach((p, i) => {
      copy(p.value, saved[i]!);
      copy(p.grad, gradients[i]!);
    });
  }
  const error = relativeError(analytical, numerical, eps);
  return { analytical, numerical, relativeError: error, passed: error <= threshold, threshold, h, stencil, seed };
}


import { randn, type Rng, type Tensor } from '@weft/tensor';

/** How a layer draws its weights: N(0, std²) from a seeded generator (biases start at 0). */
export interface InitOptions {
  /** Source of every random draw, so that a seed fixes the weights. */
  rng: Rng;
  /** Standard deviation of the weights; default 0.01, the report's initialisation. */
  std?: number;
}

/** A `shape` tensor of N(0, std²) draws from `options.rng`; `who` names the layer in errors. */
export function initWeight(who: string, shape: readonly number[], options: InitOptions): Tensor {
  if (options === undefined || options === null || typeof options.rng?.normal !== 'function') {
    throw new Error(`${who}: options.rng (a seeded Rng) is required to draw the weights`);
  }
  const std = options.std ?? 0.01;
  if (!(std >= 0) || !Number.isFinite(std)) throw new Error(`${who}: std must be a non-negative finite number, got ${std}`);
  return randn(shape, options.rng, 0, std);
}

/** Throws unless `n` is a positive integer; `what` names it in the message. */
export function checkSize(who: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${who}: ${what} must be a positive integer, got ${n}`);
}

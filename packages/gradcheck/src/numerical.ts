/**
 * Numerical derivatives by finite differences, in float64. Every probe puts
 * the original value back exactly (saved and re-stored, never "+h then −h"),
 * even when the function throws.
 */
import { formatShape, Tensor } from '@weft/tensor';
import { dataIndex } from './indexing.js';
import { DEFAULT_H, functionArg, positive, stencilOption, type Stencil } from './validate.js';

/** Options of `numericalGradient`. */
export interface NumericalGradientOptions {
  /** Finite-difference step (default 1e-4). */
  h?: number;
  /** `'central'` (default): error O(h²); `'five-point'`: error O(h⁴), twice the calls. */
  stencil?: Stencil;
  /** Flat row-major indices of the entries to differentiate (default: all, in order). */
  indices?: ArrayLike<number>;
}

/**
 * The derivative at s = 0 of g(s), where `g` evaluates the function with the
 * input shifted by s:
 *   central:    (g(h) − g(−h)) / 2h
 *   five-point: (−g(2h) + 8g(h) − 8g(−h) + g(−2h)) / 12h
 * `g` leaves the input shifted; the caller restores it.
 */
export function finiteDifference(g: (shift: number) => number, h: number, stencil: Stencil): number {
  const plus = g(h);
  const minus = g(-h);
  if (stencil === 'central') return (plus - minus) / (2 * h);
  const plus2 = g(2 * h);
  const minus2 = g(-2 * h);
  // Differences first: when f does not depend on the input at all, plus − minus
  // and plus2 − minus2 are exactly 0, so the estimate is exactly 0 (summing the
  // four terms in the textbook order leaves rounding noise, relative error 1).
  return (8 * (plus - minus) - (plus2 - minus2)) / (12 * h);
}

/**
 * Numerical gradient of the scalar function `f` with respect to the float64
 * tensor `x` (any shape and layout; `f` reads `x` itself).
 *
 * Returns a new Float64Array: entry k is ∂f/∂x at flat row-major index
 * `indices[k]` (or k when `indices` is omitted, length x.size). Calls `f`
 * 2 (central) or 4 (five-point) times per entry; `x` is bit-identical afterwards.
 */
export function numericalGradient(f: () => number, x: Tensor, options: NumericalGradientOptions = {}): Float64Array {
  const who = 'numericalGradient';
  functionArg(who, 'f', f);
  if (!(x instanceof Tensor)) throw new Error(`${who}: x must be a Tensor, got ${String(x)}`);
  if (!(x.data instanceof Float64Array)) {
    throw new Error(`${who}: x ${formatShape(x.shape)} is ${x.dtype}; numerical gradients need float64 (the step h would be lost to rounding)`);
  }
  const h = positive(who, 'h', options.h ?? DEFAULT_H);
  const stencil = stencilOption(who, options.stencil ?? 'central');
  const indices = options.indices;
  if (indices !== undefined) checkIndices(who, indices, x.size);
  const count = indices === undefined ? x.size : indices.length;

  const out = new Float64Array(count);
  const data = x.data;
  for (let k = 0; k < count; k++) {
    const at = dataIndex(x, indices === undefined ? k : indices[k]!);
    const original = data[at]!;
    try {
      out[k] = finiteDifference((shift) => {
        data[at] = original + shift;
        return f();
      }, h, stencil);
    } finally {
      data[at] = original;
    }
  }
  return out;
}

/** Throws unless every entry of `indices` is an integer in [0, size). */
function checkIndices(who: string, indices: ArrayLike<number>, size: number): void {
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
    throw new Error(`${who}: indices must be an array of flat indices, got ${String(indices)}`);
  }
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= size) {
      throw new Error(`${who}: indices[${k}] is ${i}; expected an integer flat index in [0, ${size})`);
    }
  }
}

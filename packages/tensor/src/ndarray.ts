import type { TypedArray } from './dtype.js';
import { Tensor } from './tensor.js';

/** The fields of a scijs ndarray that a tensor shares. */
export interface NdarrayLike {
  /** The storage (Float64Array or Float32Array for a tensor). */
  data: TypedArray;
  /** Extent of each dimension. */
  shape: number[];
  /** Elements to step in `data` per index of each dimension. */
  stride: number[];
  /** Index in `data` of element [0, …, 0]. */
  offset: number;
}

/** The scijs `ndarray` constructor: `ndarray(data, shape, stride, offset)`. */
export type NdarrayFactory<A> = (data: TypedArray, shape: number[], stride: number[], offset: number) => A;

/**
 * An ndarray view of `t` sharing its data (no copy). Pass the `ndarray`
 * function itself: weft does not import scijs ndarray, because it generates
 * code with `new Function`, which a strict Content-Security-Policy forbids.
 *
 * ```ts
 * import ndarray from 'ndarray';
 * const view = toNdarray(t, ndarray);
 * ```
 */
export function toNdarray<A>(t: Tensor, ndarray: NdarrayFactory<A>): A {
  return ndarray(t.data, t.shape.slice(), t.stride.slice(), t.offset);
}

/** A tensor view of an ndarray backed by a Float64Array or Float32Array (no copy). */
export function fromNdarray(a: NdarrayLike): Tensor {
  if (!a || typeof a !== 'object' || !Array.isArray(a.shape) || !Array.isArray(a.stride)) {
    throw new Error('fromNdarray: expected an ndarray with data, shape, stride and offset');
  }
  return new Tensor(a.data, a.shape, a.stride, a.offset);
}

import { allocate, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { allocationDtype, locationOf } from './wasm/state.js';
import type { Rng } from './rng.js';
import { checkShape, formatShape, shapeSize } from './shape.js';
import { forEachIndex, Tensor, type NestedArray } from './tensor.js';

/** A tensor of `shape` filled with 0. Float64 unless `dtype` (or a `withDtype` scope) says otherwise. */
export function zeros(shape: readonly number[], dtype: DType = allocationDtype()): Tensor {
  checkShape('zeros', shape);
  return new Tensor(allocate(dtype, shapeSize(shape)), shape);
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: readonly number[], dtype: DType = allocationDtype()): Tensor {
  return full(shape, 1, dtype);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, dtype: DType = allocationDtype()): Tensor {
  checkShape('full', shape);
  const t = zeros(shape, dtype);
  t.data.fill(value);
  return t;
}

/** The n×n identity matrix. */
export function eye(n: number, dtype: DType = allocationDtype()): Tensor {
  const t = zeros([n, n], dtype);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])` is [2,2]) or a number
 * (a scalar, shape `[]`). Ragged or non-numeric input throws. Copies.
 */
export function tensor(values: NestedArray, dtype: DType = allocationDtype()): Tensor {
  const shape: number[] = [];
  let probe: NestedArray = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const data = allocate(dtype, shapeSize(shape));
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: expected a number at ${path || 'top level'}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(`tensor: ragged input: ${path || 'top level'} should be an array of length ${shape[dim]} (shape ${formatShape(shape)})`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i]!, dim + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return new Tensor(data, shape);
}

/**
 * A tensor over flat row-major `data` with `shape`. A typed array is wrapped
 * without copying; a plain array is copied into a new array of `dtype`.
 */
export function fromData(data: TypedArray | readonly number[], shape: readonly number[], dtype: DType = allocationDtype()): Tensor {
  checkShape('fromData', shape);
  const n = shapeSize(shape);
  if (data.length !== n) throw new Error(`fromData: shape ${formatShape(shape)} needs ${n} elements but data has ${data.length}`);
  if (data instanceof Float64Array || data instanceof Float32Array) {
    dtypeOf(data);
    return new Tensor(data, shape);
  }
  const typed = allocate(dtype, n);
  for (let i = 0; i < n; i++) typed[i] = data[i]!;
  return new Tensor(typed, shape);
}

/** A tensor of N(mean, std²) draws from `rng` (e.g. small weights: `randn([m, K], rng, 0, 0.01)`). */
export function randn(shape: readonly number[], rng: Rng, mean = 0, std = 1, dtype: DType = allocationDtype()): Tensor {
  // Each draw is a float64 number, rounded once when stored: a float32 tensor
  // holds the float64 tensor's values of the same seed, rounded.
  return rng.fillNormal(zeros(shape, dtype), mean, std);
}

/** A tensor of uniform draws in [lo, hi) from `rng`. */
export function rand(shape: readonly number[], rng: Rng, lo = 0, hi = 1, dtype: DType = allocationDtype()): Tensor {
  return rng.fillUniform(zeros(shape, dtype), lo, hi);
}

/**
 * A new contiguous tensor with the same shape and dtype as `t`, filled with 0,
 * allocated where `t` lives (on the WebAssembly heap iff `t` is, whatever the
 * allocation default), so gradients and optimizer state follow their parameters.
 */
export function zerosLike(t: Tensor): Tensor {
  checkShape('zerosLike', t.shape);
  return new Tensor(allocate(t.dtype, t.size, locationOf(t.data)), t.shape);
}

/** A contiguous copy of `t` (of any layout, e.g. a transposed view), allocated where `t` lives. */
export function clone(t: Tensor): Tensor {
  const out = zerosLike(t);
  let k = 0;
  forEachIndex(t, (at) => (out.data[k++] = t.data[at]!));
  return out;
}

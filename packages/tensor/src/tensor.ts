import { dtypeOf, type DType, type TypedArray } from './dtype.js';
import { checkShape, formatShape, rowMajorStrides, shapeSize } from './shape.js';

/** A nested array of numbers, as `tensor()` takes and `toArray()` returns. */
export type NestedArray = number | NestedArray[];

/**
 * A strided view of a typed array: the same four fields as a scijs ndarray
 * (`data`, `shape`, `stride`, `offset`), so the two convert without copying.
 *
 * Element `[i0, i1, …]` lives at `data[offset + i0*stride[0] + i1*stride[1] + …]`.
 * A tensor made by a create-function is contiguous row-major with offset 0;
 * views (`reshape`, `transpose`, `row`) share `data` with their source.
 */
export class Tensor {
  /** The storage, shared with every view of it. */
  readonly data: TypedArray;
  /** Extent of each dimension; `[]` is a scalar. */
  readonly shape: readonly number[];
  /** Step in `data` per index of each dimension. */
  readonly stride: readonly number[];
  /** Index in `data` of element `[0, 0, …]`. */
  readonly offset: number;
  /** Number of elements (product of `shape`). */
  readonly size: number;
  /** True when the elements are laid out row-major without gaps (offset may be non-zero). */
  readonly isContiguous: boolean;
  /**
   * Byte position of element [0, 0, …] in `data.buffer`. Kernels compare it to
   * tell exact aliases from partial overlaps; computed once, since every kernel
   * call checks it (a view's fields never change).
   */
  readonly byteStart: number;
  /**
   * `byteStart + size · itemsize`: where a contiguous tensor's elements end in
   * `data.buffer` (one byte past the last). With `byteStart`, the byte range
   * the aliasing checks compare.
   */
  readonly byteEnd: number;
  /** Bytes per element: 8 for float64, 4 for float32 (PyTorch's `itemsize`). */
  readonly itemsize: number;
  /**
   * `data.buffer`, kept: a typed array's `buffer` and `byteOffset` getters
   * cost tens of nanoseconds, and every kernel call compares buffers (aliasing,
   * and whether its operands live on the WebAssembly heap).
   */
  readonly buffer: ArrayBufferLike;

  /**
   * Wraps `data` without copying. `stride` defaults to row-major, `offset` to 0.
   * Throws if the view would reach outside `data`.
   */
  constructor(data: TypedArray, shape: readonly number[], stride?: readonly number[], offset = 0) {
    dtypeOf(data);
    checkShape('Tensor', shape);
    const st = stride ?? rowMajorStrides(shape);
    if (st.length !== shape.length) {
      throw new Error(`Tensor: stride ${formatShape(st)} does not match shape ${formatShape(shape)}`);
    }
    if (!st.every((v) => Number.isInteger(v))) throw new Error(`Tensor: stride must hold integers, got ${formatShape(st)}`);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`Tensor: offset must be a non-negative integer, got ${offset}`);
    const size = shapeSize(shape);
    if (size > 0) {
      let lo = offset;
      let hi = offset;
      for (let i = 0; i < shape.length; i++) {
        const reach = (shape[i]! - 1) * st[i]!;
        if (reach < 0) lo += reach;
        else hi += reach;
      }
      if (lo < 0 || hi >= data.length) {
        throw new Error(
          `Tensor: shape ${formatShape(shape)} with stride ${formatShape(st)} and offset ${offset} reaches outside data of length ${data.length}`,
        );
      }
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.stride = Object.freeze(st.slice());
    this.offset = offset;
    this.size = size;
    this.isContiguous = rowMajorContiguous(shape, st);
    this.itemsize = data.BYTES_PER_ELEMENT;
    this.byteStart = data.byteOffset + offset * this.itemsize;
    this.byteEnd = this.byteStart + size * this.itemsize;
    this.buffer = data.buffer;
  }

  /** `'float64'` or `'float32'`. */
  get dtype(): DType {
    return this.data instanceof Float32Array ? 'float32' : 'float64';
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Index in `data` of the element at `index` (one integer per dimension). */
  indexOf(index: readonly number[]): number {
    if (index.length !== this.shape.length) {
      throw new Error(`Tensor: index ${formatShape(index)} has ${index.length} entries but the tensor has shape ${formatShape(this.shape)}`);
    }
    let at = this.offset;
    for (let i = 0; i < index.length; i++) {
      const k = index[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= this.shape[i]!) {
        throw new Error(`Tensor: index ${formatShape(index)} is out of bounds for shape ${formatShape(this.shape)}`);
      }
      at += k * this.stride[i]!;
    }
    return at;
  }

  /** The element at `index`, e.g. `t.get(1, 2)`. */
  get(...index: number[]): number {
    return this.data[this.indexOf(index)]!;
  }

  /** Writes `value` at `index`, e.g. `t.set(5, 1, 2)`. Returns the tensor. */
  set(value: number, ...index: number[]): this {
    this.data[this.indexOf(index)] = value;
    return this;
  }

  /** The elements as a nested array (a number for a scalar). Copies. */
  toArray(): NestedArray {
    const build = (dim: number, at: number): NestedArray => {
      if (dim === this.shape.length) return this.data[at]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, at + i * this.stride[dim]!));
      return out;
    };
    return build(0, this.offset);
  }

  /** The elements in row-major order as a plain array. Copies. */
  toFlatArray(): number[] {
    const out: number[] = [];
    forEachIndex(this, (at) => out.push(this.data[at]!));
    return out;
  }

  /** `Tensor(float64, [2,3])`: the dtype and shape, not the values. */
  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)})`;
  }
}

/** True when `stride` is the row-major stride of `shape` (extents of 1 may have any stride). */
function rowMajorContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

/**
 * Calls `fn(dataIndex)` for every element of `t` in row-major order.
 * Not for hot paths: kernels loop over contiguous data directly.
 */
export function forEachIndex(t: Tensor, fn: (dataIndex: number) => void): void {
  if (t.size === 0) return;
  const rank = t.shape.length;
  if (rank === 0) {
    fn(t.offset);
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (;;) {
    fn(at);
    let d = rank - 1;
    while (d >= 0) {
      idx[d]!++;
      at += t.stride[d]!;
      if (idx[d]! < t.shape[d]!) break;
      at -= idx[d]! * t.stride[d]!;
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

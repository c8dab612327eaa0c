import { wasmAllocate } from './wasm/state.js';

/** The element types a tensor can hold. float64 is the default: gradient checks need it. */
export type DType = 'float64' | 'float32';

/** The typed arrays behind a tensor. */
export type TypedArray = Float64Array | Float32Array;

/**
 * Allocates a zero-filled typed array of `dtype` with `length` elements. While
 * the WebAssembly backend is on (`setBackend('wasm')`), the array is a view on
 * the wasm heap, so every create-function (and so every layer and optimizer
 * buffer) lands where the SIMD kernels can use it without copying.
 */
export function allocate(dtype: DType, length: number): TypedArray {
  const onWasmHeap = wasmAllocate(dtype, length);
  if (onWasmHeap !== null) return onWasmHeap;
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/** The dtype of a typed array; throws for any other kind of array. */
export function dtypeOf(data: ArrayLike<number>): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  throw new Error(`weft tensors hold Float64Array or Float32Array data, got ${describeArray(data)}`);
}

function describeArray(data: unknown): string {
  if (data === null || data === undefined) return String(data);
  const ctor = (data as { constructor?: { name?: string } }).constructor;
  return ctor?.name ?? typeof data;
}

import type { Backend, DType, TypedArray } from './types.js';
import { allocationBackend, wasmAllocate } from './wasm/state.js';

export type { Backend, DType, TypedArray } from './types.js';

/**
 * Allocates a zero-filled typed array of `dtype` with `length` elements on
 * `backend`: 'js' gives an ordinary typed array, 'wasm' a view on the
 * WebAssembly heap (falling back to an ordinary array when the heap is not
 * loaded or full). Without `backend`, the allocation default: 'js', or 'wasm'
 * inside `withBackend('wasm', …)`.
 */
export function allocate(dtype: DType, length: number, backend: Backend = allocationBackend()): TypedArray {
  if (backend === 'wasm') {
    const onWasmHeap = wasmAllocate(dtype, length);
    if (onWasmHeap !== null) return onWasmHeap;
  } else if (backend !== 'js') {
    throw new Error(`allocate: backend must be 'js' or 'wasm', got ${JSON.stringify(backend)}`);
  }
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

import type { Backend, DType, TypedArray } from './types.js';
import { allocationBackend, allocationDtype, setAllocationDtype, wasmAllocate } from './wasm/state.js';

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

/** Throws unless `dtype` is 'float64' or 'float32'; `who` names the caller. */
export function checkDtype(who: string, dtype: unknown): asserts dtype is DType {
  if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`${who}: dtype must be 'float64' or 'float32', got ${JSON.stringify(dtype)}`);
}

/**
 * Runs `fn` with create-functions (zeros, randn, tensor, …, and so every layer
 * parameter, context buffer and optimizer state created inside) allocating
 * `dtype` when not told otherwise, and restores the previous default
 * afterwards, also when `fn` throws. Scopes nest. The scoped form of
 * PyTorch's `torch.set_default_dtype`: outside every scope the default is
 * float64. Kernels do not read it: they follow their operands' dtypes.
 */
export function withDtype<T>(dtype: DType, fn: () => T): T {
  checkDtype('withDtype', dtype);
  const previous = setAllocationDtype(dtype);
  try {
    return fn();
  } finally {
    setAllocationDtype(previous);
  }
}

/** The dtype create-functions allocate when not told: 'float32' inside `withDtype('float32', …)`, else 'float64'. */
export function getDefaultDtype(): DType {
  return allocationDtype();
}

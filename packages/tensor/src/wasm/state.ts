/**
 * The package's only module-level state about WebAssembly: the loaded runtime
 * (created once, kept for the life of the program) and the allocation default
 * and dtype defaults of create-functions (changed by `withBackend` and
 * `withDtype` scopes, or the deprecated `setBackend`). Kernel dispatch never reads the allocation default: a kernel
 * runs in wasm iff the runtime exists and its operands live on the heap.
 *
 * Imports only types, so that dtype.ts's `allocate` and the kernels can use it
 * without an import cycle.
 */
import type { Backend, DType, TypedArray } from '../types.js';
import type { WasmHeap } from './heap.js';
import type { Kernels } from './module.js';

/** The loaded module on its heap: both stay for the life of the program once created. */
export interface WasmRuntime {
  readonly heap: WasmHeap;
  readonly kernels: Kernels;
}

let loaded: WasmRuntime | null = null;
let allocationDefault: Backend = 'js';
let dtypeDefault: DType = 'float64';

/**
 * Kernel-call counters (diagnostics: is my model really using wasm?): calls
 * that ran in WebAssembly, those of them on float32 operands, and fallbacks —
 * calls of a kernel that has a wasm version which took the JavaScript loop
 * although the runtime was loaded (an operand off the heap, or mixed dtypes).
 */
export const wasmCalls = { count: 0, float32: 0, fallbacks: 0 };

/** The runtime once loaded, else null. */
export function wasmRuntime(): WasmRuntime | null {
  return loaded;
}

/** Records the runtime (once, by backend.ts). */
export function setWasmRuntime(runtime: WasmRuntime): void {
  loaded = runtime;
}

/** Where create-functions allocate when not told: 'js' unless inside `withBackend('wasm', …)`. */
export function allocationBackend(): Backend {
  return allocationDefault;
}

/** Sets the allocation default and returns the previous one (withBackend restores it). */
export function setAllocationBackend(backend: Backend): Backend {
  const previous = allocationDefault;
  allocationDefault = backend;
  return previous;
}

/** The dtype create-functions use when not told: 'float64' unless inside `withDtype('float32', …)`. */
export function allocationDtype(): DType {
  return dtypeDefault;
}

/** Sets the default dtype of create-functions and returns the previous one (withDtype restores it). */
export function setAllocationDtype(dtype: DType): DType {
  const previous = dtypeDefault;
  dtypeDefault = dtype;
  return previous;
}

/** 'wasm' when `data` is a view on the loaded heap, else 'js'. */
export function locationOf(data: TypedArray): Backend {
  return loaded !== null && data.buffer === loaded.heap.buffer ? 'wasm' : 'js';
}

/**
 * A zero-filled array of `length` elements on the WebAssembly heap; null when
 * the runtime is not loaded or the heap is full (the caller then allocates an
 * ordinary typed array).
 */
export function wasmAllocate(dtype: DType, length: number): TypedArray | null {
  return loaded === null ? null : loaded.heap.allocate(dtype, length);
}

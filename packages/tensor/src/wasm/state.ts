/**
 * The backend switch: which kernels run, and where new tensors are allocated.
 *
 * Deliberately free of runtime imports from the rest of the package (only
 * types), so that low-level modules (dtype.ts's `allocate`, the kernels) can
 * consult it without an import cycle.
 */
import type { DType, TypedArray } from '../dtype.js';
import type { WasmHeap } from './heap.js';
import type { Kernels } from './module.js';

/** The loaded module on its heap: both stay for the life of the program once created. */
export interface WasmRuntime {
  readonly heap: WasmHeap;
  readonly kernels: Kernels;
}

/** The runtime while the wasm backend is on, else null (the pure-JS kernels run). */
export let active: WasmRuntime | null = null;

/** How many kernel calls ran in WebAssembly (a diagnostic: is my model really using wasm?). */
export const wasmCalls = { count: 0 };

/** Sets or clears the active runtime (used by backend.ts). */
export function setActive(runtime: WasmRuntime | null): void {
  active = runtime;
}

/**
 * The create-functions' allocation hook: a zero-filled array of `length`
 * elements on the WebAssembly heap while the wasm backend is on; null when the
 * backend is off, the heap is full or length is 0 (the caller then allocates
 * an ordinary typed array).
 */
export function wasmAllocate(dtype: DType, length: number): TypedArray | null {
  return active === null ? null : active.heap.allocate(dtype, length);
}

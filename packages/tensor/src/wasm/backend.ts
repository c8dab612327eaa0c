/**
 * Choosing between the pure-JS kernels and the WebAssembly SIMD kernels.
 *
 * ```ts
 * setBackend('wasm');            // or: await initWasm() (asynchronous compile)
 * const W = randn([100, 100], rng); // allocated on the WebAssembly heap
 * matvec(out, W, x);             // runs in wasm when out, W and x all live there
 * ```
 *
 * With the wasm backend on, create-functions (zeros, randn, clone, …) allocate
 * from the heap, and a kernel runs in WebAssembly when all its operands are
 * Float64Array (or all Float32Array) views on the heap; otherwise, and always
 * with the 'js' backend, the pure-JS kernels run. Results agree to rounding
 * (see the kernel notes in wasm/kernels.generic.wat).
 */
import type { DType } from '../dtype.js';
import { checkShape, shapeSize } from '../shape.js';
import { Tensor } from '../tensor.js';
import { PAGE_BYTES, WasmHeap, type WasmHeapStats } from './heap.js';
import { compileAsync, compileSync, createMemory, instantiate, unavailableReason } from './module.js';
import { active, setActive, wasmCalls, type WasmRuntime } from './state.js';
import type { WasmModule } from './wasm-api.js';

/** The kernel implementations weft can use. */
export type Backend = 'js' | 'wasm';

/** Options of the wasm backend. */
export interface WasmOptions {
  /**
   * Size of the WebAssembly heap in bytes (rounded up to 64 KiB pages), fixed
   * once the heap exists. Default 128 MiB. It is reserved address space; only
   * the part used by tensors becomes resident.
   */
  heapBytes?: number;
}

/** Default heap size: 128 MiB. */
export const DEFAULT_HEAP_BYTES = 128 * 1024 * 1024;
const MAX_HEAP_BYTES = 2 * 1024 * 1024 * 1024;

let runtime: WasmRuntime | null = null;

function heapPages(who: string, options: WasmOptions | undefined): number {
  const bytes = options?.heapBytes ?? DEFAULT_HEAP_BYTES;
  if (!Number.isFinite(bytes) || bytes < PAGE_BYTES || bytes > MAX_HEAP_BYTES) {
    throw new Error(`${who}: heapBytes must be between ${PAGE_BYTES} and ${MAX_HEAP_BYTES}, got ${bytes}`);
  }
  return Math.ceil(bytes / PAGE_BYTES);
}

/** Throws if the heap exists and `options` asks for a different size. */
function checkHeapSize(who: string, options: WasmOptions | undefined): void {
  const pages = heapPages(who, options);
  if (runtime === null || options?.heapBytes === undefined) return;
  const have = runtime.heap.buffer.byteLength;
  if (pages * PAGE_BYTES !== have) {
    throw new Error(`${who}: the WebAssembly heap already exists with ${have} bytes and cannot be resized (asked for ${options.heapBytes})`);
  }
}

/** Why loading failed at run time (e.g. a CSP without 'wasm-unsafe-eval'), or null. */
let loadFailure: string | null = null;

/** The runtime, created on first use; null (with loadFailure set) when compiling or instantiating fails. */
function ensureRuntime(options: WasmOptions | undefined, compile: () => WasmModule): WasmRuntime | null {
  if (runtime !== null) return runtime;
  if (loadFailure !== null || unavailableReason() !== null) return null;
  try {
    const memory = createMemory(heapPages('setBackend', options));
    runtime = { heap: new WasmHeap(memory), kernels: instantiate(compile(), memory) };
  } catch (err) {
    // e.g. a browser's Content-Security-Policy forbids compiling WebAssembly,
    // or the address space for the heap cannot be reserved
    loadFailure = `the kernel module could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
  }
  return runtime;
}

/**
 * Selects the kernels: 'js' (pure JavaScript, the default) or 'wasm'
 * (WebAssembly SIMD). Switching to 'wasm' compiles the module synchronously
 * the first time and creates the heap; where WebAssembly SIMD is unavailable
 * it stays on 'js' (see `wasmUnavailableReason()`). Returns the backend now in
 * effect. Tensors already on the heap stay valid after switching back to 'js'.
 */
export function setBackend(backend: Backend, options?: WasmOptions): Backend {
  if (backend === 'js') {
    setActive(null);
    return 'js';
  }
  if (backend !== 'wasm') throw new Error(`setBackend: expected 'js' or 'wasm', got ${JSON.stringify(backend)}`);
  checkHeapSize('setBackend', options);
  const rt = ensureRuntime(options, compileSync);
  setActive(rt);
  return rt === null ? 'js' : 'wasm';
}

/**
 * Like `setBackend('wasm')` but compiles the module asynchronously (for a
 * browser's main thread). Resolves to the backend now in effect.
 */
export async function initWasm(options?: WasmOptions): Promise<Backend> {
  checkHeapSize('initWasm', options);
  if (runtime === null && unavailableReason() === null && loadFailure === null) {
    try {
      const module = await compileAsync();
      ensureRuntime(options, () => module);
    } catch (err) {
      loadFailure = `the kernel module could not be compiled: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  setActive(runtime);
  return runtime === null ? 'js' : 'wasm';
}

/** The backend in effect: 'wasm' or 'js'. */
export function getBackend(): Backend {
  return active === null ? 'js' : 'wasm';
}

/** True when this runtime can run the WebAssembly SIMD kernels (as far as known before loading them). */
export function wasmSupported(): boolean {
  return wasmUnavailableReason() === null;
}

/** Why the wasm backend is unavailable here (no WebAssembly, no SIMD, loading failed), or null. */
export function wasmUnavailableReason(): string | null {
  return unavailableReason() ?? loadFailure;
}

/**
 * A zero-filled tensor of `shape` on the WebAssembly heap, whatever the
 * current backend (the heap is created if needed, with default size). Throws
 * when WebAssembly SIMD is unavailable or the heap is full.
 */
export function wasmZeros(shape: readonly number[], dtype: DType = 'float64'): Tensor {
  checkShape('wasmZeros', shape);
  const rt = ensureRuntime(undefined, compileSync);
  if (rt === null) throw new Error(`wasmZeros: ${wasmUnavailableReason()}`);
  const heap = rt.heap;
  const n = shapeSize(shape);
  const data = heap.allocate(dtype, n);
  if (data === null) {
    const stats = heap.stats();
    throw new Error(
      `wasmZeros: the WebAssembly heap is full (${stats.usedBytes} of ${stats.capacityBytes} bytes used); asked for ${n} ${dtype} elements`,
    );
  }
  return new Tensor(data, shape);
}

/** True when `t`'s storage lives on the WebAssembly heap. */
export function isWasmTensor(t: Tensor): boolean {
  return runtime !== null && t.data.buffer === runtime.heap.buffer;
}

/** Usage numbers of the WebAssembly heap, or null before it exists. */
export function wasmHeapStats(): WasmHeapStats | null {
  return runtime === null ? null : runtime.heap.stats();
}

/**
 * How many kernel calls have run in WebAssembly so far: a diagnostic to check
 * that a model's tensors really live on the heap (the count stays still when
 * the kernels fall back to JavaScript).
 */
export function wasmKernelCalls(): number {
  return wasmCalls.count;
}

/**
 * Returns a tensor's heap block now rather than when it is garbage-collected.
 * Neither `t` nor any view of its data may be used afterwards. Throws if `t`
 * was not allocated on the heap (or was already freed).
 */
export function wasmFree(t: Tensor): void {
  if (runtime === null || t.data.buffer !== runtime.heap.buffer) {
    throw new Error(`wasmFree: ${t.toString()} does not live on the WebAssembly heap`);
  }
  runtime.heap.free(t.data);
}

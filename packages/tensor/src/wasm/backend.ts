/**
 * The WebAssembly backend: loading the SIMD kernels and choosing where tensors
 * are allocated.
 *
 * ```ts
 * const W = withBackend('wasm', () => randn([100, 100], rng)); // on the heap
 * const x = wasmZeros([100]);
 * const out = zerosLike(x);      // where x lives: on the heap
 * matvec(out, W, x);             // runs in wasm: out, W and x all live there
 * ```
 *
 * There is no kernel switch. A kernel runs in WebAssembly when the runtime is
 * loaded and all its operands are Float64Array (or all Float32Array) views on
 * the heap; otherwise the pure-JS kernels run. Results agree to rounding (see
 * the kernel notes in wasm/kernels.generic.wat). What a program chooses is
 * where tensors are *allocated*: explicitly (`allocate(dtype, n, backend)`,
 * `wasmZeros`), by following another tensor (`zerosLike`, `clone`), or for a
 * scope (`withBackend`), outside of which create-functions allocate ordinary
 * typed arrays.
 */
import type { Backend, DType } from '../types.js';
import { checkShape, shapeSize } from '../shape.js';
import { Tensor } from '../tensor.js';
import { PAGE_BYTES, WasmHeap, type WasmHeapStats } from './heap.js';
import { compileAsync, compileSync, createMemory, instantiate, unavailableReason } from './module.js';
import { allocationBackend, allocationDtype, locationOf, setAllocationBackend, setWasmRuntime, wasmCalls, wasmRuntime, type WasmRuntime } from './state.js';
import type { WasmModule } from './wasm-api.js';

export type { Backend } from '../types.js';

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
  const runtime = wasmRuntime();
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
  const existing = wasmRuntime();
  if (existing !== null) return existing;
  if (loadFailure !== null || unavailableReason() !== null) return null;
  try {
    const memory = createMemory(heapPages('loadWasm', options));
    setWasmRuntime({ heap: new WasmHeap(memory), kernels: instantiate(compile(), memory) });
  } catch (err) {
    // e.g. a browser's Content-Security-Policy forbids compiling WebAssembly,
    // or the address space for the heap cannot be reserved
    loadFailure = `the kernel module could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
  }
  return wasmRuntime();
}

function checkBackend(who: string, backend: Backend): void {
  if (backend !== 'js' && backend !== 'wasm') throw new Error(`${who}: expected 'js' or 'wasm', got ${JSON.stringify(backend)}`);
}

/**
 * Loads the WebAssembly kernels and creates the heap (compiling synchronously
 * the first time; later calls return at once). Returns 'wasm', or 'js' where
 * WebAssembly SIMD is unavailable (see `wasmUnavailableReason()`). Loading
 * changes no allocation default: allocate on the heap with `withBackend`,
 * `wasmZeros` or `allocate(dtype, n, 'wasm')`.
 */
export function loadWasm(options?: WasmOptions): Backend {
  checkHeapSize('loadWasm', options);
  return ensureRuntime(options, compileSync) === null ? 'js' : 'wasm';
}

/**
 * Like `loadWasm()` but compiles the module asynchronously (for a browser's
 * main thread). Resolves to 'wasm', or 'js' where the kernels cannot load.
 * Like `loadWasm`, it only loads: allocate the model with
 * `withBackend('wasm', () => build())` afterwards.
 */
export async function initWasm(options?: WasmOptions): Promise<Backend> {
  checkHeapSize('initWasm', options);
  if (wasmRuntime() === null && unavailableReason() === null && loadFailure === null) {
    try {
      const module = await compileAsync();
      ensureRuntime(options, () => module);
    } catch (err) {
      loadFailure = `the kernel module could not be compiled: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return wasmRuntime() === null ? 'js' : 'wasm';
}

/**
 * Runs `fn` with create-functions (zeros, randn, tensor, …, and so every layer
 * and optimizer buffer created inside) allocating on `backend`, and restores
 * the previous allocation default afterwards, also when `fn` throws. Scopes
 * nest. 'wasm' loads the kernels first (as `loadWasm`); where they cannot
 * load, `fn` runs allocating ordinary arrays. `fn` receives the backend in
 * effect ('js' or 'wasm'). Kernel dispatch does not depend on the scope, only
 * on where the operands live: a model built in `withBackend('wasm', …)` runs
 * its kernels in wasm wherever it is trained.
 */
export function withBackend<T>(backend: Backend, fn: (backend: Backend) => T, options?: WasmOptions): T {
  checkBackend('withBackend', backend);
  const effective = backend === 'wasm' ? loadWasm(options) : 'js';
  const previous = setAllocationBackend(effective);
  try {
    return fn(effective);
  } finally {
    setAllocationBackend(previous);
  }
}

/**
 * @deprecated Use `withBackend(backend, () => …)` (a scope) or an explicit
 * allocation (`allocate(dtype, n, backend)`, `wasmZeros`, `zerosLike`).
 *
 * Sets the allocation default of create-functions for the rest of the program
 * (until the next call): 'wasm' loads the kernels (as `loadWasm`) and makes
 * new tensors views on the heap; 'js' makes them ordinary typed arrays again.
 * Returns the default now in effect ('js' when WebAssembly SIMD is
 * unavailable). It does not choose kernels: those follow where the operands
 * live, so tensors already on the heap keep running in wasm after
 * `setBackend('js')`.
 */
export function setBackend(backend: Backend, options?: WasmOptions): Backend {
  checkBackend('setBackend', backend);
  if (backend === 'js') {
    setAllocationBackend('js');
    return 'js';
  }
  checkHeapSize('setBackend', options);
  const effective = ensureRuntime(options, compileSync) === null ? 'js' : 'wasm';
  setAllocationBackend(effective);
  return effective;
}

/** Where create-functions allocate right now: 'wasm' inside `withBackend('wasm', …)` (or after `setBackend('wasm')`), else 'js'. */
export function getBackend(): Backend {
  return allocationBackend();
}

/** Where `t`'s storage lives: 'wasm' (on the heap; wasm kernels) or 'js'. */
export function backendOf(t: Tensor): Backend {
  return locationOf(t.data);
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
 * allocation default (the heap is created if needed, with default size). Throws
 * when WebAssembly SIMD is unavailable or the heap is full.
 */
export function wasmZeros(shape: readonly number[], dtype: DType = allocationDtype()): Tensor {
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
  return locationOf(t.data) === 'wasm';
}

/** Usage numbers of the WebAssembly heap, or null before it exists. */
export function wasmHeapStats(): WasmHeapStats | null {
  return wasmRuntime()?.heap.stats() ?? null;
}

/**
 * How many kernel calls have run in WebAssembly so far (of every dtype, or of
 * `dtype` only): a diagnostic to check that a model's tensors really live on
 * the heap (the count stays still when the kernels fall back to JavaScript).
 */
export function wasmKernelCalls(dtype?: DType): number {
  if (dtype === undefined) return wasmCalls.count;
  return dtype === 'float32' ? wasmCalls.float32 : wasmCalls.count - wasmCalls.float32;
}

/**
 * How many calls of a kernel that has a WebAssembly version ran its JavaScript
 * loop instead while the kernels were loaded (an operand off the heap, mixed
 * dtypes, or a transposed-transposed gemm): a diagnostic that should stay
 * still while a model built on the heap trains.
 */
export function wasmKernelFallbacks(): number {
  return wasmCalls.fallbacks;
}

/**
 * Returns a tensor's heap block now rather than when it is garbage-collected.
 * Neither `t` nor any view of its data may be used afterwards. Throws if `t`
 * was not allocated on the heap (or was already freed).
 */
export function wasmFree(t: Tensor): void {
  const runtime = wasmRuntime();
  if (runtime === null || t.data.buffer !== runtime.heap.buffer) {
    throw new Error(`wasmFree: ${t.toString()} does not live on the WebAssembly heap`);
  }
  runtime.heap.free(t.data);
}

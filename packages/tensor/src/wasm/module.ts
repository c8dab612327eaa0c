/**
 * Loading the kernel module: decode the embedded bytes, check that this
 * runtime supports them, compile, and instantiate against a heap.
 *
 * Feature detection: `WebAssembly.validate` on the kernel module itself. It
 * uses fixed-width SIMD (v128, f64x2, f32x4); a runtime without SIMD rejects
 * it, and weft then stays on the pure-JS kernels. Validating the real module
 * rather than a tiny probe also catches any other missing feature.
 *
 * Compilation is synchronous (`new WebAssembly.Module`) so that
 * `loadWasm()` and `withBackend('wasm', …)` work anywhere without await: fine in Node and in
 * workers. Browsers limit synchronous compilation on the main thread to small
 * modules (Chrome: a few MB); this one is about 24 KB, but `initWasm()` offers
 * the asynchronous path (`WebAssembly.compile`) for pages that prefer it.
 */
import { decodeBase64 } from './base64.js';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.generated.js';
import { wasmApi, type WasmApi, type WasmInstance, type WasmMemory, type WasmModule } from './wasm-api.js';

/** The kernels of one element type, as exported by the module (byte addresses, element counts). */
export interface KernelSet {
  /** out = alpha·A x + beta·out, A [m, n]. */
  matvec(out: number, a: number, x: number, m: number, n: number, alpha: number, beta: number): void;
  /** out += alpha·Aᵀ x, A [m, n]. */
  matvecTAcc(out: number, a: number, x: number, m: number, n: number, alpha: number): void;
  /** out += alpha·op(A) B with op(A)[i, k] at element i·aRow + k·aCol; B [K, N]. */
  gemmAcc(out: number, a: number, b: number, M: number, N: number, K: number, aRow: number, aCol: number, alpha: number): void;
  /** out += alpha·A Bᵀ, A [M, K], B [N, K]. */
  gemmNTAcc(out: number, a: number, b: number, M: number, N: number, K: number, alpha: number): void;
  /** A += alpha·x yᵀ, A [m, n]. */
  addOuter(a: number, x: number, y: number, m: number, n: number, alpha: number): void;
  /** out[0..n) = a[0..n). */
  copy(out: number, a: number, n: number): void;
  /** out[0..n) = value. */
  fill(out: number, n: number, value: number): void;
  /** out[i] = a[i·stride] for i < n (stride in bytes). */
  gatherStrided(out: number, a: number, n: number, stride: number): void;
  /** a[i·stride] += src[i] for i < n (stride in bytes). */
  scatterAddStrided(a: number, src: number, n: number, stride: number): void;
  /** out = s·a over n elements (out may be a). */
  scale(out: number, a: number, n: number, s: number): void;
  /** out[r, :] = a[r, :] + v for `rows` rows of n elements (rows = 1: the elementwise add). */
  addRowVector(out: number, a: number, v: number, rows: number, n: number): void;
  /** out[j] += Σ_r a[r, j], a [rows, n], rows added in order. */
  colSumsAcc(out: number, a: number, rows: number, n: number): void;
  /** Fused clip + AdaGrad step over n elements; returns how many were clipped. */
  adagrad(theta: number, g: number, G: number, n: number, lr: number, eps: number, limit: number): number;
  /** out = exp(a) over n elements (out may be a). */
  exp(out: number, a: number, n: number): void;
  /** out = tanh(a) over n elements (out may be a). */
  tanh(out: number, a: number, n: number): void;
  /** out = σ(a) over n elements (out may be a). */
  sigmoid(out: number, a: number, n: number): void;
  /** out = dy·(1 − y²) over n elements. */
  tanhBackward(out: number, y: number, dy: number, n: number): void;
  /** out = dy·y·(1 − y) over n elements. */
  sigmoidBackward(out: number, y: number, dy: number, n: number): void;
  /**
   * Row-wise softmax of a [rows, n] into out; when stats ≠ 0 also each row's
   * max into maxOut[r] and Σ exp(a − max) − 1 (computed without adding the
   * max's term 1; not its log) into sumOut[r].
   */
  softmax(out: number, a: number, rows: number, n: number, stats: number, maxOut: number, sumOut: number): void;
  /** One RMSProp step over n elements (b untouched when mu = 0). */
  rmsprop(theta: number, g: number, s: number, b: number, n: number, lr: number, alpha: number, eps: number, mu: number, wd: number): void;
  /** 1 when all n elements are finite, 0 when one is NaN or ±Infinity. */
  allFinite(a: number, n: number): number;
  /** One Adam/AdamW step over n elements. */
  adam(
    theta: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    c1: number,
    c2: number,
    eps: number,
    l2: number,
    shrink: number,
  ): void;
}

/** Both element types' kernels. */
export interface Kernels {
  readonly f64: KernelSet;
  readonly f32: KernelSet;
}

const KERNEL_NAMES = [
  'matvec',
  'matvecTAcc',
  'gemmAcc',
  'gemmNTAcc',
  'addOuter',
  'copy',
  'fill',
  'gatherStrided',
  'scatterAddStrided',
  'scale',
  'addRowVector',
  'colSumsAcc',
  'adagrad',
  'exp',
  'tanh',
  'sigmoid',
  'tanhBackward',
  'sigmoidBackward',
  'softmax',
  'rmsprop',
  'adam',
  'allFinite',
] as const;

let bytes: Uint8Array | null = null;
let compiled: WasmModule | null = null;
let unavailable: string | null | undefined;

function moduleBytes(): Uint8Array {
  if (bytes === null) bytes = decodeBase64(KERNELS_WASM_BASE64);
  return bytes;
}

/**
 * Null when the kernels can run here, otherwise why not (no WebAssembly, or no
 * SIMD support). Checked once.
 */
export function unavailableReason(): string | null {
  if (unavailable === undefined) {
    const api = wasmApi();
    if (api === null) unavailable = 'this runtime has no WebAssembly';
    else if (!api.validate(moduleBytes())) unavailable = 'this runtime does not support WebAssembly SIMD (the kernel module does not validate)';
    else unavailable = null;
  }
  return unavailable;
}

function requireApi(): WasmApi {
  const reason = unavailableReason();
  if (reason !== null) throw new Error(`weft wasm backend: ${reason}`);
  return wasmApi()!;
}

/** Compiles the module synchronously (once). Throws when unavailable. */
export function compileSync(): WasmModule {
  if (compiled === null) compiled = new (requireApi().Module)(moduleBytes());
  return compiled;
}

/** Compiles the module asynchronously (once). Rejects when unavailable. */
export async function compileAsync(): Promise<WasmModule> {
  if (compiled === null) {
    const module = await requireApi().compile(moduleBytes());
    compiled ??= module;
  }
  return compiled;
}

/** A new WebAssembly.Memory of exactly `pages` 64 KiB pages that can never grow. */
export function createMemory(pages: number): WasmMemory {
  return new (requireApi().Memory)({ initial: pages, maximum: pages });
}

/** Instantiates the compiled module on `memory` and collects its kernels. */
export function instantiate(module: WasmModule, memory: WasmMemory): Kernels {
  const instance: WasmInstance = new (requireApi().Instance)(module, { env: { memory } });
  const pick = (suffix: string): KernelSet => {
    const set: Record<string, unknown> = {};
    for (const name of KERNEL_NAMES) {
      const fn = instance.exports[name + suffix];
      if (typeof fn !== 'function') throw new Error(`weft wasm backend: the kernel module has no export ${name + suffix}`);
      set[name] = fn;
    }
    return set as unknown as KernelSet;
  };
  return { f64: pick('_f64'), f32: pick('_f32') };
}

/**
 * The few parts of the global `WebAssembly` object that weft uses, typed
 * locally: the package compiles against ES2022 without DOM or Node types, and
 * its public .d.ts files must not mention WebAssembly types either.
 */

/** A WebAssembly.Memory: the heap the kernels and the tensors share. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** A compiled WebAssembly.Module (opaque). */
export type WasmModule = object;

/** A WebAssembly.Instance. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** Imports handed to an instance: `{ env: { memory } }`. */
export type WasmImports = Record<string, Record<string, unknown>>;

/** The subset of the `WebAssembly` namespace used here. */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: WasmImports) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
}

/** The global WebAssembly object, or null where there is none (or it is incomplete). */
export function wasmApi(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: Partial<WasmApi> }).WebAssembly;
  if (api === undefined || typeof api.validate !== 'function' || typeof api.Module !== 'function') return null;
  return api as WasmApi;
}

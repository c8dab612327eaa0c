/**
 * A runtime whose WebAssembly rejects the kernel module (no SIMD support) keeps
 * weft on the pure-JS kernels. Simulated by replacing the global WebAssembly
 * object before the package first looks at it (each jest test file has its own
 * module registry, so the package's cached feature check starts fresh here).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { getBackend, initWasm, matvec, setBackend, tensor, wasmKernelCalls, wasmSupported, wasmUnavailableReason, wasmZeros, zeros } from '@weft/tensor';
import { wasmAllocate } from '../src/wasm/state.js';

type WasmNamespace = Record<'Module' | 'Instance' | 'Memory' | 'compile' | 'instantiate' | 'validate', unknown>;
const realWebAssembly = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
let validated = 0;

beforeAll(() => {
  // A WebAssembly without SIMD: validate() says no to the kernel module.
  const noSimd = {
    Module: realWebAssembly.Module,
    Instance: realWebAssembly.Instance,
    Memory: realWebAssembly.Memory,
    compile: realWebAssembly.compile,
    instantiate: realWebAssembly.instantiate,
    validate: (): boolean => {
      validated++;
      return false;
    },
  };
  Object.defineProperty(globalThis, 'WebAssembly', { value: noSimd, configurable: true, writable: true });
});

afterAll(() => {
  Object.defineProperty(globalThis, 'WebAssembly', { value: realWebAssembly, configurable: true, writable: true });
});

test('without SIMD the wasm backend is refused, kernels run in JS, and wasmZeros explains why', async () => {
  expect(wasmSupported()).toBe(false);
  expect(validated).toBe(1);
  expect(wasmUnavailableReason()).toBe('this runtime does not support WebAssembly SIMD (the kernel module does not validate)');
  expect(setBackend('wasm')).toBe('js');
  expect(await initWasm()).toBe('js');
  expect(getBackend()).toBe('js');
  expect(wasmAllocate('float64', 4)).toBeNull();
  const out = zeros([2]);
  matvec(out, tensor([[1, 2], [3, 4]]), tensor([1, 1]));
  expect(out.toArray()).toEqual([3, 7]);
  expect(wasmKernelCalls()).toBe(0);
  expect(() => wasmZeros([2])).toThrow('wasmZeros: this runtime does not support WebAssembly SIMD (the kernel module does not validate)');
  expect(validated).toBe(1); // checked once, then remembered
});

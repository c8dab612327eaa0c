/**
 * The WebAssembly heap (allocator), the backend switch, and the embedded
 * module's base64 decoder.
 */
import { describe, expect, test } from '@jest/globals';
import {
  allocate,
  backendOf,
  clone,
  exp,
  getBackend,
  initWasm,
  isWasmTensor,
  loadWasm,
  setBackend,
  ones,
  Tensor,
  transpose,
  wasmKernelCalls,
  withBackend,
  zerosLike,
  wasmFree,
  wasmHeapStats,
  wasmUnavailableReason,
  wasmZeros,
  zeros,
} from '@weft/tensor';
import { wasmAllocate } from '../src/wasm/state.js';
import { decodeBase64 } from '../src/wasm/base64.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { createMemory } from '../src/wasm/module.js';

describe('decodeBase64', () => {
  test('decodes what btoa encodes, every padding length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff);
      const text = btoa(String.fromCharCode(...bytes));
      expect(Array.from(decodeBase64(text))).toEqual(bytes);
    }
    expect(new TextDecoder().decode(decodeBase64('TWFu'))).toBe('Man');
  });

  test('rejects characters outside the alphabet and impossible lengths', () => {
    expect(() => decodeBase64('TW*u')).toThrow('decodeBase64: invalid character "*" at 2');
    expect(() => decodeBase64('TWFuT')).toThrow('decodeBase64: invalid length 5');
  });
});

describe('WasmHeap', () => {
  const PAGE = 65536;

  test('allocates zero-filled, 16-byte aligned, non-overlapping arrays until full, then returns null', () => {
    const heap = new WasmHeap(createMemory(1));
    const blocks: Float64Array[] = [];
    for (;;) {
      const a = heap.allocate('float64', 1000); // 8000 bytes each
      if (a === null) break;
      blocks.push(a as Float64Array);
    }
    expect(blocks.length).toBe(Math.floor(PAGE / 8000));
    for (const b of blocks) {
      expect(b.byteOffset % 16).toBe(0);
      expect(b.every((v) => v === 0)).toBe(true);
      expect(b.buffer).toBe(heap.buffer);
    }
    const starts = blocks.map((b) => b.byteOffset).sort((p, q) => p - q);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(8000);
    expect(heap.stats()).toEqual({ capacityBytes: PAGE, usedBytes: blocks.length * 8000, liveBlocks: blocks.length, fallbacks: 1 });
  });

  test('freed neighbours merge, and a reused block comes back zeroed', () => {
    const heap = new WasmHeap(createMemory(1));
    const a = heap.allocate('float64', 2048)!; // 16 KiB
    const b = heap.allocate('float64', 2048)!;
    const c = heap.allocate('float64', 2048)!;
    const d = heap.allocate('float64', 2048)!; // the heap is now full
    expect(heap.allocate('float32', 1)).toBeNull();
    b.fill(7);
    heap.free(b);
    heap.free(c); // b and c merge into one 32 KiB block
    const big = heap.allocate('float64', 4096);
    expect(big).not.toBeNull();
    expect(big!.byteOffset).toBe(b.byteOffset);
    expect(big!.every((v) => v === 0)).toBe(true);
    heap.free(a);
    heap.free(big!);
    heap.free(d);
    expect(heap.stats().usedBytes).toBe(0);
    expect(() => heap.free(a)).toThrow('WasmHeap.free: the array is not a live block of this heap');
    expect(heap.allocate('float64', PAGE / 8)).not.toBeNull(); // everything merged back into one block
  });

  test('float32 sizes round up to 16 bytes; empty arrays own no block', () => {
    const heap = new WasmHeap(createMemory(1));
    const a = heap.allocate('float32', 5)!;
    const b = heap.allocate('float32', 3)!;
    expect(a).toBeInstanceOf(Float32Array);
    expect(b.byteOffset - a.byteOffset).toBe(32);
    const empty = heap.allocate('float64', 0)!;
    expect(empty.length).toBe(0);
    expect(empty.buffer).toBe(heap.buffer);
    expect(heap.stats().liveBlocks).toBe(2);
  });
});

describe('backend switch', () => {
  test('js by default; bad names and sizes are rejected', () => {
    expect(getBackend()).toBe('js');
    expect(wasmHeapStats()).toBeNull();
    expect(wasmAllocate('float64', 4)).toBeNull();
    expect(() => setBackend('gpu' as 'js')).toThrow(`setBackend: expected 'js' or 'wasm', got "gpu"`);
    expect(() => setBackend('wasm', { heapBytes: 100 })).toThrow('setBackend: heapBytes must be between 65536 and 2147483648, got 100');
    expect(getBackend()).toBe('js');
  });

  test('the wasm backend allocates from the heap; the heap size is fixed once it exists', async () => {
    expect(wasmUnavailableReason()).toBeNull();
    expect(setBackend('wasm', { heapBytes: 4 << 20 })).toBe('wasm');
    expect(getBackend()).toBe('wasm');
    expect(wasmHeapStats()!.capacityBytes).toBe(4 << 20);
    const data = wasmAllocate('float64', 10)!;
    expect(data).toBeInstanceOf(Float64Array);
    expect(data.length).toBe(10);
    const t = wasmZeros([2, 3]);
    expect(isWasmTensor(t)).toBe(true);
    // Every create-function allocates on the heap while the backend is on.
    expect(isWasmTensor(zeros([3]))).toBe(true);
    expect(isWasmTensor(ones([2, 2], 'float32'))).toBe(true);
    expect(() => setBackend('wasm', { heapBytes: 8 << 20 })).toThrow(
      'setBackend: the WebAssembly heap already exists with 4194304 bytes and cannot be resized (asked for 8388608)',
    );
    expect(setBackend('js')).toBe('js');
    expect(wasmAllocate('float64', 10)).not.toBeNull(); // the heap stays loaded
    expect(isWasmTensor(zeros([3]))).toBe(false);
    expect(isWasmTensor(t)).toBe(true); // still valid, still on the heap
    expect(await initWasm()).toBe('wasm'); // loads only: the allocation default stays
    expect(getBackend()).toBe('js');
    expect(loadWasm()).toBe('wasm');
    expect(getBackend()).toBe('js');
  });

  test('withBackend scopes allocation, nests, and restores on throw', () => {
    expect(getBackend()).toBe('js');
    const got = withBackend('wasm', (b) => {
      expect(b).toBe('wasm');
      expect(getBackend()).toBe('wasm');
      const inner = withBackend('js', () => zeros([2]));
      expect(isWasmTensor(inner)).toBe(false);
      expect(getBackend()).toBe('wasm');
      return zeros([2]);
    });
    expect(isWasmTensor(got)).toBe(true);
    expect(getBackend()).toBe('js');
    expect(() =>
      withBackend('wasm', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(getBackend()).toBe('js');
    expect(() => withBackend('gpu' as 'js', () => 0)).toThrow(`withBackend: expected 'js' or 'wasm', got "gpu"`);
  });

  test('explicit allocation; zerosLike and clone allocate where their tensor lives', () => {
    expect(backendOf(new Tensor(allocate('float64', 3, 'wasm'), [3]))).toBe('wasm');
    expect(backendOf(new Tensor(allocate('float32', 3, 'js'), [3]))).toBe('js');
    const onHeap = wasmZeros([2, 3], 'float32');
    const plain = zeros([2, 3]);
    expect(isWasmTensor(zerosLike(onHeap))).toBe(true);
    expect(zerosLike(onHeap).dtype).toBe('float32');
    expect(isWasmTensor(clone(onHeap))).toBe(true);
    withBackend('wasm', () => {
      expect(isWasmTensor(zerosLike(plain))).toBe(false);
      expect(isWasmTensor(clone(plain))).toBe(false);
    });
    expect(isWasmTensor(clone(transpose(onHeap)))).toBe(true);
  });

  test('kernels follow the operands, not the allocation default', () => {
    const a = withBackend('wasm', () => ones([4]));
    const b = zeros([4]);
    const before = wasmKernelCalls();
    exp(zerosLike(a), a); // both on the heap: wasm, outside any scope
    expect(wasmKernelCalls() - before).toBe(1);
    withBackend('wasm', () => exp(zerosLike(b), b)); // both plain: JS, inside a wasm scope
    expect(wasmKernelCalls() - before).toBe(1);
  });
});

describe('wasm heap bookkeeping', () => {
  test('wasmZeros reports a full heap; wasmFree returns blocks and refuses other tensors', () => {
    const before = wasmHeapStats()!.usedBytes;
    const t = wasmZeros([1000]);
    expect(wasmHeapStats()!.usedBytes).toBe(before + 8000);
    wasmFree(t);
    expect(wasmHeapStats()!.usedBytes).toBe(before);
    expect(() => wasmFree(zeros([3]))).toThrow('wasmFree: Tensor(float64, [3]) does not live on the WebAssembly heap');
    expect(() => wasmZeros([1 << 20])).toThrow(/^wasmZeros: the WebAssembly heap is full \(\d+ of 4194304 bytes used\); asked for 1048576 float64 elements$/);
  });
});

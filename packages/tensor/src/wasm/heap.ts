/**
 * The WebAssembly heap: one fixed-size WebAssembly.Memory from which tensor
 * storage is carved, so that the SIMD kernels find their operands already in
 * linear memory (copying operands in and out on every call would cost more
 * than the kernels save).
 *
 * Why a fixed size: growing a WebAssembly.Memory detaches its ArrayBuffer and
 * every Float64Array view on it, and a Tensor's `data` cannot be re-pointed.
 * So the memory is created once with initial = maximum (default 128 MiB). That
 * is address space, not resident memory: the engine maps the pages lazily and
 * only the parts actually used become resident. When the heap is full,
 * allocation returns null and the caller falls back to an ordinary array,
 * whose tensors simply take the pure-JS kernels.
 *
 * Blocks are returned automatically: every view is registered with a
 * FinalizationRegistry, and when the garbage collector frees the typed array
 * its block goes back to the free list. Keep the typed array itself (the
 * tensor's `data`, shared by all its views) alive while using its memory: a
 * bare `data.subarray(...)` does not keep the block reserved.
 *
 * Allocation is first fit over a free list sorted by address, with adjacent
 * free blocks merged; it runs only in create-functions, never per step.
 */
import type { DType, TypedArray } from '../types.js';
import type { WasmMemory } from './wasm-api.js';

/** Bytes of one WebAssembly page. */
export const PAGE_BYTES = 65536;

/** Block alignment in bytes: one v128, so vector loads of a fresh tensor are aligned. */
const ALIGN = 16;

/** Usage numbers of the heap. */
export interface WasmHeapStats {
  /** Size of the heap in bytes (fixed). */
  capacityBytes: number;
  /** Bytes in live blocks (rounded up to 16). */
  usedBytes: number;
  /** Number of live blocks. */
  liveBlocks: number;
  /** Allocations that did not fit and fell back to an ordinary array. */
  fallbacks: number;
}

/** A first-fit allocator of typed arrays over a fixed WebAssembly.Memory. */
export class WasmHeap {
  /** The memory the kernels are instantiated on. */
  readonly memory: WasmMemory;
  /** Its buffer: a typed array lives on this heap iff `data.buffer === heap.buffer`. */
  readonly buffer: ArrayBuffer;
  /** Free blocks, sorted by start: parallel arrays of byte start and byte size. */
  private readonly freeStart: number[] = [];
  private readonly freeSize: number[] = [];
  private used = 0;
  private live = 0;
  private fallbackCount = 0;
  private readonly registry = new FinalizationRegistry<number>((held) => this.release(held));
  /** Byte size of each live block, by start. */
  private readonly blockSize = new Map<number, number>();

  /** A heap over `memory` (whose size must never change). */
  constructor(memory: WasmMemory) {
    this.memory = memory;
    this.buffer = memory.buffer;
    this.freeStart.push(0);
    this.freeSize.push(this.buffer.byteLength);
  }

  /**
   * A zero-filled typed array of `length` elements of `dtype` on the heap, or
   * null when no free block is large enough. Length 0 gives an empty view on
   * the heap (no block), so that empty tensors take the wasm path too.
   */
  allocate(dtype: DType, length: number): TypedArray | null {
    if (length === 0) return dtype === 'float32' ? new Float32Array(this.buffer, 0, 0) : new Float64Array(this.buffer, 0, 0);
    const elementBytes = dtype === 'float32' ? 4 : 8;
    const bytes = Math.ceil((length * elementBytes) / ALIGN) * ALIGN;
    for (let i = 0; i < this.freeStart.length; i++) {
      const size = this.freeSize[i]!;
      if (size < bytes) continue;
      const start = this.freeStart[i]!;
      if (size === bytes) {
        this.freeStart.splice(i, 1);
        this.freeSize.splice(i, 1);
      } else {
        this.freeStart[i] = start + bytes;
        this.freeSize[i] = size - bytes;
      }
      this.used += bytes;
      this.live++;
      this.blockSize.set(start, bytes);
      const data = dtype === 'float32' ? new Float32Array(this.buffer, start, length) : new Float64Array(this.buffer, start, length);
      data.fill(0); // the block may have held a collected tensor
      this.registry.register(data, start, data);
      return data;
    }
    this.fallbackCount++;
    return null;
  }

  /**
   * Returns `data`'s block to the heap now instead of at garbage collection.
   * `data` must not be used afterwards. Throws if `data` is not a live block of this heap.
   */
  free(data: TypedArray): void {
    if (data.length === 0 && data.buffer === this.buffer) return; // empty views own no block
    if (data.buffer !== this.buffer || !this.blockSize.has(data.byteOffset)) {
      throw new Error('WasmHeap.free: the array is not a live block of this heap');
    }
    this.registry.unregister(data);
    this.release(data.byteOffset);
  }

  /** Usage numbers (for tests and benchmarks). */
  stats(): WasmHeapStats {
    return { capacityBytes: this.buffer.byteLength, usedBytes: this.used, liveBlocks: this.live, fallbacks: this.fallbackCount };
  }

  /** Returns the block at `start` to the free list, merging with free neighbours. */
  private release(start: number): void {
    const bytes = this.blockSize.get(start);
    if (bytes === undefined) return;
    this.blockSize.delete(start);
    this.used -= bytes;
    this.live--;
    // Binary search for the first free block after `start`.
    let lo = 0;
    let hi = this.freeStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeStart[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    let blockStart = start;
    let blockBytes = bytes;
    let at = lo;
    const prev = lo - 1;
    if (prev >= 0 && this.freeStart[prev]! + this.freeSize[prev]! === start) {
      blockStart = this.freeStart[prev]!;
      blockBytes += this.freeSize[prev]!;
      this.freeStart.splice(prev, 1);
      this.freeSize.splice(prev, 1);
      at = prev;
    }
    if (at < this.freeStart.length && blockStart + blockBytes === this.freeStart[at]) {
      blockBytes += this.freeSize[at]!;
      this.freeStart.splice(at, 1);
      this.freeSize.splice(at, 1);
    }
    this.freeStart.splice(at, 0, blockStart);
    this.freeSize.splice(at, 0, blockBytes);
  }
}

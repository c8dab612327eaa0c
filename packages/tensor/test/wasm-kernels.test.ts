/**
 * The WebAssembly SIMD kernels against the pure-JS kernels (themselves tested
 * against naive references in blas.test.ts), on shapes that exercise every
 * remainder of the vector loops (sizes 0, 1, odd, not a multiple of 4), plus:
 * alpha/beta, errors still thrown, fallback to JS when an operand is not on the
 * heap, and the fused clip + AdaGrad step against plain loops.
 *
 * `wasmKernelCalls()` proves which path ran: it counts calls that ran in wasm.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  add,
  addOuter,
  addRowVector,
  clipAdagradStep,
  clone,
  colSums,
  copy,
  fill,
  gemm,
  isWasmTensor,
  matvec,
  matvecT,
  Rng,
  row,
  scale,
  setBackend,
  Tensor,
  withBackend,
  wasmKernelCalls,
  wasmSupported,
  wasmZeros,
  zeros,
  type DType,
} from '@weft/tensor';

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13];
const PAIRS: [number, number][] = [];
for (const m of SIZES) for (const n of [0, 1, 3, 4, 6, 9, 17]) PAIRS.push([m, n]);

/** A tensor of `shape` on the heap with uniform values in [-2, 2). */
function heapRandom(shape: number[], rng: Rng, dtype: DType = 'float64'): Tensor {
  return rng.fillUniform(wasmZeros(shape, dtype), -2, 2);
}

/** A copy of `t` in an ordinary typed array (not on the heap). */
function plainCopy(t: Tensor): Tensor {
  const data = t.dtype === 'float32' ? new Float32Array(t.size) : new Float64Array(t.size);
  data.set(t.data.subarray(t.offset, t.offset + t.size));
  return new Tensor(data, t.shape);
}

/** The elements of contiguous `t` as a plain array. */
function flatOf(t: Tensor): number[] {
  return Array.from(t.data.subarray(t.offset, t.offset + t.size));
}

/** `x` rounded to `dtype`. */
function toDtype(x: number, dtype: DType): number {
  return dtype === 'float32' ? Math.fround(x) : x;
}

/** max |a-b| / max(1, |a|, |b|) over all elements. */
function maxRelDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  for (let i = 0; i < a.size; i++) {
    const x = a.data[a.offset + i]!;
    const y = b.data[b.offset + i]!;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y)));
  }
  return worst;
}

/**
 * Runs `kernel(...operands)` once in wasm (on heap tensors) and once in JS
 * (on plain copies); `outIndex` names the operand that is written.
 * Returns [wasm result, JS result, number of wasm calls made].
 */
function both(operands: Tensor[], outIndex: number, kernel: (...ops: Tensor[]) => void): [Tensor, Tensor, number] {
  const copies = operands.map(plainCopy);
  setBackend('js');
  kernel(...copies);
  setBackend('wasm');
  const before = wasmKernelCalls();
  kernel(...operands);
  return [operands[outIndex]!, copies[outIndex]!, wasmKernelCalls() - before];
}

beforeAll(() => {
  expect(wasmSupported()).toBe(true); // Node 20 has WebAssembly SIMD
  expect(setBackend('wasm')).toBe('wasm');
});
afterAll(() => {
  setBackend('js');
});

describe.each<[DType, number]>([
  ['float64', 1e-12],
  ['float32', 2e-5],
])('wasm kernels equal the JS kernels (%s)', (dtype, tol) => {
  test('matvec: out = αAx + βout, every remainder, beta 0 and not 0', () => {
    const rng = new Rng(11);
    for (const [m, n] of PAIRS) {
      for (const [alpha, beta] of [[1, 0], [-0.75, 0.5], [2, 1]] as const) {
        const ops = [heapRandom([m], rng, dtype), heapRandom([m, n], rng, dtype), heapRandom([n], rng, dtype)];
        const [w, j, calls] = both(ops, 0, (o, A, x) => matvec(o!, A!, x!, alpha, beta));
        expect(calls).toBe(1);
        expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
      }
    }
  });

  test('matvecT: out = αAᵀx + βout', () => {
    const rng = new Rng(12);
    for (const [m, n] of PAIRS) {
      for (const [alpha, beta] of [[1, 0], [0.3, -2], [1, 1]] as const) {
        const ops = [heapRandom([n], rng, dtype), heapRandom([m, n], rng, dtype), heapRandom([m], rng, dtype)];
        const [w, j, calls] = both(ops, 0, (o, A, x) => matvecT(o!, A!, x!, alpha, beta));
        expect(calls).toBe(beta === 0 ? 2 : 1); // beta = 0 zeroes out first, in wasm too
        if (dtype === 'float64') expect(Array.from(w.data.subarray(w.offset, w.offset + w.size))).toEqual(Array.from(j.data));
        else expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
      }
    }
  });

  test('addOuter: A += α x yᵀ', () => {
    const rng = new Rng(13);
    for (const [m, n] of PAIRS) {
      const ops = [heapRandom([m, n], rng, dtype), heapRandom([m], rng, dtype), heapRandom([n], rng, dtype)];
      const [w, j, calls] = both(ops, 0, (A, x, y) => addOuter(A!, x!, y!, -1.25));
      expect(calls).toBe(1);
      if (dtype === 'float64') expect(Array.from(w.data.subarray(w.offset, w.offset + w.size))).toEqual(Array.from(j.data));
      else expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
    }
  });

  test('add and addRowVector: bit for bit the JS sums, every remainder, out = an input', () => {
    const rng = new Rng(15);
    const same = (w: Tensor, j: Tensor): void => expect(flatOf(w)).toEqual(flatOf(j));
    for (const [m, n] of PAIRS) {
      const ops = [heapRandom([m, n], rng, dtype), heapRandom([m, n], rng, dtype), heapRandom([n], rng, dtype)];
      const [w, j, calls] = both(ops, 0, (o, A, v) => addRowVector(o!, A!, v!));
      expect(calls).toBe(1);
      same(w, j);
      // against the definition, too
      expect(flatOf(w)).toEqual(flatOf(ops[1]!).map((x, i) => toDtype(x + ops[2]!.data[ops[2]!.offset + (i % n)]!, dtype)));
      const inPlace = [heapRandom([m, n], rng, dtype), heapRandom([n], rng, dtype)];
      same(...both(inPlace, 0, (A, v) => addRowVector(A!, A!, v!)).slice(0, 2) as [Tensor, Tensor]);
      const [a, b] = [heapRandom([m, n], rng, dtype), heapRandom([m, n], rng, dtype)];
      for (const [o, f] of [[0, (x: Tensor, y: Tensor) => add(x, x, y)], [1, (x: Tensor, y: Tensor) => add(y, x, y)]] as const) {
        const ops2 = [clone(a), clone(b)];
        const [w2, j2, c2] = both(ops2, o, (x, y) => f(x!, y!));
        expect(c2).toBe(1);
        same(w2, j2);
      }
    }
  });

  test('scale: bit for bit the JS products, every remainder, out = a', () => {
    const rng = new Rng(17);
    for (const [m, n] of PAIRS) {
      for (const s of [0.5, -3, 1]) {
        const ops = [heapRandom([m, n], rng, dtype), heapRandom([m, n], rng, dtype)];
        const [w, j, calls] = both(ops, 0, (o, a) => scale(o!, a!, s));
        expect(calls).toBe(1);
        expect(flatOf(w)).toEqual(flatOf(j));
        expect(flatOf(w)).toEqual(flatOf(ops[1]!).map((x) => toDtype(s * x, dtype))); // the definition
        const inPlace = [heapRandom([m, n], rng, dtype)];
        const [w2, j2] = both(inPlace, 0, (a) => scale(a!, a!, s));
        expect(flatOf(w2)).toEqual(flatOf(j2));
      }
    }
  });

  test('fill: every element, every remainder, +0 (one memory.fill), −0, NaN and other values', () => {
    const rng = new Rng(18);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 9, 17, 100]) {
      for (const value of [0, -0, NaN, 3.25, -Infinity]) {
        const big = heapRandom([n + 2], rng, dtype);
        const inside = new Tensor(big.data, [n], undefined, big.offset + 1); // neighbours on both sides
        const before = wasmKernelCalls();
        fill(inside, value);
        expect(wasmKernelCalls() - before).toBe(1);
        const all = flatOf(big);
        for (let i = 0; i < n; i++) expect(Object.is(all[i + 1], value)).toBe(true);
        expect([all[0], all[n + 1]]).toEqual([big.data[big.offset], big.data[big.offset + n + 1]]);
        expect(Number.isFinite(all[0]) && Number.isFinite(all[n + 1])).toBe(true); // untouched (random, finite)
      }
    }
  });

  test('copy: the same elements, small and large, at any offset; mixed dtypes convert in JS', () => {
    const rng = new Rng(19);
    for (const n of [0, 1, 3, 100, 257, 2500]) {
      const big = heapRandom([n + 2], rng, dtype);
      const a = heapRandom([n], rng, dtype);
      const inside = new Tensor(big.data, [n], undefined, big.offset + 1);
      const edges = [big.data[big.offset]!, big.data[big.offset + n + 1]!];
      const before = wasmKernelCalls();
      copy(inside, a);
      expect(wasmKernelCalls() - before).toBe(1);
      expect(flatOf(inside)).toEqual(flatOf(a));
      expect([big.data[big.offset], big.data[big.offset + n + 1]]).toEqual(edges);
    }
    const other = wasmZeros([5], dtype === 'float64' ? 'float32' : 'float64');
    const src = heapRandom([5], rng, dtype);
    const before = wasmKernelCalls();
    copy(other, src);
    expect(wasmKernelCalls()).toBe(before); // JS converts
    expect(flatOf(other)).toEqual(flatOf(src).map((x) => (other.dtype === 'float32' ? Math.fround(x) : x)));
  });

  test('colSums: out = Σ_rows A + β out, the rows added in the JS order', () => {
    const rng = new Rng(16);
    for (const m of [...SIZES, 25]) {
      for (const n of [0, 1, 3, 4, 6, 9, 17, 89]) {
        for (const beta of [0, 1, -0.5]) {
          const ops = [heapRandom([n], rng, dtype), heapRandom([m, n], rng, dtype)];
          const [w, j, calls] = both(ops, 0, (o, A) => colSums(o!, A!, beta));
          expect(calls).toBe(beta === 0 ? 2 : 1); // beta = 0 zeroes out first, in wasm too
          if (dtype === 'float64') expect(flatOf(w)).toEqual(flatOf(j));
          else expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
        }
      }
    }
  });

  test.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('gemm transA=%s transB=%s, with alpha and beta', (transA, transB) => {
    const rng = new Rng(14);
    // N covers each path of the register tiles: float32 tiles of 8 and 4 columns
    // (float64: 4 and 2), then single columns (12 = 8 + 4, 13, 17 = 8 + 8 + 1, 20 = 8 + 8 + 4)
    const dims = [0, 1, 3, 4, 5, 9];
    for (const M of dims) {
      for (const N of [...dims, 12, 13, 17, 20]) {
        for (const K of [...dims, 10]) {
          const a = heapRandom(transA ? [K, M] : [M, K], rng, dtype);
          const b = heapRandom(transB ? [N, K] : [K, N], rng, dtype);
          const c = heapRandom([M, N], rng, dtype);
          const [w, j, calls] = both([c, a, b], 0, (o, A, B) => gemm(o!, A!, B!, transA, transB, 0.5, -1.5));
          // Aᵀ Bᵀ has no wasm kernel; empty products return after scaling by beta.
          expect(calls).toBe(transA && transB ? 0 : K === 0 ? 0 : 1);
          expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
        }
      }
    }
  });
});

describe('wasm kernels: layout and larger shapes', () => {
  test('operands that start at any element (unaligned row views) and the report-sized 100×100 / 89×100', () => {
    const rng = new Rng(21);
    const X = heapRandom([3, 101], rng);
    const x = row(X, 1); // starts 101 elements in: 808 bytes, not 16-aligned
    for (const [m, n] of [[100, 101], [89, 101]] as const) {
      const A = heapRandom([m, n], rng);
      const [w, j, calls] = both([heapRandom([m], rng), A, x], 0, (o, A2, x2) => matvec(o!, A2!, x2!));
      expect(calls).toBe(1);
      expect(maxRelDiff(w, j)).toBeLessThanOrEqual(1e-12);
    }
    const C = heapRandom([25, 89], rng);
    const H = heapRandom([25, 100], rng);
    const V = heapRandom([89, 100], rng);
    const [w, j] = both([C, H, V], 0, (o, A, B) => gemm(o!, A!, B!, false, true));
    expect(maxRelDiff(w, j)).toBeLessThanOrEqual(1e-12);
  });

  test.each<[DType, number]>([
    ['float64', 1e-12],
    ['float32', 2e-5],
  ])('%s: every gemm case, matvec and matvecT on row views at odd offsets, report sizes 100×100 and 25×100×89', (dtype, tol) => {
    const rng = new Rng(23);
    // each operand a row of a bigger matrix, starting an odd number of elements in
    const view = (rows: number, cols: number): Tensor => {
      const big = heapRandom([3, rows * cols + 1], rng, dtype);
      const r = row(big, 1);
      return new Tensor(r.data, [rows, cols], [cols, 1], r.offset + 1);
    };
    const vec = (n: number): Tensor => {
      const v = view(1, n);
      return new Tensor(v.data, [n], [1], v.offset);
    };
    for (const [M, N, K] of [[100, 100, 100], [25, 89, 100], [7, 13, 11], [4, 20, 9]] as const) {
      for (const [transA, transB] of [[false, false], [false, true], [true, false]] as const) {
        const a = transA ? view(K, M) : view(M, K);
        const b = transB ? view(N, K) : view(K, N);
        const [w, j, calls] = both([view(M, N), a, b], 0, (o, A, B) => gemm(o!, A!, B!, transA, transB, 0.5, 1));
        expect(calls).toBe(1);
        expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
      }
      const x = vec(N);
      const [w, j] = both([vec(M), view(M, N), x], 0, (o, A, x2) => matvec(o!, A!, x2!, 1, 0.5));
      expect(maxRelDiff(w, j)).toBeLessThanOrEqual(tol);
      const [wT, jT] = both([vec(N), view(M, N), vec(M)], 0, (o, A, x2) => matvecT(o!, A!, x2!));
      expect(maxRelDiff(wT, jT)).toBeLessThanOrEqual(tol);
    }
  });

  test.each(['float64', 'float32'] as const)('%s: beta = 0 overwrites out without reading it (NaN in out does not leak)', (dtype) => {
    const rng = new Rng(22);
    const A = heapRandom([5, 7], rng, dtype);
    const x = heapRandom([7], rng, dtype);
    const out = wasmZeros([5], dtype);
    out.data.fill(NaN);
    matvec(out, A, x);
    expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
    const C = wasmZeros([5, 3], dtype);
    C.data.fill(NaN);
    gemm(C, A, heapRandom([3, 7], rng, dtype), false, true);
    expect(Array.from(C.data).every(Number.isFinite)).toBe(true);
    const outT = wasmZeros([7], dtype);
    outT.data.fill(NaN);
    matvecT(outT, A, heapRandom([5], rng, dtype));
    expect(Array.from(outT.data).every(Number.isFinite)).toBe(true);
  });
});

describe('wasm kernels keep the JS checks', () => {
  test('shape errors are thrown with the same messages', () => {
    const A = wasmZeros([3, 4]);
    expect(() => matvec(wasmZeros([3]), A, wasmZeros([5]))).toThrow('matvec: A is [3,4] but x has length 5');
    expect(() => matvecT(wasmZeros([3]), A, wasmZeros([3]))).toThrow('matvecT: A is [3,4] (Aᵀx has length 4) but out has length 3');
    expect(() => gemm(wasmZeros([3, 3]), A, wasmZeros([3, 3]))).toThrow('gemm: A is [3,4] but B is [3,3]');
    expect(() => addOuter(A, wasmZeros([4]), wasmZeros([4]))).toThrow('addOuter: A is [3,4] but x has length 4');
  });

  test('aliasing errors are thrown before any wasm work', () => {
    const A = wasmZeros([4, 4]);
    const before = wasmKernelCalls();
    expect(() => matvec(row(A, 0), A, row(A, 1))).toThrow('matvec: out must not share memory with A');
    expect(() => gemm(A, A, wasmZeros([4, 4]))).toThrow('gemm: out must not share memory with A');
    expect(() => addOuter(A, row(A, 2), wasmZeros([4]))).toThrow('addOuter: out must not share memory with x');
    expect(wasmKernelCalls()).toBe(before);
  });
});

describe('fallback to the JS kernels', () => {
  test('an operand off the heap: JS runs, same result; mixed dtypes throw', () => {
    const rng = new Rng(31);
    const A = heapRandom([6, 5], rng);
    const x = heapRandom([5], rng);
    const offHeap = plainCopy(x);
    expect(isWasmTensor(A)).toBe(true);
    expect(isWasmTensor(offHeap)).toBe(false);

    const expected = zeros([6]);
    setBackend('js');
    matvec(expected, plainCopy(A), offHeap);
    setBackend('wasm');

    const before = wasmKernelCalls();
    const out1 = wasmZeros([6]);
    matvec(out1, A, offHeap); // x not on the heap
    const out2 = new Tensor(new Float64Array(6), [6]);
    matvec(out2, A, x); // out not on the heap
    const x32 = heapRandom([5], rng, 'float32');
    expect(() => matvec(wasmZeros([6]), A, x32)).toThrow('matvec: A is float64 but x is float32'); // mixed dtypes: refused before either path
    expect(wasmKernelCalls()).toBe(before);
    expect(Array.from(out1.data)).toEqual(Array.from(expected.data));
    expect(Array.from(out2.data)).toEqual(Array.from(expected.data));

    setBackend('js');
    const out3 = wasmZeros([6]);
    matvec(out3, A, x); // all on the heap: wasm, whatever the allocation default
    setBackend('wasm');
    expect(wasmKernelCalls()).toBe(before + 1);
    expect(Math.max(...Array.from(out3.data, (v, i) => Math.abs(v - expected.data[i]!)))).toBeLessThanOrEqual(1e-12);
  });

  test('heap tensors work with every other kernel (they are ordinary typed arrays)', () => {
    const rng = new Rng(32);
    const t = heapRandom([2, 3], rng);
    const c = clone(t);
    expect(c.toArray()).toEqual(t.toArray());
  });
});

/** The reference: clipByValue then AdaGrad, as two plain loops over number arrays. */
function referenceClipAdagrad(theta: number[], g: number[], G: number[], lr: number, eps: number, limit: number): number {
  let clipped = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i]! > limit || g[i]! < -limit) clipped++;
    g[i] = Math.min(limit, Math.max(-limit, g[i]!));
  }
  for (let i = 0; i < g.length; i++) {
    if (g[i] === 0) continue;
    G[i]! += g[i]! * g[i]!;
    theta[i]! -= (lr * g[i]!) / Math.sqrt(G[i]! + eps);
  }
  return clipped;
}

describe('clipAdagradStep (fused clip + AdaGrad)', () => {
  test.each(['wasm', 'js'] as const)('equals clip + AdaGrad by plain loops (%s backend), all remainders', (backend) => {
    const rng = new Rng(41);
    for (const n of [0, 1, 2, 3, 5, 8, 27, 101]) {
      const place = (t: Tensor): Tensor => (backend === 'wasm' ? t : plainCopy(t));
      const theta = place(heapRandom([n], rng));
      const g = place(heapRandom([n], rng));
      for (let i = 0; i < n; i++) g.data[i]! *= 8; // many beyond ±5
      if (n > 2) g.data[2] = 0; // zero gradients leave θ unchanged
      const G = place(rng.fillUniform(wasmZeros([n]), 0, 3));
      const refTheta = Array.from(theta.data), refG = Array.from(g.data), refAcc = Array.from(G.data);
      const expectedCount = referenceClipAdagrad(refTheta, refG, refAcc, 0.1, 1e-8, 5);
      const before = wasmKernelCalls();
      const count = clipAdagradStep(theta, g, G, 0.1, 1e-8, 5);
      expect(wasmKernelCalls() - before).toBe(backend === 'wasm' ? 1 : 0);
      expect(count).toBe(expectedCount);
      for (let i = 0; i < n; i++) {
        expect(g.data[i]).toBe(refG[i]);
        expect(Math.abs(G.data[i]! - refAcc[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(refAcc[i]!)));
        expect(Math.abs(theta.data[i]! - refTheta[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(refTheta[i]!)));
      }
    }
  });

  test.each<DType>(['float64', 'float32'])('vectors of zero gradients (skipped in wasm) give what the JS loop gives, bit for bit (%s)', (dtype) => {
    const rng = new Rng(43);
    const n = 2 * 89 + 3; // zero pairs, lone zeros, −0, a NaN accumulator, a scalar tail
    const theta = heapRandom([n], rng, dtype);
    const g = heapRandom([n], rng, dtype);
    for (let i = 0; i < n; i++) if (i % 7 < 4) g.data[i] = 0; // runs of zeros cover whole vectors of either width
    g.data[5] = -0;
    g.data[40] = 9; // clipped
    const G = rng.fillUniform(wasmZeros([n], dtype), 0, 3);
    G.data[1] = NaN; // a zero gradient leaves even a NaN accumulator as it is
    const [t2, g2, G2] = [plainCopy(theta), plainCopy(g), plainCopy(G)];
    const count = clipAdagradStep(theta, g, G, 0.1, 1e-8, 5);
    expect(clipAdagradStep(t2, g2, G2, 0.1, 1e-8, 5)).toBe(count);
    if (dtype === 'float64') {
      for (const [w, j] of [[theta, t2], [g, g2], [G, G2]] as const) expect(flatOf(w)).toEqual(flatOf(j));
    } else expect(maxRelDiff(theta, t2)).toBeLessThanOrEqual(1e-6);
    expect(Object.is(g.data[5], -0) && Number.isNaN(G.data[1])).toBe(true);
  });

  test('float32 on the heap agrees with the float64 reference to float32 precision', () => {
    const rng = new Rng(42);
    const n = 37;
    const theta = heapRandom([n], rng, 'float32');
    const g = heapRandom([n], rng, 'float32');
    const G = wasmZeros([n], 'float32');
    G.data.fill(1);
    const refTheta = Array.from(theta.data), refG = Array.from(g.data), refAcc = Array.from(G.data);
    referenceClipAdagrad(refTheta, refG, refAcc, 0.1, 1e-8, 1.5);
    const before = wasmKernelCalls();
    clipAdagradStep(theta, g, G, 0.1, 1e-8, 1.5);
    expect(wasmKernelCalls() - before).toBe(1);
    for (let i = 0; i < n; i++) expect(Math.abs(theta.data[i]! - refTheta[i]!)).toBeLessThanOrEqual(1e-5);
  });

  test('NaN gradients stay NaN (the clip does not hide them); infinite limit means no clipping', () => {
    const theta = wasmZeros([3]);
    const g = wasmZeros([3]);
    g.data.set([NaN, 100, -100]);
    const G = wasmZeros([3]);
    expect(clipAdagradStep(theta, g, G, 0.1, 1e-8)).toBe(0);
    expect(Number.isNaN(g.data[0])).toBe(true);
    expect(Number.isNaN(theta.data[0])).toBe(true);
    expect(Array.from(g.data.subarray(1))).toEqual([100, -100]);
  });

  test.each(['wasm', 'js'] as const)('a zero gradient with eps = 0 and G = 0 leaves θ unchanged (%s)', (backend) => {
    const [theta, g, G] = withBackend(backend, () => [zeros([5]), zeros([5]), zeros([5])]);
    theta.data.set([1, 2, 3, 4, 5]);
    g.data.set([0, 0.5, 0, -0.5, 0]);
    const before = wasmKernelCalls();
    clipAdagradStep(theta, g, G, 0.1, 0, 5);
    expect(wasmKernelCalls() - before).toBe(backend === 'wasm' ? 1 : 0);
    expect(Array.from(theta.data)).toEqual([1, 2 - 0.1, 3, 4 + 0.1, 5]);
    expect(Array.from(G.data)).toEqual([0, 0.25, 0, 0.25, 0]);
  });

  test('bad arguments throw clear errors', () => {
    const a = wasmZeros([4]);
    const b = wasmZeros([4]);
    const c = wasmZeros([4]);
    expect(() => clipAdagradStep(a, wasmZeros([5]), c, 0.1, 1e-8, 5)).toThrow('clipAdagradStep: param is [4] but grad is [5]');
    expect(() => clipAdagradStep(a, b, b, 0.1, 1e-8, 5)).toThrow('clipAdagradStep: param, grad and accum must not share memory');
    expect(() => clipAdagradStep(a, b, c, NaN, 1e-8, 5)).toThrow('clipAdagradStep: lr must be a finite number, got NaN');
    expect(() => clipAdagradStep(a, b, c, 0.1, 1e-8, 0)).toThrow('clipAdagradStep: limit must be > 0');
  });
});

/**
 * Matrix kernels: matrix–vector, matrix–matrix and outer products.
 * Out-first, allocation-free, row-major; `out` must not share memory with an input.
 *
 * Loops are blocked by four rows: four independent accumulators (or four rows
 * read per pass over x) let the CPU overlap multiply-adds and halve the loads of x,
 * about 2× the GFLOP/s of the one-accumulator loop on a 100×100 float64 matrix.
 * The unrolled blocks repeat across kernels on purpose (speed); do not fold them into helpers.
 *
 * When the wasm kernels are loaded and every operand lives on the
 * WebAssembly heap, each kernel hands its work, after the same checks, to the
 * WebAssembly SIMD kernels (src/wasm/dispatch.ts); these loops are the fallback.
 */
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { wasmAddOuter, wasmFill, wasmGemmAcc, wasmMatvec, wasmMatvecTAcc } from '../wasm/dispatch.js';
import { checkLength, checkMatrix, checkNoAlias, checkSameDtype, fitsLength } from './check.js';

/**
 * out = alpha · A x + beta · out, with A [m, n], x of length n, out of length m.
 * With beta = 0 (the default) out is overwritten, never read. Returns out.
 */
export function matvec(out: Tensor, A: Tensor, x: Tensor, alpha = 1, beta = 0): Tensor {
  checkMatrix('matvec', 'A', A);
  const m = A.shape[0]!;
  const n = A.shape[1]!;
  if (!fitsLength(x, n)) checkLength('matvec', 'x', x, n, `A is ${formatShape(A.shape)}`);
  if (!fitsLength(out, m)) checkLength('matvec', 'out', out, m, `A is ${formatShape(A.shape)}`);
  checkSameDtype('matvec', 'A', A, 'x', x);
  checkSameDtype('matvec', 'A', A, 'out', out);
  checkNoAlias('matvec', 'A', out, A);
  checkNoAlias('matvec', 'x', out, x);
  if (wasmMatvec(out, A, x, alpha, beta)) return out;
  const a = A.data;
  const xd = x.data;
  const o = out.data;
  const ao = A.offset;
  const xo = x.offset;
  const oo = out.offset;
  let i = 0;
  // Eight rows per pass (eight accumulators, one load of x per eight
  // multiply-adds), then four, then one; every row sums in the same order.
  for (; i + 7 < m; i += 8) {
    const r0 = ao + i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const r4 = r3 + n;
    const r5 = r4 + n;
    const r6 = r5 + n;
    const r7 = r6 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let j = 0; j < n; j++) {
      const xj = xd[xo + j]!;
      s0 += a[r0 + j]! * xj;
      s1 += a[r1 + j]! * xj;
      s2 += a[r2 + j]! * xj;
      s3 += a[r3 + j]! * xj;
      s4 += a[r4 + j]! * xj;
      s5 += a[r5 + j]! * xj;
      s6 += a[r6 + j]! * xj;
      s7 += a[r7 + j]! * xj;
    }
    storeScaled(o, oo + i, alpha, beta, s0, s1, s2, s3);
    storeScaled(o, oo + i + 4, alpha, beta, s4, s5, s6, s7);
  }
  for (; i + 3 < m; i += 4) {
    const r0 = ao + i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const xj = xd[xo + j]!;
      s0 += a[r0 + j]! * xj;
      s1 += a[r1 + j]! * xj;
      s2 += a[r2 + j]! * xj;
      s3 += a[r3 + j]! * xj;
    }
    storeScaled(o, oo + i, alpha, beta, s0, s1, s2, s3);
  }
  for (; i < m; i++) {
    const r = ao + i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += a[r + j]! * xd[xo + j]!;
    o[oo + i] = beta === 0 ? alpha * s : alpha * s + beta * o[oo + i]!;
  }
  return out;
}

/** o[k + q] = alpha · s_q (+ beta · o[k + q] unless beta = 0, which never reads o) for q = 0..3. */
function storeScaled(o: Data, k: number, alpha: number, beta: number, s0: number, s1: number, s2: number, s3: number): void {
  if (beta === 0) {
    o[k] = alpha * s0;
    o[k + 1] = alpha * s1;
    o[k + 2] = alpha * s2;
    o[k + 3] = alpha * s3;
  } else {
    o[k] = alpha * s0 + beta * o[k]!;
    o[k + 1] = alpha * s1 + beta * o[k + 1]!;
    o[k + 2] = alpha * s2 + beta * o[k + 2]!;
    o[k + 3] = alpha * s3 + beta * o[k + 3]!;
  }
}

/**
 * out = alpha · Aᵀ x + beta · out, with A [m, n], x of length m, out of length n.
 * Reads A row by row (no transposed copy). Returns out.
 */
export function matvecT(out: Tensor, A: Tensor, x: Tensor, alpha = 1, beta = 0): Tensor {
  checkMatrix('matvecT', 'A', A);
  const m = A.shape[0]!;
  const n = A.shape[1]!;
  if (!fitsLength(x, m)) checkLength('matvecT', 'x', x, m, `A is ${formatShape(A.shape)} (Aᵀx needs x of length ${m})`);
  if (!fitsLength(out, n)) checkLength('matvecT', 'out', out, n, `A is ${formatShape(A.shape)} (Aᵀx has length ${n})`);
  checkSameDtype('matvecT', 'A', A, 'x', x);
  checkSameDtype('matvecT', 'A', A, 'out', out);
  checkNoAlias('matvecT', 'A', out, A);
  checkNoAlias('matvecT', 'x', out, x);
  const a = A.data;
  const xd = x.data;
  const o = out.data;
  const ao = A.offset;
  const xo = x.offset;
  const oo = out.offset;
  scaleInPlace(out, beta);
  if (wasmMatvecTAcc(out, A, x, alpha)) return out;
  let i = 0;
  // Eight rows per pass load and store out once, yet add exactly as two passes
  // of four rows ((out + rows 0–3) + rows 4–7), as the wasm kernel does.
  for (; i + 7 < m; i += 8) {
    const r0 = ao + i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const r4 = r3 + n;
    const r5 = r4 + n;
    const r6 = r5 + n;
    const r7 = r6 + n;
    const x0 = alpha * xd[xo + i]!;
    const x1 = alpha * xd[xo + i + 1]!;
    const x2 = alpha * xd[xo + i + 2]!;
    const x3 = alpha * xd[xo + i + 3]!;
    const x4 = alpha * xd[xo + i + 4]!;
    const x5 = alpha * xd[xo + i + 5]!;
    const x6 = alpha * xd[xo + i + 6]!;
    const x7 = alpha * xd[xo + i + 7]!;
    for (let j = 0; j < n; j++) {
      o[oo + j] =
        o[oo + j]! +
        (a[r0 + j]! * x0 + a[r1 + j]! * x1 + a[r2 + j]! * x2 + a[r3 + j]! * x3) +
        (a[r4 + j]! * x4 + a[r5 + j]! * x5 + a[r6 + j]! * x6 + a[r7 + j]! * x7);
    }
  }
  for (; i + 3 < m; i += 4) {
    const r0 = ao + i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    const x0 = alpha * xd[xo + i]!;
    const x1 = alpha * xd[xo + i + 1]!;
    const x2 = alpha * xd[xo + i + 2]!;
    const x3 = alpha * xd[xo + i + 3]!;
    for (let j = 0; j < n; j++) {
      o[oo + j]! += a[r0 + j]! * x0 + a[r1 + j]! * x1 + a[r2 + j]! * x2 + a[r3 + j]! * x3;
    }
  }
  for (; i < m; i++) {
    const r = ao + i * n;
    const xi = alpha * xd[xo + i]!;
    for (let j = 0; j < n; j++) o[oo + j]! += a[r + j]! * xi;
  }
  return out;
}

/**
 * General matrix product (BLAS gemm): out = alpha · op(A) op(B) + beta · out,
 * where op(X) is X or Xᵀ by the flags. op(A) is [M, K], op(B) is [K, N], out is [M, N].
 * With beta = 0 out is overwritten (NaN in out does not leak through). Returns out.
 */
export function gemm(out: Tensor, A: Tensor, B: Tensor, transA = false, transB = false, alpha = 1, beta = 0): Tensor {
  checkMatrix('gemm', 'A', A);
  checkMatrix('gemm', 'B', B);
  checkMatrix('gemm', 'out', out);
  const M = transA ? A.shape[1]! : A.shape[0]!;
  const K = transA ? A.shape[0]! : A.shape[1]!;
  const KB = transB ? B.shape[1]! : B.shape[0]!;
  const N = transB ? B.shape[0]! : B.shape[1]!;
  if (K !== KB || out.shape[0] !== M || out.shape[1] !== N) {
    // messages built only on failure: gemm runs per training step
    const opA = `A${transA ? 'ᵀ' : ''} is [${M},${K}]`;
    const opB = `B${transB ? 'ᵀ' : ''} is [${KB},${N}]`;
    if (K !== KB) throw new Error(`gemm: ${opA} but ${opB}`);
    throw new Error(`gemm: ${opA} and ${opB}, so out must be [${M},${N}], got ${formatShape(out.shape)}`);
  }
  checkSameDtype('gemm', 'A', A, 'B', B);
  checkSameDtype('gemm', 'A', A, 'out', out);
  checkNoAlias('gemm', 'A', out, A);
  checkNoAlias('gemm', 'B', out, B);
  const a = A.data;
  const b = B.data;
  const c = out.data;
  const ao = A.offset;
  const bo = B.offset;
  const co = out.offset;
  scaleInPlace(out, beta);
  if (K === 0 || alpha === 0) return out;
  if (wasmGemmAcc(out, A, B, transA, transB, M, N, K, alpha)) return out;
  // One function per layout: each is optimised for the shapes it sees, and a
  // layout used for the first time does not throw the others' code away.
  if (!transB) gemmStreamingB(c, co, a, ao, b, bo, M, N, K, transA, alpha);
  else if (!transA) gemmRowDots(c, co, a, ao, b, bo, M, N, K, alpha);
  else gemmBothTransposed(c, co, a, ao, b, bo, M, N, K, alpha);
  return out;
}

/** Elements of a tensor's storage. */
type Data = Tensor['data'];

/** c += alpha · op(A) B for B [K, N] untransposed (op(A) = A or Aᵀ by `transA`); the JavaScript path of {@link gemm}. */
function gemmStreamingB(c: Data, co: number, a: Data, ao: number, b: Data, bo: number, M: number, N: number, K: number, transA: boolean, alpha: number): void {
  // out[i,:] += Σ_k op(A)[i,k] · B[k,:], four k at a time: streams rows of B.
  // op(A)[i,k] sits at A[i*K + k], or A[k*M + i] when transposed.
  // Four rows of out per pass share every load of B (about 1.4× the speed of
  // two rows); each element still sums the same terms in the same order.
  const aRow = transA ? 1 : K;
  const aCol = transA ? M : 1;
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const c0 = co + i * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    const p = ao + i * aRow;
    const q = p + aRow;
    const r = q + aRow;
    const s = r + aRow;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const k0 = k * aCol;
      const k1 = k0 + aCol;
      const k2 = k1 + aCol;
      const k3 = k2 + aCol;
      const p0 = alpha * a[p + k0]!, p1 = alpha * a[p + k1]!, p2 = alpha * a[p + k2]!, p3 = alpha * a[p + k3]!;
      const q0 = alpha * a[q + k0]!, q1 = alpha * a[q + k1]!, q2 = alpha * a[q + k2]!, q3 = alpha * a[q + k3]!;
      const r0 = alpha * a[r + k0]!, r1 = alpha * a[r + k1]!, r2 = alpha * a[r + k2]!, r3 = alpha * a[r + k3]!;
      const s0 = alpha * a[s + k0]!, s1 = alpha * a[s + k1]!, s2 = alpha * a[s + k2]!, s3 = alpha * a[s + k3]!;
      const b0 = bo + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        const v0 = b[b0 + j]!;
        const v1 = b[b1 + j]!;
        const v2 = b[b2 + j]!;
        const v3 = b[b3 + j]!;
        c[c0 + j]! += p0 * v0 + p1 * v1 + p2 * v2 + p3 * v3;
        c[c1 + j]! += q0 * v0 + q1 * v1 + q2 * v2 + q3 * v3;
        c[c2 + j]! += r0 * v0 + r1 * v1 + r2 * v2 + r3 * v3;
        c[c3 + j]! += s0 * v0 + s1 * v1 + s2 * v2 + s3 * v3;
      }
    }
    for (; k < K; k++) {
      const pk = alpha * a[p + k * aCol]!;
      const qk = alpha * a[q + k * aCol]!;
      const rk = alpha * a[r + k * aCol]!;
      const sk = alpha * a[s + k * aCol]!;
      const bk = bo + k * N;
      for (let j = 0; j < N; j++) {
        const v = b[bk + j]!;
        c[c0 + j]! += pk * v;
        c[c1 + j]! += qk * v;
        c[c2 + j]! += rk * v;
        c[c3 + j]! += sk * v;
      }
    }
  }
  for (; i < M; i++) {
    const ci = co + i * N;
    const ai = ao + i * aRow;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const a0 = alpha * a[ai + k * aCol]!;
      const a1 = alpha * a[ai + (k + 1) * aCol]!;
      const a2 = alpha * a[ai + (k + 2) * aCol]!;
      const a3 = alpha * a[ai + (k + 3) * aCol]!;
      const b0 = bo + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        c[ci + j]! += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
      }
    }
    for (; k < K; k++) {
      const ak = alpha * a[ai + k * aCol]!;
      const bk = bo + k * N;
      for (let j = 0; j < N; j++) c[ci + j]! += ak * b[bk + j]!;
    }
  }
}

/** c += alpha · A Bᵀ for A [M, K], B [N, K]; the JavaScript path of {@link gemm}. */
function gemmRowDots(c: Data, co: number, a: Data, ao: number, b: Data, bo: number, M: number, N: number, K: number, alpha: number): void {
  // out[i,j] += A[i,:] · B[j,:]: dot products of rows, two rows of A times
  // four rows of B per pass (eight accumulators: 6 loads per 8 multiply-adds).
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const p = ao + i * K;
    const q = p + K;
    const c0 = co + i * N;
    const c1 = c0 + N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bo + j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[p + k]!;
        const y = a[q + k]!;
        const v0 = b[b0 + k]!;
        const v1 = b[b1 + k]!;
        const v2 = b[b2 + k]!;
        const v3 = b[b3 + k]!;
        s0 += x * v0;
        s1 += x * v1;
        s2 += x * v2;
        s3 += x * v3;
        t0 += y * v0;
        t1 += y * v1;
        t2 += y * v2;
        t3 += y * v3;
      }
      c[c0 + j]! += alpha * s0;
      c[c0 + j + 1]! += alpha * s1;
      c[c0 + j + 2]! += alpha * s2;
      c[c0 + j + 3]! += alpha * s3;
      c[c1 + j]! += alpha * t0;
      c[c1 + j + 1]! += alpha * t1;
      c[c1 + j + 2]! += alpha * t2;
      c[c1 + j + 3]! += alpha * t3;
    }
    for (; j < N; j++) {
      const bj = bo + j * K;
      let s = 0;
      let t = 0;
      for (let k = 0; k < K; k++) {
        const v = b[bj + k]!;
        s += a[p + k]! * v;
        t += a[q + k]! * v;
      }
      c[c0 + j]! += alpha * s;
      c[c1 + j]! += alpha * t;
    }
  }
  for (; i < M; i++) {
    const ai = ao + i * K;
    const ci = co + i * N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bo + j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[ai + k]!;
        s0 += av * b[b0 + k]!;
        s1 += av * b[b1 + k]!;
        s2 += av * b[b2 + k]!;
        s3 += av * b[b3 + k]!;
      }
      c[ci + j]! += alpha * s0;
      c[ci + j + 1]! += alpha * s1;
      c[ci + j + 2]! += alpha * s2;
      c[ci + j + 3]! += alpha * s3;
    }
    for (; j < N; j++) {
      const bj = bo + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ai + k]! * b[bj + k]!;
      c[ci + j]! += alpha * s;
    }
  }
}

/** c += alpha · Aᵀ Bᵀ for A [K, M], B [N, K]; the JavaScript path of {@link gemm}. */
function gemmBothTransposed(c: Data, co: number, a: Data, ao: number, b: Data, bo: number, M: number, N: number, K: number, alpha: number): void {
  // out[i,j] += Σ_k A[k,i] · B[j,k]. Rare; kept simple.
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ao + k * M + i]! * b[bo + j * K + k]!;
      c[co + i * N + j]! += alpha * s;
    }
  }
}

/** out = A B for A [M, K] and B [K, N]; out is [M, N]. Shorthand for `gemm(out, A, B)`. */
export function matmul(out: Tensor, A: Tensor, B: Tensor): Tensor {
  return gemm(out, A, B);
}

/**
 * Outer-product accumulate (BLAS ger): A += alpha · x yᵀ, with A [m, n],
 * x of length m, y of length n. A must not share memory with x or y. Returns A.
 */
export function addOuter(A: Tensor, x: Tensor, y: Tensor, alpha = 1): Tensor {
  checkMatrix('addOuter', 'A', A);
  const m = A.shape[0]!;
  const n = A.shape[1]!;
  if (!fitsLength(x, m)) checkLength('addOuter', 'x', x, m, `A is ${formatShape(A.shape)}`);
  if (!fitsLength(y, n)) checkLength('addOuter', 'y', y, n, `A is ${formatShape(A.shape)}`);
  checkSameDtype('addOuter', 'A', A, 'x', x);
  checkSameDtype('addOuter', 'A', A, 'y', y);
  checkNoAlias('addOuter', 'x', A, x);
  checkNoAlias('addOuter', 'y', A, y);
  if (wasmAddOuter(A, x, y, alpha)) return A;
  const a = A.data;
  const xd = x.data;
  const yd = y.data;
  const ao = A.offset;
  const xo = x.offset;
  const yo = y.offset;
  // Four rows per pass over y: each load of y feeds four updates (about 2× faster).
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const x0 = alpha * xd[xo + i]!;
    const x1 = alpha * xd[xo + i + 1]!;
    const x2 = alpha * xd[xo + i + 2]!;
    const x3 = alpha * xd[xo + i + 3]!;
    const r0 = ao + i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let j = 0; j < n; j++) {
      const yj = yd[yo + j]!;
      a[r0 + j]! += x0 * yj;
      a[r1 + j]! += x1 * yj;
      a[r2 + j]! += x2 * yj;
      a[r3 + j]! += x3 * yj;
    }
  }
  for (; i < m; i++) {
    const xi = alpha * xd[xo + i]!;
    const r = ao + i * n;
    for (let j = 0; j < n; j++) a[r + j]! += xi * yd[yo + j]!;
  }
  return A;
}

/** out *= beta (contiguous out), with beta = 0 writing zeros (BLAS semantics: NaN does not survive). */
function scaleInPlace(out: Tensor, beta: number): void {
  if (beta === 1) return;
  const data = out.data;
  const o = out.offset;
  const n = out.size;
  if (beta === 0) {
    if (!wasmFill(out, 0)) data.fill(0, o, o + n);
    return;
  }
  for (let i = 0; i < n; i++) data[o + i]! *= beta;
}

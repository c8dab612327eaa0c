/**
 * Kernel micro-benchmark for @weft/tensor: GFLOP/s of the matrix kernels
 * (matvec, matvecT, addOuter, gemm NN/NT) at 100×100 and 80×100 float64 and
 * at 100×100 float32,
 * ns per call and per element of exp, tanh, sigmoid and softmax on length 100
 * (float64 and float32) and of softmax on the char-RNN's logits [25, 89], and
 * a naive one-accumulator matvec as the reference the 4-row blocking is
 * measured against. Which backend runs follows from where the operands live:
 * run it once in withBackend('js', …) and once in withBackend('wasm', …).
 *
 * Method: warm up (so the JIT has optimised the kernel), size a batch to take
 * about `batchMs`, time ≥ 5 batches and report the median batch. A benchmark,
 * never a test: numbers depend on the machine and its load. Every kernel
 * writes into a typed array that outlives the loop, so the JIT cannot drop calls.
 */
import { addOuter, exp, gemm, matvec, matvecT, randn, Rng, sigmoid, softmax, tanh, zeros, type LogSumExp } from '@weft/tensor';

/** One measured kernel. */
export interface KernelRow {
  /** Kernel name as printed, e.g. `matvec`, `gemm NT`, `matvec (naive, 1 accumulator)`. */
  kernel: string;
  /** Operand shapes, e.g. `A[80,100] x[100]`. */
  shape: string;
  /** Floating-point operations per call (multiply and add counted separately); null for the elementwise kernels. */
  flopsPerCall: number | null;
  /** Elements per call of the elementwise kernels (exp, tanh, sigmoid, softmax); null for the matrix kernels. */
  elementsPerCall: number | null;
  /** Median time per call over the timed batches, in nanoseconds. */
  nsPerCall: number;
  /** flopsPerCall / nsPerCall (GFLOP/s); null when flopsPerCall is null. */
  gflops: number | null;
  /** nsPerCall / elementsPerCall; null when elementsPerCall is null. */
  nsPerElement: number | null;
  /** Number of timed batches the median is taken over. */
  batches: number;
  /** Calls per timed batch. */
  callsPerBatch: number;
}

/** Options for {@link runKernelBench}. */
export interface KernelBenchOptions {
  /** Shorter warm-up and ~10 ms batches: a smoke run, noisier numbers. */
  quick?: boolean;
}

/**
 * Times `fn` (one kernel call): warm-up, then `batches` batches of about
 * `batchMs` each; returns the median ns per call and the batch size used.
 */
function measure(fn: () => void, batchMs: number, warmupMs: number, batches: number): { nsPerCall: number; calls: number } {
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) for (let i = 0; i < 64; i++) fn();
  // Size the batch: double until a run takes ≥ 2 ms, then scale to batchMs.
  let calls = 1;
  let elapsed = 0;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    elapsed = performance.now() - t0;
    if (elapsed >= 2) break;
    calls *= 2;
  }
  calls = Math.max(1, Math.round((calls * batchMs) / elapsed));
  const perCall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0);
    perCall.push(ns / calls);
  }
  perCall.sort((x, y) => x - y);
  const mid = perCall.length >> 1;
  const nsPerCall = perCall.length % 2 ? perCall[mid]! : (perCall[mid - 1]! + perCall[mid]!) / 2;
  return { nsPerCall, calls };
}

/**
 * The obvious matvec: one accumulator per row, straight over raw arrays
 * (no argument checks). The reference the blocked kernel should beat.
 */
function naiveMatvec(out: Float64Array, a: Float64Array, x: Float64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    let s = 0;
    const r = i * n;
    for (let j = 0; j < n; j++) s += a[r + j]! * x[j]!;
    out[i] = s;
  }
}

interface Case {
  kernel: string;
  shape: string;
  flopsPerCall: number | null;
  elementsPerCall?: number;
  run: () => void;
}

/** The benchmark cases; every operand is allocated here, once, so the timed calls allocate nothing. */
function cases(rng: Rng): Case[] {
  const list: Case[] = [];
  // float64 at both shapes, with the naive reference; float32 (f32x4 in wasm: four lanes, not two) at 100×100.
  for (const [m, n, dtype] of [
    [100, 100, 'float64'],
    [80, 100, 'float64'],
    [100, 100, 'float32'],
  ] as const) {
    const A = randn([m, n], rng, 0, 1, dtype);
    const xn = randn([n], rng, 0, 1, dtype);
    const xm = randn([m], rng, 0, 1, dtype);
    const outM = zeros([m], dtype);
    const outN = zeros([n], dtype);
    const B = randn([n, n], rng, 0, 1, dtype); // [K, N] for NN and [N, K] for NT, K = N = n
    const C = zeros([m, n], dtype);
    const mn = `A[${m},${n}]`;
    const suffix = dtype === 'float64' ? '' : ' float32';
    list.push({ kernel: 'matvec', shape: `${mn} x[${n}]${suffix}`, flopsPerCall: 2 * m * n, run: () => void matvec(outM, A, xn) });
    if (dtype === 'float64') {
      const naiveOut = new Float64Array(m);
      list.push({
        kernel: 'matvec (naive, 1 accumulator)',
        shape: `${mn} x[${n}]`,
        flopsPerCall: 2 * m * n,
        run: () => naiveMatvec(naiveOut, A.data as Float64Array, xn.data as Float64Array, m, n),
      });
      // Guard: the naive reference must compute the same thing as the kernel.
      matvec(outM, A, xn);
      naiveMatvec(naiveOut, A.data as Float64Array, xn.data as Float64Array, m, n);
      for (let i = 0; i < m; i++) {
        if (Math.abs(naiveOut[i]! - outM.data[i]!) > 1e-9 * Math.max(1, Math.abs(naiveOut[i]!))) {
          throw new Error(`kernel bench: matvec and the naive reference disagree at row ${i}`);
        }
      }
    }
    list.push(
      { kernel: 'matvecT', shape: `${mn}ᵀ x[${m}]${suffix}`, flopsPerCall: 2 * m * n, run: () => void matvecT(outN, A, xm) },
      // alpha is tiny so repeated accumulation keeps A's values (and the timing) stable.
      { kernel: 'addOuter', shape: `${mn} += x[${m}] y[${n}]ᵀ${suffix}`, flopsPerCall: 2 * m * n, run: () => void addOuter(A, xm, xn, 1e-12) },
      { kernel: 'gemm NN', shape: `${mn}·B[${n},${n}]${suffix}`, flopsPerCall: 2 * m * n * n, run: () => void gemm(C, A, B) },
      { kernel: 'gemm NT', shape: `${mn}·B[${n},${n}]ᵀ${suffix}`, flopsPerCall: 2 * m * n * n, run: () => void gemm(C, A, B, false, true) },
    );
  }
  // The elementwise kernels on a hidden layer's worth of values (N(0, 2²): both
  // of tanh's regimes), float64 then float32; softmax also on T = 25 rows of
  // K = 89 logits with the log-normaliser, as SoftmaxCrossEntropy calls it.
  for (const dtype of ['float64', 'float32'] as const) {
    const v = randn([100], rng, 0, 2, dtype);
    const out = zeros([100], dtype);
    const suffix = dtype === 'float64' ? '' : ' float32';
    list.push(
      { kernel: 'exp', shape: `[100]${suffix}`, flopsPerCall: null, elementsPerCall: 100, run: () => void exp(out, v) },
      { kernel: 'tanh', shape: `[100]${suffix}`, flopsPerCall: null, elementsPerCall: 100, run: () => void tanh(out, v) },
      { kernel: 'sigmoid', shape: `[100]${suffix}`, flopsPerCall: null, elementsPerCall: 100, run: () => void sigmoid(out, v) },
      { kernel: 'softmax', shape: `[100]${suffix}`, flopsPerCall: null, elementsPerCall: 100, run: () => void softmax(out, v) },
    );
    const logits = randn([25, 89], rng, 0, 2, dtype);
    const probs = zeros([25, 89], dtype);
    const lse: LogSumExp = { max: zeros([25], dtype), logSum: zeros([25], dtype) };
    list.push({
      kernel: 'softmax (+ max, log Σ)',
      shape: `[25,89]${suffix}`,
      flopsPerCall: null,
      elementsPerCall: 25 * 89,
      run: () => void softmax(probs, logits, lse),
    });
  }
  return list;
}

/**
 * Runs the kernel benchmark and returns one row per case (the caller reports
 * them). Takes a few seconds (well under a second with `quick`).
 */
export function runKernelBench(options: KernelBenchOptions = {}): KernelRow[] {
  const batchMs = options.quick ? 10 : 50;
  const warmupMs = options.quick ? 20 : 200;
  const batches = options.quick ? 5 : 7;
  const rows: KernelRow[] = [];
  for (const c of cases(new Rng(2024))) {
    const { nsPerCall, calls } = measure(c.run, batchMs, warmupMs, batches);
    rows.push({
      kernel: c.kernel,
      shape: c.shape,
      flopsPerCall: c.flopsPerCall,
      elementsPerCall: c.elementsPerCall ?? null,
      nsPerCall,
      gflops: c.flopsPerCall === null ? null : c.flopsPerCall / nsPerCall,
      nsPerElement: c.elementsPerCall === undefined ? null : nsPerCall / c.elementsPerCall,
      batches,
      callsPerBatch: calls,
    });
  }
  return rows;
}

/**
 * The plain-JavaScript reference: the report's char-RNN training update
 * written by hand on Float64Arrays, with no framework: min-char-rnn's
 * forward/backward, clip to ±limit, AdaGrad. Matrix–vector products are
 * blocked by four rows (four accumulators, or four rows per pass over the
 * output), the same trick as @weft/tensor's JS kernels, so the comparison
 * measures what weft's abstractions cost, not a worse loop.
 *
 * Shapes (the report's): U [m,K], W [m,m], V [K,m], b [m], c [K]; batch 1.
 */

/** out[i] = Σ_j A[i,j] x[j] + bias[i] (A [rows, cols] row-major). */
function matvecBias(out: Float64Array, A: Float64Array, x: Float64Array, bias: Float64Array, rows: number, cols: number): void {
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < cols; j++) {
      const xj = x[j]!;
      s0 += A[r0 + j]! * xj;
      s1 += A[r1 + j]! * xj;
      s2 += A[r2 + j]! * xj;
      s3 += A[r3 + j]! * xj;
    }
    out[i] = s0 + bias[i]!;
    out[i + 1] = s1 + bias[i + 1]!;
    out[i + 2] = s2 + bias[i + 2]!;
    out[i + 3] = s3 + bias[i + 3]!;
  }
  for (; i < rows; i++) {
    const r = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += A[r + j]! * x[j]!;
    out[i] = s + bias[i]!;
  }
}

/** out[j] += Σ_i A[i,j] x[i] (Aᵀx accumulated; A [rows, cols]). */
function matvecTAdd(out: Float64Array, A: Float64Array, x: Float64Array, rows: number, cols: number): void {
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
    const x0 = x[i]!, x1 = x[i + 1]!, x2 = x[i + 2]!, x3 = x[i + 3]!;
    for (let j = 0; j < cols; j++) out[j]! += A[r0 + j]! * x0 + A[r1 + j]! * x1 + A[r2 + j]! * x2 + A[r3 + j]! * x3;
  }
  for (; i < rows; i++) {
    const r = i * cols;
    const xi = x[i]!;
    for (let j = 0; j < cols; j++) out[j]! += A[r + j]! * xi;
  }
}

/** A[i,j] += x[i] y[j] (A [rows, cols]), four rows per pass over y. */
function outerAdd(A: Float64Array, x: Float64Array, y: Float64Array, rows: number, cols: number): void {
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    const r0 = i * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
    const x0 = x[i]!, x1 = x[i + 1]!, x2 = x[i + 2]!, x3 = x[i + 3]!;
    for (let j = 0; j < cols; j++) {
      const yj = y[j]!;
      A[r0 + j]! += x0 * yj;
      A[r1 + j]! += x1 * yj;
      A[r2 + j]! += x2 * yj;
      A[r3 + j]! += x3 * yj;
    }
  }
  for (; i < rows; i++) {
    const xi = x[i]!;
    const r = i * cols;
    for (let j = 0; j < cols; j++) A[r + j]! += xi * y[j]!;
  }
}

/** Options of {@link PlainRnn}. */
export interface PlainRnnOptions {
  vocabSize: number;
  hidden: number;
  seqLength: number;
  /** Seed of the weights' normal draws (a small local generator; the values do not matter for speed). */
  seed?: number;
  lr?: number;
  eps?: number;
  clip?: number;
}

/** The report's vanilla RNN with its AdaGrad training update, on plain typed arrays. */
export class PlainRnn {
  readonly K: number;
  readonly m: number;
  readonly T: number;
  private readonly lr: number;
  private readonly eps: number;
  private readonly limit: number;
  // parameters, gradients and AdaGrad memories, in the order U, W, V, b, c
  private readonly params: Float64Array[];
  private readonly grads: Float64Array[];
  private readonly memory: Float64Array[];
  // per-step caches: hs[t] is h_t for t = 0..T (hs[0] = carried state), ps[t] the softmax
  private readonly hs: Float64Array[];
  private readonly ps: Float64Array[];
  private readonly dh: Float64Array;
  private readonly da: Float64Array;
  private readonly dhNext: Float64Array;

  /** Allocates everything once; `update()` then allocates nothing. */
  constructor(options: PlainRnnOptions) {
    const { vocabSize: K, hidden: m, seqLength: T } = options;
    this.K = K;
    this.m = m;
    this.T = T;
    this.lr = options.lr ?? 0.1;
    this.eps = options.eps ?? 1e-8;
    this.limit = options.clip ?? 5;
    const sizes = [m * K, m * m, K * m, m, K];
    this.params = sizes.map((n) => new Float64Array(n));
    this.grads = sizes.map((n) => new Float64Array(n));
    this.memory = sizes.map((n) => new Float64Array(n));
    let state = (options.seed ?? 1) >>> 0 || 1;
    const uniform = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return ((state >>> 0) + 0.5) / 4294967296;
    };
    for (let p = 0; p < 3; p++) {
      const w = this.params[p]!;
      for (let i = 0; i < w.length; i++) w[i] = 0.01 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    }
    this.hs = Array.from({ length: T + 1 }, () => new Float64Array(m));
    this.ps = Array.from({ length: T }, () => new Float64Array(K));
    this.dh = new Float64Array(m);
    this.da = new Float64Array(m);
    this.dhNext = new Float64Array(m);
  }

  /** The live parameter arrays U, W, V, b, c (row-major), e.g. to load weights into. */
  parameters(): Float64Array[] {
    return this.params;
  }

  /** h = 0 (start of the text). */
  resetState(): void {
    this.hs[0]!.fill(0);
  }

  /**
   * One training update on `inputs`/`targets` (T ids each): forward, BPTT,
   * clip every gradient to ±limit, AdaGrad. Carries h_T into the next call.
   * Returns the loss summed over the T steps.
   */
  update(inputs: Int32Array, targets: Int32Array): number {
    const { K, m, T, hs, ps } = this;
    const [U, W, V, b, c] = this.params as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const [dU, dW, dV, db, dc] = this.grads as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const h = hs[t + 1]!;
      matvecBias(h, W, hs[t]!, b, m, m);
      const x = inputs[t]!;
      for (let i = 0; i < m; i++) h[i] = Math.tanh(h[i]! + U[i * K + x]!);
      const p = ps[t]!;
      matvecBias(p, V, h, c, K, m);
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (p[k]! > max) max = p[k]!;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(p[k]! - max);
        p[k] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let k = 0; k < K; k++) p[k]! *= inv;
      loss -= Math.log(p[targets[t]!]!);
    }
    for (const g of this.grads) g.fill(0);
    const { dh, da, dhNext } = this;
    dhNext.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const dy = ps[t]!; // the softmax output becomes dy = p - onehot(y) in place
      dy[targets[t]!]! -= 1;
      const h = hs[t + 1]!;
      outerAdd(dV, dy, h, K, m);
      for (let k = 0; k < K; k++) dc[k]! += dy[k]!;
      dh.set(dhNext);
      matvecTAdd(dh, V, dy, K, m);
      for (let i = 0; i < m; i++) da[i] = (1 - h[i]! * h[i]!) * dh[i]!;
      for (let i = 0; i < m; i++) db[i]! += da[i]!;
      const x = inputs[t]!;
      for (let i = 0; i < m; i++) dU[i * K + x]! += da[i]!;
      outerAdd(dW, da, hs[t]!, m, m);
      dhNext.fill(0);
      matvecTAdd(dhNext, W, da, m, m);
    }
    hs[0]!.set(hs[T]!);
    const { lr, eps, limit } = this;
    for (let p = 0; p < 5; p++) {
      const w = this.params[p]!, g = this.grads[p]!, mem = this.memory[p]!;
      for (let i = 0; i < w.length; i++) {
        let gi = g[i]!;
        gi = gi > limit ? limit : gi < -limit ? -limit : gi;
        const acc = mem[i]! + gi * gi;
        mem[i] = acc;
        w[i]! -= (lr * gi) / Math.sqrt(acc + eps);
      }
    }
    return loss;
  }
}

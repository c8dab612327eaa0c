/**
 * A straightforward char-RNN written from the report's equations with plain
 * loops over plain arrays, for one batch of B independent sequences:
 *
 *   a_t = W h_{t−1} + U x_t + b,  h_t = tanh(a_t),  o_t = V h_t + c,  p_t = softmax(o_t),
 *   loss = (1/B) Σ_b Σ_t −log p_t[y_t].
 */
export interface Weights {
  U: number[][]; // [m][K]
  W: number[][]; // [m][m]
  V: number[][]; // [K][m]
  b: number[]; // [m]
  c: number[]; // [K]
}

export interface ReferenceResult {
  loss: number;
  grads: Weights;
  /** h_T per batch row. */
  hT: number[][];
  /** p_t per step and batch row. */
  probs: number[][][];
}

const zerosMatrix = (r: number, c: number): number[][] => Array.from({ length: r }, () => new Array<number>(c).fill(0));

export function referenceCharRnn(w: Weights, inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number, h0: number[][]): ReferenceResult {
  const m = w.W.length;
  const K = w.V.length;
  const T = inputs.length / batch;
  const grads: Weights = { U: zerosMatrix(m, K), W: zerosMatrix(m, m), V: zerosMatrix(K, m), b: new Array(m).fill(0), c: new Array(K).fill(0) };
  let loss = 0;
  const hT: number[][] = [];
  const probs: number[][][] = Array.from({ length: T }, () => []);
  for (let bi = 0; bi < batch; bi++) {
    const hs: number[][] = [h0[bi]!.slice()];
    const ps: number[][] = [];
    for (let t = 0; t < T; t++) {
      const x = inputs[t * batch + bi]!;
      const hPrev = hs[t]!;
      const h = new Array<number>(m);
      for (let i = 0; i < m; i++) {
        let a = w.b[i]! + w.U[i]![x]!;
        for (let j = 0; j < m; j++) a += w.W[i]![j]! * hPrev[j]!;
        h[i] = Math.tanh(a);
      }
      hs.push(h);
      const o = new Array<number>(K);
      for (let k = 0; k < K; k++) {
        let s = w.c[k]!;
        for (let j = 0; j < m; j++) s += w.V[k]![j]! * h[j]!;
        o[k] = s;
      }
      const max = Math.max(...o);
      const e = o.map((v) => Math.exp(v - max));
      const total = e.reduce((s, v) => s + v, 0);
      const p = e.map((v) => v / total);
      ps.push(p);
      probs[t]!.push(p);
      loss -= Math.log(p[targets[t * batch + bi]!]!);
    }
    hT.push(hs[T]!);
    let dhNext = new Array<number>(m).fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const x = inputs[t * batch + bi]!;
      const y = targets[t * batch + bi]!;
      const h = hs[t + 1]!;
      const hPrev = hs[t]!;
      const dout = ps[t]!.map((v, k) => (k === y ? v - 1 : v));
      for (let k = 0; k < K; k++) {
        grads.c[k]! += dout[k]!;
        for (let j = 0; j < m; j++) grads.V[k]![j]! += dout[k]! * h[j]!;
      }
      const da = new Array<number>(m);
      for (let j = 0; j < m; j++) {
        let dh = dhNext[j]!;
        for (let k = 0; k < K; k++) dh += w.V[k]![j]! * dout[k]!;
        da[j] = dh * (1 - h[j]! * h[j]!);
      }
      for (let i = 0; i < m; i++) {
        grads.b[i]! += da[i]!;
        grads.U[i]![x]! += da[i]!;
        for (let j = 0; j < m; j++) grads.W[i]![j]! += da[i]! * hPrev[j]!;
      }
      dhNext = new Array<number>(m).fill(0);
      for (let j = 0; j < m; j++) for (let i = 0; i < m; i++) dhNext[j]! += w.W[i]![j]! * da[i]!;
    }
  }
  const scaleAll = (v: number[] | number[][]): void => {
    for (let i = 0; i < v.length; i++) {
      const r = v[i]!;
      if (Array.isArray(r)) for (let j = 0; j < r.length; j++) r[j]! /= batch;
      else (v as number[])[i] = r / batch;
    }
  };
  for (const g of [grads.U, grads.W, grads.V, grads.b, grads.c]) scaleAll(g);
  return { loss: loss / batch, grads, hT, probs };
}

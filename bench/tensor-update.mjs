#!/usr/bin/env node
/**
 * One min-char-rnn update (m = 100, K = 89, T = 25, batch 1: forward, softmax
 * with log Σ, backward, allFinite and clip + AdaGrad per parameter) written
 * directly with @weft/tensor kernels on wasm tensors — no layers, no graph —
 * in float64 and in float32: what the kernels allow a float32 model before
 * the layers' own costs (docs/performance.md, "float32 kernels (f32x4)").
 * Alternating rounds of 400 updates, CPU time, medians of 7. Node only; run
 * after `npm run build`:  node bench/tensor-update.mjs [label]
 */
import { add, addOuter, addRowVector, allFinite, axpy, clipAdagradStep, colSums, copy, fill, gemm, matvec, matvecT, Rng, row, softmax, tanh, tanhBackward, Tensor, withBackend, wasmZeros } from '@weft/tensor';
const m = 100, K = 89, T = 25;
function model(dtype) {
  const rng = new Rng(1);
  const z = (shape) => wasmZeros(shape, dtype);
  const p = { UT: z([K, m]), W: z([m, m]), V: z([K, m]), b: z([m]), c: z([K]) };
  for (const t of Object.values(p)) rng.fillUniform(t, -0.01, 0.01);
  const g = {}, G = {};
  for (const k of Object.keys(p)) { g[k] = z(p[k].shape); G[k] = z(p[k].shape); }
  const H = z([T + 1, m]), A = z([T, m]), Z = z([T, K]), P = z([T, K]), dH = z([T, m]);
  const lse = { max: z([T]), logSum: z([T]) };
  const dh = z([m]), da = z([m]), dhnext = z([m]);
  const xs = Array.from({ length: T }, (_, i) => (i * 7) % K), ys = Array.from({ length: T }, (_, i) => (i * 7 + 3) % K);
  return () => {
    // forward
    for (let t = 0; t < T; t++) {
      const a = row(A, t);
      matvec(a, p.W, row(H, t));
      add(a, a, row(p.UT, xs[t]));
      add(a, a, p.b);
      tanh(row(H, t + 1), a);
    }
    const Hs = new Tensor(H.data, [T, m], [m, 1], H.offset + m);
    gemm(Z, Hs, p.V, false, true);
    addRowVector(Z, Z, p.c);
    softmax(P, Z, lse);
    let loss = 0;
    for (let t = 0; t < T; t++) loss += lse.max.data[lse.max.offset + t] - Z.data[Z.offset + t * K + ys[t]] + lse.logSum.data[lse.logSum.offset + t];
    // backward
    for (const k of Object.keys(g)) fill(g[k], 0);
    for (let t = 0; t < T; t++) P.data[P.offset + t * K + ys[t]] -= 1;
    gemm(g.V, P, Hs, true, false, 1, 1);
    colSums(g.c, P, 1);
    gemm(dH, P, p.V);
    fill(dhnext, 0);
    for (let t = T - 1; t >= 0; t--) {
      add(dh, row(dH, t), dhnext);
      tanhBackward(da, row(H, t + 1), dh);
      add(g.b, g.b, da);
      axpy(row(g.UT, xs[t]), 1, da);
      addOuter(g.W, da, row(H, t));
      matvecT(dhnext, p.W, da);
    }
    for (const k of Object.keys(p)) {
      if (!allFinite(g[k])) throw new Error('non-finite');
      clipAdagradStep(p[k], g[k], G[k], 0.1, 1e-8, 5);
    }
    copy(row(H, 0), row(H, T));
    return loss;
  };
}
const ROUNDS = 7;
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
withBackend('wasm', () => {
  const steps = { float64: model('float64'), float32: model('float32') };
  for (const s of Object.values(steps)) for (let i = 0; i < 300; i++) s();
  const res = { float64: [], float32: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const d of r % 2 ? ['float32', 'float64'] : ['float64', 'float32']) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < 400; i++) steps[d]();
      const c = process.cpuUsage(c0);
      res[d].push((c.user + c.system) / 400);
    }
  }
  const f64 = med(res.float64), f32 = med(res.float32);
  console.log(`${process.argv[2] ?? ''} µs/update: float64 ${f64.toFixed(0)}  float32 ${f32.toFixed(0)}  float32 speed-up ${(f64 / f32).toFixed(2)}×`);
});

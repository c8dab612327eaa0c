/**
 * Where one default training update goes (issue 13.1): the report's char-RNN,
 * m = 100, T = 25, K = the default corpus's vocabulary (89), batch 1,
 * float64, WebAssembly backend, AdaGrad with clip 5.
 *
 * Each phase is rebuilt from the @weft/tensor kernels it runs, on heap
 * tensors of the update's shapes, and timed with many repetitions:
 *
 * - forward loop (per step t = 1..T): a_t = W h_{t−1} + (U x_t + b): the bias
 *   add (addRowVector), then matvec with beta = 1 onto it, h_t = tanh(a_t);
 * - after-phase products (once per update, over all T rows): logits
 *   O = H Vᵀ + c (gemm NT, addRowVector), softmax with log Σ exp, dO = P − Y,
 *   dV += dOᵀ H (gemm TN), dc += colSums(dO), dH = dO V (gemm NN);
 * - backward loop (per step t = T..1): δ_t = (dh_t + Wᵀ δ_{t+1})·(1 − h_t²)
 *   (matvecT, the carry added to dh_t, tanhBackward);
 * - deferred gradients (once): dW += Δᵀ H_prev (gemm TN), db += colSums(Δ),
 *   dU[:, x_t] += δ_t (scatterAddColumns);
 * - optimizer: the non-finite check (allFinite over the 5 gradients) and the
 *   fused clip + AdaGrad step (clipAdagradStep) over 27,989 parameters, with
 *   dU zero outside the window's 18 distinct characters as in a real update
 *   (the step skips pairs of zero gradients);
 * - overhead: a whole `lossAndGradients` + `step()` of the real model
 *   (bench/src/weft-rnn.ts, as char-rnn runs it) minus the phases' sum: the
 *   graph walk, zeroGrad, reading the window, copies, checks.
 *
 * "Ceiling" is the throughput of the phase's main kernel on its own in a
 * tight loop at a size where call overhead no longer counts but the operands
 * still sit in the L2 cache (matvec, matvecT 256×256; gemm 128×128×128; tanh,
 * tanhBackward, softmax over 4096 elements; clip + AdaGrad and allFinite over
 * 16,384): the column gives the phase's work done at that
 * rate divided by its measured time, i.e. how close the phase runs to what its
 * kernel can do here.
 *
 * Times are CPU time of the process (process.cpuUsage, so that waiting for a
 * core on a shared machine does not count), median of 9 rounds; the phases and
 * the whole update alternate within each round.
 *
 *   npm run build && node bench/dist/phases.js
 *   node bench/dist/phases.js --json
 */
import {
  add,
  addRowVector,
  allFinite,
  clipAdagradStep,
  colSums,
  gemm,
  matvec,
  matvecT,
  Rng,
  scatterAddColumns,
  setBackend,
  softmax,
  sub,
  tanh,
  tanhBackward,
  Tensor,
  wasmZeros,
} from '@weft/tensor';
import { loadBenchCorpus } from './corpus.js';
import { WeftTrainer } from './weft-rnn.js';

const ROUNDS = 9;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * CPU time of this thread's process (user + system, µs): on a shared machine
 * it counts only the time this process ran, not the time it waited for a core.
 */
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** µs per call of one batch of `reps` calls of f. */
function once(f: () => void, reps: number): number {
  const t0 = cpuNow();
  for (let i = 0; i < reps; i++) f();
  return (cpuNow() - t0) / reps;
}

/** µs per call of f: median over ROUNDS rounds of `reps` calls (after one warm-up round). */
function time(f: () => void, reps: number): number {
  const out: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const us = once(f, reps);
    if (r > 0) out.push(us);
  }
  return median(out);
}

/** Like `time` for several functions, alternating them within every round so that load falls on all alike. */
function timeAll<K extends string>(fs: Record<K, () => void>, reps: number): Record<K, number> {
  const keys = Object.keys(fs) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r <= ROUNDS; r++) {
    for (const k of keys) {
      const us = once(fs[k], reps);
      if (r > 0) out[k].push(us);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(out[k])])) as Record<K, number>;
}

/** Pairs (f64x2 vectors) of `g` whose two elements are both zero: the ones clipAdagradStep skips. */
function skippedPairs(g: Tensor): number {
  let n = 0;
  for (let i = 0; i + 1 < g.size; i += 2) if (g.data[g.offset + i] === 0 && g.data[g.offset + i + 1] === 0) n++;
  return n;
}

function randomHeap(shape: number[], rng: Rng, scale = 0.1): Tensor {
  return rng.fillUniform(wasmZeros(shape), -scale, scale);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const corpus = await loadBenchCorpus();
  const K = corpus.vocabSize, m = 100, T = 25;
  if (setBackend('wasm') !== 'wasm') throw new Error('phases: the wasm backend is unavailable here');
  const rng = new Rng(3);

  // The update's tensors, on the heap.
  const W = randomHeap([m, m], rng), U = randomHeap([m, K], rng), V = randomHeap([K, m], rng);
  const b = randomHeap([m], rng), c = randomHeap([K], rng);
  const dW = wasmZeros([m, m]), dU = wasmZeros([m, K]), dV = wasmZeros([K, m]), db = wasmZeros([m]), dc = wasmZeros([K]);
  const Hs = randomHeap([T + 1, m], rng, 0.5); // h_0 .. h_T
  const H = new Tensor(Hs.data, [T, m], undefined, Hs.offset + m); // h_1 .. h_T
  const Hprev = new Tensor(Hs.data, [T, m], undefined, Hs.offset);
  const A = randomHeap([T, m], rng); // the input rows U x_t + b, then a_t
  const O = wasmZeros([T, K]), P = wasmZeros([T, K]), Y = wasmZeros([T, K]);
  for (let t = 0; t < T; t++) Y.data[Y.offset + t * K + ((t * 7) % K)] = 1;
  const lse = { max: wasmZeros([T]), logSum: wasmZeros([T]) };
  const dO = wasmZeros([T, K]), dH = randomHeap([T, m], rng), Delta = wasmZeros([T, m]);
  // A window's ids: 25 characters, 18 distinct (a typical window of the book).
  const ids = Array.from({ length: T }, (_, t) => ((t % 18) * 5) % K);
  const X = randomHeap([T, m], rng); // the embedding's rows U x_t
  const G = [dW, dU, dV, db, dc];
  for (const g of G) rng.fillUniform(g, -1, 1);
  // dU is zero but in the window's columns, as in the real update (the optimizer skips zero gradients)
  for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) if (!ids.includes(k)) dU.data[dU.offset + i * K + k] = 0;
  const Ps = [W, U, V, b, c], Acc = Ps.map((p) => wasmZeros(p.shape as number[]));

  // Row views made once, as the model's unroller holds them.
  const block = (t: Tensor, r: number): Tensor => new Tensor(t.data, [1, t.shape[1]!], undefined, t.offset + r * t.shape[1]!);
  const hRow = Array.from({ length: T + 1 }, (_, t) => block(Hs, t));
  const aRow = Array.from({ length: T }, (_, t) => block(A, t)); // [1, m], as the cell's rows
  const dRow = Array.from({ length: T }, (_, t) => block(Delta, t));
  const dhRow = Array.from({ length: T }, (_, t) => block(dH, t));
  const xRow = Array.from({ length: T }, (_, t) => block(X, t));
  const carry = wasmZeros([1, m]);
  const idArray = Int32Array.from(ids);
  const forward = (): void => {
    for (let t = 0; t < T; t++) {
      const a = aRow[t]!;
      addRowVector(a, xRow[t]!, b);
      matvec(a, W, hRow[t]!, 1, 1);
      tanh(hRow[t + 1]!, a);
    }
  };
  const after = (): void => {
    gemm(O, H, V, false, true);
    addRowVector(O, O, c);
    softmax(P, O, lse);
    sub(dO, P, Y);
    gemm(dV, dO, H, true, false, 1, 1);
    colSums(dc, dO, 1);
    gemm(dH, dO, V);
  };
  const backward = (): void => {
    for (let t = T - 1; t >= 0; t--) {
      if (t < T - 1) {
        matvecT(carry, W, dRow[t + 1]!);
        add(dhRow[t]!, dhRow[t]!, carry);
      }
      tanhBackward(dRow[t]!, hRow[t + 1]!, dhRow[t]!);
    }
  };
  const deferred = (): void => {
    gemm(dW, Delta, Hprev, true, false, 1, 1);
    colSums(db, Delta, 1);
    scatterAddColumns(dU, idArray, Delta); // dU[:, x_t] += δ_t
  };
  const optimizer = (): void => {
    for (const g of G) if (!allFinite(g)) throw new Error('not finite');
    for (let i = 0; i < Ps.length; i++) clipAdagradStep(Ps[i]!, G[i]!, Acc[i]!, 1e-12, 1e-8, 5);
  };
  const check = (): void => {
    for (const g of G) if (!allFinite(g)) throw new Error('not finite');
  };

  // The real update (as char-rnn runs it), in the same process and the same rounds.
  setBackend('js');
  const trainer = new WeftTrainer(corpus, { batch: 1, backend: 'wasm' });
  trainer.run(300);
  setBackend('wasm');
  const phases = timeAll(
    { forward, after, backward, deferred, optimizer, check, update: () => (trainer.run(1), setBackend('wasm')) },
    1000,
  );
  const update = phases.update;

  // Ceilings: each main kernel alone at a size where call overhead does not count.
  const MV = 256, GM = 128, EL = 4096, OPT = 16_384;
  const big = randomHeap([MV, MV], rng), xb = randomHeap([MV], rng), yb = wasmZeros([MV]);
  const gA = randomHeap([GM, GM], rng), gB = randomHeap([GM, GM], rng), gC = wasmZeros([GM, GM]);
  const e1 = randomHeap([EL], rng), e2 = wasmZeros([EL]), e3 = randomHeap([EL], rng);
  const sm = randomHeap([EL / 64, 64], rng), smOut = wasmZeros([EL / 64, 64]), lse100 = { max: wasmZeros([EL / 64]), logSum: wasmZeros([EL / 64]) };
  const pBig = randomHeap([OPT], rng), gBig = randomHeap([OPT], rng), aBig = wasmZeros([OPT]);
  const flopsPerUs = (flops: number, us: number): number => flops / us; // MFLOP/s
  const ceil = {
    matvec: flopsPerUs(2 * MV * MV, time(() => matvec(yb, big, xb), 2000)),
    matvecT: flopsPerUs(2 * MV * MV, time(() => matvecT(yb, big, xb, 1, 1), 2000)),
    gemm: flopsPerUs(2 * GM ** 3, time(() => gemm(gC, gA, gB, false, false, 1, 1), 300)),
    gemmNT: flopsPerUs(2 * GM ** 3, time(() => gemm(gC, gA, gB, false, true, 1, 1), 300)),
    tanhNs: (time(() => tanh(e2, e1), 500) * 1e3) / EL, // ns per element
    tanhBackNs: (time(() => tanhBackward(e2, e1, e3), 2000) * 1e3) / EL,
    softmaxNs: (time(() => softmax(smOut, sm, lse100), 500) * 1e3) / EL,
    adagradNs: (time(() => clipAdagradStep(pBig, gBig, aBig, 1e-12, 1e-8, 5), 500) * 1e3) / OPT,
    finiteNs: (time(() => allFinite(gBig), 2000) * 1e3) / OPT,
  };
  const N = Ps.reduce((s, p) => s + p.size, 0);
  // The phases' work at the ceilings' rates (µs).
  const ideal = {
    forward: (T * 2 * m * m) / ceil.matvec + (T * m * ceil.tanhNs) / 1e3,
    after: (2 * T * K * m * 3) / ceil.gemmNT + (T * K * ceil.softmaxNs) / 1e3,
    backward: ((T - 1) * 2 * m * m) / ceil.matvecT + (T * m * ceil.tanhBackNs) / 1e3,
    deferred: (2 * T * m * m) / ceil.gemm,
    // clip + AdaGrad works on the vectors (pairs) of dU that hold a nonzero gradient
    optimizer: (N * ceil.finiteNs + (N - skippedPairs(dU) * 2) * ceil.adagradNs) / 1e3,
  };
  const sum = phases.forward + phases.after + phases.backward + phases.deferred + phases.optimizer;
  const rows: [string, number, number | undefined][] = [
    ['forward loop (25 × bias add, matvec W h, tanh)', phases.forward, ideal.forward],
    ['after-phase products (O = H Vᵀ, softmax, dV, dc, dH)', phases.after, ideal.after],
    ['backward loop (24 × matvecT Wᵀ δ, carry add, tanh bwd)', phases.backward, ideal.backward],
    ['deferred gradients (dW = Δᵀ H, db, dU columns)', phases.deferred, ideal.deferred],
    [`optimizer (allFinite + clip + AdaGrad, ${N} params)`, phases.optimizer, ideal.optimizer],
    ['overhead (whole update − the above)', update - sum, undefined],
  ];
  if (json) {
    console.log(JSON.stringify({ K, update, phases, ideal, ceil, N }));
    return;
  }
  console.log(`one update (m = ${m}, T = ${T}, K = ${K}, batch 1, wasm): ${update.toFixed(1)} µs, median of ${ROUNDS} rounds`);
  console.log('phase                                                      µs   share  of ceiling');
  for (const [name, us, best] of rows) {
    console.log(
      `${name.padEnd(55)} ${us.toFixed(1).padStart(6)} ${((100 * us) / update).toFixed(0).padStart(5)} %  ${best === undefined ? '    –' : `${((100 * best) / us).toFixed(0).padStart(4)} %`}`,
    );
  }
  console.log(`  of which the non-finite check: ${phases.check.toFixed(2)} µs`);
  console.log(
    `ceilings: matvec ${(ceil.matvec / 1e3).toFixed(1)} GF/s, matvecT ${(ceil.matvecT / 1e3).toFixed(1)} GF/s, gemm NN ${(ceil.gemm / 1e3).toFixed(1)} / NT ${(ceil.gemmNT / 1e3).toFixed(1)} GF/s, ` +
      `tanh ${ceil.tanhNs.toFixed(2)} ns, tanh backward ${ceil.tanhBackNs.toFixed(2)} ns, softmax ${ceil.softmaxNs.toFixed(2)} ns, clip+AdaGrad ${ceil.adagradNs.toFixed(2)} ns, allFinite ${ceil.finiteNs.toFixed(2)} ns per element`,
  );
}

await main();

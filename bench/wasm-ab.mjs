#!/usr/bin/env node
/**
 * A/B of two builds of the WebAssembly kernel module, kernel by kernel, for
 * float64 and float32 (docs/performance.md, "float32 kernels (f32x4)").
 *
 * Both modules are instantiated on one memory in one process and their
 * exports called directly (no weft dispatch around them); A and B alternate
 * within every round (~20 ms of calls each), timed in CPU time
 * (process.cpuUsage, so other processes on a shared machine count less),
 * median of ROUNDS rounds. Node only; not part of the packages.
 *
 *   mkdir -p /tmp/main-wat
 *   git show main:packages/tensor/wasm/kernels.wat > /tmp/main-wat/kernels.wat
 *   git show main:packages/tensor/wasm/kernels.generic.wat > /tmp/main-wat/kernels.generic.wat
 *   node bench/wasm-ab.mjs /tmp/main-wat packages/tensor/wasm     (ROUNDS=9, ONLY=<name prefix>)
 */
import { compile, moduleText } from '../packages/tensor/scripts/build-wasm.mjs';

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/wasm-ab.mjs <dir of A kernels.wat> <dir of B kernels.wat>');
  process.exit(1);
}
const memory = new WebAssembly.Memory({ initial: 256, maximum: 256 });
const load = async (dir) => (await WebAssembly.instantiate(await compile(await moduleText(dir)), { env: { memory } })).instance.exports;
const A = await load(dirA);
const B = await load(dirB);

const f64 = new Float64Array(memory.buffer);
const f32 = new Float32Array(memory.buffer);
let seed = 1;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
// float32 operands in MB 0..3, float64 in MB 4..7, each one element past the MB boundary
for (let i = 0; i < (4 << 20) / 4; i++) f32[i] = rnd();
for (let i = (4 << 20) / 8; i < (8 << 20) / 8; i++) f64[i] = rnd();
const P = (t, i) => (t === 'f32' ? (i << 20) + 4 : ((4 + i) << 20) + 8);

const cases = [];
for (const t of ['f64', 'f32']) {
  const k = {};
  for (const name of ['matvec', 'matvecTAcc', 'addOuter', 'gemmAcc', 'gemmNTAcc', 'exp', 'tanh', 'sigmoid', 'softmax', 'tanhBackward', 'allFinite', 'adagrad']) {
    k[name] = name + '_' + t; // built once: a string concatenation per call costs as much as a small kernel
  }
  const p = (i) => P(t, i);
  cases.push([t, 'matvec 100x100', 2e4, (K) => K[k.matvec](p(2), p(0), p(1), 100, 100, 1, 0)]);
  cases.push([t, 'matvecT 100x100', 2e4, (K) => K[k.matvecTAcc](p(2), p(0), p(1), 100, 100, 1e-9)]);
  cases.push([t, 'addOuter 100x100', 2e4, (K) => K[k.addOuter](p(3), p(1), p(2), 100, 100, 1e-9)]);
  cases.push([t, 'gemm NN 100^3', 2e6, (K) => K[k.gemmAcc](p(3), p(0), p(1), 100, 100, 100, 100, 1, 1e-9)]);
  cases.push([t, 'gemm NT 100^3', 2e6, (K) => K[k.gemmNTAcc](p(3), p(0), p(1), 100, 100, 100, 1e-9)]);
  cases.push([t, 'gemm TN 100^3', 2e6, (K) => K[k.gemmAcc](p(3), p(0), p(1), 100, 100, 100, 1, 100, 1e-9)]);
  cases.push([t, 'exp [100]', null, (K) => K[k.exp](p(2), p(1), 100)]);
  cases.push([t, 'exp [8000]', null, (K) => K[k.exp](p(2), p(1), 8000)]);
  cases.push([t, 'tanh [100]', null, (K) => K[k.tanh](p(2), p(1), 100)]);
  cases.push([t, 'sigmoid [100]', null, (K) => K[k.sigmoid](p(2), p(1), 100)]);
  cases.push([t, 'softmax [25,89] + stats', null, (K) => K[k.softmax](p(2), p(1), 25, 89, 1, p(3), p(3) + 4096)]);
  // the kernels of one default char-RNN update (m = 100, K = 89, T = 25, batch 1), no JavaScript around them
  cases.push([t, 'update (kernels only)', null, (K) => {
    for (let i = 0; i < 25; i++) {
      K[k.matvec](p(2), p(0), p(1), 100, 100, 1, 1);
      K[k.tanh](p(2), p(2), 100);
    }
    K[k.gemmNTAcc](p(3), p(0), p(1), 25, 89, 100, 1);
    K[k.softmax](p(2), p(1), 25, 89, 1, p(3), p(3) + 4096);
    K[k.gemmAcc](p(3), p(0), p(1), 89, 100, 25, 1, 89, 1e-9); // dW_hy += dZᵀ H
    K[k.gemmAcc](p(3) + 65536, p(0), p(1), 25, 100, 89, 89, 1, 1e-9); // dH = dZ W_hy
    for (let i = 0; i < 25; i++) {
      K[k.tanhBackward](p(2), p(2), p(1), 100);
      K[k.addOuter](p(3), p(1), p(2), 100, 100, 1e-9);
      K[k.matvecTAcc](p(2), p(0), p(1), 100, 100, 1e-9);
    }
    K[k.allFinite](p(1), 27989);
    K[k.adagrad](p(3), p(1), p(0), 27989, 1e-9, 1e-8, 5);
  }]);
}

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const only = process.env.ONLY;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
/** CPU ns per call over `calls` calls. */
function time(fn, K, calls) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(K);
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / calls;
}
for (const [t, name, flops, fn] of cases) {
  if (only && !name.startsWith(only)) continue;
  let calls = 8;
  while (time(fn, B, calls) * calls < 2e7) calls *= 2;
  const a = [], b = [];
  for (let r = 0; r < ROUNDS; r++) {
    // alternate which goes first
    if (r % 2) {
      b.push(time(fn, B, calls));
      a.push(time(fn, A, calls));
    } else {
      a.push(time(fn, A, calls));
      b.push(time(fn, B, calls));
    }
  }
  const ma = median(a), mb = median(b);
  const show = (ns) => (flops ? `${(flops / ns).toFixed(1)} GF/s` : `${ns.toFixed(0)} ns`);
  console.log(`${t} ${name.padEnd(24)} A ${show(ma).padStart(11)}   B ${show(mb).padStart(11)}   B/A speed ${(ma / mb).toFixed(2)}×`);
}

/**
 * What the optimizers' non-finite gradient check costs per step, on the
 * default char-RNN's gradients (m = 100, K = 89: 26.6k parameters in 5
 * tensors): the old per-element loop (`v − v !== 0` with a branch per entry,
 * as @weft/optim ran it before `allFinite`) against `allFinite` (WebAssembly
 * SIMD on the heap, four accumulators in JavaScript otherwise), and a whole
 * default update for scale. CPU time, median of 9 rounds.
 *
 *   npm run build && node bench/dist/finite-check.js
 */
import { charRnn } from '@weft/layers';
import { allFinite, Rng, setBackend, type Backend, type Tensor } from '@weft/tensor';
import { loadBenchCorpus } from './corpus.js';
import { WeftTrainer } from './weft-rnn.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The check as @weft/optim ran it before: one branch per entry. */
function oldCheck(grads: readonly Tensor[]): boolean {
  for (const grad of grads) {
    const g = grad.data, go = grad.offset;
    for (let k = 0, n = grad.size; k < n; k++) {
      const v = g[go + k]!;
      if (v - v !== 0) return false;
    }
  }
  return true;
}

function newCheck(grads: readonly Tensor[]): boolean {
  for (const grad of grads) if (!allFinite(grad)) return false;
  return true;
}

/** µs per call of f, median of 9 rounds of `reps` calls. */
function time(f: () => boolean, reps: number): number {
  const rounds: number[] = [];
  let ok = true;
  for (let r = 0; r < 10; r++) {
    // CPU time (user + system), so that waiting for a core on a shared machine does not count.
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) ok = f() && ok;
    const c1 = process.cpuUsage(c0);
    const dt = (c1.user + c1.system) / reps;
    if (r > 0) rounds.push(dt);
  }
  if (!ok) throw new Error('gradients were not finite');
  return median(rounds);
}

async function main(): Promise<void> {
  const corpus = await loadBenchCorpus();
  for (const backend of ['wasm', 'js'] as Backend[]) {
    setBackend(backend);
    const model = charRnn({ vocabSize: corpus.vocabSize, hidden: 100, rng: new Rng(1), batch: 1 });
    const grads = model.parameters().map((p) => p.grad);
    const rng = new Rng(2);
    for (const g of grads) rng.fillUniform(g, -1, 1);
    const total = grads.reduce((a, g) => a + g.size, 0);
    const before = time(() => oldCheck(grads), 2000);
    const after = time(() => newCheck(grads), 2000);
    setBackend('js');
    const trainer = new WeftTrainer(corpus, { batch: 1, backend });
    trainer.run(300);
    const update = time(() => (trainer.run(1), true), 1000);
    console.log(
      `${backend}: ${total} gradient entries; check before ${before.toFixed(2)} µs, after ${after.toFixed(2)} µs ` +
        `(${(before / after).toFixed(1)}×); one update ${update.toFixed(1)} µs (check before ${((100 * before) / update).toFixed(1)} %, after ${((100 * after) / update).toFixed(1)} %)`,
    );
  }
}

await main();

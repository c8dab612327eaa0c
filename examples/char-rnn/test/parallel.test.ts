/**
 * Data-parallel training over real worker_threads (startDataParallel runs the
 * built examples/char-rnn/dist/parallel-worker.js: `npm test` builds first).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { charRnn, dataParallel, type CharRnnModel, type DataParallel } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
import { Rng, wasmSupported } from '@weft/tensor';
import { defaultWorkerScript, nodeWorkerPort, pullStates, pushStates, startDataParallel } from '../src/parallel.js';

// Worker threads start slowly on a loaded machine: every test here may take up to 30 s.
jest.setTimeout(30_000);

const K = 13;
const HIDDEN = 9;

/** A few AdaGrad updates (lr 0.1, clip ±5) of B streams, plain (workers 0) or over worker threads; losses, weights after each update, final states. */
async function train(B: number, workers: number, options: { updates?: number; backend?: 'js' | 'wasm' } = {}): Promise<{ losses: number[]; params: Float64Array[][]; h: Float64Array }> {
  const { updates = 4, backend = 'js' } = options;
  const T = 5;
  const model: CharRnnModel = charRnn({ vocabSize: K, hidden: HIDDEN, rng: new Rng(2), batch: B });
  const opt = new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 });
  const dp = workers === 0 ? null : await startDataParallel(model, { workers, backend });
  const rng = new Rng(9);
  const out = { losses: [] as number[], params: [] as Float64Array[][], h: new Float64Array(0) };
  try {
    for (let u = 0; u < updates; u++) {
      const x = Int32Array.from({ length: T * B }, () => rng.int(K));
      const y = Int32Array.from({ length: T * B }, () => rng.int(K));
      model.zeroGrad();
      out.losses.push(dp ? await dp.lossAndGradients(x, y) : model.lossAndGradients(x, y));
      opt.step();
      out.params.push(model.parameters().map((p) => Float64Array.from(p.value.data.subarray(p.value.offset, p.value.offset + p.value.size))));
    }
    const h = dp ? (await dp.getStates()).h! : model.states.h!;
    out.h = Float64Array.from(h.data.subarray(h.offset, h.offset + h.size));
  } finally {
    await dp?.close();
  }
  return out;
}

/**
 * The relative error of a tensor (max-norm): max_k |a_k − b_k| / max_k max(|a_k|, |b_k|), 0 when both are 0.
 * Entry by entry relative errors are not meaningful for entries that an update brought near 0 by
 * cancellation (there, rounding differences of ~1e-17 against ~1e-4 give ~1e-13 entry-wise).
 */
function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return scale === 0 ? 0 : diff / scale;
}

type Run = Awaited<ReturnType<typeof train>>;

/** Per update: the loss and every parameter tensor within `tol` relative (max-norm); the final states too. */
function expectClose(got: Run, want: Run, tol: number): void {
  got.losses.forEach((l, u) => {
    expect(maxRelative([l], [want.losses[u]!])).toBeLessThanOrEqual(tol);
    got.params[u]!.forEach((p, k) => expect(maxRelative(p, want.params[u]![k]!)).toBeLessThanOrEqual(tol));
  });
  expect(maxRelative(got.h, want.h)).toBeLessThanOrEqual(tol);
}

describe('startDataParallel (worker_threads)', () => {
  it('the worker script is built', () => {
    expect(existsSync(fileURLToPath(defaultWorkerScript()))).toBe(true);
  });

  it('plain model = 1 worker (exactly) ≈ 2 workers (1e-12 relative per update), B = 4, AdaGrad', async () => {
    const plain = await train(4, 0);
    const one = await train(4, 1);
    const two = await train(4, 2);
    expect(one.losses).toEqual(plain.losses);
    expect(one.params).toEqual(plain.params);
    expectClose(two, plain, 1e-12);
    expect(maxRelative(two.params[0]![0]!, two.params[3]![0]!)).toBeGreaterThan(1e-6);
  });

  it('two runs with 2 workers are bit-identical', async () => {
    const a = await train(4, 2);
    const b = await train(4, 2);
    expect(a.losses).toEqual(b.losses);
    expect(a.params).toEqual(b.params);
    expect(Array.from(a.h)).toEqual(Array.from(b.h));
  });

  it('uneven shares: B = 5 over 2 workers (3 + 2 streams) matches the plain model', async () => {
    expectClose(await train(5, 2, { updates: 3 }), await train(5, 0, { updates: 3 }), 1e-12);
  });

  (wasmSupported() ? it : it.skip)('WebAssembly workers: 2 workers match 1 worker to 1e-12', async () => {
    expectClose(await train(4, 2, { backend: 'wasm', updates: 3 }), await train(4, 1, { backend: 'wasm', updates: 3 }), 1e-12);
  });
});

describe('the poll for the next update (real threads)', () => {
  /**
   * dataParallel over `workers` threads whose 'step' messages are dropped
   * after the first update's: a later update can only start from the worker's
   * poll of the shared control block (which follows the update it ran).
   */
  async function withoutStepMessages(workers: number, spinMs: number, stepTimeoutMs = 2_000): Promise<{ model: CharRnnModel; dp: DataParallel }> {
    const model = charRnn({ vocabSize: K, hidden: HIDDEN, rng: new Rng(2), batch: 4 });
    const ports = Array.from({ length: workers }, () => {
      const thread = new Worker(defaultWorkerScript());
      thread.unref();
      const port = nodeWorkerPort(thread);
      return { ...port, postMessage: (m: unknown, t?: unknown[]) => ((m as { type?: string; seq?: number }).type === 'step' && (m as { seq: number }).seq > 1 ? undefined : port.postMessage(m, t)) };
    });
    const dp = await dataParallel(model, { spec: { model: 'charRnn', vocabSize: K, hidden: HIDDEN }, batch: 4, ports, spinMs, stepTimeoutMs });
    return { model, dp };
  }
  const ids = (seed: number): Int32Array => {
    const rng = new Rng(seed);
    return Int32Array.from({ length: 5 * 4 }, () => rng.int(K));
  };

  it('the update after one starts from the poll: without its message it still runs, with the same loss', async () => {
    const { model, dp } = await withoutStepMessages(2, 1_000);
    const plain = charRnn({ vocabSize: K, hidden: HIDDEN, rng: new Rng(2), batch: 4 });
    try {
      for (const seed of [1, 2]) {
        model.zeroGrad();
        plain.zeroGrad();
        const want = plain.lossAndGradients(ids(seed), ids(seed + 10));
        expect(maxRelative([await dp.lossAndGradients(ids(seed), ids(seed + 10))], [want])).toBeLessThanOrEqual(1e-12);
        plain.parameters().forEach((p, i) => expect(maxRelative(model.parameters()[i]!.grad.data, p.grad.data)).toBeLessThanOrEqual(1e-12));
      }
    } finally {
      await dp.close();
    }
  });

  it('with spinMs 0 there is no poll: the same update waits for its message (and times out without it)', async () => {
    const { dp } = await withoutStepMessages(2, 0, 500);
    try {
      await dp.lossAndGradients(ids(1), ids(11));
      await expect(dp.lossAndGradients(ids(2), ids(12))).rejects.toThrow("dataParallel: workers 0, 1 did not answer 'lossAndGradients' within 500 ms");
    } finally {
      await dp.close();
    }
  });

  it('an update run from the poll that fails (bad ids) rejects with the worker and the cause', async () => {
    const { dp } = await withoutStepMessages(1, 1_000);
    try {
      await dp.lossAndGradients(ids(1), ids(11));
      await expect(dp.lossAndGradients(new Int32Array(20).fill(K + 2), ids(12))).rejects.toThrow(/^dataParallel: worker 0: .*15.*$/);
    } finally {
      await dp.close();
    }
  });
});

describe('pullStates / pushStates', () => {
  it('move the carried states between the model and the workers', async () => {
    const model = charRnn({ vocabSize: K, hidden: HIDDEN, rng: new Rng(2), batch: 3 });
    const dp = await startDataParallel(model, { workers: 2 });
    try {
      model.states.h!.data.forEach((_, i, a) => (a[i] = i / 100));
      const sent = Array.from(model.states.h!.data);
      await pushStates(dp, model);
      model.resetState();
      await pullStates(dp, model);
      expect(Array.from(model.states.h!.data)).toEqual(sent);
    } finally {
      await dp.close();
    }
  });
});

describe('startDataParallel errors', () => {
  const model = (): CharRnnModel => charRnn({ vocabSize: K, hidden: HIDDEN, rng: new Rng(2), batch: 4 });
  const script = (code: string): URL => new URL(`data:text/javascript,${encodeURIComponent(code)}`);

  it('a worker script that throws at start: rejects naming the worker and the error', async () => {
    await expect(startDataParallel(model(), { workers: 2, workerScript: script('throw new Error("no replica today")') })).rejects.toThrow(
      /^dataParallel: worker [01] died: no replica today$/,
    );
  });

  it('a worker that exits at start', async () => {
    await expect(startDataParallel(model(), { workers: 1, workerScript: script('process.exit(3)') })).rejects.toThrow('dataParallel: worker 0 died: its thread exited with code 3');
  });

  it('a worker that never answers: times out', async () => {
    await expect(startDataParallel(model(), { workers: 2, startTimeoutMs: 300, workerScript: script('setInterval(() => {}, 1000)') })).rejects.toThrow(
      "dataParallel: workers 0, 1 did not answer 'start' within 300 ms",
    );
  });

  it('more workers than streams, or not a count', async () => {
    await expect(startDataParallel(model(), { workers: 5 })).rejects.toThrow('startDataParallel: 5 workers need a batch of at least 5 streams, got 4');
    await expect(startDataParallel(model(), { workers: 0 })).rejects.toThrow('startDataParallel: workers must be a positive integer, got 0');
  });
});

/**
 * Data-parallel training over in-thread ports (a MessageChannel per worker,
 * the worker loop running in this thread): the coordinator and worker code
 * are exactly those that run over Web Workers or worker_threads, only the
 * transport differs. Real threads: examples/char-rnn/test/parallel.test.ts.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Rng } from '@weft/tensor';
import { charRnn, dataParallel, serveDataParallel, splitBatch, type CharRnnModel, type CharRnnReplicaSpec, type DataParallel, type ReplicaSpec, type ServeOptions, type WorkerPort, type WorkerScope } from '@weft/layers';

const open: MessagePort[] = [];
const running: DataParallel[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((dp) => dp.close()));
  for (const p of open.splice(0)) p.close();
});

/** A worker in this thread: the coordinator gets one end of a channel, the worker loop serves the other. */
function inThreadWorker(options?: ServeOptions): WorkerPort {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  serveDataParallel(port2 as unknown as WorkerScope, options);
  return {
    postMessage: (m, t) => port1.postMessage(m, t as never),
    addEventListener: (type, fn) => {
      if (type === 'message') port1.addEventListener('message', fn as never);
    },
    removeEventListener: (type, fn) => {
      if (type === 'message') port1.removeEventListener('message', fn as never);
    },
    terminate: () => port1.close(),
  };
}

/** AdaGrad with clipping to ±5, written out (@weft/layers' tests do not depend on @weft/optim; the real one runs in examples/char-rnn/test/parallel.test.ts). */
class AdaGrad {
  private readonly memory: Float64Array[];
  constructor(private readonly params: ReturnType<CharRnnModel['parameters']>, private readonly o: { lr: number; clipValue: number }) {
    this.memory = params.map((p) => new Float64Array(p.value.size));
  }
  step(): void {
    this.params.forEach((p, i) => {
      const mem = this.memory[i]!;
      for (let k = 0; k < p.value.size; k++) {
        const g = Math.min(this.o.clipValue, Math.max(-this.o.clipValue, p.grad.data[p.grad.offset + k]!));
        mem[k]! += g * g;
        p.value.data[p.value.offset + k]! -= (this.o.lr * g) / Math.sqrt(mem[k]! + 1e-8);
      }
    });
  }
}

const K = 11;
const spec = (over: Partial<CharRnnReplicaSpec> = {}): CharRnnReplicaSpec => ({ model: 'charRnn', vocabSize: K, hidden: 7, ...over });

function build(s: CharRnnReplicaSpec, batch: number): CharRnnModel {
  return charRnn({ vocabSize: s.vocabSize, hidden: s.hidden, batch, rng: new Rng(5), ...(s.cell ? { cell: s.cell } : {}), ...(s.layers ? { layers: s.layers } : {}), ...(s.dtype ? { dtype: s.dtype } : {}) });
}

/** `updates` windows of T·B random ids (time-major), the same for every run. */
function windows(B: number, T: number, updates: number): [Int32Array, Int32Array][] {
  const rng = new Rng(17);
  return Array.from({ length: updates }, () => {
    const x = Int32Array.from({ length: T * B }, () => rng.int(K));
    const y = Int32Array.from({ length: T * B }, () => rng.int(K));
    return [x, y];
  });
}

interface Trace {
  losses: number[];
  /** Every parameter tensor (a copy) after each update. */
  params: Float64Array[][];
  states: Float64Array;
}

const snapshot = (m: CharRnnModel): Float64Array[] => m.parameters().map((p) => Float64Array.from(p.value.data.subarray(p.value.offset, p.value.offset + p.value.size)));

/** A few AdaGrad updates of the plain model (workers = 0) or through dataParallel with `workers` in-thread workers. */
async function train(s: CharRnnReplicaSpec, B: number, workers: number, updates = 4, T = 6): Promise<Trace> {
  const model = build(s, B);
  const opt = new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 });
  const dp = workers === 0 ? null : await dataParallel(model, { spec: s, batch: B, ports: Array.from({ length: workers }, () => inThreadWorker()) });
  if (dp) running.push(dp);
  const trace: Trace = { losses: [], params: [], states: new Float64Array(0) };
  for (const [x, y] of windows(B, T, updates)) {
    model.zeroGrad();
    trace.losses.push(dp ? await dp.lossAndGradients(x, y) : model.lossAndGradients(x, y));
    opt.step();
    trace.params.push(snapshot(model));
  }
  const h = dp ? (await dp.getStates())[model.stateNames[0]!]! : model.states[model.stateNames[0]!]!;
  trace.states = Float64Array.from(h.data.subarray(h.offset, h.offset + h.size));
  await dp?.close();
  return trace;
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

function expectClose(got: Trace, want: Trace, tol: number): void {
  expect(got.losses.length).toBe(want.losses.length);
  got.losses.forEach((l, i) => {
    expect(maxRelative([l], [want.losses[i]!])).toBeLessThanOrEqual(tol);
    got.params[i]!.forEach((p, k) => expect(maxRelative(p, want.params[i]![k]!)).toBeLessThanOrEqual(tol));
  });
  expect(maxRelative(got.states, want.states)).toBeLessThanOrEqual(tol);
}

describe('splitBatch', () => {
  it('gives contiguous shares, the first B mod N one stream longer', () => {
    expect(splitBatch(4, 2)).toEqual([{ start: 0, count: 2 }, { start: 2, count: 2 }]);
    expect(splitBatch(5, 2)).toEqual([{ start: 0, count: 3 }, { start: 3, count: 2 }]);
    expect(splitBatch(7, 3)).toEqual([{ start: 0, count: 3 }, { start: 3, count: 2 }, { start: 5, count: 2 }]);
  });
  it('refuses more workers than streams', () => {
    expect(() => splitBatch(2, 3)).toThrow('splitBatch: 3 workers need a batch of at least 3 streams, got 2');
  });
});

describe('dataParallel (in-thread ports)', () => {
  it('1 worker equals the plain model exactly; 2 workers to 1e-12 relative per update (B = 4, AdaGrad)', async () => {
    const plain = await train(spec(), 4, 0);
    const one = await train(spec(), 4, 1);
    const two = await train(spec(), 4, 2);
    expect(one.losses).toEqual(plain.losses);
    expect(one.params).toEqual(plain.params);
    expectClose(two, one, 1e-12);
    expectClose(two, plain, 1e-12);
    // the run really moved the weights and the states are not trivially 0
    expect(maxRelative(two.params[0]![0]!, two.params[3]![0]!)).toBeGreaterThan(1e-6);
    expect(two.states.some((v) => v !== 0)).toBe(true);
  });

  it('float32: 1 worker equals the plain float32 model exactly; 2 workers to float32 rounding', async () => {
    const s = spec({ dtype: 'float32' });
    const plain = await train(s, 4, 0);
    const one = await train(s, 4, 1);
    const two = await train(s, 4, 2);
    expect(one.losses).toEqual(plain.losses);
    expect(one.params).toEqual(plain.params);
    // Each worker's loss and gradient round to float32 on their own, and the
    // coordinator's weighted sum rounds again: a few float32 ulps (2⁻²⁴ ≈ 6e-8)
    // per update, amplified by AdaGrad's g/√G for small entries.
    expectClose(two, plain, 1e-5);
    expect(maxRelative(two.params[0]![0]!, two.params[3]![0]!)).toBeGreaterThan(1e-6);
    // The spec without a dtype gets the model's: the same run.
    const model = build(s, 4);
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [inThreadWorker()] });
    running.push(dp);
    const [x, y] = windows(4, 6, 1)[0]!;
    expect(await dp.lossAndGradients(x, y)).toBe(plain.losses[0]);
    await dp.close();
  });

  it('two runs with 2 workers are bit-identical', async () => {
    const a = await train(spec(), 4, 2);
    const b = await train(spec(), 4, 2);
    expect(a.losses).toEqual(b.losses);
    expect(a.params).toEqual(b.params);
  });

  it('uneven shares (B = 5 over 2 and 3 workers) are weighted by size', async () => {
    const plain = await train(spec(), 5, 0);
    expectClose(await train(spec(), 5, 2), plain, 1e-12);
    expectClose(await train(spec(), 5, 3), plain, 1e-12);
  });

  it('a 2-layer LSTM with 2 workers matches the plain model', async () => {
    const s = spec({ cell: 'lstm', layers: 2 });
    expectClose(await train(s, 4, 2, 3), await train(s, 4, 0, 3), 1e-12);
  });

  it('states: resetState zeroes them in every worker; setStates/getStates round-trip [B, m]', async () => {
    const model = build(spec(), 4);
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(dp);
    const [[x, y]] = windows(4, 3, 1) as [[Int32Array, Int32Array]];
    await dp.lossAndGradients(x, y);
    const h = (await dp.getStates()).h!;
    expect(h.shape).toEqual([4, 7]);
    h.data[5] = 0.25; // row 0 (worker 0)
    h.data[3 * 7 + 1] = -0.5; // row 3 (worker 1)
    await dp.setStates({ h });
    const back = (await dp.getStates()).h!;
    expect(Array.from(back.data)).toEqual(Array.from(h.data));
    await dp.resetState();
    expect((await dp.getStates()).h!.data.every((v) => v === 0)).toBe(true);
  });

  it('with dropout, two runs with 2 workers are still bit-identical (masks from each worker\'s seeded rng)', async () => {
    const s = spec({ layers: 2, dropout: 0.5, seed: 4 });
    const a = await train(s, 4, 2, 3);
    const b = await train(s, 4, 2, 3);
    expect(a.losses).toEqual(b.losses);
    expect(a.params).toEqual(b.params);
  });

  it('a custom build serves any spec', async () => {
    const custom = { model: 'tiny-rnn', width: 7 };
    const build = (sp: ReplicaSpec, ctx: { batch: number }): CharRnnModel => charRnn({ vocabSize: K, hidden: (sp as typeof custom).width, batch: ctx.batch, rng: new Rng(1) });
    const model = build(custom, { batch: 4 });
    const dp = await dataParallel(model, { spec: custom, batch: 4, ports: [inThreadWorker({ build }), inThreadWorker({ build })] });
    running.push(dp);
    const [[x, y]] = windows(4, 3, 1) as [[Int32Array, Int32Array]];
    const plain = build(custom, { batch: 4 });
    model.parameters().forEach((p, i) => plain.parameters()[i]!.value.data.set(p.value.data));
    plain.zeroGrad();
    const want = plain.lossAndGradients(x, y);
    model.zeroGrad();
    expect(maxRelative([await dp.lossAndGradients(x, y)], [want])).toBeLessThanOrEqual(1e-12);
  });

  it('T may change between updates: a longer window gets a new shared ids buffer (T = 3, 6, 2, 6)', async () => {
    const run = async (workers: number): Promise<number[]> => {
      const model = build(spec(), 4);
      const opt = new AdaGrad(model.parameters(), { lr: 0.1, clipValue: 5 });
      const dp = workers === 0 ? null : await dataParallel(model, { spec: spec(), batch: 4, ports: Array.from({ length: workers }, () => inThreadWorker()) });
      if (dp) running.push(dp);
      const losses: number[] = [];
      for (const T of [3, 6, 2, 6]) {
        const [[x, y]] = windows(4, T, 1) as [[Int32Array, Int32Array]];
        model.zeroGrad();
        losses.push(dp ? await dp.lossAndGradients(x, y) : model.lossAndGradients(x, y));
        opt.step();
      }
      losses.push(...snapshot(model)[1]!);
      return losses;
    };
    const plain = await run(0);
    expect(await run(1)).toEqual(plain);
    expect(maxRelative(await run(2), plain)).toBeLessThanOrEqual(1e-12);
  });

  it('without Atomics.waitAsync (older browsers) the workers answer every update by message, with the same results', async () => {
    const atomics = Atomics as unknown as { waitAsync?: unknown };
    const saved = atomics.waitAsync;
    const plain = await train(spec(), 4, 0);
    delete atomics.waitAsync;
    try {
      const one = await train(spec(), 4, 1);
      expect(one.losses).toEqual(plain.losses);
      expect(one.params).toEqual(plain.params);
      expectClose(await train(spec(), 4, 2), plain, 1e-12);
    } finally {
      atomics.waitAsync = saved;
    }
  });

  it('spinMs 0 (never poll) gives the same results as the default', async () => {
    const model = build(spec(), 4);
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()], spinMs: 0 });
    running.push(dp);
    const losses: number[] = [];
    for (const [x, y] of windows(4, 6, 4)) {
      model.zeroGrad();
      losses.push(await dp.lossAndGradients(x, y));
    }
    const polling = await dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(polling);
    const again: number[] = [];
    for (const [x, y] of windows(4, 6, 4)) again.push(await polling.lossAndGradients(x, y));
    expect(again).toEqual(losses);
  });

  it('where Atomics.wait may not block (a browser page serving a worker loop itself), the poll gives up: no error, the same updates', async () => {
    const atomics = Atomics as unknown as { wait: unknown };
    const wait = atomics.wait;
    const model = build(spec(), 4);
    const plain = build(spec(), 4);
    const replies: string[] = [];
    // The coordinator's ends, tapped: every reply a worker sends is recorded.
    const tap = (port: WorkerPort): WorkerPort => ({
      ...port,
      addEventListener: (type, fn) =>
        port.addEventListener(type, type === 'message' ? (e: { data: { type: string; message?: string } }) => (replies.push(e.data.message ?? e.data.type), fn(e)) : fn),
    });
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [tap(inThreadWorker()), tap(inThreadWorker())] });
    running.push(dp);
    atomics.wait = () => {
      throw new TypeError('Atomics.wait cannot be called in this context');
    };
    try {
      for (const [x, y] of windows(4, 6, 3)) {
        expect(maxRelative([await dp.lossAndGradients(x, y)], [plain.lossAndGradients(x, y)])).toBeLessThanOrEqual(1e-12);
      }
    } finally {
      atomics.wait = wait;
    }
    expect(replies.filter((r) => r !== 'ready')).toEqual([]);
  });

  it('stats account for every update', async () => {
    const model = build(spec(), 4);
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(dp);
    for (const [x, y] of windows(4, 3, 3)) await dp.lossAndGradients(x, y);
    const { updates, totalMs, slowestWorkerMs, coordinatorMs } = dp.stats;
    expect(updates).toBe(3);
    expect(slowestWorkerMs).toBeGreaterThan(0);
    expect(coordinatorMs).toBeGreaterThan(0);
    expect(totalMs).toBeGreaterThanOrEqual(coordinatorMs);
  });

  it('loss() evaluates without touching the gradients', async () => {
    const model = build(spec(), 4);
    const dp = await dataParallel(model, { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(dp);
    const [[x, y]] = windows(4, 3, 1) as [[Int32Array, Int32Array]];
    model.zeroGrad();
    const l = await dp.loss(x, y);
    expect(l).toBeCloseTo(build(spec(), 4).loss(x, y), 12);
    expect(model.parameters().every((p) => p.grad.data.every((v) => v === 0))).toBe(true);
  });
});

describe('dataParallel errors (one line, never a hang)', () => {
  it('a worker that throws while building its replica', async () => {
    const bad = inThreadWorker({
      build: () => {
        throw new Error('out of\nmemory');
      },
    });
    await expect(dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), bad] })).rejects.toThrow(/^dataParallel: worker 1: out of memory$/);
  });

  it('a spec the built-in builder does not know', async () => {
    await expect(dataParallel(build(spec(), 4), { spec: { model: 'gpt' }, batch: 4, ports: [inThreadWorker()] })).rejects.toThrow(
      `dataParallel: worker 0: buildReplica: expected a spec with model 'charRnn', got "gpt" (pass a build function to serveDataParallel for other models)`,
    );
  });

  it('a spec of the other dtype', async () => {
    const model = build(spec({ dtype: 'float32' }), 2);
    await expect(dataParallel(model, { spec: spec({ dtype: 'float64' }), batch: 2, ports: [inThreadWorker()] })).rejects.toThrow(
      /^dataParallel: worker 0: parameter 'U' is float64 in the replica but float32 in the coordinator's model$/,
    );
  });

  it('a spec that does not build the same model', async () => {
    await expect(dataParallel(build(spec(), 4), { spec: spec({ hidden: 8 }), batch: 4, ports: [inThreadWorker()] })).rejects.toThrow(
      "dataParallel: worker 0: parameter 0 is 'U' of size 88 in the replica but 'U' of size 77 in the coordinator's model",
    );
  });

  it('a browser worker whose script does not load (a bare error event)', async () => {
    let raise: (e: unknown) => void = () => undefined;
    const broken: WorkerPort = { postMessage: () => undefined, addEventListener: (type, fn) => void (type === 'error' && (raise = fn)) };
    const started = dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [broken] });
    raise({ type: 'error' });
    await expect(started).rejects.toThrow('dataParallel: worker 0 died: an error event without a message (did its script fail to load?)');
  });

  it('timeouts must be finite milliseconds', async () => {
    await expect(dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker()], stepTimeoutMs: Infinity })).rejects.toThrow(
      'dataParallel: stepTimeoutMs must be a number of milliseconds in (0, 2147483647], got Infinity',
    );
  });

  it('spinMs must be in [0, 1000] ms', async () => {
    for (const spinMs of [-1, 1001, NaN]) {
      await expect(dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker()], spinMs })).rejects.toThrow(
        `dataParallel: spinMs must be a number of milliseconds in [0, 1000], got ${spinMs}`,
      );
    }
  });

  it('a worker that never answers: the start times out', async () => {
    const silent: WorkerPort = { postMessage: () => undefined, addEventListener: () => undefined };
    await expect(dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), silent], startTimeoutMs: 100 })).rejects.toThrow(
      "dataParallel: worker 1 did not answer 'start' within 100 ms",
    );
  });

  it('a worker that dies mid-run: the update rejects, and so does every later call', async () => {
    let die: (e: unknown) => void = () => undefined;
    const inner = inThreadWorker();
    let terminated = false;
    const mortal: WorkerPort = {
      postMessage: (m, t) => inner.postMessage(m, t),
      addEventListener: (type, fn) => (type === 'error' ? (die = fn) : inner.addEventListener(type, fn)),
      terminate: () => {
        terminated = true;
        inner.terminate?.();
      },
    };
    const dp = await dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), mortal] });
    running.push(dp);
    const [[x, y]] = windows(4, 3, 1) as [[Int32Array, Int32Array]];
    const update = dp.lossAndGradients(x, y);
    die({ message: 'exited with code 1' });
    await expect(update).rejects.toThrow('dataParallel: worker 1 died: exited with code 1');
    expect(terminated).toBe(true);
    await expect(dp.lossAndGradients(x, y)).rejects.toThrow('dataParallel: worker 1 died: exited with code 1');
  });

  it('a failing update (bad ids) rejects with the worker and the cause', async () => {
    const dp = await dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(dp);
    const x = new Int32Array(8).fill(K + 3);
    await expect(dp.lossAndGradients(x, new Int32Array(8))).rejects.toThrow(/^dataParallel: worker 0: .*/);
  });

  it('arguments: ids not a multiple of B, more workers than streams, overlapping calls', async () => {
    await expect(dataParallel(build(spec(), 2), { spec: spec(), batch: 2, ports: [inThreadWorker(), inThreadWorker(), inThreadWorker()] })).rejects.toThrow(
      'dataParallel: 3 workers need a batch of at least 3 streams, got 2',
    );
    const dp = await dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [inThreadWorker(), inThreadWorker()] });
    running.push(dp);
    await expect(dp.lossAndGradients(new Int32Array(6), new Int32Array(6))).rejects.toThrow('DataParallel.lossAndGradients: needs T·B ids (a positive multiple of B = 4), got 6');
    const [[x, y]] = windows(4, 3, 1) as [[Int32Array, Int32Array]];
    const first = dp.lossAndGradients(x, y);
    await expect(dp.lossAndGradients(x, y)).rejects.toThrow("DataParallel.lossAndGradients: called while 'lossAndGradients' is still running; await each call");
    await first;
  });

  it('no SharedArrayBuffer (a page that is not cross-origin isolated)', async () => {
    const g = globalThis as { crossOriginIsolated?: boolean };
    g.crossOriginIsolated = false;
    try {
      let terminated = 0;
      const port: WorkerPort = { postMessage: () => undefined, addEventListener: () => undefined, terminate: () => void terminated++ };
      await expect(dataParallel(build(spec(), 4), { spec: spec(), batch: 4, ports: [port] })).rejects.toThrow(/^dataParallel: this page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy/);
      expect(terminated).toBe(1);
    } finally {
      delete g.crossOriginIsolated;
    }
  });
});

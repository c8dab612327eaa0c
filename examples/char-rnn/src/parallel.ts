/**
 * Data-parallel training in Node: @weft/layers' `dataParallel` over
 * worker_threads. This file holds the thin adapter from a Node `Worker` (an
 * EventEmitter) to the Web-Worker-shaped `WorkerPort` the package speaks to,
 * and {@link startDataParallel}, what `char-rnn train --workers N` calls.
 * The workers run `parallel-worker.js` (next to this file once built).
 *
 * Wiring `char-rnn train --workers N` (as main is now): config.ts gets
 * `workers`, an integer ≥ 1, default 1 (not in FIXED_ON_RESUME: N changes
 * results only by rounding); cli.ts the flag; train-setup.ts a `UserError`
 * when workers > batch; training-run.ts (its model, optimizer and streams
 * exist, a resumed checkpoint's states are in `model.states`):
 *
 *   // run(), before this.loop():
 *   this.dp = config.workers > 1 ? await startDataParallel(this.model, { workers: config.workers, backend: config.backend, seed: config.seed }) : null;
 *   if (this.dp) await pushStates(this.dp, this.model);     // resumed states → the workers
 *   // … and `await this.dp?.close()` in a finally around loop() + finish()
 *   // step() becomes async:   const loss = this.dp ? await this.dp.lossAndGradients(X, Y) : this.model.lossAndGradients(X, Y);
 *   // endEpoch():             this.dp ? await this.dp.resetState() : this.model.resetState();
 *   // before checkpoint() and sample() read model.states:   if (this.dp) await pullStates(this.dp, this.model);
 *
 * Clipping, the optimizer step, sampling, validation (evalModel shares the
 * weights) and the weights in checkpoints stay on `model`. With dropout > 0
 * the masks come from each worker's rng (seed + w), so results depend on N;
 * without dropout N changes results only by rounding, and N = 1 not at all.
 */
import { Worker } from 'node:worker_threads';
import { dataParallel, type CharRnnModel, type CharRnnReplicaSpec, type DataParallel, type WorkerPort } from '@weft/layers';

/**
 * A Node `Worker` as a `WorkerPort`: `'message'` listeners get `{ data }`;
 * `'error'` listeners get `{ message }` when the worker throws (e.g. its
 * script fails to load) or its thread exits before being terminated.
 */
export function nodeWorkerPort(worker: Worker): WorkerPort {
  if (!(worker instanceof Worker)) throw new Error(`nodeWorkerPort: expected a worker_threads Worker, got ${String(worker)}`);
  const wrapped = new Map<(event: any) => void, { event: string; fn: (...args: any[]) => void }[]>();
  // An 'error' event without a listener would throw in this thread: once the coordinator has stopped
  // listening (after a failure, while the worker is being terminated), errors are dropped.
  worker.on('error', () => undefined);
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
    addEventListener(type, listener) {
      const entries =
        type === 'message'
          ? [{ event: 'message', fn: (data: unknown) => listener({ data }) }]
          : [
              { event: 'error', fn: (err: Error) => listener({ message: err?.message ?? String(err), error: err }) },
              { event: 'exit', fn: (code: number) => listener({ message: `its thread exited with code ${code}` }) },
            ];
      for (const e of entries) worker.on(e.event, e.fn);
      wrapped.set(listener, [...(wrapped.get(listener) ?? []), ...entries]);
    },
    removeEventListener(_type, listener) {
      for (const e of wrapped.get(listener) ?? []) worker.off(e.event, e.fn);
      wrapped.delete(listener);
    },
    terminate: () => worker.terminate(),
  };
}

/** Options of {@link startDataParallel}. */
export interface StartDataParallelOptions {
  /** N ≥ 1 worker threads; each owns a contiguous share of the model's B streams (N ≤ B). */
  workers: number;
  /** The workers' kernels (each allocates its replica on its own WebAssembly heap with 'wasm'); default 'js'. */
  backend?: 'js' | 'wasm';
  /** Seeds worker w's rng with seed + w (dropout masks only); default 1. */
  seed?: number;
  /** Default 30,000 ms. */
  startTimeoutMs?: number;
  /** Default 120,000 ms. */
  stepTimeoutMs?: number;
  /** How long a worker polls for the next update after one (`dataParallel`'s option); default 2 ms. */
  spinMs?: number;
  /** The worker script; default `parallel-worker.js` next to this module (its dist/ build when run from sources). */
  workerScript?: URL | string;
}

/** The built worker entry next to this module; from the TypeScript sources (tests), the one in ../dist. */
export function defaultWorkerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/parallel-worker.js', here) : new URL('./parallel-worker.js', here);
}

/**
 * Starts `options.workers` worker threads, each with a replica of `model`
 * (rebuilt from `model.architecture`) for its share of the model's B
 * streams, and resolves to the coordinator once all are ready:
 *
 * ```ts
 * const dp = await startDataParallel(model, { workers: 2, backend: 'wasm' });
 * try {
 *   for (...) { model.zeroGrad(); const loss = await dp.lossAndGradients(X, Y); optimizer.step(); }
 * } finally { await dp.close(); }
 * ```
 *
 * Gradients land in `model`'s own `param.grad`, so clipping, the optimizer,
 * checkpoints of the weights and sampling work on `model` as before; the
 * carried states live in the workers (`dp.getStates()`, `dp.setStates()`,
 * `dp.resetState()`). Rejects with a one-line message (and stops the threads)
 * when a worker cannot start, fails or dies, or N > B.
 */
export async function startDataParallel(model: CharRnnModel, options: StartDataParallelOptions): Promise<DataParallel> {
  const n = options?.workers;
  if (!Number.isInteger(n) || n < 1) throw new Error(`startDataParallel: workers must be a positive integer, got ${n}`);
  if (n > model.batch) throw new Error(`startDataParallel: ${n} workers need a batch of at least ${n} streams, got ${model.batch}`);
  const a = model.architecture;
  const spec: CharRnnReplicaSpec = { model: 'charRnn', vocabSize: a.vocabSize, hidden: a.hidden, cell: a.cell, layers: a.layers, dropout: a.dropout, seed: options.seed ?? 1, dtype: model.dtype };
  const script = options.workerScript ?? defaultWorkerScript();
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < n; w++) workers.push(new Worker(script, { name: `weft data-parallel ${w}` }));
  } catch (err) {
    await Promise.allSettled(workers.map((w) => w.terminate()));
    throw new Error(`startDataParallel: could not start worker ${workers.length} from ${String(script)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A forgotten close() must not keep the process alive; requests in flight keep it alive through their timeout.
  for (const w of workers) w.unref();
  return dataParallel(model, {
    spec,
    batch: model.batch,
    ports: workers.map(nodeWorkerPort),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    ...(options.spinMs === undefined ? {} : { spinMs: options.spinMs }),
  });
}

/**
 * Copies the carried states of all B streams from the workers into
 * `model.states` (each `[B, m]`), e.g. before writing a checkpoint or
 * sampling from a stream's state.
 */
export async function pullStates(dp: DataParallel, model: CharRnnModel): Promise<void> {
  const states = await dp.getStates();
  for (const name of model.stateNames) {
    const from = states[name];
    const to = model.states[name]!;
    if (!from || from.size !== to.size) throw new Error(`pullStates: the workers have no state '${name}' of ${to.size} values`);
    to.data.set(from.data.subarray(from.offset, from.offset + from.size), to.offset);
  }
}

/** Sends `model.states` (each `[B, m]`) to the workers, e.g. after resuming from a checkpoint. */
export async function pushStates(dp: DataParallel, model: CharRnnModel): Promise<void> {
  await dp.setStates(model.states);
}

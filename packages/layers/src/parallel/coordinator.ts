/**
 * The coordinator of data-parallel training: B streams split over N workers,
 * gradients summed in a fixed order into the model's own `param.grad`, so the
 * optimizer runs here, unchanged, on the coordinator's model.
 */
import { formatShape, Tensor, zeros, type DType, type TypedArray } from '@weft/tensor';
import { Control, controlLength, now, oneLine, type ParamSlot, type ReplicaSpec, type Reply, type Request, type WorkerPort } from './protocol.js';

/** A parameter as the coordinator sees it (a `Param` or an optimizer's `{ name, value, grad }`): contiguous, float64 or float32 (one dtype for all). */
export interface ParallelParam {
  /** Its name; the workers' replicas must have the same names in the same order. */
  readonly name: string;
  /** The current values, copied to the workers before each update. */
  readonly value: Tensor;
  /** Same shape; each update adds the workers' weighted gradients into it. */
  readonly grad: Tensor;
}

/** Options of {@link dataParallel}. */
export interface DataParallelOptions {
  /** What each worker builds its replica from, e.g. `{ model: 'charRnn', vocabSize, hidden, cell, layers }`. */
  spec: ReplicaSpec;
  /** One port per worker (Web `Worker`s, or adapted Node workers); N = ports.length ≥ 1. */
  ports: readonly WorkerPort[];
  /** B, the number of streams of every update; each worker needs at least one. */
  batch: number;
  /** The workers' kernel backend (each builds its replica with `setBackend(backend)`); default 'js'. */
  backend?: 'js' | 'wasm';
  /** How long the workers may take to build their replicas; default 30,000 ms. */
  startTimeoutMs?: number;
  /** How long one update (or any other request) may take; default 120,000 ms. */
  stepTimeoutMs?: number;
  /**
   * How long a worker that finished an update polls for the next one before
   * it goes back to waiting for a message; default 2 ms, 0 never polls. The
   * poll starts the next update without a wake-up (which can also land the
   * worker on a busy core); it costs up to this much CPU per worker at the
   * end of a run of updates. Use 0 when there are more workers than cores.
   */
  spinMs?: number;
}

/** `Atomics.waitAsync`'s shape (Node ≥ 16, Chromium, Safari ≥ 16.4); where a runtime lacks it, workers answer updates by message. */
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> };

/** The contiguous streams `[start, start + count)` a worker owns. */
export interface Share {
  /** The first stream (column b of the time-major ids). */
  readonly start: number;
  /** How many streams, B_w ≥ 1. */
  readonly count: number;
}

/**
 * Splits B streams into N contiguous shares: the first `B mod N` workers take
 * ⌈B/N⌉ streams, the others ⌊B/N⌋ (uneven shares are fine: gradients are
 * weighted by share size). Throws when N > B (a worker would have nothing).
 */
export function splitBatch(batch: number, workers: number): Share[] {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`splitBatch: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`splitBatch: workers must be a positive integer, got ${workers}`);
  if (workers > batch) throw new Error(`splitBatch: ${workers} workers need a batch of at least ${workers} streams, got ${batch}`);
  const base = Math.floor(batch / workers);
  const extra = batch % workers;
  const shares: Share[] = [];
  let start = 0;
  for (let w = 0; w < workers; w++) {
    const count = base + (w < extra ? 1 : 0);
    shares.push({ start, count });
    start += count;
  }
  return shares;
}

/**
 * Why data-parallel training cannot run here (no SharedArrayBuffer, or a page
 * that is not cross-origin isolated), or null.
 */
export function parallelUnavailableReason(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; Atomics?: unknown };
  if (g.crossOriginIsolated === false) {
    return 'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer is unavailable';
  }
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object') return 'SharedArrayBuffer and Atomics are unavailable in this runtime';
  return null;
}

/** The timers every JavaScript runtime has (browsers, workers, Node); typed here since the package uses no DOM or Node types. */
type TimerId = unknown;
const timers = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
};

/** Where the time of the updates so far went (`DataParallel.stats`), in milliseconds. */
export interface DataParallelStats {
  /** Calls of lossAndGradients and loss. */
  updates: number;
  /** Wall time of those calls. */
  totalMs: number;
  /** Σ over updates of the slowest worker's busy time (copies in and out, forward, BPTT). */
  slowestWorkerMs: number;
  /** Σ over updates of the coordinator's own work: ids and parameters out, the gradient sum in. */
  coordinatorMs: number;
}

/** The request in flight: what every worker must answer. */
interface Pending {
  readonly id: number;
  readonly what: string;
  readonly replies: (Reply | undefined)[];
  remaining: number;
  readonly resolve: (replies: Reply[]) => void;
  readonly reject: (err: Error) => void;
  readonly timer: TimerId;
}

/**
 * Data-parallel training over N workers, from {@link dataParallel}. Use it in
 * place of the model's `lossAndGradients`:
 *
 * ```ts
 * model.zeroGrad();
 * const loss = await dp.lossAndGradients(inputs, targets); // sums the workers' gradients into model's param.grad
 * optimizer.step();                                       // on the coordinator, as always
 * ```
 *
 * One call at a time (await each). After any failure every call rejects with
 * the same one-line message, and the workers have been terminated.
 */
export class DataParallel {
  /** N. */
  readonly workers: number;
  /** B. */
  readonly batch: number;
  /** The streams each worker owns, in worker order. */
  readonly shares: readonly Share[];
  /** The backend the workers actually run (the first worker's answer; 'js' where WebAssembly SIMD is missing). */
  get workerBackend(): 'js' | 'wasm' {
    return this.backendInEffect;
  }
  /**
   * Where the time went, summed over updates; `totalMs − slowestWorkerMs −
   * coordinatorMs` is messaging and waiting for a CPU (large on a loaded machine).
   */
  readonly stats: DataParallelStats = { updates: 0, totalMs: 0, slowestWorkerMs: 0, coordinatorMs: 0 };

  private readonly params: readonly ParallelParam[];
  private readonly layout: ParamSlot[];
  /** The parameters' dtype, which the shared buffers hold. */
  private readonly dtype: DType;
  private readonly sharedParams: TypedArray;
  private readonly sharedGrads: TypedArray;
  private readonly control: Int32Array;
  /** Float64 × 2N: worker w's loss and busy milliseconds of the last update. */
  private readonly results: Float64Array;
  /** The shared ids of an update (worker w's inputs then targets at 2·capacity·start_w), its generation and capacity in time steps. */
  private ids: Int32Array | null = null;
  private idsGeneration = 0;
  private idsCapacity = 0;
  private readonly total: number;
  /** The runtime's Atomics.waitAsync, bound, or undefined (then the workers also answer each update by message). */
  private readonly waitAsync: WaitAsync | undefined;
  private backendInEffect: 'js' | 'wasm' = 'js';
  private nextId = 1;
  private seq = 0;
  private pending: Pending | null = null;
  private failure: Error | null = null;
  private closed = false;
  private readonly listeners: { message: (e: { data: unknown }) => void; error: (e: unknown) => void }[] = [];

  /** Use {@link dataParallel}, which also starts the workers. */
  constructor(params: readonly ParallelParam[], private readonly ports: readonly WorkerPort[], private readonly options: DataParallelOptions) {
    this.params = params;
    this.workers = ports.length;
    this.batch = options.batch;
    this.shares = splitBatch(options.batch, ports.length);
    let offset = 0;
    this.layout = params.map((p) => {
      const slot = { name: p.name, offset, size: p.value.size };
      offset += p.value.size;
      return slot;
    });
    this.total = offset;
    this.dtype = params[0]?.value.dtype ?? 'float64';
    const shared = (n: number): TypedArray =>
      this.dtype === 'float32' ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float64Array(new SharedArrayBuffer(8 * n));
    this.sharedParams = shared(offset);
    this.sharedGrads = shared(offset * this.workers);
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlLength(this.workers)));
    this.results = new Float64Array(new SharedArrayBuffer(8 * 2 * this.workers));
    const wait = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
    this.waitAsync = typeof wait === 'function' ? wait.bind(Atomics) : undefined;
    ports.forEach((port, w) => {
      const message = (e: { data: unknown }): void => this.onReply(w, e?.data as Reply);
      const error = (e: unknown): void => this.fail(`worker ${w} died: ${describeError(e)}`);
      port.addEventListener('message', message);
      port.addEventListener('error', error);
      this.listeners.push({ message, error });
    });
  }

  /** Sends `init` to every worker and waits for their replicas (internal; {@link dataParallel} calls it). */
  async start(): Promise<void> {
    const { spec, backend = 'js', startTimeoutMs = 30_000 } = this.options;
    const replies = await this.request(
      'start',
      startTimeoutMs,
      (w, id): Request => ({
        type: 'init',
        id,
        worker: w,
        // A charRnn spec without a dtype gets the model's, so the replicas match it.
        spec: spec.model === 'charRnn' && spec.dtype === undefined ? { ...spec, dtype: this.dtype } : spec,
        batch: this.shares[w]!.count,
        backend,
        layout: this.layout,
        dtype: this.dtype,
        params: this.sharedParams.buffer as SharedArrayBuffer,
        grads: this.sharedGrads.buffer as SharedArrayBuffer,
        control: this.control.buffer as SharedArrayBuffer,
        results: this.results.buffer as SharedArrayBuffer,
        start: this.shares[w]!.start,
        spinMs: this.options.spinMs ?? 2,
        replyByMessage: this.waitAsync === undefined,
      }),
    );
    const first = replies[0];
    if (first?.type === 'ready') this.backendInEffect = first.backend;
  }

  /**
   * One data-parallel forward/BPTT over ids `[T·B]` (time-major: index t·B + b),
   * each worker on its own streams from their carried states. ACCUMULATES (+=)
   * into every `param.grad` of the coordinator's model Σ_w (B_w / B)·g_w, in
   * worker order 0, 1, …, and resolves to the loss summed over time, averaged
   * over the B streams (as `CharRnnModel.lossAndGradients`).
   */
  async lossAndGradients(inputs: Int32Array, targets: Int32Array): Promise<number> {
    return this.step('lossAndGradients', true, inputs, targets);
  }

  /** The same loss without gradients and without dropout; advances the workers' states. */
  async loss(inputs: Int32Array, targets: Int32Array): Promise<number> {
    return this.step('loss', false, inputs, targets);
  }

  /** Sets every stream's carried state to 0 (in the workers). */
  async resetState(): Promise<void> {
    await this.request('resetState', this.stepTimeout, (_w, id) => ({ type: 'reset', id }));
  }

  /** The carried states of all B streams, gathered from the workers: by state name, each `[B, m]` (a copy). */
  async getStates(): Promise<Record<string, Tensor>> {
    const replies = await this.request('getStates', this.stepTimeout, (_w, id) => ({ type: 'getStates', id }));
    const out: Record<string, Tensor> = {};
    replies.forEach((r, w) => {
      if (r.type !== 'states') throw new Error(`DataParallel.getStates: worker ${w} answered '${r.type}'`);
      const { start, count } = this.shares[w]!;
      for (const [name, values] of Object.entries(r.states)) {
        const m = values.length / count;
        const t = (out[name] ??= zeros([this.batch, m]));
        t.data.set(values, t.offset + start * m);
      }
    });
    return out;
  }

  /** Writes the carried states of all B streams (by state name, each `[B, m]`, as `getStates` gives them) into the workers. */
  async setStates(states: Readonly<Record<string, Tensor>>): Promise<void> {
    for (const [name, t] of Object.entries(states)) {
      if (!(t instanceof Tensor) || t.rank !== 2 || t.shape[0] !== this.batch || !t.isContiguous) {
        throw new Error(`DataParallel.setStates: state '${name}' must be a contiguous [${this.batch}, m] tensor, got ${t instanceof Tensor ? formatShape(t.shape) : String(t)}`);
      }
    }
    await this.request('setStates', this.stepTimeout, (w, id) => {
      const { start, count } = this.shares[w]!;
      const mine: Record<string, Float64Array> = {};
      for (const [name, t] of Object.entries(states)) {
        const m = t.shape[1]!;
        mine[name] = Float64Array.from(t.data.subarray(t.offset + start * m, t.offset + (start + count) * m));
      }
      return { type: 'setStates', id, states: mine };
    });
  }

  /** Stops every worker (asks it to close, then terminates it). Safe to call twice, and after a failure. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failure ??= new Error('DataParallel: closed');
    this.rejectPending(this.failure);
    await this.stopWorkers(true);
  }

  private get stepTimeout(): number {
    return this.options.stepTimeoutMs ?? 120_000;
  }

  private async step(who: string, train: boolean, inputs: Int32Array, targets: Int32Array): Promise<number> {
    const B = this.batch;
    if (!(inputs instanceof Int32Array) || !(targets instanceof Int32Array)) throw new Error(`DataParallel.${who}: inputs and targets must be Int32Arrays of token ids`);
    if (inputs.length !== targets.length) throw new Error(`DataParallel.${who}: inputs has ${inputs.length} ids but targets has ${targets.length}`);
    if (inputs.length === 0 || inputs.length % B !== 0) throw new Error(`DataParallel.${who}: needs T·B ids (a positive multiple of B = ${B}), got ${inputs.length}`);
    this.checkUsable(who);
    const started = now();
    const T = inputs.length / B;
    this.params.forEach((p, i) => this.sharedParams.set(p.value.data.subarray(p.value.offset, p.value.offset + p.value.size), this.layout[i]!.offset));
    const newIds = this.writeIds(inputs, targets, T);
    const seq = this.seq + 1;
    const previousDone = this.shares.map((_, w) => Atomics.load(this.control, Control.DONE + w));
    const sending = now();
    const replies = await this.request(
      who,
      this.stepTimeout,
      (_w, id) => ({ type: 'step', id, seq, ...(newIds ? { ids: newIds } : {}) }),
      // Publishes the update: its number goes last, after the parameters, ids, T, flag and request id.
      (id) => {
        Atomics.store(this.control, Control.T, T);
        Atomics.store(this.control, Control.TRAIN, train ? 1 : 0);
        Atomics.store(this.control, Control.ID, id);
        Atomics.store(this.control, Control.GEN, this.idsGeneration);
        Atomics.store(this.control, Control.SEQ, (this.seq = seq));
        Atomics.notify(this.control, Control.SEQ);
        if (this.waitAsync !== undefined) this.shares.forEach((_, w) => this.watchDone(w, id, seq, previousDone[w]!));
      },
    );
    const received = now();
    let coordinator = sending - started;
    let loss = 0;
    let slowest = 0;
    for (let w = 0; w < this.workers; w++) {
      const r = replies[w]!;
      if (r.type !== 'done') throw new Error(`DataParallel.${who}: worker ${w} answered '${r.type}'`);
      loss += (this.shares[w]!.count / B) * r.loss;
      slowest = Math.max(slowest, r.busyMs);
    }
    if (train) this.sumGradients(seq);
    const done = now();
    coordinator += done - received;
    this.stats.updates++;
    this.stats.totalMs += done - started;
    this.stats.slowestWorkerMs += slowest;
    this.stats.coordinatorMs += coordinator;
    return loss;
  }

  /**
   * Writes each worker's share of the ids into the shared ids buffer, time-major
   * (`[T, B_w]` inputs, then targets). When the buffer has no room for T steps,
   * a new one (of a new generation) replaces it; returns it then, for the
   * update's messages to carry, else undefined.
   */
  private writeIds(inputs: Int32Array, targets: Int32Array, T: number): { buffer: SharedArrayBuffer; generation: number; capacity: number } | undefined {
    const B = this.batch;
    let fresh: { buffer: SharedArrayBuffer; generation: number; capacity: number } | undefined;
    if (this.ids === null || T > this.idsCapacity) {
      if (2 * T * B > 2 ** 31 - 1) throw new Error(`DataParallel: ${T} time steps of ${B} streams are too many ids for one update`);
      const buffer = new SharedArrayBuffer(4 * 2 * T * B);
      this.ids = new Int32Array(buffer);
      this.idsCapacity = T;
      fresh = { buffer, generation: ++this.idsGeneration, capacity: T };
    }
    const ids = this.ids;
    const cap = this.idsCapacity;
    for (const { start, count } of this.shares) {
      const base = 2 * cap * start;
      for (let t = 0; t < T; t++) {
        ids.set(inputs.subarray(t * B + start, t * B + start + count), base + t * count);
        ids.set(targets.subarray(t * B + start, t * B + start + count), base + cap * count + t * count);
      }
    }
    return fresh;
  }

  /**
   * Answers update `seq` (request `id`) for worker w once it stores `seq` at
   * DONE + w — through `Atomics.waitAsync`, which resolves without a message
   * round trip. Wake-ups that find another value (a failure or close releases
   * the waiters) re-arm only while the update is still pending.
   */
  private watchDone(w: number, id: number, seq: number, previous: number): void {
    const settle = (): void => {
      if (this.pending?.id !== id) return;
      const done = Atomics.load(this.control, Control.DONE + w);
      if (done === seq) this.onReply(w, { type: 'done', id, loss: this.results[2 * w]!, busyMs: this.results[2 * w + 1]! });
      else this.watchDone(w, id, seq, done);
    };
    const r = this.waitAsync!(this.control, Control.DONE + w, previous);
    if (r.async) void r.value.then(settle);
    else settle();
  }

  /** param.grad += Σ_w (B_w / B)·g_w, in worker order. */
  private sumGradients(seq: number): void {
    const B = this.batch;
    const G = this.sharedGrads;
    for (let w = 0; w < this.workers; w++) {
      const got = Atomics.load(this.control, Control.DONE + w); // orders the reads below after worker w's writes
      if (got !== seq) return this.failNow(`worker ${w} wrote gradients of update ${got}, expected ${seq}`);
      const weight = this.shares[w]!.count / B;
      const base = w * this.total;
      this.params.forEach((p, i) => {
        const g = p.grad.data;
        const o = p.grad.offset;
        const src = base + this.layout[i]!.offset;
        for (let k = 0, n = p.grad.size; k < n; k++) g[o + k]! += weight * G[src + k]!;
      });
    }
  }

  private checkUsable(who: string): void {
    if (this.failure) throw new Error(this.failure.message);
    if (this.pending) throw new Error(`DataParallel.${who}: called while '${this.pending.what}' is still running; await each call`);
  }

  /**
   * Posts one request to every worker and resolves to their replies, in worker
   * order. An update comes with `publish`, which writes it into the control
   * block before its messages go, and sets PHASE to 1; any other request sets
   * PHASE to 0, so that a polling worker goes back to its message loop to read it.
   */
  private request(what: string, timeoutMs: number, make: (w: number, id: number) => Request, publish?: (id: number) => void): Promise<Reply[]> {
    this.checkUsable(what);
    const id = this.nextId++;
    Atomics.store(this.control, Control.PHASE, publish ? 1 : 0);
    Atomics.notify(this.control, Control.SEQ); // a worker sleeping in its poll re-reads PHASE
    return new Promise<Reply[]>((resolve, reject) => {
      const timer = timers.setTimeout(() => {
        const late = this.pending?.replies.flatMap((r, w) => (r === undefined ? [w] : [])) ?? [];
        this.fail(`worker${late.length === 1 ? '' : 's'} ${late.join(', ')} did not answer '${what}' within ${timeoutMs} ms`);
      }, timeoutMs);
      this.pending = { id, what, replies: this.ports.map(() => undefined), remaining: this.ports.length, resolve, reject, timer };
      try {
        publish?.(id);
        this.ports.forEach((port, w) => port.postMessage(make(w, id)));
      } catch (err) {
        this.fail(`could not send '${what}' to a worker: ${describeError(err)}`);
      }
    });
  }

  private onReply(w: number, reply: Reply): void {
    const p = this.pending;
    if (!p || reply?.id !== p.id || p.replies[w] !== undefined) return; // stale or unexpected: ignore
    p.replies[w] = reply;
    if (--p.remaining > 0) return;
    // Every worker has answered: report the first failure in worker order, so the message does not depend on timing.
    const failed = p.replies.findIndex((r) => r?.type === 'error');
    if (failed >= 0) {
      const message = (p.replies[failed] as Extract<Reply, { type: 'error' }>).message;
      this.fail(message.startsWith(`worker ${failed}`) ? message : `worker ${failed}: ${message}`);
      return;
    }
    timers.clearTimeout(p.timer);
    this.pending = null;
    p.resolve(p.replies as Reply[]);
  }

  /** Records the first failure, rejects the request in flight and terminates every worker. */
  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new Error(`dataParallel: ${oneLine(message)}`);
    this.rejectPending(this.failure);
    void this.stopWorkers(false);
  }

  private failNow(message: string): never {
    this.fail(message);
    throw new Error(this.failure!.message);
  }

  private rejectPending(err: Error): void {
    // Polling workers stop polling; waiters in Atomics.waitAsync wake up (and find nothing pending).
    Atomics.store(this.control, Control.PHASE, 0);
    Atomics.notify(this.control, Control.SEQ);
    this.shares.forEach((_, w) => Atomics.notify(this.control, Control.DONE + w));
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    timers.clearTimeout(p.timer);
    p.reject(new Error(err.message));
  }

  private async stopWorkers(polite: boolean): Promise<void> {
    const waits: unknown[] = [];
    this.ports.forEach((port, w) => {
      const l = this.listeners[w];
      if (l) {
        port.removeEventListener?.('message', l.message);
        port.removeEventListener?.('error', l.error);
      }
      try {
        if (polite) port.postMessage({ type: 'close', id: 0 } satisfies Request);
      } catch {
        // the worker is already gone
      }
      try {
        waits.push(port.terminate?.());
      } catch {
        // ditto
      }
    });
    await Promise.allSettled(waits);
  }
}

/** The message of an error event (ErrorEvent, Error or anything). */
function describeError(e: unknown): string {
  const x = e as { message?: unknown; error?: { message?: unknown } } | null;
  const m = x?.message ?? x?.error?.message;
  if (typeof m === 'string' && m.length > 0) return oneLine(m);
  // A browser fires a bare Event when a worker's script fails to load.
  if ((e as { type?: unknown } | null)?.type === 'error') return 'an error event without a message (did its script fail to load?)';
  return oneLine(String(e));
}

/**
 * Starts data-parallel training of `model` (anything with `parameters()`
 * giving `{ name, value, grad }` of one dtype, e.g. a `CharRnnModel`) over the
 * workers behind `options.ports`: each builds a replica from `options.spec`
 * for its contiguous share of the B streams (see {@link splitBatch}).
 * Resolves once every worker is ready; rejects with a one-line message when
 * SharedArrayBuffer is unavailable, a worker fails to build its replica
 * (wrong spec, parameters that differ from the model's), dies, or does not
 * answer within `startTimeoutMs` — and then terminates the workers.
 *
 * Each update copies the model's parameters into a shared buffer (the workers
 * copy them into their replicas) and sums the workers' gradients, in worker
 * order, weighted by share size, into the model's `param.grad`: the run is
 * deterministic for a given number of workers, and one worker gives exactly
 * the model's own gradients.
 */
export async function dataParallel(model: { parameters(): readonly ParallelParam[] }, options: DataParallelOptions): Promise<DataParallel> {
  const ports = options?.ports;
  const stop = (): void => ports?.forEach((p) => void tryTerminate(p));
  const reason = parallelUnavailableReason();
  if (reason !== null) {
    stop();
    throw new Error(`dataParallel: ${reason}`);
  }
  if (!Array.isArray(ports) || ports.length === 0) throw new Error(`dataParallel: expected options.ports, a non-empty array of worker ports, got ${Array.isArray(ports) ? 'an empty array' : String(ports)}`);
  if (typeof model?.parameters !== 'function') {
    stop();
    throw new Error('dataParallel: expected a model with parameters()');
  }
  for (const key of ['startTimeoutMs', 'stepTimeoutMs'] as const) {
    const ms = options[key];
    if (ms !== undefined && !(Number.isFinite(ms) && ms > 0 && ms <= 2 ** 31 - 1)) {
      stop();
      throw new Error(`dataParallel: ${key} must be a number of milliseconds in (0, 2147483647], got ${ms}`);
    }
  }
  const spin = options.spinMs;
  if (spin !== undefined && !(typeof spin === 'number' && spin >= 0 && spin <= 1000)) {
    stop();
    throw new Error(`dataParallel: spinMs must be a number of milliseconds in [0, 1000], got ${spin}`);
  }
  const params = model.parameters();
  const dtype = params[0]?.value.dtype ?? 'float64';
  for (const p of params) {
    if (p.value.dtype !== dtype || p.grad.dtype !== dtype || !p.value.isContiguous || !p.grad.isContiguous) {
      stop();
      throw new Error(`dataParallel: parameter '${p.name}' must be a contiguous ${dtype} tensor (one dtype for all), got ${p.value.dtype} ${formatShape(p.value.shape)}`);
    }
  }
  let dp: DataParallel;
  try {
    dp = new DataParallel(params, ports, options);
  } catch (err) {
    stop();
    throw new Error(`dataParallel: ${describeError(err).replace(/^splitBatch: /, '')}`);
  }
  await dp.start();
  return dp;
}

function tryTerminate(port: WorkerPort): unknown {
  try {
    return port.terminate?.();
  } catch {
    return undefined;
  }
}

/**
 * The worker loop of data-parallel training: it builds a replica from the
 * coordinator's spec, then for every update copies the shared parameters in,
 * runs forward/BPTT over its share of the streams and writes its gradient to
 * its region of the shared gradient buffer. The carried states of its streams
 * live here, in the replica, between updates.
 *
 * Every update is announced twice: by its number in the shared control block
 * and by a 'step' message. After an update the worker polls the control block
 * for `spinMs` and runs the next update as soon as it is published: the
 * coordinator's part of an update is a fraction of a millisecond, and a worker
 * that went to sleep instead is woken by the message later — and, on a machine
 * with as many busy threads as cores, is sometimes placed on a core the other
 * worker is using, which doubles that update's time. The message of an update
 * already run is skipped (its number is not new), then the worker polls again,
 * so messages never pile up while it runs updates from the poll.
 */
import { getBackend, Rng, setBackend, type Backend, type TypedArray } from '@weft/tensor';
import { charRnn } from '../models/char-rnn.js';
import { Control, now, oneLine, type CharRnnReplicaSpec, type ParamSlot, type ReplicaModel, type ReplicaSpec, type Reply, type Request, type WorkerScope } from './protocol.js';

/** Builds worker `worker`'s replica for `batch` streams from a spec. */
export type ReplicaBuilder = (spec: ReplicaSpec, context: { readonly batch: number; readonly worker: number }) => ReplicaModel;

/** Options of {@link serveDataParallel}. */
export interface ServeOptions {
  /** Builds the replica; default {@link buildReplica} (`charRnn` specs). */
  build?: ReplicaBuilder;
}

/**
 * The built-in builder: a `charRnn` of `batch` streams from a
 * {@link CharRnnReplicaSpec}, its rng seeded with `spec.seed + worker`
 * (default seed 1; the rng only draws initial weights, which the coordinator
 * overwrites, and dropout masks). Throws for any other `spec.model`.
 */
export function buildReplica(spec: ReplicaSpec, context: { readonly batch: number; readonly worker: number }): ReplicaModel {
  if (spec?.model !== 'charRnn') {
    throw new Error(`buildReplica: expected a spec with model 'charRnn', got ${JSON.stringify(spec?.model)} (pass a build function to serveDataParallel for other models)`);
  }
  const s = spec as CharRnnReplicaSpec;
  return charRnn({
    vocabSize: s.vocabSize,
    hidden: s.hidden,
    batch: context.batch,
    rng: new Rng((s.seed ?? 1) + context.worker),
    ...(s.cell === undefined ? {} : { cell: s.cell }),
    ...(s.layers === undefined ? {} : { layers: s.layers }),
    ...(s.dropout === undefined ? {} : { dropout: s.dropout }),
    ...(s.std === undefined ? {} : { std: s.std }),
    ...(s.dtype === undefined ? {} : { dtype: s.dtype }),
  });
}

/** What a worker keeps after `init`. */
interface WorkerState {
  readonly worker: number;
  readonly model: ReplicaModel;
  readonly backend: Backend;
  readonly layout: readonly ParamSlot[];
  /** The shared parameters, of the coordinator's dtype. */
  readonly params: TypedArray;
  /** This worker's gradient region (P elements). */
  readonly grads: TypedArray;
  readonly control: Int32Array;
  /** Float64 × 2N: this worker's loss at 2w, busy milliseconds at 2w + 1. */
  readonly results: Float64Array;
  /** This worker's first stream and number of streams. */
  readonly start: number;
  readonly count: number;
  readonly spinMs: number;
  readonly replyByMessage: boolean;
  /** The shared ids buffer of the current generation (null before the first update), and its capacity in time steps. */
  ids: Int32Array | null;
  idsGeneration: number;
  idsCapacity: number;
  /** The last update this worker ran (or failed). */
  lastSeq: number;
}

/**
 * Serves a data-parallel coordinator (see `dataParallel`) on `scope` — a
 * dedicated worker's `self` in a browser, Node's `parentPort` in a
 * worker_threads worker — until the coordinator closes it. Call it once, at
 * the top of the worker script. Every request is answered, failures included
 * (as a one-line message), so the coordinator never waits for nothing.
 */
export function serveDataParallel(scope: WorkerScope, options: ServeOptions = {}): void {
  if (typeof scope?.postMessage !== 'function' || typeof scope.addEventListener !== 'function') {
    throw new Error('serveDataParallel: expected a worker scope with postMessage and addEventListener (self in a Web Worker, parentPort in Node)');
  }
  const build = options.build ?? buildReplica;
  let state: WorkerState | null = null;
  const reply = (r: Reply, transfer?: unknown[]): void => scope.postMessage(r, transfer);

  const listener = (event: { data: unknown }): void => {
    const request = event?.data as Request;
    const id = typeof request?.id === 'number' ? request.id : -1;
    try {
      if (request?.type === 'close') {
        scope.removeEventListener('message', listener);
        scope.close?.();
        return;
      }
      if (request?.type === 'init') {
        state = init(request, build);
        reply({ type: 'ready', id, backend: state.backend });
        return;
      }
      if (state === null) throw new Error(`expected 'init' first, got ${JSON.stringify((request as { type?: unknown })?.type)}`);
      const previous = getBackend();
      setBackend(state.backend);
      try {
        answer(state, request, reply);
      } finally {
        setBackend(previous);
      }
    } catch (err) {
      const w = state?.worker ?? (request?.type === 'init' ? request.worker : '?');
      reply({ type: 'error', id, message: `worker ${w}: ${oneLine(err instanceof Error ? err.message : String(err))}` });
    }
  };
  scope.addEventListener('message', listener);
}

/** Builds the replica under the requested backend and checks its parameters against the coordinator's layout. */
function init(request: Extract<Request, { type: 'init' }>, build: ReplicaBuilder): WorkerState {
  const { worker, layout } = request;
  const previous = getBackend();
  const backend = setBackend(request.backend);
  let model: ReplicaModel;
  try {
    model = build(request.spec, { batch: request.batch, worker });
  } finally {
    setBackend(previous);
  }
  const params = model.parameters();
  if (params.length !== layout.length) {
    throw new Error(`the replica has ${params.length} parameters but the coordinator's model has ${layout.length}`);
  }
  let total = 0;
  params.forEach((p, i) => {
    const slot = layout[i]!;
    if (p.name !== slot.name || p.value.size !== slot.size) {
      throw new Error(`parameter ${i} is '${p.name}' of size ${p.value.size} in the replica but '${slot.name}' of size ${slot.size} in the coordinator's model`);
    }
    if (p.value.dtype !== request.dtype || p.grad.dtype !== request.dtype) {
      throw new Error(`parameter '${p.name}' is ${p.value.dtype} in the replica but ${request.dtype} in the coordinator's model`);
    }
    total += slot.size;
  });
  const control = new Int32Array(request.control);
  return {
    worker,
    model,
    backend,
    layout,
    params: request.dtype === 'float32' ? new Float32Array(request.params) : new Float64Array(request.params),
    grads: request.dtype === 'float32' ? new Float32Array(request.grads, worker * total * 4, total) : new Float64Array(request.grads, worker * total * 8, total),
    control,
    results: new Float64Array(request.results),
    start: request.start,
    count: request.batch,
    spinMs: request.spinMs,
    replyByMessage: request.replyByMessage,
    ids: null,
    idsGeneration: 0,
    idsCapacity: 0,
    lastSeq: Atomics.load(control, Control.SEQ),
  };
}

/** Handles one request after `init`. */
function answer(state: WorkerState, request: Request, reply: (r: Reply, transfer?: unknown[]) => void): void {
  const { model } = state;
  switch (request.type) {
    case 'step': {
      if (request.ids) {
        state.ids = new Int32Array(request.ids.buffer);
        state.idsGeneration = request.ids.generation;
        state.idsCapacity = request.ids.capacity;
      }
      if (request.seq > state.lastSeq) {
        // The atomic load orders this thread's reads of the shared parameters and ids after the coordinator's writes.
        const seen = Atomics.load(state.control, Control.SEQ);
        if (seen !== request.seq) throw new Error(`shared parameters are at update ${seen}, expected ${request.seq}`);
        if (!runUpdate(state, request.seq, reply)) return;
      }
      pollForNext(state, reply);
      return;
    }
    case 'reset':
      model.resetState();
      reply({ type: 'ok', id: request.id });
      return;
    case 'getStates': {
      const states: Record<string, Float64Array> = {};
      for (const [name, t] of Object.entries(model.states)) states[name] = Float64Array.from(t.data.subarray(t.offset, t.offset + t.size));
      reply({ type: 'states', id: request.id, states }, Object.values(states).map((a) => a.buffer));
      return;
    }
    case 'setStates': {
      for (const [name, t] of Object.entries(model.states)) {
        const src = request.states[name];
        if (!ArrayBuffer.isView(src) || (src as Float64Array).length !== t.size) {
          throw new Error(`setStates: state '${name}' needs ${t.size} values, got ${ArrayBuffer.isView(src) ? (src as Float64Array).length : String(src)}`);
        }
        t.data.set(src, t.offset);
      }
      reply({ type: 'ok', id: request.id });
      return;
    }
    default:
      throw new Error(`unknown request ${JSON.stringify((request as { type?: unknown }).type)}`);
  }
}

/**
 * Runs update `seq` as the control block and the shared ids describe it:
 * parameters in, forward/BPTT over this worker's streams, gradient out (when
 * training), results and DONE + w stored, then `Atomics.notify`. A failure
 * is answered with an error message carrying the update's request id; returns
 * whether the update succeeded.
 */
function runUpdate(state: WorkerState, seq: number, reply: (r: Reply) => void): boolean {
  const { model, control, worker, count } = state;
  const id = Atomics.load(control, Control.ID);
  state.lastSeq = seq;
  try {
    const started = now();
    const T = Atomics.load(control, Control.T);
    const train = Atomics.load(control, Control.TRAIN) === 1;
    const ids = state.ids;
    if (ids === null || T > state.idsCapacity) throw new Error(`update ${seq} needs ${T} time steps of ids, but this worker has room for ${state.idsCapacity}`);
    // This worker's region of the ids buffer: inputs [T, B_w] then targets, time-major.
    const base = 2 * state.idsCapacity * state.start;
    const inputs = ids.subarray(base, base + T * count);
    const targets = ids.subarray(base + state.idsCapacity * count, base + state.idsCapacity * count + T * count);
    const params = model.parameters();
    params.forEach((p, i) => {
      const slot = state.layout[i]!;
      p.value.data.set(state.params.subarray(slot.offset, slot.offset + slot.size), p.value.offset);
    });
    let loss: number;
    if (train) {
      model.zeroGrad();
      loss = model.lossAndGradients(inputs, targets);
      params.forEach((p, i) => {
        const slot = state.layout[i]!;
        state.grads.set(p.grad.data.subarray(p.grad.offset, p.grad.offset + slot.size), slot.offset);
      });
    } else {
      loss = model.loss(inputs, targets);
    }
    const busyMs = now() - started;
    state.results[2 * worker] = loss;
    state.results[2 * worker + 1] = busyMs;
    // Publishes the gradient and result writes, then wakes a coordinator waiting in Atomics.waitAsync.
    Atomics.store(control, Control.DONE + worker, seq);
    Atomics.notify(control, Control.DONE + worker);
    if (state.replyByMessage) reply({ type: 'done', id, loss, busyMs });
    return true;
  } catch (err) {
    reply({ type: 'error', id, message: `worker ${worker}: ${oneLine(err instanceof Error ? err.message : String(err))}` });
    return false;
  }
}

/**
 * Waits up to `spinMs` for the next update while the coordinator is running
 * updates, and runs it as soon as it is published (unless its ids are in a
 * newer buffer, which its message brings). The last worker to finish sleeps
 * in `Atomics.wait` (the coordinator notifies it), leaving its core to the
 * coordinator, which runs next; the others poll, so they start without a
 * wake-up. Returns after one update at most, so that the worker's message
 * loop keeps up.
 */
function pollForNext(state: WorkerState, reply: (r: Reply) => void): void {
  if (state.spinMs <= 0) return;
  const { control, lastSeq } = state;
  const deadline = now() + state.spinMs;
  let last = true;
  for (let slot = Control.DONE; slot < control.length; slot++) if (Atomics.load(control, slot) !== lastSeq) last = false;
  while (Atomics.load(control, Control.PHASE) === 1) {
    const seq = Atomics.load(control, Control.SEQ);
    if (seq !== lastSeq) {
      if (Atomics.load(control, Control.GEN) === state.idsGeneration) runUpdate(state, seq, reply);
      return;
    }
    const left = deadline - now();
    if (left <= 0) return;
    if (last) {
      try {
        Atomics.wait(control, Control.SEQ, lastSeq, left);
      } catch {
        return; // a browser's main thread may not block (a worker loop served in the page): back to the message loop
      }
    }
  }
}

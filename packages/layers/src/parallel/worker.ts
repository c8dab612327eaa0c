/**
 * The worker loop of data-parallel training: it builds a replica from the
 * coordinator's spec, then for every update copies the shared parameters in,
 * runs forward/BPTT over its share of the streams and writes its gradient to
 * its region of the shared gradient buffer. The carried states of its streams
 * live here, in the replica, between updates.
 */
import { getBackend, Rng, setBackend, type Backend, type TypedArray } from '@weft/tensor';
import { charRnn } from '../models/char-rnn.js';
import { now, oneLine, type CharRnnReplicaSpec, type ParamSlot, type ReplicaModel, type ReplicaSpec, type Reply, type Request, type WorkerScope } from './protocol.js';

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
  return {
    worker,
    model,
    backend,
    layout,
    params: request.dtype === 'float32' ? new Float32Array(request.params) : new Float64Array(request.params),
    grads: request.dtype === 'float32' ? new Float32Array(request.grads, worker * total * 4, total) : new Float64Array(request.grads, worker * total * 8, total),
    control: new Int32Array(request.control),
  };
}

/** Handles one request after `init`. */
function answer(state: WorkerState, request: Request, reply: (r: Reply, transfer?: unknown[]) => void): void {
  const { model } = state;
  switch (request.type) {
    case 'step': {
      const started = now();
      // The atomic load orders this thread's reads of the shared parameters after the coordinator's writes.
      const seen = Atomics.load(state.control, 0);
      if (seen !== request.seq) throw new Error(`shared parameters are at update ${seen}, expected ${request.seq}`);
      const params = model.parameters();
      params.forEach((p, i) => {
        const slot = state.layout[i]!;
        p.value.data.set(state.params.subarray(slot.offset, slot.offset + slot.size), p.value.offset);
      });
      let loss: number;
      if (request.train) {
        model.zeroGrad();
        loss = model.lossAndGradients(int32(request.inputs), int32(request.targets));
        params.forEach((p, i) => {
          const slot = state.layout[i]!;
          state.grads.set(p.grad.data.subarray(p.grad.offset, p.grad.offset + slot.size), slot.offset);
        });
        // Publishes the gradient writes before the reply.
        Atomics.store(state.control, 1 + state.worker, request.seq);
      } else {
        loss = model.loss(int32(request.inputs), int32(request.targets));
      }
      reply({ type: 'done', id: request.id, loss, busyMs: now() - started });
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
 * The ids as an Int32Array of this realm: a structured clone can come from
 * another realm (an iframe, a vm context), where `instanceof` fails; a view
 * on the same buffer costs no copy.
 */
function int32(value: Int32Array): Int32Array {
  if (value instanceof Int32Array) return value;
  const ids = value as unknown as Int32Array;
  if (ArrayBuffer.isView(ids) && Object.prototype.toString.call(ids) === '[object Int32Array]') return new Int32Array(ids.buffer, ids.byteOffset, ids.length);
  throw new Error(`expected Int32Arrays of token ids, got ${Object.prototype.toString.call(ids)}`);
}

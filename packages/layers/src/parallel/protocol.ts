/**
 * The messages between a data-parallel coordinator and its workers, and the
 * "port" shapes both sides speak to. The shapes are those of the Web Worker
 * API, so a browser `Worker` (coordinator side) and a worker's `self` (worker
 * side) fit as they are; Node's `worker_threads` needs a thin adapter on the
 * coordinator side (its `parentPort` already fits on the worker side).
 *
 * Nothing here depends on a runtime: no Node APIs, no DOM types.
 */
import type { DType, Tensor } from '@weft/tensor';
import type { CellName } from '../models/char-rnn.js';

/** What a port's listeners receive: a `MessageEvent`-like object. */
export interface PortMessageEvent {
  readonly data: unknown;
}

/**
 * The coordinator's end of one worker, shaped like a Web `Worker`:
 * `postMessage`, `addEventListener('message' | 'error', …)` and optionally
 * `terminate()`. An `'error'` event (an `ErrorEvent` in browsers; the Node
 * adapter also sends one when the thread exits) means the worker is gone.
 */
export interface WorkerPort {
  /** Sends a request (structured clone; `transfer` lists ArrayBuffers to move rather than copy). */
  postMessage(message: unknown, transfer?: unknown[]): void;
  /** `'message'`: a reply, as `event.data`; `'error'`: the worker is gone (`event.message` says why, when known). */
  addEventListener(type: 'message' | 'error', listener: (event: any) => void): void;
  /** Detaches a listener (called when the coordinator stops). */
  removeEventListener?(type: 'message' | 'error', listener: (event: any) => void): void;
  /** Stops the worker; called by `close()` and when anything fails. */
  terminate?(): unknown;
}

/**
 * The worker's end, shaped like a dedicated worker's `self` (or Node's
 * `parentPort`, a `MessagePort`): `postMessage`, `addEventListener('message', …)`,
 * `removeEventListener`, and optionally `close()` (called when the coordinator
 * closes, so the worker's event loop can end).
 */
export interface WorkerScope {
  /** Sends a reply to the coordinator. */
  postMessage(message: unknown, transfer?: unknown[]): void;
  /** Receives the coordinator's requests as `event.data`. */
  addEventListener(type: 'message', listener: (event: any) => void): void;
  /** Detaches the worker loop (on `close`). */
  removeEventListener(type: 'message', listener: (event: any) => void): void;
  /** Ends the worker (a dedicated worker's `self.close()`, a MessagePort's `close()`). */
  close?(): void;
}

/**
 * A serialisable description of the model each worker builds its replica
 * from: `charRnn`'s options without the rng (the weights are overwritten by
 * the coordinator's before every update anyway). `seed` seeds worker w's rng
 * with `seed + w`; it only matters for dropout masks (default 1).
 */
export interface CharRnnReplicaSpec {
  /** Which builder: `'charRnn'`. */
  readonly model: 'charRnn';
  /** K, as `charRnn`'s option. */
  readonly vocabSize: number;
  /** m, as `charRnn`'s option. */
  readonly hidden: number;
  /** As `charRnn`'s option; default `'rnn'`. */
  readonly cell?: CellName;
  /** As `charRnn`'s option; default 1. */
  readonly layers?: number;
  /** As `charRnn`'s option; default 0. Masks are drawn per worker, so results then depend on N. */
  readonly dropout?: number;
  /** As `charRnn`'s option (initial weights only, which the coordinator's overwrite). */
  readonly std?: number;
  /** Worker w's rng is `new Rng(seed + w)`; default 1. */
  readonly seed?: number;
  /** As `charRnn`'s option; default `'float64'`. Must be the coordinator's parameters' dtype. */
  readonly dtype?: DType;
}

/** Any structured-cloneable spec with a `model` tag; `'charRnn'` is built in, others need a custom `build` in the worker. */
export type ReplicaSpec =
  | CharRnnReplicaSpec
  | {
      /** The builder's tag. */
      readonly model: string;
      readonly [key: string]: unknown;
    };

/** A replica's parameter (a `Param` fits). */
export interface ReplicaParam {
  /** Its name, equal to the coordinator's parameter at the same position. */
  readonly name: string;
  /** Contiguous, of the coordinator's dtype; overwritten from the shared buffer before each update. */
  readonly value: Tensor;
  /** Same shape; copied into the worker's region of the shared gradient buffer after each update. */
  readonly grad: Tensor;
}

/** What a worker's replica must offer (a `CharRnnModel` does). */
export interface ReplicaModel {
  /** Parameters in a fixed order, same names, sizes and dtype as the coordinator's. */
  parameters(): readonly ReplicaParam[];
  /** Sets every parameter gradient to 0. */
  zeroGrad(): void;
  /** Loss of ids `[T·b]` (time-major, b = this worker's streams) averaged over its b streams; accumulates gradients. */
  lossAndGradients(inputs: Int32Array, targets: Int32Array): number;
  /** The same loss without gradients (evaluation). */
  loss(inputs: Int32Array, targets: Int32Array): number;
  /** Sets every carried state to 0. */
  resetState(): void;
  /** The carried states, each `[b, m]`. */
  readonly states: Readonly<Record<string, Tensor>>;
}

/** Where one parameter lives in the shared parameter buffer (and in each worker's gradient region). */
export interface ParamSlot {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** The coordinator's requests. Every request carries an `id` the reply repeats. */
export type Request =
  | {
      readonly type: 'init';
      readonly id: number;
      readonly worker: number;
      readonly spec: ReplicaSpec;
      /** This worker's number of streams. */
      readonly batch: number;
      readonly backend: 'js' | 'wasm';
      readonly layout: readonly ParamSlot[];
      /** The parameters' dtype: the element type of `params` and `grads`. */
      readonly dtype: DType;
      /** dtype × P: the current parameters, written by the coordinator. */
      readonly params: SharedArrayBuffer;
      /** dtype × N·P: worker w writes its gradient at w·P. */
      readonly grads: SharedArrayBuffer;
      /** Int32 × {@link controlLength}(N): the slots of {@link Control}. */
      readonly control: SharedArrayBuffer;
      /** Float64 × 2N: worker w writes its update's loss at 2w and its busy milliseconds at 2w + 1. */
      readonly results: SharedArrayBuffer;
      /** This worker's first stream (its ids sit at `2·capacity·start` in the shared ids buffer). */
      readonly start: number;
      /** How long a worker polls the control block for the next update after finishing one (0: never). */
      readonly spinMs: number;
      /** Whether to answer updates with a 'done' message too (when the coordinator has no `Atomics.waitAsync`). */
      readonly replyByMessage: boolean;
    }
  | {
      readonly type: 'step';
      readonly id: number;
      /** The update this message announces; its T, train flag and ids are in the shared control block and ids buffer. */
      readonly seq: number;
      /** A new shared ids buffer (when the update needs more room than the last one), with its generation and capacity in time steps. */
      readonly ids?: { readonly buffer: SharedArrayBuffer; readonly generation: number; readonly capacity: number };
    }
  | { readonly type: 'reset'; readonly id: number }
  | { readonly type: 'getStates'; readonly id: number }
  | { readonly type: 'setStates'; readonly id: number; readonly states: Readonly<Record<string, Float64Array>> }
  | { readonly type: 'close'; readonly id: number };

/** A worker's replies. */
export type Reply =
  | { readonly type: 'ready'; readonly id: number; readonly backend: 'js' | 'wasm' }
  | { readonly type: 'done'; readonly id: number; readonly loss: number; /** ms the worker spent on the request (copies, forward, BPTT). */ readonly busyMs: number }
  | { readonly type: 'ok'; readonly id: number }
  | { readonly type: 'states'; readonly id: number; readonly states: Record<string, Float64Array> }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/**
 * The slots of the shared Int32 control block. The coordinator writes the
 * update's parameters, ids, T, train flag and request id, then publishes the
 * update by storing its number at SEQ (an `Atomics.store`, which orders the
 * writes before it); a worker that sees a new SEQ — by polling after its last
 * update, or through the 'step' message that announces every update — runs it
 * and stores the number at DONE + w (then `Atomics.notify`).
 */
export const Control = {
  /** The coordinator's update number, published last. */
  SEQ: 0,
  /** 1 while the coordinator is running updates; 0 while any other request is out (polling workers go back to their message loop). */
  PHASE: 1,
  /** T of the update (time steps; each worker's ids are T·B_w). */
  T: 2,
  /** 1 for lossAndGradients, 0 for loss. */
  TRAIN: 3,
  /** The request id of the update (repeated in a worker's error reply). */
  ID: 4,
  /** The generation of the shared ids buffer the update's ids are in. */
  GEN: 5,
  /** DONE + w: the last update worker w finished (its gradient and results written). */
  DONE: 6,
} as const;

/** Int32 slots of the control block for N workers. */
export function controlLength(workers: number): number {
  return Control.DONE + workers;
}

/** One line: newlines of a nested message become spaces. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** Milliseconds from a monotonic clock (`performance.now()` in browsers, workers and Node; `Date.now()` elsewhere). */
export function now(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

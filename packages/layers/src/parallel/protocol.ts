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
      /** Int32 × (1 + N): [0] the coordinator's sequence number, [1 + w] the last one worker w answered. */
      readonly control: SharedArrayBuffer;
    }
  | { readonly type: 'step'; readonly id: number; readonly seq: number; readonly train: boolean; readonly inputs: Int32Array; readonly targets: Int32Array }
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

/** One line: newlines of a nested message become spaces. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** Milliseconds from a monotonic clock (`performance.now()` in browsers, workers and Node; `Date.now()` elsewhere). */
export function now(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

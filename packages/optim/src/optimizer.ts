import { allFinite, clone, copy, fill, forEachIndex, formatShape, shapesEqual, Tensor, zeros, zerosLike, type DType } from '@weft/tensor';
import { clipGradsInPlace } from './clip.js';
import type { OptimParam } from './param.js';
import { checkPositive, describe, validateParams } from './validate.js';

/**
 * What `step()` does when a gradient holds NaN or ±Infinity (checked for every
 * entry of every parameter before anything changes): `'error'` throws, `'skip'`
 * skips the step (PyTorch's GradScaler does the same), counting it in `skippedSteps`.
 */
export type NonFiniteMode = 'error' | 'skip';

/** The options every optimizer takes besides its own. */
export interface ClipOptions {
  /**
   * Clip every gradient entry to [−clipValue, clipValue] at the start of each
   * step, as `clipByValue` would (a char-RNN commonly clips to ±5). Default Infinity (off).
   * AdaGrad fuses the clip into its update (one pass, WebAssembly when on the heap).
   */
  clipValue?: number;
  /**
   * What a step does with a NaN or ±Infinity gradient entry: `'error'` (default)
   * throws, `'skip'` leaves everything as it was and returns false. Either way no
   * weight, state or gradient changes. See {@link NonFiniteMode}.
   */
  nonFinite?: NonFiniteMode;
}

/** What the base constructor needs: the learning rate, and a name for error messages. */
export interface OptimizerHyper {
  /** Learning rate, a finite number > 0. */
  lr: number;
  /** Prefix of error messages, e.g. `'AdaGrad'`; defaults to the class name. */
  name?: string;
  /** See {@link ClipOptions}. */
  clipValue?: number;
  /** See {@link ClipOptions}; default `'error'`. */
  nonFinite?: NonFiniteMode;
}

/** What values a state tensor may hold; checked by `loadStateDict`. */
export type StateKind = 'real' | 'nonNegative' | 'count';

interface StateEntry {
  readonly tensor: Tensor;
  readonly kind: StateKind;
}

/**
 * The optimizer contract. A subclass registers its state tensors once with
 * `addState` (so `stateDict`/`loadStateDict` need nothing more) and implements
 * `update()` as plain loops over the preallocated typed arrays: a step allocates
 * nothing. `step()` checks the gradients are finite, then calls `update()`.
 *
 * ```ts
 * opt.zeroGrad();
 * model.lossAndGradients(x, y); // accumulates into every param.grad
 * opt.step();                   // updates every param.value in place (throws on NaN/±Infinity gradients)
 * ```
 */
export abstract class Optimizer {
  /** Prefix of this optimizer's error messages (`'SGD'`, `'AdaGrad'`, …). */
  readonly name: string;
  /** The parameters, in the order given (a frozen copy of the array; the objects are shared). */
  readonly params: readonly OptimParam[];
  private readonly sizes: readonly number[];
  private readonly state = new Map<string, StateEntry>();
  private learningRate: number;
  private clipLimit: number;
  /** Fraction of gradient entries the last applied `step()` clipped (0 before the first step or with clipping off). */
  lastClipFraction = 0;
  private readonly totalSize: number;
  private nonFiniteMode: NonFiniteMode;
  private skipped = 0;
  // Where the last gradient check found a non-finite entry (fields, so the check allocates nothing).
  private badParam = -1;
  private badIndex = -1;
  private badValue = 0;

  /**
   * Validates `params` (see `validateParams`: unique names, contiguous value and
   * grad of equal shape) and the learning rate.
   */
  protected constructor(params: readonly OptimParam[], hyper: OptimizerHyper) {
    this.name = hyper.name ?? new.target.name;
    this.params = validateParams(this.name, params);
    this.sizes = this.params.map((p) => p.value.size);
    this.learningRate = checkPositive(this.name, 'lr', hyper.lr);
    this.clipLimit = checkClipValue(this.name, hyper.clipValue ?? Infinity);
    this.nonFiniteMode = checkNonFiniteMode(this.name, hyper.nonFinite ?? 'error');
    this.totalSize = this.sizes.reduce((a, b) => a + b, 0);
  }

  /** `'error'` (default) or `'skip'`: what `step()` does with a NaN or ±Infinity gradient entry. */
  get nonFinite(): NonFiniteMode {
    return this.nonFiniteMode;
  }

  /** Sets what `step()` does with a non-finite gradient: `'error'` (throw) or `'skip'` (skip the step). */
  set nonFinite(value: NonFiniteMode) {
    this.nonFiniteMode = checkNonFiniteMode(this.name, value);
  }

  /** How many `step()` calls were skipped for non-finite gradients (with `nonFinite: 'skip'`). */
  get skippedSteps(): number {
    return this.skipped;
  }

  /** Gradient entries are clipped to [−clipValue, clipValue] at each step; Infinity turns it off. */
  get clipValue(): number {
    return this.clipLimit;
  }

  /** Sets the clip limit; throws unless it is a number > 0 (Infinity turns clipping off). */
  set clipValue(value: number) {
    this.clipLimit = checkClipValue(this.name, value);
  }

  /**
   * Clips every `param.grad` to ±clipValue in place (when clipping is on) and
   * records `lastClipFraction`. Subclasses call it first thing in `step()`,
   * unless they fuse the clip into their own update (AdaGrad does) and call
   * `recordClipped` instead.
   */
  protected clipGradients(): void {
    if (this.clipLimit === Infinity) return;
    this.recordClipped(clipGradsInPlace(this.params, this.clipLimit));
  }

  /** Records how many gradient entries a step clipped (for `lastClipFraction`). */
  protected recordClipped(count: number): void {
    this.lastClipFraction = this.totalSize === 0 ? 0 : count / this.totalSize;
  }

  /** Learning rate; setting it (e.g. from a schedule) checks it is a finite number > 0. */
  get lr(): number {
    return this.learningRate;
  }

  /** Sets the learning rate; throws unless it is a finite number > 0. */
  set lr(value: number) {
    this.learningRate = checkPositive(this.name, 'lr', value);
  }

  /**
   * Updates every `param.value` in place from its `grad` and this optimizer's
   * state, and returns true. First checks every gradient entry of every
   * parameter (one pass, before any clipping): if one is NaN or ±Infinity,
   * nothing at all changes — weights, state, gradients — and the step throws
   * (`nonFinite: 'error'`, the default; the message names the parameter and
   * the first bad entry) or returns false and counts it in `skippedSteps`
   * (`nonFinite: 'skip'`). Allocates nothing.
   */
  step(): boolean {
    if (!this.gradientsFinite()) {
      if (this.nonFiniteMode === 'error') {
        const p = this.params[this.badParam]!;
        throw new Error(
          `${this.name}.step: parameter '${p.name}' has a non-finite gradient, grad[${this.badIndex}] = ${this.badValue}; nothing was updated (the option nonFinite: 'skip' skips such steps)`,
        );
      }
      this.skipped++;
      return false;
    }
    this.update();
    return true;
  }

  /**
   * The update itself, called by `step()` once every gradient entry is known to
   * be finite: clip (`clipGradients()`, unless fused), then update every
   * parameter and the state in place. Must allocate nothing.
   */
  protected abstract update(): void;

  /**
   * True when every gradient entry is finite; otherwise records the first bad
   * one (badParam, badIndex, badValue) and returns false. One pass per gradient
   * with `allFinite` (WebAssembly SIMD on the heap, a four-accumulator loop
   * otherwise: no branch per entry); only a gradient that fails is scanned
   * again for its first bad entry. No allocation.
   */
  private gradientsFinite(): boolean {
    for (let i = 0; i < this.params.length; i++) {
      const grad = this.param(i).grad;
      if (allFinite(grad)) continue;
      const g = grad.data, go = grad.offset;
      for (let k = 0, n = grad.size; k < n; k++) {
        const v = g[go + k]!;
        // v − v is 0 for every finite v, and NaN for NaN and ±Infinity.
        if (v - v !== 0) {
          this.badParam = i;
          this.badIndex = k;
          this.badValue = v;
          return false;
        }
      }
    }
    return true;
  }

  /** A snapshot of the hyperparameters (`{ lr, … }`), for logs and reports. */
  abstract hyperparameters(): Record<string, number | boolean>;

  /** Sets every `param.grad` to 0. */
  zeroGrad(): void {
    for (let i = 0; i < this.params.length; i++) fill(this.params[i]!.grad, 0);
  }

  /** The names of the state tensors, in a stable order (e.g. `['adagrad.U', 'adagrad.W']`). */
  stateKeys(): string[] {
    return [...this.state.keys()];
  }

  /**
   * The optimizer's state as named tensors (copies: later steps do not change
   * them), e.g. `{ 'adagrad.W': [m,m] }`. Hyperparameters are not included.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, entry] of this.state) out[key] = clone(entry.tensor);
    return out;
  }

  /**
   * Replaces the state with copies of `state`'s tensors, as saved by `stateDict()`.
   * Every expected name must be present with the same shape and dtype, no other
   * name may appear, and the values must be finite (accumulators >= 0, counts
   * whole numbers). Nothing is changed unless everything checks out; then the
   * next `step()` continues exactly as the saved optimizer would have.
   */
  loadStateDict(state: Record<string, Tensor>): void {
    const who = `${this.name}.loadStateDict`;
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new Error(`${who}: state must be an object of named tensors, got ${describe(state)}`);
    }
    const expected = [...this.state.keys()];
    const missing = expected.filter((key) => !Object.prototype.hasOwnProperty.call(state, key));
    if (missing.length > 0) {
      throw new Error(`${who}: missing state ${missing.map((k) => `'${k}'`).join(', ')}; expected ${listKeys(expected)}`);
    }
    const unknown = Object.keys(state).filter((key) => !this.state.has(key));
    if (unknown.length > 0) {
      throw new Error(`${who}: unknown state ${unknown.map((k) => `'${k}'`).join(', ')}; expected ${listKeys(expected)}`);
    }
    for (const [key, entry] of this.state) checkLoaded(who, key, state[key], entry);
    for (const [key, entry] of this.state) copy(entry.tensor, state[key]!);
  }

  /**
   * Registers a state tensor named `key` of `shape` filled with `init` and returns it;
   * `kind` says what `loadStateDict` accepts. Call once per tensor, not per step.
   */
  protected addState(key: string, shape: readonly number[], dtype: DType, kind: StateKind = 'real', init = 0): Tensor {
    return this.registerState(key, zeros(shape, dtype), kind, init);
  }

  /**
   * Registers a state tensor named `key` with `like`'s shape and dtype, allocated
   * where `like` lives (on the WebAssembly heap iff it is, see `zerosLike`), so a
   * parameter's state runs the same kernels as the parameter. Call once per tensor.
   */
  protected addStateLike(key: string, like: Tensor, kind: StateKind = 'real', init = 0): Tensor {
    return this.registerState(key, zerosLike(like), kind, init);
  }

  private registerState(key: string, tensor: Tensor, kind: StateKind, init: number): Tensor {
    if (this.state.has(key)) throw new Error(`${this.name}: state '${key}' registered twice`);
    if (init !== 0) fill(tensor, init);
    this.state.set(key, { tensor, kind });
    return tensor;
  }

  /**
   * The i-th parameter, after checking that its value and grad still have the
   * size they had at construction (a replaced tensor would otherwise misalign
   * with the state). Cheap and allocation-free; call it once per parameter per step.
   */
  protected param(i: number): OptimParam {
    const p = this.params[i]!;
    const n = this.sizes[i]!;
    if (p.value.size !== n || p.grad.size !== n) {
      throw new Error(
        `${this.name}.step: parameter '${p.name}' had ${n} elements at construction but now value is ${formatShape(p.value.shape)} and grad is ${formatShape(p.grad.shape)}`,
      );
    }
    return p;
  }
}

function listKeys(keys: readonly string[]): string {
  if (keys.length === 0) return 'no state at all';
  const shown = keys.slice(0, 12).map((k) => `'${k}'`).join(', ');
  return keys.length > 12 ? `${shown}, … (${keys.length} in all)` : shown;
}

function checkLoaded(who: string, key: string, t: unknown, entry: StateEntry): void {
  const want = entry.tensor;
  if (!(t instanceof Tensor)) throw new Error(`${who}: '${key}' must be a Tensor, got ${describe(t)}`);
  if (!shapesEqual(t.shape, want.shape)) {
    throw new Error(`${who}: '${key}' has shape ${formatShape(t.shape)} but ${formatShape(want.shape)} is expected`);
  }
  if (t.dtype !== want.dtype) throw new Error(`${who}: '${key}' is ${t.dtype} but ${want.dtype} is expected`);
  let bad: number | undefined;
  forEachIndex(t, (at) => {
    const v = t.data[at]!;
    const ok =
      entry.kind === 'count' ? Number.isInteger(v) && v >= 0 : entry.kind === 'nonNegative' ? Number.isFinite(v) && v >= 0 : Number.isFinite(v);
    if (!ok && bad === undefined) bad = v;
  });
  if (bad !== undefined) {
    const rule = entry.kind === 'count' ? 'a whole number >= 0' : entry.kind === 'nonNegative' ? 'finite and >= 0' : 'finite';
    throw new Error(`${who}: '${key}' must be ${rule}, but holds ${bad}`);
  }
}

function checkNonFiniteMode(who: string, value: unknown): NonFiniteMode {
  if (value !== 'error' && value !== 'skip') throw new Error(`${who}: nonFinite must be 'error' or 'skip', got ${describe(value)}`);
  return value;
}

function checkClipValue(who: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0)) {
    throw new Error(`${who}: clipValue must be a number > 0 (Infinity turns clipping off), got ${describe(value)}`);
  }
  return value;
}

/**
 * What every recurrent core (RNNCell, LSTMCore, GRUCore) keeps over a
 * sequence so that its hidden-to-hidden weight gradient is ONE product after
 * the backward loop, dW += Δᵀ H_prev, instead of T outer products inside it.
 *
 * The hidden states live in one `[(T+1)·B, m]` buffer: row block 0 holds h_0
 * and block t+1 the output h_{t+1} of step t. So H_prev (blocks 0..T−1) and the
 * outputs H (blocks 1..T) are overlapping views, and a step fed the previous
 * step's output (as an unroller does) copies nothing. Δ (the gradient the
 * weight multiplies) is stacked `[T·B, width]` the same way.
 */
import { copy, fill, Tensor, zeros } from '@weft/tensor';
import { rowBlock } from './step-rows.js';

/** True when contiguous `a` and `b` are the same elements of the same storage. */
export function sameStorage(a: Tensor, b: Tensor): boolean {
  return a.data === b.data && a.offset === b.offset && a.isContiguous && a.size === b.size;
}

/** The shared storage and bookkeeping of one core's sequence contexts (see the module comment). */
export class HiddenStates {
  /** Which steps ran backward since their forward (the others contribute 0). */
  readonly ran: Uint8Array;
  /** H_prev `[T·B, m]`: h_{t−1} of every step (rows 0..T·B of the states). */
  readonly hPrev: Tensor;
  /** H `[T·B, m]`: the output h_t of every step (rows B..(T+1)·B of the states). */
  readonly h: Tensor;
  /** Δ `[T·B, width]`: what each step's backward leaves for the weight gradient. */
  readonly delta: Tensor;
  private readonly outputs: readonly Tensor[];
  private readonly previousBlocks: readonly Tensor[];
  private readonly deltaBlocks: readonly Tensor[];

  /** Storage for `steps` (T) steps of `batch` (B) rows, `hidden` (m) units, Δ rows of `width`. */
  constructor(
    /** B, rows per step. */ readonly batch: number,
    /** T, the number of steps. */ readonly steps: number,
    hidden: number,
    width: number,
  ) {
    const rows = batch * steps;
    const states = zeros([rows + batch, hidden]);
    this.hPrev = new Tensor(states.data, [rows, hidden]);
    this.h = new Tensor(states.data, [rows, hidden], undefined, batch * hidden);
    this.delta = zeros([rows, width]);
    this.ran = new Uint8Array(steps);
    // Every view made once: the per-step calls allocate nothing.
    const blocks = (t: Tensor, from: number): Tensor[] => Array.from({ length: steps }, (_, k) => rowBlock(t, k + from, batch));
    this.outputs = blocks(states, 1);
    this.previousBlocks = blocks(states, 0);
    this.deltaBlocks = blocks(this.delta, 0);
  }

  /** The output h_t of step t `[B, m]` (block t+1 of the states). */
  output(t: number): Tensor {
    return this.outputs[t]!;
  }

  /** Where step t finds h_{t−1} `[B, m]` (block t of the states). */
  previous(t: number): Tensor {
    return this.previousBlocks[t]!;
  }

  /** Δ of step t `[B, width]`. */
  deltaOf(t: number): Tensor {
    return this.deltaBlocks[t]!;
  }

  /**
   * The h_{t−1} step t computes from, given the `hPrev` it was fed: the shared
   * block itself when `hPrev` is the previous step's output; for step 0 a copy
   * into block 0 (the initial state is no step's output); else `hPrev` (kept
   * by reference: inputs stay unchanged until backward). Marks the step as not run.
   */
  begin(t: number, hPrev: Tensor): Tensor {
    this.ran[t] = 0;
    const store = this.previous(t);
    if (sameStorage(hPrev, store)) return store;
    if (t === 0) return copy(store, hPrev);
    return hPrev;
  }

  /** Records that step t ran backward (its Δ is in `deltaOf(t)`). */
  finish(t: number): void {
    this.ran[t] = 1;
  }

  /**
   * Adds the deferred gradients: `add(Δ, H_prev, -1)` once over all steps when
   * every step that ran read its h_{t−1} from the shared states, else
   * `add(Δ_t, h_{t−1}, t)` per step that ran (`prevOf(t)` is the h_{t−1} step
   * t was given). Δ of steps that did not run counts as 0. Then forgets them.
   */
  accumulate(prevOf: (t: number) => Tensor, add: (delta: Tensor, hPrev: Tensor, step: number) => void): void {
    let any = false;
    let stacked = true;
    for (let t = 0; t < this.steps; t++) {
      if (!this.ran[t]) fill(this.deltaOf(t), 0);
      else {
        any = true;
        if (!sameStorage(prevOf(t), this.previous(t))) stacked = false;
      }
    }
    if (!any) return;
    if (stacked) add(this.delta, this.hPrev, -1);
    else for (let t = 0; t < this.steps; t++) if (this.ran[t]) add(this.deltaOf(t), prevOf(t), t);
    this.ran.fill(0);
  }
}

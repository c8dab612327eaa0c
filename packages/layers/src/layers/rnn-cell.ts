import { addRowVector, colSums, copy, gemm, Tensor, tanh, tanhBackward, zeros } from '@weft/tensor';
import {
  checkBatch,
  checkGradOutputs,
  checkInputs,
  resolvePropagateDown,
  ParameterOwner,
  type Layer,
  type LayerContext,
  type SequenceContexts,
  allocatingWith,
} from '../layer.js';
import { Param } from '../param.js';
import { float, port, type Port, type Value } from '../port.js';
import { HiddenStates } from '../hidden-states.js';
import { rowBlock } from '../step-rows.js';
import { addWeightGrad, timesWeight, timesWeightT } from './affine.js';
import { checkSize, initWeight, paramDtype, type InitOptions } from './init.js';

/** Options of {@link RNNCell}. */
export interface RNNCellOptions extends InitOptions {
  /**
   * Give the cell its own input projection Wx `[m, inputSize]` for dense
   * inputs `[B, inputSize]` (as PyTorch's RNNCell has). Without it the input
   * must already be projected to `[B, m]` (e.g. by a OneHotEmbedding).
   */
  inputSize?: number;
  /** Parameter names; defaults `W`, `b` and `Wx`. */
  names?: {
    /** The recurrent weight `[m, m]` (default `W`). */
    W?: string;
    /** The bias `[m]` (default `b`). */
    b?: string;
    /** The input projection `[m, inputSize]` (default `Wx`). */
    Wx?: string;
  };
}

/**
 * The per-call cache of {@link RNNCell}: the new state h (the output), the
 * pre-activation gradient δ, and the previous state and input that backward
 * multiplies δ with.
 */
export class RNNCellContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** δ = ∂loss/∂a `[rows, m]`, where h = tanh(a). */
  readonly delta: Tensor;
  /** h_{t−1} of the last forward: a reference, or a block of the sequence's shared states. */
  hPrev: Tensor;
  /** The input of the last forward: a reference, or `xStore` in a sequence. */
  x: Tensor;

  /** @internal Built by RNNCell.createContext / createSequenceContexts. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    h: Tensor,
    delta: Tensor,
    gradX: Tensor | null,
    gradH: Tensor | null,
    /** In a sequence with an input projection: where forward copies x. */
    readonly xStore: Tensor | null,
    /** The sequence this step belongs to, which accumulates its parameter gradients. */
    readonly sequence: RNNCellSequence | null,
    /** The time step of this context within `sequence`. */
    readonly step: number,
  ) {
    this.rows = batch * steps;
    this.outputs = [h];
    this.gradInputs = [gradX, gradH];
    this.delta = delta;
    this.hPrev = h;
    this.x = h;
  }
}

/**
 * Per-step contexts of an RNNCell whose buffers are row blocks of shared
 * storage ({@link HiddenStates}), so that after BPTT the weight gradients are
 * single matrix products: dW += Δᵀ H_prev, db += colSums(Δ), dWx += Δᵀ X.
 * A step fed an h_{t−1} other than the previous step's output keeps a
 * reference to it, and the weight gradients are then summed step by step.
 */
export class RNNCellSequence implements SequenceContexts<RNNCellContext> {
  readonly steps: readonly RNNCellContext[];
  /** The states, Δ and which steps ran backward. */
  readonly hidden: HiddenStates;
  /** X `[T·B, inputSize]` with an input projection, else null. */
  readonly x: Tensor | null;

  /** @internal Built by RNNCell.createSequenceContexts. */
  constructor(
    private readonly cell: RNNCell,
    batch: number,
    count: number,
    propagate: readonly boolean[],
  ) {
    const m = cell.hiddenSize;
    this.hidden = new HiddenStates(batch, count, m, m);
    this.x = cell.inputProjection ? zeros([batch * count, cell.inputSize]) : null;
    const steps: RNNCellContext[] = [];
    for (let t = 0; t < count; t++) {
      const delta = this.hidden.deltaOf(t);
      const gradX = !propagate[0] ? null : cell.inputProjection ? zeros([batch, cell.inputSize]) : delta;
      const gradH = propagate[1] ? zeros([batch, m]) : null;
      const xStore = this.x ? rowBlock(this.x, t, batch) : null;
      steps.push(new RNNCellContext(batch, 1, this.hidden.output(t), delta, gradX, gradH, xStore, this, t));
    }
    this.steps = steps;
  }

  /** dW += Δᵀ H_prev, db += Σ_rows Δ (and dWx += Δᵀ X) over the steps that ran backward; then forgets them. */
  accumulateParamGrads(): void {
    this.hidden.accumulate(this.previousOf, this.addGrads);
  }

  // made once (not per call): accumulateParamGrads runs every update
  private readonly previousOf = (t: number): Tensor => this.steps[t]!.hPrev;
  private readonly addGrads = (delta: Tensor, hPrev: Tensor, t: number): void =>
    this.cell.accumulateParamGrads(delta, hPrev, t < 0 ? this.x : this.steps[t]!.x);
}

/**
 * The vanilla RNN step: h = tanh(h_prev Wᵀ + x + b), row by row, i.e.
 * a_t = W h_{t−1} + U x_t + b, h_t = tanh(a_t) when x = U x_t comes
 * from a {@link OneHotEmbedding}. With `inputSize`, x is projected by the
 * cell's own Wx: h = tanh(h_prev Wᵀ + x Wxᵀ + b).
 *
 * - inputs: `x` `[B, m]` (or `[B, inputSize]`), `h` = h_{t−1} `[B, m]`.
 * - output: `h` = h_t `[B, m]`.
 * - parameters: `W` `[m, m]`, `b` `[m]`, and `Wx` `[m, inputSize]` with an input projection.
 * - backward: δ = dh ⊙ (1 − h²); dW += δᵀ h_prev; db += Σ δ; dWx += δᵀ x;
 *   dh_prev = δ W; dx = δ (or δ Wx).
 */
export class RNNCell extends ParameterOwner implements Layer<RNNCellContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** Hidden-to-hidden weights W `[m, m]`. */
  readonly W: Param;
  /** Bias b `[m]`. */
  readonly b: Param;
  /** Input-to-hidden weights Wx `[m, inputSize]`, or null when x comes pre-projected. */
  readonly Wx: Param | null;
  /** Features of the input x (= hiddenSize without an input projection). */
  readonly inputSize: number;
  /** `[W, b]`, or `[W, Wx, b]` with an input projection. */
  protected readonly params: readonly Param[];

  /**
   * A cell with `hiddenSize` (m) units; W (then Wx) ~ N(0, std²) from `options.rng`, b = 0.
   * @param hiddenSize - m: the state h and the output are `[rows, m]`.
   */
  constructor(readonly hiddenSize: number, options: RNNCellOptions) {
    super();
    checkSize('RNNCell', 'hiddenSize', hiddenSize);
    const m = hiddenSize;
    const names = options?.names ?? {};
    this.W = new Param(names.W ?? 'W', initWeight('RNNCell', [m, m], options));
    this.b = new Param(names.b ?? 'b', zeros([m], paramDtype('RNNCell', options)));
    if (options.inputSize !== undefined) {
      checkSize('RNNCell', 'inputSize', options.inputSize);
      this.inputSize = options.inputSize;
      this.Wx = new Param(names.Wx ?? 'Wx', initWeight('RNNCell', [m, options.inputSize], options));
      this.params = [this.W, this.Wx, this.b];
    } else {
      this.inputSize = m;
      this.Wx = null;
      this.params = [this.W, this.b];
    }
    this.inputs = [port('x', float(this.inputSize)), port('h', float(m))];
    this.outputs = [port('h', float(m))];
  }

  /** True when the cell projects its input with its own Wx. */
  get inputProjection(): boolean {
    return this.Wx !== null;
  }

  /** Buffers for `batch · steps` rows: h and δ `[rows, m]`, and the requested input gradients. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): RNNCellContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('RNNCell', batch, steps);
      const propagate = resolvePropagateDown('RNNCell', this.inputs, propagateDown);
      const rows = batch * steps;
      const m = this.hiddenSize;
      const delta = zeros([rows, m]);
      const gradX = !propagate[0] ? null : this.Wx ? zeros([rows, this.inputSize]) : delta;
      const gradH = propagate[1] ? zeros([rows, m]) : null;
      return new RNNCellContext(batch, steps, zeros([rows, m]), delta, gradX, gradH, null, null, 0);
    });
  }

  /** `steps` contexts of `batch` rows over shared storage; weight gradients wait for `accumulateParamGrads()`. */
  createSequenceContexts(batch: number, steps: number, propagateDown?: readonly boolean[]): RNNCellSequence {
    return allocatingWith(this.parameters(), () => {
      checkBatch('RNNCell', batch, steps);
      return new RNNCellSequence(this, batch, steps, resolvePropagateDown('RNNCell', this.inputs, propagateDown));
    });
  }

  /**
   * h = tanh(h_prev Wᵀ + x (Wxᵀ) + b). Returns `[h]`. In a sequence, step 0
   * copies h_prev into the shared states; a later step finds it there when it
   * is the previous step's output, and otherwise keeps a reference to it.
   */
  forward(ctx: RNNCellContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('RNNCell', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    let x = inputs[0] as Tensor;
    let hPrev = inputs[1] as Tensor;
    if (ctx.sequence) hPrev = ctx.sequence.hidden.begin(ctx.step, hPrev);
    if (ctx.xStore) x = copy(ctx.xStore, x);
    ctx.hPrev = hPrev;
    ctx.x = x;
    const h = ctx.outputs[0]!;
    // a = (x (Wxᵀ) + b) + h_prev Wᵀ: the product accumulates (beta = 1) onto
    // the input term, so one pass adds b and one applies tanh.
    if (this.Wx) {
      timesWeightT(h, x, this.Wx.value, ctx.rows);
      addRowVector(h, h, this.b.value);
    } else {
      addRowVector(h, x, this.b.value);
    }
    timesWeightT(h, hPrev, this.W.value, ctx.rows, 1);
    tanh(h, h);
    return ctx.outputs;
  }

  /** δ = dh ⊙ (1 − h²); accumulates dW, db (dWx) unless deferred to a sequence; writes dx and dh_prev. */
  backward(ctx: RNNCellContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('RNNCell', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dh = gradOutputs[0];
    if (!dh) return;
    const delta = tanhBackward(ctx.delta, ctx.outputs[0]!, dh);
    const gradX = ctx.gradInputs[0];
    const gradH = ctx.gradInputs[1];
    if (gradH) timesWeight(gradH, delta, this.W.value, ctx.rows);
    if (gradX && this.Wx) timesWeight(gradX, delta, this.Wx.value, ctx.rows);
    // Without a projection gradX *is* delta (aliased at creation): nothing to write.
    if (ctx.sequence) {
      ctx.sequence.hidden.finish(ctx.step); // weight gradients wait for the sequence's gemm
      return;
    }
    addWeightGrad(this.W.grad, delta, ctx.hPrev, ctx.rows);
    if (this.Wx) addWeightGrad(this.Wx.grad, delta, ctx.x, ctx.rows);
    colSums(this.b.grad, delta, 1);
  }

  /** @internal dW += Δᵀ H_prev, db += Σ_rows Δ, dWx += Δᵀ X, for Δ, H_prev `[rows, m]` and X `[rows, inputSize]`. */
  accumulateParamGrads(delta: Tensor, hPrev: Tensor, x: Tensor | null): void {
    gemm(this.W.grad, delta, hPrev, true, false, 1, 1);
    colSums(this.b.grad, delta, 1);
    if (this.Wx && x) gemm(this.Wx.grad, delta, x, true, false, 1, 1);
  }
}

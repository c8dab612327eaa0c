/**
 * What the fused cores (LSTMCore, GRUCore) share: the hidden-side weights
 * W_hh `[G·m, m]` and b_hh `[G·m]` (PyTorch's names and layout, G gates), the
 * hidden-side product, dh_{t−1} += Δ W_hh, and the weight gradients, added at
 * once for a single call or, in a sequence, once after the backward loop.
 */
import { colSums, gemm, type Tensor } from '@weft/tensor';
import { HiddenStates } from '../hidden-states.js';
import { ParameterOwner, type LayerContext, type SequenceContexts } from '../layer.js';
import { addWeightGrad, timesWeight, timesWeightT } from '../layers/affine.js';
import { checkSize, initCellParam, type InitOptions } from '../layers/init.js';
import { Param } from '../param.js';

/** The fields of a core's context that the shared weight-gradient step reads. */
export interface CoreStep {
  readonly rows: number;
  /** Δ `[rows, G·m]`: the gradient W_hh multiplies. */
  readonly delta: Tensor;
  /** h_{t−1} `[rows, m]` of the last forward. */
  readonly hPrev: Tensor;
  /** The sequence that defers the weight gradients, if any. */
  readonly sequence: { readonly hidden: HiddenStates } | null;
  readonly step: number;
}

/** The hidden-side parameters and products of a gated core with G gates. */
export abstract class HiddenCore extends ParameterOwner {
  /** Hidden-to-gates weights W_hh `[G·m, m]`. */
  readonly weight_hh: Param;
  /** Hidden-side gate bias b_hh `[G·m]`. */
  readonly bias_hh: Param;
  /** `[weight_hh, bias_hh]`. */
  protected readonly params: readonly Param[];

  /**
   * `who` names the core in messages; `hiddenSize` is m, `gates` is G. With
   * `options.std`: W_hh ~ N(0, std²), b_hh = 0; without: both U(−1/√m, 1/√m)
   * (PyTorch's default), drawn from `options.rng` (weight first).
   */
  protected constructor(
    who: string,
    /** m, the hidden units. */
    readonly hiddenSize: number,
    gates: number,
    options: InitOptions,
  ) {
    super();
    checkSize(who, 'hiddenSize', hiddenSize);
    const m = hiddenSize;
    this.weight_hh = new Param('weight_hh', initCellParam(who, [gates * m, m], m, false, options));
    this.bias_hh = new Param('bias_hh', initCellParam(who, [gates * m], m, true, options));
    this.params = [this.weight_hh, this.bias_hh];
  }

  /** out = h_{t−1} W_hhᵀ + beta · out, for `rows` rows (one row: a matrix–vector product). */
  protected addHiddenProduct(out: Tensor, hPrev: Tensor, rows: number, beta: number): void {
    timesWeightT(out, hPrev, this.weight_hh.value, rows, beta);
  }

  /** dh = Δ W_hh + beta · dh. */
  protected hiddenGradient(dh: Tensor, delta: Tensor, rows: number, beta: number): void {
    timesWeight(dh, delta, this.weight_hh.value, rows, beta);
  }

  /** Adds dW_hh += Δᵀ h_{t−1} and db_hh += Σ Δ of one call now, or leaves them to its sequence's one product. */
  protected addWeightGradients(ctx: CoreStep): void {
    if (ctx.sequence) {
      ctx.sequence.hidden.finish(ctx.step);
      return;
    }
    addWeightGrad(this.weight_hh.grad, ctx.delta, ctx.hPrev, ctx.rows);
    colSums(this.bias_hh.grad, ctx.delta, 1);
  }

  /** @internal dW_hh += Δᵀ H_prev, db_hh += Σ_rows Δ, for Δ `[rows, G·m]` and H_prev `[rows, m]`. */
  accumulateParamGrads(delta: Tensor, hPrev: Tensor): void {
    gemm(this.weight_hh.grad, delta, hPrev, true, false, 1, 1);
    colSums(this.bias_hh.grad, delta, 1);
  }
}

/**
 * What the cores' sequences share: the hidden states and Δ `[T·B, G·m]` in one
 * {@link HiddenStates}, and the weight gradients of all steps that ran
 * backward added after the loop as single products.
 */
export abstract class CoreSequence<Step extends CoreStep & LayerContext> implements SequenceContexts<Step> {
  abstract readonly steps: readonly Step[];
  /** The hidden states, Δ `[T·B, G·m]` and which steps ran backward (see {@link HiddenStates}). */
  readonly hidden: HiddenStates;

  protected constructor(
    private readonly core: HiddenCore,
    batch: number,
    count: number,
    gates: number,
  ) {
    this.hidden = new HiddenStates(batch, count, core.hiddenSize, gates * core.hiddenSize);
  }

  /** dW_hh += Δᵀ H_prev, db_hh += Σ_rows Δ over the steps that ran backward (one gemm when it can); then forgets them. */
  accumulateParamGrads(): void {
    this.hidden.accumulate(
      (t) => this.steps[t]!.hPrev,
      (delta, hPrev) => this.core.accumulateParamGrads(delta, hPrev),
    );
  }
}

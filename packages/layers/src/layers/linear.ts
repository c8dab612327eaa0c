import { addRowVector, colSums, gemm, zeros, type Tensor } from '@weft/tensor';
import { rowBlock, StepRows } from '../step-rows.js';
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
import { addWeightGrad, timesWeight, timesWeightT } from './affine.js';
import { checkSize, initWeight, paramDtype, type InitOptions } from './init.js';

/** Options of {@link Linear}. */
export interface LinearOptions extends InitOptions {
  /** Parameter names; defaults `W` and `b` (the char-RNN calls them `V` and `c`). */
  names?: {
    /** The weight `[out, in]` (default `W`). */
    W?: string;
    /** The bias `[out]` (default `b`). */
    b?: string;
  };
  /** With a bias b (default true); `false` gives y = x Wᵀ and parameters `[W]` only (PyTorch's `bias=False`). */
  bias?: boolean;
}

/** The per-call cache of {@link Linear}: the output, the input it saw and dx. */
export class LinearContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** The input of the last forward (referenced, not copied). */
  x: Tensor;

  /** @internal Built by Linear.createContext / createSequenceContexts. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    y: Tensor,
    dx: Tensor | null,
    /** In a sequence: the sequence that defers this step's weight gradients. */
    readonly sequence: LinearSequence | null = null,
    /** The time step of this context within `sequence`. */
    readonly step = 0,
  ) {
    this.rows = batch * steps;
    this.outputs = [y];
    this.gradInputs = [dx];
    this.x = y;
  }
}

/**
 * Per-step contexts of a Linear inside a recurrence: each step's backward
 * writes dx only and records x_t and dy_t; `accumulateParamGrads()` then adds
 * dW += dYᵀ X and db += Σ dY as one product over all T·B rows. The outputs
 * are row blocks of one `[T·B, out]` buffer, so a layer after this one in the
 * loop finds them already stacked.
 */
export class LinearSequence implements SequenceContexts<LinearContext> {
  readonly steps: readonly LinearContext[];
  /** x_t of every step. */
  readonly x: StepRows;
  /** dy_t of every step that ran backward since its forward. */
  readonly dy: StepRows;

  /** @internal Built by Linear.createSequenceContexts. */
  constructor(private readonly layer: Linear, batch: number, count: number, propagate: boolean) {
    const y = zeros([batch * count, layer.outFeatures]);
    const dx = propagate ? zeros([batch * count, layer.inFeatures]) : null;
    this.x = new StepRows(batch, count, layer.inFeatures);
    this.dy = new StepRows(batch, count, layer.outFeatures);
    const steps: LinearContext[] = [];
    for (let t = 0; t < count; t++) {
      steps.push(new LinearContext(batch, 1, rowBlock(y, t, batch), dx ? rowBlock(dx, t, batch) : null, this, t));
    }
    this.steps = steps;
  }

  /** dW += dYᵀ X, db += Σ_rows dY over the steps that ran backward; then forgets them. */
  accumulateParamGrads(): void {
    if (!this.dy.refs.some((r) => r !== null)) return;
    this.layer.accumulateParamGrads(this.dy.stacked(), this.x.stacked());
    this.dy.clear();
  }
}

/**
 * Affine map y = x Wᵀ + b, row by row (an RNN's output o_t = V h_t + c); with
 * `{ bias: false }` the linear map y = x Wᵀ (a cell's hidden-to-hidden term).
 *
 * - input `x`: `[B, in]`; output `y`: `[B, out]`.
 * - parameters: `W` `[out, in]`, `b` `[out]` (none with `bias: false`).
 * - backward: dW += dyᵀ x, db += Σ_rows dy, dx = dy W.
 *
 * Over many rows (e.g. all T steps of a sequence at once) each product is one
 * gemm; inside a recurrence (sequence contexts) dW and db are added after the
 * backward loop as one product over all steps.
 */
export class Linear extends ParameterOwner implements Layer<LinearContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** Weights W `[out, in]`. */
  readonly W: Param;
  /** Bias b `[out]`, or null with `bias: false` (PyTorch's `bias` is None then). */
  readonly b: Param | null;
  /** `[W, b]`, or `[W]` without a bias. */
  protected readonly params: readonly Param[];

  /**
   * A map from `inFeatures` to `outFeatures`; W ~ N(0, std²) from `options.rng`, b = 0 (unless `bias: false`).
   * @param inFeatures - Features of the input x `[rows, in]`.
   * @param outFeatures - Features of the output y `[rows, out]`; W is `[out, in]`.
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const names = options?.names ?? {};
    this.W = new Param(names.W ?? 'W', initWeight('Linear', [outFeatures, inFeatures], options));
    const bias = options?.bias ?? true;
    if (typeof bias !== 'boolean') throw new Error(`Linear: options.bias must be true or false, got ${String(bias)}`);
    this.b = bias ? new Param(names.b ?? 'b', zeros([outFeatures], paramDtype('Linear', options))) : null;
    this.params = this.b ? [this.W, this.b] : [this.W];
    this.inputs = [port('x', float(inFeatures))];
    this.outputs = [port('y', float(outFeatures))];
  }

  /** Buffers for `batch · steps` rows: y `[rows, out]` and, if requested, dx `[rows, in]`. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): LinearContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('Linear', batch, steps);
      const propagate = resolvePropagateDown('Linear', this.inputs, propagateDown);
      const rows = batch * steps;
      return new LinearContext(batch, steps, zeros([rows, this.outFeatures]), propagate[0] ? zeros([rows, this.inFeatures]) : null);
    });
  }

  /** `steps` contexts of `batch` rows over shared storage; weight gradients wait for `accumulateParamGrads()`. */
  createSequenceContexts(batch: number, steps: number, propagateDown?: readonly boolean[]): LinearSequence {
    return allocatingWith(this.parameters(), () => {
      checkBatch('Linear', batch, steps);
      return new LinearSequence(this, batch, steps, resolvePropagateDown('Linear', this.inputs, propagateDown)[0]!);
    });
  }

  /** y = x Wᵀ (+ b). Returns `[y]`. */
  forward(ctx: LinearContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('Linear', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const x = inputs[0] as Tensor;
    const y = ctx.outputs[0]!;
    timesWeightT(y, x, this.W.value, ctx.rows);
    if (this.b) addRowVector(y, y, this.b.value);
    ctx.x = x;
    if (ctx.sequence) {
      ctx.sequence.x.refs[ctx.step] = x;
      ctx.sequence.dy.refs[ctx.step] = null; // a new forward: no gradient yet
    }
    return ctx.outputs;
  }

  /** dW += dyᵀ x, db += Σ_rows dy (with a bias); dx = dy W if requested. */
  backward(ctx: LinearContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('Linear', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dy = gradOutputs[0];
    if (!dy) return;
    const dx = ctx.gradInputs[0];
    if (dx) timesWeight(dx, dy, this.W.value, ctx.rows);
    if (ctx.sequence) {
      ctx.sequence.dy.refs[ctx.step] = dy; // dW and db wait for the sequence's one product
      return;
    }
    addWeightGrad(this.W.grad, dy, ctx.x, ctx.rows);
    if (this.b) colSums(this.b.grad, dy, 1);
  }

  /** @internal dW += dYᵀ X and db += Σ_rows dY, for dY `[rows, out]` and X `[rows, in]`. */
  accumulateParamGrads(dy: Tensor, x: Tensor): void {
    gemm(this.W.grad, dy, x, true, false, 1, 1);
    if (this.b) colSums(this.b.grad, dy, 1);
  }
}

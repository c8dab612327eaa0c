import { addOuter, addRowVector, colSums, gemm, matvec, matvecT, zeros, type Tensor } from '@weft/tensor';
import { checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, zeroGrads, type Layer, type LayerContext } from '../layer.js';
import { Param } from '../param.js';
import { float, port, type Port, type Value } from '../port.js';
import { checkSize, initWeight, type InitOptions } from './init.js';

/** Options of {@link Linear}. */
export interface LinearOptions extends InitOptions {
  /** Parameter names; defaults `W` and `b` (the char-RNN calls them `V` and `c`). */
  names?: {
    /** The weight `[out, in]` (default `W`). */
    W?: string;
    /** The bias `[out]` (default `b`). */
    b?: string;
  };
}

/** The per-call cache of {@link Linear}: the output, the input it saw and dx. */
export class LinearContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** The input of the last forward (referenced, not copied). */
  x: Tensor;

  constructor(readonly batch: number, readonly steps: number, inFeatures: number, outFeatures: number, propagate: boolean) {
    this.rows = batch * steps;
    const y = zeros([this.rows, outFeatures]);
    this.outputs = [y];
    this.gradInputs = [propagate ? zeros([this.rows, inFeatures]) : null];
    this.x = y;
  }
}

/**
 * Affine map y = x Wᵀ + b, row by row (the report's o_t = V h_t + c).
 *
 * - input `x`: `[B, in]`; output `y`: `[B, out]`.
 * - parameters: `W` `[out, in]`, `b` `[out]`.
 * - backward: dW += dyᵀ x, db += Σ_rows dy, dx = dy W.
 *
 * Over many rows (e.g. all T steps of a sequence at once) each product is one gemm.
 */
export class Linear implements Layer<LinearContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** Weights W `[out, in]`. */
  readonly W: Param;
  /** Bias b `[out]`. */
  readonly b: Param;
  private readonly params: readonly Param[];

  /**
   * A map from `inFeatures` to `outFeatures`; W ~ N(0, std²) from `options.rng`, b = 0.
   * @param inFeatures - Features of the input x `[rows, in]`.
   * @param outFeatures - Features of the output y `[rows, out]`; W is `[out, in]`.
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions) {
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const names = options?.names ?? {};
    this.W = new Param(names.W ?? 'W', initWeight('Linear', [outFeatures, inFeatures], options));
    this.b = new Param(names.b ?? 'b', zeros([outFeatures]));
    this.params = [this.W, this.b];
    this.inputs = [port('x', float(inFeatures))];
    this.outputs = [port('y', float(outFeatures))];
  }

  /** `[W, b]`. */
  parameters(): readonly Param[] {
    return this.params;
  }

  /** Sets every parameter gradient to 0. */
  zeroGrad(): void {
    zeroGrads(this.params);
  }

  /** Buffers for `batch · steps` rows: y `[rows, out]` and, if requested, dx `[rows, in]`. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): LinearContext {
    checkBatch('Linear', batch, steps);
    const propagate = resolvePropagateDown('Linear', this.inputs, propagateDown);
    return new LinearContext(batch, steps, this.inFeatures, this.outFeatures, propagate[0]!);
  }

  /** y = x Wᵀ + b. Returns `[y]`. */
  forward(ctx: LinearContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('Linear', this.inputs, inputs, ctx.rows);
    const x = inputs[0] as Tensor;
    const y = ctx.outputs[0]!;
    if (ctx.rows === 1) matvec(y, this.W.value, x);
    else gemm(y, x, this.W.value, false, true);
    addRowVector(y, y, this.b.value);
    ctx.x = x;
    return ctx.outputs;
  }

  /** dW += dyᵀ x, db += Σ_rows dy; dx = dy W if requested. */
  backward(ctx: LinearContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('Linear', this.outputs, gradOutputs, ctx.rows);
    const dy = gradOutputs[0];
    if (!dy) return;
    const one = ctx.rows === 1;
    if (one) addOuter(this.W.grad, dy, ctx.x);
    else gemm(this.W.grad, dy, ctx.x, true, false, 1, 1);
    colSums(this.b.grad, dy, 1);
    const dx = ctx.gradInputs[0];
    if (dx) {
      if (one) matvecT(dx, this.W.value, dy);
      else gemm(dx, dy, this.W.value);
    }
  }
}

import { softmax, zeros, type Tensor } from '@weft/tensor';
import { checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, type Layer, type LayerContext } from '../layer.js';
import type { Param } from '../param.js';
import { float, port, type Port, type Value } from '../port.js';
import { checkSize } from './init.js';

/** The per-call cache of {@link Softmax}: its output p, which backward needs. */
export class SoftmaxContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];

  constructor(readonly batch: number, readonly steps: number, size: number, propagate: boolean) {
    this.rows = batch * steps;
    this.outputs = [zeros([this.rows, size])];
    this.gradInputs = [propagate ? zeros([this.rows, size]) : null];
  }
}

/**
 * Row-wise softmax p = exp(x − max) / Σ exp(x − max) .
 *
 * - input `x`: `[B, n]` logits; output `p`: `[B, n]`, rows summing to 1.
 * - backward: dx = p ⊙ (dp − ⟨dp, p⟩) per row. No parameters.
 *
 * For training against target ids use {@link SoftmaxCrossEntropy}, which fuses
 * the two and is stable; this layer is for sampling and for other losses.
 */
export class Softmax implements Layer<SoftmaxContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];

  /**
   * A softmax over `size` classes.
   * @param size - Classes n: inputs and outputs are `[rows, n]`.
   */
  constructor(readonly size: number) {
    checkSize('Softmax', 'size', size);
    this.inputs = [port('x', float(size))];
    this.outputs = [port('p', float(size))];
  }

  /** None: `[]`. */
  parameters(): readonly Param[] {
    return [];
  }

  /** Nothing to zero. */
  zeroGrad(): void {}

  /** Buffers for `batch · steps` rows: p and, if requested, dx `[rows, n]`. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): SoftmaxContext {
    checkBatch('Softmax', batch, steps);
    const propagate = resolvePropagateDown('Softmax', this.inputs, propagateDown);
    return new SoftmaxContext(batch, steps, this.size, propagate[0]!);
  }

  /** p = softmax(x) row by row. Returns `[p]`. */
  forward(ctx: SoftmaxContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('Softmax', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    softmax(ctx.outputs[0]!, inputs[0] as Tensor);
    return ctx.outputs;
  }

  /** dx = p ⊙ (dp − ⟨dp, p⟩), row by row. */
  backward(ctx: SoftmaxContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('Softmax', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dpT = gradOutputs[0];
    const dxT = ctx.gradInputs[0];
    if (!dpT || !dxT) return;
    const n = this.size;
    const pT = ctx.outputs[0]!;
    const p = pT.data;
    const dp = dpT.data;
    const dx = dxT.data;
    // every operand at its own offset: any of them may be a view into larger storage
    for (let r = 0; r < ctx.rows; r++) {
      const pr = pT.offset + r * n;
      const g = dpT.offset + r * n;
      const o = dxT.offset + r * n;
      let inner = 0;
      for (let j = 0; j < n; j++) inner += dp[g + j]! * p[pr + j]!;
      for (let j = 0; j < n; j++) dx[o + j] = p[pr + j]! * (dp[g + j]! - inner);
    }
  }
}

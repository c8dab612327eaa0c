import { tanh, tanhBackward, type Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise hyperbolic tangent (torch.nn.Tanh).
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = tanh(x).
 * - backward, from the output y (nothing else is kept): dx = dy ⊙ (1 − y²).
 */
export class Tanh extends ParameterlessLayer {
  /** Tanh over `size` features. */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */
    readonly size: number,
  ) {
    super('Tanh', [['x', size]], [['y', size]]);
  }

  /** y = tanh(x). */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    tanh(ctx.outputs[0]!, inputs[0]!);
  }

  /** dx = dy ⊙ (1 − y²). */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) tanhBackward(dx, ctx.outputs[0]!, gradOutputs[0]!);
  }
}

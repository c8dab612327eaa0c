import { sigmoid, sigmoidBackward, type Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise logistic sigmoid, the gate nonlinearity of LSTM and GRU cells (torch.nn.Sigmoid). Computed without overflow for large |x|.
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = σ(x) = 1 / (1 + exp(−x)).
 * - backward, from the output y (nothing else is kept): dx = dy ⊙ y ⊙ (1 − y).
 */
export class Sigmoid extends ParameterlessLayer {
  /** Sigmoid over `size` features. */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */
    readonly size: number,
  ) {
    super('Sigmoid', [['x', size]], [['y', size]]);
  }

  /** y = σ(x) = 1 / (1 + exp(−x)). */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    sigmoid(ctx.outputs[0]!, inputs[0]!);
  }

  /** dx = dy ⊙ y ⊙ (1 − y). */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) sigmoidBackward(dx, ctx.outputs[0]!, gradOutputs[0]!);
  }
}

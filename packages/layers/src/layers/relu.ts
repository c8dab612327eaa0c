import { relu, reluBackward, type Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise rectifier (torch.nn.ReLU).
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = max(x, 0).
 * - backward, from the output y (nothing else is kept): dx = dy where y > 0, else 0 (subgradient 0 at 0, as PyTorch).
 */
export class ReLU extends ParameterlessLayer {
  /** ReLU over `size` features. */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */
    readonly size: number,
  ) {
    super('ReLU', [['x', size]], [['y', size]]);
  }

  /** y = max(x, 0). */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    relu(ctx.outputs[0]!, inputs[0]!);
  }

  /** dx = dy where y > 0, else 0 (subgradient 0 at 0, as PyTorch). */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) reluBackward(dx, ctx.outputs[0]!, gradOutputs[0]!);
  }
}

import { add, copy, type Tensor } from '@weft/tensor';
import { letterNames, ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise sum of `arity` inputs: y = a + b (+ c + …).
 *
 * - inputs `a`, `b` (then `c`, `d`, … for arity > 2): `[B, size]` each.
 * - output `y`: `[B, size]`. No parameters.
 * - backward: da = db = … = dy.
 */
export class Add extends ParameterlessLayer {
  /** A sum of `arity` (1 to 26, default 2) inputs of `size` features. */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */ readonly size: number,
    /** How many inputs are summed (a, b, c, …). */ readonly arity = 2,
  ) {
    super('Add', letterNames('Add', arity).map((n) => [n, size] as const), [['y', size]]);
  }

  /** y = Σ_i inputs[i]. */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    const y = ctx.outputs[0]!;
    if (inputs.length === 1) copy(y, inputs[0]!);
    else add(y, inputs[0]!, inputs[1]!);
    for (let i = 2; i < inputs.length; i++) add(y, y, inputs[i]!);
  }

  /** Every input's gradient is dy. */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dy = gradOutputs[0]!;
    for (let i = 0; i < ctx.gradInputs.length; i++) {
      const dx = ctx.gradInputs[i];
      if (dx) copy(dx, dy);
    }
  }
}

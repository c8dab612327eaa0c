import { mul, type Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise (Hadamard) product y = a ⊙ b, e.g. a gate times a state.
 *
 * - inputs `a`, `b`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - backward: da = dy ⊙ b, db = dy ⊙ a.
 */
export class Mul extends ParameterlessLayer {
  /** A product of two inputs of `size` features. */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */
    readonly size: number,
  ) {
    super('Mul', [['a', size], ['b', size]], [['y', size]]);
  }

  /** y = a ⊙ b. */
  protected compute(ctx: ParameterlessContext, [a, b]: readonly Tensor[]): void {
    mul(ctx.outputs[0]!, a!, b!);
  }

  /** da = dy ⊙ b, db = dy ⊙ a (from the inputs kept by forward). */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dy = gradOutputs[0]!;
    const [a, b] = ctx.inputs;
    const [da, db] = ctx.gradInputs;
    if (da) mul(da, dy, b!);
    if (db) mul(db, dy, a!);
  }
}

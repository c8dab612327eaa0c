import { scale, scaleShift, type Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * Elementwise affine map with fixed numbers: y = scale · x + shift.
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters (scale
 *   and shift are constants, not trained).
 * - backward: dx = scale · dy.
 */
export class ScaleShift extends ParameterlessLayer {
  /** y = `scale` · x + `shift` over `size` features; both finite numbers. `name` names the layer in messages (subclasses pass theirs). */
  constructor(
    /** Features per row (n): inputs and output are `[rows, n]`. */ readonly size: number,
    /** The factor s in y = s·x + c. */ readonly scale: number,
    /** The offset c in y = s·x + c. */ readonly shift: number,
    name = 'ScaleShift',
  ) {
    super(name, [['x', size]], [['y', size]]);
    for (const [what, v] of [['scale', scale], ['shift', shift]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: ${what} must be a finite number, got ${String(v)}`);
    }
  }

  /** y = scale · x + shift. */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    scaleShift(ctx.outputs[0]!, inputs[0]!, this.scale, this.shift);
  }

  /** dx = scale · dy. */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) scale(dx, gradOutputs[0]!, this.scale);
  }
}

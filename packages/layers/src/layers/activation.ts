import type { Tensor } from '@weft/tensor';
import { ParameterlessLayer, type ParameterlessContext } from './parameterless.js';

/**
 * An elementwise activation y = f(x) over `size` features whose backward
 * needs only the output y (ReLU, Sigmoid, Tanh): input `x` and output `y`,
 * both `[B, size]`; nothing but y is kept for backward.
 */
export abstract class OutputActivation extends ParameterlessLayer {
  /**
   * @param name names the layer in error messages
   * @param f the kernel y = f(x), `f(out, x)`
   * @param fBackward the kernel dx from y and dy, `fBackward(out, y, dy)`
   */
  protected constructor(
    name: string,
    /** Features per row (n): inputs and output are `[rows, n]`. */
    readonly size: number,
    private readonly f: (out: Tensor, x: Tensor) => Tensor,
    private readonly fBackward: (out: Tensor, y: Tensor, dy: Tensor) => Tensor,
  ) {
    super(name, [['x', size]], [['y', size]]);
  }

  /** y = f(x). */
  protected compute(ctx: ParameterlessContext, inputs: readonly Tensor[]): void {
    this.f(ctx.outputs[0]!, inputs[0]!);
  }

  /** dx from y and dy. */
  protected computeBackward(ctx: ParameterlessContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) this.fBackward(dx, ctx.outputs[0]!, gradOutputs[0]!);
  }
}

import { fill, formatShape, shapesEqual, Tensor, zerosLike } from '@weft/tensor';

/**
 * A trainable tensor and its gradient (same shape): what optimizers and the
 * gradient checker take.
 *
 * Layers *accumulate* into `grad` (`+=`) in backward, so gradients of a weight
 * used several times (at every time step, or tied between layers) add up;
 * call `zeroGrad()` before each backward pass.
 */
export class Param {
  /** Stable name, e.g. `W` or, inside a graph, `cell.W`. */
  readonly name: string;
  /** The values, updated in place by optimizers. */
  readonly value: Tensor;
  /** ∂loss/∂value, accumulated by backward passes. */
  readonly grad: Tensor;

  /** A parameter holding `value`, with a zero gradient of the same shape (or `grad`, shared). */
  constructor(name: string, value: Tensor, grad?: Tensor) {
    if (typeof name !== 'string' || name.length === 0) throw new Error(`Param: name must be a non-empty string, got ${String(name)}`);
    if (!(value instanceof Tensor)) throw new Error(`Param '${name}': value must be a Tensor`);
    if (!value.isContiguous) throw new Error(`Param '${name}': value ${formatShape(value.shape)} must be contiguous`);
    const g = grad ?? zerosLike(value);
    if (!(g instanceof Tensor) || !shapesEqual(g.shape, value.shape) || g.dtype !== value.dtype || !g.isContiguous) {
      throw new Error(`Param '${name}': grad must be a contiguous ${value.dtype} Tensor ${formatShape(value.shape)}`);
    }
    this.name = name;
    this.value = value;
    this.grad = g;
  }

  /** Sets the gradient to 0. */
  zeroGrad(): void {
    fill(this.grad, 0);
  }

  /**
   * The same parameter under another name: the returned Param shares `value`
   * and `grad` with this one (graphs use it to prefix names, e.g. `cell.W`).
   */
  renamed(name: string): Param {
    return name === this.name ? this : new Param(name, this.value, this.grad);
  }
}

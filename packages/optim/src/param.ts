import type { Tensor } from '@weft/tensor';

/**
 * What an optimizer updates: any object with a unique `name`, a `value` and a
 * `grad` of the same shape (both contiguous). `@weft/layers`' `Param` fits, and
 * so does a plain object literal. The optimizer reads `value` and `grad` from
 * the object at every step and writes `value` in place.
 */
export interface OptimParam {
  /** Unique among the parameters of one optimizer; names the state tensors (`adagrad.<name>`). */
  readonly name: string;
  /** The parameter, any shape; updated in place by `step()`. */
  readonly value: Tensor;
  /** Its gradient, same shape as `value`; read by `step()`, zeroed by `zeroGrad()`. */
  readonly grad: Tensor;
}

/** What gradient clipping needs: anything holding a contiguous `grad`. */
export interface GradHolder {
  /** The gradient to measure and clip in place. */
  readonly grad: Tensor;
}

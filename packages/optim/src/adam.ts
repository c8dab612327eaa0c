import { AdamBase, type AdamOptions } from './adam-base.js';
import type { OptimParam } from './param.js';

/**
 * Adam with bias correction and optional L2 weight decay (added to the gradient,
 * as `torch.optim.Adam`'s `weight_decay`). See {@link AdamBase} for the update.
 * Defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, weightDecay 0.
 * State: `adam.m.<param>`, `adam.v.<param>`, `adam.step` ([1]).
 */
export class Adam extends AdamBase {
  /** `params`: `{ name, value, grad }` of any shapes. */
  constructor(params: readonly OptimParam[], options: AdamOptions = {}) {
    super('Adam', params, options, false, 0);
  }
}

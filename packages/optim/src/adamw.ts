import { AdamBase, type AdamOptions } from './adam-base.js';
import type { OptimParam } from './param.js';

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, `torch.optim.AdamW`).
 * Each step first shrinks the parameter, θ −= η·λ·θ, then applies the Adam update
 * with the raw gradient, so the decay does not pass through the moment estimates.
 * Defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, weightDecay 0.01 (PyTorch's).
 * State: `adam.m.<param>`, `adam.v.<param>`, `adam.step` ([1]), as {@link Adam}.
 */
export class AdamW extends AdamBase {
  /** `params`: `{ name, value, grad }` of any shapes. */
  constructor(params: readonly OptimParam[], options: AdamOptions = {}) {
    super('AdamW', params, options, true, 0.01);
  }
}

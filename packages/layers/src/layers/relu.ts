import { relu, reluBackward } from '@weft/tensor';
import { OutputActivation } from './activation.js';

/**
 * Elementwise rectifier (torch.nn.ReLU).
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = max(x, 0).
 * - backward, from the output y (nothing else is kept): dx = dy where y > 0, else 0 (subgradient 0 at 0, as PyTorch).
 */
export class ReLU extends OutputActivation {
  /** ReLU over `size` features. */
  constructor(size: number) {
    super('ReLU', size, relu, reluBackward);
  }
}

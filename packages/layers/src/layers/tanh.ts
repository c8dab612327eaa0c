import { tanh, tanhBackward } from '@weft/tensor';
import { OutputActivation } from './activation.js';

/**
 * Elementwise hyperbolic tangent (torch.nn.Tanh).
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = tanh(x).
 * - backward, from the output y (nothing else is kept): dx = dy ⊙ (1 − y²).
 */
export class Tanh extends OutputActivation {
  /** Tanh over `size` features. */
  constructor(size: number) {
    super('Tanh', size, tanh, tanhBackward);
  }
}

import { sigmoid, sigmoidBackward } from '@weft/tensor';
import { OutputActivation } from './activation.js';

/**
 * Elementwise logistic sigmoid, the gate nonlinearity of LSTM and GRU cells (torch.nn.Sigmoid). Computed without overflow for large |x|.
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - forward: y = σ(x) = 1 / (1 + exp(−x)).
 * - backward, from the output y (nothing else is kept): dx = dy ⊙ y ⊙ (1 − y).
 */
export class Sigmoid extends OutputActivation {
  /** Sigmoid over `size` features. */
  constructor(size: number) {
    super('Sigmoid', size, sigmoid, sigmoidBackward);
  }
}

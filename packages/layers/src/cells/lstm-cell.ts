import type { CellOptions } from './cell-input.js';
import { FusedCell } from './fused-cell.js';
import { LSTMCore } from './lstm-core.js';

/**
 * An LSTM cell with PyTorch's parameterization (`torch.nn.LSTMCell`): a
 * `FusedCell` whose fused hidden side `hh` is an {@link LSTMCore}.
 *
 * - inputs: `x` `[B, inputSize]` (or ids `[B]` with `input: 'ids'`),
 *   `h` = h_{t−1} `[B, m]`, `c` = c_{t−1} `[B, m]`.
 * - outputs: `h` = h_t `[B, m]`, `c` = c_t `[B, m]`.
 * - parameters: `weight_ih` `[4m, inputSize]`, `bias_ih` `[4m]`,
 *   `weight_hh` `[4m, m]`, `bias_hh` `[4m]`; gate order i, f, g, o.
 * - formula: a = x W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh; i, f, o = σ(a_i, a_f, a_o),
 *   g = tanh(a_g); c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t).
 *
 * The same weights (by name) give PyTorch's LSTMCell to rounding.
 */
export class LSTMCell extends FusedCell<LSTMCore> {
  /** A cell from `inputSize` features (or a vocabulary of that many ids) to `hiddenSize` (m) units. */
  constructor(inputSize: number, hiddenSize: number, options: CellOptions) {
    super('LSTMCell', inputSize, hiddenSize, options, { gates: 4, states: ['h', 'c'], core: (m, o) => new LSTMCore(m, o) });
  }
}

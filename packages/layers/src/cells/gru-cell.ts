import type { CellOptions } from './cell-input.js';
import { FusedCell } from './fused-cell.js';
import { GRUCore } from './gru-core.js';

/**
 * A GRU cell with PyTorch's parameterization (`torch.nn.GRUCell`): a
 * `FusedCell` whose fused hidden side `hh` is a {@link GRUCore}.
 *
 * - inputs: `x` `[B, inputSize]` (or ids `[B]` with `input: 'ids'`), `h` = h_{t−1} `[B, m]`.
 * - output: `h` = h_t `[B, m]`.
 * - parameters: `weight_ih` `[3m, inputSize]`, `bias_ih` `[3m]`,
 *   `weight_hh` `[3m, m]`, `bias_hh` `[3m]`; gate order r, z, n.
 * - formula: gi = x W_ihᵀ + b_ih, gh = h_{t−1} W_hhᵀ + b_hh; r = σ(gi_r + gh_r),
 *   z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n); h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
 *
 * The same weights (by name) give PyTorch's GRUCell to rounding.
 */
export class GRUCell extends FusedCell<GRUCore> {
  /** A cell from `inputSize` features (or a vocabulary of that many ids) to `hiddenSize` (m) units. */
  constructor(inputSize: number, hiddenSize: number, options: CellOptions) {
    super('GRUCell', inputSize, hiddenSize, options, { gates: 3, states: ['h'], core: (m, o) => new GRUCore(m, o) });
  }
}

import { graph } from '../graph/builder.js';
import { Graph, type GraphSpec } from '../graph/graph.js';
import { checkSize } from '../layers/init.js';
import type { Layer } from '../layer.js';
import { float } from '../port.js';
import { inputPortType, inputProjection, type CellOptions } from './cell-input.js';
import { GRUCore } from './gru-core.js';

/**
 * A GRU cell with PyTorch's parameterization (`torch.nn.GRUCell`): a Graph of
 * two nodes, the input side `ih` (x W_ihᵀ + b_ih, a Linear, or a
 * OneHotEmbedding with a bias for token ids) and the fused hidden side `hh`
 * (a {@link GRUCore}). Both keep their parameter names (prefix `''`). Because
 * `ih` does not depend on the state, an unroller that flattens nested graphs
 * runs it once over all T·B rows, as one gemm, before the loop.
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
export class GRUCell extends Graph {
  /** The input-side projection (node `ih`). */
  readonly ih: Layer;
  /** The fused hidden side (node `hh`). */
  readonly hh: GRUCore;

  /** A cell from `inputSize` features (or a vocabulary of that many ids) to `hiddenSize` (m) units. */
  constructor(
    /** Features of x (or the vocabulary size K with `input: 'ids'`). */ readonly inputSize: number,
    /** m, the hidden units. */ readonly hiddenSize: number,
    options: CellOptions,
  ) {
    super(gruCellSpec(inputSize, hiddenSize, options));
    this.ih = this.node('ih').layer;
    this.hh = this.node('hh').layer as GRUCore;
  }
}

function gruCellSpec(inputSize: number, hiddenSize: number, options: CellOptions): GraphSpec {
  const who = 'GRUCell';
  const xType = inputPortType(who, inputSize, options);
  checkSize(who, 'hiddenSize', hiddenSize);
  const ih = inputProjection(who, inputSize, hiddenSize, 3, options);
  const hh = new GRUCore(hiddenSize, options);
  return graph(who)
    .input('x', xType)
    .input('h', float(hiddenSize))
    .node('ih', ih, { [ih.inputs[0]!.name]: 'x' }, { prefix: '' })
    .node('hh', hh, { x: 'ih', h: 'h' }, { prefix: '' })
    .output('h', 'hh.h')
    .spec();
}

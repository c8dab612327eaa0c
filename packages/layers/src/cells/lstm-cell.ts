import { graph } from '../graph/builder.js';
import { Graph, type GraphSpec } from '../graph/graph.js';
import { checkSize } from '../layers/init.js';
import type { Layer } from '../layer.js';
import { float } from '../port.js';
import { inputPortType, inputProjection, type CellOptions } from './cell-input.js';
import { LSTMCore } from './lstm-core.js';

/**
 * An LSTM cell with PyTorch's parameterization (`torch.nn.LSTMCell`): a Graph
 * of two nodes, the input side `ih` (x W_ihᵀ + b_ih, a Linear, or a
 * OneHotEmbedding with a bias for token ids) and the fused hidden side `hh`
 * (an {@link LSTMCore}). Both keep their parameter names (prefix `''`).
 * Because `ih` does not depend on the state, an unroller that flattens nested
 * graphs runs it once over all T·B rows, as one gemm, before the loop.
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
export class LSTMCell extends Graph {
  /** The input-side projection (node `ih`). */
  readonly ih: Layer;
  /** The fused hidden side (node `hh`). */
  readonly hh: LSTMCore;

  /** A cell from `inputSize` features (or a vocabulary of that many ids) to `hiddenSize` (m) units. */
  constructor(
    /** Features of x (or the vocabulary size K with `input: 'ids'`). */ readonly inputSize: number,
    /** m, the hidden units. */ readonly hiddenSize: number,
    options: CellOptions,
  ) {
    super(lstmCellSpec(inputSize, hiddenSize, options));
    this.ih = this.node('ih').layer;
    this.hh = this.node('hh').layer as LSTMCore;
  }
}

function lstmCellSpec(inputSize: number, hiddenSize: number, options: CellOptions): GraphSpec {
  const who = 'LSTMCell';
  const xType = inputPortType(who, inputSize, options);
  checkSize(who, 'hiddenSize', hiddenSize);
  const ih = inputProjection(who, inputSize, hiddenSize, 4, options);
  const hh = new LSTMCore(hiddenSize, options);
  return graph(who)
    .input('x', xType)
    .input('h', float(hiddenSize))
    .input('c', float(hiddenSize))
    .node('ih', ih, { [ih.inputs[0]!.name]: 'x' }, { prefix: '' })
    .node('hh', hh, { x: 'ih', h: 'h', c: 'c' }, { prefix: '' })
    .output('h', 'hh.h')
    .output('c', 'hh.c')
    .spec();
}

import { Graph, type GraphSpec } from '../graph/graph.js';
import type { InitOptions } from '../layers/init.js';
import type { Layer } from '../layer.js';
import { cellGraph, type CellOptions } from './cell-input.js';

/** What tells one fused cell from another: its gate count, its state ports and its hidden side. */
export interface FusedCellKind<Core extends Layer> {
  /** Gates G: the input side maps to `[B, G·m]`. */
  readonly gates: number;
  /** The state ports, in and out (`h`, then `c` for an LSTM); `x` and they are the core's inputs. */
  readonly states: readonly string[];
  /** The fused hidden side with `hiddenSize` units (drawn after the input side). */
  readonly core: (hiddenSize: number, options: InitOptions) => Core;
}

/**
 * A PyTorch-style cell ({@link LSTMCell}, {@link GRUCell}): a Graph of two
 * nodes, the input side `ih` (x W_ihᵀ + b_ih, a Linear, or a OneHotEmbedding
 * with a bias for token ids) and the fused hidden side `hh`. Both keep their
 * parameter names (prefix `''`). Because `ih` does not depend on the state, an
 * unroller that flattens nested graphs runs it once over all T·B rows, as one
 * gemm, before the loop.
 */
export abstract class FusedCell<Core extends Layer> extends Graph {
  /** The input-side projection (node `ih`). */
  readonly ih: Layer;
  /** The fused hidden side (node `hh`). */
  readonly hh: Core;

  protected constructor(
    who: string,
    /** Features of x (or the vocabulary size K with `input: 'ids'`). */ readonly inputSize: number,
    /** m, the hidden units. */ readonly hiddenSize: number,
    options: CellOptions,
    kind: FusedCellKind<Core>,
  ) {
    super(fusedCellSpec(who, inputSize, hiddenSize, options, kind));
    this.ih = this.node('ih').layer;
    this.hh = this.node('hh').layer as Core;
  }
}

function fusedCellSpec<Core extends Layer>(who: string, inputSize: number, hiddenSize: number, options: CellOptions, kind: FusedCellKind<Core>): GraphSpec {
  const builder = cellGraph(who, inputSize, hiddenSize, kind.gates, options, kind.states);
  const hh = kind.core(hiddenSize, options);
  const wiring: Record<string, string> = { x: 'ih' };
  for (const s of kind.states) wiring[s] = s;
  builder.node('hh', hh, wiring, { prefix: '' });
  for (const s of kind.states) builder.output(s, `hh.${s}`);
  return builder.spec();
}

/** The input side of a fused cell: W_ih x + b_ih as a Linear, or as a OneHotEmbedding with a bias for token ids. */
import { Rng } from '@weft/tensor';
import { graph, type GraphBuilder } from '../graph/builder.js';
import type { Layer } from '../layer.js';
import { Linear } from '../layers/linear.js';
import { OneHotEmbedding } from '../layers/one-hot-embedding.js';
import { checkSize, initCellParam, paramDtype, type InitOptions } from '../layers/init.js';
import { float, ids, type PortType } from '../port.js';
import type { Param } from '../param.js';

/** Options of the PyTorch-style cells ({@link LSTMCell}, {@link GRUCell} and their composed versions). */
export interface CellOptions extends InitOptions {
  /**
   * `'float'` (default): x is `[B, inputSize]`. `'ids'`: x is token ids in
   * `[0, inputSize)` and `weight_ih` `[G·m, K]` is applied to their one-hot
   * vectors (a gather, no product) — the same weights as PyTorch's cell fed
   * one-hot rows.
   */
  input?: 'float' | 'ids';
  /**
   * Standard deviation of the weights: N(0, std²) with zero biases, as other
   * weft layers. Default: PyTorch's U(−1/√m, 1/√m) for weights and biases.
   */
  std?: number;
}

/** The port type of x: `float(inputSize)` or `ids()`. */
export function inputPortType(who: string, inputSize: number, options: CellOptions): PortType {
  if (options === undefined || options === null || typeof options.rng?.uniform !== 'function') {
    throw new Error(`${who}: options.rng (a seeded Rng) is required to draw the weights`);
  }
  checkSize(who, 'inputSize', inputSize);
  const kind = options?.input ?? 'float';
  if (kind !== 'float' && kind !== 'ids') throw new Error(`${who}: options.input must be 'float' or 'ids', got ${JSON.stringify(kind)}`);
  return kind === 'ids' ? ids() : float(inputSize);
}

/**
 * What every PyTorch-style cell starts with, fused or composed: the checks,
 * the input side `ih` (drawn first from `options.rng`, see
 * {@link inputProjection}) and a builder holding the inputs `x` and `states`
 * (`[B, hiddenSize]` each, in order) and the node `ih` (prefix `''`).
 */
export function cellGraph(
  who: string,
  inputSize: number,
  hiddenSize: number,
  gates: number,
  options: CellOptions,
  states: readonly string[],
): GraphBuilder {
  const xType = inputPortType(who, inputSize, options);
  checkSize(who, 'hiddenSize', hiddenSize);
  const ih = inputProjection(who, inputSize, hiddenSize, gates, options);
  const builder = graph(who).input('x', xType);
  for (const s of states) builder.input(s, float(hiddenSize));
  return builder.node('ih', ih, { [ih.inputs[0]!.name]: 'x' }, { prefix: '' });
}

/**
 * x ↦ x W_ihᵀ + b_ih `[B, gates·m]`, with parameters `weight_ih` `[gates·m,
 * inputSize]` and `bias_ih` `[gates·m]` initialised as {@link initCellParam}
 * says (weight drawn before bias, from `options.rng`): a Linear, or for
 * `input: 'ids'` a OneHotEmbedding with a bias.
 */
export function inputProjection(who: string, inputSize: number, hiddenSize: number, gates: number, options: CellOptions): Layer {
  const out = gates * hiddenSize;
  if ((options.input ?? 'float') === 'ids') {
    const layer = new OneHotEmbedding(inputSize, out, { rng: placeholderRng(), std: 0, name: 'weight_ih', bias: 'bias_ih', dtype: paramDtype(who, options) });
    return drawCellParams(who, layer, hiddenSize, options);
  }
  return cellLinear(who, inputSize, out, hiddenSize, 'ih', options);
}

/**
 * A Linear `[out, inFeatures]` named `weight_<side>`, `bias_<side>` (`ih` or
 * `hh`), its values drawn as {@link initCellParam} says: the input or the
 * hidden side of a cell with `hiddenSize` units.
 */
export function cellLinear(who: string, inFeatures: number, out: number, hiddenSize: number, side: 'ih' | 'hh', options: CellOptions): Linear {
  const layer = new Linear(inFeatures, out, { rng: placeholderRng(), std: 0, names: { W: `weight_${side}`, b: `bias_${side}` }, dtype: paramDtype(who, options) });
  return drawCellParams(who, layer, hiddenSize, options);
}

/**
 * Replaces the [weight, bias] of `layer` by draws from `options.rng`. The
 * layers draw N(0, std²) weights and zero biases; a cell draws its own
 * (PyTorch's uniform default, or N(0, std²)) from the caller's rng, so the
 * layers are built with a throwaway generator and std 0.
 */
function drawCellParams<L extends Layer>(who: string, layer: L, hiddenSize: number, options: CellOptions): L {
  const [weight, bias] = layer.parameters() as [Param, Param];
  weight.value.data.set(initCellParam(who, weight.value.shape, hiddenSize, false, options).data);
  bias.value.data.set(initCellParam(who, bias.value.shape, hiddenSize, true, options).data);
  return layer;
}

function placeholderRng(): Rng {
  return new Rng(0);
}

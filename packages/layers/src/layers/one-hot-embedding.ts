import { addRowVector, colSums, gatherColumns, scatterAddColumns, zeros, type Tensor } from '@weft/tensor';
import { allocatingWith, checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, ParameterOwner, type Layer, type LayerContext } from '../layer.js';
import { Param } from '../param.js';
import { float, ids, port, type Port, type Value } from '../port.js';
import { checkSize, initWeight, paramDtype, type InitOptions } from './init.js';

/** Options of {@link OneHotEmbedding}. */
export interface OneHotEmbeddingOptions extends InitOptions {
  /** Name of the weight parameter; default `U`. */
  name?: string;
  /**
   * Give the layer a bias `b` `[m]` under this name (e.g. `bias_ih`), added to
   * every output row; it starts at 0. Default: no bias (out = U x_t).
   */
  bias?: string;
}

/** The per-call cache of {@link OneHotEmbedding}: the output and the ids it gathered. */
export class OneHotEmbeddingContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  /** Token ids have no gradient. */
  readonly gradInputs: readonly (Tensor | null)[] = [null];
  /** The ids of the last forward (referenced, not copied). */
  ids: Int32Array;

  constructor(readonly batch: number, readonly steps: number, size: number) {
    this.rows = batch * steps;
    this.outputs = [zeros([this.rows, size])];
    this.ids = new Int32Array(0);
  }
}

/**
 * Token ids → vectors: `out[r, :] = U[:, ids[r]]`, which is `U x` for the
 * one-hot vector x of the id, without building x.
 * With a bias: `out[r, :] = U[:, ids[r]] + b`, i.e. a Linear layer `U x + b`
 * on one-hot x (how an LSTM/GRU cell takes token ids).
 *
 * - input `ids`: Int32Array `[B]` of ids in `[0, K)`; no gradient.
 * - output `out`: `[B, m]`.
 * - parameter `U`: `[m, K]`; backward scatter-adds `U.grad[:, ids[r]] += dout[r, :]`
 *   (ids may repeat). With `options.bias`: `b` `[m]`, `b.grad += Σ_rows dout`.
 */
export class OneHotEmbedding extends ParameterOwner implements Layer<OneHotEmbeddingContext> {
  readonly inputs: readonly Port[] = [port('ids', ids())];
  readonly outputs: readonly Port[];
  /** The embedding matrix U `[m, K]`: column k is the vector of token k. */
  readonly weight: Param;
  /** The bias b `[m]` when `options.bias` named one, else null. */
  readonly bias: Param | null;
  /** `[U]`, or `[U, b]` with a bias. */
  protected readonly params: readonly Param[];

  /**
   * A table for `vocabSize` (K) tokens of `size` (m) features, U ~ N(0, std²) (and b = 0 with `options.bias`).
   * @param vocabSize - K, the number of token ids (0..K−1); U is `[m, K]`.
   * @param size - m, the features per token: the output is `[rows, m]`.
   */
  constructor(readonly vocabSize: number, readonly size: number, options: OneHotEmbeddingOptions) {
    super();
    checkSize('OneHotEmbedding', 'vocabSize', vocabSize);
    checkSize('OneHotEmbedding', 'size', size);
    this.outputs = [port('out', float(size))];
    this.weight = new Param(options?.name ?? 'U', initWeight('OneHotEmbedding', [size, vocabSize], options));
    const bias = options.bias;
    if (bias !== undefined && (typeof bias !== 'string' || bias.length === 0)) {
      throw new Error(`OneHotEmbedding: options.bias must name the bias parameter (e.g. 'bias_ih'), got ${JSON.stringify(bias)}`);
    }
    this.bias = bias === undefined ? null : new Param(bias, zeros([size], paramDtype('OneHotEmbedding', options)));
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** Buffers for `batch · steps` rows: the output `[rows, m]`. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): OneHotEmbeddingContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('OneHotEmbedding', batch, steps);
      resolvePropagateDown('OneHotEmbedding', this.inputs, propagateDown);
      return new OneHotEmbeddingContext(batch, steps, this.size);
    });
  }

  /** out[r, :] = U[:, ids[r]] (+ b). Throws for an id outside [0, K). Returns `[out]`. */
  forward(ctx: OneHotEmbeddingContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('OneHotEmbedding', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const tokens = inputs[0] as Int32Array;
    const K = this.vocabSize;
    for (let r = 0; r < tokens.length; r++) {
      const id = tokens[r]!;
      if (!(id >= 0 && id < K)) throw new Error(`OneHotEmbedding: id ${id} at row ${r} is outside the vocabulary [0, ${K})`);
    }
    const outT = ctx.outputs[0]!;
    gatherColumns(outT, this.weight.value, tokens);
    if (this.bias) addRowVector(outT, outT, this.bias.value);
    ctx.ids = tokens;
    return ctx.outputs;
  }

  /** U.grad[:, ids[r]] += dout[r, :] for every row r (and b.grad += Σ_rows dout). No input gradient. */
  backward(ctx: OneHotEmbeddingContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('OneHotEmbedding', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dOut = gradOutputs[0];
    if (!dOut) return;
    scatterAddColumns(this.weight.grad, ctx.ids, dOut);
    if (this.bias) colSums(this.bias.grad, dOut, 1);
  }
}


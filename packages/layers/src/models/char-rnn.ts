import { copy, fill, formatShape, zeros, type Rng, type Tensor } from '@weft/tensor';
import { graph } from '../graph/builder.js';
import type { Graph, GraphContext } from '../graph/graph.js';
import { Linear } from '../layers/linear.js';
import { OneHotEmbedding } from '../layers/one-hot-embedding.js';
import { RNNCell } from '../layers/rnn-cell.js';
import { Softmax } from '../layers/softmax.js';
import { SoftmaxCrossEntropy } from '../layers/softmax-cross-entropy.js';
import type { Param } from '../param.js';
import { float, ids } from '../port.js';
import { Recurrent, type RecurrentContext } from '../recurrent/recurrent.js';
import { lossAndGradients } from '../run.js';

/** Options of {@link charRnn}. */
export interface CharRnnOptions {
  /** K: the number of distinct characters. */
  vocabSize: number;
  /** m: the number of hidden units. */
  hidden: number;
  /** Draws U, W and V, in that order. */
  rng: Rng;
  /** B: sequences per update; default 1 (the report's setting). */
  batch?: number;
  /** Standard deviation of U, W and V; default 0.01 (the report's). */
  std?: number;
}

/** The report's character-level vanilla RNN, as the char-rnn example uses it. */
export interface CharRnnModel {
  /** Exactly U `[m,K]`, W `[m,m]`, V `[K,m]`, b `[m]`, c `[K]`, in this order (the same objects every call). */
  parameters(): Param[];
  /** B. */
  readonly batch: number;
  /** The hidden state h `[B, m]`, carried between calls (truncated BPTT); may be written into. */
  state: Tensor;
  /** h = 0. */
  resetState(): void;
  /** Sets every parameter gradient to 0. */
  zeroGrad(): void;
  /**
   * Forward over T = inputs.length / B steps from the current state (ids
   * time-major: index t·B + b), BPTT, ACCUMULATES (+=) into every gradient,
   * sets the state to h_T. Returns the loss summed over time, averaged over
   * the batch (for B = 1 the report's −Σ_t log p_t[y_t]).
   */
  lossAndGradients(inputs: Int32Array, targets: Int32Array): number;
  /** The same loss without gradients; also advances the state. */
  loss(inputs: Int32Array, targets: Int32Array): number;
  /** One step for sampling: writes p = softmax(V h + c) `[B, K]` into `probs`, advances the state, returns `probs`. */
  step(ids: Int32Array, probs: Tensor): Tensor;
  /** A model of batch `batch` SHARING these Param objects, with its own state and buffers. */
  withBatch(batch: number): CharRnnModel;
}

/** The layers of a char-RNN, shared by every batch size. */
interface CharRnnLayers {
  readonly embed: OneHotEmbedding;
  readonly cell: RNNCell;
  readonly out: Linear;
  readonly loss: SoftmaxCrossEntropy;
  readonly softmax: Softmax;
  readonly params: Param[];
}

/**
 * The report's char-RNN built from the framework's parts: the step graph
 * OneHotEmbedding(U) → RNNCell(W, b) → Linear(V, c) → SoftmaxCrossEntropy,
 * with h as state, unrolled by {@link Recurrent}:
 *
 *   a_t = W h_{t−1} + U x_t + b,  h_t = tanh(a_t),  o_t = V h_t + c,  p_t = softmax(o_t).
 *
 * U, W, V ~ N(0, std²) drawn from `rng` in that order; b = c = 0; h_0 = 0.
 */
export function charRnn(options: CharRnnOptions): CharRnnModel {
  const { vocabSize: K, hidden: m, rng, batch = 1, std = 0.01 } = options ?? ({} as CharRnnOptions);
  if (!Number.isInteger(K) || K <= 0) throw new Error(`charRnn: vocabSize must be a positive integer, got ${K}`);
  if (!Number.isInteger(m) || m <= 0) throw new Error(`charRnn: hidden must be a positive integer, got ${m}`);
  const embed = new OneHotEmbedding(K, m, { rng, std, name: 'U' });
  const cell = new RNNCell(m, { rng, std, names: { W: 'W', b: 'b' } });
  const out = new Linear(m, K, { rng, std, names: { W: 'V', b: 'c' } });
  const byName = new Map([...embed.parameters(), ...cell.parameters(), ...out.parameters()].map((p) => [p.name, p]));
  const params = ['U', 'W', 'V', 'b', 'c'].map((name) => byName.get(name)!);
  return new CharRnn({ embed, cell, out, loss: new SoftmaxCrossEntropy(K), softmax: new Softmax(K), params }, batch);
}

/** How many unrolled shapes (sequence lengths) a model keeps; older ones are dropped and rebuilt if needed. */
const MAX_CONTEXTS = 4;

/** {@link CharRnnModel} over a {@link Recurrent} (training) and a one-step sampling graph. */
class CharRnn implements CharRnnModel {
  readonly batch: number;
  private readonly recurrent: Recurrent;
  /** Contexts by sequence length T, most recently used last. */
  private readonly contexts = new Map<number, RecurrentContext>();
  /** The carried hidden state [B, m], copied into the context of each call and back. */
  private readonly hidden: Tensor;
  private readonly sampler: Graph;
  private readonly samplerContext: GraphContext;
  private readonly samplerInputs: [Int32Array, Tensor];
  private readonly feed: [Int32Array, Int32Array] = [new Int32Array(0), new Int32Array(0)];

  constructor(private readonly layers: CharRnnLayers, batch: number) {
    const { embed, cell, out, loss, softmax } = layers;
    const K = embed.vocabSize;
    const m = cell.hiddenSize;
    if (!Number.isInteger(batch) || batch <= 0) throw new Error(`charRnn: batch must be a positive integer, got ${batch}`);
    this.batch = batch;
    // prefix '' keeps the report's names: U, W, b, V, c.
    const train = graph('char-rnn step')
      .input('x', ids())
      .input('y', ids())
      .input('h', float(m))
      .node('embed', embed, { ids: 'x' }, { prefix: '' })
      .node('cell', cell, { x: 'embed', h: 'h' }, { prefix: '' })
      .node('out', out, { x: 'cell' }, { prefix: '' })
      .node('loss', loss, { logits: 'out', targets: 'y' })
      .output('loss', 'loss')
      .output('h', 'cell')
      .build();
    this.recurrent = new Recurrent(train, { state: { h: 'h' } });
    this.hidden = zeros([batch, m]);
    this.sampler = graph('char-rnn sampler')
      .input('x', ids())
      .input('h', float(m))
      .node('embed', embed, { ids: 'x' }, { prefix: '' })
      .node('cell', cell, { x: 'embed', h: 'h' }, { prefix: '' })
      .node('out', out, { x: 'cell' }, { prefix: '' })
      .node('softmax', softmax, { x: 'out' })
      .output('p', 'softmax')
      .output('h', 'cell')
      .build();
    this.samplerContext = this.sampler.createContext(this.batch, 1, [false, false]);
    this.samplerInputs = [new Int32Array(0), this.hidden];
    if (K !== out.outFeatures) throw new Error('charRnn: internal error: K mismatch');
  }

  parameters(): Param[] {
    return this.layers.params;
  }

  get state(): Tensor {
    return this.hidden;
  }

  set state(value: Tensor) {
    if (value !== this.hidden) copy(this.hidden, value);
  }

  resetState(): void {
    fill(this.hidden, 0);
  }

  zeroGrad(): void {
    for (const p of this.layers.params) p.zeroGrad();
  }

  lossAndGradients(inputs: Int32Array, targets: Int32Array): number {
    const ctx = this.setFeed('lossAndGradients', inputs, targets);
    const loss = lossAndGradients(this.recurrent, ctx, this.feed);
    copy(this.hidden, ctx.state('h'));
    return loss;
  }

  loss(inputs: Int32Array, targets: Int32Array): number {
    const ctx = this.setFeed('loss', inputs, targets);
    const [loss] = this.recurrent.forward(ctx, this.feed);
    copy(this.hidden, ctx.state('h'));
    return loss!.data[loss!.offset]!;
  }

  step(tokens: Int32Array, probs: Tensor): Tensor {
    const B = this.batch;
    const K = this.layers.embed.vocabSize;
    if (!(tokens instanceof Int32Array) || tokens.length !== B) {
      throw new Error(`CharRnnModel.step: ids must be an Int32Array of length B = ${B}, got ${tokens instanceof Int32Array ? `length ${tokens.length}` : String(tokens)}`);
    }
    if (!probs || probs.shape?.length !== 2 || probs.shape[0] !== B || probs.shape[1] !== K) {
      throw new Error(`CharRnnModel.step: probs must be [${B},${K}], got ${probs?.shape ? formatShape(probs.shape) : String(probs)}`);
    }
    this.samplerInputs[0] = tokens;
    const [p, h] = this.sampler.forward(this.samplerContext, this.samplerInputs) as [Tensor, Tensor];
    copy(probs, p);
    copy(this.hidden, h);
    return probs;
  }

  withBatch(batch: number): CharRnnModel {
    return new CharRnn(this.layers, batch);
  }

  /** Checks the ids, sets the feed and returns the context for T = inputs.length / B with the carried state in it. */
  private setFeed(who: string, inputs: Int32Array, targets: Int32Array): RecurrentContext {
    if (!(inputs instanceof Int32Array) || !(targets instanceof Int32Array)) {
      throw new Error(`CharRnnModel.${who}: inputs and targets must be Int32Arrays of token ids`);
    }
    if (inputs.length !== targets.length) {
      throw new Error(`CharRnnModel.${who}: inputs has ${inputs.length} ids but targets has ${targets.length}`);
    }
    if (inputs.length === 0 || inputs.length % this.batch !== 0) {
      throw new Error(`CharRnnModel.${who}: needs T·B ids (a positive multiple of B = ${this.batch}), got ${inputs.length}`);
    }
    this.feed[0] = inputs;
    this.feed[1] = targets;
    const T = inputs.length / this.batch;
    let ctx = this.contexts.get(T);
    if (ctx) this.contexts.delete(T);
    else {
      ctx = this.recurrent.createContext(this.batch, T);
      if (this.contexts.size >= MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!);
    }
    this.contexts.set(T, ctx); // most recently used last
    copy(ctx.state('h'), this.hidden);
    return ctx;
  }
}

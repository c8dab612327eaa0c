import { copy, fill, formatShape, zeros, type DType, type Rng, type Tensor } from '@weft/tensor';
import { graph, type GraphBuilder } from '../graph/builder.js';
import type { Graph, GraphContext } from '../graph/graph.js';
import { GRUCell } from '../cells/gru-cell.js';
import { LSTMCell } from '../cells/lstm-cell.js';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { OneHotEmbedding } from '../layers/one-hot-embedding.js';
import { paramDtype } from '../layers/init.js';
import { RNNCell } from '../layers/rnn-cell.js';
import { Softmax } from '../layers/softmax.js';
import { SoftmaxCrossEntropy } from '../layers/softmax-cross-entropy.js';
import { allocatingWith } from '../layer.js';
import type { Param } from '../param.js';
import { float, ids } from '../port.js';
import { Recurrent, type RecurrentContext } from '../recurrent/recurrent.js';
import { lossAndGradients } from '../run.js';

/** The recurrent cells a character model can be built from. */
export const CELLS = ['rnn', 'lstm', 'gru'] as const;

/** `'rnn'` (vanilla tanh RNN), `'lstm'` or `'gru'`. */
export type CellName = (typeof CELLS)[number];

/** Options of {@link charRnn}. */
export interface CharRnnOptions {
  /** K: the number of distinct characters. */
  vocabSize: number;
  /** m: the number of hidden units of every layer. */
  hidden: number;
  /** Draws every weight, layer by layer, then the output layer; also draws the dropout masks. */
  rng: Rng;
  /** B: sequences per update; default 1. */
  batch?: number;
  /** The recurrent cell; default `'rnn'`. */
  cell?: CellName;
  /** Stacked recurrent layers; default 1. */
  layers?: number;
  /** Dropout probability on the outputs of every layer but the last (as PyTorch's nn.LSTM); default 0. */
  dropout?: number;
  /**
   * Standard deviation of the weights, N(0, std²) with zero biases. Default
   * 0.01 for `'rnn'`; for `'lstm'` and `'gru'` the default is
   * PyTorch's U(−1/√m, 1/√m) for the cells (the output layer: N(0, 0.01²)).
   */
  std?: number;
  /**
   * The dtype of every parameter, gradient, buffer and state: `'float64'`
   * (default, or an enclosing `withDtype` scope's) or `'float32'` (faster on
   * the WebAssembly kernels; gradient checks need float64). The weights are
   * the float64 model's of the same seed, rounded once to float32.
   */
  dtype?: DType;
}

/** The architecture of a character model: what a checkpoint records to rebuild it. */
export interface CharRnnArchitecture {
  /** The recurrent cell of every layer. */
  cell: CellName;
  /** Stacked recurrent layers. */
  layers: number;
  /** m, hidden units per layer. */
  hidden: number;
  /** K, the number of distinct characters. */
  vocabSize: number;
  /** Dropout probability between layers. */
  dropout: number;
}

/** A character-level recurrent language model, as the char-rnn example trains and samples it. */
export interface CharRnnModel {
  /** The architecture it was built with. */
  readonly architecture: CharRnnArchitecture;
  /** The dtype of its parameters, gradients, buffers and states. */
  readonly dtype: DType;
  /**
   * The parameters (the same objects every call). The classic model
   * (`rnn`, 1 layer, as Karpathy's min-char-rnn) has exactly U `[m,K]`, W `[m,m]`, V `[K,m]`, b `[m]`,
   * c `[K]`, in this order; other models use PyTorch's cell names per layer
   * (`l0.weight_ih`, `l0.weight_hh`, `l0.bias_ih`, `l0.bias_hh`, …) and
   * `head.weight`, `head.bias`.
   */
  parameters(): Param[];
  /** B. */
  readonly batch: number;
  /** The state names: `['h']` for the classic model, else `l0.h` (and `l0.c` for LSTM), `l1.h`, … */
  readonly stateNames: readonly string[];
  /** Every carried state `[B, m]` by name (truncated BPTT); may be written into. */
  readonly states: Readonly<Record<string, Tensor>>;
  /** The first state (`h` of the first layer) `[B, m]`; setting it copies. */
  state: Tensor;
  /** Every state = 0. */
  resetState(): void;
  /** Sets every parameter gradient to 0. */
  zeroGrad(): void;
  /**
   * Forward over T = inputs.length / B steps from the current state (ids
   * time-major: index t·B + b), BPTT, ACCUMULATES (+=) into every gradient,
   * sets the state to the last step's. Dropout (if any) is on. Returns the
   * loss summed over time, averaged over the batch (for B = 1, −Σ_t log p_t[y_t]).
   */
  lossAndGradients(inputs: Int32Array, targets: Int32Array): number;
  /** The same loss without gradients and without dropout (evaluation); also advances the state. */
  loss(inputs: Int32Array, targets: Int32Array): number;
  /** One step for sampling: writes p = softmax(logits) `[B, K]` into `probs`, advances the state, returns `probs`. No dropout. */
  step(ids: Int32Array, probs: Tensor): Tensor;
  /** A model of batch `batch` SHARING these Param objects, with its own state and buffers. */
  withBatch(batch: number): CharRnnModel;
}

/** The layers of a character model, shared by every batch size. */
interface CharRnnParts {
  readonly architecture: CharRnnArchitecture;
  /** One Recurrent per layer. */
  readonly recurrent: readonly Recurrent[];
  /** Between layer l and l+1 (training graph only). */
  readonly dropouts: readonly Dropout[];
  readonly head: Linear;
  readonly loss: SoftmaxCrossEntropy;
  readonly softmax: Softmax;
  /** Per layer, per state of its cell: the model's state name and the cell's state input name. */
  readonly states: readonly (readonly { readonly name: string; readonly input: string }[])[];
  /** The parameters in the order `parameters()` gives them. */
  readonly params: Param[];
}

/**
 * A character-level recurrent language model built from the framework's
 * parts: token ids → `layers` stacked recurrent layers of `cell` (each its
 * own {@link Recurrent}, so every layer's input-side products run once over
 * all T·B rows) → dropout between layers → Linear → SoftmaxCrossEntropy.
 *
 * With the defaults (`rnn`, 1 layer, no dropout) it is exactly the classic
 * char-RNN (Karpathy's min-char-rnn), OneHotEmbedding(U) → RNNCell(W, b) → Linear(V, c):
 *
 *   a_t = W h_{t−1} + U x_t + b,  h_t = tanh(a_t),  o_t = V h_t + c,  p_t = softmax(o_t),
 *
 * U, W, V ~ N(0, std²) drawn from `rng` in that order; b = c = 0; h_0 = 0.
 * An LSTM or GRU layer is PyTorch's `LSTMCell`/`GRUCell` (the first layer fed
 * token ids: its weight_ih `[G·m, K]` is applied to one-hot vectors).
 */
export function charRnn(options: CharRnnOptions): CharRnnModel {
  const o = options ?? ({} as CharRnnOptions);
  const { vocabSize: K, hidden: m, rng } = o;
  const cell = o.cell ?? 'rnn';
  const layers = o.layers ?? 1;
  const dropout = o.dropout ?? 0;
  if (!Number.isInteger(K) || K <= 0) throw new Error(`charRnn: vocabSize must be a positive integer, got ${K}`);
  if (!Number.isInteger(m) || m <= 0) throw new Error(`charRnn: hidden must be a positive integer, got ${m}`);
  if (!CELLS.includes(cell)) throw new Error(`charRnn: cell must be one of ${CELLS.join(', ')}, got ${JSON.stringify(cell)}`);
  if (!Number.isInteger(layers) || layers < 1) throw new Error(`charRnn: layers must be a positive integer, got ${layers}`);
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new Error(`charRnn: dropout must be in [0, 1), got ${dropout}`);
  if (typeof rng?.normal !== 'function') throw new Error('charRnn: options.rng (a seeded Rng) is required to draw the weights');
  // The classic model (Karpathy's min-char-rnn): U, W, V, b, c and state h.
  const classic = cell === 'rnn' && layers === 1;
  const std = o.std ?? (cell === 'rnn' ? 0.01 : undefined);
  const headStd = o.std ?? 0.01;
  const dtype = paramDtype('charRnn', o);

  const recurrent: Recurrent[] = [];
  const states: { name: string; input: string }[][] = [];
  for (let l = 0; l < layers; l++) {
    const stateNames = cell === 'lstm' ? ['h', 'c'] : ['h'];
    const step = graph(`layer ${l}`).input('x', l === 0 ? ids() : float(m));
    for (const s of stateNames) step.input(s, float(m));
    addCell(step, cell, l, K, m, rng, std, classic, dtype);
    for (const s of stateNames) step.output(s, `cell.${s}`);
    recurrent.push(new Recurrent(step.build(), { state: Object.fromEntries(stateNames.map((s) => [s, s])) }));
    states.push(stateNames.map((s) => ({ name: classic ? s : `l${l}.${s}`, input: s })));
  }
  const head = new Linear(m, K, { rng, std: headStd, dtype, names: classic ? { W: 'V', b: 'c' } : { W: 'weight', b: 'bias' } });
  const dropouts = Array.from({ length: layers - 1 }, () => new Dropout(m, dropout, rng));
  const prefixes = recurrent.map((_, l) => (classic ? '' : `l${l}.`));
  const all = [...recurrent.flatMap((r, l) => r.parameters().map((p) => p.renamed(prefixes[l]! + p.name))), ...head.parameters().map((p) => p.renamed(classic ? p.name : `head.${p.name}`))];
  // The classic order: U, W, V, b, c.
  const params = classic ? ['U', 'W', 'V', 'b', 'c'].map((n) => all.find((p) => p.name === n)!) : all;
  const parts: CharRnnParts = {
    architecture: { cell, layers, hidden: m, vocabSize: K, dropout },
    recurrent,
    dropouts,
    head,
    loss: new SoftmaxCrossEntropy(K),
    softmax: new Softmax(K),
    states,
    params,
  };
  return new CharRnn(parts, o.batch ?? 1, prefixes);
}

/** Adds node `cell` (and for a vanilla RNN's layer 0, `embed`) computing one layer's step. */
function addCell(step: GraphBuilder, cell: CellName, l: number, K: number, m: number, rng: Rng, std: number | undefined, classic: boolean, dtype: DType): void {
  const base = { rng, dtype, ...(std === undefined ? {} : { std }) };
  const states: Record<string, string> = cell === 'lstm' ? { h: 'h', c: 'c' } : { h: 'h' };
  if (cell === 'rnn') {
    const names = classic ? { W: 'W', b: 'b' } : { W: 'weight_hh', b: 'bias_hh', Wx: 'weight_ih' };
    if (l === 0) {
      step.node('embed', new OneHotEmbedding(K, m, { ...base, name: classic ? 'U' : 'weight_ih' }), { ids: 'x' }, { prefix: '' });
      step.node('cell', new RNNCell(m, { ...base, names }), { x: 'embed', h: 'h' }, { prefix: '' });
    } else {
      step.node('cell', new RNNCell(m, { ...base, names, inputSize: m }), { x: 'x', h: 'h' }, { prefix: '' });
    }
    return;
  }
  const options = { ...base, ...(l === 0 ? { input: 'ids' as const } : {}) };
  const layer = cell === 'lstm' ? new LSTMCell(l === 0 ? K : m, m, options) : new GRUCell(l === 0 ? K : m, m, options);
  step.node('cell', layer, { x: 'x', ...states }, { prefix: '' });
}

/** How many unrolled shapes (sequence lengths) a model keeps; older ones are dropped and rebuilt when needed. */
const MAX_CONTEXTS = 4;

/** {@link CharRnnModel} over a graph of Recurrent layers (training) and the same graph ending in a softmax (sampling). */
class CharRnn implements CharRnnModel {
  readonly batch: number;
  readonly architecture: CharRnnArchitecture;
  readonly dtype: DType;
  readonly stateNames: readonly string[];
  readonly states: Readonly<Record<string, Tensor>>;
  private readonly trainGraph: Graph;
  private readonly sampler: Graph;
  /** Training contexts by sequence length T, most recently used last. */
  private readonly contexts = new Map<number, GraphContext>();
  /** The T of the last training call: its context is the last in `contexts`. */
  private lastSteps = 0;
  private readonly samplerContext: GraphContext;
  private readonly samplerInputs: [Int32Array];
  private readonly feed: [Int32Array, Int32Array] = [new Int32Array(0), new Int32Array(0)];
  /** Per layer: the index of its Recurrent node in the training and sampling graphs. */
  private readonly trainNodes: number[];
  private readonly samplerNodes: number[];
  private readonly stateList: Tensor[];

  constructor(private readonly parts: CharRnnParts, batch: number, private readonly prefixes: readonly string[]) {
    if (!Number.isInteger(batch) || batch <= 0) throw new Error(`charRnn: batch must be a positive integer, got ${batch}`);
    this.batch = batch;
    this.architecture = parts.architecture;
    this.dtype = parts.params[0]!.value.dtype;
    const m = parts.architecture.hidden;
    const build = (name: string, training: boolean): Graph => {
      const g = graph(name).input('x', ids());
      if (training) g.input('y', ids());
      let from = 'x';
      parts.recurrent.forEach((r, l) => {
        g.node(`l${l}`, r, { x: from }, { prefix: prefixes[l]! });
        from = `l${l}.h`;
        if (training && l < parts.dropouts.length && parts.dropouts[l]!.p > 0) {
          g.node(`drop${l}`, parts.dropouts[l]!, { x: from });
          from = `drop${l}`;
        }
      });
      g.node('head', parts.head, { x: from }, { prefix: prefixes[0] === '' ? '' : 'head.' });
      if (training) g.node('loss', parts.loss, { logits: 'head', targets: 'y' }).output('loss', 'loss');
      else g.node('softmax', parts.softmax, { x: 'head' }).output('p', 'softmax');
      return g.build();
    };
    this.trainGraph = build('char-rnn', true);
    this.sampler = build('char-rnn sampler', false);
    this.trainNodes = parts.recurrent.map((_, l) => this.trainGraph.nodes.findIndex((n) => n.name === `l${l}`));
    this.samplerNodes = parts.recurrent.map((_, l) => this.sampler.nodes.findIndex((n) => n.name === `l${l}`));
    this.stateNames = parts.states.flatMap((ss) => ss.map((s) => s.name));
    this.stateList = allocatingWith(parts.params, () => this.stateNames.map(() => zeros([batch, m])));
    this.states = Object.freeze(Object.fromEntries(this.stateNames.map((n, i) => [n, this.stateList[i]!])));
    this.samplerContext = this.sampler.createContext(batch, 1, [false]);
    this.samplerInputs = [new Int32Array(0)];
  }

  parameters(): Param[] {
    return this.parts.params;
  }

  get state(): Tensor {
    return this.stateList[0]!;
  }

  set state(value: Tensor) {
    if (value !== this.stateList[0]) copy(this.stateList[0]!, value);
  }

  resetState(): void {
    for (const s of this.stateList) fill(s, 0);
  }

  zeroGrad(): void {
    for (const p of this.parts.params) p.zeroGrad();
  }

  lossAndGradients(inputs: Int32Array, targets: Int32Array): number {
    const ctx = this.setFeed('lossAndGradients', inputs, targets);
    this.trainGraph.train(true);
    const loss = lossAndGradients(this.trainGraph, ctx, this.feed);
    this.saveStates(ctx, this.trainNodes);
    return loss;
  }

  loss(inputs: Int32Array, targets: Int32Array): number {
    const ctx = this.setFeed('loss', inputs, targets);
    this.trainGraph.train(false);
    try {
      const [loss] = this.trainGraph.forward(ctx, this.feed);
      this.saveStates(ctx, this.trainNodes);
      return loss!.data[loss!.offset]!;
    } finally {
      this.trainGraph.train(true);
    }
  }

  step(tokens: Int32Array, probs: Tensor): Tensor {
    const B = this.batch;
    const K = this.architecture.vocabSize;
    if (!(tokens instanceof Int32Array) || tokens.length !== B) {
      throw new Error(`CharRnnModel.step: ids must be an Int32Array of length B = ${B}, got ${tokens instanceof Int32Array ? `length ${tokens.length}` : String(tokens)}`);
    }
    if (!probs || probs.shape?.length !== 2 || probs.shape[0] !== B || probs.shape[1] !== K) {
      throw new Error(`CharRnnModel.step: probs must be [${B},${K}], got ${probs?.shape ? formatShape(probs.shape) : String(probs)}`);
    }
    this.samplerInputs[0] = tokens;
    this.loadStates(this.samplerContext, this.samplerNodes);
    const [p] = this.sampler.forward(this.samplerContext, this.samplerInputs);
    copy(probs, p!);
    this.saveStates(this.samplerContext, this.samplerNodes);
    return probs;
  }

  withBatch(batch: number): CharRnnModel {
    return new CharRnn(this.parts, batch, this.prefixes);
  }

  /** The Recurrent context of layer l inside a graph context. */
  private layerContext(ctx: GraphContext, nodes: readonly number[], l: number): RecurrentContext {
    return ctx.nodes[nodes[l]!] as RecurrentContext;
  }

  /** Copies the model's states into the Recurrent contexts of `ctx`. */
  private loadStates(ctx: GraphContext, nodes: readonly number[]): void {
    const states = this.parts.states;
    for (let l = 0, k = 0; l < states.length; l++) {
      const rc = this.layerContext(ctx, nodes, l);
      for (const s of states[l]!) copy(rc.state(s.input), this.stateList[k++]!);
    }
  }

  /** Copies the Recurrent contexts' final states of `ctx` into the model's states. */
  private saveStates(ctx: GraphContext, nodes: readonly number[]): void {
    const states = this.parts.states;
    for (let l = 0, k = 0; l < states.length; l++) {
      const rc = this.layerContext(ctx, nodes, l);
      for (const s of states[l]!) copy(this.stateList[k++]!, rc.state(s.input));
    }
  }

  /** Checks the ids, sets the feed and returns the training context for T = inputs.length / B, holding the carried states. */
  private setFeed(who: string, inputs: Int32Array, targets: Int32Array): GraphContext {
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
    if (!ctx) {
      ctx = this.trainGraph.createContext(this.batch, T, [false, false]);
      if (this.contexts.size >= MAX_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(T, ctx);
    } else if (T !== this.lastSteps) {
      // most recently used last (not redone when T repeats: delete + set churns the Map's table)
      this.contexts.delete(T);
      this.contexts.set(T, ctx);
    }
    this.lastSteps = T;
    this.loadStates(ctx, this.trainNodes);
    return ctx;
  }
}

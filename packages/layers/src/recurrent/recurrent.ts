import { copy, fill, zerosLike, type Tensor } from '@weft/tensor';
import { flattenGraph } from '../graph/flatten.js';
import type { Graph } from '../graph/graph.js';
import { checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, type Layer, type LayerContext, allocatingWith } from '../layer.js';
import type { Param } from '../param.js';
import { port, type Port, type Value } from '../port.js';
import type { Phase } from './partition.js';
import { planUnroll, type UnrollPlan } from './plan.js';
import { Unrolling } from './unrolling.js';

/** Options of {@link Recurrent}. */
export interface RecurrentOptions {
  /**
   * The state edges, `{ input: output }`: step-graph output `output` at step t
   * is step-graph input `input` at step t + 1 (e.g. `{ h: 'h', c: 'c' }`).
   * Float ports of equal size.
   */
  state: Readonly<Record<string, string>>;
  /**
   * Run the nodes that are not on the recurrence once over all T steps as
   * `[T·B, n]` rows (default true). False runs every node step by step: the
   * naive unroll, which gives the same numbers, more slowly.
   */
  batchOverTime?: boolean;
  /**
   * Carry the final state of one forward into the next (default true:
   * truncated BPTT over a long text). False starts every forward from zero
   * state (independent sequences, e.g. the backward half of a bidirectional layer).
   */
  carryState?: boolean;
}

/**
 * The per-call cache of a {@link Recurrent}: the unrolled buffers for B
 * samples and T steps, and the carried state `[B, n]` of each state edge.
 */
export class RecurrentContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** @internal The buffers and schedule of this shape. */
  readonly unrolling: Unrolling;
  /** @internal True between a forward and its backward. */
  pending = false;
  private readonly states: readonly Tensor[];

  /** @internal Built by Recurrent.createContext. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    private readonly stateNames: readonly string[],
    unrolling: Unrolling,
  ) {
    this.rows = batch * steps;
    this.unrolling = unrolling;
    this.outputs = unrolling.outputs;
    this.gradInputs = unrolling.gradInputs;
    this.states = unrolling.initialStates.map((s) => zerosLike(s));
  }

  /**
   * The carried state `name` (default: the first) `[B, n]`: h_T of the last
   * forward, h_0 of the next. Write into it to set the state.
   */
  state(name: string = this.stateNames[0]!): Tensor {
    const k = this.stateNames.indexOf(name);
    if (k < 0) throw new Error(`Recurrent: no state '${name}' (states: ${this.stateNames.join(', ')})`);
    return this.states[k]!;
  }

  /** Every carried state, in the order of the state names. */
  allStates(): readonly Tensor[] {
    return this.states;
  }

  /** Sets every state to 0 (the start of a new text or epoch). */
  resetState(): void {
    for (const s of this.states) fill(s, 0);
  }
}

/**
 * A step graph unrolled through time — backpropagation through time (BPTT) —
 * as a Layer, so it can be a node of a graph: stacked, encoder and
 * bidirectional models compose from recurrent parts.
 *
 * The step graph maps (sequence inputs at step t, state at t−1) to (outputs
 * at t, state at t). As a layer:
 * - inputs: the step graph's non-state inputs, over all steps, time-major
 *   (row t·B + b): ids `[T·B]` or floats `[T·B, n]`;
 * - outputs: every step-graph output over all steps: floats stacked
 *   `[T·B, n]` (a state output gives h_1 … h_T), scalars (losses) summed over steps;
 * - `createContext(B, T)` allocates the unrolled buffers and the carried
 *   state (see {@link RecurrentContext}); forward runs T steps from the
 *   context's state and carries the final state on (truncated BPTT);
 * - backward accumulates every parameter gradient and writes the requested
 *   input gradients. No gradient flows into the initial state.
 *
 * Nested graphs in the step graph (cells built from bricks, `LSTMCell`) are
 * inlined, and nodes off the recurrence run once over all T·B rows (see
 * `schedule` and `phases`).
 */
export class Recurrent implements Layer<RecurrentContext> {
  /** The step graph, as given. */
  readonly step: Graph;
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** The state input names, in order. */
  readonly stateNames: readonly string[];
  /** Where each node of the (flattened) step graph runs, by node name. */
  readonly phases: Readonly<Record<string, Phase>>;
  private readonly plan: UnrollPlan;
  private readonly carry: boolean;

  /** Unrolls `step` with the state edges of `options.state`; validates them once. */
  constructor(step: Graph, options: RecurrentOptions) {
    if (options === null || typeof options !== 'object') throw new Error(`Recurrent: options must be an object with a 'state' map, got ${String(options)}`);
    this.step = step;
    this.plan = planUnroll(flattenGraph(step), options.state, options.batchOverTime ?? true);
    this.carry = options.carryState ?? true;
    this.stateNames = this.plan.stateNames;
    this.phases = this.plan.phases;
    this.inputs = this.plan.sequenceInputs;
    this.outputs = step.outputs.map((p) => port(p.name, p));
  }

  /** The step graph's parameters. */
  parameters(): readonly Param[] {
    return this.step.parameters();
  }

  /** Sets every parameter gradient to 0. */
  zeroGrad(): void {
    this.step.zeroGrad();
  }

  /** Switches training/evaluation mode of the step graph's layers (e.g. Dropout). */
  train(mode = true): void {
    (this.step as { train?: (mode: boolean) => void }).train?.(mode);
  }

  /**
   * The buffers for `batch` (B) samples over `steps` (T) time steps, and the
   * carried state, zero. `propagateDown` per sequence input (default: float inputs).
   */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): RecurrentContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('Recurrent', batch, steps);
      const propagate = resolvePropagateDown('Recurrent', this.inputs, propagateDown);
      return new RecurrentContext(batch, steps, this.stateNames, new Unrolling(this.plan, batch, steps, propagate));
    });
  }

  /**
   * Runs T steps from the context's state (zero state with `carryState: false`)
   * and carries the final state on. Returns the outputs (buffers of `ctx`).
   */
  forward(ctx: RecurrentContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('Recurrent', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const u = ctx.unrolling;
    for (let i = 0; i < inputs.length; i++) {
      const stack = u.sequences[i]!;
      if (stack instanceof Int32Array) stack.set(inputs[i] as Int32Array);
      else copy(stack, inputs[i] as Tensor);
    }
    const states = ctx.allStates();
    if (!this.carry) ctx.resetState();
    for (let k = 0; k < states.length; k++) copy(u.initialStates[k]!, states[k]!);
    u.forward();
    for (let k = 0; k < states.length; k++) copy(states[k]!, u.finalState(k));
    ctx.pending = true;
    return ctx.outputs;
  }

  /** BPTT through the last forward of `ctx`: accumulates (+=) every parameter gradient. Once per forward. */
  backward(ctx: RecurrentContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('Recurrent', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    if (!ctx.pending) throw new Error('Recurrent: backward() needs a forward() on this context first (and runs once per forward)');
    ctx.pending = false;
    ctx.unrolling.backward(gradOutputs);
  }
}

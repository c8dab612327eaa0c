import { copy, fill, formatShape, Tensor, zeros } from '@weft/tensor';
import type { Graph, Source } from '../graph/graph.js';
import { checkBatch } from '../layer.js';
import type { Param } from '../param.js';
import { checkValue, formatPortType, type Port, type Value } from '../port.js';
import { extractPartition, schedule, type Phase } from './partition.js';
import { Unrolling, type Feed, type PartPlan, type UnrollPlan } from './unrolling.js';

/** Options of {@link Recurrent}. */
export interface RecurrentOptions {
  /**
   * The state edges, `{ input: output }`: step-graph output `output` at step t
   * is step-graph input `input` at step t + 1 (e.g. `{ h: 'h' }`). Float ports of equal size.
   */
  state: Readonly<Record<string, string>>;
  /** Samples per time step (B); default 1. */
  batch?: number;
  /** The scalar step output to differentiate; default the only scalar output, if there is one. */
  loss?: string;
  /**
   * Run the nodes that are not on the recurrence once over all T steps as
   * `[T·B, n]` rows (default true). False runs every node step by step: the
   * naive unroll, which gives the same numbers, more slowly.
   */
  batchOverTime?: boolean;
}

/**
 * A step graph unrolled through time: backpropagation through time (BPTT)
 * with the state carried from one call to the next (truncated BPTT).
 *
 * The step graph maps (sequence inputs at step t, state at t−1) to
 * (outputs at t, state at t). `forward` runs it over T steps of time-major
 * inputs (row t·B + b), `backward` accumulates every parameter gradient.
 *
 * Nodes off the recurrence run once over all steps (see `schedule`); every
 * buffer is allocated once per sequence length T and reused on later calls
 * with the same T, so a steady-state training step allocates nothing.
 */
export class Recurrent {
  /** The step graph. */
  readonly step: Graph;
  /** Samples per time step (B). */
  readonly batch: number;
  /** The step inputs given per time step, in order: ids `[T·B]` or floats `[T·B, n]`. */
  readonly sequenceInputs: readonly Port[];
  /** The state input names, in order. */
  readonly stateNames: readonly string[];
  /** Where each node of the step graph runs, by node name. */
  readonly phases: Readonly<Record<string, Phase>>;

  private readonly plan: UnrollPlan;
  private readonly states: readonly Tensor[];
  private readonly unrollings = new Map<number, Unrolling>();
  private readonly outputAt: ReadonlyMap<string, { phase: Phase; output: number }>;
  private last: Unrolling | null = null;
  private lastBackwardDone = false;

  /** Unrolls `step` with the state edges of `options.state`; validates them once. */
  constructor(step: Graph, options: RecurrentOptions) {
    this.step = step;
    const batch = options.batch ?? 1;
    checkBatch('Recurrent', batch, 1);
    this.batch = batch;
    const inputNames = step.inputs.map((p) => p.name);
    const outputNames = step.outputs.map((p) => p.name);
    if (options.state === null || typeof options.state !== 'object' || Object.keys(options.state).length === 0) {
      throw new Error(`Recurrent: options.state must map at least one state input to the output that feeds it, e.g. { h: 'h' }`);
    }
    const stateInputs: number[] = [];
    const stateOutputs: Source[] = [];
    const stateOutputIndex: number[] = [];
    for (const [inName, outName] of Object.entries(options.state)) {
      const i = inputNames.indexOf(inName);
      if (i < 0) throw new Error(`Recurrent: state input '${inName}' is not an input of ${step.name} (inputs: ${inputNames.join(', ')})`);
      const j = outputNames.indexOf(outName);
      if (j < 0) throw new Error(`Recurrent: state '${inName}' comes from '${outName}', which is not an output of ${step.name} (outputs: ${outputNames.join(', ')})`);
      const from = step.outputs[j]!;
      const to = step.inputs[i]!;
      if (from.kind !== 'float' || to.kind !== 'float' || from.size !== to.size) {
        throw new Error(`Recurrent: state '${inName}' ← '${outName}': output '${outName}' is ${formatPortType(from)} but input '${inName}' is ${formatPortType(to)}`);
      }
      if (stateOutputIndex.includes(j)) throw new Error(`Recurrent: output '${outName}' feeds two state inputs`);
      stateInputs.push(i);
      stateOutputIndex.push(j);
      stateOutputs.push(step.outputSpecs[j]!.source);
    }
    this.stateNames = stateInputs.map((i) => inputNames[i]!);

    let lossOutput = -1;
    if (options.loss !== undefined) {
      lossOutput = outputNames.indexOf(options.loss);
      if (lossOutput < 0 || step.outputs[lossOutput]!.kind !== 'scalar') {
        throw new Error(`Recurrent: loss '${options.loss}' must be a scalar output of ${step.name} (outputs: ${step.outputs.map((p) => `${p.name}: ${formatPortType(p)}`).join(', ')})`);
      }
    } else {
      const scalars = step.outputs.flatMap((p, j) => (p.kind === 'scalar' ? [j] : []));
      if (scalars.length > 1) throw new Error(`Recurrent: ${step.name} has several scalar outputs (${scalars.map((j) => outputNames[j]).join(', ')}); say which is the loss with options.loss`);
      lossOutput = scalars[0] ?? -1;
    }

    const phases = schedule(step, stateInputs, stateOutputs, options.batchOverTime ?? true);
    stateOutputs.forEach((s, k) => {
      if (phases[s.node] !== 'loop') {
        throw new Error(`Recurrent: state output '${outputNames[stateOutputIndex[k]!]}' does not depend on any state input, so nothing recurs through it`);
      }
    });
    this.phases = Object.fromEntries(step.nodes.map((n, i) => [n.name, phases[i]!]));
    const members = (phase: Phase): number[] => phases.flatMap((p, i) => (p === phase ? [i] : []));
    const parts = {
      before: extractPartition(step, members('before'), 'before the loop'),
      loop: extractPartition(step, members('loop'), 'loop'),
      after: extractPartition(step, members('after'), 'after the loop'),
    };
    const sequenceIndex = step.inputs.map((_, i) => (stateInputs.includes(i) ? -1 : i)).filter((i) => i >= 0);
    const find = (phase: Phase, s: Source): number => parts[phase]?.outputOrigins.findIndex((o) => o.node === s.node && o.port === s.port) ?? -1;
    const feedOf = (s: Source): Feed => {
      if (s.node < 0) {
        const state = stateInputs.indexOf(s.port);
        return state >= 0 ? { kind: 'state', index: state } : { kind: 'sequence', index: sequenceIndex.indexOf(s.port) };
      }
      const phase = phases[s.node]!;
      if (phase === 'after') throw new Error('Recurrent: internal error: a node after the loop feeds another part');
      return { kind: phase, output: find(phase, s) };
    };
    const planOf = (phase: Phase): PartPlan | null => {
      const part = parts[phase];
      return part ? { graph: part.graph, feeds: part.inputOrigins.map(feedOf), outputOrigins: part.outputOrigins } : null;
    };
    const loop = planOf('loop')!;
    const lossSource = lossOutput >= 0 ? step.outputSpecs[lossOutput]!.source : null;
    this.plan = {
      batch,
      sequenceInputs: sequenceIndex.map((i) => step.inputs[i]!),
      before: planOf('before'),
      loop,
      after: planOf('after'),
      stateOutput: stateOutputs.map((s) => find('loop', s)),
      stateInput: stateInputs.map((i) => loop.feeds.findIndex((f) => f.kind === 'state' && f.index === stateInputs.indexOf(i))),
      loss: lossSource ? { phase: phases[lossSource.node]!, output: find(phases[lossSource.node]!, lossSource) } : null,
    };
    this.sequenceInputs = this.plan.sequenceInputs;
    this.outputAt = new Map(
      step.outputSpecs.map((o) => [o.port.name, { phase: phases[o.source.node]!, output: find(phases[o.source.node]!, o.source) }]),
    );
    this.states = stateOutputs.map((_, k) => zeros([batch, step.outputs[stateOutputIndex[k]!]!.size]));
  }

  /** The step graph's parameters. */
  parameters(): readonly Param[] {
    return this.step.parameters();
  }

  /** Sets every parameter gradient to 0. */
  zeroGrad(): void {
    this.step.zeroGrad();
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

  /** Sets every state to 0 (start of a new text / epoch). */
  resetState(): void {
    for (const s of this.states) fill(s, 0);
  }

  /** T of the last forward (0 before the first). */
  get steps(): number {
    return this.last?.steps ?? 0;
  }

  /**
   * Runs T steps from the carried state and carries the final state on.
   * `inputs` holds every sequence input, time-major: ids `Int32Array [T·B]`
   * or floats `Tensor [T·B, n]`. Returns the loss summed over the steps
   * (averaged over the batch), or NaN if the step graph has no loss.
   */
  forward(inputs: Readonly<Record<string, Value>>): number {
    const T = this.stepsOf(inputs);
    let u = this.unrollings.get(T);
    if (!u) {
      u = new Unrolling(this.plan, T);
      this.unrollings.set(T, u);
    }
    const seq = this.plan.sequenceInputs;
    for (let i = 0; i < seq.length; i++) {
      const value = inputs[seq[i]!.name]!;
      const stack = u.sequences[i]!;
      if (stack instanceof Int32Array) stack.set(value as Int32Array);
      else copy(stack, value as Tensor);
    }
    for (let k = 0; k < this.states.length; k++) copy(u.initialStates[k]!, this.states[k]!);
    u.forward();
    for (let k = 0; k < this.states.length; k++) copy(this.states[k]!, u.finalState(k));
    this.last = u;
    this.lastBackwardDone = false;
    return u.loss();
  }

  /** BPTT through the last forward: accumulates (+=) every parameter gradient. Once per forward. */
  backward(): void {
    if (!this.plan.loss) throw new Error(`Recurrent: ${this.step.name} has no scalar loss output to differentiate`);
    if (!this.last) throw new Error('Recurrent: backward() needs a forward() first');
    if (this.lastBackwardDone) throw new Error('Recurrent: backward() already ran for the last forward(); run forward() again');
    this.last.backward();
    this.lastBackwardDone = true;
  }

  /** forward(inputs) then backward(): the loss, with gradients accumulated into every parameter. */
  lossAndGradients(inputs: Readonly<Record<string, Value>>): number {
    const loss = this.forward(inputs);
    this.backward();
    return loss;
  }

  /**
   * Step output `name` over the last forward: row outputs stacked `[T·B, n]`
   * (time-major), scalar outputs summed over steps. A view of internal
   * buffers, overwritten by the next forward with the same T.
   */
  output(name: string): Tensor {
    const at = this.outputAt.get(name);
    if (!at) throw new Error(`Recurrent: no output '${name}' (outputs: ${this.step.outputs.map((p) => p.name).join(', ')})`);
    if (!this.last) throw new Error('Recurrent: output() needs a forward() first');
    return this.last.stacked(at.phase, at.output);
  }

  /** @internal The buffers for sequence length T, if allocated (tests check that they are reused). */
  unrollingFor(steps: number): Unrolling | undefined {
    return this.unrollings.get(steps);
  }

  /** T from the inputs; throws for a missing, unknown or misshapen input. */
  private stepsOf(inputs: Readonly<Record<string, Value>>): number {
    if (inputs === null || typeof inputs !== 'object') throw new Error(`Recurrent: forward takes { ${this.sequenceInputs.map((p) => p.name).join(', ')} }, got ${String(inputs)}`);
    const B = this.batch;
    let T = -1;
    let first = '';
    for (let i = 0; i < this.sequenceInputs.length; i++) {
      const p = this.sequenceInputs[i]!;
      const v = inputs[p.name];
      if (v === undefined) throw new Error(`Recurrent: missing sequence input '${p.name}' (expected ${this.sequenceInputs.map((q) => q.name).join(', ')})`);
      const rows = v instanceof Int32Array ? v.length : v instanceof Tensor ? (v.shape[0] ?? 0) : -1;
      if (rows <= 0 || rows % B !== 0) {
        const what = v instanceof Int32Array ? `${rows} ids` : v instanceof Tensor ? `a Tensor ${formatShape(v.shape)}` : String(v);
        throw new Error(`Recurrent: sequence input '${p.name}' needs T·B rows (a positive multiple of B = ${B}), got ${what}`);
      }
      if (T < 0) {
        T = rows / B;
        first = p.name;
      } else if (rows / B !== T) {
        throw new Error(`Recurrent: sequence inputs disagree on T: '${first}' has ${T} steps but '${p.name}' has ${rows / B} (B = ${B})`);
      }
      checkValue('Recurrent', p, v, rows);
    }
    for (const key in inputs) {
      if (!this.isSequenceInput(key)) {
        throw new Error(`Recurrent: '${key}' is not a sequence input of ${this.step.name} (sequence inputs: ${this.sequenceInputs.map((p) => p.name).join(', ')}; states are carried, not passed)`);
      }
    }
    if (T < 0) throw new Error(`Recurrent: ${this.step.name} has no sequence input, so T is unknown`);
    return T;
  }

  private isSequenceInput(name: string): boolean {
    for (let i = 0; i < this.sequenceInputs.length; i++) if (this.sequenceInputs[i]!.name === name) return true;
    return false;
  }
}

/**
 * The plan of an unrolled step graph, derived once per `Recurrent` and shared
 * by every context (every B and T): which nodes run before, in and after the
 * loop, what feeds each part's inputs, and where each step output comes from.
 */
import type { Graph, Source } from '../graph/graph.js';
import { formatPortType, type Port } from '../port.js';
import { extractPartition, schedule, type Phase } from './partition.js';

/** What an input of a part of the step graph is fed from. */
export type Feed =
  | { readonly kind: 'sequence'; readonly index: number }
  | { readonly kind: 'state'; readonly index: number }
  | { readonly kind: 'before' | 'loop'; readonly output: number };

/** A part of the step graph with what feeds its inputs. */
export interface PartPlan {
  readonly graph: Graph;
  readonly feeds: readonly Feed[];
}

/** Where a step-graph output is computed: output `output` of the part of `phase`. */
export interface OutputAt {
  readonly phase: Phase;
  readonly output: number;
}

/** What the unroller derives from the step graph once, for every B and T. */
export interface UnrollPlan {
  /** The step inputs given per time step (not state), in step-graph order. */
  readonly sequenceInputs: readonly Port[];
  /** The state input names, in the order of `options.state`. */
  readonly stateNames: readonly string[];
  /** Features of each state. */
  readonly stateSizes: readonly number[];
  /** The phase of every node of the (flattened) step graph, by node name. */
  readonly phases: Readonly<Record<string, Phase>>;
  readonly before: PartPlan | null;
  readonly loop: PartPlan;
  readonly after: PartPlan | null;
  /** Per state: the loop output that is the next state. */
  readonly stateOutput: readonly number[];
  /** Per state: the loop input it feeds, or -1 if no node reads it. */
  readonly stateInput: readonly number[];
  /** Per step-graph output: the part and part output that computes it. */
  readonly outputs: readonly OutputAt[];
}

/**
 * Validates the state edges `state` (`{ input: output }`) against `step` (a
 * flat graph: nested graphs already inlined) and derives the plan. Throws an
 * Error naming the ports for an unknown name, a type mismatch, an output
 * feeding two states, or a state output that does not depend on any state.
 */
export function planUnroll(step: Graph, state: Readonly<Record<string, string>>, batchOverTime: boolean): UnrollPlan {
  const inputNames = step.inputs.map((p) => p.name);
  const outputNames = step.outputs.map((p) => p.name);
  if (state === null || typeof state !== 'object' || Object.keys(state).length === 0) {
    throw new Error(`Recurrent: options.state must map at least one state input to the output that feeds it, e.g. { h: 'h' }`);
  }
  const stateInputs: number[] = [];
  const stateOutputs: Source[] = [];
  const stateOutputIndex: number[] = [];
  for (const [inName, outName] of Object.entries(state)) {
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

  const phases = schedule(step, stateInputs, stateOutputs, batchOverTime);
  stateOutputs.forEach((s, k) => {
    if (phases[s.node] !== 'loop') {
      throw new Error(`Recurrent: state output '${outputNames[stateOutputIndex[k]!]}' does not depend on any state input, so nothing recurs through it`);
    }
  });
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
      const k = stateInputs.indexOf(s.port);
      return k >= 0 ? { kind: 'state', index: k } : { kind: 'sequence', index: sequenceIndex.indexOf(s.port) };
    }
    const phase = phases[s.node]!;
    if (phase === 'after') throw new Error('Recurrent: internal error: a node after the loop feeds another part');
    return { kind: phase, output: find(phase, s) };
  };
  const planOf = (phase: Phase): PartPlan | null => {
    const part = parts[phase];
    return part ? { graph: part.graph, feeds: part.inputOrigins.map(feedOf) } : null;
  };
  const loop = planOf('loop')!;
  return {
    sequenceInputs: sequenceIndex.map((i) => step.inputs[i]!),
    stateNames: stateInputs.map((i) => inputNames[i]!),
    stateSizes: stateInputs.map((i) => step.inputs[i]!.size),
    phases: Object.fromEntries(step.nodes.map((n, i) => [n.name, phases[i]!])),
    before: planOf('before'),
    loop,
    after: planOf('after'),
    stateOutput: stateOutputs.map((s) => find('loop', s)),
    stateInput: stateInputs.map((_, k) => loop.feeds.findIndex((f) => f.kind === 'state' && f.index === k)),
    outputs: step.outputSpecs.map((o) => ({ phase: phases[o.source.node]!, output: find(phases[o.source.node]!, o.source) })),
  };
}

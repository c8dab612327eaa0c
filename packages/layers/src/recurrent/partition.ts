/**
 * Splitting a step graph by its relation to the recurrent state.
 *
 * BPTT must run a node step by step only if it sits on the recurrence: it
 * depends on the state of the previous step and (directly or through other
 * such nodes) feeds the state of the next one. Every other node is
 * time-independent given its inputs, so it can run once over all T steps
 * stacked as `[T·B, n]` rows: one gemm instead of T matrix–vector products.
 */
import { Graph, type GraphNode, type GraphOutput, type Source } from '../graph/graph.js';
import { port, type Port } from '../port.js';

/** Where each node of a step graph runs. */
export type Phase = 'before' | 'loop' | 'after';

/**
 * The phase of every node of `step` (in node order):
 * - `'loop'`: depends on a state input and is on the way to a state output
 *   (or reads a state input directly) — run once per time step;
 * - `'before'`: does not depend on the state — run once over all steps, first;
 * - `'after'`: depends on the state but feeds no later step — run once over all steps, last.
 *
 * `stateInputs` are graph input indices, `stateOutputs` node outputs.
 * With `batchOverTime` false every node is `'loop'` (the naive unroll).
 */
export function schedule(step: Graph, stateInputs: readonly number[], stateOutputs: readonly Source[], batchOverTime: boolean): Phase[] {
  const n = step.nodes.length;
  if (!batchOverTime) return new Array<Phase>(n).fill('loop');
  const isState = new Set(stateInputs);
  const readsState = step.nodes.map((node) => node.sources.some((s) => s.node < 0 && isState.has(s.port)));
  const dependsOnState: boolean[] = [];
  step.nodes.forEach((node, i) => {
    dependsOnState[i] = readsState[i]! || node.sources.some((s) => s.node >= 0 && dependsOnState[s.node]!);
  });
  const producesState = step.nodes.map((_, i) => stateOutputs.some((s) => s.node === i));
  const loop = new Array<boolean>(n).fill(false);
  // Reverse topological order: a node feeding a loop node must itself run in the loop.
  for (let i = n - 1; i >= 0; i--) {
    const feedsLoop = step.consumers[i]!.some((cs) => cs.some((c) => loop[c.node]));
    loop[i] = dependsOnState[i]! && (readsState[i]! || producesState[i]! || feedsLoop);
  }
  return step.nodes.map((_, i) => (loop[i] ? 'loop' : dependsOnState[i] ? 'after' : 'before'));
}

/** A part of a step graph as a graph of its own, with the step-graph values behind its ports. */
export interface Partition {
  readonly graph: Graph;
  /** Per input of `graph`: the step-graph source it stands for (a step input, or a node output of another part). */
  readonly inputOrigins: readonly Source[];
  /** Per output of `graph`: the step-graph node output it exposes. */
  readonly outputOrigins: readonly Source[];
}

/**
 * The sub-graph of `step` made of the nodes `members` (in topological order).
 * Sources outside it become inputs; member outputs used outside it (by other
 * nodes or as step outputs) become outputs, named `node.port`. Returns null
 * when nothing of it is used outside (no outputs).
 */
export function extractPartition(step: Graph, members: readonly number[], name: string): Partition | null {
  const local = new Map(members.map((n, i) => [n, i]));
  const inputs: Port[] = [];
  const inputOrigins: Source[] = [];
  const inputIndex = new Map<string, number>();
  const inputFor = (s: Source): number => {
    const key = `${s.node}:${s.port}`;
    let i = inputIndex.get(key);
    if (i === undefined) {
      const from = s.node < 0 ? step.inputs[s.port]! : step.nodes[s.node]!.layer.outputs[s.port]!;
      const label = s.node < 0 ? from.name : `${step.nodes[s.node]!.name}.${from.name}`;
      i = inputs.length;
      inputs.push(port(label, from));
      inputOrigins.push(s);
      inputIndex.set(key, i);
    }
    return i;
  };
  const nodes: GraphNode[] = members.map((n) => {
    const node = step.nodes[n]!;
    const sources = node.sources.map((s) => {
      const at = s.node >= 0 ? local.get(s.node) : undefined;
      return at !== undefined ? { node: at, port: s.port } : { node: -1, port: inputFor(s) };
    });
    return { name: node.name, layer: node.layer, prefix: node.prefix, sources };
  });
  const outputs: GraphOutput[] = [];
  const outputOrigins: Source[] = [];
  for (const n of members) {
    const node = step.nodes[n]!;
    node.layer.outputs.forEach((p, o) => {
      const usedOutside = step.exposedAs[n]![o]!.length > 0 || step.consumers[n]![o]!.some((c) => !local.has(c.node));
      if (!usedOutside) return;
      outputs.push({ port: port(`${node.name}.${p.name}`, p), source: { node: local.get(n)!, port: o } });
      outputOrigins.push({ node: n, port: o });
    });
  }
  if (outputs.length === 0) return null;
  return { graph: new Graph({ name: `${step.name} (${name})`, inputs, nodes, outputs }), inputOrigins, outputOrigins };
}

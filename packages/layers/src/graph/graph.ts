/**
 * The layer graph: named nodes joined by explicit edges, itself a Layer.
 *
 * A Graph is built once (see `GraphBuilder`), already validated and sorted
 * topologically. Forward runs the nodes in that order, backward in reverse —
 * loops over an array, never recursion. Where one output feeds several inputs
 * (a diamond), backward sums their gradients.
 */
import { add, copy, fill, formatShape, shapesEqual, zeros, type Tensor } from '@weft/tensor';
import {
  checkBatch,
  checkGradOutputs,
  checkInputs,
  resolvePropagateDown,
  type Layer,
  type LayerContext,
  type SequenceContexts,
  allocatingWith,
} from '../layer.js';
import type { Param } from '../param.js';
import { formatPortType, portShape, sameType, type Port, type Value } from '../port.js';

/** Where a value comes from: output `port` of node `node`, or graph input `port` when `node` is -1. */
export interface Source {
  /** Index into the graph's nodes, or -1 for a graph input. */
  readonly node: number;
  /** Index of the output port of that node (or of the graph input). */
  readonly port: number;
}

/** A node of a built graph. */
export interface GraphNode {
  /** Unique within the graph; names the node in messages and prefixes its parameters. */
  readonly name: string;
  /** The layer the node runs. */
  readonly layer: Layer;
  /** Prepended to the names of the layer's parameters (default `name + '.'`; `''` keeps them). */
  readonly prefix: string;
  /** One source per input port of `layer`. */
  readonly sources: readonly Source[];
}

/** A graph output: its port (name and type) and the node output it exposes. */
export interface GraphOutput {
  /** The output's name and type, as the graph declares it. */
  readonly port: Port;
  /** The node output it exposes. */
  readonly source: Source;
}

/** A resolved graph: what `GraphBuilder.build()` produces and `Graph`'s constructor checks. */
export interface GraphSpec {
  /** Names the graph in messages. */
  readonly name: string;
  /** The graph's input ports. */
  readonly inputs: readonly Port[];
  /** In topological order: every source refers to a graph input or an earlier node. */
  readonly nodes: readonly GraphNode[];
  /** The graph's outputs and where they come from. */
  readonly outputs: readonly GraphOutput[];
}

/** An input of a node, as the graph sees it. */
interface InputRef {
  readonly node: number;
  readonly input: number;
}

/** Which inputs and nodes of a graph take part in backward, for one propagate-down setting. */
interface BackwardPlan {
  /** Per graph input: write its gradient. */
  readonly graphInputs: readonly boolean[];
  /** Per node and input: the node writes that input's gradient. */
  readonly propagate: readonly (readonly boolean[])[];
  /** Per node: it has parameters or an input to propagate to. */
  readonly needsBackward: readonly boolean[];
}

/** The per-call cache of a {@link Graph}: one context per node, plus gradient sums. */
export class GraphContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** The contexts of the nodes, in node order. */
  readonly nodes: readonly LayerContext[];
  /** @internal The input values of each node (node outputs are wired once, graph inputs per call). */
  readonly nodeInputs: Value[][];
  /** @internal The gradients handed to each node's backward. */
  readonly nodeGradOutputs: (Tensor | null)[][];
  /** @internal Per node output: where several gradients are summed (null if at most one can arrive). */
  readonly sums: readonly (readonly (Tensor | null)[])[];
  /** @internal Which nodes ran backward in the current pass. */
  readonly ran: Uint8Array;

  /** @internal Built by Graph.createContext / createSequenceContexts. */
  constructor(
    graph: Graph,
    readonly batch: number,
    readonly steps: number,
    /** @internal */ readonly plan: BackwardPlan,
    nodes: readonly LayerContext[],
  ) {
    this.rows = batch * steps;
    this.nodes = nodes;
    const specNodes = graph.nodes;
    this.nodeInputs = specNodes.map((n) =>
      n.sources.map((s) => (s.node >= 0 ? nodes[s.node]!.outputs[s.port]! : new Int32Array(0))),
    );
    this.nodeGradOutputs = specNodes.map((n) => n.layer.outputs.map(() => null));
    this.sums = specNodes.map((n, i) =>
      n.layer.outputs.map((p, o) => (graph.gradientCount(plan, i, o) > 1 ? zeros(portShape(p, this.rows)) : null)),
    );
    this.outputs = graph.outputSpecs.map((o) => nodes[o.source.node]!.outputs[o.source.port]!);
    this.gradInputs = graph.inputs.map((p, i) => {
      if (!plan.graphInputs[i]) return null;
      const shape = portShape(p, this.rows);
      // With one node input to propagate to, the graph hands out that node's
      // gradient buffer itself: backward then has nothing to copy.
      const feeds = graph.inputConsumers[i]!.filter((c) => plan.propagate[c.node]![c.input]);
      const only = feeds.length === 1 ? nodes[feeds[0]!.node]!.gradInputs[feeds[0]!.input] : null;
      return only && shapesEqual(only.shape, shape) ? only : zeros(shape);
    });
    this.ran = new Uint8Array(specNodes.length);
  }
}

/** Per-step contexts of a graph: each node's own sequence contexts where it has them. */
export class GraphSequence implements SequenceContexts<GraphContext> {
  /** @internal Built by Graph.createSequenceContexts. */
  constructor(
    readonly steps: readonly GraphContext[],
    private readonly nodeSequences: readonly (SequenceContexts | null)[],
  ) {}

  /** Lets every node that deferred parameter gradients add them now. */
  accumulateParamGrads(): void {
    for (let i = 0; i < this.nodeSequences.length; i++) this.nodeSequences[i]?.accumulateParamGrads();
  }
}

/**
 * A validated, topologically sorted graph of layers; a Layer itself, so graphs nest.
 * Build one with `GraphBuilder` (`graph()`); the constructor takes a resolved spec.
 *
 * - inputs and outputs: the declared graph ports.
 * - parameters: every node's, named `prefix + name` (e.g. `cell.W`); a parameter
 *   shared by several nodes (the same layer used twice) is listed once.
 */
export class Graph implements Layer<GraphContext> {
  /** Names the graph in messages. */
  readonly name: string;
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];
  /** The nodes in topological order. */
  readonly nodes: readonly GraphNode[];
  /** The graph outputs and the node outputs they expose. */
  readonly outputSpecs: readonly GraphOutput[];
  /** @internal Per node and output: the node inputs it feeds. */
  readonly consumers: readonly (readonly (readonly InputRef[])[])[];
  /** @internal Per node and output: the graph outputs it is. */
  readonly exposedAs: readonly (readonly (readonly number[])[])[];
  /** @internal Per graph input: the node inputs it feeds. */
  readonly inputConsumers: readonly (readonly InputRef[])[];
  private readonly params: readonly Param[];
  private readonly defaultPlan: BackwardPlan;

  /** Checks `spec` (sources in range and earlier, port types equal, parameter names unique) and indexes it. */
  constructor(spec: GraphSpec) {
    const who = spec.name;
    this.name = who;
    this.inputs = spec.inputs;
    this.nodes = spec.nodes;
    this.outputSpecs = spec.outputs;
    this.outputs = spec.outputs.map((o) => o.port);
    if (spec.outputs.length === 0) throw new Error(`${who}: a graph needs at least one output`);
    const consumers = spec.nodes.map((n) => n.layer.outputs.map((): InputRef[] => []));
    const exposedAs = spec.nodes.map((n) => n.layer.outputs.map((): number[] => []));
    const inputConsumers = spec.inputs.map((): InputRef[] => []);
    spec.nodes.forEach((node, i) => {
      const ports = node.layer.inputs;
      if (node.sources.length !== ports.length) {
        throw new Error(`${who}: node '${node.name}' has ${ports.length} input(s) but ${node.sources.length} source(s)`);
      }
      node.sources.forEach((s, k) => {
        const to = `${node.name}.${ports[k]!.name}`;
        const from = this.sourcePort(s, i, to);
        if (!sameType(from.port, ports[k]!)) {
          throw new Error(
            `${who}: edge ${from.label} → ${to}: ${from.label} is ${formatPortType(from.port)} but ${to} expects ${formatPortType(ports[k]!)}`,
          );
        }
        (s.node >= 0 ? consumers[s.node]![s.port]! : inputConsumers[s.port]!).push({ node: i, input: k });
      });
    });
    spec.outputs.forEach((o, j) => {
      const from = this.sourcePort(o.source, spec.nodes.length, `output '${o.port.name}'`);
      if (o.source.node < 0) throw new Error(`${who}: output '${o.port.name}' is graph input '${from.port.name}' itself; outputs must come from nodes`);
      if (!sameType(from.port, o.port)) {
        throw new Error(`${who}: output '${o.port.name}' is ${formatPortType(o.port)} but ${from.label} is ${formatPortType(from.port)}`);
      }
      exposedAs[o.source.node]![o.source.port]!.push(j);
    });
    this.consumers = consumers;
    this.exposedAs = exposedAs;
    this.inputConsumers = inputConsumers;
    this.params = collectParameters(who, spec.nodes);
    this.defaultPlan = this.planBackward(this.inputs.map((p) => p.grad));
  }

  /** Every node's parameters, prefixed, each once. */
  parameters(): readonly Param[] {
    return this.params;
  }

  /** Sets every parameter gradient to 0. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Training mode (`mode` true, the default) or evaluation mode, passed to every node's layer that has `train` (Dropout, nested graphs). */
  train(mode = true): void {
    for (const n of this.nodes) n.layer.train?.(mode);
  }

  /** The node named `name`; throws if there is none. */
  node(name: string): GraphNode {
    const found = this.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`${this.name}: no node '${name}' (nodes: ${this.nodes.map((n) => n.name).join(', ')})`);
    return found;
  }

  /** One context per node for `batch · steps` rows; `propagateDown` per graph input (default: float inputs). */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): GraphContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch(this.name, batch, steps);
      const plan = this.planFor(propagateDown);
      const contexts = this.nodes.map((n, i) => n.layer.createContext(batch, steps, plan.propagate[i]));
      return new GraphContext(this, batch, steps, plan, contexts);
    });
  }

  /** Contexts for `steps` single steps of `batch` rows, using each node's sequence contexts where it has them. */
  createSequenceContexts(batch: number, steps: number, propagateDown?: readonly boolean[]): GraphSequence {
    return allocatingWith(this.parameters(), () => {
      checkBatch(this.name, batch, steps);
      const plan = this.planFor(propagateDown);
      const sequences = this.nodes.map((n, i) => n.layer.createSequenceContexts?.(batch, steps, plan.propagate[i]) ?? null);
      const contexts: GraphContext[] = [];
      for (let t = 0; t < steps; t++) {
        const nodeContexts = this.nodes.map((n, i) => sequences[i]?.steps[t] ?? n.layer.createContext(batch, 1, plan.propagate[i]));
        contexts.push(new GraphContext(this, batch, 1, plan, nodeContexts));
      }
      return new GraphSequence(contexts, sequences);
    });
  }

  /** Runs every node in topological order. Returns the graph outputs (buffers of `ctx`). */
  forward(ctx: GraphContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs(this.name, this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    for (let i = 0; i < this.inputConsumers.length; i++) {
      const feeds = this.inputConsumers[i]!;
      for (let c = 0; c < feeds.length; c++) ctx.nodeInputs[feeds[c]!.node]![feeds[c]!.input] = inputs[i]!;
    }
    for (let n = 0; n < this.nodes.length; n++) this.nodes[n]!.layer.forward(ctx.nodes[n]!, ctx.nodeInputs[n]!);
    return ctx.outputs;
  }

  /**
   * Runs backward through the nodes in reverse topological order. A node's
   * output gradient is the sum of what its consumers and the graph outputs
   * send back; a node that receives none is skipped. Requested graph input
   * gradients are written (0 where nothing arrives).
   */
  backward(ctx: GraphContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs(this.name, this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const plan = ctx.plan;
    ctx.ran.fill(0);
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      if (!plan.needsBackward[n]) continue;
      const grads = ctx.nodeGradOutputs[n]!;
      let any = false;
      for (let o = 0; o < grads.length; o++) {
        const g = this.gatherNodeGradient(ctx, gradOutputs, n, o);
        grads[o] = g;
        if (g) any = true;
      }
      if (!any) continue;
      this.nodes[n]!.layer.backward(ctx.nodes[n]!, grads);
      ctx.ran[n] = 1;
    }
    for (let i = 0; i < this.inputs.length; i++) {
      const out = ctx.gradInputs[i];
      if (!out) continue;
      let acc: Tensor | null = null;
      const feeds = this.inputConsumers[i]!;
      for (let c = 0; c < feeds.length; c++) {
        const g = this.sentBack(ctx, feeds[c]!);
        if (g) acc = sumInto(out, acc, g);
      }
      if (acc === null) fill(out, 0);
      else if (acc !== out) copy(out, acc);
    }
  }

  /** @internal How many gradients can reach output `o` of node `n` under `plan` (consumers that propagate, plus graph outputs). */
  gradientCount(plan: BackwardPlan, n: number, o: number): number {
    let count = this.exposedAs[n]![o]!.length;
    for (const c of this.consumers[n]![o]!) if (plan.propagate[c.node]![c.input]) count++;
    return count;
  }

  /** The gradient that node input `ref` sent back in this pass, or null. */
  private sentBack(ctx: GraphContext, ref: InputRef): Tensor | null {
    if (!ctx.ran[ref.node] || !ctx.plan.propagate[ref.node]![ref.input]) return null;
    return ctx.nodes[ref.node]!.gradInputs[ref.input]!;
  }

  /** ∂loss/∂(output o of node n): the one gradient that arrived, their sum, or null. */
  private gatherNodeGradient(ctx: GraphContext, gradOutputs: readonly (Tensor | null)[], n: number, o: number): Tensor | null {
    const sum = ctx.sums[n]![o]!;
    let acc: Tensor | null = null;
    const feeds = this.consumers[n]![o]!;
    for (let c = 0; c < feeds.length; c++) {
      const g = this.sentBack(ctx, feeds[c]!);
      if (g) acc = sumInto(sum, acc, g);
    }
    const exposed = this.exposedAs[n]![o]!;
    for (let j = 0; j < exposed.length; j++) {
      const g = gradOutputs[exposed[j]!]!;
      if (g) acc = sumInto(sum, acc, g);
    }
    return acc;
  }

  private planFor(propagateDown: readonly boolean[] | undefined): BackwardPlan {
    return propagateDown === undefined ? this.defaultPlan : this.planBackward(resolvePropagateDown(this.name, this.inputs, propagateDown));
  }

  /** Which node inputs propagate: those whose source is a node that runs backward, or a graph input asked for. */
  private planBackward(graphInputs: readonly boolean[]): BackwardPlan {
    const needsBackward: boolean[] = [];
    const propagate = this.nodes.map((node, i) => {
      const flags = node.sources.map(
        (s, k) => node.layer.inputs[k]!.grad && (s.node >= 0 ? needsBackward[s.node]! : graphInputs[s.port]!),
      );
      needsBackward[i] = node.layer.parameters().length > 0 || flags.some((f) => f);
      return flags;
    });
    return { graphInputs, propagate, needsBackward };
  }

  /** The port behind source `s` and a label for messages; `before` bounds node indices (topological order). */
  private sourcePort(s: Source, before: number, to: string): { port: Port; label: string } {
    if (s.node < 0) {
      const p = this.inputs[s.port];
      if (!p) throw new Error(`${this.name}: ${to} reads graph input #${s.port}, but there are ${this.inputs.length}`);
      return { port: p, label: `input '${p.name}'` };
    }
    const node = this.nodes[s.node];
    if (!node || s.node >= before) throw new Error(`${this.name}: ${to} reads node #${s.node}, which does not come before it`);
    const p = node.layer.outputs[s.port];
    if (!p) throw new Error(`${this.name}: ${to} reads output #${s.port} of node '${node.name}', which has ${node.layer.outputs.length}`);
    return { port: p, label: `${node.name}.${p.name}` };
  }

  /** A one-line-per-node summary: `name: Layer(inputs) → outputs`, with shapes. */
  toString(): string {
    const lines = [`${this.name}(${this.inputs.map((p) => `${p.name}: ${formatPortType(p)}`).join(', ')})`];
    for (const n of this.nodes) {
      const ins = n.sources.map((s, k) => {
        const from = s.node < 0 ? this.inputs[s.port]!.name : `${this.nodes[s.node]!.name}.${this.nodes[s.node]!.layer.outputs[s.port]!.name}`;
        return `${n.layer.inputs[k]!.name}=${from}`;
      });
      const outs = n.layer.outputs.map((p) => `${p.name}: ${formatPortType(p)}`);
      lines.push(`  ${n.name}: ${n.layer.constructor.name}(${ins.join(', ')}) → ${outs.join(', ')}`);
    }
    lines.push(`  outputs: ${this.outputSpecs.map((o) => `${o.port.name}=${this.nodes[o.source.node]!.name}.${this.nodes[o.source.node]!.layer.outputs[o.source.port]!.name}`).join(', ')}`);
    return lines.join('\n');
  }
}

/** acc + g, summed in `sum` once a second gradient arrives (the first is used as is, without a copy). */
function sumInto(sum: Tensor | null, acc: Tensor | null, g: Tensor): Tensor {
  if (acc === null) return g;
  if (sum === null) throw new Error('Graph: internal error: two gradients arrived where at most one was planned');
  if (acc !== sum) copy(sum, acc);
  return add(sum, sum, g);
}

/** Every node's parameters renamed `prefix + name`; the same tensor twice is listed once; clashing names throw. */
function collectParameters(who: string, nodes: readonly GraphNode[]): Param[] {
  const byName = new Map<string, { param: Param; node: string }>();
  const seen = new Set<Tensor>();
  const out: Param[] = [];
  for (const node of nodes) {
    for (const p of node.layer.parameters()) {
      if (seen.has(p.value)) continue;
      const named = p.renamed(node.prefix + p.name);
      const clash = byName.get(named.name);
      if (clash) {
        throw new Error(
          `${who}: parameter name '${named.name}' is used by nodes '${clash.node}' and '${node.name}' (shapes ${formatShape(clash.param.value.shape)} and ${formatShape(p.value.shape)}); give one of them another prefix`,
        );
      }
      byName.set(named.name, { param: named, node: node.name });
      seen.add(p.value);
      out.push(named);
    }
  }
  return out;
}

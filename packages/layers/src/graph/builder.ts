import type { Layer } from '../layer.js';
import { port, type Port, type PortType } from '../port.js';
import { Graph, type GraphNode, type GraphOutput, type GraphSpec, type Source } from './graph.js';

/** Options of `GraphBuilder.node`. */
export interface NodeOptions {
  /**
   * Prepended to the names of the layer's parameters; default `name + '.'`
   * (so node `cell` holding W gives `cell.W`). `''` keeps the layer's own names.
   */
  prefix?: string;
}

interface PendingNode {
  name: string;
  layer: Layer;
  inputs: Readonly<Record<string, string>>;
  prefix: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Builds a {@link Graph}: declare inputs, add named nodes with their input
 * edges, declare outputs, then `build()` — which validates everything once.
 *
 * An edge source is written as a string: a graph input (`'ids'`), a node with
 * a single output (`'embed'`), or a node output (`'cell.h'`). Nodes may be added
 * in any order; `build()` sorts them topologically.
 *
 * ```ts
 * const step = graph('step')
 *   .input('ids', ids()).input('h', float(m))
 *   .node('embed', new OneHotEmbedding(K, m, { rng }), { ids: 'ids' })
 *   .node('cell', new RNNCell(m, { rng }), { x: 'embed', h: 'h' })
 *   .output('h', 'cell')
 *   .build();
 * ```
 */
export class GraphBuilder {
  private readonly inputPorts: Port[] = [];
  private readonly pending: PendingNode[] = [];
  private readonly outputRefs: { name: string; source: string }[] = [];
  private readonly names = new Set<string>();

  /**
   * `name` names the graph in error messages.
   * @param name - The graph's name (default `'Graph'`), also the built graph's `name`.
   */
  constructor(readonly name = 'Graph') {}

  /** Declares graph input `name` of `type` (`float(n)` or `ids()`). Returns this. */
  input(name: string, type: PortType): this {
    this.claim(name, 'input');
    if (type?.kind !== 'float' && type?.kind !== 'ids') {
      throw new Error(`${this.name}: input '${name}' must be float(n) or ids(), got ${JSON.stringify(type)}`);
    }
    this.inputPorts.push(port(name, type));
    return this;
  }

  /**
   * Adds node `name` computing `layer`, with `inputs` mapping each of the
   * layer's input ports to its source (`{ x: 'embed', h: 'h' }`). Returns this.
   */
  node(name: string, layer: Layer, inputs: Readonly<Record<string, string>>, options: NodeOptions = {}): this {
    this.claim(name, 'node');
    if (!layer || !Array.isArray(layer.inputs) || typeof layer.forward !== 'function') {
      throw new Error(`${this.name}: node '${name}' needs a Layer, got ${String(layer)}`);
    }
    if (inputs === null || typeof inputs !== 'object') {
      throw new Error(`${this.name}: node '${name}' needs its inputs as an object { port: 'source' }, got ${String(inputs)}`);
    }
    const prefix = options.prefix ?? `${name}.`;
    this.pending.push({ name, layer, inputs, prefix });
    return this;
  }

  /** Declares graph output `name`, taken from `source` (`'node'` or `'node.port'`). Returns this. */
  output(name: string, source: string): this {
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${this.name}: output name must match ${NAME}, got '${name}'`);
    if (this.outputRefs.some((o) => o.name === name)) throw new Error(`${this.name}: output '${name}' is declared twice`);
    this.outputRefs.push({ name, source });
    return this;
  }

  /**
   * Resolves every edge and checks the graph: unknown names, unconnected or
   * unknown inputs, type mismatches, cycles and clashing parameter names throw
   * an Error naming the nodes and shapes. Returns the sorted Graph.
   */
  build(): Graph {
    return new Graph(this.spec());
  }

  /**
   * The resolved, topologically sorted spec that `build()` hands to `new
   * Graph(spec)`, without constructing the Graph: for subclasses of Graph
   * (`super(builder.spec())`). Port types and parameter names are checked by
   * the Graph constructor.
   */
  spec(): GraphSpec {
    const who = this.name;
    const inputIndex = new Map(this.inputPorts.map((p, i) => [p.name, i]));
    const nodeIndex = new Map(this.pending.map((n, i) => [n.name, i]));
    const resolve = (ref: unknown, at: string): Source => {
      if (typeof ref !== 'string') throw new Error(`${who}: ${at} must name a source as a string, got ${String(ref)}`);
      const dot = ref.indexOf('.');
      const head = dot < 0 ? ref : ref.slice(0, dot);
      const tail = dot < 0 ? null : ref.slice(dot + 1);
      const inp = inputIndex.get(head);
      if (inp !== undefined) {
        if (tail !== null) throw new Error(`${who}: ${at} comes from '${ref}', but graph input '${head}' has no ports; write '${head}'`);
        return { node: -1, port: inp };
      }
      const n = nodeIndex.get(head);
      if (n === undefined) {
        throw new Error(
          `${who}: ${at} comes from '${ref}', which is neither a graph input nor a node (inputs: ${list(this.inputPorts.map((p) => p.name))}; nodes: ${list(this.pending.map((p) => p.name))})`,
        );
      }
      const outs = this.pending[n]!.layer.outputs;
      if (tail === null) {
        if (outs.length !== 1) throw new Error(`${who}: ${at} comes from node '${head}', which has outputs ${list(outs.map((p) => p.name))}; name one, e.g. '${head}.${outs[0]?.name}'`);
        return { node: n, port: 0 };
      }
      const o = outs.findIndex((p) => p.name === tail);
      if (o < 0) throw new Error(`${who}: ${at} comes from '${ref}', but node '${head}' has no output '${tail}' (outputs: ${list(outs.map((p) => p.name))})`);
      return { node: n, port: o };
    };

    const sources = this.pending.map((node) => {
      const ports = node.layer.inputs;
      for (const key of Object.keys(node.inputs)) {
        if (!ports.some((p) => p.name === key)) {
          throw new Error(`${who}: node '${node.name}' has no input '${key}' (inputs: ${list(ports.map((p) => p.name))})`);
        }
      }
      return ports.map((p) => {
        const ref = node.inputs[p.name];
        if (ref === undefined) throw new Error(`${who}: input '${p.name}' of node '${node.name}' is not connected (it expects ${portLabel(p)})`);
        return resolve(ref, `input '${p.name}' of node '${node.name}'`);
      });
    });
    const order = topologicalOrder(who, this.pending.map((n) => n.name), sources);
    const position = new Map(order.map((n, i) => [n, i]));
    const remap = (s: Source): Source => (s.node < 0 ? s : { node: position.get(s.node)!, port: s.port });
    const nodes: GraphNode[] = order.map((i) => ({
      name: this.pending[i]!.name,
      layer: this.pending[i]!.layer,
      prefix: this.pending[i]!.prefix,
      sources: sources[i]!.map(remap),
    }));
    if (this.outputRefs.length === 0) throw new Error(`${who}: no outputs declared; call .output(name, source)`);
    const outputs: GraphOutput[] = this.outputRefs.map((o) => {
      const s = resolve(o.source, `output '${o.name}'`);
      if (s.node < 0) throw new Error(`${who}: output '${o.name}' comes straight from graph input '${o.source}'; outputs must come from nodes`);
      const from = this.pending[s.node]!.layer.outputs[s.port]!;
      return { port: port(o.name, from), source: remap(s) };
    });
    return { name: who, inputs: this.inputPorts.slice(), nodes, outputs };
  }

  private claim(name: string, what: string): void {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new Error(`${this.name}: ${what} name must be a word (letters, digits, _ or -), got '${String(name)}'`);
    }
    if (this.names.has(name)) throw new Error(`${this.name}: the name '${name}' is used twice (inputs and nodes share one namespace)`);
    this.names.add(name);
  }
}

/** Starts a {@link GraphBuilder}; `name` names the graph in error messages. */
export function graph(name = 'Graph'): GraphBuilder {
  return new GraphBuilder(name);
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}

function portLabel(p: Port): string {
  return p.kind === 'float' ? `float [B,${p.size}]` : p.kind === 'ids' ? 'ids [B]' : 'scalar []';
}

/**
 * Kahn's algorithm over node indices (stable: ready nodes in insertion order).
 * On a cycle, throws naming the nodes around it.
 */
function topologicalOrder(who: string, names: readonly string[], sources: readonly (readonly Source[])[]): number[] {
  const n = names.length;
  const indegree = new Array<number>(n).fill(0);
  const next: number[][] = names.map(() => []);
  sources.forEach((ss, i) => {
    for (const s of ss) {
      if (s.node >= 0) {
        indegree[i]!++;
        next[s.node]!.push(i);
      }
    }
  });
  const order: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const j of next[i]!) if (--indegree[j]! === 0) ready.push(j);
  }
  if (order.length === n) return order;
  // Every node left has a predecessor that is also left: walk back until a node repeats.
  const left = new Set(names.map((_, i) => i).filter((i) => !order.includes(i)));
  const path: number[] = [];
  let at = left.values().next().value!;
  while (!path.includes(at)) {
    path.push(at);
    at = sources[at]!.find((s) => s.node >= 0 && left.has(s.node))!.node;
  }
  const loop = path.slice(path.indexOf(at)).reverse();
  // Start at the node added first, so the message does not depend on where the walk began.
  const start = loop.indexOf(Math.min(...loop));
  const cycle = [...loop.slice(start), ...loop.slice(0, start), loop[start]!];
  throw new Error(`${who}: the nodes form a cycle: ${cycle.map((i) => names[i]).join(' → ')}`);
}

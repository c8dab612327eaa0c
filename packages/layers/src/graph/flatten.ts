/**
 * Inlining nested graphs: a graph whose nodes are themselves graphs (a cell
 * built from bricks, an `LSTMCell` made of an input projection and a fused
 * core) becomes one flat graph of the same layers with the same parameter
 * names. `Recurrent` schedules the flat graph, so the parts of a nested cell
 * that do not depend on the state (its input projection) run once over all
 * T·B rows before the loop instead of step by step.
 */
import { Graph, type GraphNode, type GraphOutput, type Source } from './graph.js';

/**
 * The graph `g` with every node whose layer is a `Graph` replaced by that
 * graph's own nodes, recursively. Inlined nodes are named `outer/inner` and
 * prefixed `outerPrefix + innerPrefix`, so every parameter keeps its name
 * (`l0.weight_ih`). Returns `g` itself when it has no nested graph.
 */
export function flattenGraph(g: Graph): Graph {
  if (!g.nodes.some((n) => n.layer instanceof Graph)) return g;
  const nodes: GraphNode[] = [];
  /** Per node of `g`: where each of its outputs ended up in `nodes`. */
  const outputsOf: Source[][] = [];
  const resolve = (s: Source): Source => (s.node < 0 ? s : outputsOf[s.node]![s.port]!);
  g.nodes.forEach((node) => {
    const sources = node.sources.map(resolve);
    if (!(node.layer instanceof Graph)) {
      nodes.push({ name: node.name, layer: node.layer, prefix: node.prefix, sources });
      outputsOf.push(node.layer.outputs.map((_, port) => ({ node: nodes.length - 1, port })));
      return;
    }
    const inner = flattenGraph(node.layer);
    const base = nodes.length;
    // An inner source is an inner graph input (→ this node's source) or an inner node (→ shifted index).
    const map = (s: Source): Source => (s.node < 0 ? sources[s.port]! : { node: base + s.node, port: s.port });
    for (const n of inner.nodes) {
      nodes.push({ name: `${node.name}/${n.name}`, layer: n.layer, prefix: node.prefix + n.prefix, sources: n.sources.map(map) });
    }
    outputsOf.push(inner.outputSpecs.map((o) => map(o.source)));
  });
  // Graph outputs come from nodes, never straight from inputs, so every resolved source is a node.
  const outputs: GraphOutput[] = g.outputSpecs.map((o) => ({ port: o.port, source: resolve(o.source) }));
  return new Graph({ name: g.name, inputs: g.inputs, nodes, outputs });
}

/**
 * The layer graph: validation errors, parameter naming, forward/backward order,
 * a diamond (one output feeding several inputs) and a nested graph, all
 * gradient-checked with @weft/gradcheck at B = 1 and 3.
 */
import { randn, Rng, zeros, copy } from '@weft/tensor';
import { float, graph, ids, Linear, OneHotEmbedding, RNNCell, SoftmaxCrossEntropy, gradcheckTarget, type Graph } from '@weft/layers';
import { expectClose, expectPassed, randomIds } from './helpers.js';
import { checkBackward } from '@weft/gradcheck';

/** x → a = Linear; b = Linear(a); c = RNNCell(x: a, h: a); d = RNNCell(x: b, h: c); loss(d) — `a` feeds three inputs. */
function diamond(n: number, k: number, rng: Rng): Graph {
  return graph('diamond')
    .input('x', float(n))
    .input('y', ids())
    .node('a', new Linear(n, k, { rng, std: 0.6 }), { x: 'x' })
    .node('b', new Linear(k, k, { rng, std: 0.6 }), { x: 'a' })
    .node('c', new RNNCell(k, { rng, std: 0.6 }), { x: 'a', h: 'a' })
    .node('d', new RNNCell(k, { rng, std: 0.6 }), { x: 'b', h: 'c' })
    .node('loss', new SoftmaxCrossEntropy(k), { logits: 'd', targets: 'y' })
    .output('loss', 'loss')
    .output('d', 'd')
    .build();
}

describe('Graph', () => {
  it.each([1, 3])('a diamond passes the gradient check, B = %i (gradients of a shared output sum)', (B) => {
    const rng = new Rng(B);
    const g = diamond(3, 4, rng);
    expect(g.parameters().map((p) => p.name)).toEqual(['a.W', 'a.b', 'b.W', 'b.b', 'c.W', 'c.b', 'd.W', 'd.b']);
    for (const p of g.parameters()) if (p.name.endsWith('.b')) p.value.data.set(randn(p.value.shape, rng, 0, 0.3).data);
    expectPassed(checkBackward(gradcheckTarget(g, [randn([B, 3], rng), randomIds(B, 4, rng)], { batch: B }), { seed: B }));
  });

  it.each([1, 3])('a nested graph passes the gradient check, B = %i, with hierarchical parameter names', (B) => {
    const rng = new Rng(10 + B);
    const K = 5;
    const m = 3;
    const inner = graph('encoder')
      .input('ids', ids())
      .input('h', float(m))
      .node('embed', new OneHotEmbedding(K, m, { rng, std: 0.6 }), { ids: 'ids' })
      .node('cell', new RNNCell(m, { rng, std: 0.6 }), { x: 'embed', h: 'h' })
      .output('h', 'cell')
      .output('e', 'embed')
      .build();
    const outer = graph('outer')
      .input('ids', ids())
      .input('h', float(m))
      .input('y', ids())
      .node('enc', inner, { ids: 'ids', h: 'h' })
      .node('mix', new RNNCell(m, { rng, std: 0.6 }), { x: 'enc.e', h: 'enc.h' })
      .node('out', new Linear(m, K, { rng, std: 0.6 }), { x: 'mix' })
      .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
      .output('loss', 'loss')
      .build();
    expect(outer.parameters().map((p) => p.name)).toEqual(['enc.embed.U', 'enc.cell.W', 'enc.cell.b', 'mix.W', 'mix.b', 'out.W', 'out.b']);
    expect(outer.parameters()[0]!.value).toBe(inner.parameters()[0]!.value);
    expectPassed(checkBackward(gradcheckTarget(outer, [randomIds(B, K, rng), randn([B, m], rng), randomIds(B, K, rng)], { batch: B }), { seed: B }));
  });

  it('lists a layer used by two nodes once (tied weights) and sums its gradients', () => {
    const rng = new Rng(3);
    const shared = new Linear(3, 3, { rng, std: 0.6 });
    const g = graph('tied')
      .input('x', float(3))
      .input('y', ids())
      .node('first', shared, { x: 'x' })
      .node('second', shared, { x: 'first' })
      .node('loss', new SoftmaxCrossEntropy(3), { logits: 'second', targets: 'y' })
      .output('loss', 'loss')
      .build();
    expect(g.parameters().map((p) => p.name)).toEqual(['first.W', 'first.b']);
    expectPassed(checkBackward(gradcheckTarget(g, [randn([3, 3], rng), randomIds(3, 3, rng)], { batch: 3 })));
  });

  it('sorts nodes added in any order topologically and runs them in that order', () => {
    const rng = new Rng(1);
    const g = graph()
      .input('x', float(2))
      .node('third', new Linear(2, 2, { rng }), { x: 'second' })
      .node('first', new Linear(2, 2, { rng }), { x: 'x' })
      .node('second', new Linear(2, 2, { rng }), { x: 'first' })
      .output('y', 'third')
      .build();
    expect(g.nodes.map((n) => n.name)).toEqual(['first', 'second', 'third']);
    expect(g.toString()).toContain('second: Linear(x=first.y) → y: float [B,2]');
  });

  it('writes 0 into requested input gradients that no gradient reaches, and skips nodes without gradient', () => {
    const rng = new Rng(2);
    const g = graph()
      .input('x', float(2))
      .input('unused', float(2))
      .node('lin', new Linear(2, 2, { rng }), { x: 'x' })
      .node('side', new Linear(2, 2, { rng }), { x: 'x' })
      .output('y', 'lin')
      .output('z', 'side')
      .build();
    const ctx = g.createContext(1);
    copy(ctx.gradInputs[1]!, randn([1, 2], rng)); // stale values must be overwritten
    g.forward(ctx, [randn([1, 2], rng), zeros([1, 2])]);
    g.zeroGrad();
    const dy = randn([1, 2], rng);
    g.backward(ctx, [dy, null]);
    expect(ctx.gradInputs[1]!.toFlatArray()).toEqual([0, 0]);
    expect(g.parameters().find((p) => p.name === 'side.W')!.grad.toFlatArray()).toEqual([0, 0, 0, 0]);
    // dx = dy W_lin: nothing comes through 'side', whose output got no gradient.
    const W = (g.node('lin').layer as Linear).W.value.toArray() as number[][];
    const d = dy.toFlatArray();
    expectClose(ctx.gradInputs[0]!.data, [d[0]! * W[0]![0]! + d[1]! * W[1]![0]!, d[0]! * W[0]![1]! + d[1]! * W[1]![1]!]);
  });

  it('hands out the gradient buffer of the one node an input feeds (no copy), zeroed when that node gets no gradient', () => {
    const rng = new Rng(3);
    const g = graph()
      .input('x', float(2))
      .input('u', float(2))
      .node('lin', new Linear(2, 2, { rng }), { x: 'x' })
      .node('side', new Linear(2, 2, { rng }), { x: 'x' })
      .node('single', new Linear(2, 3, { rng }), { x: 'u' })
      .output('y', 'lin')
      .output('z', 'side')
      .output('w', 'single')
      .build();
    const ctx = g.createContext(1);
    const single = ctx.nodes[g.nodes.findIndex((n) => n.name === 'single')]!;
    expect(ctx.gradInputs[1]).toBe(single.gradInputs[0]); // u feeds one node: its buffer
    expect(ctx.nodes.some((n) => n.gradInputs[0] === ctx.gradInputs[0])).toBe(false); // x feeds two: a sum of its own
    g.forward(ctx, [randn([1, 2], rng), randn([1, 2], rng)]);
    const dw = randn([1, 3], rng);
    g.backward(ctx, [null, null, dw]);
    const W = (g.node('single').layer as Linear).W.value.toArray() as number[][];
    const d = dw.toFlatArray();
    expectClose(ctx.gradInputs[1]!.data, [0, 1].map((j) => d.reduce((acc, v, i) => acc + v * W[i]![j]!, 0)));
    g.backward(ctx, [randn([1, 2], rng), null, null]); // 'single' gets nothing: du = 0
    expect(ctx.gradInputs[1]!.toFlatArray()).toEqual([0, 0]);
  });

  it('does not compute gradients of inputs not asked for', () => {
    const rng = new Rng(2);
    const g = diamond(3, 2, rng);
    const ctx = g.createContext(2, 1, [false, false]);
    expect(ctx.gradInputs).toEqual([null, null]);
    const a = g.node('a').layer;
    const aContext = ctx.nodes[g.nodes.findIndex((n) => n.layer === a)]!;
    expect(aContext.gradInputs).toEqual([null]); // node 'a' reads only graph input x: no dx buffer at all
  });

  describe('rejects invalid graphs with messages naming nodes and shapes', () => {
    const rng = new Rng(1);
    const lin = (i: number, o: number): Linear => new Linear(i, o, { rng });
    it('unknown sources, ports and inputs', () => {
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'y' }).output('o', 'a').build()).toThrow(
        "g: input 'x' of node 'a' comes from 'y', which is neither a graph input nor a node (inputs: x; nodes: a)",
      );
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x', z: 'x' }).output('o', 'a').build()).toThrow(
        "g: node 'a' has no input 'z' (inputs: x)",
      );
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), {}).output('o', 'a').build()).toThrow(
        "g: input 'x' of node 'a' is not connected (it expects float [B,2])",
      );
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x' }).output('o', 'a.out').build()).toThrow(
        "g: output 'o' comes from 'a.out', but node 'a' has no output 'out' (outputs: y)",
      );
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x.y' }).output('o', 'a').build()).toThrow(
        "g: input 'x' of node 'a' comes from 'x.y', but graph input 'x' has no ports; write 'x'",
      );
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x' }).output('o', 'x').build()).toThrow(
        "g: output 'o' comes straight from graph input 'x'; outputs must come from nodes",
      );
    });

    it('shape and kind mismatches', () => {
      expect(() =>
        graph('g').input('x', float(2)).node('a', lin(2, 8), { x: 'x' }).node('b', new RNNCell(5, { rng }), { x: 'a', h: 'a' }).output('o', 'b').build(),
      ).toThrow("g: edge a.y → b.x: a.y is float [B,8] but b.x expects float [B,5]");
      expect(() => graph('g').input('x', float(2)).node('e', new OneHotEmbedding(3, 2, { rng }), { ids: 'x' }).output('o', 'e').build()).toThrow(
        "g: edge input 'x' → e.ids: input 'x' is float [B,2] but e.ids expects ids [B]",
      );
    });

    it('cycles', () => {
      expect(() =>
        graph('g')
          .input('x', float(2))
          .node('a', new RNNCell(2, { rng }), { x: 'x', h: 'c' })
          .node('b', lin(2, 2), { x: 'a' })
          .node('c', lin(2, 2), { x: 'b' })
          .output('o', 'c')
          .build(),
      ).toThrow('g: the nodes form a cycle: a → b → c → a');
    });

    it('duplicate names, several outputs, clashing parameter names, no outputs', () => {
      expect(() => graph('g').input('x', float(2)).node('x', lin(2, 2), { x: 'x' })).toThrow("g: the name 'x' is used twice (inputs and nodes share one namespace)");
      expect(() => graph('g').input('a.b', float(2))).toThrow("g: input name must be a word (letters, digits, _ or -), got 'a.b'");
      const two = graph('inner').input('x', float(2)).node('p', lin(2, 2), { x: 'x' }).node('q', lin(2, 2), { x: 'x' }).output('p', 'p').output('q', 'q').build();
      expect(() => graph('g').input('x', float(2)).node('two', two, { x: 'x' }).node('after', lin(2, 2), { x: 'two' }).output('o', 'after').build()).toThrow(
        "g: input 'x' of node 'after' comes from node 'two', which has outputs p, q; name one, e.g. 'two.p'",
      );
      expect(() =>
        graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x' }, { prefix: '' }).node('b', lin(2, 3), { x: 'x' }, { prefix: '' }).output('o', 'a').build(),
      ).toThrow("g: parameter name 'W' is used by nodes 'a' and 'b' (shapes [2,2] and [3,2]); give one of them another prefix");
      expect(() => graph('g').input('x', float(2)).node('a', lin(2, 2), { x: 'x' }).build()).toThrow('g: no outputs declared; call .output(name, source)');
    });

    it('bad values at forward and backward', () => {
      const g = graph('g').input('x', float(2)).input('t', ids()).node('a', lin(2, 2), { x: 'x' }).output('o', 'a').build();
      const ctx = g.createContext(3);
      expect(() => g.forward(ctx, [zeros([3, 3]), new Int32Array(3)])).toThrow("g: 'x' must be [3,2], got [3,3]");
      expect(() => g.forward(ctx, [zeros([3, 2]), new Int32Array(2)])).toThrow("g: input 't' needs 3 token ids (one per row) but got 2");
      expect(() => g.backward(ctx, [zeros([2, 2])])).toThrow("g (gradient of output): 'o' must be [3,2], got [2,2]");
      expect(() => g.createContext(3, 1, [true, true])).toThrow("g: input 't' (ids) has no gradient; propagateDown[1] must be false");
    });
  });

  it('gives the same result as calling the layers by hand', () => {
    const rng = new Rng(5);
    const g = diamond(3, 4, rng);
    const x = randn([2, 3], rng);
    const y = randomIds(2, 4, rng);
    const ctx = g.createContext(2);
    const [loss, d] = g.forward(ctx, [x, y]);
    const L = (name: string) => g.node(name).layer;
    const run = (name: string, inputs: Parameters<ReturnType<typeof L>['forward']>[1]) => L(name).forward(L(name).createContext(2), inputs)[0]!;
    const a = run('a', [x]);
    const b = run('b', [a]);
    const c = run('c', [a, a]);
    const dd = run('d', [b, c]);
    const l = run('loss', [dd, y]);
    expectClose(d!.data, dd.data, 0);
    expectClose(loss!.data, l.data, 0);
  });
});

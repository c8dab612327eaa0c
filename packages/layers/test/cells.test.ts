/**
 * Fused LSTM and GRU cells: gradient checks of the cores and the PyTorch-style
 * cells (float and ids input; parameters and input gradients; central and
 * five-point; B = 1 and 3), BPTT with deferred weight gradients against the
 * per-step unroll, initialisation, and errors.
 */
import { jest } from '@jest/globals';
import { randn, Rng, type Tensor } from '@weft/tensor';
import {
  GRUCell,
  GRUCore,
  gradcheckTarget,
  graph,
  Graph,
  float,
  ids,
  LSTMCell,
  LSTMCore,
  OneHotEmbedding,
  Recurrent,
  RNNCell,
  type Layer,
  type Value,
} from '@weft/layers';
import { checkBackward, checkGradients, type GradParam } from '@weft/gradcheck';
import { expectClose, expectPassed, randomIds } from './helpers.js';
import { gradientsOf, randomizeBiases, unroll } from './cell-helpers.js';

const STD = 0.5;
const K = 5;

interface Case {
  name: string;
  /** The layer, its parameters drawn with N(0, STD²) and random biases. */
  make: (rng: Rng) => Layer;
  /** Per-step inputs (x) for `rows` rows. */
  sequence: (rows: number, rng: Rng) => Value;
  /** State sizes, in input order after x. */
  states: number[];
}

const m = 3;
const cases: Case[] = [
  { name: 'LSTMCore', make: (rng) => new LSTMCore(m, { rng, std: STD }), sequence: (n, rng) => randn([n, 4 * m], rng), states: [m, m] },
  { name: 'GRUCore', make: (rng) => new GRUCore(m, { rng, std: STD }), sequence: (n, rng) => randn([n, 3 * m], rng), states: [m] },
  { name: 'LSTMCell', make: (rng) => new LSTMCell(4, m, { rng, std: STD }), sequence: (n, rng) => randn([n, 4], rng), states: [m, m] },
  { name: 'GRUCell', make: (rng) => new GRUCell(4, m, { rng, std: STD }), sequence: (n, rng) => randn([n, 4], rng), states: [m] },
  { name: 'LSTMCell (ids)', make: (rng) => new LSTMCell(K, m, { rng, std: STD, input: 'ids' }), sequence: (n, rng) => randomIds(n, K, rng), states: [m, m] },
  { name: 'GRUCell (ids)', make: (rng) => new GRUCell(K, m, { rng, std: STD, input: 'ids' }), sequence: (n, rng) => randomIds(n, K, rng), states: [m] },
];

function build(c: Case, seed: number): { layer: Layer; rng: Rng } {
  const rng = new Rng(seed);
  const layer = c.make(rng);
  randomizeBiases(layer.parameters(), rng);
  return { layer, rng };
}

describe.each(cases)('$name', (c) => {
  it.each([
    [1, 'central'],
    [3, 'central'],
    [1, 'five-point'],
    [3, 'five-point'],
  ] as const)('passes the gradient check of parameters and inputs, B = %i, %s', (B, stencil) => {
    const { layer, rng } = build(c, 10 + B);
    const inputs: Value[] = [c.sequence(B, rng), ...c.states.map((n) => randn([B, n], rng))];
    const report = checkBackward(gradcheckTarget(layer, inputs, { batch: B }), { stencil, seed: B });
    expectPassed(report);
    expect(report.params.map((p) => p.name)).toEqual([...layer.parameters().map((p) => p.name), ...layer.inputs.filter((p) => p.kind === 'float').map((p) => `input:${p.name}`)]);
  });

  it.each([1, 3])('unrolled over T = 6 with deferred weight gradients equals the per-step unroll to 1e-12, B = %i', (B) => {
    const { layer, rng } = build(c, 20 + B);
    const T = 6;
    const x = c.sequence(T * B, rng);
    const h0 = c.states.map((n) => randn([B, n], rng));
    const R = layer.outputs.map((p) => randn([T * B, p.size], rng));
    const params = layer.parameters();
    // Twice on the same contexts' layer: the second run checks that nothing stale leaks between calls.
    let fast = unroll(layer, B, [x], h0, R, true);
    const gFast = gradientsOf(params, () => {
      fast = unroll(layer, B, [x], h0, R, true);
    });
    let slow = fast;
    const gSlow = gradientsOf(params, () => {
      slow = unroll(layer, B, [x], h0, R, false);
    });
    expectClose([fast.loss], [slow.loss]);
    fast.outputs.forEach((o, k) => expectClose(o.data, slow.outputs[k]!.data));
    gFast.forEach((g, i) => {
      expect(g.some((v) => v !== 0)).toBe(true);
      expectClose(g, gSlow[i]!);
    });
    fast.gradInitial.forEach((g, k) => expectClose(g.data, slow.gradInitial[k]!.data));
    if (fast.gradSequence[0]) expectClose(fast.gradSequence[0].data, slow.gradSequence[0]!.data);
  });

  it('passes the gradient check through BPTT (T = 4, B = 2, deferred weight gradients), inputs and initial state included', () => {
    const { layer, rng } = build(c, 31);
    const B = 2;
    const T = 4;
    const x = c.sequence(T * B, rng);
    const h0 = c.states.map((n) => randn([B, n], rng));
    const R = layer.outputs.map((p) => randn([T * B, p.size], rng));
    const extra: GradParam[] = [];
    if (!(x instanceof Int32Array)) extra.push({ name: 'x', value: x, grad: randn(x.shape, rng) });
    h0.forEach((h, k) => extra.push({ name: `state${k}`, value: h, grad: randn(h.shape, rng) }));
    const report = checkGradients(
      [...layer.parameters(), ...extra],
      () => {
        const r = unroll(layer, B, [x], h0, R, true);
        let e = 0;
        if (r.gradSequence[0]) extra[e++]!.grad.data.set(r.gradSequence[0].data);
        r.gradInitial.forEach((g) => extra[e++]!.grad.data.set(g.data));
        return r.loss;
      },
      { seed: 3 },
    );
    expectPassed(report);
  });
});

describe('sequence contexts', () => {
  it.each([
    ['LSTMCore', (rng: Rng) => new LSTMCore(m, { rng, std: STD }), 4 * m, 2],
    ['GRUCore', (rng: Rng) => new GRUCore(m, { rng, std: STD }), 3 * m, 1],
  ] as const)('%s: a step fed a state that is not the previous output sums its weight gradients step by step', (_name, make, xSize, states) => {
    const rng = new Rng(5);
    const core = make(rng);
    randomizeBiases(core.parameters(), rng);
    const B = 2;
    const T = 3;
    const steps = Array.from({ length: T }, () => [randn([B, xSize], rng), ...Array.from({ length: states }, () => randn([B, m], rng))]);
    const R = core.outputs.map(() => randn([B, m], rng));
    const run = (contexts: readonly { outputs: readonly Tensor[] }[], after: () => void): void => {
      steps.forEach((inputs, t) => core.forward(contexts[t] as never, inputs));
      for (let t = T - 1; t >= 0; t--) core.backward(contexts[t] as never, R);
      after();
    };
    const seq = core.createSequenceContexts(B, T);
    const deferred = gradientsOf(core.parameters(), () => run(seq.steps, () => seq.accumulateParamGrads()));
    const perStep = Array.from({ length: T }, () => core.createContext(B, 1));
    const direct = gradientsOf(core.parameters(), () => run(perStep, () => {}));
    deferred.forEach((g, i) => expectClose(g, direct[i]!));
  });

  it.each([
    ['LSTMCore', (rng: Rng) => new LSTMCore(m, { rng, std: STD }), 4 * m, 2],
    ['GRUCore', (rng: Rng) => new GRUCore(m, { rng, std: STD }), 3 * m, 1],
  ] as const)('%s without the gradient of x: the same parameter and state gradients, and no dx buffer', (_name, make, xSize, states) => {
    const rng = new Rng(8);
    const core = make(rng);
    randomizeBiases(core.parameters(), rng);
    const B = 2;
    const inputs = [randn([B, xSize], rng), ...Array.from({ length: states }, () => randn([B, m], rng))];
    const up = core.outputs.map(() => randn([B, m], rng));
    const run = (propagate: boolean[]): { grads: Float64Array[]; dStates: Float64Array[]; dx: unknown } => {
      const ctx = core.createContext(B, 1, propagate);
      const grads = gradientsOf(core.parameters(), () => {
        core.forward(ctx as never, inputs);
        core.backward(ctx as never, up);
      });
      return { grads, dStates: ctx.gradInputs.slice(1).map((g) => Float64Array.from(g!.data)), dx: ctx.gradInputs[0] };
    };
    const all = run(inputs.map(() => true));
    const noX = run([false, ...inputs.slice(1).map(() => true)]);
    expect(noX.dx).toBeNull();
    noX.grads.forEach((g, i) => expectClose(g, all.grads[i]!, 0));
    noX.dStates.forEach((d, k) => expectClose(d, all.dStates[k]!, 0));
  });

  it('defers the weight gradients until accumulateParamGrads()', () => {
    const rng = new Rng(6);
    const core = new LSTMCore(m, { rng, std: STD });
    const seq = core.createSequenceContexts(1, 2);
    let h = randn([1, m], rng);
    let c = randn([1, m], rng);
    for (const ctx of seq.steps) [h, c] = core.forward(ctx, [randn([1, 4 * m], rng), h, c]) as [Tensor, Tensor];
    core.zeroGrad();
    for (let t = 1; t >= 0; t--) core.backward(seq.steps[t]!, [randn([1, m], rng), null]);
    expect(core.weight_hh.grad.toFlatArray().every((v) => v === 0)).toBe(true);
    seq.accumulateParamGrads();
    expect(core.weight_hh.grad.toFlatArray().some((v) => v !== 0)).toBe(true);
  });
});

describe('LSTMCell and GRUCell', () => {
  it('are graphs of ih then hh with PyTorch parameter names and shapes', () => {
    const rng = new Rng(1);
    const lstm = new LSTMCell(5, 4, { rng });
    expect(lstm).toBeInstanceOf(Graph);
    expect(lstm.nodes.map((n) => n.name)).toEqual(['ih', 'hh']);
    expect(lstm.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ['weight_ih', [16, 5]],
      ['bias_ih', [16]],
      ['weight_hh', [16, 4]],
      ['bias_hh', [16]],
    ]);
    expect(lstm.inputs.map((p) => [p.name, p.kind, p.size])).toEqual([['x', 'float', 5], ['h', 'float', 4], ['c', 'float', 4]]);
    expect(lstm.outputs.map((p) => p.name)).toEqual(['h', 'c']);
    const gru = new GRUCell(7, 4, { rng, input: 'ids' });
    expect(gru.ih).toBeInstanceOf(OneHotEmbedding);
    expect(gru.parameters().map((p) => [p.name, p.value.shape])).toEqual([
      ['weight_ih', [12, 7]],
      ['bias_ih', [12]],
      ['weight_hh', [12, 4]],
      ['bias_hh', [12]],
    ]);
    expect(gru.inputs.map((p) => [p.name, p.kind])).toEqual([['x', 'ids'], ['h', 'float']]);
  });

  it("draw PyTorch's default U(−1/√m, 1/√m) for all four parameters, or N(0, std²) weights and zero biases with std", () => {
    const mm = 16;
    const bound = 1 / Math.sqrt(mm);
    for (const cell of [new LSTMCell(3, mm, { rng: new Rng(2) }), new GRUCell(3, mm, { rng: new Rng(2), input: 'ids' })]) {
      for (const p of cell.parameters()) {
        const v = p.value.toFlatArray();
        expect(v.every((x) => Math.abs(x) <= bound)).toBe(true);
        // Spread over the interval, not a constant: the sample extremes come near both ends.
        expect(Math.max(...v)).toBeGreaterThan(0.8 * bound);
        expect(Math.min(...v)).toBeLessThan(-0.8 * bound);
      }
    }
    const cell = new LSTMCell(3, mm, { rng: new Rng(2), std: 0.1 });
    const [wih, bih, whh, bhh] = cell.parameters();
    expect(bih!.value.toFlatArray().every((x) => x === 0)).toBe(true);
    expect(bhh!.value.toFlatArray().every((x) => x === 0)).toBe(true);
    for (const w of [wih!, whh!]) {
      const v = w.value.toFlatArray();
      const sd = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
      expect(sd).toBeGreaterThan(0.08);
      expect(sd).toBeLessThan(0.12);
    }
    // Same seed, same weights; another seed, other weights.
    const again = new LSTMCell(3, mm, { rng: new Rng(2), std: 0.1 });
    expect(again.parameters()[0]!.value.toFlatArray()).toEqual(wih!.value.toFlatArray());
    expect(new LSTMCell(3, mm, { rng: new Rng(3), std: 0.1 }).parameters()[0]!.value.toFlatArray()).not.toEqual(wih!.value.toFlatArray());
  });

  it('with ids equals the float cell fed one-hot rows (same weights)', () => {
    const rng = new Rng(4);
    const B = 3;
    const onIds = new LSTMCell(K, m, { rng, input: 'ids' });
    const onFloat = new LSTMCell(K, m, { rng });
    onIds.parameters().forEach((p, i) => onFloat.parameters()[i]!.value.data.set(p.value.data));
    const tokens = randomIds(B, K, rng);
    const oneHot = randn([B, K], rng);
    oneHot.data.fill(0);
    tokens.forEach((id, r) => (oneHot.data[r * K + id] = 1));
    const h = randn([B, m], rng);
    const c = randn([B, m], rng);
    const a = onIds.forward(onIds.createContext(B), [tokens, h, c]);
    const b = onFloat.forward(onFloat.createContext(B), [oneHot, h, c]);
    a.forEach((t, k) => expectClose(t.data, b[k]!.data));
  });

  it('nest in a step graph with prefixed parameter names', () => {
    const rng = new Rng(1);
    const step = graph('stack')
      .input('x', float(5))
      .input('h0', float(4))
      .input('c0', float(4))
      .input('h1', float(4))
      .node('l0', new LSTMCell(5, 4, { rng }), { x: 'x', h: 'h0', c: 'c0' })
      .node('l1', new GRUCell(4, 4, { rng }), { x: 'l0.h', h: 'h1' })
      .output('h0', 'l0.h')
      .output('c0', 'l0.c')
      .output('h1', 'l1')
      .build();
    expect(step.parameters().map((p) => p.name)).toEqual([
      'l0.weight_ih', 'l0.bias_ih', 'l0.weight_hh', 'l0.bias_hh',
      'l1.weight_ih', 'l1.bias_ih', 'l1.weight_hh', 'l1.bias_hh',
    ]);
  });

  it('run their input side once over all T·B rows in Recurrent (ih before the loop, hh in it)', () => {
    const rng = new Rng(1);
    const lstm = graph('s').input('x', float(5)).input('h', float(4)).input('c', float(4)).node('l0', new LSTMCell(5, 4, { rng }), { x: 'x', h: 'h', c: 'c' }).output('h', 'l0.h').output('c', 'l0.c').build();
    expect(new Recurrent(lstm, { state: { h: 'h', c: 'c' } }).phases).toEqual({ 'l0/ih': 'before', 'l0/hh': 'loop' });
    const gru = graph('s').input('x', ids()).input('h', float(4)).node('l0', new GRUCell(7, 4, { rng, input: 'ids' }), { x: 'x', h: 'h' }).output('h', 'l0').build();
    expect(new Recurrent(gru, { state: { h: 'h' } }).phases).toEqual({ 'l0/ih': 'before', 'l0/hh': 'loop' });
  });

  it.each([
    ['LSTMCell', true],
    ['GRUCell', false],
  ] as const)('%s in Recurrent: the hidden-side weight gradient of all T steps is one product after the loop', (_name, lstm) => {
    const rng = new Rng(2);
    const T = 5;
    const B = 3;
    const cell = lstm ? new LSTMCell(4, m, { rng }) : new GRUCell(4, m, { rng });
    const b = graph('s').input('x', float(4)).input('h', float(m));
    const step = lstm
      ? b.input('c', float(m)).node('l0', cell, { x: 'x', h: 'h', c: 'c' }).output('h', 'l0.h').output('c', 'l0.c').build()
      : b.node('l0', cell, { x: 'x', h: 'h' }).output('h', 'l0').build();
    const r = new Recurrent(step, { state: lstm ? { h: 'h', c: 'c' } : { h: 'h' } });
    const ctx = r.createContext(B, T);
    const core = (cell as LSTMCell | GRUCell).hh as { accumulateParamGrads: (...args: never[]) => void };
    const spy = jest.spyOn(core, 'accumulateParamGrads');
    const outs = r.forward(ctx, [randn([T * B, 4], rng)]);
    r.backward(ctx, outs.map((o) => randn(o.shape, rng)));
    expect(spy).toHaveBeenCalledTimes(1);
    const [delta, hPrev] = spy.mock.calls[0] as unknown as [Tensor, Tensor];
    expect(delta.shape).toEqual([T * B, (lstm ? 4 : 3) * m]);
    expect(hPrev.shape).toEqual([T * B, m]);
    spy.mockRestore();
  });

  it('throw one-line errors for bad options', () => {
    const rng = new Rng(1);
    expect(() => new LSTMCell(3, 4, { rng, input: 'text' as never })).toThrow("LSTMCell: options.input must be 'float' or 'ids', got \"text\"");
    expect(() => new GRUCell(3, 4, undefined as never)).toThrow('GRUCell: options.rng (a seeded Rng) is required to draw the weights');
    expect(() => new GRUCell(0, 4, { rng })).toThrow('GRUCell: inputSize must be a positive integer, got 0');
    expect(() => new LSTMCell(3, 2.5, { rng })).toThrow('LSTMCell: hiddenSize must be a positive integer, got 2.5');
    expect(() => new LSTMCore(4, { rng: {} as never })).toThrow('LSTMCore: options.rng (a seeded Rng) is required to draw the weights');
    expect(() => new LSTMCore(3, { rng }).forward(new LSTMCore(3, { rng }).createContext(2), [randn([2, 3], rng), randn([2, 3], rng), randn([2, 3], rng)])).toThrow(
      "LSTMCore: 'x' must be [2,12], got [2,3]",
    );
  });
});

describe('OneHotEmbedding with a bias', () => {
  it('adds b to every row and passes the gradient check; without the option it has U only', () => {
    const rng = new Rng(3);
    const plain = new OneHotEmbedding(K, 4, { rng, name: 'U' });
    expect(plain.parameters().map((p) => p.name)).toEqual(['U']);
    expect(plain.bias).toBeNull();
    const layer = new OneHotEmbedding(K, 4, { rng, std: 0.5, name: 'weight_ih', bias: 'bias_ih' });
    expect(layer.parameters().map((p) => [p.name, p.value.shape])).toEqual([['weight_ih', [4, K]], ['bias_ih', [4]]]);
    layer.bias!.value.data.set([1, 2, 3, 4]);
    const tokens = randomIds(3, K, rng);
    const out = layer.forward(layer.createContext(3), [tokens])[0]!;
    for (let r = 0; r < 3; r++) for (let i = 0; i < 4; i++) expect(out.data[r * 4 + i]).toBe(layer.weight.value.data[i * K + tokens[r]!]! + i + 1);
    expectPassed(checkBackward(gradcheckTarget(layer, [tokens], { batch: 3 })));
    expect(() => new OneHotEmbedding(K, 4, { rng, bias: '' })).toThrow("OneHotEmbedding: options.bias must name the bias parameter (e.g. 'bias_ih'), got \"\"");
  });
});

describe('GraphBuilder.spec()', () => {
  it('returns the resolved spec that build() constructs the Graph from', () => {
    const rng = new Rng(1);
    const builder = graph('g').input('x', ids()).input('h', float(3)).node('embed', new OneHotEmbedding(4, 3, { rng }), { ids: 'x' }).node('cell', new RNNCell(3, { rng }), { x: 'embed', h: 'h' }).output('h', 'cell');
    const spec = builder.spec();
    expect(spec.name).toBe('g');
    expect(spec.nodes.map((n) => [n.name, n.prefix, n.sources])).toEqual([
      ['embed', 'embed.', [{ node: -1, port: 0 }]],
      ['cell', 'cell.', [{ node: 0, port: 0 }, { node: -1, port: 1 }]],
    ]);
    const built = builder.build();
    const fromSpec = new Graph(spec);
    expect(fromSpec.parameters().map((p) => p.name)).toEqual(built.parameters().map((p) => p.name));
    expect(fromSpec.toString()).toBe(built.toString());
  });
});

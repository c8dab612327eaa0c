/**
 * The fused cells equal their composed versions (graphs of bricks) to 1e-12:
 * with the parameters copied by name, the same outputs and every gradient
 * (parameters, x, states), for one step and unrolled over T steps, at B = 1 and 3.
 */
import { randn, Rng, type Tensor } from '@weft/tensor';
import { checkBackward } from '@weft/gradcheck';
import {
  composedGRUCell,
  composedLSTMCell,
  gradcheckTarget,
  GRUCell,
  loadStateDict,
  LSTMCell,
  stateDict,
  type Graph,
  type Value,
} from '@weft/layers';
import { expectClose, expectPassed, randomIds } from './helpers.js';
import { gradientsOf, randomizeBiases, unroll } from './cell-helpers.js';

const IN = 4;
const m = 3;

interface Case {
  name: string;
  fused: (rng: Rng) => Graph;
  composed: (rng: Rng) => Graph;
  sequence: (rows: number, rng: Rng) => Value;
  states: number;
}

const cases: Case[] = [
  { name: 'LSTM', fused: (rng) => new LSTMCell(IN, m, { rng }), composed: (rng) => composedLSTMCell(IN, m, { rng }), sequence: (n, rng) => randn([n, IN], rng), states: 2 },
  { name: 'GRU', fused: (rng) => new GRUCell(IN, m, { rng }), composed: (rng) => composedGRUCell(IN, m, { rng }), sequence: (n, rng) => randn([n, IN], rng), states: 1 },
  {
    name: 'LSTM (ids)',
    fused: (rng) => new LSTMCell(IN, m, { rng, input: 'ids' }),
    composed: (rng) => composedLSTMCell(IN, m, { rng, input: 'ids' }),
    sequence: (n, rng) => randomIds(n, IN, rng),
    states: 2,
  },
  {
    name: 'GRU (ids)',
    fused: (rng) => new GRUCell(IN, m, { rng, input: 'ids' }),
    composed: (rng) => composedGRUCell(IN, m, { rng, input: 'ids' }),
    sequence: (n, rng) => randomIds(n, IN, rng),
    states: 1,
  },
];

/** The fused cell with random weights and biases, and the composed one loaded from it by name. */
function pair(c: Case, seed: number): { fused: Graph; composed: Graph; rng: Rng } {
  const rng = new Rng(seed);
  const fused = c.fused(rng);
  // Larger weights than the default, so the gates leave their linear range.
  for (const p of fused.parameters()) p.value.data.set(randn(p.value.shape, rng, 0, 0.7).data);
  randomizeBiases(fused.parameters(), rng);
  const composed = c.composed(new Rng(seed + 1));
  // Strict: the same names and shapes on both sides, or it throws.
  loadStateDict(composed, stateDict(fused));
  return { fused, composed, rng };
}

/** Gradients of `graph`'s parameters in the order of `names`. */
function byNames(graph: Graph, grads: Float64Array[], names: string[]): Float64Array[] {
  const order = graph.parameters().map((p) => p.name);
  return names.map((n) => grads[order.indexOf(n)]!);
}

/** The largest relative difference seen per case, printed with CELLS_REPORT=1 (for the PR description). */
const worst: Record<string, number> = {};

/** expectClose(a, b) to 1e-12, recording the largest relative difference of `name`. */
function same(name: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!), Math.abs(b[i]!));
    if (!(d <= (worst[name] ?? 0))) worst[name] = d;
  }
  expectClose(a, b);
}

afterAll(() => {
  if (process.env.CELLS_REPORT) for (const [name, d] of Object.entries(worst)) process.stdout.write(`fused vs composed ${name}: max relative difference ${d.toExponential(2)}\n`);
});

describe.each(cases)('$name: fused equals composed', (c) => {
  it.each([1, 3])('one step: outputs and every gradient to 1e-12, B = %i', (B) => {
    const { fused, composed, rng } = pair(c, 40 + B);
    const inputs: Value[] = [c.sequence(B, rng), ...Array.from({ length: c.states }, () => randn([B, m], rng))];
    const up = fused.outputs.map(() => randn([B, m], rng));
    const run = (g: Graph): { outs: Float64Array[]; grads: Float64Array[]; dIn: Float64Array[] } => {
      const ctx = g.createContext(B);
      let outs: Float64Array[] = [];
      let dIn: Float64Array[] = [];
      const grads = gradientsOf(g.parameters(), () => {
        outs = g.forward(ctx, inputs).map((t) => Float64Array.from(t.data));
        g.backward(ctx, up);
        dIn = ctx.gradInputs.flatMap((t) => (t ? [Float64Array.from((t as Tensor).data)] : []));
      });
      return { outs, grads, dIn };
    };
    const a = run(fused);
    const b = run(composed);
    a.outs.forEach((o, k) => same(c.name, o, b.outs[k]!));
    const names = fused.parameters().map((p) => p.name);
    const bGrads = byNames(composed, b.grads, names);
    a.grads.forEach((g, i) => {
      expect(g.some((v) => v !== 0)).toBe(true);
      same(c.name, g, bGrads[i]!);
    });
    expect(a.dIn.length).toBe(b.dIn.length);
    expect(a.dIn.length).toBe(c.states + (inputs[0] instanceof Int32Array ? 0 : 1));
    a.dIn.forEach((d, k) => same(c.name, d, b.dIn[k]!));
  });

  it.each([
    [1, true],
    [3, true],
    [1, false],
    [3, false],
  ])('unrolled over T = 5: outputs and every gradient to 1e-12, B = %i, sequence contexts: %s', (B, deferred) => {
    const { fused, composed, rng } = pair(c, 50 + B);
    const T = 5;
    const x = c.sequence(T * B, rng);
    const h0 = Array.from({ length: c.states }, () => randn([B, m], rng));
    const R = fused.outputs.map(() => randn([T * B, m], rng));
    let a = unroll(fused, B, [x], h0, R, deferred);
    const ga = gradientsOf(fused.parameters(), () => (a = unroll(fused, B, [x], h0, R, deferred)));
    let b = a;
    const gb = gradientsOf(composed.parameters(), () => (b = unroll(composed, B, [x], h0, R, deferred)));
    same(c.name, [a.loss], [b.loss]);
    a.outputs.forEach((o, k) => same(c.name, o.data, b.outputs[k]!.data));
    const names = fused.parameters().map((p) => p.name);
    byNames(composed, gb, names).forEach((g, i) => same(c.name, ga[i]!, g));
    a.gradInitial.forEach((g, k) => same(c.name, g.data, b.gradInitial[k]!.data));
    if (a.gradSequence[0]) same(c.name, a.gradSequence[0].data, b.gradSequence[0]!.data);
  });

  it('the composed cell passes the gradient check (parameters and inputs, B = 3)', () => {
    const { composed, rng } = pair(c, 60);
    const inputs: Value[] = [c.sequence(3, rng), ...Array.from({ length: c.states }, () => randn([3, m], rng))];
    expectPassed(checkBackward(gradcheckTarget(composed, inputs, { batch: 3 })));
  });
});

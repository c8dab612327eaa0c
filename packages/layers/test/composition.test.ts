/**
 * The bricks compose: a GRU-style cell built as a graph of Linear (no bias),
 * Concat, Split, Sigmoid, Tanh, Mul, OneMinus, Add and Dropout passes the
 * gradient check, including outputs that feed several nodes (h, z).
 */
import { randn, Rng } from '@weft/tensor';
import { Add, Concat, Dropout, float, gradcheckTarget, graph, Linear, Mul, OneMinus, Sigmoid, Split, Tanh } from '@weft/layers';
import { checkBackward } from '@weft/gradcheck';
import { expectClose, expectPassed } from './helpers.js';

/**
 * r, z = σ([x | h] Wgᵀ + bg); n = tanh([dropout(x) | r ⊙ h] Wnᵀ);
 * h' = (1 − z) ⊙ n + z ⊙ h.
 */
function gatedCell(n: number, m: number, seed: number) {
  const rng = new Rng(seed);
  const dropout = new Dropout(n, 0.5, new Rng(seed + 1));
  const cell = graph('gated')
    .input('x', float(n))
    .input('h', float(m))
    .node('xh', new Concat([n, m]), { a: 'x', b: 'h' })
    .node('gates', new Linear(n + m, 2 * m, { rng, std: 0.5 }), { x: 'xh' })
    .node('sig', new Sigmoid(2 * m), { x: 'gates' })
    .node('rz', new Split(2 * m, 2, { names: ['r', 'z'] }), { x: 'sig' })
    .node('rh', new Mul(m), { a: 'rz.r', b: 'h' })
    .node('drop', dropout, { x: 'x' })
    .node('xrh', new Concat([n, m]), { a: 'drop', b: 'rh' })
    .node('cand', new Linear(n + m, m, { rng, std: 0.5, bias: false }), { x: 'xrh' })
    .node('tanh', new Tanh(m), { x: 'cand' })
    .node('keep', new OneMinus(m), { x: 'rz.z' })
    .node('new', new Mul(m), { a: 'keep', b: 'tanh' })
    .node('old', new Mul(m), { a: 'rz.z', b: 'h' })
    .node('sum', new Add(m), { a: 'new', b: 'old' })
    .output('h', 'sum')
    .build();
  return { cell, dropout };
}

describe('a gated cell composed from the bricks', () => {
  it('passes the gradient check (central and five-point) in evaluation mode, B = 1 and 3, stacked steps', () => {
    for (const [B, T] of [[1, 1], [3, 1], [3, 2]] as const) {
      const { cell } = gatedCell(3, 4, B * 10 + T);
      cell.train(false);
      const rng = new Rng(B + T);
      const inputs = [randn([B * T, 3], rng), randn([B * T, 4], rng)];
      const report = checkBackward(gradcheckTarget(cell, inputs, { batch: B, steps: T }), { seed: B });
      expectPassed(report);
      expect(report.params.map((p) => p.name)).toEqual(['gates.W', 'gates.b', 'cand.W', 'input:x', 'input:h']);
      expectPassed(checkBackward(gradcheckTarget(cell, inputs, { batch: B, steps: T }), { seed: B, stencil: 'five-point' }));
    }
  });

  it('passes the gradient check in training mode with the dropout masks replayed', () => {
    const { cell, dropout } = gatedCell(3, 4, 7);
    const rng = new Rng(8);
    const inputs = [randn([3, 3], rng), randn([3, 4], rng)];
    const saved = dropout.rng.clone();
    const inner = gradcheckTarget(cell, inputs, { batch: 3 });
    const target = { ...inner, forward: () => ((dropout.rng = saved.clone()), inner.forward()) };
    expectPassed(checkBackward(target));
  });

  it('computes the GRU-style formula', () => {
    const { cell } = gatedCell(2, 2, 3);
    cell.train(false);
    const rng = new Rng(4);
    const x = randn([1, 2], rng);
    const h = randn([1, 2], rng);
    const [out] = cell.forward(cell.createContext(1), [x, h]);
    const [Wg, bg, Wn] = cell.parameters().map((p) => p.value.toFlatArray());
    const xh = [...x.toFlatArray(), ...h.toFlatArray()];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const g = [0, 1, 2, 3].map((i) => sig(bg![i]! + xh.reduce((s, v, j) => s + Wg![i * 4 + j]! * v, 0)));
    const xrh = [...x.toFlatArray(), g[0]! * h.data[0]!, g[1]! * h.data[1]!];
    const cand = [0, 1].map((i) => Math.tanh(xrh.reduce((s, v, j) => s + Wn![i * 4 + j]! * v, 0)));
    const expected = [0, 1].map((i) => (1 - g[2 + i]!) * cand[i]! + g[2 + i]! * h.data[i]!);
    expectClose(out!.toFlatArray(), expected, 1e-14);
  });
});

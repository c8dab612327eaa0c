/**
 * Every layer against numerical gradients (@weft/gradcheck: central
 * differences, float64, max relative error < 1e-6) on random small shapes at
 * B = 1 and B = 3, plus each layer's own semantics and error messages.
 */
import fc from 'fast-check';
import { randn, Rng, withBackend, wasmKernelCalls, zeros, tensor, fromData, type Tensor } from '@weft/tensor';
import { Linear, OneHotEmbedding, RNNCell, Softmax, SoftmaxCrossEntropy, Param, gradcheckTarget } from '@weft/layers';
import { expectClose, expectPassed, randomIds } from './helpers.js';
import { checkBackward } from '@weft/gradcheck';

const size = fc.integer({ min: 1, max: 6 });
const batchSize = fc.constantFrom(1, 3);
const seed = fc.integer({ min: 0, max: 1e6 });
const runs = { numRuns: 12 };

describe('OneHotEmbedding', () => {
  it('passes the gradient check on random shapes (B = 1, 3)', () => {
    fc.assert(
      fc.property(size, size, batchSize, seed, (K, m, B, s) => {
        const rng = new Rng(s);
        const layer = new OneHotEmbedding(K, m, { rng, std: 0.5 });
        expectPassed(checkBackward(gradcheckTarget(layer, [randomIds(B, K, rng)], { batch: B }), { seed: s }));
      }),
      runs,
    );
  });

  it('gathers columns of U and scatter-adds repeated ids', () => {
    const layer = new OneHotEmbedding(3, 2, { rng: new Rng(1) });
    layer.weight.value.data.set([1, 2, 3, 4, 5, 6]); // U = [[1,2,3],[4,5,6]]
    const ctx = layer.createContext(3);
    const [out] = layer.forward(ctx, [new Int32Array([2, 0, 2])]);
    expect(out!.toArray()).toEqual([[3, 6], [1, 4], [3, 6]]);
    layer.backward(ctx, [tensor([[1, 10], [100, 1000], [2, 20]])]);
    // Column 2 receives rows 0 and 2; column 0 row 1; column 1 nothing.
    expect(layer.weight.grad.toArray()).toEqual([[100, 0, 3], [1000, 0, 30]]);
    expect(ctx.gradInputs).toEqual([null]);
  });

  it('rejects ids outside the vocabulary, wrong lengths and asking for an ids gradient', () => {
    const layer = new OneHotEmbedding(4, 2, { rng: new Rng(1) });
    const ctx = layer.createContext(2);
    expect(() => layer.forward(ctx, [new Int32Array([0, 4])])).toThrow('OneHotEmbedding: id 4 at row 1 is outside the vocabulary [0, 4)');
    expect(() => layer.forward(ctx, [new Int32Array([0])])).toThrow("OneHotEmbedding: input 'ids' needs 2 token ids (one per row) but got 1");
    expect(() => layer.forward(ctx, [zeros([2, 1])])).toThrow("OneHotEmbedding: input 'ids' takes token ids as an Int32Array of length 2, got a Tensor [2,1]");
    expect(() => layer.createContext(2, 1, [true])).toThrow("OneHotEmbedding: input 'ids' (ids) has no gradient; propagateDown[0] must be false");
    expect(() => new OneHotEmbedding(0, 2, { rng: new Rng(1) })).toThrow('OneHotEmbedding: vocabSize must be a positive integer, got 0');
    expect(() => new OneHotEmbedding(3, 2, {} as never)).toThrow('OneHotEmbedding: options.rng (a seeded Rng) is required to draw the weights');
  });
});

describe('RNNCell', () => {
  it('passes the gradient check on random shapes (B = 1, 3), with and without an input projection', () => {
    fc.assert(
      fc.property(size, size, batchSize, fc.boolean(), seed, (m, n, B, projected, s) => {
        const rng = new Rng(s);
        const layer = new RNNCell(m, { rng, std: 0.5, inputSize: projected ? n : undefined });
        layer.b.value.data.set(randn([m], rng).data);
        const x = randn([B, layer.inputSize], rng);
        const h = randn([B, m], rng, 0, 0.5);
        expectPassed(checkBackward(gradcheckTarget(layer, [x, h], { batch: B }), { seed: s }));
      }),
      runs,
    );
  });

  it('computes h = tanh(h_prev Wᵀ + x + b) row by row', () => {
    const layer = new RNNCell(2, { rng: new Rng(1) });
    layer.W.value.data.set([0.1, 0.2, 0.3, 0.4]);
    layer.b.value.data.set([0.01, -0.02]);
    const ctx = layer.createContext(2);
    const [h] = layer.forward(ctx, [tensor([[1, 2], [3, 4]]), tensor([[0.5, -1], [2, 0]])]);
    const expected = [
      Math.tanh(0.1 * 0.5 + 0.2 * -1 + 1 + 0.01),
      Math.tanh(0.3 * 0.5 + 0.4 * -1 + 2 - 0.02),
      Math.tanh(0.1 * 2 + 3 + 0.01),
      Math.tanh(0.3 * 2 + 4 - 0.02),
    ];
    expectClose(h!.toFlatArray(), expected, 1e-15);
  });

  it('skips input gradients nobody asked for', () => {
    const layer = new RNNCell(3, { rng: new Rng(1), inputSize: 2 });
    const ctx = layer.createContext(1, 1, [false, true]);
    expect(ctx.gradInputs[0]).toBeNull();
    expect(ctx.gradInputs[1]!.shape).toEqual([1, 3]);
    layer.forward(ctx, [randn([1, 2], new Rng(2)), randn([1, 3], new Rng(3))]);
    expect(() => layer.backward(ctx, [randn([1, 3], new Rng(4))])).not.toThrow();
  });

  it('sequence contexts give the same gradients as plain contexts, with weight gradients deferred to one gemm', () => {
    const m = 4;
    const B = 3;
    const T = 5;
    const rng = new Rng(9);
    const layer = new RNNCell(m, { rng, std: 0.5, inputSize: 3 });
    const xs = Array.from({ length: T }, () => randn([B, 3], rng));
    const dhs = Array.from({ length: T }, () => randn([B, m], rng));
    const run = (sequence: boolean): Float64Array[] => {
      layer.zeroGrad();
      const ctxs = sequence ? layer.createSequenceContexts(B, T).steps : xs.map(() => layer.createContext(B));
      let h = zeros([B, m]);
      for (let t = 0; t < T; t++) h = layer.forward(ctxs[t]!, [xs[t]!, h])[0]!;
      if (sequence) expect(layer.W.grad.toFlatArray().every((v) => v === 0)).toBe(true);
      for (let t = T - 1; t >= 0; t--) layer.backward(ctxs[t]!, [dhs[t]!]);
      return [layer.W.grad, layer.Wx!.grad, layer.b.grad].map((g) => Float64Array.from(g.data));
    };
    const plain = run(false);
    // The sequence's gradients appear only after accumulateParamGrads().
    layer.zeroGrad();
    const seq = layer.createSequenceContexts(B, T);
    let h = zeros([B, m]);
    for (let t = 0; t < T; t++) h = layer.forward(seq.steps[t]!, [xs[t]!, h])[0]!;
    for (let t = T - 1; t >= 0; t--) layer.backward(seq.steps[t]!, [dhs[t]!]);
    expect(layer.W.grad.toFlatArray().every((v) => v === 0)).toBe(true);
    seq.accumulateParamGrads();
    [layer.W.grad, layer.Wx!.grad, layer.b.grad].forEach((g, i) => expectClose(g.data, plain[i]!));
    // A second flush without a new backward adds nothing.
    seq.accumulateParamGrads();
    [layer.W.grad, layer.Wx!.grad, layer.b.grad].forEach((g, i) => expectClose(g.data, plain[i]!));
  });

  it('a sequence keeps h_{t−1} in place when fed the previous output, and still works when fed other states', () => {
    const m = 3;
    const B = 2;
    const T = 4;
    const rng = new Rng(11);
    const layer = new RNNCell(m, { rng, std: 0.5 });
    const xs = Array.from({ length: T }, () => randn([B, m], rng));
    const dhs = Array.from({ length: T }, () => randn([B, m], rng));
    const foreign = Array.from({ length: T }, () => randn([B, m], rng));
    // feed(t, previous output) picks the h_{t−1} of step t.
    const gradients = (contexts: 'plain' | 'sequence', feed: (t: number, prev: Tensor) => Tensor): Float64Array[] => {
      layer.zeroGrad();
      const seq = contexts === 'sequence' ? layer.createSequenceContexts(B, T) : null;
      const ctxs = seq ? seq.steps : xs.map(() => layer.createContext(B));
      let h = foreign[0]!;
      for (let t = 0; t < T; t++) h = layer.forward(ctxs[t]!, [xs[t]!, feed(t, h)])[0]!;
      for (let t = T - 1; t >= 0; t--) layer.backward(ctxs[t]!, [dhs[t]!]);
      seq?.accumulateParamGrads();
      return [layer.W.grad, layer.b.grad].map((g) => Float64Array.from(g.data));
    };
    const chained = (t: number, prev: Tensor): Tensor => (t === 0 ? foreign[0]! : prev);
    const mixed = (t: number, prev: Tensor): Tensor => (t === 2 ? foreign[2]! : chained(t, prev));
    for (const feed of [chained, mixed]) {
      const plain = gradients('plain', feed);
      gradients('sequence', feed).forEach((g, i) => expectClose(g, plain[i]!));
    }
    // Chained steps: outputs are consecutive rows of H, and step t reads h_{t−1} where step t−1 wrote it.
    const seq = layer.createSequenceContexts(B, T);
    let h = foreign[0]!;
    for (let t = 0; t < T; t++) h = layer.forward(seq.steps[t]!, [xs[t]!, h])[0]!;
    for (let t = 1; t < T; t++) {
      expect(seq.steps[t]!.hPrev.data).toBe(seq.steps[t - 1]!.outputs[0]!.data);
      expect(seq.steps[t]!.hPrev.offset).toBe(seq.steps[t - 1]!.outputs[0]!.offset);
    }
    expect(seq.hidden.h.toFlatArray()).toEqual(seq.steps.flatMap((s) => s.outputs[0]!.toFlatArray()));
    expect(seq.hidden.hPrev.toFlatArray().slice(0, B * m)).toEqual(foreign[0]!.toFlatArray());
  });

  it('rejects mismatched inputs with the shapes', () => {
    const layer = new RNNCell(3, { rng: new Rng(1) });
    const ctx = layer.createContext(2);
    expect(() => layer.forward(ctx, [zeros([2, 3]), zeros([2, 4])])).toThrow("RNNCell: 'h' must be [2,3], got [2,4]");
    expect(() => layer.forward(ctx, [zeros([1, 3]), zeros([2, 3])])).toThrow("RNNCell: 'x' must be [2,3], got [1,3]");
    expect(() => layer.forward(ctx, [zeros([2, 3])])).toThrow('RNNCell: forward takes 2 input(s) (x, h), got 1');
    expect(() => layer.createContext(0)).toThrow('RNNCell: batch must be a positive integer, got 0');
    expect(() => layer.backward(ctx, [zeros([2, 2])])).toThrow("RNNCell (gradient of output): 'h' must be [2,3], got [2,2]");
  });
});

describe('Linear', () => {
  it('passes the gradient check on random shapes (B = 1, 3)', () => {
    fc.assert(
      fc.property(size, size, batchSize, seed, (n, k, B, s) => {
        const rng = new Rng(s);
        const layer = new Linear(n, k, { rng, std: 0.5 });
        layer.b!.value.data.set(randn([k], rng).data);
        expectPassed(checkBackward(gradcheckTarget(layer, [randn([B, n], rng)], { batch: B }), { seed: s }));
      }),
      runs,
    );
  });

  it('computes y = x Wᵀ + b', () => {
    const layer = new Linear(2, 3, { rng: new Rng(1) });
    layer.W.value.data.set([1, 2, 3, 4, 5, 6]);
    layer.b!.value.data.set([0.5, 0, -0.5]);
    const ctx = layer.createContext(1);
    expect(layer.forward(ctx, [tensor([[1, -1]])])[0]!.toArray()).toEqual([[-0.5, -1, -1.5]]);
    const ctx2 = layer.createContext(2);
    expect(layer.forward(ctx2, [tensor([[1, -1], [0, 1]])])[0]!.toArray()).toEqual([[-0.5, -1, -1.5], [2.5, 4, 5.5]]);
  });

  it('uses the names it is given', () => {
    const layer = new Linear(2, 3, { rng: new Rng(1), names: { W: 'V', b: 'c' } });
    expect(layer.parameters().map((p) => p.name)).toEqual(['V', 'c']);
  });
});

describe('Softmax', () => {
  it('passes the gradient check on random shapes (B = 1, 3)', () => {
    fc.assert(
      fc.property(size, batchSize, seed, (n, B, s) => {
        const rng = new Rng(s);
        expectPassed(checkBackward(gradcheckTarget(new Softmax(n), [randn([B, n], rng, 0, 2)], { batch: B }), { seed: s }));
      }),
      runs,
    );
  });

  it('gives rows that sum to 1, also for huge logits', () => {
    const layer = new Softmax(3);
    const ctx = layer.createContext(2);
    const [p] = layer.forward(ctx, [tensor([[1000, 1001, 1002], [-5, 0, 5]])]);
    const rows = p!.toArray() as number[][];
    for (const r of rows) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(rows[0]![2]).toBeGreaterThan(rows[0]![1]!);
  });
});

describe('SoftmaxCrossEntropy', () => {
  it('passes the gradient check on random shapes (B = 1, 3) and stacked steps', () => {
    fc.assert(
      fc.property(size, batchSize, fc.integer({ min: 1, max: 3 }), seed, (K, B, T, s) => {
        const rng = new Rng(s);
        const logits = randn([B * T, K], rng, 0, 2);
        expectPassed(checkBackward(gradcheckTarget(new SoftmaxCrossEntropy(K), [logits, randomIds(B * T, K, rng)], { batch: B, steps: T }), { seed: s }));
      }),
      runs,
    );
  });

  it('is −(1/B) Σ log p[target], summed over stacked steps, with gradient (p − onehot)/B', () => {
    const layer = new SoftmaxCrossEntropy(3);
    const logits = tensor([[1, 2, 3], [0, 0, 0], [3, -1, 2], [0.5, 0.5, 0]]);
    const targets = new Int32Array([2, 0, 1, 2]);
    const ctx = layer.createContext(2, 2); // B = 2, T = 2: four rows, averaged over B = 2
    const [loss] = layer.forward(ctx, [logits, targets]);
    const rows = logits.toArray() as number[][];
    let expected = 0;
    const grad: number[] = [];
    rows.forEach((r, i) => {
      const z = r.reduce((a, v) => a + Math.exp(v), 0);
      expected -= Math.log(Math.exp(r[targets[i]!]!) / z);
      r.forEach((v, j) => grad.push((Math.exp(v) / z - (j === targets[i] ? 1 : 0)) / 2));
    });
    expectClose([loss!.data[0]!], [expected / 2], 1e-15);
    layer.backward(ctx, [fromData([1], [])]);
    expectClose(ctx.gradInputs[0]!.data, grad, 1e-15);
    expect(ctx.gradInputs[1]).toBeNull();
  });

  it('stays finite where a naive softmax then log would give log(0)', () => {
    const layer = new SoftmaxCrossEntropy(2);
    const ctx = layer.createContext(1);
    // p[0] = e^-1000 / (1 + e^-1000) underflows to 0 in float64; log-softmax keeps −log p[0] = 1000.
    const [loss] = layer.forward(ctx, [tensor([[0, 1000]]), new Int32Array([0])]);
    expect(loss!.data[0]).toBe(1000);
  });

  it('keeps the digits of log Σ exp below the largest logit (issue 15.8), on both backends', () => {
    // exact references (mpmath, 50 digits): log 2 = 0.6931471805599453,
    // log(1 + e^-30) = 9.357622968839737e-14, 30 + log(1 + e^-30) = 30.000000000000092
    for (const backend of ['js', 'wasm'] as const) {
      withBackend(backend, (effective) => {
        expect(effective).toBe(backend);
        const layer = new SoftmaxCrossEntropy(2);
        const ctx = layer.createContext(1);
        const loss = (logits: number[], y: number): number => layer.forward(ctx, [tensor([logits]), new Int32Array([y])])[0]!.data[0]!;
        // (max + log Σ) − z_y rounded log 2 away next to 1e16 and gave 0
        expect(loss([1e16, 1e16], 0)).toBe(0.6931471805599453);
        expect(loss([1e16, 1e16], 1)).toBe(0.6931471805599453);
        // the old formula gave 1.14e-13; now to 2 ulps relative (log1p of e^-30, the 1 never added)
        expect(Math.abs(loss([1000, 970], 0) - 9.357622968839737e-14)).toBeLessThanOrEqual(3e-16 * 9.357622968839737e-14);
        expect(Math.abs(loss([970, 1000], 1) - 9.357622968839737e-14)).toBeLessThanOrEqual(3e-16 * 9.357622968839737e-14);
        const calls = wasmKernelCalls();
        expect(loss([1000, 970], 1)).toBeCloseTo(30.000000000000092, 13);
        expect(wasmKernelCalls() - calls).toBe(backend === 'wasm' ? 1 : 0); // the softmax ran where intended
      });
    }
  });

  it('rejects targets outside the classes', () => {
    const layer = new SoftmaxCrossEntropy(3);
    const ctx = layer.createContext(2);
    expect(() => layer.forward(ctx, [zeros([2, 3]), new Int32Array([0, 3])])).toThrow('SoftmaxCrossEntropy: target 3 at row 1 is outside the classes [0, 3)');
  });
});

describe('the gradient check used above', () => {
  it('fails on a deliberately wrong gradient', () => {
    // A Linear whose backward forgets the bias gradient: the checker must notice.
    const rng = new Rng(4);
    const layer = new Linear(3, 2, { rng, std: 0.5 });
    const broken = Object.create(layer) as Linear;
    broken.backward = (ctx, grads) => {
      const before = Float64Array.from(layer.b!.grad.data);
      layer.backward(ctx, grads);
      layer.b!.grad.data.set(before);
    };
    expect(checkBackward(gradcheckTarget(broken, [randn([3, 3], rng)], { batch: 3 })).passed).toBe(false);
    expect(checkBackward(gradcheckTarget(layer, [randn([3, 3], rng)], { batch: 3 })).passed).toBe(true);
  });

  it('Param keeps value and grad of one shape and can be renamed sharing both', () => {
    const p = new Param('W', zeros([2, 3]));
    expect(p.grad.shape).toEqual([2, 3]);
    const q = p.renamed('cell.W');
    expect(q.name).toBe('cell.W');
    expect(q.value).toBe(p.value);
    expect(q.grad).toBe(p.grad);
    expect(p.renamed('W')).toBe(p);
    expect(() => new Param('W', zeros([2, 3]), zeros([3, 2]))).toThrow("Param 'W': grad must be a contiguous float64 Tensor [2,3]");
    expect(() => new Param('', zeros([1]))).toThrow('Param: name must be a non-empty string');
  });
});

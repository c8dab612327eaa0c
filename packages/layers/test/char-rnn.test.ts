/**
 * charRnn against a hand-written reference of the report's equations
 * (char-rnn-reference.ts): loss, every gradient, the carried state and the
 * sampling probabilities, to 1e-12.
 */
import { Rng, randn, zeros, type Tensor } from '@weft/tensor';
import { charRnn, type CharRnnModel } from '@weft/layers';
import { referenceCharRnn, type Weights } from './char-rnn-reference.js';
import { randomIds } from './helpers.js';

const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const weightsOf = (model: CharRnnModel): Weights => {
  const [U, W, V, b, c] = model.parameters();
  return { U: rows(U!.value), W: rows(W!.value), V: rows(V!.value), b: b!.value.toFlatArray(), c: c!.value.toFlatArray() };
};

/** |a − b| ≤ tol · max(1, |a|, |b|) elementwise, with the worst entry in the message. */
function expectClose(actual: ArrayLike<number> | number[][], expected: ArrayLike<number> | number[][], tol = 1e-12): void {
  const a = (Array.isArray(actual) && Array.isArray(actual[0]) ? (actual as number[][]).flat() : Array.from(actual as ArrayLike<number>)) as number[];
  const e = (Array.isArray(expected) && Array.isArray(expected[0]) ? (expected as number[][]).flat() : Array.from(expected as ArrayLike<number>)) as number[];
  expect(a.length).toBe(e.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(a[i]!), Math.abs(e[i]!));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  if (!(worst <= tol)) throw new Error(`mismatch ${worst} at ${at}: ${a[at]} vs ${e[at]}`);
}

function expectGradsMatch(model: CharRnnModel, ref: Weights): void {
  const [U, W, V, b, c] = model.parameters();
  expectClose(U!.grad.toFlatArray(), ref.U.flat());
  expectClose(W!.grad.toFlatArray(), ref.W.flat());
  expectClose(V!.grad.toFlatArray(), ref.V.flat());
  expectClose(b!.grad.toFlatArray(), ref.b);
  expectClose(c!.grad.toFlatArray(), ref.c);
}

describe('charRnn', () => {
  it('has exactly the parameters U [m,K], W [m,m], V [K,m], b [m], c [K], drawn from rng in the order U, W, V', () => {
    const K = 7;
    const m = 4;
    const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(3) });
    const params = model.parameters();
    expect(params.map((p) => p.name)).toEqual(['U', 'W', 'V', 'b', 'c']);
    expect(params.map((p) => p.value.shape)).toEqual([[m, K], [m, m], [K, m], [m], [K]]);
    expect(model.parameters()).toBe(params);
    const rng = new Rng(3);
    const U = randn([m, K], rng, 0, 0.01);
    const W = randn([m, m], rng, 0, 0.01);
    const V = randn([K, m], rng, 0, 0.01);
    expect(params[0]!.value.toFlatArray()).toEqual(U.toFlatArray());
    expect(params[1]!.value.toFlatArray()).toEqual(W.toFlatArray());
    expect(params[2]!.value.toFlatArray()).toEqual(V.toFlatArray());
    expect(params[3]!.value.toFlatArray().every((v) => v === 0)).toBe(true);
    expect(params[4]!.value.toFlatArray().every((v) => v === 0)).toBe(true);
    expect(model.state.shape).toEqual([1, m]);
    expect(model.state.toFlatArray().every((v) => v === 0)).toBe(true);
  });

  describe.each([
    [5, 1, 0.01],
    [8, 1, 0.3],
    [5, 3, 0.3],
    [8, 3, 0.01],
  ])('m = %i, B = %i, std = %f, K = 20, T = 25', (m, B, std) => {
    const K = 20;
    const T = 25;

    it('lossAndGradients matches the reference to 1e-12, and accumulates', () => {
      const dataRng = new Rng(100 + m + B);
      const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(m * 10 + B), batch: B, std });
      const x = randomIds(T * B, K, dataRng);
      const y = randomIds(T * B, K, dataRng);
      const h0 = Array.from({ length: B }, () => new Array<number>(m).fill(0));
      const ref = referenceCharRnn(weightsOf(model), x, y, B, h0);
      model.zeroGrad();
      const loss = model.lossAndGradients(x, y);
      expectClose([loss], [ref.loss]);
      expectGradsMatch(model, ref.grads);
      expectClose(rows(model.state), ref.hT);
      // A second call from h_0 = 0 again adds the same gradients: they accumulate.
      model.resetState();
      model.lossAndGradients(x, y);
      const doubled: Weights = {
        U: ref.grads.U.map((r) => r.map((v) => 2 * v)),
        W: ref.grads.W.map((r) => r.map((v) => 2 * v)),
        V: ref.grads.V.map((r) => r.map((v) => 2 * v)),
        b: ref.grads.b.map((v) => 2 * v),
        c: ref.grads.c.map((v) => 2 * v),
      };
      expectGradsMatch(model, doubled);
    });

    it('carries the state across two consecutive calls (truncated BPTT) like the reference', () => {
      const dataRng = new Rng(7 + m * B);
      const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(5), batch: B, std });
      const x1 = randomIds(T * B, K, dataRng);
      const y1 = randomIds(T * B, K, dataRng);
      const x2 = randomIds(T * B, K, dataRng);
      const y2 = randomIds(T * B, K, dataRng);
      const w = weightsOf(model);
      const first = referenceCharRnn(w, x1, y1, B, Array.from({ length: B }, () => new Array<number>(m).fill(0)));
      const second = referenceCharRnn(w, x2, y2, B, first.hT);
      model.lossAndGradients(x1, y1);
      model.zeroGrad();
      const loss2 = model.lossAndGradients(x2, y2);
      expectClose([loss2], [second.loss]);
      expectGradsMatch(model, second.grads);
      expectClose(rows(model.state), second.hT);
    });

    it('loss() gives the same loss without touching gradients, and advances the state', () => {
      const dataRng = new Rng(11);
      const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(6), batch: B, std });
      const x = randomIds(T * B, K, dataRng);
      const y = randomIds(T * B, K, dataRng);
      const ref = referenceCharRnn(weightsOf(model), x, y, B, Array.from({ length: B }, () => new Array<number>(m).fill(0)));
      model.zeroGrad();
      expectClose([model.loss(x, y)], [ref.loss]);
      for (const p of model.parameters()) expect(p.grad.toFlatArray().every((v) => v === 0)).toBe(true);
      expectClose(rows(model.state), ref.hT);
    });

    it('step() writes the softmax probabilities of the reference and advances the state', () => {
      const dataRng = new Rng(12);
      const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(8), batch: B, std });
      const steps = 4;
      const x = randomIds(steps * B, K, dataRng);
      const ref = referenceCharRnn(weightsOf(model), x, x, B, Array.from({ length: B }, () => new Array<number>(m).fill(0)));
      const probs = zeros([B, K]);
      for (let t = 0; t < steps; t++) {
        expect(model.step(x.subarray(t * B, (t + 1) * B), probs)).toBe(probs);
        expectClose(rows(probs), ref.probs[t]!);
      }
      expectClose(rows(model.state), ref.hT);
    });
  });

  it('withBatch shares the Param objects but has its own state and buffers', () => {
    const K = 9;
    const m = 5;
    const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(1) });
    const wide = model.withBatch(3);
    expect(wide.batch).toBe(3);
    expect(wide.parameters()).toEqual(model.parameters());
    wide.parameters().forEach((p, i) => expect(p).toBe(model.parameters()[i]));
    expect(wide.state.shape).toEqual([3, m]);
    expect(wide.state).not.toBe(model.state);
    // Training through the wide model moves the shared gradients; the narrow model's state is untouched.
    const rng = new Rng(2);
    const x = randomIds(6, K, rng);
    const y = randomIds(6, K, rng);
    model.zeroGrad();
    wide.lossAndGradients(x, y);
    expect(model.parameters()[0]!.grad.toFlatArray().some((v) => v !== 0)).toBe(true);
    expect(model.state.toFlatArray().every((v) => v === 0)).toBe(true);
    expect(wide.state.toFlatArray().some((v) => v !== 0)).toBe(true);
  });

  it('state may be written into and resetState() sets it to 0', () => {
    const model = charRnn({ vocabSize: 6, hidden: 3, rng: new Rng(1), std: 0.5 });
    const ref = referenceCharRnn(weightsOf(model), [1, 2], [2, 3], 1, [[0.5, -0.25, 0.125]]);
    model.state.data.set([0.5, -0.25, 0.125]);
    model.zeroGrad();
    expectClose([model.lossAndGradients(new Int32Array([1, 2]), new Int32Array([2, 3]))], [ref.loss]);
    expectGradsMatch(model, ref.grads);
    model.resetState();
    expect(model.state.toFlatArray()).toEqual([0, 0, 0]);
  });

  it('rejects bad arguments with clear messages', () => {
    expect(() => charRnn({ vocabSize: 0, hidden: 3, rng: new Rng(1) })).toThrow('charRnn: vocabSize must be a positive integer, got 0');
    expect(() => charRnn({ vocabSize: 5, hidden: 2.5, rng: new Rng(1) })).toThrow('charRnn: hidden must be a positive integer, got 2.5');
    const model = charRnn({ vocabSize: 5, hidden: 3, rng: new Rng(1), batch: 2 });
    expect(() => model.lossAndGradients(new Int32Array(4), new Int32Array(6))).toThrow('CharRnnModel.lossAndGradients: inputs has 4 ids but targets has 6');
    expect(() => model.lossAndGradients(new Int32Array(3), new Int32Array(3))).toThrow('CharRnnModel.lossAndGradients: needs T·B ids (a positive multiple of B = 2), got 3');
    expect(() => model.loss(new Int32Array([0, 9]), new Int32Array([0, 1]))).toThrow('OneHotEmbedding: id 9 at row 1 is outside the vocabulary [0, 5)');
    expect(() => model.loss(new Int32Array([0, 1]), new Int32Array([0, -1]))).toThrow('SoftmaxCrossEntropy: target -1 at row 1 is outside the classes [0, 5)');
    expect(() => model.step(new Int32Array(1), zeros([2, 5]))).toThrow('CharRnnModel.step: ids must be an Int32Array of length B = 2, got length 1');
    expect(() => model.step(new Int32Array(2), zeros([2, 4]))).toThrow('CharRnnModel.step: probs must be [2,5], got [2,4]');
  });
});

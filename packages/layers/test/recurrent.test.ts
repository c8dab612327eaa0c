/**
 * Recurrent unrolling (BPTT): the time-batched schedule against the naive
 * per-step unroll (equal to 1e-12), gradient checks of recurrent models at
 * B = 1 and 3, truncated-BPTT state carry, Recurrent as a Layer inside a
 * graph (stacked layers, input and output gradients), nested graphs inlined,
 * buffer reuse and error cases.
 */
import { Rng, randn, zeros } from '@weft/tensor';
import {
  float,
  graph,
  ids,
  Linear,
  gradcheckTarget,
  lossAndGradients,
  OneHotEmbedding,
  Recurrent,
  RNNCell,
  SoftmaxCrossEntropy,
  type Graph,
  type RecurrentContext,
  type Value,
} from '@weft/layers';
import { checkBackward, checkGradients } from '@weft/gradcheck';
import { expectClose, expectPassed, randomIds } from './helpers.js';

const K = 6;
const STD = 0.5;

/** The char-RNN step: embed → cell → out → loss, state h. */
function charStep(m: number, rng: Rng): Graph {
  return graph('char')
    .input('x', ids())
    .input('y', ids())
    .input('h', float(m))
    .node('embed', new OneHotEmbedding(K, m, { rng, std: STD }), { ids: 'x' })
    .node('cell', new RNNCell(m, { rng, std: STD }), { x: 'embed', h: 'h' })
    .node('out', new Linear(m, K, { rng, std: STD }), { x: 'cell' })
    .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
    .output('loss', 'loss')
    .output('h', 'cell')
    .build();
}

/** A skip connection: the embedding (before the loop) also feeds a node after the loop. */
function skipStep(m: number, rng: Rng): Graph {
  return graph('skip')
    .input('x', ids())
    .input('y', ids())
    .input('h', float(m))
    .node('embed', new OneHotEmbedding(K, m, { rng, std: STD }), { ids: 'x' })
    .node('cell', new RNNCell(m, { rng, std: STD }), { x: 'embed', h: 'h' })
    .node('mix', new RNNCell(m, { rng, std: STD }), { x: 'embed', h: 'cell' })
    .node('out', new Linear(m, K, { rng, std: STD }), { x: 'mix' })
    .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
    .output('loss', 'loss')
    .output('h', 'cell')
    .build();
}

/** The output reads the previous state directly (a node in the loop that feeds no state). */
function prevStep(m: number, rng: Rng): Graph {
  return graph('prev')
    .input('x', ids())
    .input('y', ids())
    .input('h', float(m))
    .node('embed', new OneHotEmbedding(K, m, { rng, std: STD }), { ids: 'x' })
    .node('cell', new RNNCell(m, { rng, std: STD }), { x: 'embed', h: 'h' })
    .node('peek', new Linear(m, K, { rng, std: STD }), { x: 'h' })
    .node('loss', new SoftmaxCrossEntropy(K), { logits: 'peek', targets: 'y' })
    .output('loss', 'loss')
    .output('h', 'cell')
    .build();
}

/** Two stacked RNN layers with two states and dense float inputs besides ids. */
function stackedStep(m: number, rng: Rng): Graph {
  const m2 = m + 1;
  return graph('stacked')
    .input('x', ids())
    .input('y', ids())
    .input('h1', float(m))
    .input('h2', float(m2))
    .node('embed', new OneHotEmbedding(K, m, { rng, std: STD }), { ids: 'x' })
    .node('cell1', new RNNCell(m, { rng, std: STD }), { x: 'embed', h: 'h1' })
    .node('cell2', new RNNCell(m2, { rng, std: STD, inputSize: m }), { x: 'cell1', h: 'h2' })
    .node('out', new Linear(m2, K, { rng, std: STD }), { x: 'cell2' })
    .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
    .output('loss', 'loss')
    .output('h1', 'cell1')
    .output('h2', 'cell2')
    .build();
}

const models: [string, (m: number, rng: Rng) => Graph, Record<string, string>][] = [
  ['char-RNN', charStep, { h: 'h' }],
  ['skip connection', skipStep, { h: 'h' }],
  ['output from the previous state', prevStep, { h: 'h' }],
  ['stacked RNN (two states)', stackedStep, { h1: 'h1', h2: 'h2' }],
];

/** Non-zero biases, so that the bias paths are exercised. */
function randomizeBiases(step: Graph, rng: Rng): void {
  for (const p of step.parameters()) if (p.value.shape.length === 1) p.value.data.set(randn(p.value.shape, rng, 0, 0.3).data);
}


/** The loss of one call with gradients; `feed` holds x and y. */
function train(r: Recurrent, ctx: RecurrentContext, feed: { x: Int32Array; y: Int32Array }): number {
  return lossAndGradients(r, ctx, feed);
}

/** The loss of one forward without gradients. */
function lossOf(r: Recurrent, ctx: RecurrentContext, feed: { x: Int32Array; y: Int32Array }): number {
  const out = r.forward(ctx, [feed.x, feed.y])[0]!;
  return out.data[out.offset]!;
}

describe('Recurrent', () => {
  it('runs only the recurrence step by step: the char-RNN schedule', () => {
    const r = new Recurrent(charStep(3, new Rng(1)), { state: { h: 'h' } });
    expect(r.phases).toEqual({ embed: 'before', cell: 'loop', out: 'after', loss: 'after' });
    expect(new Recurrent(skipStep(3, new Rng(1)), { state: { h: 'h' } }).phases).toEqual({ embed: 'before', cell: 'loop', mix: 'after', out: 'after', loss: 'after' });
    expect(new Recurrent(prevStep(3, new Rng(1)), { state: { h: 'h' } }).phases).toEqual({ embed: 'before', cell: 'loop', peek: 'loop', loss: 'after' });
    expect(new Recurrent(charStep(3, new Rng(1)), { state: { h: 'h' }, batchOverTime: false }).phases).toEqual({ embed: 'loop', cell: 'loop', out: 'loop', loss: 'loop' });
  });

  it('is a Layer: sequence inputs [T·B], every step output stacked [T·B, n] or summed', () => {
    const r = new Recurrent(charStep(3, new Rng(1)), { state: { h: 'h' } });
    expect(r.inputs.map((p) => `${p.name}:${p.kind}`)).toEqual(['x:ids', 'y:ids']);
    expect(r.outputs.map((p) => `${p.name}:${p.kind}`)).toEqual(['loss:scalar', 'h:float']);
    const ctx = r.createContext(2, 5);
    const [loss, h] = r.forward(ctx, [new Int32Array(10), new Int32Array(10)]);
    expect(loss!.shape).toEqual([]);
    expect(h!.shape).toEqual([10, 3]);
    // h's last row block is the carried state.
    expectClose(h!.data.subarray(h!.offset + 8 * 3, h!.offset + 10 * 3), ctx.state('h').data);
  });

  describe.each(models)('%s', (_name, build, state) => {
    it.each([1, 3])('time-batched and naive unrolls agree to 1e-12 over two calls (state carried), B = %i', (B) => {
      const m = 4;
      const rng = new Rng(42);
      const step = build(m, rng);
      randomizeBiases(step, rng);
      const fast = new Recurrent(step, { state });
      const naive = new Recurrent(step, { state, batchOverTime: false });
      const T = 7;
      const fc = fast.createContext(B, T);
      const nc = naive.createContext(B, T);
      for (let call = 0; call < 2; call++) {
        const feed = { x: randomIds(T * B, K, rng), y: randomIds(T * B, K, rng) };
        step.zeroGrad();
        const lossFast = train(fast, fc, feed);
        const gradsFast = step.parameters().map((p) => Float64Array.from(p.grad.data));
        step.zeroGrad();
        const lossNaive = train(naive, nc, feed);
        expect(Number.isFinite(lossFast)).toBe(true);
        expectClose([lossFast], [lossNaive]);
        step.parameters().forEach((p, i) => expectClose(gradsFast[i]!, p.grad.data));
        for (const name of fast.stateNames) {
          expectClose(fc.state(name).data, nc.state(name).data);
          expect(fc.state(name).toFlatArray().some((v) => v !== 0)).toBe(true);
        }
        fc.outputs.forEach((o, k) => expectClose(o.toFlatArray(), nc.outputs[k]!.toFlatArray()));
      }
    });

    it.each([1, 3])('passes the gradient check (BPTT over T = 5), B = %i', (B) => {
      const m = 3;
      const rng = new Rng(7 + B);
      const step = build(m, rng);
      randomizeBiases(step, rng);
      const r = new Recurrent(step, { state });
      const ctx = r.createContext(B, 5);
      const feed = { x: randomIds(5 * B, K, rng), y: randomIds(5 * B, K, rng) };
      // A non-zero initial state, restored inside so the loss is a pure function of the parameters.
      const h0 = r.stateNames.map((n) => randn(ctx.state(n).shape, rng, 0, 0.5));
      const report = checkGradients(
        [...step.parameters()],
        () => {
          r.stateNames.forEach((n, i) => ctx.state(n).data.set(h0[i]!.data));
          return train(r, ctx, feed);
        },
        { seed: B },
      );
      expectPassed(report);
    });

    it('passes the layer gradient check with gradients on every output (losses and stacked states), B = 2', () => {
      const rng = new Rng(12);
      const step = build(3, rng);
      randomizeBiases(step, rng);
      const r = new Recurrent(step, { state, carryState: false });
      expectPassed(checkBackward(gradcheckTarget(r, [randomIds(8, K, rng), randomIds(8, K, rng)], { batch: 2, steps: 4 }), { seed: 3 }));
    });
  });

  it('carries the state between calls: two calls of T equal one call of 2T in loss, and in state', () => {
    const rng = new Rng(3);
    const step = charStep(4, rng);
    const r = new Recurrent(step, { state: { h: 'h' } });
    const a = r.createContext(2, 10);
    const b = r.createContext(2, 5);
    const x = randomIds(2 * 10, K, rng);
    const y = randomIds(2 * 10, K, rng);
    const whole = lossOf(r, a, { x, y });
    const first = lossOf(r, b, { x: x.subarray(0, 10), y: y.subarray(0, 10) });
    const second = lossOf(r, b, { x: x.subarray(10), y: y.subarray(10) });
    expectClose([first + second], [whole]);
    expectClose(b.state('h').data, a.state('h').data);
    b.resetState();
    expect(b.state('h').toFlatArray().every((v) => v === 0)).toBe(true);
    expectClose([lossOf(r, b, { x: x.subarray(0, 10), y: y.subarray(0, 10) })], [first]);
    // carryState: false starts every call from zero state.
    const fresh = new Recurrent(step, { state: { h: 'h' }, carryState: false });
    const c = fresh.createContext(2, 5);
    lossOf(fresh, c, { x: x.subarray(0, 10), y: y.subarray(0, 10) });
    expectClose([lossOf(fresh, c, { x: x.subarray(0, 10), y: y.subarray(0, 10) })], [first]);
  });

  it('truncates BPTT at the call boundary: the gradient of call 2 does not reach into call 1', () => {
    const rng = new Rng(8);
    const step = charStep(3, rng);
    const r = new Recurrent(step, { state: { h: 'h' } });
    const ctx = r.createContext(1, 4);
    const x = randomIds(8, K, rng);
    const y = randomIds(8, K, rng);
    lossOf(r, ctx, { x: x.subarray(0, 4), y: y.subarray(0, 4) });
    const carried = Float64Array.from(ctx.state('h').data);
    step.zeroGrad();
    train(r, ctx, { x: x.subarray(4), y: y.subarray(4) });
    const grads = step.parameters().map((p) => Float64Array.from(p.grad.data));
    // The same second call, started from the carried state as a constant.
    const fresh = r.createContext(1, 4);
    fresh.state('h').data.set(carried);
    step.zeroGrad();
    train(r, fresh, { x: x.subarray(4), y: y.subarray(4) });
    step.parameters().forEach((p, i) => expectClose(grads[i]!, p.grad.data, 0));
  });

  it('takes dense float sequence inputs [T·B, n] and returns their gradient', () => {
    const rng = new Rng(4);
    const m = 3;
    const step = graph('dense')
      .input('u', float(2))
      .input('y', ids())
      .input('h', float(m))
      .node('cell', new RNNCell(m, { rng, std: STD, inputSize: 2 }), { x: 'u', h: 'h' })
      .node('out', new Linear(m, K, { rng, std: STD }), { x: 'cell' })
      .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
      .output('loss', 'loss')
      .output('h', 'cell')
      .build();
    const r = new Recurrent(step, { state: { h: 'h' }, carryState: false });
    expect(r.phases).toEqual({ cell: 'loop', out: 'after', loss: 'after' });
    const ctx = r.createContext(3, 4);
    expect(ctx.gradInputs.map((g) => g?.shape ?? null)).toEqual([[12, 2], null]);
    expectPassed(checkBackward(gradcheckTarget(r, [randn([12, 2], rng), randomIds(12, K, rng)], { batch: 3, steps: 4 })));
  });

  it('inlines nested graphs: the input projection of a nested cell runs before the loop', () => {
    const rng = new Rng(9);
    const m = 3;
    // A cell as a graph: a projection of x (state-independent) and an RNN step.
    const cell = graph('cell')
      .input('x', float(2))
      .input('h', float(m))
      .node('proj', new Linear(2, m, { rng, std: STD, names: { W: 'weight_ih', b: 'bias_ih' } }), { x: 'x' }, { prefix: '' })
      .node('core', new RNNCell(m, { rng, std: STD, names: { W: 'weight_hh', b: 'bias_hh' } }), { x: 'proj', h: 'h' }, { prefix: '' })
      .output('h', 'core')
      .build();
    const step = graph('nested')
      .input('u', float(2))
      .input('y', ids())
      .input('h', float(m))
      .node('l0', cell, { x: 'u', h: 'h' })
      .node('out', new Linear(m, K, { rng, std: STD }), { x: 'l0' })
      .node('loss', new SoftmaxCrossEntropy(K), { logits: 'out', targets: 'y' })
      .output('loss', 'loss')
      .output('h', 'l0')
      .build();
    const r = new Recurrent(step, { state: { h: 'h' }, carryState: false });
    expect(r.phases).toEqual({ 'l0/proj': 'before', 'l0/core': 'loop', out: 'after', loss: 'after' });
    expect(r.parameters().map((p) => p.name)).toEqual(['l0.weight_ih', 'l0.bias_ih', 'l0.weight_hh', 'l0.bias_hh', 'out.W', 'out.b']);
    const naive = new Recurrent(step, { state: { h: 'h' }, carryState: false, batchOverTime: false });
    const u = randn([10, 2], rng);
    const y = randomIds(10, K, rng);
    step.zeroGrad();
    const a = lossAndGradients(r, r.createContext(2, 5), [u, y]);
    const grads = step.parameters().map((p) => Float64Array.from(p.grad.data));
    step.zeroGrad();
    const b = lossAndGradients(naive, naive.createContext(2, 5), [u, y]);
    expectClose([a], [b]);
    step.parameters().forEach((p, i) => expectClose(grads[i]!, p.grad.data));
    expectPassed(checkBackward(gradcheckTarget(r, [u, y], { batch: 2, steps: 5 })));
  });

  it('is a node of a graph: two stacked Recurrent layers pass the gradient check, with input gradients', () => {
    const rng = new Rng(10);
    const m1 = 3;
    const m2 = 4;
    const lower = new Recurrent(
      graph('lower')
        .input('x', ids())
        .input('h', float(m1))
        .node('embed', new OneHotEmbedding(K, m1, { rng, std: STD }), { ids: 'x' })
        .node('cell', new RNNCell(m1, { rng, std: STD }), { x: 'embed', h: 'h' })
        .output('h', 'cell')
        .build(),
      { state: { h: 'h' }, carryState: false },
    );
    const upper = new Recurrent(
      graph('upper')
        .input('x', float(m1))
        .input('h', float(m2))
        .node('cell', new RNNCell(m2, { rng, std: STD, inputSize: m1 }), { x: 'x', h: 'h' })
        .output('h', 'cell')
        .build(),
      { state: { h: 'h' }, carryState: false },
    );
    expect(upper.phases).toEqual({ cell: 'loop' });
    const model = graph('stacked')
      .input('x', ids())
      .input('y', ids())
      .node('lower', lower, { x: 'x' })
      .node('upper', upper, { x: 'lower' })
      .node('head', new Linear(m2, K, { rng, std: STD }), { x: 'upper' })
      .node('loss', new SoftmaxCrossEntropy(K), { logits: 'head', targets: 'y' })
      .output('loss', 'loss')
      .build();
    randomizeBiases(model, rng);
    const B = 3;
    const T = 4;
    // The graph hands each node a (B, T) context: recurrent nodes unroll T steps of B samples.
    const ctx = model.createContext(B, T);
    const x = randomIds(T * B, K, rng);
    const y = randomIds(T * B, K, rng);
    expectPassed(checkGradients([...model.parameters()], () => lossAndGradients(model, ctx, [x, y]), { stencil: 'five-point' }));
    // The upper layer alone, with the gradient of its float sequence input checked too.
    expectPassed(checkBackward(gradcheckTarget(upper, [randn([T * B, m1], rng)], { batch: B, steps: T })));
  });

  describe('buffers', () => {
    it('are allocated once per context and reused: the same objects on every call', () => {
      const rng = new Rng(5);
      const step = charStep(4, rng);
      const r = new Recurrent(step, { state: { h: 'h' } });
      const feed = (T: number) => ({ x: randomIds(T, K, rng), y: randomIds(T, K, rng) });
      const ctx = r.createContext(1, 25);
      train(r, ctx, feed(25));
      const outputs = ctx.outputs.slice();
      const state = ctx.state('h');
      const u = ctx.unrolling;
      for (let i = 0; i < 3; i++) train(r, ctx, feed(25));
      ctx.outputs.forEach((o, k) => expect(o).toBe(outputs[k]));
      expect(ctx.state('h')).toBe(state);
      expect(ctx.unrolling).toBe(u);
    });
  });

  describe('errors', () => {
    const rng = new Rng(6);
    it('rejects bad state edges at construction', () => {
      const step = charStep(3, rng);
      expect(() => new Recurrent(step, { state: {} })).toThrow("Recurrent: options.state must map at least one state input to the output that feeds it, e.g. { h: 'h' }");
      expect(() => new Recurrent(step, { state: { hx: 'h' } })).toThrow("Recurrent: state input 'hx' is not an input of char (inputs: x, y, h)");
      expect(() => new Recurrent(step, { state: { h: 'hh' } })).toThrow("Recurrent: state 'h' comes from 'hh', which is not an output of char (outputs: loss, h)");
      expect(() => new Recurrent(step, { state: { h: 'loss' } })).toThrow("Recurrent: state 'h' ← 'loss': output 'loss' is scalar [] but input 'h' is float [B,3]");
      expect(() => new Recurrent(step, { state: { h: 'h' } }).createContext(0, 3)).toThrow('Recurrent: batch must be a positive integer, got 0');
      const constant = graph('constant')
        .input('x', ids())
        .input('h', float(3))
        .node('embed', new OneHotEmbedding(K, 3, { rng }), { ids: 'x' })
        .output('h', 'embed')
        .build();
      expect(() => new Recurrent(constant, { state: { h: 'h' } })).toThrow("Recurrent: state output 'h' does not depend on any state input, so nothing recurs through it");
    });

    it('rejects bad sequence inputs at forward, backward without a forward, and unknown states', () => {
      const r = new Recurrent(charStep(3, rng), { state: { h: 'h' } });
      const ctx = r.createContext(2, 2);
      expect(() => r.backward(ctx, [zeros([]), null])).toThrow('Recurrent: backward() needs a forward() on this context first (and runs once per forward)');
      expect(() => r.forward(ctx, [new Int32Array(4)])).toThrow('Recurrent: forward takes 2 input(s) (x, y), got 1');
      expect(() => r.forward(ctx, [new Int32Array(3), new Int32Array(4)])).toThrow("Recurrent: input 'x' needs 4 token ids (one per row) but got 3");
      expect(() => r.forward(ctx, [zeros([4, 1]) as Value, new Int32Array(4)])).toThrow("Recurrent: input 'x' takes token ids as an Int32Array of length 4, got a Tensor [4,1]");
      expect(() => lossAndGradients(r, ctx, { x: new Int32Array(4), y: new Int32Array(4), h: zeros([2, 3]) })).toThrow("lossAndGradients: 'h' is not an input (inputs: x, y)");
      lossAndGradients(r, ctx, { x: new Int32Array(4), y: new Int32Array(4) });
      expect(() => r.backward(ctx, [zeros([]), null])).toThrow('Recurrent: backward() needs a forward() on this context first (and runs once per forward)');
      expect(() => ctx.state('c')).toThrow("Recurrent: no state 'c' (states: h)");
    });
  });
});

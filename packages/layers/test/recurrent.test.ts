/**
 * Recurrent unrolling (BPTT): the time-batched schedule against the naive
 * per-step unroll (equal to 1e-12), gradient checks of recurrent models at
 * B = 1 and 3, truncated-BPTT state carry, buffer reuse and error cases.
 */
import { Rng, randn, zeros } from '@weft/tensor';
import {
  float,
  graph,
  ids,
  Linear,
  OneHotEmbedding,
  Recurrent,
  RNNCell,
  SoftmaxCrossEntropy,
  type Graph,
} from '@weft/layers';
import { checkGradients } from '@weft/gradcheck';
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

describe('Recurrent', () => {
  it('runs only the recurrence step by step: the char-RNN schedule', () => {
    const r = new Recurrent(charStep(3, new Rng(1)), { state: { h: 'h' } });
    expect(r.phases).toEqual({ embed: 'before', cell: 'loop', out: 'after', loss: 'after' });
    expect(new Recurrent(skipStep(3, new Rng(1)), { state: { h: 'h' } }).phases).toEqual({ embed: 'before', cell: 'loop', mix: 'after', out: 'after', loss: 'after' });
    expect(new Recurrent(prevStep(3, new Rng(1)), { state: { h: 'h' } }).phases).toEqual({ embed: 'before', cell: 'loop', peek: 'loop', loss: 'after' });
    expect(new Recurrent(charStep(3, new Rng(1)), { state: { h: 'h' }, batchOverTime: false }).phases).toEqual({ embed: 'loop', cell: 'loop', out: 'loop', loss: 'loop' });
  });

  describe.each(models)('%s', (_name, build, state) => {
    it.each([1, 3])('time-batched and naive unrolls agree to 1e-12 over two calls (state carried), B = %i', (B) => {
      const m = 4;
      const rng = new Rng(42);
      const step = build(m, rng);
      randomizeBiases(step, rng);
      const fast = new Recurrent(step, { state, batch: B });
      const naive = new Recurrent(step, { state, batch: B, batchOverTime: false });
      const T = 7;
      for (let call = 0; call < 2; call++) {
        const feed = { x: randomIds(T * B, K, rng), y: randomIds(T * B, K, rng) };
        step.zeroGrad();
        const lossFast = fast.lossAndGradients(feed);
        const gradsFast = step.parameters().map((p) => Float64Array.from(p.grad.data));
        step.zeroGrad();
        const lossNaive = naive.lossAndGradients(feed);
        expect(Number.isFinite(lossFast)).toBe(true);
        expectClose([lossFast], [lossNaive]);
        step.parameters().forEach((p, i) => expectClose(gradsFast[i]!, p.grad.data));
        for (const name of fast.stateNames) {
          expectClose(fast.state(name).data, naive.state(name).data);
          expect(fast.state(name).toFlatArray().some((v) => v !== 0)).toBe(true);
        }
        for (const name of fast.stateNames) expectClose(fast.output(name).data, naive.output(name).data);
      }
    });

    it.each([1, 3])('passes the gradient check (BPTT over T = 5), B = %i', (B) => {
      const m = 3;
      const rng = new Rng(7 + B);
      const step = build(m, rng);
      randomizeBiases(step, rng);
      const r = new Recurrent(step, { state, batch: B });
      const feed = { x: randomIds(5 * B, K, rng), y: randomIds(5 * B, K, rng) };
      // A non-zero initial state, restored inside so the loss is a pure function of the parameters.
      const h0 = r.stateNames.map((n) => randn(r.state(n).shape, rng, 0, 0.5));
      const report = checkGradients(
        [...step.parameters()],
        () => {
          r.stateNames.forEach((n, i) => r.state(n).data.set(h0[i]!.data));
          return r.lossAndGradients(feed);
        },
        { seed: B },
      );
      expectPassed(report);
    });
  });

  it('carries the state between calls: two calls of T equal one call of 2T in loss, and in state', () => {
    const rng = new Rng(3);
    const step = charStep(4, rng);
    const a = new Recurrent(step, { state: { h: 'h' }, batch: 2 });
    const b = new Recurrent(step, { state: { h: 'h' }, batch: 2 });
    const x = randomIds(2 * 10, K, rng);
    const y = randomIds(2 * 10, K, rng);
    const whole = a.forward({ x, y });
    const first = b.forward({ x: x.subarray(0, 10), y: y.subarray(0, 10) });
    const second = b.forward({ x: x.subarray(10), y: y.subarray(10) });
    expectClose([first + second], [whole]);
    expectClose(b.state('h').data, a.state('h').data);
    b.resetState();
    expect(b.state('h').toFlatArray().every((v) => v === 0)).toBe(true);
    expectClose([b.forward({ x: x.subarray(0, 10), y: y.subarray(0, 10) })], [first]);
  });

  it('truncates BPTT at the call boundary: the gradient of call 2 does not reach into call 1', () => {
    const rng = new Rng(8);
    const step = charStep(3, rng);
    const r = new Recurrent(step, { state: { h: 'h' } });
    const x = randomIds(8, K, rng);
    const y = randomIds(8, K, rng);
    r.forward({ x: x.subarray(0, 4), y: y.subarray(0, 4) });
    const carried = Float64Array.from(r.state('h').data);
    step.zeroGrad();
    r.lossAndGradients({ x: x.subarray(4), y: y.subarray(4) });
    const grads = step.parameters().map((p) => Float64Array.from(p.grad.data));
    // The same second call, started from the carried state as a constant.
    const fresh = new Recurrent(step, { state: { h: 'h' } });
    fresh.state('h').data.set(carried);
    step.zeroGrad();
    fresh.lossAndGradients({ x: x.subarray(4), y: y.subarray(4) });
    step.parameters().forEach((p, i) => expectClose(grads[i]!, p.grad.data, 0));
  });

  it('takes dense float sequence inputs [T·B, n] as well as ids', () => {
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
    const r = new Recurrent(step, { state: { h: 'h' }, batch: 3 });
    expect(r.phases).toEqual({ cell: 'loop', out: 'after', loss: 'after' });
    const feed = { u: randn([12, 2], rng), y: randomIds(12, K, rng) };
    expectPassed(checkGradients([...step.parameters()], () => (r.resetState(), r.lossAndGradients(feed))));
    expect(r.steps).toBe(4);
    expect(r.output('h').shape).toEqual([12, m]);
  });

  describe('buffers', () => {
    it('are allocated once per T and reused: the same objects on every call with that T', () => {
      const rng = new Rng(5);
      const step = charStep(4, rng);
      const r = new Recurrent(step, { state: { h: 'h' } });
      const feed = (T: number) => ({ x: randomIds(T, K, rng), y: randomIds(T, K, rng) });
      r.lossAndGradients(feed(25));
      const u25 = r.unrollingFor(25)!;
      const contexts = u25.loop.steps.slice();
      const buffers = [...u25.sequences, ...u25.initialStates, ...u25.loopStacks, ...u25.before!.outputs, ...u25.after!.outputs];
      const hStack = r.output('h');
      for (let i = 0; i < 3; i++) r.lossAndGradients(feed(25));
      expect(r.unrollingFor(25)).toBe(u25);
      expect(u25.loop.steps).toEqual(contexts);
      u25.loop.steps.forEach((c, t) => expect(c).toBe(contexts[t]));
      [...u25.sequences, ...u25.initialStates, ...u25.loopStacks, ...u25.before!.outputs, ...u25.after!.outputs].forEach((b, i) => expect(b).toBe(buffers[i]));
      expect(r.output('h')).toBe(hStack);
      // A longer T gets its own buffers once; going back to T = 25 reuses the first set.
      r.lossAndGradients(feed(40));
      const u40 = r.unrollingFor(40)!;
      expect(u40).not.toBe(u25);
      expect(u40.loop.steps.length).toBe(40);
      r.lossAndGradients(feed(25));
      r.lossAndGradients(feed(40));
      expect(r.unrollingFor(25)).toBe(u25);
      expect(r.unrollingFor(40)).toBe(u40);
      // The time-independent part really ran on all T·B rows at once.
      expect(u40.after!.rows).toBe(40);
      expect(u40.before!.outputs[0]!.shape).toEqual([40, 4]);
    });
  });

  describe('errors', () => {
    const rng = new Rng(6);
    it('rejects bad state edges and losses at construction', () => {
      const step = charStep(3, rng);
      expect(() => new Recurrent(step, { state: {} })).toThrow("Recurrent: options.state must map at least one state input to the output that feeds it, e.g. { h: 'h' }");
      expect(() => new Recurrent(step, { state: { hx: 'h' } })).toThrow("Recurrent: state input 'hx' is not an input of char (inputs: x, y, h)");
      expect(() => new Recurrent(step, { state: { h: 'hh' } })).toThrow("Recurrent: state 'h' comes from 'hh', which is not an output of char (outputs: loss, h)");
      expect(() => new Recurrent(step, { state: { h: 'loss' } })).toThrow("Recurrent: state 'h' ← 'loss': output 'loss' is scalar [] but input 'h' is float [B,3]");
      expect(() => new Recurrent(step, { state: { h: 'h' }, loss: 'h' })).toThrow("Recurrent: loss 'h' must be a scalar output of char (outputs: loss: scalar [], h: float [B,3])");
      expect(() => new Recurrent(step, { state: { h: 'h' }, batch: 0 })).toThrow('Recurrent: batch must be a positive integer, got 0');
      const constant = graph('constant')
        .input('x', ids())
        .input('h', float(3))
        .node('embed', new OneHotEmbedding(K, 3, { rng }), { ids: 'x' })
        .output('h', 'embed')
        .build();
      expect(() => new Recurrent(constant, { state: { h: 'h' } })).toThrow("Recurrent: state output 'h' does not depend on any state input, so nothing recurs through it");
    });

    it('rejects bad sequence inputs at forward, and backward without a forward', () => {
      const r = new Recurrent(charStep(3, rng), { state: { h: 'h' }, batch: 2 });
      expect(() => r.backward()).toThrow('Recurrent: backward() needs a forward() first');
      expect(() => r.forward({ x: new Int32Array(4) } as never)).toThrow("Recurrent: missing sequence input 'y' (expected x, y)");
      expect(() => r.forward({ x: new Int32Array(3), y: new Int32Array(3) })).toThrow("Recurrent: sequence input 'x' needs T·B rows (a positive multiple of B = 2), got 3 ids");
      expect(() => r.forward({ x: new Int32Array(4), y: new Int32Array(6) })).toThrow("Recurrent: sequence inputs disagree on T: 'x' has 2 steps but 'y' has 3 (B = 2)");
      expect(() => r.forward({ x: new Int32Array(4), y: new Int32Array(4), h: zeros([2, 3]) } as never)).toThrow(
        "Recurrent: 'h' is not a sequence input of char (sequence inputs: x, y; states are carried, not passed)",
      );
      expect(() => r.forward({ x: zeros([4, 1]) as never, y: new Int32Array(4) })).toThrow("Recurrent: input 'x' takes token ids as an Int32Array of length 4, got a Tensor [4,1]");
      r.lossAndGradients({ x: new Int32Array(4), y: new Int32Array(4) });
      expect(() => r.backward()).toThrow('Recurrent: backward() already ran for the last forward(); run forward() again');
      expect(() => r.state('c')).toThrow("Recurrent: no state 'c' (states: h)");
      expect(() => r.output('p')).toThrow("Recurrent: no output 'p' (outputs: loss, h)");
    });
  });
});

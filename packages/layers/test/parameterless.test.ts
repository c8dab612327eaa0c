/**
 * The parameterless layers (Add, Mul, Sigmoid, Tanh, ReLU, ScaleShift,
 * OneMinus, Concat, Split, Dropout) and Linear without a bias: input and
 * parameter gradients against numerical ones (central and five-point, float64,
 * B = 1 and 3, stacked steps), their values, rows independence, propagateDown
 * and error messages.
 */
import fc from 'fast-check';
import { axpy, copy, randn, Rng, tensor, zeros, type Tensor } from '@weft/tensor';
import {
  Add,
  Concat,
  Dropout,
  gradcheckTarget,
  graph,
  float,
  Linear,
  Mul,
  OneMinus,
  ReLU,
  ScaleShift,
  Sigmoid,
  Split,
  Tanh,
  type Layer,
  type Value,
} from '@weft/layers';
import { checkBackward, type BackwardTarget, type GradcheckReport } from '@weft/gradcheck';
import { expectClose, expectPassed } from './helpers.js';

const size = fc.integer({ min: 1, max: 5 });
const batchSize = fc.constantFrom(1, 3);
const stepCount = fc.constantFrom(1, 2);
const seed = fc.integer({ min: 0, max: 1e6 });
const runs = { numRuns: 8 };

/** Passes with central differences and with the five-point stencil. */
function expectBothStencils(makeTarget: () => BackwardTarget, seedValue: number): GradcheckReport {
  expectPassed(checkBackward(makeTarget(), { seed: seedValue }));
  const report = checkBackward(makeTarget(), { seed: seedValue, stencil: 'five-point' });
  expectPassed(report);
  return report;
}

/** Random `[rows, n]` inputs, one per size. */
function randomInputs(sizes: readonly number[], rows: number, rng: Rng, std = 1): Tensor[] {
  return sizes.map((n) => randn([rows, n], rng, 0, std));
}

/**
 * A context of (batch, steps) gives what `steps` contexts of `batch` rows give,
 * forward and backward (`reset` runs before each pass, e.g. to replay dropout masks).
 */
function expectRowsIndependent(layer: Layer, inputs: Tensor[], batch: number, steps: number, rng: Rng, reset = (): void => {}): void {
  const rows = batch * steps;
  const grads = layer.outputs.map((p) => randn([rows, p.size], rng));
  const block = (t: Tensor, s: number): Tensor => {
    const n = t.shape[1]!;
    return copy(zeros([batch, n]), tensor((t.toArray() as number[][]).slice(s * batch, (s + 1) * batch)));
  };
  reset();
  const whole = layer.createContext(batch, steps);
  const outs = layer.forward(whole, inputs).map((o) => o.toFlatArray());
  layer.backward(whole, grads);
  const dx = whole.gradInputs.map((g) => g!.toFlatArray());
  reset();
  const stepOuts: number[][] = layer.outputs.map(() => []);
  const stepDx: number[][] = layer.inputs.map(() => []);
  for (let s = 0; s < steps; s++) {
    const ctx = layer.createContext(batch);
    layer.forward(ctx, inputs.map((x) => block(x, s))).forEach((o, k) => stepOuts[k]!.push(...o.toFlatArray()));
    layer.backward(ctx, grads.map((g) => block(g, s)));
    ctx.gradInputs.forEach((g, i) => stepDx[i]!.push(...g!.toFlatArray()));
  }
  outs.forEach((o, k) => expect(o).toEqual(stepOuts[k]));
  dx.forEach((g, i) => expect(g).toEqual(stepDx[i]));
}

describe.each([
  ['Add', (n: number) => new Add(n), 2],
  ['Add (arity 3)', (n: number) => new Add(n, 3), 3],
  ['Mul', (n: number) => new Mul(n), 2],
  ['Sigmoid', (n: number) => new Sigmoid(n), 1],
  ['Tanh', (n: number) => new Tanh(n), 1],
  ['ScaleShift', (n: number) => new ScaleShift(n, -2.5, 0.75), 1],
  ['OneMinus', (n: number) => new OneMinus(n), 1],
] as const)('%s', (_, make, arity) => {
  it('passes the gradient check on random shapes (B = 1, 3; steps 1, 2; central and five-point)', () => {
    fc.assert(
      fc.property(size, batchSize, stepCount, seed, (n, B, T, s) => {
        const rng = new Rng(s);
        const layer = make(n);
        const inputs = randomInputs(Array(arity).fill(n), B * T, rng, 2);
        const report = expectBothStencils(() => gradcheckTarget(layer, inputs, { batch: B, steps: T }), s);
        expect(report.params.map((p) => p.name)).toEqual(layer.inputs.map((p) => `input:${p.name}`));
      }),
      runs,
    );
  });

  it('a context of (batch 2, steps 3) equals three calls of batch 2', () => {
    const rng = new Rng(5);
    expectRowsIndependent(make(4), randomInputs(Array(arity).fill(4), 6, rng), 2, 3, rng);
  });
});

describe('ReLU', () => {
  it('passes the gradient check on random shapes away from the kink at 0', () => {
    fc.assert(
      fc.property(size, batchSize, stepCount, seed, (n, B, T, s) => {
        const rng = new Rng(s);
        const x = randn([B * T, n], rng);
        // |x| ≥ 0.1: a finite difference across 0 would measure the kink, not the gradient.
        for (let i = 0; i < x.size; i++) x.data[i] = Math.sign(x.data[i]!) * (0.1 + Math.abs(x.data[i]!));
        expectBothStencils(() => gradcheckTarget(new ReLU(n), [x], { batch: B, steps: T }), s);
      }),
      runs,
    );
  });

  it('computes max(x, 0) with gradient 0 at and below 0, and its rows are independent', () => {
    const layer = new ReLU(3);
    const ctx = layer.createContext(1);
    expect(layer.forward(ctx, [tensor([[-1, 0, 2]])])[0]!.toArray()).toEqual([[0, 0, 2]]);
    layer.backward(ctx, [tensor([[5, 6, 7]])]);
    expect(ctx.gradInputs[0]!.toArray()).toEqual([[0, 0, 7]]);
    const rng = new Rng(3);
    expectRowsIndependent(layer, [randn([6, 3], rng)], 2, 3, rng);
  });
});

describe('the elementwise formulas', () => {
  const a = tensor([[1, -2], [0.5, 3]]);
  const b = tensor([[4, 5], [-1, 2]]);
  const c = tensor([[10, 20], [30, 40]]);
  const dy = tensor([[1, 2], [3, 4]]);
  const run = (layer: Layer, inputs: Tensor[]) => {
    const ctx = layer.createContext(2);
    const y = layer.forward(ctx, inputs)[0]!.toArray();
    layer.backward(ctx, [dy]);
    return { y, dx: ctx.gradInputs.map((g) => g!.toArray()) };
  };

  it('Add: y = a + b + c, every input gradient is dy', () => {
    expect(run(new Add(2, 3), [a, b, c])).toEqual({ y: [[15, 23], [29.5, 45]], dx: [dy.toArray(), dy.toArray(), dy.toArray()] });
    expect(new Add(2, 4).inputs.map((p) => p.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(new Add(2).outputs.map((p) => p.name)).toEqual(['y']);
  });

  it('Mul: y = a ⊙ b, da = dy ⊙ b, db = dy ⊙ a', () => {
    expect(run(new Mul(2), [a, b])).toEqual({ y: [[4, -10], [-0.5, 6]], dx: [[[4, 10], [-3, 8]], [[1, -4], [1.5, 12]]] });
  });

  it('Sigmoid, Tanh: the function and dy times its derivative', () => {
    const s = run(new Sigmoid(2), [a]);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectClose((s.y as number[][]).flat(), [1, -2, 0.5, 3].map(sig), 1e-15);
    expectClose((s.dx[0] as number[][]).flat(), [1, -2, 0.5, 3].map((v, i) => (i + 1) * sig(v) * (1 - sig(v))), 1e-15);
    const t = run(new Tanh(2), [a]);
    expectClose((t.y as number[][]).flat(), [1, -2, 0.5, 3].map(Math.tanh), 1e-15);
    expectClose((t.dx[0] as number[][]).flat(), [1, -2, 0.5, 3].map((v, i) => (i + 1) * (1 - Math.tanh(v) ** 2)), 1e-15);
  });

  it('ScaleShift: y = scale · x + shift, dx = scale · dy; OneMinus: y = 1 − x, dx = −dy', () => {
    expect(run(new ScaleShift(2, 2, -1), [a])).toEqual({ y: [[1, -5], [0, 5]], dx: [[[2, 4], [6, 8]]] });
    expect(run(new OneMinus(2), [a])).toEqual({ y: [[0, 3], [0.5, -2]], dx: [[[-1, -2], [-3, -4]]] });
    const om = new OneMinus(2);
    expect(om).toBeInstanceOf(ScaleShift);
    expect([om.scale, om.shift]).toEqual([-1, 1]);
  });

  it('skips the input gradients nobody asked for', () => {
    const layer = new Mul(2);
    const ctx = layer.createContext(2, 1, [false, true]);
    expect(ctx.gradInputs[0]).toBeNull();
    layer.forward(ctx, [a, b]);
    layer.backward(ctx, [dy]);
    expect(ctx.gradInputs[1]!.toArray()).toEqual([[1, -4], [1.5, 12]]);
    const rng = new Rng(8);
    const x = randomInputs([3, 3], 3, rng);
    const report = checkBackward(gradcheckTarget(new Mul(3), x, { batch: 3, propagateDown: [true, false] }));
    expectPassed(report);
    expect(report.params.map((p) => p.name)).toEqual(['input:a']);
  });

  it('keeps its own references to the inputs: a caller may reuse its inputs array between forward and backward', () => {
    const layer = new Mul(2);
    const ctx = layer.createContext(2);
    const args = [a, b];
    layer.forward(ctx, args);
    args[0] = zeros([2, 2]);
    args[1] = zeros([2, 2]);
    layer.backward(ctx, [dy]);
    expect(ctx.gradInputs.map((g) => g!.toArray())).toEqual([[[4, 10], [-3, 8]], [[1, -4], [1.5, 12]]]);
    expect(ctx.inputs).toEqual([a, b]);
  });

  it('writes zeros into the requested input gradients when no gradient arrives', () => {
    const layer = new Add(2);
    const ctx = layer.createContext(2);
    layer.forward(ctx, [a, b]);
    ctx.gradInputs[0]!.data.fill(7);
    layer.backward(ctx, [null]);
    expect(ctx.gradInputs[0]!.toFlatArray()).toEqual([0, 0, 0, 0]);
  });

  it('has no parameters', () => {
    for (const layer of [new Add(2), new Mul(2), new Sigmoid(2), new Tanh(2), new ReLU(2), new OneMinus(2), new Concat([1, 2]), new Split(4, 2), new Dropout(2, 0.5, new Rng(1))]) {
      expect(layer.parameters()).toEqual([]);
      expect(() => layer.zeroGrad()).not.toThrow();
    }
  });

  it('rejects bad sizes, arities, constants and inputs with what was expected and what came', () => {
    expect(() => new Add(0)).toThrow("Add: size of 'a' must be a positive integer, got 0");
    expect(() => new Add(2, 27)).toThrow('Add: takes 1 to 26 inputs (named a to z), got 27');
    expect(() => new Add(2, 1.5)).toThrow('Add: takes 1 to 26 inputs (named a to z), got 1.5');
    expect(() => new Tanh(-1)).toThrow("Tanh: size of 'x' must be a positive integer, got -1");
    expect(() => new ScaleShift(2, NaN, 0)).toThrow('ScaleShift: scale must be a finite number, got NaN');
    expect(() => new ScaleShift(2, 1, Infinity)).toThrow('ScaleShift: shift must be a finite number, got Infinity');
    const layer = new Mul(2);
    const ctx = layer.createContext(2);
    expect(() => layer.forward(ctx, [a, zeros([2, 3])])).toThrow("Mul: 'b' must be [2,2], got [2,3]");
    expect(() => layer.forward(ctx, [a])).toThrow('Mul: forward takes 2 input(s) (a, b), got 1');
    expect(() => layer.backward(ctx, [zeros([1, 2])])).toThrow("Mul (gradient of output): 'y' must be [2,2], got [1,2]");
    expect(() => layer.createContext(2, 0)).toThrow('Mul: steps must be a positive integer, got 0');
    expect(() => layer.createContext(2, 1, [true])).toThrow('Mul: propagateDown needs one flag per input (a, b), got [true]');
  });
});

describe('Concat', () => {
  it('passes the gradient check on random shapes, also with an input that does not propagate', () => {
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 4 }), batchSize, stepCount, fc.boolean(), seed, (sizes, B, T, skipFirst, s) => {
        const rng = new Rng(s);
        const layer = new Concat(sizes);
        const propagateDown = sizes.map((_, i) => !(skipFirst && i === 0 && sizes.length > 1));
        expectBothStencils(() => gradcheckTarget(layer, randomInputs(sizes, B * T, rng), { batch: B, steps: T, propagateDown }), s);
      }),
      runs,
    );
  });

  it('is torch.cat(dim=1): y = [a | b | c], and each input gradient is its columns of dy', () => {
    const layer = new Concat([1, 2, 1]);
    expect(layer.inputs.map((p) => `${p.name}:${p.size}`)).toEqual(['a:1', 'b:2', 'c:1']);
    expect(layer.outputs.map((p) => `${p.name}:${p.size}`)).toEqual(['y:4']);
    const ctx = layer.createContext(2);
    const y = layer.forward(ctx, [tensor([[1], [2]]), tensor([[3, 4], [5, 6]]), tensor([[7], [8]])])[0]!;
    expect(y.toArray()).toEqual([[1, 3, 4, 7], [2, 5, 6, 8]]);
    layer.backward(ctx, [tensor([[10, 20, 30, 40], [50, 60, 70, 80]])]);
    expect(ctx.gradInputs.map((g) => g!.toArray())).toEqual([[[10], [50]], [[20, 30], [60, 70]], [[40], [80]]]);
    const rng = new Rng(2);
    expectRowsIndependent(layer, randomInputs([1, 2, 1], 6, rng), 2, 3, rng);
  });

  it('rejects bad sizes', () => {
    expect(() => new Concat([2, 0])).toThrow("Concat: size of 'b' must be a positive integer, got 0");
    expect(() => new Concat([])).toThrow('Concat: takes 1 to 26 inputs (named a to z), got 0');
    expect(() => new Concat(3 as never)).toThrow('Concat: sizes must be an array of positive integers, got 3');
  });
});

describe('Split', () => {
  it('passes the gradient check on random shapes (equal parts and given sizes)', () => {
    fc.assert(
      fc.property(fc.array(size, { minLength: 1, maxLength: 4 }), batchSize, stepCount, fc.boolean(), seed, (sizes, B, T, equal, s) => {
        const rng = new Rng(s);
        const total = sizes.reduce((x, n) => x + n, 0);
        const layer = equal ? new Split(sizes[0]! * sizes.length, sizes.length) : new Split(total, sizes);
        const x = randn([B * T, layer.size], rng);
        expectBothStencils(() => gradcheckTarget(layer, [x], { batch: B, steps: T }), s);
      }),
      runs,
    );
  });

  it('passes the gradient check with a part that gets no gradient (null): its columns of dx are 0', () => {
    const rng = new Rng(12);
    const layer = new Split(7, [2, 3, 2], { names: ['u', 'v', 'w'] });
    const x = randn([3, 7], rng);
    const inner = gradcheckTarget(layer, [x], { batch: 3 });
    // Only u and w reach the loss: backward gets null for v.
    const target: BackwardTarget = {
      params: inner.params,
      forward: () => {
        const [u, , w] = inner.forward();
        return [u!, w!];
      },
      backward: ([du, dw]) => {
        layer.backward(inner.context, [du!, null, dw!]);
        axpy(inner.params[0]!.grad, 1, inner.context.gradInputs[0]!);
      },
    };
    expectPassed(checkBackward(target));
    expectPassed(checkBackward(target, { stencil: 'five-point' }));
    const dx = inner.context.gradInputs[0]!.toArray() as number[][];
    for (const row of dx) expect(row.slice(2, 5)).toEqual([0, 0, 0]);
    expect(dx.flat().filter((v) => v !== 0)).toHaveLength(12);
  });

  it('is torch.split(dim=1) into contiguous copies, named as asked; dx joins the parts', () => {
    const layer = new Split(4, 2);
    expect(layer.outputs.map((p) => `${p.name}:${p.size}`)).toEqual(['y0:2', 'y1:2']);
    const gates = new Split(8, 4, { names: ['i', 'f', 'g', 'o'] });
    expect(gates.outputs.map((p) => `${p.name}:${p.size}`)).toEqual(['i:2', 'f:2', 'g:2', 'o:2']);
    const ctx = layer.createContext(2);
    const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const [y0, y1] = layer.forward(ctx, [x]);
    expect([y0!.toArray(), y1!.toArray()]).toEqual([[[1, 2], [5, 6]], [[3, 4], [7, 8]]]);
    expect(y0!.isContiguous && y1!.isContiguous && y0!.data !== x.data).toBe(true);
    layer.backward(ctx, [tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])]);
    expect(ctx.gradInputs[0]!.toArray()).toEqual([[1, 2, 5, 6], [3, 4, 7, 8]]);
    layer.backward(ctx, [null, tensor([[5, 6], [7, 8]])]);
    expect(ctx.gradInputs[0]!.toArray()).toEqual([[0, 0, 5, 6], [0, 0, 7, 8]]);
    const uneven = new Split(5, [1, 3, 1]);
    const rng = new Rng(4);
    expectRowsIndependent(uneven, [randn([6, 5], rng)], 2, 3, rng);
  });

  it('rejects parts that do not fit, and bad names', () => {
    expect(() => new Split(5, 2)).toThrow('Split: parts must be a positive integer that divides size 5, got 2');
    expect(() => new Split(5, [2, 2])).toThrow('Split: part sizes [2,2] sum to 4 but size is 5');
    expect(() => new Split(5, [2, 0, 3])).toThrow('Split: parts must be a number of equal parts or an array of positive part sizes, got [2,0,3]');
    expect(() => new Split(0, 1)).toThrow('Split: size must be a positive integer, got 0');
    expect(() => new Split(4, 2, { names: ['a'] })).toThrow('Split: options.names needs 2 non-empty name(s), one per part, got ["a"]');
    expect(() => new Split(4, 2, { names: ['a', 'a'] })).toThrow('Split: output names must be unique, got ["a","a"]');
  });
});

describe('Dropout', () => {
  /** A target whose forward replays the same masks: the dropout's rng is reset to a saved clone first. */
  function replayed(layer: Dropout, inputs: Value[], batch: number, steps: number): BackwardTarget {
    const saved = layer.rng.clone();
    const inner = gradcheckTarget(layer, inputs, { batch, steps });
    return {
      params: inner.params,
      forward: () => {
        layer.rng = saved.clone();
        return inner.forward();
      },
      backward: inner.backward,
    };
  }

  it('passes the gradient check in training mode with a fixed mask (B = 1, 3; steps 1, 2)', () => {
    fc.assert(
      fc.property(size, batchSize, stepCount, fc.constantFrom(0, 0.2, 0.5, 0.9), seed, (n, B, T, p, s) => {
        const rng = new Rng(s);
        const layer = new Dropout(n, p, new Rng(s + 1));
        const x = randn([B * T, n], rng);
        expectBothStencils(() => replayed(layer, [x], B, T), s);
      }),
      runs,
    );
  });

  it('needs the mask fixed: with new masks at every forward the loss is not a function of x', () => {
    const layer = new Dropout(6, 0.5, new Rng(1));
    expect(() => checkBackward(gradcheckTarget(layer, [randn([3, 6], new Rng(2))], { batch: 3 }))).toThrow('it must be a pure function of the parameter values');
  });

  it('passes the gradient check in evaluation mode, where it is the identity', () => {
    const layer = new Dropout(4, 0.5, new Rng(1));
    layer.train(false);
    const x = randn([3, 4], new Rng(2));
    expectPassed(checkBackward(gradcheckTarget(layer, [x], { batch: 3 })));
    const ctx = layer.createContext(3);
    expect(layer.forward(ctx, [x])[0]!.toFlatArray()).toEqual(x.toFlatArray());
    layer.backward(ctx, [x]);
    expect(ctx.gradInputs[0]!.toFlatArray()).toEqual(x.toFlatArray());
  });

  it('drops a fraction p and scales the rest by 1/(1 − p); dx uses the same mask', () => {
    const p = 0.3;
    const layer = new Dropout(100, p, new Rng(7));
    expect(layer.training).toBe(true);
    const ctx = layer.createContext(50);
    const x = zeros([50, 100]);
    x.data.fill(2);
    const y = layer.forward(ctx, [x])[0]!.toFlatArray();
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - p)).toBeLessThan(0.02); // 5000 draws: σ ≈ 0.0065
    expect(y.every((v) => v === 0 || v === 2 / (1 - p))).toBe(true);
    layer.backward(ctx, [x]);
    expect(ctx.gradInputs[0]!.toFlatArray()).toEqual(y);
  });

  it('is deterministic for a seed, draws new masks at each forward, and p = 0 is the identity', () => {
    const x = randn([4, 8], new Rng(3));
    const once = (layer: Dropout) => layer.forward(layer.createContext(4), [x])[0]!.toFlatArray();
    const a = new Dropout(8, 0.5, new Rng(9));
    const b = new Dropout(8, 0.5, new Rng(9));
    const first = once(a);
    expect(once(b)).toEqual(first);
    expect(once(a)).not.toEqual(first);
    expect(once(new Dropout(8, 0, new Rng(9)))).toEqual(x.toFlatArray());
  });

  it('a context of (batch 2, steps 3) equals three calls of batch 2 with the same generator', () => {
    const layer = new Dropout(5, 0.4, new Rng(1));
    const saved = layer.rng.clone();
    const rng = new Rng(6);
    expectRowsIndependent(layer, [randn([6, 5], rng)], 2, 3, rng, () => (layer.rng = saved.clone()));
  });

  it('Graph.train(mode) sets the mode of every node that has one, in nested graphs too', () => {
    const drop = new Dropout(3, 0.5, new Rng(1));
    const inner = graph('inner').input('x', float(3)).node('drop', drop, { x: 'x' }).output('y', 'drop').build();
    const outer = graph('outer')
      .input('x', float(3))
      .node('tanh', new Tanh(3), { x: 'x' })
      .node('inner', inner, { x: 'tanh' })
      .output('y', 'inner')
      .build();
    outer.train(false);
    expect(drop.training).toBe(false);
    const x = randn([2, 3], new Rng(2));
    const y = outer.forward(outer.createContext(2), [x])[0]!.toFlatArray();
    expectClose(y, x.toFlatArray().map(Math.tanh), 1e-15);
    outer.train(true);
    expect(drop.training).toBe(true);
    outer.train(false);
    outer.train();
    expect(drop.training).toBe(true);
  });

  it('rejects p outside [0, 1) and a missing generator', () => {
    expect(() => new Dropout(3, 1, new Rng(1))).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(() => new Dropout(3, -0.1, new Rng(1))).toThrow('Dropout: p must be a probability in [0, 1), got -0.1');
    expect(() => new Dropout(3, NaN, new Rng(1))).toThrow('Dropout: p must be a probability in [0, 1), got NaN');
    expect(() => new Dropout(3, 0.5, undefined as never)).toThrow('Dropout: rng (a seeded Rng) is required to draw the masks');
  });
});

describe('Linear without a bias', () => {
  it('passes the gradient check of W and x on random shapes (B = 1, 3; steps 1, 2)', () => {
    fc.assert(
      fc.property(size, size, batchSize, stepCount, seed, (n, k, B, T, s) => {
        const rng = new Rng(s);
        const layer = new Linear(n, k, { rng, std: 0.5, bias: false });
        const report = expectBothStencils(() => gradcheckTarget(layer, [randn([B * T, n], rng)], { batch: B, steps: T }), s);
        expect(report.params.map((p) => p.name)).toEqual(['W', 'input:x']);
      }),
      runs,
    );
  });

  it('computes y = x Wᵀ, has parameters [W] only and keeps its names', () => {
    const layer = new Linear(2, 3, { rng: new Rng(1), bias: false, names: { W: 'weight_hh' } });
    expect(layer.b).toBeNull();
    expect(layer.parameters().map((p) => p.name)).toEqual(['weight_hh']);
    layer.W.value.data.set([1, 2, 3, 4, 5, 6]);
    expect(layer.forward(layer.createContext(1), [tensor([[1, -1]])])[0]!.toArray()).toEqual([[-1, -1, -1]]);
    expect(layer.forward(layer.createContext(2), [tensor([[1, -1], [0, 1]])])[0]!.toArray()).toEqual([[-1, -1, -1], [2, 4, 6]]);
    expect(new Linear(2, 3, { rng: new Rng(1), bias: true }).parameters().map((p) => p.name)).toEqual(['W', 'b']);
    expect(() => new Linear(2, 3, { rng: new Rng(1), bias: 0 as never })).toThrow('Linear: options.bias must be true or false, got 0');
  });

  it('a context of (batch 2, steps 3) equals three calls of batch 2 (outputs and dx)', () => {
    const rng = new Rng(3);
    expectRowsIndependent(new Linear(3, 2, { rng, std: 0.5, bias: false }), [randn([6, 3], rng)], 2, 3, rng);
  });
});

/**
 * gradcheckTarget + checkBackward: a layer checked in one call, parameters and
 * input gradients; and the check FAILS on deliberately wrong backwards.
 */
import { randn, Rng, scale, sigmoid, tanh, tanhBackward, type Tensor } from '@weft/tensor';
import { gradcheckTarget, Linear, OneHotEmbedding, ParameterlessLayer, RNNCell, type ParameterlessContext } from '@weft/layers';
import { checkBackward } from '@weft/gradcheck';
import { expectPassed, randomIds } from './helpers.js';

/** tanh whose backward flips the sign: dx = −dy ⊙ (1 − y²). */
class FlippedTanh extends ParameterlessLayer {
  constructor(size: number) {
    super('FlippedTanh', [['x', size]], [['y', size]]);
  }
  protected compute(ctx: ParameterlessContext, [x]: readonly Tensor[]): void {
    tanh(ctx.outputs[0]!, x!);
  }
  protected computeBackward(ctx: ParameterlessContext, [dy]: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (dx) scale(dx, tanhBackward(dx, ctx.outputs[0]!, dy!), -1);
  }
}

/** sigmoid whose backward forgets the factor (1 − y): dx = dy ⊙ y. */
class SigmoidMissingFactor extends ParameterlessLayer {
  constructor(size: number) {
    super('SigmoidMissingFactor', [['x', size]], [['y', size]]);
  }
  protected compute(ctx: ParameterlessContext, [x]: readonly Tensor[]): void {
    sigmoid(ctx.outputs[0]!, x!);
  }
  protected computeBackward(ctx: ParameterlessContext, [dy]: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    const y = ctx.outputs[0]!;
    if (dx) for (let i = 0; i < dx.size; i++) dx.data[i] = dy!.data[dy!.offset + i]! * y.data[i]!;
  }
}

describe('checkBackward(gradcheckTarget(layer, inputs, { batch }))', () => {
  it('checks the parameters and every input that propagates, in one call', () => {
    const rng = new Rng(1);
    const cell = new RNNCell(3, { rng, std: 0.5, inputSize: 2 });
    const target = gradcheckTarget(cell, [randn([3, 2], rng), randn([3, 3], rng)], { batch: 3 });
    const report = checkBackward(target);
    expectPassed(report);
    expect(report.params.map((p) => p.name)).toEqual(['W', 'Wx', 'b', 'input:x', 'input:h']);
    // The parameters are the layer's own: their gradient is left in param.grad.
    expect(target.params[0]).toBe(cell.W);
    expect(cell.W.grad.toFlatArray().some((v) => v !== 0)).toBe(true);
  });

  it('leaves out ids inputs and the inputs that do not propagate', () => {
    const rng = new Rng(2);
    const embed = new OneHotEmbedding(4, 3, { rng, std: 0.5 });
    expect(gradcheckTarget(embed, [randomIds(2, 4, rng)], { batch: 2 }).params.map((p) => p.name)).toEqual(['U']);
    const cell = new RNNCell(3, { rng, std: 0.5 });
    const target = gradcheckTarget(cell, [randn([2, 3], rng), randn([2, 3], rng)], { batch: 2, propagateDown: [false, true] });
    expect(target.params.map((p) => p.name)).toEqual(['W', 'b', 'input:h']);
    expectPassed(checkBackward(target));
  });

  it('FAILS on a backward with a flipped sign, and names the input', () => {
    const x = randn([3, 4], new Rng(3));
    const report = checkBackward(gradcheckTarget(new FlippedTanh(4), [x], { batch: 3 }));
    expect(report.passed).toBe(false);
    expect(report.params[0]!.name).toBe('input:x');
    expect(report.params[0]!.count).toBe(12);
    expect(report.params[0]!.max).toBeCloseTo(1, 12); // opposite signs: relative error 1
  });

  it('FAILS on a backward with a missing factor, with both stencils', () => {
    const x = randn([2, 5], new Rng(4));
    for (const stencil of ['central', 'five-point'] as const) {
      const report = checkBackward(gradcheckTarget(new SigmoidMissingFactor(5), [x], { batch: 2 }), { stencil });
      expect(report.passed).toBe(false);
      expect(report.params[0]!.count).toBe(10);
    }
  });

  it('FAILS on a parameter gradient that is off by a factor 2 in one row only', () => {
    const rng = new Rng(5);
    const layer = new Linear(3, 2, { rng, std: 0.5 });
    const broken = Object.create(layer) as Linear;
    broken.backward = (ctx, grads) => {
      layer.backward(ctx, grads);
      layer.W.grad.data[0]! *= 2;
    };
    const report = checkBackward(gradcheckTarget(broken, [randn([3, 3], rng)], { batch: 3 }));
    expect(report.passed).toBe(false);
    expect(report.params.map((p) => [p.name, p.count])).toEqual([['W', 1], ['b', 0], ['input:x', 0]]);
    expect(report.params[0]!.worst.index).toEqual([0, 0]);
  });

  it('rejects inputs that do not fit the layer', () => {
    const layer = new Linear(3, 2, { rng: new Rng(1) });
    expect(() => gradcheckTarget(layer, [], { batch: 1 })).toThrow('gradcheckTarget: the layer takes 1 input(s) (x), got 0');
    expect(() => gradcheckTarget(layer, [randn([1, 3], new Rng(1))], undefined as never)).toThrow('gradcheckTarget: options { batch, steps? } are required, got undefined');
    expect(() => checkBackward(gradcheckTarget(layer, [randn([2, 3], new Rng(1))], { batch: 1 }))).toThrow("Linear: 'x' must be [1,3], got [2,3]");
  });
});

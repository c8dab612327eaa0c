/**
 * Non-finite gradients (NaN, ±Infinity): by default step() throws before
 * touching anything; with nonFinite: 'skip' it skips the step and counts it.
 * Either way the weights, the state and the gradients stay bit for bit what
 * they were, and the next finite step continues exactly like an optimizer
 * that never saw the bad gradient.
 */
import { AdaGrad, Adam, AdamW, createOptimizer, RMSProp, SGD, type Optimizer } from '@weft/optim';
import type { Tensor } from '@weft/tensor';
import { copyParams, Quadratic, type TestParam } from './problems.js';

type Options = { clipValue?: number; nonFinite?: 'error' | 'skip' };
const configs: { label: string; name: string; make: (params: TestParam[], o: Options) => Optimizer }[] = [
  { label: 'SGD', name: 'SGD', make: (p, o) => new SGD(p, { lr: 0.05, ...o }) },
  { label: 'SGD + momentum + decay', name: 'SGD', make: (p, o) => new SGD(p, { lr: 0.05, momentum: 0.9, weightDecay: 0.01, ...o }) },
  { label: 'AdaGrad', name: 'AdaGrad', make: (p, o) => new AdaGrad(p, { lr: 0.3, ...o }) },
  { label: 'RMSProp + momentum', name: 'RMSProp', make: (p, o) => new RMSProp(p, { lr: 0.01, momentum: 0.5, ...o }) },
  { label: 'Adam', name: 'Adam', make: (p, o) => new Adam(p, { lr: 0.05, weightDecay: 0.01, ...o }) },
  { label: 'AdamW', name: 'AdamW', make: (p, o) => new AdamW(p, { lr: 0.05, ...o }) },
];

/** The exact bytes of a tensor's elements. */
function bytes(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset + t.offset * t.data.BYTES_PER_ELEMENT, t.size * t.data.BYTES_PER_ELEMENT));
}

/** Every byte the optimizer could change: values, grads and the state dict. */
function snapshot(params: readonly TestParam[], opt: Optimizer): unknown {
  const state = opt.stateDict();
  return {
    values: params.map((p) => bytes(p.value)),
    grads: params.map((p) => bytes(p.grad)),
    state: Object.keys(state).map((k) => [k, bytes(state[k]!)]),
  };
}

/** One finite step: fresh gradients of the quadratic, then step(). */
function finiteStep(params: TestParam[], opt: Optimizer): boolean {
  opt.zeroGrad();
  Quadratic.lossAndGradients(params);
  return opt.step();
}

/** Finite gradients everywhere except `bad` in the LAST entry of the LAST parameter (so a check that updates as it goes would be caught). */
function poison(params: TestParam[], bad: number): void {
  Quadratic.lossAndGradients(params);
  const last = params[params.length - 1]!;
  last.grad.data[last.grad.size - 1] = bad;
}

const bads = [NaN, Infinity, -Infinity];

describe.each(configs.map((c) => [c.label, c] as const))('%s', (_label, config) => {
  describe.each([undefined, 5])('clipValue %p', (clipValue) => {
    const options: Options = clipValue === undefined ? {} : { clipValue };

    it.each(bads)('a %p gradient makes step() throw, naming the parameter and entry, and changes nothing', (bad) => {
      const params = Quadratic.start();
      const opt = config.make(params, options);
      finiteStep(params, opt);
      opt.zeroGrad();
      poison(params, bad);
      const before = snapshot(params, opt);
      expect(() => opt.step()).toThrow(
        `${config.name}.step: parameter 'y' has a non-finite gradient, grad[1] = ${bad}; nothing was updated (the option nonFinite: 'skip' skips such steps)`,
      );
      expect(snapshot(params, opt)).toEqual(before);
      expect(opt.skippedSteps).toBe(0);

      // The next finite step continues exactly as if the bad one never happened.
      const twinParams = Quadratic.start();
      const twin = config.make(twinParams, options);
      finiteStep(twinParams, twin);
      expect(finiteStep(params, opt)).toBe(true);
      finiteStep(twinParams, twin);
      expect(snapshot(params, opt)).toEqual(snapshot(twinParams, twin));
      expect(params.every((p) => Array.from(p.value.data).every(Number.isFinite))).toBe(true);
    });

    it.each(bads)("with nonFinite: 'skip' a %p gradient skips the whole step: step() returns false, skippedSteps counts it", (bad) => {
      const params = Quadratic.start();
      const opt = config.make(params, { ...options, nonFinite: 'skip' });
      expect(finiteStep(params, opt)).toBe(true);
      opt.zeroGrad();
      poison(params, bad);
      const before = snapshot(params, opt);
      expect(opt.step()).toBe(false);
      expect(opt.step()).toBe(false);
      expect(opt.skippedSteps).toBe(2);
      expect(snapshot(params, opt)).toEqual(before);

      const twinParams = copyParams(Quadratic.start());
      const twin = config.make(twinParams, options);
      finiteStep(twinParams, twin);
      expect(finiteStep(params, opt)).toBe(true);
      finiteStep(twinParams, twin);
      expect(snapshot(params, opt)).toEqual(snapshot(twinParams, twin));
      expect(opt.skippedSteps).toBe(2);
    });
  });

  it('a bad entry in the first parameter is found too, and finite steps return true', () => {
    const params = Quadratic.start();
    const opt = config.make(params, {});
    Quadratic.lossAndGradients(params);
    params[0]!.grad.data[4] = NaN;
    expect(() => opt.step()).toThrow(`${config.name}.step: parameter 'x' has a non-finite gradient, grad[4] = NaN;`);
    expect(finiteStep(params, opt)).toBe(true);
  });
});

describe('the nonFinite option', () => {
  it("is 'error' by default, settable, and validated", () => {
    const opt = new AdaGrad(Quadratic.start());
    expect(opt.nonFinite).toBe('error');
    opt.nonFinite = 'skip';
    expect(opt.nonFinite).toBe('skip');
    expect(() => (opt.nonFinite = 'ignore' as never)).toThrow(`AdaGrad: nonFinite must be 'error' or 'skip', got "ignore"`);
    expect(() => new SGD(Quadratic.start(), { lr: 1, nonFinite: 'warn' as never })).toThrow(`SGD: nonFinite must be 'error' or 'skip', got "warn"`);
    expect(createOptimizer('adam', Quadratic.start(), { nonFinite: 'skip' }).nonFinite).toBe('skip');
  });
});

/**
 * The clipValue option: clipping inside step() must equal clipByValue followed
 * by step(), bit for bit, for every optimizer — including AdaGrad's fused pass
 * on the WebAssembly heap.
 */
import { describe, expect, test } from '@jest/globals';
import { createOptimizer, clipByValue, OPTIMIZER_NAMES, type Optimizer, type OptimParam } from '@weft/optim';
import { isWasmTensor, Rng, withBackend, zeros, fromData } from '@weft/tensor';

/** Two parameters with gradients of magnitude up to ~10, so a limit of 3 clips some. */
function problem(seed: number): OptimParam[] {
  const rng = new Rng(seed);
  const make = (name: string, shape: number[]) => {
    const value = zeros(shape);
    const grad = zeros(shape);
    rng.fillNormal(value, 0, 1);
    return { name, value, grad };
  };
  return [make('W', [7, 5]), make('b', [7])];
}

/** Deterministic gradients that depend on the current values (so runs can diverge if a step differs). */
function fillGrads(params: readonly OptimParam[], step: number): void {
  for (const p of params) {
    for (let i = 0; i < p.grad.size; i++) p.grad.data[i] = 10 * Math.sin(3 * p.value.data[i]! + step + i);
  }
}

function run(name: string, fused: boolean, steps: number): { params: OptimParam[]; fractions: number[] } {
  const params = problem(5);
  const lr = name === 'sgd' ? 0.01 : 0.05;
  const opt: Optimizer = createOptimizer(name, params, fused ? { lr, clipValue: 3 } : { lr });
  const fractions: number[] = [];
  for (let s = 0; s < steps; s++) {
    fillGrads(params, s);
    if (!fused) fractions.push(clipByValue(params, 3).fractionClipped);
    opt.step();
    if (fused) fractions.push(opt.lastClipFraction);
  }
  return { params, fractions };
}

describe('clipValue', () => {
  test.each(OPTIMIZER_NAMES.map((n) => [n]))('%s: clipping inside step() equals clipByValue then step(), bit for bit', (name) => {
    const a = run(name, true, 6);
    const b = run(name, false, 6);
    for (let i = 0; i < a.params.length; i++) {
      expect(a.params[i]!.value.data).toEqual(b.params[i]!.value.data);
      expect(a.params[i]!.grad.data).toEqual(b.params[i]!.grad.data); // grads end up clipped in both
    }
    expect(a.fractions).toEqual(b.fractions);
    expect(a.fractions.some((f) => f > 0 && f < 1)).toBe(true); // the limit really clipped something
  });

  test('without clipValue nothing is clipped and lastClipFraction stays 0', () => {
    const params = [{ name: 'x', value: fromData([1, 2], [2]), grad: fromData([100, -100], [2]) }];
    const opt = createOptimizer('adagrad', params, { lr: 0.1 });
    opt.step();
    expect(Array.from(params[0]!.grad.data)).toEqual([100, -100]);
    expect(opt.lastClipFraction).toBe(0);
    opt.clipValue = 50;
    expect(opt.hyperparameters()).toMatchObject({ lr: 0.1, clipValue: 50 });
    opt.step();
    expect(Array.from(params[0]!.grad.data)).toEqual([50, -50]);
    expect(opt.lastClipFraction).toBe(1);
  });

  test('invalid clipValue is rejected at construction and in the setter', () => {
    const params = problem(1);
    expect(() => createOptimizer('adagrad', params, { clipValue: 0 })).toThrow(
      'AdaGrad: clipValue must be a number > 0 (Infinity turns clipping off), got 0',
    );
    expect(() => createOptimizer('sgd', params, { lr: 0.1, clipValue: Number.NaN })).toThrow('SGD: clipValue must be a number > 0');
    const opt = createOptimizer('adam', params, { clipValue: 5 });
    expect(() => {
      opt.clipValue = -1;
    }).toThrow('Adam: clipValue must be a number > 0');
    expect(opt.clipValue).toBe(5);
  });

  test('AdaGrad on the WebAssembly heap gives the same result as in plain typed arrays', () => {
    const js = run('adagrad', true, 8);
    const wasm = withBackend('wasm', () => run('adagrad', true, 8));
    expect(isWasmTensor(wasm.params[0]!.value)).toBe(true);
    for (let i = 0; i < js.params.length; i++) expect(wasm.params[i]!.value.data).toEqual(js.params[i]!.value.data);
    expect(wasm.fractions).toEqual(js.fractions);
  });
});

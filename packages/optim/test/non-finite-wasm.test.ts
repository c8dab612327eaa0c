/**
 * The non-finite check when the gradients live on the WebAssembly heap (the
 * check runs as the `allFinite` kernel there): a NaN or ±Infinity at any
 * position of any parameter, including the scalar tail of the vector loop, is
 * found and named before anything changes, for both element types.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AdaGrad, Adam, type Optimizer, type OptimParam } from '@weft/optim';
import { setBackend, wasmKernelCalls, wasmZeros, type DType, type Tensor } from '@weft/tensor';

beforeAll(() => {
  expect(setBackend('wasm')).toBe('wasm');
});
afterAll(() => {
  setBackend('js');
});

const contents = (t: Tensor): number[] => Array.from(t.data.subarray(t.offset, t.offset + t.size));

function makeParams(dtype: DType): OptimParam[] {
  return [
    { name: 'w', shape: [5, 3] },
    { name: 'b', shape: [11] },
  ].map(({ name, shape }) => {
    const value = wasmZeros(shape, dtype);
    const grad = wasmZeros(shape, dtype);
    for (let i = 0; i < value.size; i++) {
      value.data[value.offset + i] = 0.1 * i - 0.3;
      grad.data[grad.offset + i] = 0.05 * i - 0.2;
    }
    return { name, value, grad };
  });
}

const makers: [string, (p: OptimParam[], nonFinite: 'error' | 'skip') => Optimizer][] = [
  ['AdaGrad clip 5', (p, nonFinite) => new AdaGrad(p, { lr: 0.1, clipValue: 5, nonFinite })],
  ['Adam', (p, nonFinite) => new Adam(p, { lr: 0.01, nonFinite })],
];

describe.each(['float64', 'float32'] as DType[])('%s gradients on the heap', (dtype) => {
  describe.each(makers)('%s', (_label, make) => {
    it('a finite step runs the check in wasm and updates', () => {
      const params = makeParams(dtype);
      const opt = make(params, 'error');
      const before = contents(params[0]!.value);
      const calls = wasmKernelCalls();
      expect(opt.step()).toBe(true);
      expect(wasmKernelCalls()).toBeGreaterThan(calls);
      expect(contents(params[0]!.value)).not.toEqual(before);
    });

    it('a bad entry anywhere throws naming it, or skips, and nothing changes', () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (let pi = 0; pi < 2; pi++) {
          for (let k = 0; k < makeParams(dtype)[pi]!.grad.size; k++) {
            for (const mode of ['error', 'skip'] as const) {
              const params = makeParams(dtype);
              const opt = make(params, mode);
              const g = params[pi]!.grad;
              g.data[g.offset + k] = bad;
              const values = params.map((p) => contents(p.value));
              const grads = params.map((p) => contents(p.grad));
              if (mode === 'error') {
                expect(() => opt.step()).toThrow(`parameter '${params[pi]!.name}' has a non-finite gradient, grad[${k}] = ${bad}`);
              } else {
                expect(opt.step()).toBe(false);
                expect(opt.skippedSteps).toBe(1);
              }
              expect(params.map((p) => contents(p.value))).toEqual(values);
              expect(params.map((p) => contents(p.grad))).toEqual(grads);
            }
          }
        }
      }
    });
  });
});

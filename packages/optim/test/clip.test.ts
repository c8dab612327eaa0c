/** Gradient clipping and the global gradient norm, on hand-made examples. */
import { clipByGlobalNorm, clipByValue, globalGradNorm, type ClipByValueResult } from '@weft/optim';
import { fromData, transpose, zeros } from '@weft/tensor';

const holder = (values: number[], shape = [values.length]) => ({ grad: fromData(Float64Array.from(values), shape) });
const values = (params: { grad: { data: ArrayLike<number> } }[]) => params.map((p) => Array.from(p.grad.data));

describe('clipByValue', () => {
  it('clips in place to [−limit, limit] and reports the fraction clipped and the norm before', () => {
    const params = [holder([6, -7, 1], [1, 3]), holder([0.5, -2, 10])];
    const stats = clipByValue(params, 5);
    // 36 + 49 + 1 + 0.25 + 4 + 100 = 190.25; three of six entries exceed 5.
    expect(stats.normBefore).toBeCloseTo(Math.sqrt(190.25), 14);
    expect(stats.fractionClipped).toBe(0.5);
    expect(values(params)).toEqual([
      [5, -5, 1],
      [0.5, -2, 5],
    ]);
  });

  it('leaves entries exactly at the limit alone and counts nothing then', () => {
    const params = [holder([5, -5, 0])];
    expect(clipByValue(params, 5)).toEqual({ fractionClipped: 0, normBefore: Math.sqrt(50) });
    expect(values(params)).toEqual([[5, -5, 0]]);
  });

  it('keeps NaN (and reports a NaN norm) while clipping the rest', () => {
    const params = [holder([NaN, 10])];
    const stats = clipByValue(params, 5);
    expect(stats.normBefore).toBeNaN();
    expect(stats.fractionClipped).toBe(0.5);
    expect(params[0]!.grad.data[1]).toBe(5);
    expect(params[0]!.grad.data[0]).toBeNaN();
  });

  it('fills and returns a given result object', () => {
    const out: ClipByValueResult = { fractionClipped: -1, normBefore: -1 };
    expect(clipByValue([holder([3, 4])], 1, out)).toBe(out);
    expect(out).toEqual({ fractionClipped: 1, normBefore: 5 });
  });

  it('handles no parameters and empty grads', () => {
    expect(clipByValue([], 5)).toEqual({ fractionClipped: 0, normBefore: 0 });
    expect(clipByValue([{ grad: zeros([0]) }], 5)).toEqual({ fractionClipped: 0, normBefore: 0 });
  });

  it('rejects a bad limit or bad params', () => {
    expect(() => clipByValue([holder([1])], 0)).toThrow('clipByValue: limit must be a number > 0, got 0');
    expect(() => clipByValue([holder([1])], NaN)).toThrow('clipByValue: limit must be a number > 0, got NaN');
    expect(() => clipByValue([holder([1])], -5)).toThrow('clipByValue: limit must be a number > 0, got -5');
    expect(() => clipByValue([{ grad: [1, 2] } as never], 5)).toThrow('clipByValue: params[0].grad must be a Tensor, got an array');
    expect(() => clipByValue([{ grad: transpose(zeros([2, 3])) }], 5)).toThrow('clipByValue: params[0].grad [3,2] is not contiguous');
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every grad by maxNorm/‖g‖ when the global norm exceeds maxNorm', () => {
    const params = [holder([3, 4]), holder([12], [1, 1])]; // ‖g‖ = √(9 + 16 + 144) = 13
    const stats = clipByGlobalNorm(params, 6.5);
    expect(stats).toEqual({ normBefore: 13, fractionClipped: 1, scale: 0.5 });
    expect(values(params)).toEqual([[1.5, 2], [6]]);
    expect(globalGradNorm(params)).toBe(6.5);
  });

  it('leaves grads alone when the norm is at most maxNorm', () => {
    const params = [holder([3, 4]), holder([12])];
    expect(clipByGlobalNorm(params, 13)).toEqual({ normBefore: 13, fractionClipped: 0, scale: 1 });
    expect(clipByGlobalNorm(params, 100)).toEqual({ normBefore: 13, fractionClipped: 0, scale: 1 });
    expect(values(params)).toEqual([[3, 4], [12]]);
  });

  it('leaves grads alone on a non-finite norm and says so through normBefore', () => {
    const params = [holder([Infinity, 1])];
    expect(clipByGlobalNorm(params, 1)).toEqual({ normBefore: Infinity, fractionClipped: 0, scale: 1 });
    expect(values(params)).toEqual([[Infinity, 1]]);
    expect(clipByGlobalNorm([holder([NaN])], 1).normBefore).toBeNaN();
  });

  it('rejects a bad maxNorm', () => {
    expect(() => clipByGlobalNorm([holder([1])], 0)).toThrow('clipByGlobalNorm: maxNorm must be a finite number > 0, got 0');
    expect(() => clipByGlobalNorm([holder([1])], Infinity)).toThrow('clipByGlobalNorm: maxNorm must be a finite number > 0, got Infinity');
  });
});

describe('globalGradNorm', () => {
  it('is √(Σ g²) over all grads, without overflow or underflow', () => {
    expect(globalGradNorm([holder([3]), holder([4])])).toBe(5);
    expect(globalGradNorm([holder([3e200]), holder([4e200])]) / 5e200).toBeCloseTo(1, 14);
    expect(globalGradNorm([holder([3e-200]), holder([4e-200])]) / 5e-200).toBeCloseTo(1, 14);
    expect(globalGradNorm([holder([0, 0]), holder([2]), holder([0])])).toBe(2);
    expect(globalGradNorm([holder([Infinity]), holder([Infinity])])).toBe(Infinity);
  });
});

import { describe, expect, test } from '@jest/globals';
import { DEFAULT_EPS, relativeError, relativeErrors } from '@weft/gradcheck';
import { tensor, transpose, zeros } from '@weft/tensor';

describe('relativeError (the report: |ga − gn| / max(eps, |ga| + |gn|))', () => {
  test('matches the formula on ordinary values', () => {
    expect(relativeError(1, 1.1)).toBeCloseTo(0.1 / 2.1, 15);
    expect(relativeError(-3, -2)).toBeCloseTo(1 / 5, 15);
    expect(relativeError(2e-8, 1e-8)).toBeCloseTo(1 / 3, 15);
  });

  test('is symmetric and scale-free', () => {
    expect(relativeError(0.3, 0.7)).toBe(relativeError(0.7, 0.3));
    expect(relativeError(3e5, 7e5)).toBeCloseTo(relativeError(3e-5, 7e-5), 14);
  });

  test('both zero gives 0, not NaN (the eps floor)', () => {
    expect(relativeError(0, 0)).toBe(0);
    expect(relativeError(-0, 0)).toBe(0);
  });

  test('opposite signs, or one of them zero, give 1', () => {
    expect(relativeError(2, -2)).toBe(1);
    expect(relativeError(0.5, -1.5)).toBe(1);
    expect(relativeError(0, 1e-3)).toBe(1);
    expect(relativeError(-4, 0)).toBe(1);
  });

  test('below eps the denominator is eps, so tiny differences count as tiny', () => {
    expect(DEFAULT_EPS).toBe(1e-30);
    expect(relativeError(1e-31, 0)).toBeCloseTo(0.1, 12);
    expect(relativeError(1e-31, 0, 1e-20)).toBeCloseTo(1e-11, 20);
  });

  test('NaN in, NaN out', () => {
    expect(relativeError(NaN, 1)).toBeNaN();
    expect(relativeError(1, NaN)).toBeNaN();
  });

  test('rejects a non-positive eps', () => {
    expect(() => relativeError(1, 2, 0)).toThrow('relativeError: eps must be a positive number, got 0');
  });
});

describe('relativeErrors (elementwise over tensors)', () => {
  test('equals relativeError entry by entry, also in place', () => {
    const a = tensor([[1, 0, -2], [3, 1e-8, 0]]);
    const b = tensor([[1.1, 0, 2], [3, 2e-8, 5]]);
    const out = relativeErrors(zeros([2, 3]), a, b);
    const expected = [0.1 / 2.1, 0, 1, 0, 1 / 3, 1];
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 15));
    relativeErrors(a, a, b);
    expect(Array.from(a.data)).toEqual(Array.from(out.data));
  });

  test('rejects mismatched shapes and strided views', () => {
    expect(() => relativeErrors(zeros([3]), zeros([3]), zeros([4]))).toThrow('relativeErrors: analytical is [3] but numerical is [4]');
    expect(() => relativeErrors(zeros([2]), zeros([3]), zeros([3]))).toThrow('relativeErrors: analytical is [3] but out is [2]');
    expect(() => relativeErrors(zeros([3, 2]), transpose(zeros([2, 3])), zeros([3, 2]))).toThrow('not contiguous');
  });
});

import { describe, expect, test } from '@jest/globals';
import { numericalGradient, relativeError } from '@weft/gradcheck';
import { fromData, tensor, transpose, zeros } from '@weft/tensor';
import { bits } from './helpers.js';

describe('numericalGradient', () => {
  test('x²: central differences are exact up to rounding', () => {
    const x = tensor([0.3, -1.7, 2.5, 0]);
    const f = () => x.toFlatArray().reduce((s, v) => s + v * v, 0);
    const g = numericalGradient(f, x);
    expect(g).toBeInstanceOf(Float64Array);
    expect(g.length).toBe(4);
    [0.6, -3.4, 5, 0].forEach((exact, i) => expect(Math.abs(g[i]! - exact)).toBeLessThan(1e-10));
  });

  test('sin: central error is h²/6·|cos|, five-point far smaller', () => {
    const x = tensor([[0.4, 1.2], [-2, 3]]);
    const f = () => x.toFlatArray().reduce((s, v) => s + Math.sin(v), 0);
    const exact = x.toFlatArray().map(Math.cos);
    const central = numericalGradient(f, x);
    const five = numericalGradient(f, x, { stencil: 'five-point' });
    exact.forEach((c, i) => {
      // Truncation error of central differences: h²/6 · f'''(x) = 1e-8/6 · (−cos x).
      expect(Math.abs(central[i]! - c)).toBeLessThan((1e-8 / 6) * Math.abs(c) + 1e-11);
      expect(Math.abs(five[i]! - c)).toBeLessThan(1e-10);
    });
  });

  test('five-point beats central on exp(5x), whose third derivative is large', () => {
    const x = tensor([1]);
    const f = () => Math.exp(5 * x.data[0]!);
    const exact = 5 * Math.exp(5);
    for (const h of [1e-2, 1e-3, 1e-4]) {
      const central = relativeError(numericalGradient(f, x, { h })[0]!, exact);
      const five = relativeError(numericalGradient(f, x, { h, stencil: 'five-point' })[0]!, exact);
      // Central: |gn − g|/|g| ≈ h²·25/6, so the report's relative error (÷ |gn| + |g|) ≈ h²·25/12.
      expect(central).toBeGreaterThan(((h * h * 25) / 12) * 0.9);
      expect(central).toBeLessThan(((h * h * 25) / 12) * 1.1);
      expect(five).toBeLessThan(central / 100);
    }
  });

  test('error order: halving h cuts central error 4×, five-point error 16×', () => {
    const x = tensor([1]);
    const f = () => Math.exp(5 * x.data[0]!);
    const exact = 5 * Math.exp(5);
    const err = (h: number, stencil: 'central' | 'five-point') => Math.abs(numericalGradient(f, x, { h, stencil })[0]! - exact);
    const centralRatio = err(1e-2, 'central') / err(5e-3, 'central');
    const fiveRatio = err(1e-2, 'five-point') / err(5e-3, 'five-point');
    expect(centralRatio).toBeGreaterThan(3.8);
    expect(centralRatio).toBeLessThan(4.2);
    expect(fiveRatio).toBeGreaterThan(15);
    expect(fiveRatio).toBeLessThan(17);
  });

  test('the indices option picks flat row-major entries, in the order given', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const f = () => x.toFlatArray().reduce((s, v, i) => s + (i + 1) * v * v, 0); // ∂/∂x_i = 2(i+1)x_i
    const g = numericalGradient(f, x, { indices: [5, 0, 3] });
    expect(g.length).toBe(3);
    [2 * 6 * 6, 2 * 1 * 1, 2 * 4 * 4].forEach((exact, k) => expect(g[k]).toBeCloseTo(exact, 6));
  });

  test('works on a strided view: entries follow the view, not the storage', () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]]);
    const view = transpose(base); // [3,2]: view[i][j] = base[j][i]
    const weights = [1, 10, 100, 1000, 1e4, 1e5]; // f = Σ weights[k] · view_flat[k]
    const f = () => view.toFlatArray().reduce((s, v, k) => s + weights[k]! * v, 0);
    const g = numericalGradient(f, view);
    weights.forEach((w, k) => expect(g[k]).toBeCloseTo(w, 4));
  });

  test('restores every value bit for bit, even values that x ± h cannot round-trip', () => {
    const x = fromData(new Float64Array([0.1, 1 / 3, 1e16, -0, 5e-324, -7.25]), [6]);
    const before = bits(x);
    const f = () => x.toFlatArray().reduce((s, v) => s + Math.sin(v), 0);
    numericalGradient(f, x);
    numericalGradient(f, x, { stencil: 'five-point', h: 0.37 });
    expect(bits(x)).toEqual(before);
    expect(Object.is(x.data[3], -0)).toBe(true);
  });

  test('restores the value when f throws during a probe', () => {
    const x = tensor([0.1, 0.2]);
    const before = bits(x);
    let calls = 0;
    const f = () => {
      if (++calls === 2) throw new Error('boom');
      return x.data[0]!;
    };
    expect(() => numericalGradient(f, x)).toThrow('boom');
    expect(bits(x)).toEqual(before);
  });

  test('calls f twice per entry (central) or four times (five-point)', () => {
    const x = zeros([3, 2]);
    let calls = 0;
    const f = () => ++calls && 0;
    numericalGradient(f, x);
    expect(calls).toBe(12);
    calls = 0;
    numericalGradient(f, x, { stencil: 'five-point', indices: [1, 4] });
    expect(calls).toBe(8);
  });

  test('bad input: clear errors', () => {
    const x = tensor([1, 2]);
    const f = () => 0;
    expect(() => numericalGradient(f, zeros([2], 'float32'))).toThrow('numericalGradient: x [2] is float32; numerical gradients need float64');
    expect(() => numericalGradient(f, x, { h: 0 })).toThrow('numericalGradient: h must be a positive finite number, got 0');
    expect(() => numericalGradient(f, x, { h: -1e-4 })).toThrow('h must be a positive finite number');
    expect(() => numericalGradient(f, x, { h: NaN })).toThrow('h must be a positive finite number, got NaN');
    expect(() => numericalGradient(f, x, { stencil: 'forward' as never })).toThrow(
      `numericalGradient: stencil must be 'central' or 'five-point', got "forward"`,
    );
    expect(() => numericalGradient(f, x, { indices: [0, 2] })).toThrow('numericalGradient: indices[1] is 2; expected an integer flat index in [0, 2)');
    expect(() => numericalGradient(f, x, { indices: [0.5] })).toThrow('indices[0] is 0.5');
    expect(() => numericalGradient(f, [1, 2] as never)).toThrow('numericalGradient: x must be a Tensor');
    expect(() => numericalGradient(5 as never, x)).toThrow('numericalGradient: f must be a function');
  });
});

describe('a function that does not depend on the input', () => {
  test.each(['central', 'five-point'] as const)('%s gives exactly 0, not rounding noise', (stencil) => {
    // A large constant loss: any ordering of the four stencil terms other than
    // differences-first leaves ~1e-11 of noise, which is relative error 1 against 0.
    const x = tensor([0.3, -1.7]);
    const f = () => 123.456789 + 0 * 0;
    const g = numericalGradient(f, x, { stencil });
    expect(Array.from(g)).toEqual([0, 0]);
  });
});

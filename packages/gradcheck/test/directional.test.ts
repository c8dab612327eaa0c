import { describe, expect, test } from '@jest/globals';
import { directionalCheck } from '@weft/gradcheck';
import { Rng, zeros } from '@weft/tensor';
import { bits, param, quadraticForm, sumOfSines, type Bug } from './helpers.js';

describe('directionalCheck', () => {
  test('exact gradients pass with a tiny error', () => {
    const { params, lossAndGradients } = quadraticForm(6, 7);
    const r = directionalCheck(params, lossAndGradients, { seed: 3 });
    expect(r.passed).toBe(true);
    expect(r.relativeError).toBeLessThan(1e-9);
    expect(r).toMatchObject({ h: 1e-4, stencil: 'central', seed: 3, threshold: 1e-6 });

    const x = param('x', [10], new Rng(2));
    const s = directionalCheck([x], sumOfSines(x), { stencil: 'five-point' });
    expect(s.relativeError).toBeLessThan(1e-10);
  });

  test.each<Bug>(['flipped-sign', 'missing-factor', 'wrong-index'])('flags a %s bug', (bug) => {
    const { params, lossAndGradients } = quadraticForm(5, 11, bug, 2);
    for (const seed of [0, 1, 2]) {
      const r = directionalCheck(params, lossAndGradients, { seed });
      expect(r.passed).toBe(false);
      expect(r.relativeError).toBeGreaterThan(1e-4);
    }
  });

  test('the analytical side is Σ g·d for a unit d: |analytical| <= ‖g‖', () => {
    const x = param('x', [8], new Rng(6));
    const loss = () => {
      // f = c·x, so ∂f/∂x = c everywhere and the directional derivative is c·d.
      let s = 0;
      for (let i = 0; i < 8; i++) {
        s += (i - 3) * x.value.data[i]!;
        x.grad.data[i]! += i - 3;
      }
      return s;
    };
    const r = directionalCheck([x], loss, { seed: 5 });
    const gNorm = Math.hypot(...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => i - 3));
    expect(Math.abs(r.analytical)).toBeLessThanOrEqual(gNorm);
    expect(Math.abs(r.analytical)).toBeGreaterThan(0);
    expect(r.numerical).toBeCloseTo(r.analytical, 9);
    // Same seed, same direction.
    expect(directionalCheck([x], loss, { seed: 5 }).analytical).toBe(r.analytical);
    expect(directionalCheck([x], loss, { seed: 6 }).analytical).not.toBe(r.analytical);
  });

  test('restores every value bit for bit and leaves the analytical gradient in grad', () => {
    const { x, params, lossAndGradients } = quadraticForm(4, 9);
    x.value.data[1] = 0.1;
    const before = params.map((p) => bits(p.value));
    directionalCheck(params, lossAndGradients);
    directionalCheck(params, lossAndGradients, { stencil: 'five-point', h: 0.3 });
    expect(params.map((p) => bits(p.value))).toEqual(before);
    const left = params.map((p) => Array.from(p.grad.data));
    params.forEach((p) => p.grad.data.fill(0));
    lossAndGradients();
    expect(params.map((p) => Array.from(p.grad.data))).toEqual(left);
  });

  test('restores values when the loss throws mid-probe', () => {
    const x = param('x', [3], new Rng(1));
    const before = bits(x.value);
    let calls = 0;
    expect(() =>
      directionalCheck([x], () => {
        if (++calls === 3) throw new Error('diverged');
        return x.value.data[0]!;
      }),
    ).toThrow('diverged');
    expect(bits(x.value)).toEqual(before);
  });

  test('bad input', () => {
    const x = param('x', [3], new Rng(1));
    const f = () => 0;
    expect(() => directionalCheck([x, { ...x }], f)).toThrow("directionalCheck: parameter names must be unique, but 'x' appears more than once");
    expect(() => directionalCheck([{ name: 'w', value: zeros([2]), grad: zeros([3]) }], f)).toThrow(
      "directionalCheck: parameter 'w': value is [2] but grad is [3]",
    );
    expect(() => directionalCheck([x], f, { h: -1 })).toThrow('directionalCheck: h must be a positive finite number, got -1');
    expect(() => directionalCheck([x], f, { threshold: 0 })).toThrow('directionalCheck: threshold must be a positive finite number');
    expect(() => directionalCheck([x], () => Infinity)).toThrow('directionalCheck: lossAndGradients() must return a finite number');
  });
});

test('directionalCheck zeroes stale grads and calls the loss 3 times (5 five-point)', () => {
  const { x, params, lossAndGradients } = quadraticForm(3, 5);
  let calls = 0;
  const counted = () => (calls++, lossAndGradients());
  x.grad.data.fill(123);
  expect(directionalCheck(params, counted).passed).toBe(true);
  expect(calls).toBe(3);
  calls = 0;
  directionalCheck(params, counted, { stencil: 'five-point' });
  expect(calls).toBe(5);
});

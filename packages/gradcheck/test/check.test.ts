import { describe, expect, test } from '@jest/globals';
import { checkGradients, relativeError, sampleIndices, type GradParam } from '@weft/gradcheck';
import { Rng, tensor, zeros } from '@weft/tensor';
import fc from 'fast-check';
import { bits, param, quadraticForm, sumOfSines, sumOfSquares, type Bug } from './helpers.js';

describe('checkGradients on exact gradients', () => {
  test('x² and sin pass with tiny errors', () => {
    const rng = new Rng(3);
    const a = param('a', [4, 3], rng);
    const b = param('b', [5], rng);
    const squares = sumOfSquares(a);
    const sines = sumOfSines(b);
    const report = checkGradients([a, b], () => squares() + sines());
    expect(report.passed).toBe(true);
    expect(report.params.map((p) => [p.name, p.checked, p.count])).toEqual([['a', 12, 0], ['b', 5, 0]]);
    expect(report.params[0]!.max).toBeLessThan(1e-10); // x²: central differences exact up to rounding
    expect(report.params[1]!.max).toBeLessThan(1e-8); // sin: h²/6 truncation, relative
  });

  test('the quadratic form xᵀAx: (A+Aᵀ)x and x xᵀ pass', () => {
    const { params, lossAndGradients } = quadraticForm(6, 7);
    const report = checkGradients(params, lossAndGradients);
    expect(report.passed).toBe(true);
    for (const p of report.params) {
      expect(p.count).toBe(0);
      expect(p.max).toBeLessThan(1e-9);
      expect(p.mean).toBeLessThanOrEqual(p.max);
      expect(p.worst.error).toBe(p.max);
    }
    expect(report.params[1]!.shape).toEqual([6, 6]);
    expect(report.params[1]!.size).toBe(36);
    expect(report).toMatchObject({ h: 1e-4, threshold: 1e-6, eps: 1e-30, stencil: 'central', maxEntries: null });
  });

  test('the five-point stencil beats central differences on exp(5x)', () => {
    const x: GradParam = { name: 'x', value: tensor([1, 0.8, 1.2]), grad: zeros([3]) };
    const f = () => {
      let loss = 0;
      for (let i = 0; i < 3; i++) {
        const e = Math.exp(5 * x.value.data[i]!);
        loss += e;
        x.grad.data[i]! += 5 * e;
      }
      return loss;
    };
    const central = checkGradients([x], f, { h: 1e-3, threshold: 1e-3 });
    const five = checkGradients([x], f, { h: 1e-3, threshold: 1e-3, stencil: 'five-point' });
    expect(central.params[0]!.max).toBeGreaterThan(1e-6); // ≈ h²·25/12
    expect(five.params[0]!.max).toBeLessThan(central.params[0]!.max / 1000);
    expect(five.stencil).toBe('five-point');
  });
});

describe('checkGradients fails on wrong gradients', () => {
  const at = 2;
  test.each<[Bug, number, number]>([
    // bug, entries of x above threshold, relative error of the worst entry
    ['flipped-sign', 1, 1], // ga = −gn
    ['missing-factor', 1, 1 / 3], // ga = gn/2
    ['wrong-index', 2, 1], // entry `at` gets 0, entry at+1 gets both
  ])('%s: passed is false, the count and the worst index are right', (bug, count, worstError) => {
    const { params, lossAndGradients } = quadraticForm(5, 11, bug, at);
    const report = checkGradients(params, lossAndGradients);
    expect(report.passed).toBe(false);
    const [x, A] = report.params;
    expect(x!.count).toBe(count);
    expect(x!.worst.index).toEqual([at]);
    expect(x!.worst.flatIndex).toBe(at);
    expect(x!.worst.error).toBeCloseTo(worstError, 6);
    expect(x!.max).toBe(x!.worst.error);
    expect(relativeError(x!.worst.analytical, x!.worst.numerical)).toBe(x!.worst.error);
    expect(A!.count).toBe(0); // the bug is in x's gradient only
  });

  test('wrong-index in a matrix: the worst multi-index names the entry that lost its gradient', () => {
    const rng = new Rng(5);
    const W = param('W', [3, 4], rng);
    const f = () => {
      let loss = 0;
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const v = W.value.data[i * 4 + j]!;
          loss += (i + 1) * v * v * v;
          // Off by one for W[1,2]: its gradient lands on W[1,3].
          const k = i === 1 && j === 2 ? i * 4 + j + 1 : i * 4 + j;
          W.grad.data[k]! += 3 * (i + 1) * v * v;
        }
      }
      return loss;
    };
    const report = checkGradients([W], f);
    expect(report.passed).toBe(false);
    expect(report.params[0]!.count).toBe(2);
    expect(report.params[0]!.worst.index).toEqual([1, 2]);
    expect(report.params[0]!.worst.analytical).toBe(0);
  });

  test('a NaN gradient counts as an error', () => {
    const x = param('x', [3], new Rng(1));
    const good = sumOfSquares(x);
    const report = checkGradients([x], () => {
      const loss = good();
      x.grad.data[1] = NaN;
      return loss;
    });
    expect(report.passed).toBe(false);
    expect(report.params[0]!.count).toBe(1);
    expect(report.params[0]!.max).toBeNaN();
    expect(report.params[0]!.worst.index).toEqual([1]);
  });
});

describe('checkGradients leaves the model as it found it', () => {
  test.each(['central', 'five-point'] as const)('values are bit-identical afterwards (%s); grads hold the analytical gradient', (stencil) => {
    const { x, A, params, lossAndGradients } = quadraticForm(4, 2);
    x.value.data[0] = 0.1; // not exactly representable: x + h − h would not round-trip
    x.value.data[3] = -0;
    const before = params.map((p) => bits(p.value));
    checkGradients(params, lossAndGradients, { stencil });
    checkGradients(params, lossAndGradients, { stencil, maxEntries: 3, seed: 9 });
    expect(params.map((p) => bits(p.value))).toEqual(before);
    // One fresh call gives the same gradients the checker left behind.
    const left = params.map((p) => Array.from(p.grad.data));
    x.grad.data.fill(0);
    A.grad.data.fill(0);
    lossAndGradients();
    expect(params.map((p) => Array.from(p.grad.data))).toEqual(left);
  });
});

describe('checkGradients on a random subset (maxEntries)', () => {
  /** A sum of squares that records which flat entries of x each call saw perturbed. */
  function recording(size: number) {
    const x = param('x', [size / 10, 10], new Rng(4));
    const original = Array.from(x.value.data);
    const probed = new Set<number>();
    const f = sumOfSquares(x);
    const lossAndGradients = () => {
      x.value.data.forEach((v, i) => v !== original[i] && probed.add(i));
      return f();
    };
    return { x, probed, lossAndGradients };
  }

  test('checks exactly maxEntries distinct entries, reproducibly for a seed', () => {
    const run = (seed: number) => {
      const { x, probed, lossAndGradients } = recording(50);
      const report = checkGradients([x], lossAndGradients, { maxEntries: 7, seed });
      expect(report.params[0]!.checked).toBe(7);
      expect(report.maxEntries).toBe(7);
      expect(report.seed).toBe(seed);
      return [...probed].sort((a, b) => a - b);
    };
    const first = run(42);
    expect(first.length).toBe(7);
    expect(run(42)).toEqual(first);
    expect(run(43)).not.toEqual(first);
  });

  test('maxEntries >= size checks every entry', () => {
    const { x, probed, lossAndGradients } = recording(20);
    const report = checkGradients([x], lossAndGradients, { maxEntries: 1000 });
    expect(report.params[0]!.checked).toBe(20);
    expect(probed.size).toBe(20);
  });

  test('the worst entry of a subset is one of the sampled entries, and is found when sampled', () => {
    const { params, lossAndGradients } = quadraticForm(30, 3, 'flipped-sign', 17);
    const report = checkGradients(params, lossAndGradients, { maxEntries: 30 });
    expect(report.params[0]!.worst.index).toEqual([17]);
    const sub = checkGradients(params, lossAndGradients, { maxEntries: 10, seed: 1 });
    const sampled = Array.from(sampleIndices(30, 10, new Rng(1)));
    expect(sampled).toContain(sub.params[0]!.worst.flatIndex);
    expect(sub.passed).toBe(!sampled.includes(17));
  });

  test('sampleIndices: min(k, n) distinct, sorted, in-range indices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 400 }), fc.integer(), (n, k, seed) => {
        const s = Array.from(sampleIndices(n, k, new Rng(seed)));
        expect(s.length).toBe(Math.min(n, k));
        expect(new Set(s).size).toBe(s.length);
        s.forEach((v, i) => {
          expect(v >= 0 && v < n).toBe(true);
          if (i > 0) expect(v).toBeGreaterThan(s[i - 1]!);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkGradients: bad input', () => {
  const ok = () => {
    const x = param('x', [3], new Rng(1));
    return { x, f: sumOfSquares(x) };
  };

  test('parameter validation', () => {
    const { x, f } = ok();
    const y = param('y', [2], new Rng(2));
    expect(() => checkGradients([{ name: 'w', value: zeros([2, 3]), grad: zeros([3, 2]) }], f)).toThrow(
      "checkGradients: parameter 'w': value is [2,3] but grad is [3,2]",
    );
    expect(() => checkGradients([x, { ...y, name: 'x' }], f)).toThrow("checkGradients: parameter names must be unique, but 'x' appears more than once");
    expect(() => checkGradients([], f)).toThrow('checkGradients: params is empty');
    expect(() => checkGradients([{ ...x, name: '' }], f)).toThrow('checkGradients: params[0].name must be a non-empty string');
    expect(() => checkGradients([{ name: 'z', value: zeros([2], 'float32'), grad: zeros([2], 'float32') }], f)).toThrow(
      "checkGradients: parameter 'z': value is float32; gradient checks need float64",
    );
    expect(() => checkGradients([{ name: 'z', value: [1, 2], grad: zeros([2]) } as never], f)).toThrow(
      "checkGradients: parameter 'z': value must be a Tensor",
    );
    expect(() => checkGradients([{ name: 'e', value: zeros([0]), grad: zeros([0]) }], f)).toThrow("checkGradients: parameter 'e' has no entries (shape [0])");
  });

  test('option validation', () => {
    const { x, f } = ok();
    expect(() => checkGradients([x], f, { threshold: 0 })).toThrow('checkGradients: threshold must be a positive finite number, got 0');
    expect(() => checkGradients([x], f, { threshold: -1e-6 })).toThrow('threshold must be a positive finite number');
    expect(() => checkGradients([x], f, { h: 0 })).toThrow('checkGradients: h must be a positive finite number, got 0');
    expect(() => checkGradients([x], f, { eps: 0 })).toThrow('checkGradients: eps must be a positive finite number');
    expect(() => checkGradients([x], f, { maxEntries: 0 })).toThrow('checkGradients: maxEntries must be a positive integer, got 0');
    expect(() => checkGradients([x], f, { maxEntries: 2.5 })).toThrow('maxEntries must be a positive integer, got 2.5');
    expect(() => checkGradients([x], f, { seed: 0.5 })).toThrow('checkGradients: seed must be a safe integer, got 0.5');
    expect(() => checkGradients([x], f, { stencil: 'backward' as never })).toThrow("checkGradients: stencil must be 'central' or 'five-point'");
    expect(() => checkGradients([x], undefined as never)).toThrow('checkGradients: lossAndGradients must be a function');
  });

  test('a loss that is not a finite number, or not pure', () => {
    const { x } = ok();
    expect(() => checkGradients([x], () => NaN)).toThrow('checkGradients: lossAndGradients() must return a finite number at the current parameters, got NaN');
    expect(() => checkGradients([x], (() => undefined) as never)).toThrow('got undefined');
    let state = 0; // a recurrent state carried between calls
    expect(() => checkGradients([x], () => ++state + x.value.data[0]!)).toThrow(
      'checkGradients: lossAndGradients() returned 1.',
    );
    expect(() => checkGradients([x], () => ++state)).toThrow('it must be a pure function of the parameter values (reset any recurrent state inside it)');
  });
});

describe('checkGradients: calls and starting state', () => {
  test('zeroes stale grads first, and calls the loss 2 + 2·checked times (2 + 4·checked five-point)', () => {
    const { x, A, params, lossAndGradients } = quadraticForm(3, 5);
    let calls = 0;
    const counted = () => (calls++, lossAndGradients());
    x.grad.data.fill(123); // left over from some earlier step
    A.grad.data.fill(-4);
    expect(checkGradients(params, counted).passed).toBe(true);
    expect(calls).toBe(2 + 2 * 12);
    calls = 0;
    checkGradients(params, counted, { stencil: 'five-point', maxEntries: 2 });
    expect(calls).toBe(2 + 4 * 4);
  });
});

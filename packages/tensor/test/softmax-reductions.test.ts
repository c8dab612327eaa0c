/**
 * Row-wise softmax / log-softmax, reductions and allClose against naive references.
 */
import fc from 'fast-check';
import {
  allClose,
  argmax,
  colSums,
  dot,
  fromData,
  logSoftmax,
  max,
  norm,
  row,
  rowSums,
  softmax,
  sum,
  tensor,
  transpose,
  withBackend,
  zeros,
  type Tensor,
} from '@weft/tensor';
import { reshape as reshapeTo } from '@weft/tensor';
import { dim, expectClose, flat, mat, nanTensor, randomTensor, runs, seed } from './reference.js';

/** Softmax of one row, computed the textbook way on numbers in a safe range. */
function naiveSoftmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((v) => Math.exp(v - m));
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
}

/** Splits the elements of a [n] or [B, n] tensor into rows. */
function rowsOf(t: Tensor): number[][] {
  return t.rank === 1 ? [flat(t)] : mat(t);
}

describe('softmax and logSoftmax', () => {
  const shapes = fc.oneof(
    dim.filter((n) => n > 0).map((n) => [n]),
    fc.tuple(dim, dim.filter((n) => n > 0)).map(([b, n]) => [b, n]),
  );

  it('softmax matches the textbook formula row by row on [n] and [B, n], rows sum to 1', () => {
    fc.assert(
      fc.property(shapes, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const out = softmax(nanTensor(sh), a);
        const expected = rowsOf(a).flatMap(naiveSoftmax);
        expectClose(flat(out), expected);
        for (const r of rowsOf(out)) expect(Math.abs(r.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-12);
      }),
      runs,
    );
  });

  it('logSoftmax equals log(softmax) row by row', () => {
    fc.assert(
      fc.property(shapes, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const out = logSoftmax(nanTensor(sh), a);
        expectClose(flat(out), rowsOf(a).flatMap(naiveSoftmax).map(Math.log));
      }),
      runs,
    );
  });

  it('stays finite and correct for huge logits (1e3): the row maximum is subtracted', () => {
    const a = tensor([
      [1000, 999, 998],
      [-1000, -1001, 1000],
    ]);
    const p = softmax(zeros([2, 3]), a);
    const lp = logSoftmax(zeros([2, 3]), a);
    for (const v of p.data) expect(Number.isFinite(v)).toBe(true);
    for (const v of lp.data) expect(Number.isFinite(v)).toBe(true);
    // The same rows shifted down by their maximum have the same softmax.
    const shifted = tensor([
      [0, -1, -2],
      [-2000, -2001, 0],
    ]);
    expectClose(p.data, mat(shifted).flatMap(naiveSoftmax));
    const z = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    expectClose(flat(row(lp, 0)), [-z, -1 - z, -2 - z]);
    expect(lp.get(1, 2)).toBeCloseTo(0, 12);
  });

  it('softmax hands back each row\'s max and log Σ exp(a − max): (a − max) − logSum is logSoftmax(a)', () => {
    fc.assert(
      fc.property(shapes, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const rows = sh.length === 1 ? 1 : sh[0]!;
        const lse = { max: nanTensor([rows]), logSum: nanTensor([rows]) };
        softmax(nanTensor(sh), a, lse);
        const rs = rowsOf(a);
        expect(flat(lse.max)).toEqual(rs.map((r) => Math.max(...r)));
        expectClose(flat(lse.logSum), rs.map((r) => Math.log(r.reduce((t, v) => t + Math.exp(v - Math.max(...r)), 0))));
        const lp = logSoftmax(zeros(sh), a);
        const n = sh[sh.length - 1]!;
        expectClose(
          flat(a).map((v, i) => v - lse.max.data[Math.floor(i / n)]! - lse.logSum.data[Math.floor(i / n)]!),
          flat(lp),
        );
      }),
      runs,
    );
    // Huge logits: both parts stay finite where a naive log Σ exp overflows.
    const lse = { max: zeros([1]), logSum: zeros([1]) };
    softmax(zeros([3]), tensor([1000, 999, 998]), lse);
    expect(lse.max.data[0]).toBe(1000);
    // log(1 + e^-1 + e^-2) = 0.4076059644443803 (mpmath, 50 digits), to a few ulps
    expect(Math.abs(lse.logSum.data[0]! - 0.4076059644443803)).toBeLessThanOrEqual(3e-16);
    expect(() => softmax(zeros([2, 3]), zeros([2, 3]), { max: zeros([3]), logSum: zeros([2]) })).toThrow(
      'softmax: a has 2 row(s) but lse.max has length 3',
    );
    expect(() => softmax(zeros([2, 3]), zeros([2, 3]), { max: zeros([2]), logSum: zeros([1]) })).toThrow(
      'softmax: a has 2 row(s) but lse.logSum has length 1',
    );
    // the old API (one tensor of log-normalizers) is refused, not misread
    expect(() => softmax(zeros([2, 3]), zeros([2, 3]), zeros([2]) as never)).toThrow(
      'softmax: expected lse = { max, logSum } (two tensors of 2 element(s)), got a Tensor [2]',
    );
    const shared = zeros([4]);
    expect(() =>
      softmax(zeros([2, 3]), zeros([2, 3]), { max: row(reshapeTo(shared, [2, 2]), 0), logSum: row(reshapeTo(shared, [2, 2]), 0) }),
    ).toThrow('softmax: lse.max and lse.logSum must not share memory');
    const out = zeros([2, 3]);
    expect(() => softmax(out, zeros([2, 3]), { max: fromData(out.data.subarray(0, 2), [2]), logSum: zeros([2]) })).toThrow(
      'softmax: lse.max must not share memory with out or a',
    );
  });

  it('log-probabilities keep the digits of log Σ below the largest logit (issue 15.8), on both backends', () => {
    for (const backend of ['js', 'wasm'] as const) {
      withBackend(backend, (effective) => {
        expect(effective).toBe(backend);
        const lse = { max: zeros([2]), logSum: zeros([2]) };
        const a = tensor([
          [1e16, 1e16],
          [1000, 970],
        ]);
        softmax(zeros([2, 2]), a, lse);
        const lp = logSoftmax(zeros([2, 2]), a);
        // exact: log 2 (rounded), and log(1 + e^-30) = 9.357622968839737e-14 (mpmath, 50 digits)
        expect(lp.get(0, 0)).toBe(-0.6931471805599453);
        expect(lp.get(0, 1)).toBe(-0.6931471805599453);
        expect(lse.logSum.data[0]).toBe(0.6931471805599453);
        // to 2 ulps relative: log Σ is log1p of the terms other than the max's 1,
        // never rounded near 1 (the old a − (max + log Σ) gave 1.14e-13, 22 % off)
        const tiny = 9.357622968839737e-14;
        expect(Math.abs(-lp.get(1, 0) - tiny)).toBeLessThanOrEqual(3e-16 * tiny);
        expect(Math.abs(lse.logSum.data[1]! - tiny)).toBeLessThanOrEqual(3e-16 * tiny);
        expect(lp.get(1, 1)).toBeCloseTo(-30.000000000000092, 13);
        // ties: each maximum counts 1 (log(2 + e^-1) = 0.8619948040582511, mpmath)
        const tie = { max: zeros([1]), logSum: zeros([1]) };
        softmax(zeros([3]), tensor([5, 4, 5]), tie);
        expect(Math.abs(tie.logSum.data[0]! - 0.8619948040582511)).toBeLessThanOrEqual(3e-16);
        // ties in vector lanes and in the remainder: log(4 + e^-1 + … + e^-5) = 1.521274318150906 (mpmath)
        const ties = { max: zeros([1]), logSum: zeros([1]) };
        softmax(zeros([9]), tensor([5, 4, 5, 3, 5, 2, 1, 0, 5]), ties);
        expect(Math.abs(ties.logSum.data[0]! - 1.521274318150906)).toBeLessThanOrEqual(5e-16);
      });
    }
  });

  it('out === a gives the same result as a separate out', () => {
    for (const kernel of [softmax, logSoftmax]) {
      const a = randomTensor([4, 5], 3);
      const separate = kernel(zeros([4, 5]), a);
      expect(kernel(a, a)).toBe(a);
      expect(Array.from(a.data)).toEqual(Array.from(separate.data));
    }
  });

  it('refuses scalars, rank > 2, shape mismatch and partial overlap, naming the function', () => {
    expect(() => softmax(zeros([]), zeros([]))).toThrow('softmax: expected a vector or a matrix, got a scalar');
    expect(() => logSoftmax(zeros([2, 2, 2]), zeros([2, 2, 2]))).toThrow(
      'logSoftmax: expected a vector [n] or a matrix [B, n], got [2,2,2]',
    );
    expect(() => softmax(zeros([3]), zeros([4]))).toThrow('softmax: a is [4] but out is [3]');
    const buf = zeros([5]);
    expect(() => softmax(fromData(buf.data.subarray(1, 5), [4]), fromData(buf.data.subarray(0, 4), [4]))).toThrow(
      'softmax: out partially overlaps a',
    );
  });

  it('works on float32', () => {
    const a = randomTensor([2, 4], 5, 'float32');
    const out = softmax(zeros([2, 4], 'float32'), a);
    expectClose(flat(out), mat(a).flatMap(naiveSoftmax), 1e-6);
  });
});

describe('sum, dot, max, argmax', () => {
  const shape = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 });

  it('sum and dot match plain loops (0 for empty tensors)', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const b = randomTensor(sh, s + 1);
        const av = flat(a);
        const bv = flat(b);
        expectClose([sum(a)], [av.reduce((x, y) => x + y, 0)]);
        expectClose([dot(a, b)], [av.reduce((x, y, i) => x + y * bv[i]!, 0)]);
      }),
      runs,
    );
    expect(sum(zeros([0, 3]))).toBe(0);
  });

  it('dot takes any shapes of equal size and names the lengths on a mismatch', () => {
    expect(dot(tensor([[1, 2, 3]]), tensor([4, 5, 6]))).toBe(32);
    expect(() => dot(zeros([3]), zeros([4]))).toThrow('dot: a has length 3 but b has length 4');
  });

  it('max and argmax find the largest element and its first row-major index', () => {
    fc.assert(
      fc.property(shape.filter((sh) => sh.every((d) => d > 0)), seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const av = flat(a);
        let best = 0;
        for (let i = 1; i < av.length; i++) if (av[i]! > av[best]!) best = i;
        expect(max(a)).toBe(av[best]);
        expect(argmax(a)).toBe(best);
      }),
      runs,
    );
    expect(argmax(tensor([1, 5, 5, 2]))).toBe(1);
    expect(argmax(row(tensor([[9, 9], [1, 3]]), 1))).toBe(1);
  });

  it('max is NaN if any element is NaN; max/argmax of an empty tensor throw', () => {
    expect(max(tensor([1, NaN, 3]))).toBeNaN();
    expect(max(tensor([-Infinity, -Infinity]))).toBe(-Infinity);
    expect(() => max(zeros([0]))).toThrow('max: a is empty');
    expect(() => argmax(zeros([2, 0]))).toThrow('argmax: a is empty');
  });
});

describe('norm', () => {
  it('matches √Σa² on ordinary values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }), seed, (sh, s) => {
        const a = randomTensor(sh, s);
        expectClose([norm(a)], [Math.sqrt(flat(a).reduce((x, y) => x + y * y, 0))]);
      }),
      runs,
    );
  });

  it('does not overflow on huge values or underflow on tiny ones', () => {
    // The naive sum of squares overflows to Infinity / underflows to 0 here.
    expectClose([norm(tensor([3e200, 4e200]))], [5e200]);
    expectClose([norm(tensor([3e-200, -4e-200]))], [5e-200]);
    expect(Math.sqrt(3e200 ** 2 + 4e200 ** 2)).toBe(Infinity);
    expect(Math.sqrt(3e-200 ** 2 + 4e-200 ** 2)).toBe(0);
  });

  it('handles 0, Infinity and NaN', () => {
    expect(norm(zeros([0]))).toBe(0);
    expect(norm(zeros([3]))).toBe(0);
    expect(norm(tensor([1, -Infinity]))).toBe(Infinity);
    expect(norm(tensor([1, NaN, 2]))).toBeNaN();
    expect(norm(tensor([Infinity, NaN]))).toBeNaN();
  });
});

describe('rowSums and colSums', () => {
  const betas = fc.constantFrom(0, 1, 0.5, -2);

  it('match plain loops with beta (beta = 0 ignores NaN in out, beta = 1 accumulates)', () => {
    fc.assert(
      fc.property(dim, dim, seed, betas, (B, n, s, beta) => {
        const A = randomTensor([B, n], s);
        const a = mat(A);
        const r0 = beta === 0 ? nanTensor([B]) : randomTensor([B], s + 1);
        const c0 = beta === 0 ? nanTensor([n]) : randomTensor([n], s + 2);
        const rBefore = flat(r0);
        const cBefore = flat(c0);
        const expectedRows = a.map((r, i) => r.reduce((x, y) => x + y, 0) + (beta === 0 ? 0 : beta * rBefore[i]!));
        const expectedCols = cBefore.map((c, j) => a.reduce((x, r) => x + r[j]!, 0) + (beta === 0 ? 0 : beta * c));
        expect(rowSums(r0, A, beta)).toBe(r0);
        expect(colSums(c0, A, beta)).toBe(c0);
        expectClose(r0.data, expectedRows);
        expectClose(c0.data, expectedCols);
      }),
      runs,
    );
  });

  it('name the function and the shapes; refuse out over A and non-contiguous A', () => {
    expect(() => rowSums(zeros([3]), zeros([2, 3]))).toThrow('rowSums: A is [2,3] but out has length 3');
    expect(() => colSums(zeros([2]), zeros([2, 3]))).toThrow('colSums: A is [2,3] but out has length 2');
    const A = zeros([3, 3]);
    expect(() => colSums(row(A, 0), A)).toThrow('colSums: out must not share memory with A');
    expect(() => rowSums(row(A, 0), A)).toThrow('rowSums: out must not share memory with A');
    expect(() => colSums(zeros([2]), transpose(zeros([2, 2])))).toThrow('colSums: A [2,2] is not contiguous');
  });
});

describe('allClose', () => {
  it('uses |a − b| <= tol · max(1, |a|, |b|): absolute near 0, relative for large values', () => {
    const tol = 1e-6;
    expect(allClose(tensor([0]), tensor([0.9e-6]), tol)).toBe(true);
    expect(allClose(tensor([0]), tensor([1.1e-6]), tol)).toBe(false);
    expect(allClose(tensor([1e6]), tensor([1e6 + 0.9]), tol)).toBe(true);
    expect(allClose(tensor([1e6]), tensor([1e6 + 1.1]), tol)).toBe(false);
    expect(allClose(tensor([-1e6]), tensor([-1e6 - 0.9]), tol)).toBe(true);
    // default tol 1e-9
    expect(allClose(tensor([1]), tensor([1 + 5e-10]))).toBe(true);
    expect(allClose(tensor([1]), tensor([1 + 5e-9]))).toBe(false);
  });

  it('agrees with the formula elementwise on random pairs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e-2, max: 1e-2, noNaN: true }))),
        fc.double({ min: 0, max: 1e-2, noNaN: true }),
        (pairs, tol) => {
          const a = pairs.map(([x]) => x);
          const b = pairs.map(([x, d]) => x + d);
          const expected = a.every((x, i) => Math.abs(x - b[i]!) <= tol * Math.max(1, Math.abs(x), Math.abs(b[i]!)));
          expect(allClose(tensor(a), tensor(b), tol)).toBe(expected);
        },
      ),
      runs,
    );
  });

  it('is false on any NaN (and on infinities), and compares views elementwise', () => {
    expect(allClose(tensor([1, NaN]), tensor([1, NaN]))).toBe(false);
    expect(allClose(tensor([1, 2]), tensor([1, NaN]))).toBe(false);
    // The formula gives NaN <= Infinity for equal infinities, so they are not close either.
    expect(allClose(tensor([Infinity]), tensor([Infinity]))).toBe(false);
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(allClose(transpose(a), tensor([[1, 3], [2, 4]]))).toBe(true);
    expect(allClose(transpose(a), a)).toBe(false);
    expect(allClose(zeros([0, 2]), zeros([0, 2]))).toBe(true);
  });

  it('throws on a shape mismatch instead of broadcasting, and on a bad tol', () => {
    expect(() => allClose(zeros([2, 3]), zeros([3, 2]))).toThrow('allClose: a is [2,3] but b is [3,2]');
    expect(() => allClose(zeros([6]), zeros([2, 3]))).toThrow('allClose: a is [6] but b is [2,3]');
    expect(() => allClose(zeros([1]), zeros([1]), -1)).toThrow('allClose: tol must be a non-negative number, got -1');
  });
});

/**
 * Matrix kernels (matvec, matvecT, gemm, matmul, addOuter) against naive
 * nested-loop references, on random shapes including empty and 1-element ones.
 */
import fc from 'fast-check';
import { addOuter, fromData, gemm, matmul, matvec, matvecT, reshape, row, tensor, transpose, zeros } from '@weft/tensor';
import {
  coefficient,
  dim,
  expectClose,
  flat,
  mat,
  naiveMatmul,
  nanTensor,
  randomTensor,
  runs,
  seed,
  transposed,
} from './reference.js';

describe('matvec', () => {
  it('computes alpha·A x + beta·out like the naive loop, for any shape', () => {
    fc.assert(
      fc.property(dim, dim, seed, coefficient, coefficient, (m, n, s, alpha, beta) => {
        const A = randomTensor([m, n], s);
        const x = randomTensor([n], s + 1);
        const out = randomTensor([m], s + 2);
        const before = flat(out);
        const a = mat(A);
        const xv = flat(x);
        const expected = before.map((o, i) => {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += a[i]![j]! * xv[j]!;
          return alpha * acc + beta * o;
        });
        expect(matvec(out, A, x, alpha, beta)).toBe(out);
        expectClose(out.data, expected);
      }),
      runs,
    );
  });

  it('with beta = 0 overwrites out without reading it (NaN in out does not leak)', () => {
    const A = randomTensor([7, 5], 1);
    const x = randomTensor([5], 2);
    const out = nanTensor([7]);
    matvec(out, A, x);
    const a = mat(A);
    const xv = flat(x);
    expectClose(out.data, a.map((r) => r.reduce((s, v, j) => s + v * xv[j]!, 0)));
  });

  it('accepts vectors of any contiguous shape whose size matches ([1,n], [n,1], row views)', () => {
    const A = randomTensor([6, 4], 3);
    const xs = randomTensor([3, 4], 4);
    const x = row(xs, 2); // offset view
    const out1 = zeros([6]);
    const out2 = zeros([1, 6]);
    matvec(out1, A, x);
    matvec(out2, A, reshape(x, [4, 1]));
    expectClose(out2.data, out1.data);
    const a = mat(A);
    const xv = flat(x);
    expectClose(out1.data, a.map((r) => r.reduce((s, v, j) => s + v * xv[j]!, 0)));
  });

  it('names the function and the shapes in shape errors', () => {
    const A = zeros([3, 4]);
    expect(() => matvec(zeros([3]), A, zeros([5]))).toThrow('matvec: A is [3,4] but x has length 5');
    expect(() => matvec(zeros([4]), A, zeros([4]))).toThrow('matvec: A is [3,4] but out has length 4');
    expect(() => matvec(zeros([3]), zeros([12]), zeros([4]))).toThrow('matvec: A must be 2-D, got shape [12]');
    expect(() => matvec(zeros([3]), A, new Float64Array(4) as never)).toThrow(/matvec: x must be a Tensor, got Float64Array/);
  });

  it('refuses non-contiguous inputs', () => {
    const At = transpose(zeros([4, 3]));
    expect(() => matvec(zeros([3]), At, zeros([4]))).toThrow('matvec: A [3,4] is not contiguous');
    const strided = transpose(zeros([4, 3]));
    expect(() => matvec(zeros([4]), zeros([4, 4]), row(strided, 0))).toThrow(/matvec: x \[4\] is not contiguous/);
  });

  it('refuses out sharing memory with A or x', () => {
    const A = randomTensor([3, 3], 5);
    const x = randomTensor([3], 6);
    expect(() => matvec(x, A, x)).toThrow('matvec: out must not share memory with x');
    expect(() => matvec(row(A, 1), A, x)).toThrow('matvec: out must not share memory with A');
    // A view into the same buffer that does not overlap is fine.
    const big = randomTensor([4, 3], 7);
    const top = fromData(big.data.subarray(0, 9), [3, 3]);
    const out = row(big, 3);
    matvec(out, top, x);
    const a = mat(top);
    const xv = flat(x);
    expectClose(flat(out), a.map((r) => r.reduce((s, v, j) => s + v * xv[j]!, 0)));
  });

  it('works on float32 tensors', () => {
    const A = randomTensor([9, 7], 8, 'float32');
    const x = randomTensor([7], 9, 'float32');
    const out = zeros([9], 'float32');
    matvec(out, A, x, 0.5);
    const a = mat(A);
    const xv = flat(x);
    expect(out.data).toBeInstanceOf(Float32Array);
    expectClose(out.data, a.map((r) => 0.5 * r.reduce((s, v, j) => s + v * xv[j]!, 0)), 1e-5);
  });
});

describe('matvecT', () => {
  it('computes alpha·Aᵀ x + beta·out like the naive loop, for any shape', () => {
    fc.assert(
      fc.property(dim, dim, seed, coefficient, coefficient, (m, n, s, alpha, beta) => {
        const A = randomTensor([m, n], s);
        const x = randomTensor([m], s + 1);
        const out = randomTensor([n], s + 2);
        const before = flat(out);
        const a = mat(A);
        const xv = flat(x);
        const expected = before.map((o, j) => {
          let acc = 0;
          for (let i = 0; i < m; i++) acc += a[i]![j]! * xv[i]!;
          return alpha * acc + beta * o;
        });
        expect(matvecT(out, A, x, alpha, beta)).toBe(out);
        expectClose(out.data, expected);
      }),
      runs,
    );
  });

  it('with beta = 0 ignores NaN in out', () => {
    const A = randomTensor([5, 6], 10);
    const x = randomTensor([5], 11);
    const out = nanTensor([6]);
    matvecT(out, A, x);
    const at = transposed(mat(A), 6);
    const xv = flat(x);
    expectClose(out.data, at.map((r) => r.reduce((s, v, i) => s + v * xv[i]!, 0)));
  });

  it('names the function and the shapes in shape errors', () => {
    const A = zeros([3, 4]);
    expect(() => matvecT(zeros([4]), A, zeros([4]))).toThrow(/^matvecT: A is \[3,4\].* but x has length 4$/);
    expect(() => matvecT(zeros([3]), A, zeros([3]))).toThrow(/^matvecT: A is \[3,4\].* but out has length 3$/);
  });

  it('refuses out sharing memory with A or x', () => {
    const A = randomTensor([3, 3], 12);
    const x = randomTensor([3], 13);
    expect(() => matvecT(x, A, x)).toThrow('matvecT: out must not share memory with x');
    expect(() => matvecT(row(A, 0), A, x)).toThrow('matvecT: out must not share memory with A');
  });

  it('works on float32 tensors', () => {
    const A = randomTensor([6, 5], 14, 'float32');
    const x = randomTensor([6], 15, 'float32');
    const out = zeros([5], 'float32');
    matvecT(out, A, x);
    const at = transposed(mat(A), 5);
    const xv = flat(x);
    expectClose(out.data, at.map((r) => r.reduce((s, v, i) => s + v * xv[i]!, 0)), 1e-5);
  });
});

describe('gemm', () => {
  const flags: [boolean, boolean][] = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];

  for (const [transA, transB] of flags) {
    const name = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;

    it(`${name}: out = alpha·op(A)op(B) + beta·out like the naive triple loop`, () => {
      fc.assert(
        fc.property(dim, dim, dim, seed, coefficient, coefficient, (M, K, N, s, alpha, beta) => {
          const A = randomTensor(transA ? [K, M] : [M, K], s);
          const B = randomTensor(transB ? [N, K] : [K, N], s + 1);
          const out = randomTensor([M, N], s + 2);
          const before = mat(out);
          const opA = transA ? transposed(mat(A), M) : mat(A);
          const opB = transB ? transposed(mat(B), K) : mat(B);
          const prod = naiveMatmul(opA, opB, M, K, N);
          const expected = prod.flatMap((r, i) => r.map((v, j) => alpha * v + beta * before[i]![j]!));
          expect(gemm(out, A, B, transA, transB, alpha, beta)).toBe(out);
          expectClose(out.data, expected);
        }),
        runs,
      );
    });

    it(`${name}: beta = 0 ignores NaN in out`, () => {
      const [M, K, N] = [5, 6, 7];
      const A = randomTensor(transA ? [K, M] : [M, K], 20);
      const B = randomTensor(transB ? [N, K] : [K, N], 21);
      const out = nanTensor([M, N]);
      gemm(out, A, B, transA, transB, 2, 0);
      const opA = transA ? transposed(mat(A), M) : mat(A);
      const opB = transB ? transposed(mat(B), K) : mat(B);
      expectClose(out.data, naiveMatmul(opA, opB, M, K, N).flat().map((v) => 2 * v));
    });
  }

  it('with K = 0 or alpha = 0 leaves beta·out (0 when beta = 0, even from NaN)', () => {
    const out = nanTensor([2, 3]);
    gemm(out, zeros([2, 0]), zeros([0, 3]));
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const out2 = tensor([[1, 2, 3], [4, 5, 6]]);
    gemm(out2, randomTensor([2, 4], 1), randomTensor([4, 3], 2), false, false, 0, 0.5);
    expect(Array.from(out2.data)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
  });

  it('matmul is gemm without flags', () => {
    const A = randomTensor([3, 5], 30);
    const B = randomTensor([5, 2], 31);
    const out = nanTensor([3, 2]);
    expect(matmul(out, A, B)).toBe(out);
    expectClose(out.data, naiveMatmul(mat(A), mat(B), 3, 5, 2).flat());
  });

  it('names the function and the (transposed) shapes in shape errors', () => {
    expect(() => gemm(zeros([2, 5]), zeros([2, 3]), zeros([4, 5]))).toThrow('gemm: A is [2,3] but B is [4,5]');
    expect(() => gemm(zeros([3, 5]), zeros([2, 3]), zeros([4, 5]), true)).toThrow('gemm: Aᵀ is [3,2] but B is [4,5]');
    expect(() => gemm(zeros([2, 4]), zeros([2, 3]), zeros([4, 5]), false, true)).toThrow('gemm: A is [2,3] but Bᵀ is [5,4]');
    expect(() => gemm(zeros([5, 2]), zeros([2, 3]), zeros([3, 5]))).toThrow(
      'gemm: A is [2,3] and B is [3,5], so out must be [2,5], got [5,2]',
    );
    expect(() => gemm(zeros([10]), zeros([2, 3]), zeros([3, 5]))).toThrow('gemm: out must be 2-D, got shape [10]');
    expect(() => gemm(zeros([2, 5]), zeros([2, 3, 1]), zeros([3, 5]))).toThrow('gemm: A must be 2-D, got shape [2,3,1]');
  });

  it('refuses non-contiguous operands (use the transpose flags instead)', () => {
    const B = transpose(zeros([5, 3]));
    expect(() => gemm(zeros([2, 5]), zeros([2, 3]), B)).toThrow('gemm: B [3,5] is not contiguous');
  });

  it('refuses out sharing memory with A or B', () => {
    const A = randomTensor([3, 3], 40);
    const B = randomTensor([3, 3], 41);
    expect(() => gemm(A, A, B)).toThrow('gemm: out must not share memory with A');
    expect(() => gemm(B, A, B)).toThrow('gemm: out must not share memory with B');
    const big = randomTensor([6, 3], 42);
    const lower = fromData(big.data.subarray(6, 15), [3, 3]);
    const upper = fromData(big.data.subarray(0, 9), [3, 3]);
    expect(() => gemm(lower, upper, B)).toThrow(
      'gemm: out must not share memory with A',
    );
  });
});

describe('addOuter', () => {
  it('adds alpha·x yᵀ to A like the naive loop, for any shape', () => {
    fc.assert(
      fc.property(dim, dim, seed, coefficient, (m, n, s, alpha) => {
        const A = randomTensor([m, n], s);
        const x = randomTensor([m], s + 1);
        const y = randomTensor([n], s + 2);
        const a = mat(A);
        const xv = flat(x);
        const yv = flat(y);
        const expected = a.flatMap((r, i) => r.map((v, j) => v + alpha * xv[i]! * yv[j]!));
        expect(addOuter(A, x, y, alpha)).toBe(A);
        expectClose(A.data, expected);
      }),
      runs,
    );
  });

  it('defaults alpha to 1', () => {
    const A = zeros([2, 2]);
    addOuter(A, tensor([1, 2]), tensor([3, 4]));
    expect(A.toArray()).toEqual([
      [3, 4],
      [6, 8],
    ]);
  });

  it('names the function and the shapes in shape errors', () => {
    expect(() => addOuter(zeros([3, 4]), zeros([4]), zeros([4]))).toThrow('addOuter: A is [3,4] but x has length 4');
    expect(() => addOuter(zeros([3, 4]), zeros([3]), zeros([3]))).toThrow('addOuter: A is [3,4] but y has length 3');
  });

  it('refuses A sharing memory with x or y', () => {
    const A = randomTensor([3, 3], 50);
    expect(() => addOuter(A, row(A, 0), zeros([3]))).toThrow('addOuter: out must not share memory with x');
    expect(() => addOuter(A, zeros([3]), row(A, 2))).toThrow('addOuter: out must not share memory with y');
  });

  it('works on float32 tensors', () => {
    const A = randomTensor([4, 3], 51, 'float32');
    const x = randomTensor([4], 52, 'float32');
    const y = randomTensor([3], 53, 'float32');
    const a = mat(A);
    const xv = flat(x);
    const yv = flat(y);
    addOuter(A, x, y, -1);
    expectClose(A.data, a.flatMap((r, i) => r.map((v, j) => v - xv[i]! * yv[j]!)), 1e-5);
  });
});

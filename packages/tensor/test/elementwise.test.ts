/**
 * Elementwise kernels and activations against naive per-element references;
 * aliasing (`out === input`) and the partial-overlap error.
 */
import fc from 'fast-check';
import {
  add,
  addRowVector,
  axpy,
  clip,
  copy,
  exp,
  fill,
  fromData,
  mul,
  reshape,
  row,
  relu,
  reluBackward,
  scale,
  scaleShift,
  sigmoid,
  sigmoidBackward,
  sub,
  tanh,
  tanhBackward,
  tensor,
  transpose,
  zeros,
  type Tensor,
} from '@weft/tensor';
import { dim, expectClose, flat, nanTensor, randomTensor, runs, seed } from './reference.js';

/** Shapes of rank 0 to 3 with small extents (including 0 and 1). */
const shape = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 });

type Binary = (out: Tensor, a: Tensor, b: Tensor) => Tensor;
const binaries: [string, Binary, (x: number, y: number) => number][] = [
  ['add', add, (x, y) => x + y],
  ['sub', sub, (x, y) => x - y],
  ['mul', mul, (x, y) => x * y],
];

describe.each(binaries)('%s', (name, kernel, ref) => {
  it('matches the per-element reference on any shape', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const b = randomTensor(sh, s + 1);
        const out = nanTensor(sh);
        const av = flat(a);
        const bv = flat(b);
        expect(kernel(out, a, b)).toBe(out);
        expectClose(flat(out), av.map((x, i) => ref(x, bv[i]!)), 0);
      }),
      runs,
    );
  });

  it('allows out === a, out === b and a === b, with the same result as a separate out', () => {
    const a = randomTensor([3, 4], 1);
    const b = randomTensor([3, 4], 2);
    const separate = kernel(zeros([3, 4]), a, b);
    const squared = kernel(zeros([3, 4]), a, a);
    const a1 = randomTensor([3, 4], 1);
    expect(kernel(a1, a1, b)).toBe(a1);
    expect(Array.from(a1.data)).toEqual(Array.from(separate.data));
    const b1 = randomTensor([3, 4], 2);
    kernel(b1, a, b1);
    expect(Array.from(b1.data)).toEqual(Array.from(separate.data));
    const a2 = randomTensor([3, 4], 1);
    kernel(a2, a2, a2);
    expect(Array.from(a2.data)).toEqual(Array.from(squared.data));
  });

  it('refuses out partially overlapping an input', () => {
    const buf = randomTensor([10], 3);
    const a = fromData(buf.data.subarray(0, 8), [8]);
    const out = fromData(buf.data.subarray(1, 9), [8]);
    expect(() => kernel(out, a, zeros([8]))).toThrow(`${name}: out partially overlaps a`);
    expect(() => kernel(out, zeros([8]), a)).toThrow(`${name}: out partially overlaps b`);
  });

  it('names the function and both shapes on a mismatch (no broadcasting)', () => {
    expect(() => kernel(zeros([2, 3]), zeros([2, 3]), zeros([3]))).toThrow(`${name}: a is [2,3] but b is [3]`);
    expect(() => kernel(zeros([3, 2]), zeros([2, 3]), zeros([2, 3]))).toThrow(`${name}: a is [2,3] but out is [3,2]`);
    expect(() => kernel(zeros([6]), zeros([6]), zeros([1]))).toThrow(`${name}: a is [6] but b is [1]`);
  });

  it('refuses non-contiguous inputs', () => {
    const t = transpose(zeros([2, 3]));
    expect(() => kernel(zeros([3, 2]), t, zeros([3, 2]))).toThrow(`${name}: a [3,2] is not contiguous`);
  });

  it('works on float32 tensors', () => {
    const a = randomTensor([5], 4, 'float32');
    const b = randomTensor([5], 5, 'float32');
    const out = zeros([5], 'float32');
    kernel(out, a, b);
    const av = flat(a);
    const bv = flat(b);
    expectClose(out.data, av.map((x, i) => Math.fround(ref(x, bv[i]!))), 0);
  });
});

describe('exact aliasing through different views of the same storage', () => {
  it('treats two typed arrays over the same bytes as the same tensor, not a partial overlap', () => {
    const a = randomTensor([6], 6);
    const same = fromData(new Float64Array(a.data.buffer, a.data.byteOffset, 6), [6]);
    const expected = flat(a).map((v) => 2 * v);
    add(same, a, a);
    expectClose(flat(a), expected, 0);
  });
});

describe('scale', () => {
  it('matches s·a, in place too', () => {
    fc.assert(
      fc.property(shape, seed, fc.double({ min: -5, max: 5, noNaN: true }), (sh, s, k) => {
        const a = randomTensor(sh, s);
        const expected = flat(a).map((v) => k * v);
        expectClose(flat(scale(nanTensor(sh), a, k)), expected, 0);
        expect(scale(a, a, k)).toBe(a);
        expectClose(flat(a), expected, 0);
      }),
      runs,
    );
  });
});

describe('axpy', () => {
  it('adds alpha·x to y, and y += alpha·y when x === y', () => {
    fc.assert(
      fc.property(shape, seed, fc.double({ min: -5, max: 5, noNaN: true }), (sh, s, alpha) => {
        const y = randomTensor(sh, s);
        const x = randomTensor(sh, s + 1);
        const yv = flat(y);
        const xv = flat(x);
        expect(axpy(y, alpha, x)).toBe(y);
        expectClose(flat(y), yv.map((v, i) => v + alpha * xv[i]!), 0);
        const z = randomTensor(sh, s + 2);
        const zv = flat(z);
        axpy(z, alpha, z);
        expectClose(flat(z), zv.map((v) => v + alpha * v), 0);
      }),
      runs,
    );
  });

  it('names the function and the shapes on a mismatch', () => {
    expect(() => axpy(zeros([3]), 1, zeros([4]))).toThrow('axpy: y is [3] but x is [4]');
  });
});

describe('fill and copy', () => {
  it('fill sets every element, including through an offset row view only within the row', () => {
    const A = zeros([3, 2]);
    expect(fill(row(A, 1), 7)).toEqual(row(A, 1));
    expect(A.toArray()).toEqual([
      [0, 0],
      [7, 7],
      [0, 0],
    ]);
  });

  it('copy copies contiguous data, allows out === a, and materialises a transposed view', () => {
    const a = randomTensor([2, 3], 7);
    const out = nanTensor([2, 3]);
    expect(copy(out, a)).toBe(out);
    expect(flat(out)).toEqual(flat(a));
    expect(copy(a, a)).toBe(a);
    const t = transpose(a);
    const tc = copy(zeros([3, 2]), t);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(tc.get(i, j)).toBe(a.get(j, i));
  });

  it('copy copies row views at any offset, short (a loop) and long (TypedArray.set)', () => {
    for (const n of [1, 5, 256, 257, 1000]) {
      const src = randomTensor([3, n], n);
      const dst = nanTensor([2, n]);
      const out = row(dst, 1);
      expect(copy(out, row(src, 2))).toBe(out);
      expect(flat(out)).toEqual(flat(row(src, 2)));
      expect(flat(row(dst, 0)).every(Number.isNaN)).toBe(true); // nothing written outside out
    }
  });

  it('copy checks shapes and refuses a strided source over out\'s storage', () => {
    expect(() => copy(zeros([2, 3]), zeros([3, 2]))).toThrow('copy: out is [2,3] but a is [3,2]');
    const a = zeros([2, 2]);
    expect(() => copy(a, transpose(a))).toThrow('copy: out must not share memory with a strided view a');
  });
});

describe('clip', () => {
  it('clamps to [lo, hi], keeps NaN, allows out === a', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        const expected = flat(a).map((v) => Math.min(Math.max(v, -0.5), 1));
        expectClose(flat(clip(nanTensor(sh), a, -0.5, 1)), expected, 0);
        clip(a, a, -0.5, 1);
        expectClose(flat(a), expected, 0);
      }),
      runs,
    );
    const withNaN = tensor([NaN, -10, 10, 0.25]);
    clip(withNaN, withNaN, -1, 1);
    expect(Array.from(withNaN.data)).toEqual([NaN, -1, 1, 0.25]);
  });

  it('refuses lo > hi', () => {
    expect(() => clip(zeros([2]), zeros([2]), 1, -1)).toThrow('clip: lo must be <= hi, got lo=1, hi=-1');
  });
});

describe('addRowVector', () => {
  it('adds v to every row of A, in place too', () => {
    fc.assert(
      fc.property(dim, dim, seed, (B, n, s) => {
        const A = randomTensor([B, n], s);
        const v = randomTensor([n], s + 1);
        const vv = flat(v);
        const expected = flat(A).map((x, k) => x + vv[k % n]!);
        expectClose(flat(addRowVector(nanTensor([B, n]), A, v)), expected, 0);
        expect(addRowVector(A, A, v)).toBe(A);
        expectClose(flat(A), expected, 0);
      }),
      runs,
    );
  });

  it('names the function and the shapes; refuses out over v', () => {
    expect(() => addRowVector(zeros([2, 3]), zeros([2, 3]), zeros([2]))).toThrow('addRowVector: A is [2,3] but v has length 2');
    expect(() => addRowVector(zeros([3, 2]), zeros([2, 3]), zeros([3]))).toThrow('addRowVector: A is [2,3] but out is [3,2]');
    const A = zeros([2, 3]);
    expect(() => addRowVector(A, A, row(A, 0))).toThrow('addRowVector: out must not share memory with v');
  });
});

describe('tanh, exp, tanhBackward', () => {
  it('tanh and exp match Math on any shape, out === a gives the same result', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        for (const [kernel, f] of [
          [tanh, Math.tanh],
          [exp, Math.exp],
        ] as const) {
          const a = randomTensor(sh, s);
          const expected = flat(a).map(f);
          expectClose(flat(kernel(nanTensor(sh), a)), expected, 0);
          expect(kernel(a, a)).toBe(a);
          expectClose(flat(a), expected, 0);
        }
      }),
      runs,
    );
  });

  it('tanhBackward is dy·(1 − y²), with out === dy or out === y allowed', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const y = tanh(zeros(sh), randomTensor(sh, s));
        const dy = randomTensor(sh, s + 1);
        const yv = flat(y);
        // 1 − y² as (1 − y)(1 + y): the kernel's order of operations (no cancellation near |y| = 1)
        const expected = flat(dy).map((g, i) => g * ((1 - yv[i]!) * (1 + yv[i]!)));
        expectClose(flat(tanhBackward(nanTensor(sh), y, dy)), expected, 0);
        const dy2 = randomTensor(sh, s + 1);
        expect(tanhBackward(dy2, y, dy2)).toBe(dy2);
        expectClose(flat(dy2), expected, 0);
        tanhBackward(y, y, dy);
        expectClose(flat(y), expected, 0);
      }),
      runs,
    );
  });

  it('tanhBackward matches a numerical derivative of tanh', () => {
    const x = tensor([-2, -0.3, 0, 0.7, 1.5]);
    const y = tanh(zeros([5]), x);
    const g = tanhBackward(zeros([5]), y, tensor([1, 1, 1, 1, 1]));
    const h = 1e-6;
    const numeric = flat(x).map((v) => (Math.tanh(v + h) - Math.tanh(v - h)) / (2 * h));
    expectClose(g.data, numeric, 1e-8);
  });

  it('unary kernels refuse partial overlap and shape mismatch, naming the function', () => {
    const buf = zeros([6]);
    const a = fromData(buf.data.subarray(0, 4), [4]);
    const out = fromData(buf.data.subarray(2, 6), [4]);
    expect(() => tanh(out, a)).toThrow('tanh: out partially overlaps a');
    expect(() => exp(zeros([3]), zeros([4]))).toThrow('exp: a is [4] but out is [3]');
    expect(() => tanhBackward(zeros([2]), zeros([2]), zeros([3]))).toThrow('tanhBackward: y is [2] but dy is [3]');
    expect(() => tanhBackward(out, a, zeros([4]))).toThrow('tanhBackward: out partially overlaps y');
  });

  it('work on float32 tensors', () => {
    const a = randomTensor([2, 3], 9, 'float32');
    const out = tanh(zeros([2, 3], 'float32'), a);
    expectClose(out.data, flat(a).map((v) => Math.fround(Math.tanh(v))), 0);
    const e = exp(zeros([2, 3], 'float32'), a);
    expectClose(e.data, flat(a).map((v) => Math.fround(Math.exp(v))), 0);
  });

  it('reshape views share data with kernels (in-place through a view)', () => {
    const a = randomTensor([2, 3], 10);
    const expected = flat(a).map(Math.tanh);
    const v = reshape(a, [6]);
    tanh(v, v);
    expectClose(flat(a), expected, 0);
  });
});

describe('sigmoid, relu, scaleShift and their backwards', () => {
  const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));

  it('sigmoid and relu match naive references on any shape; scaleShift is s·a + c; out === a allowed', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const a = randomTensor(sh, s);
        expectClose(flat(sigmoid(nanTensor(sh), a)), flat(a).map(sigmoidRef), 1e-15);
        expectClose(flat(relu(nanTensor(sh), a)), flat(a).map((x) => Math.max(x, 0)), 0);
        expectClose(flat(scaleShift(nanTensor(sh), a, -1, 1)), flat(a).map((x) => 1 - x), 0);
        const expected = flat(a).map(sigmoidRef);
        expect(sigmoid(a, a)).toBe(a);
        expectClose(flat(a), expected, 1e-15);
      }),
      runs,
    );
  });

  it('sigmoid saturates without overflow: σ(±800) is 1 and 0, σ(0) is 1/2, NaN stays NaN', () => {
    const out = sigmoid(zeros([4]), tensor([800, -800, 0, NaN]));
    expect(Array.from(out.data.subarray(0, 3))).toEqual([1, 0, 0.5]);
    expect(out.data[3]).toBeNaN();
  });

  it('sigmoidBackward is dy·y·(1 − y) and reluBackward passes dy where y > 0, with out === dy or y allowed', () => {
    fc.assert(
      fc.property(shape, seed, (sh, s) => {
        const x = randomTensor(sh, s);
        const dy = randomTensor(sh, s + 1);
        const ys = sigmoid(zeros(sh), x);
        const yr = relu(zeros(sh), x);
        const sv = flat(ys);
        const rv = flat(yr);
        const sExpected = flat(dy).map((g, i) => g * sv[i]! * (1 - sv[i]!));
        const rExpected = flat(dy).map((g, i) => (rv[i]! > 0 ? g : 0));
        expectClose(flat(sigmoidBackward(nanTensor(sh), ys, dy)), sExpected, 0);
        expectClose(flat(reluBackward(nanTensor(sh), yr, dy)), rExpected, 0);
        const dy2 = randomTensor(sh, s + 1);
        expect(sigmoidBackward(dy2, ys, dy2)).toBe(dy2);
        expectClose(flat(dy2), sExpected, 0);
        reluBackward(yr, yr, dy);
        expectClose(flat(yr), rExpected, 0);
      }),
      runs,
    );
  });

  it('sigmoidBackward matches a numerical derivative of sigmoid', () => {
    const x = tensor([-3, -0.4, 0, 0.9, 2.5]);
    const y = sigmoid(zeros([5]), x);
    const g = sigmoidBackward(zeros([5]), y, tensor([1, 1, 1, 1, 1]));
    const h = 1e-6;
    const numeric = flat(x).map((v) => (sigmoidRef(v + h) - sigmoidRef(v - h)) / (2 * h));
    expectClose(g.data, numeric, 1e-9);
  });

  it('refuse shape mismatches and partial overlaps, naming the kernel', () => {
    expect(() => sigmoid(zeros([3]), zeros([4]))).toThrow('sigmoid: a is [4] but out is [3]');
    expect(() => reluBackward(zeros([2]), zeros([2]), zeros([3]))).toThrow('reluBackward: y is [2] but dy is [3]');
    const buf = zeros([6]);
    const a = fromData(buf.data.subarray(0, 4), [4]);
    const out = fromData(buf.data.subarray(2, 6), [4]);
    expect(() => scaleShift(out, a, 2, 1)).toThrow('scaleShift: out partially overlaps a');
    expect(() => sigmoidBackward(out, a, zeros([4]))).toThrow('sigmoidBackward: out partially overlaps y');
  });
});

/**
 * Shape/dtype helpers, overlaps(), and a check that the test harness itself
 * catches a wrong kernel (so a passing kernel test means something).
 */
import {
  allocate,
  checkShape,
  dtypeOf,
  formatShape,
  fromData,
  matvec,
  overlaps,
  reshape,
  row,
  rowMajorStrides,
  shapeSize,
  shapesEqual,
  zeros,
  type Tensor,
} from '@weft/tensor';
import { expectClose, flat, mat, randomTensor } from './reference.js';

describe('shape helpers', () => {
  it('formatShape, shapeSize, shapesEqual, rowMajorStrides', () => {
    expect(formatShape([2, 3])).toBe('[2,3]');
    expect(formatShape([])).toBe('[]');
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([5, 0])).toBe(0);
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([6], [6, 1])).toBe(false);
    expect(rowMajorStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(rowMajorStrides([])).toEqual([]);
  });

  it('checkShape names the caller', () => {
    expect(() => checkShape('myFn', [2, -1])).toThrow('myFn: shape must hold non-negative integers, got [2,-1]');
    expect(() => checkShape('myFn', 3 as never)).toThrow('myFn: shape must be an array of non-negative integers, got 3');
    expect(() => checkShape('myFn', [0, 4])).not.toThrow();
  });

  it('allocate and dtypeOf', () => {
    expect(allocate('float32', 3)).toEqual(new Float32Array(3));
    expect(allocate('float64', 2)).toEqual(new Float64Array(2));
    expect(dtypeOf(new Float32Array(1))).toBe('float32');
    expect(dtypeOf(new Float64Array(1))).toBe('float64');
    expect(() => dtypeOf(new Uint8Array(1))).toThrow('weft tensors hold Float64Array or Float32Array data, got Uint8Array');
  });
});

describe('overlaps', () => {
  it('detects shared storage by byte range, across views and typed arrays', () => {
    const A = zeros([3, 4]);
    expect(overlaps(row(A, 0), row(A, 0))).toBe(true);
    expect(overlaps(row(A, 0), row(A, 1))).toBe(false);
    expect(overlaps(reshape(A, [12]), row(A, 2))).toBe(true);
    expect(overlaps(A, zeros([3, 4]))).toBe(false);
    const buf = new ArrayBuffer(8 * 8);
    const a = fromData(new Float64Array(buf, 0, 4), [4]);
    const b = fromData(new Float64Array(buf, 24, 4), [4]);
    const c = fromData(new Float64Array(buf, 32, 4), [4]);
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(a, c)).toBe(false);
    expect(overlaps(zeros([0]), A)).toBe(false);
  });
});

describe('the test harness', () => {
  it('rejects a deliberately wrong matvec (one that drops the last column)', () => {
    const wrongMatvec = (out: Tensor, A: Tensor, x: Tensor): Tensor => {
      const [m, n] = A.shape as [number, number];
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < n - 1; j++) s += A.data[i * n + j]! * x.data[j]!;
        out.data[i] = s;
      }
      return out;
    };
    const A = randomTensor([5, 6], 1);
    const x = randomTensor([6], 2);
    const a = mat(A);
    const xv = flat(x);
    const expected = a.map((r) => r.reduce((s, v, j) => s + v * xv[j]!, 0));
    expect(() => expectClose(wrongMatvec(zeros([5]), A, x).data, expected)).toThrow(/element 0: got/);
    expect(() => expectClose(matvec(zeros([5]), A, x).data, expected)).not.toThrow();
  });
});

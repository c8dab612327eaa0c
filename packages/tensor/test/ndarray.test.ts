/**
 * scijs ndarray interop: both directions share storage, and ndarray-ops works
 * on a converted tensor.
 */
import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import { fromNdarray, matvec, reshape, tensor, toNdarray, transpose, zeros } from '@weft/tensor';
import { flat, randomTensor } from './reference.js';

describe('toNdarray', () => {
  it('shares data: ndarray-ops addeq / mulseq change the tensor', () => {
    const t = randomTensor([3, 4], 1);
    const before = flat(t);
    const other = randomTensor([3, 4], 2);
    const a = toNdarray(t, ndarray);
    expect(a.data).toBe(t.data);
    expect(a.shape).toEqual([3, 4]);
    ops.addeq(a, toNdarray(other, ndarray));
    const o = flat(other);
    expect(flat(t)).toEqual(before.map((v, i) => v + o[i]!));
    ops.mulseq(a, 2);
    expect(flat(t)).toEqual(before.map((v, i) => 2 * (v + o[i]!)));
  });

  it('keeps the strides and offset of a view', () => {
    const t = randomTensor([2, 3], 3);
    const a = toNdarray(transpose(t), ndarray);
    expect(a.shape).toEqual([3, 2]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(a.get(i, j)).toBe(t.get(j, i));
    a.set(2, 1, 55);
    expect(t.get(1, 2)).toBe(55);
  });

  it('does not alias the tensor\'s shape array (mutating the ndarray shape leaves the tensor alone)', () => {
    const t = zeros([2, 2]);
    const a = toNdarray(t, ndarray);
    a.shape[0] = 1;
    expect(t.shape).toEqual([2, 2]);
  });
});

describe('fromNdarray', () => {
  it('wraps an ndarray without copying', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = fromNdarray(ndarray(data, [2, 3]));
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    data[0] = -1;
    expect(t.get(0, 0)).toBe(-1);
  });

  it('reads the right elements of transposed and sliced ndarray views', () => {
    const data = new Float64Array(20).map((_, i) => i);
    const a = ndarray(data, [4, 5]);
    const views = [a.transpose(1, 0), a.hi(3, 4).lo(1, 2), a.step(2, -1), a.pick(null, 3), a.transpose(1, 0).lo(2, 1)];
    for (const v of views) {
      const t = fromNdarray(v);
      expect(t.shape).toEqual(v.shape);
      const idx = new Array<number>(v.shape.length).fill(0);
      for (let k = 0; k < t.size; k++) {
        expect(t.get(...idx)).toBe(v.get(...idx));
        for (let d = idx.length - 1; d >= 0 && ++idx[d]! === v.shape[d]!; d--) idx[d] = 0;
      }
    }
  });

  it('round-trips a tensor and feeds kernels when contiguous', () => {
    const A = tensor([
      [1, 2],
      [3, 4],
    ]);
    const back = fromNdarray(toNdarray(A, ndarray));
    expect(back.data).toBe(A.data);
    expect(back.toArray()).toEqual(A.toArray());
    const x = fromNdarray(ndarray(new Float64Array([1, 1]), [2]));
    expect(Array.from(matvec(zeros([2]), reshape(back, [2, 2]), x).data)).toEqual([3, 7]);
  });

  it('rejects ndarrays over non-float storage and non-ndarrays', () => {
    expect(() => fromNdarray(ndarray([1, 2, 3]) as never)).toThrow('weft tensors hold Float64Array or Float32Array data, got Array');
    expect(() => fromNdarray(ndarray(new Int16Array(3)) as never)).toThrow(/got Int16Array/);
    expect(() => fromNdarray({} as never)).toThrow('fromNdarray: expected an ndarray with data, shape, stride and offset');
  });
});

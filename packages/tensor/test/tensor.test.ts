/**
 * The Tensor class, create-functions and views (reshape, transpose, row).
 */
import {
  add,
  clone,
  copy,
  eye,
  forEachIndex,
  fromData,
  full,
  ones,
  rand,
  randn,
  reshape,
  Rng,
  row,
  tanh,
  tensor,
  Tensor,
  transpose,
  zeros,
  zerosLike,
} from '@weft/tensor';
import { flat, randomTensor } from './reference.js';

describe('Tensor', () => {
  it('defaults to row-major strides and offset 0; get/set address data[offset + Σ i·stride]', () => {
    const data = new Float64Array(12).map((_, i) => i);
    const t = new Tensor(data, [3, 4]);
    expect(t.stride).toEqual([4, 1]);
    expect(t.offset).toBe(0);
    expect(t.size).toBe(12);
    expect(t.rank).toBe(2);
    expect(t.dtype).toBe('float64');
    expect(t.isContiguous).toBe(true);
    expect(t.get(2, 1)).toBe(9);
    const v = new Tensor(data, [2, 2], [1, 4], 5); // a strided window
    expect(v.get(1, 1)).toBe(5 + 1 + 4);
    v.set(-1, 0, 1);
    expect(data[9]).toBe(-1);
    expect(v.isContiguous).toBe(false);
    expect(String(new Tensor(new Float32Array(2), [2]))).toBe('Tensor(float32, [2])');
  });

  it('keeps its byte range, element size and buffer as the typed array gives them', () => {
    const buffer = new ArrayBuffer(256);
    for (const [Ctor, bytes] of [[Float64Array, 8], [Float32Array, 4]] as const) {
      const data = new Ctor(buffer, 16, 10); // a typed array at a byte offset of its buffer
      const t = new Tensor(data, [2, 3], undefined, 2);
      expect(t.itemsize).toBe(bytes);
      expect(t.buffer).toBe(data.buffer);
      expect(t.byteStart).toBe(16 + 2 * bytes);
      expect(t.byteEnd).toBe(16 + 8 * bytes);
      expect(new Tensor(data, [0]).byteEnd).toBe(16);
    }
  });

  it('rejects views that reach outside data, bad strides, offsets and shapes', () => {
    const data = new Float64Array(6);
    expect(() => new Tensor(data, [2, 4])).toThrow('Tensor: shape [2,4] with stride [4,1] and offset 0 reaches outside data of length 6');
    expect(() => new Tensor(data, [2, 3], [3, 1], 1)).toThrow(/reaches outside data of length 6/);
    expect(() => new Tensor(data, [2], [-1], 0)).toThrow(/reaches outside/);
    expect(new Tensor(data, [2], [-1], 1).get(1)).toBe(0); // negative strides within bounds are fine
    expect(() => new Tensor(data, [2, 3], [1])).toThrow('Tensor: stride [1] does not match shape [2,3]');
    expect(() => new Tensor(data, [2], [0.5])).toThrow('Tensor: stride must hold integers, got [0.5]');
    expect(() => new Tensor(data, [2], [NaN])).toThrow('Tensor: stride must hold integers, got [NaN]');
    expect(() => new Tensor(data, [2], undefined, -1)).toThrow('Tensor: offset must be a non-negative integer, got -1');
    expect(() => new Tensor(data, [2], undefined, 0.5)).toThrow('Tensor: offset must be a non-negative integer, got 0.5');
    expect(() => new Tensor(data, [2, -3])).toThrow('Tensor: shape must hold non-negative integers, got [2,-3]');
    expect(() => new Tensor(data, [1.5])).toThrow('Tensor: shape must hold non-negative integers, got [1.5]');
    expect(() => new Tensor([1, 2] as never, [2])).toThrow('weft tensors hold Float64Array or Float32Array data, got Array');
    expect(() => new Tensor(new Int32Array(2) as never, [2])).toThrow(/got Int32Array/);
    // An empty view may sit anywhere, even over empty data.
    expect(new Tensor(new Float64Array(0), [0, 5]).size).toBe(0);
  });

  it('get/set check the index count and bounds', () => {
    const t = zeros([2, 3]);
    expect(() => t.get(1)).toThrow('Tensor: index [1] has 1 entries but the tensor has shape [2,3]');
    expect(() => t.get(2, 0)).toThrow('Tensor: index [2,0] is out of bounds for shape [2,3]');
    expect(() => t.set(1, 0, -1)).toThrow('Tensor: index [0,-1] is out of bounds for shape [2,3]');
    expect(() => t.get(0, 0.5)).toThrow(/out of bounds/);
    expect(t.set(4, 1, 2)).toBe(t);
    expect(t.get(1, 2)).toBe(4);
  });

  it('toArray / toFlatArray / forEachIndex follow row-major order of the view', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(transpose(t).toFlatArray()).toEqual([1, 4, 2, 5, 3, 6]);
    const seen: number[] = [];
    forEachIndex(transpose(t), (at) => seen.push(at));
    expect(seen).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tensor(7).toArray()).toBe(7);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).toFlatArray()).toEqual([]);
  });
});

describe('create', () => {
  it('zeros/ones/full/eye make contiguous tensors of the given shape and dtype', () => {
    expect(zeros([2, 3]).toFlatArray()).toEqual([0, 0, 0, 0, 0, 0]);
    expect(ones([2]).toFlatArray()).toEqual([1, 1]);
    expect(full([2, 2], 3.5, 'float32').data).toEqual(new Float32Array([3.5, 3.5, 3.5, 3.5]));
    expect(eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(zeros([]).size).toBe(1);
    expect(zeros([4], 'float32').data).toBeInstanceOf(Float32Array);
    expect(zerosLike(ones([2, 3], 'float32')).data).toEqual(new Float32Array(6));
    expect(() => zeros([-1])).toThrow('zeros: shape must hold non-negative integers, got [-1]');
    expect(() => full([2, 0.5], 1)).toThrow('full: shape must hold non-negative integers');
  });

  it('tensor() reads nested arrays and rejects ragged or non-numeric input', () => {
    expect(tensor([[1, 2], [3, 4], [5, 6]]).shape).toEqual([3, 2]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([1, 2], 'float32').dtype).toBe('float32');
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged input: [1] should be an array of length 2 (shape [2,2])');
    expect(() => tensor([[1, 2], 3] as never)).toThrow('tensor: ragged input: [1] should be an array of length 2');
    expect(() => tensor([1, [2]] as never)).toThrow('tensor: expected a number at [1], got an array');
    expect(() => tensor([[1, 'x']] as never)).toThrow('tensor: expected a number at [0][1], got string');
  });

  it('fromData wraps typed arrays without copying and copies plain arrays', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = fromData(data, [2, 3]);
    expect(t.data).toBe(data);
    data[4] = 50;
    expect(t.get(1, 1)).toBe(50);
    const f32 = new Float32Array(4);
    expect(fromData(f32, [2, 2]).data).toBe(f32);
    const plain = [1, 2, 3];
    const p = fromData(plain, [3], 'float32');
    expect(p.data).toBeInstanceOf(Float32Array);
    plain[0] = 9;
    expect(p.get(0)).toBe(1);
    expect(() => fromData(data, [4, 2])).toThrow('fromData: shape [4,2] needs 8 elements but data has 6');
  });

  it('randn and rand draw from the given Rng: same seed, same tensor; moments roughly right', () => {
    const a = randn([100, 50], new Rng(3), 1, 0.5);
    const b = randn([100, 50], new Rng(3), 1, 0.5);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const values = flat(a);
    const mean = values.reduce((s, v) => s + v, 0) / a.size;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / a.size);
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.03);
    const u = rand([1000], new Rng(4), -2, 3);
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(3);
    expect(randn([3], new Rng(1), 0, 1, 'float32').dtype).toBe('float32');
  });
});

describe('views', () => {
  it('reshape shares data (writes go through), infers -1 and checks sizes', () => {
    const t = randomTensor([2, 6], 1);
    const r = reshape(t, [3, -1]);
    expect(r.shape).toEqual([3, 4]);
    expect(r.data).toBe(t.data);
    r.set(42, 2, 3);
    expect(t.get(1, 5)).toBe(42);
    expect(reshape(t, [-1]).shape).toEqual([12]);
    expect(reshape(zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
    expect(() => reshape(t, [5, -1])).toThrow('reshape: cannot reshape [2,6] (size 12) into [5,-1]');
    expect(() => reshape(t, [5, 2])).toThrow('reshape: cannot reshape [2,6] (size 12) into [5,2]');
    expect(() => reshape(t, [-1, -1])).toThrow('reshape: only one extent may be -1, got [-1,-1]');
    expect(() => reshape(transpose(t), [12])).toThrow('reshape: the tensor [6,2] is not contiguous; clone() it first');
  });

  it('reshape of a row view keeps its offset', () => {
    const t = randomTensor([3, 4], 2);
    const r = reshape(row(t, 2), [2, 2]);
    expect(r.offset).toBe(8);
    expect(r.get(1, 0)).toBe(t.get(2, 2));
  });

  it('transpose swaps strides without copying; writes go through', () => {
    const t = randomTensor([2, 3], 3);
    const tt = transpose(t);
    expect(tt.shape).toEqual([3, 2]);
    expect(tt.data).toBe(t.data);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(tt.get(i, j)).toBe(t.get(j, i));
    tt.set(7, 2, 1);
    expect(t.get(1, 2)).toBe(7);
    expect(transpose(tt).isContiguous).toBe(true);
    expect(() => transpose(zeros([3]))).toThrow('transpose: expected a 2-D tensor, got shape [3]');
  });

  it('row is a 1-D view of row i; writes go through; kernels accept it', () => {
    const t = randomTensor([3, 4], 4);
    const r = row(t, 1);
    expect(r.shape).toEqual([4]);
    expect(r.data).toBe(t.data);
    expect(flat(r)).toEqual(flat(t).slice(4, 8));
    const expected = flat(r).map(Math.tanh);
    tanh(r, r);
    expect(flat(t).slice(4, 8)).toEqual(expected);
    expect(flat(t).slice(0, 4)).toEqual(flat(randomTensor([3, 4], 4)).slice(0, 4)); // neighbours untouched
    expect(() => row(t, 3)).toThrow('row: index 3 is out of range for shape [3,4]');
    expect(() => row(zeros([4]), 0)).toThrow('row: expected a 2-D tensor, got shape [4]');
    // a row of a transposed view is strided: kernels refuse it
    const strided = row(transpose(t), 0);
    expect(strided.isContiguous).toBe(false);
    expect(() => add(zeros([3]), strided, zeros([3]))).toThrow('add: a [3] is not contiguous');
  });

  it('clone and copy() materialise a transposed view into contiguous storage', () => {
    const t = randomTensor([2, 3], 5);
    const c = clone(transpose(t));
    expect(c.isContiguous).toBe(true);
    expect(c.data).not.toBe(t.data);
    expect(c.toArray()).toEqual(transpose(t).toArray());
    const d = copy(zeros([3, 2]), transpose(t));
    expect(Array.from(d.data)).toEqual(Array.from(c.data));
    c.set(99, 0, 0);
    expect(t.get(0, 0)).not.toBe(99);
    const f = clone(randomTensor([2], 6, 'float32'));
    expect(f.dtype).toBe('float32');
  });
});

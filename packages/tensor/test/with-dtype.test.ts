/**
 * withDtype: the scoped default dtype of create-functions (float64 outside
 * every scope), restored after the scope, also when it throws; scopes nest.
 */
import { eye, fromData, full, getDefaultDtype, ones, rand, randn, Rng, tensor, withBackend, withDtype, zeros, wasmZeros, wasmSupported } from '@weft/tensor';

describe('withDtype', () => {
  it('makes every create-function allocate float32 inside the scope, float64 outside', () => {
    const rng = new Rng(1);
    const make = () => [zeros([2]), ones([2]), full([2], 3), eye(2), tensor([1, 2]), fromData([1, 2], [2]), randn([2], rng), rand([2], rng)];
    expect(withDtype('float32', make).map((t) => t.dtype)).toEqual(Array(8).fill('float32'));
    expect(make().map((t) => t.dtype)).toEqual(Array(8).fill('float64'));
    // An explicit dtype wins over the scope.
    expect(withDtype('float32', () => zeros([1], 'float64').dtype)).toBe('float64');
  });

  it('draws the same numbers in both dtypes: float32 holds the float64 draws rounded once', () => {
    const a = randn([50], new Rng(7), 0, 0.3);
    const b = withDtype('float32', () => randn([50], new Rng(7), 0, 0.3));
    for (let i = 0; i < 50; i++) expect(b.data[i]).toBe(Math.fround(a.data[i]!));
  });

  it('nests, and restores the previous default when fn throws', () => {
    expect(getDefaultDtype()).toBe('float64');
    withDtype('float32', () => {
      expect(getDefaultDtype()).toBe('float32');
      withDtype('float64', () => expect(zeros([1]).dtype).toBe('float64'));
      expect(getDefaultDtype()).toBe('float32');
      expect(() => withDtype('float64', () => {
        throw new Error('boom');
      })).toThrow('boom');
      expect(getDefaultDtype()).toBe('float32');
    });
    expect(getDefaultDtype()).toBe('float64');
  });

  it('combines with withBackend: wasmZeros and heap allocations take the scope dtype', () => {
    if (!wasmSupported()) return;
    const t = withDtype('float32', () => withBackend('wasm', () => zeros([3])));
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(withDtype('float32', () => wasmZeros([3])).dtype).toBe('float32');
  });

  it('refuses another dtype in one line', () => {
    expect(() => withDtype('int8' as never, () => 1)).toThrow(/^withDtype: dtype must be 'float64' or 'float32', got "int8"$/);
    expect(getDefaultDtype()).toBe('float64');
  });
});

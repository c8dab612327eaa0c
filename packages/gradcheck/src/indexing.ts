/** Row-major flat indices ↔ multi-indices and storage positions, for any tensor layout. */
import type { Tensor } from '@weft/tensor';

/** The multi-index of row-major flat index `flat` in `shape`: `[2,3]`, 4 → `[1,1]`. */
export function multiIndex(shape: readonly number[], flat: number): number[] {
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const extent = shape[d]!;
    index[d] = rest % extent;
    rest = Math.floor(rest / extent);
  }
  return index;
}

/** Position in `t.data` of the element at row-major flat index `flat` (works for strided views). */
export function dataIndex(t: Tensor, flat: number): number {
  let at = t.offset;
  let rest = flat;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    const extent = t.shape[d]!;
    at += (rest % extent) * t.stride[d]!;
    rest = Math.floor(rest / extent);
  }
  return at;
}

import { checkShape, formatShape, shapeSize } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A view of contiguous `t` with a new shape of the same size; shares data.
 * One extent may be -1 and is inferred. Non-contiguous input throws (copy it
 * with `clone` first), so a reshape never copies behind your back.
 */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  const resolved = shape.slice();
  const inferred = resolved.indexOf(-1);
  if (inferred >= 0) {
    if (resolved.indexOf(-1, inferred + 1) >= 0) throw new Error(`reshape: only one extent may be -1, got ${formatShape(shape)}`);
    const rest = shapeSize(resolved.filter((_, i) => i !== inferred));
    if (rest === 0 || t.size % rest !== 0) {
      throw new Error(`reshape: cannot reshape ${formatShape(t.shape)} (size ${t.size}) into ${formatShape(shape)}`);
    }
    resolved[inferred] = t.size / rest;
  }
  checkShape('reshape', resolved);
  if (shapeSize(resolved) !== t.size) {
    throw new Error(`reshape: cannot reshape ${formatShape(t.shape)} (size ${t.size}) into ${formatShape(shape)}`);
  }
  if (!t.isContiguous) throw new Error(`reshape: the tensor ${formatShape(t.shape)} is not contiguous; clone() it first`);
  return new Tensor(t.data, resolved, undefined, t.offset);
}

/** The transposed view of a 2-D tensor ([m, n] → [n, m]); shares data, swaps strides. */
export function transpose(t: Tensor): Tensor {
  if (t.rank !== 2) throw new Error(`transpose: expected a 2-D tensor, got shape ${formatShape(t.shape)}`);
  return new Tensor(t.data, [t.shape[1]!, t.shape[0]!], [t.stride[1]!, t.stride[0]!], t.offset);
}

/** Row `i` of a 2-D tensor [m, n] as a 1-D view [n]; shares data. */
export function row(t: Tensor, i: number): Tensor {
  if (t.rank !== 2) throw new Error(`row: expected a 2-D tensor, got shape ${formatShape(t.shape)}`);
  if (!Number.isInteger(i) || i < 0 || i >= t.shape[0]!) throw new Error(`row: index ${i} is out of range for shape ${formatShape(t.shape)}`);
  return new Tensor(t.data, [t.shape[1]!], [t.stride[1]!], t.offset + i * t.stride[0]!);
}

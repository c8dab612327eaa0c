import { formatShape, shapesEqual } from '../shape.js';
import { forEachIndex, type Tensor } from '../tensor.js';

/**
 * True when every pair of elements satisfies |a − b| ≤ tol · max(1, |a|, |b|)
 * (gl-matrix's tolerance: absolute near 0, relative for large values).
 * Any NaN makes it false. Shapes must be equal; a mismatch throws.
 */
export function allClose(a: Tensor, b: Tensor, tol = 1e-9): boolean {
  if (!shapesEqual(a.shape, b.shape)) throw new Error(`allClose: a is ${formatShape(a.shape)} but b is ${formatShape(b.shape)}`);
  if (!(tol >= 0)) throw new Error(`allClose: tol must be a non-negative number, got ${tol}`);
  const bValues = new Array<number>(b.size);
  let k = 0;
  forEachIndex(b, (at) => (bValues[k++] = b.data[at]!));
  let ok = true;
  k = 0;
  forEachIndex(a, (at) => {
    const x = a.data[at]!;
    const y = bValues[k++]!;
    if (!(Math.abs(x - y) <= tol * Math.max(1, Math.abs(x), Math.abs(y)))) ok = false;
  });
  return ok;
}

/** Helpers shared by the fused cells. */
import { Tensor } from '@weft/tensor';

/** True when contiguous `a` and `b` are the same elements of the same storage. */
export function sameStorage(a: Tensor, b: Tensor): boolean {
  return a.data === b.data && a.offset === b.offset && a.isContiguous && a.size === b.size;
}

/** Row block t (`batch` rows) of a contiguous `[rows, n]` tensor, as a `[batch, n]` view. */
export function blockOf(stack: Tensor, t: number, batch: number): Tensor {
  const n = stack.shape[1]!;
  return new Tensor(stack.data, [batch, n], undefined, stack.offset + t * batch * n);
}

/** σ(v) = 1 / (1 + e^(−v)), with exp of a non-positive number only (as the `sigmoid` kernel). */
export function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

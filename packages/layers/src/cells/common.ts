/** Helpers shared by the fused cells. */

/** σ(v) = 1 / (1 + e^(−v)), with exp of a non-positive number only (as the `sigmoid` kernel). */
export function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Seeded sampling of distinct entries, for checking a random subset of a large parameter. */
import type { Rng } from '@weft/tensor';

/**
 * `k` distinct integers from [0, n), drawn with `rng` and returned in
 * ascending order (Floyd's algorithm: O(k) draws and memory, whatever n is).
 * Returns all of 0..n−1 when k >= n.
 */
export function sampleIndices(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

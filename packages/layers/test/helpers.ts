/**
 * Shared test helpers: close comparisons and gradient-check reports. Layers are
 * checked with `checkBackward(gradcheckTarget(layer, inputs, { batch }))`
 * (@weft/gradcheck and @weft/layers), parameters AND input gradients.
 */
import { formatReport, type GradcheckReport } from '@weft/gradcheck';
import { copy, zeros, type Rng, type Tensor } from '@weft/tensor';

/** Random token ids in [0, K). */
export function randomIds(n: number, K: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(K);
  return out;
}

/** Elementwise |a − b| ≤ tol · max(1, |a|, |b|); the message names the worst entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(1, Math.abs(a), Math.abs(e));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  if (!(worst <= tol)) throw new Error(`expected close to ${tol}: worst relative difference ${worst} at [${at}]: ${actual[at]} vs ${expected[at]}`);
}

/** Throws with the formatted report unless it passed. */
export function expectPassed(report: GradcheckReport): void {
  if (!report.passed) throw new Error(`gradient check failed:\n${formatReport(report)}`);
  expect(report.params.every((p) => p.checked > 0)).toBe(true);
}

/** A copy of a tensor's values. */
export function snapshot(t: Tensor): Float64Array {
  return Float64Array.from(copy(zeros(t.shape), t).data);
}

import { norm } from '@weft/tensor';
import type { GradHolder } from './param.js';
import { checkGradHolders } from './validate.js';

/**
 * The global L2 norm √(Σ over all grads of g²) of every `param.grad` together
 * (each grad contiguous, any shape). Per-tensor norms come from the overflow-safe
 * `norm` kernel and are combined with a running scale (as LAPACK's dnrm2), so
 * huge gradients give a finite answer. NaN if any entry is NaN; Infinity if any
 * is infinite. Allocates nothing.
 */
export function globalGradNorm(params: readonly GradHolder[]): number {
  checkGradHolders('globalGradNorm', params);
  let scale = 0;
  let sumOfSquares = 0; // Σ (normᵢ / scale)²
  let infinite = false;
  for (let i = 0; i < params.length; i++) {
    const n = norm(params[i]!.grad);
    if (n !== n) return NaN;
    if (n === Infinity) infinite = true;
    else if (n > scale) {
      sumOfSquares = 1 + sumOfSquares * (scale / n) * (scale / n);
      scale = n;
    } else if (n > 0) {
      sumOfSquares += (n / scale) * (n / scale);
    }
  }
  if (infinite) return Infinity;
  return scale * Math.sqrt(sumOfSquares);
}

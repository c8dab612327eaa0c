/** The parameter shape the checkers take, and its validation. */
import { formatShape, shapesEqual, Tensor } from '@weft/tensor';

/**
 * A parameter as every weft package sees it: a named float64 value and the
 * gradient of the loss with respect to it, of the same shape. Anything of
 * this shape works (a @weft/layers Param, or a plain object).
 */
export interface GradParam {
  /** Unique among the parameters checked together; used in reports. */
  name: string;
  /** The parameter, contiguous float64; the checker perturbs it in place and restores it. */
  value: Tensor;
  /** Where `lossAndGradients` accumulates ∂loss/∂value; contiguous, same shape as `value`. */
  grad: Tensor;
}

/** Throws a clear error unless `params` is a non-empty array of valid, uniquely named parameters. */
export function checkParams(who: string, params: readonly GradParam[]): void {
  if (!Array.isArray(params)) throw new Error(`${who}: params must be an array of { name, value, grad }, got ${String(params)}`);
  if (params.length === 0) throw new Error(`${who}: params is empty; nothing to check`);
  const seen = new Set<string>();
  params.forEach((p, i) => {
    if (p === null || typeof p !== 'object') throw new Error(`${who}: params[${i}] must be { name, value, grad }, got ${String(p)}`);
    if (typeof p.name !== 'string' || p.name === '') {
      throw new Error(`${who}: params[${i}].name must be a non-empty string, got ${JSON.stringify(p.name)}`);
    }
    const label = `parameter '${p.name}'`;
    if (seen.has(p.name)) throw new Error(`${who}: parameter names must be unique, but '${p.name}' appears more than once`);
    seen.add(p.name);
    for (const field of ['value', 'grad'] as const) {
      const t = p[field];
      if (!(t instanceof Tensor)) throw new Error(`${who}: ${label}: ${field} must be a Tensor, got ${String(t)}`);
      if (!(t.data instanceof Float64Array)) {
        throw new Error(`${who}: ${label}: ${field} is ${t.dtype}; gradient checks need float64`);
      }
      if (!t.isContiguous) throw new Error(`${who}: ${label}: ${field} ${formatShape(t.shape)} is not contiguous`);
    }
    if (!shapesEqual(p.value.shape, p.grad.shape)) {
      throw new Error(`${who}: ${label}: value is ${formatShape(p.value.shape)} but grad is ${formatShape(p.grad.shape)}`);
    }
    if (p.value.size === 0) throw new Error(`${who}: ${label} has no entries (shape ${formatShape(p.value.shape)})`);
  });
}

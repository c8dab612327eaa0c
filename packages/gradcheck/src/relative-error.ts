/**
 * The relative error between an analytical and a numerical derivative, as the
 * usual gradient-check form: |ga − gn| / max(eps, |ga| + |gn|).
 */
import { formatShape, shapesEqual, Tensor } from '@weft/tensor';

/** Default floor of the denominator (ε = 1e-30). */
export const DEFAULT_EPS = 1e-30;

/**
 * |ga − gn| / max(eps, |ga| + |gn|) for two scalars.
 *
 * Lies in [0, 1] for finite inputs; 0 when both are 0 (the eps floor avoids
 * 0/0); 1 when they have opposite signs or one of them is 0 and the other not.
 * NaN if either input is NaN.
 */
export function relativeError(ga: number, gn: number, eps: number = DEFAULT_EPS): number {
  if (!(eps > 0)) throw new Error(`relativeError: eps must be a positive number, got ${eps}`);
  return Math.abs(ga - gn) / Math.max(eps, Math.abs(ga) + Math.abs(gn));
}

/**
 * Elementwise relative errors: out[i] = relativeError(analytical[i], numerical[i], eps).
 * All three tensors are contiguous and of one shape (any rank); `out` may be
 * one of the inputs. Returns out.
 */
export function relativeErrors(out: Tensor, analytical: Tensor, numerical: Tensor, eps: number = DEFAULT_EPS): Tensor {
  const who = 'relativeErrors';
  for (const [name, t] of [['out', out], ['analytical', analytical], ['numerical', numerical]] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${who}: ${name} must be a Tensor, got ${String(t)}`);
    if (!t.isContiguous) throw new Error(`${who}: ${name} ${formatShape(t.shape)} is not contiguous; clone() it first`);
  }
  if (!shapesEqual(analytical.shape, numerical.shape)) {
    throw new Error(`${who}: analytical is ${formatShape(analytical.shape)} but numerical is ${formatShape(numerical.shape)}`);
  }
  if (!shapesEqual(analytical.shape, out.shape)) {
    throw new Error(`${who}: analytical is ${formatShape(analytical.shape)} but out is ${formatShape(out.shape)}`);
  }
  if (!(eps > 0)) throw new Error(`${who}: eps must be a positive number, got ${eps}`);
  const o = out.data, a = analytical.data, b = numerical.data;
  for (let i = 0, n = out.size; i < n; i++) {
    o[out.offset + i] = relativeError(a[analytical.offset + i]!, b[numerical.offset + i]!, eps);
  }
  return out;
}

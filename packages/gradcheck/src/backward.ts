/**
 * checkBackward: the gradient check of a forward/backward pair with several
 * outputs (a layer, a block of layers), reduced to a scalar loss with fixed
 * random weights, as torch.autograd.gradcheck checks every output direction.
 */
import { Rng, Tensor, zeros } from '@weft/tensor';
import { checkGradients, type CheckGradientsOptions, type GradcheckReport } from './check.js';
import type { GradParam } from './params.js';

/**
 * Anything with a forward and a backward: what `checkBackward` checks. The
 * parameters may include inputs (a layer's input x as `input:x`) — to the
 * checker they are all tensors the outputs depend on.
 */
export interface BackwardTarget {
  /** Everything whose gradient backward computes: `{ name, value, grad }`, float64. */
  readonly params: readonly GradParam[];
  /**
   * The outputs at the current values of `params` (any shapes, contiguous).
   * Must be a pure function of those values; may return the same buffers every call.
   */
  forward(): readonly Tensor[];
  /**
   * Given ∂loss/∂output for every output (one tensor of each output's shape),
   * ACCUMULATES (+=) ∂loss/∂value into every param's `grad`. Called after `forward()`.
   */
  backward(gradOutputs: readonly Tensor[]): void;
}

/** Options of `checkBackward`: those of `checkGradients`; `seed` also draws the output weights R. */
export type CheckBackwardOptions = CheckGradientsOptions;

/**
 * Checks `target.backward` against numerical gradients of
 * loss = Σ_o ⟨R_o, out_o⟩, where each R_o is a fixed N(0, 1) tensor of output
 * o's shape drawn from `options.seed` at the first forward: backward is given
 * the R_o as output gradients, and must accumulate ∂loss/∂value into every
 * `grad`. Random R (rather than all ones) makes every output entry count with
 * its own weight, so a gradient routed to the wrong entry shows.
 *
 * Options and report are those of {@link checkGradients} (h, stencil,
 * threshold, eps, maxEntries, seed). Afterwards every `value` is bit-identical
 * to before and every `grad` holds the analytical gradient of one call.
 *
 * @returns the per-parameter report of checkGradients
 */
export function checkBackward(target: BackwardTarget, options: CheckBackwardOptions = {}): GradcheckReport {
  const who = 'checkBackward';
  if (target === null || typeof target !== 'object' || !Array.isArray(target.params)) {
    throw new Error(`${who}: target must be { params, forward, backward }, got ${target === null ? 'null' : typeof target}`);
  }
  for (const name of ['forward', 'backward'] as const) {
    if (typeof target[name] !== 'function') throw new Error(`${who}: target.${name} must be a function, got ${typeof target[name]}`);
  }
  // The seed is validated by checkGradients; an invalid one must not reach Rng first.
  const rng = new Rng(Number.isSafeInteger(options.seed) ? options.seed : 0);
  let weights: Tensor[] | null = null;
  const lossAndGradients = (): number => {
    const outs = target.forward();
    if (!Array.isArray(outs) || outs.length === 0 || !outs.every((o) => o instanceof Tensor)) {
      throw new Error(`${who}: target.forward() must return a non-empty array of Tensors, got ${describe(outs)}`);
    }
    if (weights === null) weights = outs.map((o) => rng.fillNormal(zeros(o.shape)));
    const R = weights;
    if (outs.length !== R.length) throw new Error(`${who}: target.forward() returned ${outs.length} output(s), then ${R.length}`);
    let loss = 0;
    outs.forEach((o, k) => {
      const r = R[k]!;
      if (!o.isContiguous || o.shape.length !== r.shape.length || o.shape.some((n, i) => n !== r.shape[i])) {
        throw new Error(`${who}: output ${k} must be a contiguous tensor of shape [${r.shape.join(',')}], got ${o.isContiguous ? '' : 'a strided '}[${o.shape.join(',')}]`);
      }
      for (let j = 0; j < o.size; j++) loss += r.data[j]! * o.data[o.offset + j]!;
    });
    target.backward(R);
    return loss;
  };
  return checkGradients([...target.params], lossAndGradients, options);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length} (${value.map((v) => (v instanceof Tensor ? 'Tensor' : typeof v)).join(', ')})`;
  return value === null ? 'null' : typeof value;
}

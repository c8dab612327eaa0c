/**
 * checkGradients: analytical against numerical gradients, parameter by
 * parameter (as torch.autograd.gradcheck does).
 */
import { clone, copy, fill, Rng, type Tensor } from '@weft/tensor';
import { multiIndex } from './indexing.js';
import { numericalGradient } from './numerical.js';
import { checkParams, type GradParam } from './params.js';
import { DEFAULT_EPS, relativeError } from './relative-error.js';
import { sampleIndices } from './sample.js';
import { DEFAULT_H, finiteLoss, functionArg, positive, seedOption, stencilOption, type Stencil } from './validate.js';

/** Options of `checkGradients`. */
export interface CheckGradientsOptions {
  /** Finite-difference step (default 1e-4). */
  h?: number;
  /** `'central'` (default) or `'five-point'`. */
  stencil?: Stencil;
  /** An entry fails when its relative error exceeds this (default 1e-6). */
  threshold?: number;
  /** Floor of the relative error's denominator (default 1e-30). */
  eps?: number;
  /** Check at most this many distinct entries per parameter, chosen at random with `seed` (default: all). */
  maxEntries?: number;
  /** Seed of the entry sampling (default 0); same seed, same entries. */
  seed?: number;
}

/** The entry of a parameter with the largest relative error. */
export interface WorstEntry {
  /** Multi-index into the parameter, e.g. [3, 1] for W[3,1]. */
  index: number[];
  /** The same entry as a flat row-major index. */
  flatIndex: number;
  /** The gradient `lossAndGradients` computed. */
  analytical: number;
  /** The finite-difference estimate. */
  numerical: number;
  /** relativeError(analytical, numerical, eps). */
  error: number;
}

/** The check of one parameter. */
export interface ParamReport {
  /** The parameter's name. */
  name: string;
  /** The parameter's shape. */
  shape: number[];
  /** Number of entries of the parameter. */
  size: number;
  /** Number of entries compared (size, or maxEntries when smaller). */
  checked: number;
  /** Number of checked entries whose relative error exceeds the threshold (NaN errors count too). */
  count: number;
  /** Largest relative error among the checked entries (NaN if any was NaN). */
  max: number;
  /** Mean relative error over the checked entries. */
  mean: number;
  /** The checked entry with the largest error (the first checked entry when all errors tie). */
  worst: WorstEntry;
}

/** What `checkGradients` returns: one row per parameter, in the order given. */
export interface GradcheckReport {
  /** One report per parameter, in the order given. */
  params: ParamReport[];
  /** Relative errors above this count as failures. */
  threshold: number;
  /** The finite-difference step. */
  h: number;
  /** The finite-difference formula. */
  stencil: Stencil;
  /** Floor of the relative error's denominator. */
  eps: number;
  /** The per-parameter sampling limit, or null when every entry was checked. */
  maxEntries: number | null;
  /** Seed of the entry sampling. */
  seed: number;
  /** The loss at the unperturbed parameters. */
  loss: number;
  /** True when no checked entry of any parameter exceeds the threshold. */
  passed: boolean;
}

/**
 * Compares the analytical gradients of `params` with numerical ones.
 *
 * Zeroes every `grad`, calls `lossAndGradients()` once and keeps the gradients
 * it accumulated, calls it a second time to make sure it is a pure function of
 * the parameter values (a recurrent model must reset its state inside it),
 * then differentiates each parameter numerically entry by entry
 * (2 calls per entry, 4 with the five-point stencil).
 *
 * Afterwards every `value` is bit-identical to before and every `grad` holds
 * the analytical gradient of one call.
 *
 * @param params parameters `{ name, value, grad }`, contiguous float64, value and grad of one shape
 * @param lossAndGradients returns the loss at the current values and ACCUMULATES (+=) its gradients into the grads
 */
export function checkGradients(
  params: GradParam[],
  lossAndGradients: () => number,
  options: CheckGradientsOptions = {},
): GradcheckReport {
  const who = 'checkGradients';
  checkParams(who, params);
  functionArg(who, 'lossAndGradients', lossAndGradients);
  const h = positive(who, 'h', options.h ?? DEFAULT_H);
  const stencil = stencilOption(who, options.stencil ?? 'central');
  const threshold = positive(who, 'threshold', options.threshold ?? 1e-6);
  const eps = positive(who, 'eps', options.eps ?? DEFAULT_EPS);
  const seed = seedOption(who, options.seed ?? 0);
  const maxEntries = options.maxEntries ?? null;
  if (maxEntries !== null && (!Number.isInteger(maxEntries) || maxEntries < 1)) {
    throw new Error(`${who}: maxEntries must be a positive integer, got ${String(maxEntries)}`);
  }

  for (const p of params) fill(p.grad, 0);
  const loss = finiteLoss(who, 'lossAndGradients', lossAndGradients());
  const analytical = params.map((p) => clone(p.grad));
  try {
    const again = lossAndGradients();
    if (again !== loss) {
      throw new Error(
        `${who}: lossAndGradients() returned ${loss}, then ${again} at the same parameters; ` +
          'it must be a pure function of the parameter values (reset any recurrent state inside it)',
      );
    }
    const rng = new Rng(seed);
    const reports = params.map((p, i) => {
      const indices = maxEntries === null ? null : sampleIndices(p.value.size, maxEntries, rng);
      const numerical = numericalGradient(lossAndGradients, p.value, indices === null ? { h, stencil } : { h, stencil, indices });
      return compare(p, analytical[i]!, numerical, indices, eps, threshold);
    });
    return {
      params: reports,
      threshold,
      h,
      stencil,
      eps,
      maxEntries,
      seed,
      loss,
      passed: reports.every((r) => r.count === 0),
    };
  } finally {
    // The probes kept accumulating into the grads; leave the analytical gradient there instead.
    params.forEach((p, i) => copy(p.grad, analytical[i]!));
  }
}

/** Relative errors of one parameter's checked entries, summarised. */
function compare(
  p: GradParam,
  analytical: Tensor,
  numerical: Float64Array,
  indices: Int32Array | null,
  eps: number,
  threshold: number,
): ParamReport {
  let count = 0;
  let total = 0;
  let worstK = -1;
  let worstError = 0;
  for (let k = 0; k < numerical.length; k++) {
    const flat = indices === null ? k : indices[k]!;
    const error = relativeError(analytical.data[flat]!, numerical[k]!, eps);
    // `!(error <= threshold)` also counts NaN (a NaN gradient must not pass).
    if (!(error <= threshold)) count++;
    total += error;
    if (worstK < 0 || error > worstError || (Number.isNaN(error) && !Number.isNaN(worstError))) {
      worstK = k;
      worstError = error;
    }
  }
  const flatIndex = indices === null ? worstK : indices[worstK]!;
  return {
    name: p.name,
    shape: p.value.shape.slice(),
    size: p.value.size,
    checked: numerical.length,
    count,
    max: worstError,
    mean: total / numerical.length,
    worst: {
      index: multiIndex(p.value.shape, flatIndex),
      flatIndex,
      analytical: analytical.data[flatIndex]!,
      numerical: numerical[worstK]!,
      error: worstError,
    },
  };
}

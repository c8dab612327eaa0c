import { checkDtype, getDefaultDtype, rand, randn, zeros, type DType, type Rng, type Tensor } from '@weft/tensor';

/** How a layer draws its weights: N(0, std²) from a seeded generator (biases start at 0). */
export interface InitOptions {
  /** Source of every random draw, so that a seed fixes the weights. */
  rng: Rng;
  /** Standard deviation of the weights; default 0.01 (small weights: a recurrent net starts near its fixed point). */
  std?: number;
  /**
   * The dtype of the parameters (and so of the gradients, contexts and
   * optimizer state that follow them), as PyTorch's `dtype=` factory
   * argument. Default: float64, or the dtype of an enclosing `withDtype`
   * scope. Draws are float64 numbers rounded once when stored, so a float32
   * layer holds the float64 layer's weights of the same seed, rounded.
   */
  dtype?: DType;
}

/** The parameter dtype `options` ask for (default: the create-functions' default); `who` names the layer in errors. */
export function paramDtype(who: string, options: { dtype?: DType } | undefined | null): DType {
  const dtype = options?.dtype ?? getDefaultDtype();
  checkDtype(who, dtype);
  return dtype;
}

/** A `shape` tensor of N(0, std²) draws from `options.rng`; `who` names the layer in errors. */
export function initWeight(who: string, shape: readonly number[], options: InitOptions): Tensor {
  if (options === undefined || options === null || typeof options.rng?.normal !== 'function') {
    throw new Error(`${who}: options.rng (a seeded Rng) is required to draw the weights`);
  }
  const std = options.std ?? 0.01;
  if (!(std >= 0) || !Number.isFinite(std)) throw new Error(`${who}: std must be a non-negative finite number, got ${std}`);
  return randn(shape, options.rng, 0, std, paramDtype(who, options));
}

/** A `shape` tensor of U(−bound, bound) draws from `options.rng`; `who` names the layer in errors. */
export function initUniform(who: string, shape: readonly number[], bound: number, options: { rng: Rng; dtype?: DType }): Tensor {
  checkRng(who, options);
  if (!(bound >= 0) || !Number.isFinite(bound)) throw new Error(`${who}: the uniform bound must be a non-negative finite number, got ${bound}`);
  return rand(shape, options.rng, -bound, bound, paramDtype(who, options));
}

/**
 * A parameter of a recurrent cell with `hiddenSize` units (LSTM, GRU). With
 * `options.std`, as every weft layer: weights N(0, std²), biases 0. Without
 * it, PyTorch's default for its cells: U(−1/√m, 1/√m) for weights and biases
 * alike (`torch.nn.LSTMCell.reset_parameters`).
 */
export function initCellParam(who: string, shape: readonly number[], hiddenSize: number, bias: boolean, options: InitOptions): Tensor {
  checkRng(who, options);
  if (options.std !== undefined) return bias ? zeros(shape, paramDtype(who, options)) : initWeight(who, shape, options);
  return initUniform(who, shape, 1 / Math.sqrt(hiddenSize), options);
}

function checkRng(who: string, options: { rng: Rng } | undefined | null): void {
  if (options === undefined || options === null || typeof options.rng?.uniform !== 'function') {
    throw new Error(`${who}: options.rng (a seeded Rng) is required to draw the weights`);
  }
}

/** Throws unless `n` is a positive integer; `what` names it in the message. */
export function checkSize(who: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${who}: ${what} must be a positive integer, got ${n}`);
}

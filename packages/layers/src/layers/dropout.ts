import { copy, mul, zeros, type Rng, type Tensor } from '@weft/tensor';
import type { Port } from '../port.js';
import { ParameterlessContext, ParameterlessLayer } from './parameterless.js';

/** The per-call cache of {@link Dropout}: the mask of the last forward and the mode it ran in. */
export class DropoutContext extends ParameterlessContext {
  /** 0 or 1/(1 − p) per entry `[rows, size]`, drawn by the last training forward. */
  readonly mask: Tensor;
  /** Whether the last forward dropped (training) or copied (eval, or p = 0). */
  dropped = false;

  /** @internal Built by Dropout.createContext. */
  constructor(batch: number, steps: number, inputs: readonly Port[], outputs: readonly Port[], propagate: readonly boolean[]) {
    super(batch, steps, inputs, outputs, propagate);
    this.mask = zeros([this.rows, outputs[0]!.size]);
  }
}

/**
 * Inverted dropout (torch.nn.Dropout): in training, each entry is zeroed with
 * probability p and the survivors are scaled by 1/(1 − p), so that the
 * expected output equals the input and evaluation needs no rescaling.
 *
 * - input `x`: `[B, size]`; output `y`: `[B, size]`. No parameters.
 * - training (the default; see `train(mode)`): y = x ⊙ mask with
 *   mask = Bernoulli(1 − p) / (1 − p), drawn from `rng` at every forward, row
 *   by row (so a seed fixes the masks, and one call over B·T rows draws what T
 *   calls over B rows draw); backward: dx = dy ⊙ mask.
 * - evaluation (`train(false)`), or p = 0: y = x, dx = dy; nothing is drawn.
 */
export class Dropout extends ParameterlessLayer<DropoutContext> {
  /** True in training mode (masks drawn), false in evaluation mode (identity). */
  training = true;

  /**
   * Dropout of `size` features with probability `p` in [0, 1). `rng` is the
   * generator of the masks; it may be replaced (e.g. by a clone of a saved
   * one, to replay the same masks in a gradient check).
   */
  constructor(
    /** Features per row. */ readonly size: number,
    /** Probability of dropping each entry, in [0, 1). */ readonly p: number,
    /** The generator of the masks (replaceable, e.g. by a clone to replay masks). */ public rng: Rng,
  ) {
    super('Dropout', [['x', size]], [['y', size]]);
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new Error(`Dropout: p must be a probability in [0, 1), got ${String(p)}`);
    if (typeof rng?.uniform !== 'function') throw new Error('Dropout: rng (a seeded Rng) is required to draw the masks');
  }

  /** Training mode (`mode` true, the default: drop) or evaluation mode (false: identity), as PyTorch's `module.train(mode)`. */
  train(mode = true): void {
    this.training = mode;
  }

  /** Draws a new mask and applies it in training; copies x in evaluation. */
  protected compute(ctx: DropoutContext, inputs: readonly Tensor[]): void {
    const x = inputs[0]!;
    const y = ctx.outputs[0]!;
    ctx.dropped = this.training && this.p > 0;
    if (!ctx.dropped) {
      copy(y, x);
      return;
    }
    const keep = 1 - this.p;
    const kept = 1 / keep;
    const m = ctx.mask.data;
    for (let i = 0; i < m.length; i++) m[i] = this.rng.uniform() < keep ? kept : 0;
    mul(y, x, ctx.mask);
  }

  /** dx = dy ⊙ mask of the forward (dy itself if that forward did not drop). */
  protected computeBackward(ctx: DropoutContext, gradOutputs: readonly (Tensor | null)[]): void {
    const dx = ctx.gradInputs[0];
    if (!dx) return;
    if (ctx.dropped) mul(dx, gradOutputs[0]!, ctx.mask);
    else copy(dx, gradOutputs[0]!);
  }

  protected override newContext(batch: number, steps: number, propagate: readonly boolean[]): DropoutContext {
    return new DropoutContext(batch, steps, this.inputs, this.outputs, propagate);
  }
}

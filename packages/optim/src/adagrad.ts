import { clipAdagradStep, type Tensor } from '@weft/tensor';
import { Optimizer, type ClipOptions } from './optimizer.js';
import type { OptimParam } from './param.js';
import { checkNonNegative, checkOptions, defineHyperparameters } from './validate.js';

/** Options of {@link AdaGrad}. */
export interface AdaGradOptions extends ClipOptions {
  /** Learning rate η, finite > 0. Default 0.1. */
  lr?: number;
  /** ε >= 0, added INSIDE the square root. Default 1e-8. */
  eps?: number;
  /** Starting value G₀ >= 0 of every accumulator entry. Default 0. */
  initialAccumulator?: number;
}

const ADAGRAD_OPTIONS = ['lr', 'clipValue', 'nonFinite', 'eps', 'initialAccumulator'] as const;

/**
 * AdaGrad (Duchi et al.) in the form of Karpathy's min-char-rnn:
 *
 *     G += g²
 *     θ −= η · g / √(G + ε)          (ε inside the square root)
 *
 * per element, with G starting at `initialAccumulator` (default 0).
 *
 * Other libraries differ, so their numbers will not match bit for bit:
 * - TF.js `tf.train.adagrad(lr, initialAccumulatorValue = 0.1)` starts G at 0.1
 *   and uses a fixed ε, its backend epsilon (1e-7 on float32 backends), also
 *   inside the root:
 *   `new AdaGrad(params, { lr, initialAccumulator: 0.1, eps: 1e-7 })` matches it.
 * - PyTorch `torch.optim.Adagrad` puts ε OUTSIDE the root, θ −= η·g / (√G + ε),
 *   with ε = 1e-10 and G₀ = 0; it also has lr decay, which this class does not.
 *
 * An entry whose gradient is exactly 0 is left unchanged (so G₀ = 0 with ε = 0
 * does not produce 0/0). State: `adagrad.<param>` (G, same shape as the parameter).
 */
export class AdaGrad extends Optimizer {
  /** ε >= 0, inside the square root; setting it throws unless it is a finite number >= 0. */
  declare eps: number;
  private epsilon!: number;
  private readonly initial: number;
  private readonly accumulators: Tensor[] = [];

  /** `params`: `{ name, value, grad }` of any shapes. */
  constructor(params: readonly OptimParam[], options: AdaGradOptions = {}) {
    checkOptions('AdaGrad', options, ADAGRAD_OPTIONS);
    super(params, { lr: options.lr ?? 0.1, name: 'AdaGrad', clipValue: options.clipValue, nonFinite: options.nonFinite });
    this.eps = options.eps ?? 1e-8;
    this.initial = checkNonNegative(this.name, 'initialAccumulator', options.initialAccumulator ?? 0);
    for (const p of this.params) {
      this.accumulators.push(this.addStateLike(`adagrad.${p.name}`, p.value, 'nonNegative', this.initial));
    }
  }

  /** The accumulators' starting value (read-only: it only matters at construction). */
  get initialAccumulator(): number {
    return this.initial;
  }

  /** `{ lr, eps, initialAccumulator }`. */
  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, clipValue: this.clipValue, eps: this.epsilon, initialAccumulator: this.initial };
  }

  /**
   * One AdaGrad update of every parameter (see the class comment), with the
   * gradient clipped to ±clipValue first when clipping is on. Clip, accumulate
   * and update are one fused pass (@weft/tensor's `clipAdagradStep`, in
   * WebAssembly SIMD when the tensors live on the wasm heap). Allocates nothing.
   */
  protected update(): void {
    const lr = this.lr, eps = this.epsilon, limit = this.clipValue;
    let clipped = 0;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.param(i);
      clipped += clipAdagradStep(p.value, p.grad, this.accumulators[i]!, lr, eps, limit);
    }
    this.recordClipped(clipped);
  }
}

defineHyperparameters(AdaGrad, { eps: ['epsilon', checkNonNegative] });

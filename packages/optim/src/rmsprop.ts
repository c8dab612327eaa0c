import { rmspropStep, type Tensor } from '@weft/tensor';
import { Optimizer, type ClipOptions } from './optimizer.js';
import type { OptimParam } from './param.js';
import { checkNonNegative, checkOptions, checkUnitInterval, defineHyperparameters } from './validate.js';

/** Options of {@link RMSProp}. */
export interface RMSPropOptions extends ClipOptions {
  /** Learning rate η, finite > 0. Default 0.01. */
  lr?: number;
  /** Decay α in [0, 1) of the running mean of g². Default 0.99. */
  alpha?: number;
  /** ε >= 0, added OUTSIDE the square root (as PyTorch). Default 1e-8. */
  eps?: number;
  /** Momentum μ in [0, 1). Default 0. */
  momentum?: number;
  /** L2 weight decay λ >= 0, added to the gradient (g + λθ). Default 0. */
  weightDecay?: number;
}

const RMSPROP_OPTIONS = ['lr', 'clipValue', 'nonFinite', 'alpha', 'eps', 'momentum', 'weightDecay'] as const;

/**
 * RMSProp with PyTorch's semantics (`torch.optim.RMSprop`, not centered). Per
 * element, with g = grad + λθ:
 *
 *     s = α·s + (1 − α)·g²                 (s starts at 0)
 *     μ = 0:  θ −= η · g / (√s + ε)
 *     μ > 0:  b = μ·b + g / (√s + ε);  θ −= η·b
 *
 * With ε = 0 an entry whose gradients have all been 0 divides 0 by 0; keep ε > 0.
 * State: `rmsprop.square.<param>` (s) and, when momentum > 0, `rmsprop.momentum.<param>` (b).
 */
export class RMSProp extends Optimizer {
  /** Decay α in [0, 1) of the running mean of g²; setting it throws unless it is in [0, 1). */
  declare alpha: number;
  /** ε >= 0, outside the square root; setting it throws unless it is a finite number >= 0. */
  declare eps: number;
  /** L2 weight decay λ >= 0; setting it throws unless it is a finite number >= 0. */
  declare weightDecay: number;
  private decayRate!: number;
  private epsilon!: number;
  private mu: number;
  private decay!: number;
  private readonly squares: Tensor[] = [];
  /** Momentum buffers, parallel to `params`; empty while momentum was never > 0. */
  private readonly buffers: Tensor[] = [];

  /** `params`: `{ name, value, grad }` of any shapes. */
  constructor(params: readonly OptimParam[], options: RMSPropOptions = {}) {
    checkOptions('RMSProp', options, RMSPROP_OPTIONS);
    super(params, { lr: options.lr ?? 0.01, name: 'RMSProp', clipValue: options.clipValue, nonFinite: options.nonFinite });
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.mu = checkUnitInterval(this.name, 'momentum', options.momentum ?? 0);
    this.weightDecay = options.weightDecay ?? 0;
    for (const p of this.params) {
      this.squares.push(this.addStateLike(`rmsprop.square.${p.name}`, p.value, 'nonNegative'));
    }
    if (this.mu > 0) this.allocateMomentum();
  }

  /**
   * Momentum μ in [0, 1). Raising it from 0 allocates zeroed buffers (they then
   * appear in the state dict); setting it back to 0 keeps them.
   */
  get momentum(): number {
    return this.mu;
  }

  /** Sets the momentum; throws unless it is in [0, 1) (a buffer is allocated on first use). */
  set momentum(value: number) {
    this.mu = checkUnitInterval(this.name, 'momentum', value);
    if (this.mu > 0 && this.buffers.length === 0) this.allocateMomentum();
  }

  /** `{ lr, alpha, eps, momentum, weightDecay }`. */
  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, clipValue: this.clipValue, alpha: this.decayRate, eps: this.epsilon, momentum: this.mu, weightDecay: this.decay };
  }

  /** One RMSProp update of every parameter (see the class comment). Allocates nothing. */
  protected update(): void {
    this.clipGradients();
    const lr = this.lr, alpha = this.decayRate, eps = this.epsilon, mu = this.mu, wd = this.decay;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.param(i);
      // one fused pass, in WebAssembly SIMD when the tensors live on its heap
      rmspropStep(p.value, p.grad, this.squares[i]!, mu > 0 ? this.buffers[i]! : null, lr, alpha, eps, mu, wd);
    }
  }

  private allocateMomentum(): void {
    for (const p of this.params) this.buffers.push(this.addStateLike(`rmsprop.momentum.${p.name}`, p.value));
  }
}

defineHyperparameters(RMSProp, {
  alpha: ['decayRate', checkUnitInterval],
  eps: ['epsilon', checkNonNegative],
  weightDecay: ['decay', checkNonNegative],
});

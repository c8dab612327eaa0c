import type { Tensor } from '@weft/tensor';
import { Optimizer, type ClipOptions } from './optimizer.js';
import type { OptimParam } from './param.js';
import { checkBoolean, checkNonNegative, checkOptions, checkUnitInterval, defineHyperparameters } from './validate.js';

/** Options of {@link SGD}. */
export interface SGDOptions extends ClipOptions {
  /** Learning rate η, finite > 0 (required). */
  lr: number;
  /** Momentum μ in [0, 1); 0 (default) is plain gradient descent. */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 weight decay λ >= 0, added to the gradient (g + λθ). Default 0. */
  weightDecay?: number;
}

const SGD_OPTIONS = ['lr', 'clipValue', 'nonFinite', 'momentum', 'nesterov', 'weightDecay'] as const;

/**
 * Stochastic gradient descent, with PyTorch's semantics. Per element, with
 * g = grad + λθ:
 *
 * - momentum μ = 0: θ −= η·g
 * - momentum μ > 0: v = μ·v + g; θ −= η·v (velocity v starts at 0, so v₁ = g)
 * - Nesterov:       v = μ·v + g; θ −= η·(g + μ·v)
 *
 * The gradient tensors are not modified. State: `sgd.momentum.<param>` (same
 * shape as the parameter), present when momentum > 0.
 */
export class SGD extends Optimizer {
  /** L2 weight decay λ >= 0; setting it throws unless it is a finite number >= 0. */
  declare weightDecay: number;
  private mu: number;
  private useNesterov: boolean;
  private decay!: number;
  /** Velocity per parameter, parallel to `params`; empty while momentum was never > 0. */
  private readonly velocity: Tensor[] = [];

  /** `params`: `{ name, value, grad }` of any shapes; `options.lr` is required. */
  constructor(params: readonly OptimParam[], options: SGDOptions) {
    checkOptions('SGD', options, SGD_OPTIONS);
    if (options === undefined || options.lr === undefined) throw new Error('SGD: lr is required, e.g. new SGD(params, { lr: 0.1 })');
    super(params, { lr: options.lr, name: 'SGD', clipValue: options.clipValue, nonFinite: options.nonFinite });
    this.mu = checkUnitInterval(this.name, 'momentum', options.momentum ?? 0);
    this.useNesterov = checkBoolean(this.name, 'nesterov', options.nesterov ?? false);
    this.weightDecay = options.weightDecay ?? 0;
    this.checkNesterov(this.mu, this.useNesterov);
    if (this.mu > 0) this.allocateVelocity();
  }

  /**
   * Momentum μ in [0, 1). Raising it from 0 allocates zeroed velocity buffers
   * (they then appear in the state dict); setting it back to 0 keeps them.
   */
  get momentum(): number {
    return this.mu;
  }

  /** Sets μ; throws unless it is in [0, 1), and on 0 while Nesterov is on. */
  set momentum(value: number) {
    const mu = checkUnitInterval(this.name, 'momentum', value);
    this.checkNesterov(mu, this.useNesterov);
    this.mu = mu;
    if (mu > 0 && this.velocity.length === 0) this.allocateVelocity();
  }

  /** Nesterov momentum; can only be true while momentum > 0. */
  get nesterov(): boolean {
    return this.useNesterov;
  }

  /** Turns Nesterov momentum on or off; throws when turned on while momentum is 0. */
  set nesterov(value: boolean) {
    const on = checkBoolean(this.name, 'nesterov', value);
    this.checkNesterov(this.mu, on);
    this.useNesterov = on;
  }

  /** `{ lr, momentum, nesterov, weightDecay }`. */
  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, clipValue: this.clipValue, momentum: this.mu, nesterov: this.useNesterov, weightDecay: this.decay };
  }

  /** One SGD update of every parameter (see the class comment). Allocates nothing. */
  protected update(): void {
    this.clipGradients();
    const lr = this.lr, mu = this.mu, wd = this.decay, nesterov = this.useNesterov;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.param(i);
      const x = p.value.data, xo = p.value.offset;
      const g = p.grad.data, go = p.grad.offset;
      const n = p.value.size;
      if (mu === 0) {
        for (let k = 0; k < n; k++) x[xo + k]! -= lr * (g[go + k]! + wd * x[xo + k]!);
        continue;
      }
      const v = this.velocity[i]!.data;
      for (let k = 0; k < n; k++) {
        const gk = g[go + k]! + wd * x[xo + k]!;
        const vk = mu * v[k]! + gk;
        v[k] = vk;
        x[xo + k]! -= lr * (nesterov ? gk + mu * vk : vk);
      }
    }
  }

  private checkNesterov(mu: number, nesterov: boolean): void {
    if (nesterov && mu === 0) throw new Error('SGD: nesterov needs momentum > 0, got momentum 0');
  }

  private allocateVelocity(): void {
    for (const p of this.params) this.velocity.push(this.addStateLike(`sgd.momentum.${p.name}`, p.value));
  }
}

defineHyperparameters(SGD, { weightDecay: ['decay', checkNonNegative] });

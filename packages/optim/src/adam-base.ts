import { adamStep, type Tensor } from '@weft/tensor';
import { Optimizer, type ClipOptions } from './optimizer.js';
import type { OptimParam } from './param.js';
import { checkNonNegative, checkOptions, checkUnitInterval, defineHyperparameters } from './validate.js';

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions extends ClipOptions {
  /** Learning rate η, finite > 0. Default 1e-3. */
  lr?: number;
  /** Decay β₁ in [0, 1) of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay β₂ in [0, 1) of the second moment. Default 0.999. */
  beta2?: number;
  /** ε >= 0, added outside the square root. Default 1e-8. */
  eps?: number;
  /** Weight decay λ >= 0: L2 (added to g) for Adam, decoupled for AdamW. Default 0 (Adam), 0.01 (AdamW). */
  weightDecay?: number;
}

const ADAM_OPTIONS = ['lr', 'clipValue', 'nonFinite', 'beta1', 'beta2', 'eps', 'weightDecay'] as const;

/**
 * The shared implementation of Adam and AdamW (Kingma & Ba; Loshchilov & Hutter).
 * Per step t = 1, 2, … and per element:
 *
 *     Adam:   g = grad + λθ                  AdamW:  θ −= η·λ·θ;  g = grad
 *     m = β₁·m + (1 − β₁)·g
 *     v = β₂·v + (1 − β₂)·g²
 *     θ −= η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *
 * State: `adam.m.<param>`, `adam.v.<param>` and the step count t as `adam.step` ([1]),
 * for both variants.
 */
export abstract class AdamBase extends Optimizer {
  /** Decay β₁ in [0, 1) of the first moment; setting it throws unless it is in [0, 1). */
  declare beta1: number;
  /** Decay β₂ in [0, 1) of the second moment; setting it throws unless it is in [0, 1). */
  declare beta2: number;
  /** ε >= 0, outside the square root; setting it throws unless it is a finite number >= 0. */
  declare eps: number;
  /** Weight decay λ >= 0 (L2 for Adam, decoupled for AdamW); setting it throws unless it is a finite number >= 0. */
  declare weightDecay: number;
  private b1!: number;
  private b2!: number;
  private epsilon!: number;
  private decay!: number;
  private readonly decoupled: boolean;
  private readonly firstMoments: Tensor[] = [];
  private readonly secondMoments: Tensor[] = [];
  /** The step count t as a [1] tensor, so it is saved with the rest of the state. */
  private readonly stepCount: Tensor;

  /** `decoupled` picks AdamW's weight decay; `defaultWeightDecay` applies when the option is absent. */
  protected constructor(name: string, params: readonly OptimParam[], options: AdamOptions, decoupled: boolean, defaultWeightDecay: number) {
    checkOptions(name, options, ADAM_OPTIONS);
    super(params, { lr: options.lr ?? 1e-3, name, clipValue: options.clipValue, nonFinite: options.nonFinite });
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
    this.decoupled = decoupled;
    for (const p of this.params) this.firstMoments.push(this.addStateLike(`adam.m.${p.name}`, p.value));
    for (const p of this.params) {
      this.secondMoments.push(this.addStateLike(`adam.v.${p.name}`, p.value, 'nonNegative'));
    }
    this.stepCount = this.addState('adam.step', [1], 'float64', 'count');
  }

  /** The number of steps taken so far (t; also restored by `loadStateDict`). */
  get stepsTaken(): number {
    return this.stepCount.data[0]!;
  }

  /** `{ lr, beta1, beta2, eps, weightDecay }`. */
  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, clipValue: this.clipValue, beta1: this.b1, beta2: this.b2, eps: this.epsilon, weightDecay: this.decay };
  }

  /** One bias-corrected update of every parameter (see the class comment). Allocates nothing. */
  protected update(): void {
    this.clipGradients();
    const lr = this.lr, beta1 = this.b1, beta2 = this.b2, eps = this.epsilon;
    const t = this.stepCount.data[0]! + 1;
    this.stepCount.data[0] = t;
    const correction1 = 1 - Math.pow(beta1, t);
    const correction2 = 1 - Math.pow(beta2, t);
    // Adam folds λθ into the gradient; AdamW shrinks θ directly, apart from the moments.
    const l2 = this.decoupled ? 0 : this.decay;
    const shrink = this.decoupled ? lr * this.decay : 0;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.param(i);
      // one fused pass, in WebAssembly SIMD when the tensors live on its heap
      adamStep(p.value, p.grad, this.firstMoments[i]!, this.secondMoments[i]!, lr, beta1, beta2, correction1, correction2, eps, l2, shrink);
    }
  }
}

defineHyperparameters(AdamBase, {
  beta1: ['b1', checkUnitInterval],
  beta2: ['b2', checkUnitInterval],
  eps: ['epsilon', checkNonNegative],
  weightDecay: ['decay', checkNonNegative],
});

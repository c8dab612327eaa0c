import { AdaGrad, type AdaGradOptions } from './adagrad.js';
import { Adam } from './adam.js';
import type { AdamOptions } from './adam-base.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import type { OptimParam } from './param.js';
import { RMSProp, type RMSPropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';
import { describe } from './validate.js';

/** The optimizer names {@link createOptimizer} accepts. */
export const OPTIMIZER_NAMES = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;

/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The options of any optimizer (each constructor rejects keys it does not know). */
export type OptimizerOptions = Partial<SGDOptions> | AdaGradOptions | RMSPropOptions | AdamOptions;

/**
 * An optimizer by name, for command lines and config files:
 * `createOptimizer('adagrad', model.parameters(), { lr: 0.1 })`.
 * `options` are the chosen optimizer's (SGD needs `lr`); unknown options and
 * names throw, the latter listing the valid names.
 */
export function createOptimizer(name: 'sgd', params: readonly OptimParam[], options: SGDOptions): SGD;
export function createOptimizer(name: 'adagrad', params: readonly OptimParam[], options?: AdaGradOptions): AdaGrad;
export function createOptimizer(name: 'rmsprop', params: readonly OptimParam[], options?: RMSPropOptions): RMSProp;
export function createOptimizer(name: 'adam', params: readonly OptimParam[], options?: AdamOptions): Adam;
export function createOptimizer(name: 'adamw', params: readonly OptimParam[], options?: AdamOptions): AdamW;
export function createOptimizer(name: string, params: readonly OptimParam[], options?: OptimizerOptions): Optimizer;
export function createOptimizer(name: string, params: readonly OptimParam[], options: OptimizerOptions = {}): Optimizer {
  switch (name) {
    case 'sgd':
      return new SGD(params, options as SGDOptions);
    case 'adagrad':
      return new AdaGrad(params, options as AdaGradOptions);
    case 'rmsprop':
      return new RMSProp(params, options as RMSPropOptions);
    case 'adam':
      return new Adam(params, options as AdamOptions);
    case 'adamw':
      return new AdamW(params, options as AdamOptions);
    default:
      throw new Error(`createOptimizer: unknown optimizer ${describe(name)}; valid names are ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

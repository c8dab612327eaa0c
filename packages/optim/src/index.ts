/**
 * @weft/optim — optimizers (SGD, AdaGrad, RMSProp, Adam, AdamW), gradient
 * clipping and learning-rate schedules for anything shaped `{ name, value, grad }`.
 *
 * Steps and clipping allocate nothing; optimizer state exports and imports as
 * named tensors, so a resumed run continues bit for bit.
 *
 * @module @weft/optim
 */
export type { GradHolder, OptimParam } from './param.js';
export { Optimizer, type ClipOptions, type NonFiniteMode, type OptimizerHyper, type StateKind } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { AdaGrad, type AdaGradOptions } from './adagrad.js';
export { RMSProp, type RMSPropOptions } from './rmsprop.js';
export { AdamBase, type AdamOptions } from './adam-base.js';
export { Adam } from './adam.js';
export { AdamW } from './adamw.js';
export { createOptimizer, OPTIMIZER_NAMES, type OptimizerName, type OptimizerOptions } from './create.js';
export { clipByGlobalNorm, clipByValue, type ClipByGlobalNormResult, type ClipByValueResult } from './clip.js';
export { globalGradNorm } from './grad-norm.js';
export { cosineSchedule, stepDecay, type CosineScheduleOptions, type Schedule, type StepDecayOptions } from './schedule.js';
export { validateParams } from './validate.js';

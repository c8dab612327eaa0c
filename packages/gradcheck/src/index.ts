/**
 * @weft/gradcheck — numerical gradient checking for anything shaped
 * `{ name, value, grad }`: finite differences in float64, the relative
 * error, per-parameter reports (torch.autograd.gradcheck / JAX check_grads for JS).
 * `checkBackward` checks a forward/backward pair with several outputs in one call.
 *
 * @module @weft/gradcheck
 */
export { DEFAULT_EPS, relativeError, relativeErrors } from './relative-error.js';
export { DEFAULT_H, type Stencil } from './validate.js';
export { finiteDifference, numericalGradient, type NumericalGradientOptions } from './numerical.js';
export { sampleIndices } from './sample.js';
export { multiIndex } from './indexing.js';
export type { GradParam } from './params.js';
export {
  checkGradients,
  type CheckGradientsOptions,
  type GradcheckReport,
  type ParamReport,
  type WorstEntry,
} from './check.js';
export { checkBackward, type BackwardTarget, type CheckBackwardOptions } from './backward.js';
export { directionalCheck, type DirectionalCheckOptions, type DirectionalCheckResult } from './directional.js';
export { formatReport, reportToJSON, type GradcheckReportJSON } from './format.js';

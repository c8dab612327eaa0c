import { scale, softmax, zeros, type LogSumExp, type Tensor } from '@weft/tensor';
import { checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, type Layer, type LayerContext } from '../layer.js';
import type { Param } from '../param.js';
import { float, ids, port, scalar, type Port, type Value } from '../port.js';
import { checkSize } from './init.js';

/** The per-call cache of {@link SoftmaxCrossEntropy}: p, each row's max and log Σ exp, and the targets. */
export class SoftmaxCrossEntropyContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /**
   * Each row's max and log Σ_j exp(logits[r, j] − max), `[rows]` each:
   * log p[r, j] = (logits[r, j] − lse.max[r]) − lse.logSum[r].
   */
  readonly lse: LogSumExp;
  /** softmax(logits) `[rows, K]`. */
  readonly probs: Tensor;
  /** The targets of the last forward (referenced, not copied). */
  targets: Int32Array;

  constructor(readonly batch: number, readonly steps: number, classes: number, propagate: boolean) {
    this.rows = batch * steps;
    this.outputs = [zeros([])];
    this.lse = { max: zeros([this.rows]), logSum: zeros([this.rows]) };
    this.probs = zeros([this.rows, classes]);
    this.gradInputs = [propagate ? zeros([this.rows, classes]) : null, null];
    this.targets = new Int32Array(0);
  }
}

/**
 * Softmax and cross-entropy against target ids, fused and numerically stable:
 * loss = −(1/B) Σ_rows log softmax(logits)[row, target], with −log p taken as
 * (max − logit) + log Σ exp(logits − max) (never log of a probability that
 * underflowed to 0, and log Σ never rounded to the precision of the largest
 * logit: logits [1e16, 1e16] give log 2, not 0), and one exp per logit: the
 * softmax kernel hands back each row's max and log Σ exp. Summed over the
 * rows of every step and averaged over the batch B: with B = 1 and T steps
 * stacked it is the report's −Σ_t log p_t[y_t].
 *
 * - inputs: `logits` `[B, K]`, `targets` Int32Array `[B]` of ids in [0, K).
 * - output `loss`: a scalar `[]`.
 * - backward: dlogits = dloss · (p − onehot(targets)) / B; no gradient for targets.
 */
export class SoftmaxCrossEntropy implements Layer<SoftmaxCrossEntropyContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[] = [port('loss', scalar())];

  /**
   * A loss over `classes` (K) classes.
   * @param classes - K: the logits are `[rows, K]`, the targets ids in 0..K−1.
   */
  constructor(readonly classes: number) {
    checkSize('SoftmaxCrossEntropy', 'classes', classes);
    this.inputs = [port('logits', float(classes)), port('targets', ids())];
  }

  /** None: `[]`. */
  parameters(): readonly Param[] {
    return [];
  }

  /** Nothing to zero. */
  zeroGrad(): void {}

  /** Buffers for `batch · steps` rows: p and, if requested, dlogits `[rows, K]`; each row's max and log Σ exp `[rows]`. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): SoftmaxCrossEntropyContext {
    checkBatch('SoftmaxCrossEntropy', batch, steps);
    const propagate = resolvePropagateDown('SoftmaxCrossEntropy', this.inputs, propagateDown);
    return new SoftmaxCrossEntropyContext(batch, steps, this.classes, propagate[0]!);
  }

  /** loss = −(1/B) Σ_r log p[r, targets[r]]. Throws for a target outside [0, K). Returns `[loss]`. */
  forward(ctx: SoftmaxCrossEntropyContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('SoftmaxCrossEntropy', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const targets = inputs[1] as Int32Array;
    const K = this.classes;
    for (let r = 0; r < targets.length; r++) {
      const y = targets[r]!;
      if (!(y >= 0 && y < K)) throw new Error(`SoftmaxCrossEntropy: target ${y} at row ${r} is outside the classes [0, ${K})`);
    }
    const logits = inputs[0] as Tensor;
    softmax(ctx.probs, logits, ctx.lse);
    const z = logits.data, zo = logits.offset;
    const max = ctx.lse.max.data, mo = ctx.lse.max.offset;
    const logSum = ctx.lse.logSum.data, so = ctx.lse.logSum.offset;
    let total = 0;
    // −log p = (max − z_y) + log Σ exp(z − max): max − z_y is exact when they
    // are close, and log Σ (in [0, log K]) keeps all its digits
    for (let r = 0; r < targets.length; r++) total += max[mo + r]! - z[zo + r * K + targets[r]!]! + logSum[so + r]!;
    const loss = ctx.outputs[0]!;
    loss.data[loss.offset] = total / ctx.batch;
    ctx.targets = targets;
    return ctx.outputs;
  }

  /** dlogits = dloss · (p − onehot(targets)) / B. */
  backward(ctx: SoftmaxCrossEntropyContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('SoftmaxCrossEntropy', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dLoss = gradOutputs[0];
    const dLogits = ctx.gradInputs[0];
    if (!dLoss || !dLogits) return;
    const s = dLoss.data[dLoss.offset]! / ctx.batch;
    scale(dLogits, ctx.probs, s);
    const d = dLogits.data, dOff = dLogits.offset;
    const K = this.classes;
    const targets = ctx.targets;
    for (let r = 0; r < targets.length; r++) d[dOff + r * K + targets[r]!]! -= s;
  }
}

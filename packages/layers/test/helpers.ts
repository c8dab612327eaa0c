/** Shared test helpers: gradient checks of layers (parameters AND input gradients) and close comparisons. */
import { checkGradients, formatReport, type GradcheckReport, type GradParam } from '@weft/gradcheck';
import { copy, randn, Rng, zeros, axpy, type Tensor } from '@weft/tensor';
import type { Layer, Value } from '@weft/layers';

/** Random token ids in [0, K). */
export function randomIds(n: number, K: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(K);
  return out;
}

/** Elementwise |a − b| ≤ tol · max(1, |a|, |b|); the message names the worst entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e) / Math.max(1, Math.abs(a), Math.abs(e));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  if (!(worst <= tol)) throw new Error(`expected close to ${tol}: worst relative difference ${worst} at [${at}]: ${actual[at]} vs ${expected[at]}`);
}

/** Throws with the formatted report unless it passed. */
export function expectPassed(report: GradcheckReport): void {
  if (!report.passed) throw new Error(`gradient check failed:\n${formatReport(report)}`);
  expect(report.params.every((p) => p.checked > 0)).toBe(true);
}

/**
 * Gradient-checks `layer` at `batch · steps` rows: loss = Σ_outputs ⟨R_o, out_o⟩
 * with fixed random R_o, against its parameters and every float input (the
 * input gradients `backward` wrote are compared as if the inputs were parameters).
 * `inputs` gives one value per input port.
 */
export function checkLayer(
  layer: Layer,
  inputs: Value[],
  options: { batch: number; steps?: number; seed?: number; maxEntries?: number },
): GradcheckReport {
  const steps = options.steps ?? 1;
  const ctx = layer.createContext(options.batch, steps);
  const rng = new Rng(options.seed ?? 1);
  const upstream = ctx.outputs.map((o) => randn(o.shape, rng));
  const inputParams: { param: GradParam; index: number }[] = [];
  inputs.forEach((v, i) => {
    if (!(v instanceof Int32Array) && ctx.gradInputs[i]) {
      inputParams.push({ param: { name: `input:${layer.inputs[i]!.name}`, value: v, grad: zeros(v.shape) }, index: i });
    }
  });
  const lossAndGradients = (): number => {
    const outs = layer.forward(ctx, inputs);
    let loss = 0;
    outs.forEach((o, k) => {
      for (let j = 0; j < o.size; j++) loss += o.data[o.offset + j]! * upstream[k]!.data[j]!;
    });
    layer.backward(ctx, upstream);
    for (const { param, index } of inputParams) axpy(param.grad, 1, ctx.gradInputs[index]!);
    return loss;
  };
  const params: GradParam[] = [...layer.parameters(), ...inputParams.map((p) => p.param)];
  return checkGradients(params, lossAndGradients, { maxEntries: options.maxEntries, seed: options.seed ?? 0 });
}

/** A copy of a tensor's values. */
export function snapshot(t: Tensor): Float64Array {
  return Float64Array.from(copy(zeros(t.shape), t).data);
}

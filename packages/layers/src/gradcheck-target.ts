/**
 * gradcheckTarget: any Layer as the `{ params, forward, backward }` target that
 * @weft/gradcheck's `checkBackward` checks — the layer's parameters and its
 * input gradients in one call. (@weft/layers does not depend on
 * @weft/gradcheck: the target is a plain object of the shape it takes.)
 */
import { axpy, Tensor, zeros } from '@weft/tensor';
import type { Layer, LayerContext } from './layer.js';
import type { Value } from './port.js';

/** A tensor and its gradient, named: a layer parameter, or an input as `input:<port>`. */
export interface GradcheckEntry {
  /** The parameter's name, or `input:<port>` for an input. */
  readonly name: string;
  /** The values the checker perturbs. */
  readonly value: Tensor;
  /** The analytical gradient, accumulated by backward. */
  readonly grad: Tensor;
}

/** What {@link gradcheckTarget} returns: checkBackward's target, plus the context it runs in. */
export interface GradcheckTarget<C extends LayerContext = LayerContext> {
  /** The layer's parameters, then one `input:<port>` entry per float input that propagates. */
  readonly params: readonly GradcheckEntry[];
  /** The context every call runs in (`batch · steps` rows). */
  readonly context: C;
  /** `layer.forward(context, inputs)`. */
  forward(): readonly Tensor[];
  /** `layer.backward(context, gradOutputs)`, then adds each input gradient to its entry's `grad`. */
  backward(gradOutputs: readonly Tensor[]): void;
}

/** Options of {@link gradcheckTarget}. */
export interface GradcheckTargetOptions {
  /** Samples per step. */
  batch: number;
  /** Time steps stacked in the context (default 1): the inputs have `batch · steps` rows. */
  steps?: number;
  /** Per input: compute its gradient (default: every float input, as `createContext`). */
  propagateDown?: readonly boolean[];
}

/**
 * Wraps `layer` for `checkBackward` (from @weft/gradcheck):
 * `checkBackward(gradcheckTarget(layer, [x, h], { batch: 3 }))` checks the
 * gradients of every parameter AND of every input that propagates, against
 * numerical gradients of Σ_o ⟨R_o, out_o⟩.
 *
 * - `inputs`: one value per input port, `[batch · steps, size]` tensors
 *   (float64, to be checked) or Int32Array ids. They are the values the
 *   checker perturbs in place (and restores).
 * - params: `layer.parameters()` (shared with the layer: the check leaves its
 *   gradient in `param.grad`), then `{ name: 'input:<port>', value: the input,
 *   grad }` for each input whose gradient is requested.
 * - backward accumulates into the parameters (the layer does) and adds
 *   `context.gradInputs[i]` into the input entries' grads (the layer writes those).
 */
export function gradcheckTarget<C extends LayerContext>(
  layer: Layer<C>,
  inputs: readonly Value[],
  options: GradcheckTargetOptions,
): GradcheckTarget<C> {
  if (options === null || typeof options !== 'object') throw new Error(`gradcheckTarget: options { batch, steps? } are required, got ${String(options)}`);
  for (const p of layer.parameters()) {
    if (p.value.dtype !== 'float64') {
      throw new Error(`gradcheckTarget: parameter '${p.name}' is ${p.value.dtype}; gradient checks run in float64 (build the layer with dtype 'float64')`);
    }
  }
  const context = layer.createContext(options.batch, options.steps ?? 1, options.propagateDown);
  if (!Array.isArray(inputs) || inputs.length !== layer.inputs.length) {
    throw new Error(`gradcheckTarget: the layer takes ${layer.inputs.length} input(s) (${layer.inputs.map((p) => p.name).join(', ')}), got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
  }
  const entries: { entry: GradcheckEntry; index: number }[] = [];
  inputs.forEach((v, i) => {
    if (v instanceof Tensor && context.gradInputs[i]) {
      entries.push({ entry: { name: `input:${layer.inputs[i]!.name}`, value: v, grad: zeros(v.shape) }, index: i });
    }
  });
  return {
    params: [...layer.parameters(), ...entries.map((e) => e.entry)],
    context,
    forward: () => layer.forward(context, inputs),
    backward: (gradOutputs) => {
      layer.backward(context, gradOutputs);
      for (const { entry, index } of entries) axpy(entry.grad, 1, context.gradInputs[index]!);
    },
  };
}

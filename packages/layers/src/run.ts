/**
 * Running a layer for training: one forward and the backward of its loss.
 */
import { full, type Tensor } from '@weft/tensor';
import type { Layer, LayerContext } from './layer.js';
import type { Value } from './port.js';

/** Options of {@link lossAndGradients}. */
export interface LossOptions {
  /** The scalar output to differentiate; default the layer's only scalar output. */
  loss?: string;
}

/** Per context: the output gradients handed to backward (1 for the loss, null elsewhere), built once. */
const seeds = new WeakMap<LayerContext, { grads: (Tensor | null)[]; loss: number; name: string | undefined }>();

/**
 * Forward of `layer` on `inputs` (one value per input port, or an object by
 * port name), then backward from its scalar loss output with ∂loss/∂loss = 1:
 * every parameter gradient ACCUMULATES (+=) the loss's gradient. Returns the
 * loss. Works for any layer with a scalar output: a graph, a `Recurrent`
 * (whose loss is summed over the steps and averaged over the batch).
 * Allocates nothing after the first call on a context.
 */
export function lossAndGradients<C extends LayerContext>(
  layer: Layer<C>,
  ctx: C,
  inputs: readonly Value[] | Readonly<Record<string, Value>>,
  options: LossOptions = {},
): number {
  const values = Array.isArray(inputs) ? (inputs as readonly Value[]) : byPortName(layer, inputs as Readonly<Record<string, Value>>);
  const outputs = layer.forward(ctx, values);
  let seed = seeds.get(ctx);
  if (seed === undefined || seed.name !== options.loss) {
    const loss = lossIndex(layer, options.loss);
    const grads: (Tensor | null)[] = layer.outputs.map(() => null);
    grads[loss] = full([], 1, outputs[loss]!.dtype); // in the model's dtype: layers do not mix dtypes
    seed = { grads, loss, name: options.loss };
    seeds.set(ctx, seed);
  }
  layer.backward(ctx, seed.grads);
  const loss = outputs[seed.loss]!;
  return loss.data[loss.offset]!;
}

/** Index of the scalar output `name`, or of the only scalar output. */
function lossIndex(layer: Layer, name: string | undefined): number {
  const scalars = layer.outputs.flatMap((p, i) => (p.kind === 'scalar' ? [i] : []));
  const list = layer.outputs.map((p) => `${p.name} (${p.kind})`).join(', ');
  if (name !== undefined) {
    const i = layer.outputs.findIndex((p) => p.name === name);
    if (i < 0 || layer.outputs[i]!.kind !== 'scalar') throw new Error(`lossAndGradients: '${name}' is not a scalar output (outputs: ${list})`);
    return i;
  }
  if (scalars.length !== 1) {
    throw new Error(`lossAndGradients: the layer has ${scalars.length === 0 ? 'no scalar output' : 'several scalar outputs'} (outputs: ${list}); ${scalars.length === 0 ? 'add a loss' : 'name one with options.loss'}`);
  }
  return scalars[0]!;
}

/** The inputs of `layer` in port order from an object keyed by port name; throws for a missing or unknown name. */
function byPortName(layer: Layer, inputs: Readonly<Record<string, Value>>): Value[] {
  const names = layer.inputs.map((p) => p.name);
  for (const key of Object.keys(inputs)) {
    if (!names.includes(key)) throw new Error(`lossAndGradients: '${key}' is not an input (inputs: ${names.join(', ')})`);
  }
  return names.map((n) => {
    if (!Object.hasOwn(inputs, n)) throw new Error(`lossAndGradients: input '${n}' is missing (inputs: ${names.join(', ')})`);
    return inputs[n]!;
  });
}

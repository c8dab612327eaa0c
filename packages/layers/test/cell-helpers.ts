/**
 * Test helpers for recurrent cells: an explicit BPTT loop over a layer whose outputs feed its own state inputs
 * (per-step contexts, or a layer's sequence contexts with deferred weight
 * gradients), exposing the gradients of the inputs and of the initial state.
 */
import { add, copy, fill, randn, Tensor, zeros, type Rng } from '@weft/tensor';
import type { Layer, LayerContext, Param, Value } from '@weft/layers';

/** What {@link unroll} computed: the loss, the outputs of every step, and the gradients of the inputs. */
export interface UnrollResult {
  loss: number;
  /** Per output: the values of every step stacked `[T·B, n]`. */
  outputs: Tensor[];
  /** Per sequence input: ∂loss/∂x stacked `[T·B, n]` (null for ids). */
  gradSequence: (Tensor | null)[];
  /** Per state: ∂loss/∂(initial state) `[B, n]`. */
  gradInitial: Tensor[];
}

/**
 * BPTT by hand over `layer`, whose inputs are `sequenceCount` per-step inputs
 * followed by the states, and whose first outputs are the next states in the
 * same order (any further outputs are read-outs). Loss = Σ_t Σ_o ⟨R[o]_t,
 * out_{o,t}⟩ with R[o] `[T·B, n]`. `deferred` uses the layer's sequence
 * contexts (weight gradients as one gemm after the loop), else one context per
 * step. Accumulates parameter gradients; returns the rest.
 */
export function unroll(
  layer: Layer,
  batch: number,
  sequences: readonly Value[],
  initial: readonly Tensor[],
  R: readonly Tensor[],
  deferred: boolean,
): UnrollResult {
  const B = batch;
  const first = sequences[0]!;
  const T = (first instanceof Int32Array ? first.length : first.shape[0]!) / B;
  const S = initial.length;
  const nSeq = sequences.length;
  const propagate = layer.inputs.map((p) => p.grad);
  let contexts: readonly LayerContext[];
  let accumulate = (): void => {};
  if (deferred) {
    if (!layer.createSequenceContexts) throw new Error('unroll: the layer has no sequence contexts');
    const seq = layer.createSequenceContexts(B, T, propagate);
    contexts = seq.steps;
    accumulate = () => seq.accumulateParamGrads();
  } else {
    contexts = Array.from({ length: T }, () => layer.createContext(B, 1, propagate));
  }
  const rowsOf = (v: Value, t: number): Value => {
    if (v instanceof Int32Array) return v.subarray(t * B, (t + 1) * B);
    const n = v.shape[1]!;
    return new Tensor(v.data, [B, n], undefined, v.offset + t * B * n);
  };
  const outputs = layer.outputs.map((p) => zeros([T * B, p.size]));
  let loss = 0;
  for (let t = 0; t < T; t++) {
    const state = t === 0 ? initial : contexts[t - 1]!.outputs.slice(0, S);
    const outs = layer.forward(contexts[t]!, [...sequences.map((s) => rowsOf(s, t)), ...state]);
    outs.forEach((o, k) => {
      copy(rowsOf(outputs[k]!, t) as Tensor, o);
      const r = rowsOf(R[k]!, t) as Tensor;
      for (let j = 0; j < o.size; j++) loss += o.data[o.offset + j]! * r.data[r.offset + j]!;
    });
  }
  const sums = layer.outputs.map((p) => zeros([B, p.size]));
  const gradSequence = sequences.map((s) => (s instanceof Int32Array ? null : zeros(s.shape)));
  for (let t = T - 1; t >= 0; t--) {
    const grads = layer.outputs.map((_, k) => {
      const r = rowsOf(R[k]!, t) as Tensor;
      if (k >= S || t === T - 1) return r;
      return add(sums[k]!, r, contexts[t + 1]!.gradInputs[nSeq + k]!);
    });
    layer.backward(contexts[t]!, grads);
    gradSequence.forEach((g, i) => {
      if (g) copy(rowsOf(g, t) as Tensor, contexts[t]!.gradInputs[i]!);
    });
  }
  accumulate();
  const gradInitial = initial.map((s, k) => copy(zeros(s.shape), contexts[0]!.gradInputs[nSeq + k]!));
  return { loss, outputs, gradSequence, gradInitial };
}

/** The parameter gradients of `params` after zeroing them and running `run`, copied. */
export function gradientsOf(params: readonly Param[], run: () => void): Float64Array[] {
  for (const p of params) fill(p.grad, 0);
  run();
  return params.map((p) => Float64Array.from(p.grad.data));
}

/** Non-zero biases (and so every bias path exercised): N(0, 0.3²) into every 1-D parameter. */
export function randomizeBiases(params: readonly Param[], rng: Rng): void {
  for (const p of params) if (p.value.shape.length === 1) p.value.data.set(randn(p.value.shape, rng, 0, 0.3).data);
}

/**
 * The layer contract (Caffe's forward/backward, cs231n's caches).
 *
 * A layer is stateless apart from its parameters. Everything one call needs —
 * output buffers, input-gradient buffers, and what forward saves for backward —
 * lives in a *context* that the caller creates once per shape with
 * `createContext(batch, steps)` and reuses for every call of that shape, so
 * that training allocates nothing per step. An unrolled recurrence keeps one
 * context per time step: that is the per-call cache of BPTT.
 *
 * Rows are independent samples. A context for `steps > 1` holds `batch · steps`
 * rows (time-major: row `t·batch + b`), and one call on it must equal `steps`
 * calls of `batch` rows each: row outputs stacked, scalar outputs (losses)
 * summed. That is what lets an unroller run time-independent layers once over
 * all time steps. Losses therefore average over `batch`, not over rows.
 *
 * Calls:
 * - `forward(ctx, inputs)` reads `inputs` (one value per input port; they are
 *   referenced, not copied, and must stay unchanged until backward), writes and
 *   returns `ctx.outputs`.
 * - `backward(ctx, gradOutputs)` takes ∂loss/∂output for each output
 *   (`null` when no gradient reaches that output; never all `null`),
 *   ACCUMULATES parameter gradients (`param.grad += …`) and WRITES the input
 *   gradients into `ctx.gradInputs[i]` for every input `i` that
 *   `propagateDown[i]` asked for (the others are `null` and skipped).
 */
import { backendOf, withBackend, withDtype, type DType, type Tensor } from '@weft/tensor';
import type { Param } from './param.js';
import { checkValue, fitsPort, type Port, type Value } from './port.js';

/** The buffers of one call shape: outputs, input gradients, and the layer's own cache. */
export interface LayerContext {
  /** Samples per time step. */
  readonly batch: number;
  /** Time steps stacked in this context (1 for a single step). */
  readonly steps: number;
  /** `batch · steps`. */
  readonly rows: number;
  /** One buffer per output port, written by forward. */
  readonly outputs: readonly Tensor[];
  /** One buffer per input port, written by backward; `null` where not propagated. */
  readonly gradInputs: readonly (Tensor | null)[];
}

/**
 * Contexts for running a layer one time step at a time over `steps.length`
 * consecutive steps, as BPTT does. A layer may keep their buffers in shared
 * `[steps·batch, n]` storage and defer its parameter gradients: backward on a
 * step context then writes input gradients only, and `accumulateParamGrads()`
 * adds the parameter gradients of every step that ran backward since its
 * forward, as matrix–matrix products (e.g. dW = Σ_t δ_tᵀ h_{t−1} as one gemm).
 */
export interface SequenceContexts<C extends LayerContext = LayerContext> {
  /** One context per time step, each with `batch` rows. */
  readonly steps: readonly C[];
  /** Adds the deferred parameter gradients; call once after the backward pass over all steps. */
  accumulateParamGrads(): void;
}

/** A differentiable function with parameters; see the module comment for the contract. */
export interface Layer<C extends LayerContext = LayerContext> {
  /** Input ports, in the order `forward` takes its inputs. */
  readonly inputs: readonly Port[];
  /** Output ports, in the order `forward` returns its outputs. */
  readonly outputs: readonly Port[];
  /** The trainable parameters (the same objects on every call). */
  parameters(): readonly Param[];
  /** Sets every parameter gradient to 0. */
  zeroGrad(): void;
  /**
   * Allocates the buffers for calls on `batch · steps` rows. `propagateDown[i]`
   * says whether backward must write the gradient of input `i` (default: every
   * input whose port has `grad`).
   */
  createContext(batch: number, steps?: number, propagateDown?: readonly boolean[]): C;
  /**
   * Optional: per-step contexts for BPTT, possibly deferring parameter
   * gradients (see {@link SequenceContexts}). Without it, an unroller calls
   * `createContext(batch, 1, propagateDown)` once per step.
   */
  createSequenceContexts?(batch: number, steps: number, propagateDown?: readonly boolean[]): SequenceContexts<C>;
  /** Computes the outputs from `inputs` (one value per input port) into `ctx.outputs` and returns them. */
  forward(ctx: C, inputs: readonly Value[]): readonly Tensor[];
  /** Accumulates parameter gradients and writes the requested input gradients into `ctx.gradInputs`. */
  backward(ctx: C, gradOutputs: readonly (Tensor | null)[]): void;
  /**
   * Optional, for layers that behave differently in training and evaluation
   * (Dropout): sets training mode (`mode` true) or evaluation mode (false),
   * as PyTorch's `module.train(mode)`. A Graph passes it on to every node.
   */
  train?(mode: boolean): void;
}

/** Throws unless `batch` and `steps` are positive integers. */
export function checkBatch(who: string, batch: number, steps: number): void {
  if (!Number.isInteger(batch) || batch <= 0) throw new Error(`${who}: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(steps) || steps <= 0) throw new Error(`${who}: steps must be a positive integer, got ${steps}`);
}

/**
 * The propagate-down flags for `inputs`: by default every port with `grad`.
 * Throws for a wrong length, or for asking a gradient of an ids input.
 */
export function resolvePropagateDown(who: string, inputs: readonly Port[], propagateDown?: readonly boolean[]): boolean[] {
  if (propagateDown === undefined) return inputs.map((p) => p.grad);
  if (!Array.isArray(propagateDown) || propagateDown.length !== inputs.length) {
    throw new Error(`${who}: propagateDown needs one flag per input (${inputs.map((p) => p.name).join(', ')}), got ${JSON.stringify(propagateDown)}`);
  }
  return inputs.map((p, i) => {
    const want = propagateDown[i] === true;
    if (want && !p.grad) throw new Error(`${who}: input '${p.name}' (${p.kind}) has no gradient; propagateDown[${i}] must be false`);
    return want;
  });
}

/** Throws unless `inputs` holds one fitting value per input port of `layer` at `rows` rows (float tensors of `dtype`, when given). */
export function checkInputs(who: string, ports: readonly Port[], inputs: readonly Value[], rows: number, dtype?: DType): void {
  if (!Array.isArray(inputs) || inputs.length !== ports.length) {
    throw new Error(`${who}: forward takes ${ports.length} input(s) (${ports.map((p) => p.name).join(', ')}), got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
  }
  for (let i = 0; i < ports.length; i++) checkValue(who, ports[i]!, inputs[i], rows, dtype);
}

/** Throws unless `gradOutputs` holds, per output port, `null` or a tensor of the output's shape (and of `dtype`, when given). */
export function checkGradOutputs(who: string, ports: readonly Port[], gradOutputs: readonly (Tensor | null)[], rows: number, dtype?: DType): void {
  if (!Array.isArray(gradOutputs) || gradOutputs.length !== ports.length) {
    throw new Error(`${who}: backward takes ${ports.length} output gradient(s) (${ports.map((p) => p.name).join(', ')}), got ${Array.isArray(gradOutputs) ? gradOutputs.length : typeof gradOutputs}`);
  }
  for (let i = 0; i < ports.length; i++) {
    const g = gradOutputs[i];
    // the message's name is built only on failure: this runs every step of BPTT
    if (g !== null && !fitsPort(ports[i]!, g, rows, dtype)) checkValue(`${who} (gradient of output)`, ports[i]!, g, rows, dtype);
  }
}

/** Sets the gradient of every parameter in `params` to 0. */
export function zeroGrads(params: readonly Param[]): void {
  for (const p of params) p.zeroGrad();
}

/**
 * Runs `fn` with create-functions allocating where `params` live and in their
 * dtype (the first parameter's backend and dtype), so that a layer's contexts
 * land on the WebAssembly heap iff its weights do, and are float32 iff its
 * weights are, whatever scope the caller is in. Without parameters, `fn` runs
 * in the caller's allocation scope.
 */
export function allocatingWith<T>(params: readonly Param[], fn: () => T): T {
  const first = params[0];
  return first === undefined ? fn() : withBackend(backendOf(first.value), () => withDtype(first.value.dtype, fn));
}

/**
 * The base of a layer with a fixed list of parameters: `parameters()` returns
 * `params`, `zeroGrad()` sets their gradients to 0.
 */
export abstract class ParameterOwner {
  /** The parameters, in the order the layer documents. */
  protected abstract readonly params: readonly Param[];

  /** The parameters, in the order the layer documents. */
  parameters(): readonly Param[] {
    return this.params;
  }

  /** Sets every parameter gradient to 0. */
  zeroGrad(): void {
    zeroGrads(this.params);
  }
}

import { fill, zeros, type Tensor } from '@weft/tensor';
import { checkBatch, checkGradOutputs, checkInputs, resolvePropagateDown, type Layer, type LayerContext } from '../layer.js';
import type { Param } from '../param.js';
import { float, port, type Port, type Value } from '../port.js';
import { checkSize } from './init.js';

/**
 * The per-call cache of a {@link ParameterlessLayer}: one `[rows, size]`
 * buffer per output, one per input that propagates (else `null`), and the
 * inputs of the last forward.
 */
export class ParameterlessContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /**
   * The inputs of the last forward, one per input port: the tensors are
   * referenced, not copied (the contract keeps them unchanged until backward);
   * the array is the context's own, so a caller may reuse its inputs array.
   */
  readonly inputs: Tensor[];

  /** Buffers for `batch · steps` rows of `inputs` and `outputs` (float ports); `propagate[i]` allocates dInput i. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    inputs: readonly Port[],
    outputs: readonly Port[],
    propagate: readonly boolean[],
  ) {
    this.rows = batch * steps;
    this.outputs = outputs.map((p) => zeros([this.rows, p.size]));
    this.gradInputs = inputs.map((p, i) => (propagate[i] ? zeros([this.rows, p.size]) : null));
    this.inputs = [];
  }
}

/**
 * The base of layers without parameters (Add, Mul, Sigmoid, Split, …): it
 * owns the ports, the contexts and the argument checks, so that a subclass
 * only writes the math, in `compute` and `computeBackward`.
 *
 * - inputs and outputs: float ports `[B, size]`, given by the subclass.
 * - parameters: none; `zeroGrad()` does nothing.
 * - forward checks the inputs, keeps references to them in `ctx.inputs` and
 *   calls `compute(ctx, inputs)`, which writes `ctx.outputs`.
 * - backward checks the output gradients and calls
 *   `computeBackward(ctx, gradOutputs)`, which WRITES every non-null
 *   `ctx.gradInputs[i]` (those are the inputs that propagate). When no
 *   gradient arrives at all, the base writes zeros instead, so a subclass may
 *   assume at least one gradient output is non-null.
 */
export abstract class ParameterlessLayer<C extends ParameterlessContext = ParameterlessContext> implements Layer<C> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];

  /**
   * @param name names the layer in error messages
   * @param inputs `[name, size]` per input port, in forward's order
   * @param outputs `[name, size]` per output port
   */
  protected constructor(
    readonly name: string,
    inputs: readonly (readonly [string, number])[],
    outputs: readonly (readonly [string, number])[],
  ) {
    for (const [n, size] of [...inputs, ...outputs]) checkSize(name, `size of '${n}'`, size);
    this.inputs = inputs.map(([n, size]) => port(n, float(size)));
    this.outputs = outputs.map(([n, size]) => port(n, float(size)));
  }

  /** None: `[]`. */
  parameters(): readonly Param[] {
    return [];
  }

  /** Nothing to zero. */
  zeroGrad(): void {}

  /** Buffers for `batch · steps` rows: one per output and one per input that propagates. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): C {
    checkBatch(this.name, batch, steps);
    return this.newContext(batch, steps, resolvePropagateDown(this.name, this.inputs, propagateDown));
  }

  /** Checks `inputs`, keeps them in `ctx.inputs` and computes `ctx.outputs`. Returns them. */
  forward(ctx: C, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs(this.name, this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    // Float ports only: checkInputs made sure they are tensors.
    for (let i = 0; i < inputs.length; i++) ctx.inputs[i] = inputs[i] as Tensor;
    this.compute(ctx, ctx.inputs);
    return ctx.outputs;
  }

  /** Checks `gradOutputs` and writes the requested input gradients (zeros if no gradient arrived). */
  backward(ctx: C, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs(this.name, this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    let any = false;
    for (let o = 0; o < gradOutputs.length; o++) if (gradOutputs[o]) any = true;
    if (any) this.computeBackward(ctx, gradOutputs);
    else for (let i = 0; i < ctx.gradInputs.length; i++) if (ctx.gradInputs[i]) fill(ctx.gradInputs[i]!, 0);
  }

  /** The context of `batch · steps` rows; a subclass with more to cache (Dropout's mask) overrides it. */
  protected newContext(batch: number, steps: number, propagate: readonly boolean[]): C {
    return new ParameterlessContext(batch, steps, this.inputs, this.outputs, propagate) as C;
  }

  /** Writes `ctx.outputs` from `inputs` (checked, `[rows, size]` each). */
  protected abstract compute(ctx: C, inputs: readonly Tensor[]): void;

  /**
   * Writes ∂loss/∂input into every non-null `ctx.gradInputs[i]` from
   * `gradOutputs` (null for an output no gradient reached; not all null).
   */
  protected abstract computeBackward(ctx: C, gradOutputs: readonly (Tensor | null)[]): void;
}

/** Port names `a`, `b`, `c`, … for `count` inputs (Add, Concat); `who` names the layer in the error. */
export function letterNames(who: string, count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 26) {
    throw new Error(`${who}: takes 1 to 26 inputs (named a to z), got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
}

/**
 * The buffers and the schedule of one unrolled shape (B samples, T steps).
 *
 * Everything is allocated once, when the Unrolling is created (by
 * `Recurrent.createContext`); forward and backward only read and write these
 * buffers. The step-independent part before the loop runs once on `[T·B, n]`
 * rows, the recurrent part once per step, the rest once on `[T·B, n]` rows
 * after the loop; backward mirrors it and sums every gradient where several
 * arrive (from outside, from the part after the loop, from the next step).
 */
import { add, copy, fill, full, getBackend, getDefaultDtype, Tensor, withBackend, zeros, type Backend, type DType } from '@weft/tensor';
import type { GraphContext, GraphSequence } from '../graph/graph.js';
import type { Port, Value } from '../port.js';
import { rowBlock, stackedView } from '../step-rows.js';
import type { Feed, PartPlan, UnrollPlan } from './plan.js';

function stackOf(port: Port, rows: number): Int32Array | Tensor {
  return port.kind === 'ids' ? new Int32Array(rows) : zeros([rows, port.size]);
}

function blocks(stack: Tensor, steps: number, batch: number): Tensor[] {
  const out: Tensor[] = [];
  for (let t = 0; t < steps; t++) out.push(rowBlock(stack, t, batch));
  return out;
}

function valueBlocks(stack: Int32Array | Tensor, steps: number, batch: number): Value[] {
  if (stack instanceof Tensor) return blocks(stack, steps, batch);
  const out: Value[] = [];
  for (let t = 0; t < steps; t++) out.push(stack.subarray(t * batch, (t + 1) * batch));
  return out;
}

/** The inputs of `part` fed by `feed`-kind sources matching `match`. */
function inputsFedBy(part: PartPlan | null, match: (f: Feed) => boolean): number[] {
  if (!part) return [];
  return part.feeds.flatMap((f, i) => (match(f) ? [i] : []));
}

/** buffer += g, or buffer = g when nothing was `started` yet; returns true (started). A function, not a closure per call: backward runs every update. */
function addInto(buffer: Tensor, g: Tensor, started: boolean): true {
  if (started) add(buffer, buffer, g);
  else copy(buffer, g);
  return true;
}

/**
 * Where the gradient of one stacked `[T·B, n]` value comes from: whole tensors
 * (from outside, from the part after the loop) and the loop's per-step input
 * gradients. `sum` writes their total into `buffer` (allocated only when
 * needed), or hands back the one source as is when it is the only one.
 */
class GradientSum {
  /** Loop input gradients, one per step, when the loop feeds back into this value. */
  loopSteps: Tensor[] | null = null;
  /** The same, as one stacked view when they are consecutive blocks of one storage. */
  loopStacked: Tensor | null = null;
  private buffer: Tensor | null = null;

  /** Where the context was allocated (see allocatingWith): the lazy buffer goes there too. */
  private readonly backend: Backend = getBackend();
  /** The dtype the context was allocated in (see allocatingWith). */
  private readonly dtype: DType = getDefaultDtype();

  constructor(private readonly rows: number, private readonly size: number) {}

  /** The loop's gradient buffers of input `input` of every step. */
  setLoop(steps: readonly GraphContext[], input: number): void {
    this.loopSteps = steps.map((s) => s.gradInputs[input]!);
    this.loopStacked = stackedView(this.loopSteps);
  }

  /** Our own `[rows, size]` buffer, allocated on first use. */
  own(): Tensor {
    this.buffer ??= withBackend(this.backend, () => zeros([this.rows, this.size], this.dtype));
    return this.buffer;
  }

  /**
   * The sum of `whole` (null entries skipped) and the loop's per-step
   * gradients; a lone source is returned as is (callers only read it).
   * Returns null when nothing arrived.
   */
  sum(whole: readonly (Tensor | null)[]): Tensor | null {
    let first: Tensor | null = null;
    let count = 0;
    for (let i = 0; i < whole.length; i++) {
      const w = whole[i];
      if (w) {
        if (count === 0) first = w;
        count++;
      }
    }
    const loop = this.loopSteps !== null;
    if (count === 0 && !loop) return null;
    if (count === 0 && this.loopStacked) return this.loopStacked; // the loop's own buffers: no copy
    if (count === 1 && !loop) return first;
    const out = this.own();
    let started = false;
    for (let i = 0; i < whole.length; i++) {
      const w = whole[i];
      if (!w) continue;
      if (started) add(out, out, w);
      else copy(out, w);
      started = true;
    }
    if (!started) fill(out, 0);
    if (this.loopStacked) add(out, out, this.loopStacked);
    else if (this.loopSteps) {
      const B = this.rows / this.loopSteps.length;
      for (let t = 0; t < this.loopSteps.length; t++) {
        const block = rowBlock(out, t, B);
        add(block, block, this.loopSteps[t]!);
      }
    }
    return out;
  }
}

/**
 * BPTT over T steps of B samples with every buffer preallocated; see the
 * module comment. Built by {@link Recurrent}'s contexts.
 */
export class Unrolling {
  readonly rows: number;
  /** The sequence inputs, copied in by the caller: ids `[T·B]` or floats `[T·B, n]`, time-major. */
  readonly sequences: readonly (Int32Array | Tensor)[];
  /** The initial states h_0 `[B, n]`, copied in by the caller. */
  readonly initialStates: readonly Tensor[];
  /** Per step-graph output: its value over all steps, `[T·B, n]` stacked, or a scalar summed over steps. */
  readonly outputs: readonly Tensor[];
  /** Per sequence input: its gradient `[T·B, n]` when asked for, else null. */
  readonly gradInputs: readonly (Tensor | null)[];

  private readonly before: GraphContext | null;
  private readonly loop: GraphSequence;
  private readonly after: GraphContext | null;
  private readonly beforeInputs: Value[];
  private readonly loopInputs: Value[][];
  private readonly afterInputs: Value[];
  /** Per loop output: its values of every step stacked (null for scalars); may be the loop's own buffers. */
  private readonly loopStacks: readonly (Tensor | null)[];
  /** Per loop output: where forward copies each step's value (null when already stacked in place). */
  private readonly loopStackViews: readonly (Tensor[] | null)[];
  /** Per loop output that is a scalar: its sum over the steps. */
  private readonly loopSums: readonly (Tensor | null)[];
  /** The running sums of `loopSums` as float64 numbers: a float32 model's loss is summed in float64 and rounded once. */
  private readonly loopTotals: Float64Array;

  // --- backward
  private readonly afterGradOutputs: (Tensor | null)[];
  private readonly beforeGradOutputs: (Tensor | null)[];
  private readonly loopGradOutputs: (Tensor | null)[][];
  /** Per loop output: the step-graph outputs that expose it (their gradients come from outside). */
  private readonly loopExposed: readonly (readonly number[])[];
  private readonly beforeExposed: readonly (readonly number[])[];
  private readonly afterExposed: readonly (readonly number[])[];
  /** Per loop output: the after-part inputs it feeds (their gradients flow back into it). */
  private readonly loopFromAfter: readonly (readonly number[])[];
  /** Per loop float output: our own `[T·B, n]` gradient buffer and its step blocks. */
  private readonly loopGradBuffers: readonly (Tensor | null)[];
  private readonly loopGradBufferBlocks: readonly (Tensor[] | null)[];
  /** Per after-part input: its gradient's step blocks (null when it has none). */
  private readonly afterGradBlocks: readonly (Tensor[] | null)[];
  /** Per before output and per sequence input: how its gradient is summed. */
  private readonly beforeSums: readonly (GradientSum | null)[];
  private readonly sequenceSums: readonly (GradientSum | null)[];
  /** Per before output / sequence input: the whole-tensor gradient sources of its sum. */
  private readonly beforeWhole: (Tensor | null)[][];
  private readonly sequenceWhole: readonly (readonly (Tensor | null)[])[];
  /** Per loop output, filled by each backward: its scalar gradient, or the step blocks of its gradient stack. */
  private readonly loopScalarGrads: (Tensor | null)[];
  private readonly loopStackGrads: (Tensor[] | null)[];
  private readonly one = full([], 1);

  constructor(private readonly plan: UnrollPlan, readonly batch: number, readonly steps: number, propagateSequence: readonly boolean[]) {
    const B = batch;
    const T = steps;
    this.rows = B * T;
    const { before, loop, after } = plan;

    // --- contexts: the step-independent parts see all T·B rows at once.
    const propagateOf = (p: PartPlan): boolean[] =>
      p.feeds.map((f, i) => p.graph.inputs[i]!.grad && (f.kind === 'sequence' ? propagateSequence[f.index]! : true));
    this.before = before ? before.graph.createContext(B, T, propagateOf(before)) : null;
    this.loop = loop.graph.createSequenceContexts(B, T, propagateOf(loop));
    this.after = after ? after.graph.createContext(B, T, propagateOf(after)) : null;

    // --- forward wiring.
    this.sequences = plan.sequenceInputs.map((p) => stackOf(p, this.rows));
    const sequenceViews = this.sequences.map((s) => valueBlocks(s, T, B));
    this.initialStates = plan.stateSizes.map((n) => zeros([B, n]));
    const beforeOutputs = this.before?.outputs ?? [];
    const beforeViews = beforeOutputs.map((o) => (o.shape.length === 2 ? blocks(o, T, B) : []));
    // Keep every step of each float loop output, in place when the loop's contexts already write them as consecutive row blocks.
    const inPlace = loop.graph.outputs.map((_, k) => stackedView(this.loop.steps.map((s) => s.outputs[k]!)));
    this.loopStacks = loop.graph.outputs.map((p, k) => (p.kind === 'float' ? (inPlace[k] ?? zeros([this.rows, p.size])) : null));
    this.loopStackViews = this.loopStacks.map((s, k) => (s && !inPlace[k] ? blocks(s, T, B) : null));
    this.loopSums = loop.graph.outputs.map((p) => (p.kind === 'scalar' ? zeros([]) : null));
    this.loopTotals = new Float64Array(loop.graph.outputs.length);
    const stacked = (f: Feed): Value => {
      if (f.kind === 'sequence') return this.sequences[f.index]!;
      if (f.kind === 'before') return beforeOutputs[f.output]!;
      if (f.kind === 'loop') return this.loopStacks[f.output]!;
      throw new Error('Recurrent: internal error: only loop nodes may read the state');
    };
    this.beforeInputs = before ? before.feeds.map(stacked) : [];
    this.afterInputs = after ? after.feeds.map(stacked) : [];
    this.loopInputs = [];
    for (let t = 0; t < T; t++) {
      this.loopInputs.push(
        loop.feeds.map((f): Value => {
          if (f.kind === 'sequence') return sequenceViews[f.index]![t]!;
          if (f.kind === 'before') return beforeViews[f.output]![t]!;
          if (f.kind === 'state') return t === 0 ? this.initialStates[f.index]! : this.loop.steps[t - 1]!.outputs[plan.stateOutput[f.index]!]!;
          throw new Error('Recurrent: internal error: the loop cannot feed itself within a step');
        }),
      );
    }
    this.outputs = plan.outputs.map((o) => {
      if (o.phase === 'before') return beforeOutputs[o.output]!;
      if (o.phase === 'after') return this.after!.outputs[o.output]!;
      return this.loopStacks[o.output] ?? this.loopSums[o.output]!;
    });

    // --- backward wiring.
    const exposedBy = (phase: string, count: number): number[][] =>
      Array.from({ length: count }, (_, k) => plan.outputs.flatMap((o, j) => (o.phase === phase && o.output === k ? [j] : [])));
    this.beforeExposed = exposedBy('before', before?.graph.outputs.length ?? 0);
    this.loopExposed = exposedBy('loop', loop.graph.outputs.length);
    this.afterExposed = exposedBy('after', after?.graph.outputs.length ?? 0);
    this.afterGradOutputs = after ? after.graph.outputs.map(() => null) : [];
    this.beforeGradOutputs = before ? before.graph.outputs.map(() => null) : [];
    this.afterGradBlocks = after ? after.graph.inputs.map((_, i) => {
      const g = this.after!.gradInputs[i];
      return g ? blocks(g, T, B) : null;
    }) : [];
    this.loopFromAfter = loop.graph.outputs.map((_, k) => inputsFedBy(after, (f) => f.kind === 'loop' && f.output === k));
    this.loopGradBuffers = loop.graph.outputs.map((p, k) =>
      p.kind === 'float' && (this.loopExposed[k]!.length > 0 || this.loopFromAfter[k]!.length > 0) ? zeros([this.rows, p.size]) : null,
    );
    this.loopGradBufferBlocks = this.loopGradBuffers.map((b) => (b ? blocks(b, T, B) : null));
    this.loopGradOutputs = this.loop.steps.map((s) => s.outputs.map(() => null));
    this.loopScalarGrads = loop.graph.outputs.map(() => null);
    this.loopStackGrads = loop.graph.outputs.map(() => null);

    const sumFor = (port: Port, fromLoop: number[], fromAfter: number[], exposed: number, fromBefore: number[]): GradientSum | null => {
      if (port.kind !== 'float' || fromLoop.length + fromAfter.length + exposed + fromBefore.length === 0) return null;
      const s = new GradientSum(this.rows, port.size);
      if (fromLoop.length > 1) throw new Error('Recurrent: internal error: one value feeds two loop inputs');
      if (fromLoop.length === 1 && this.loop.steps[0]!.gradInputs[fromLoop[0]!]) s.setLoop(this.loop.steps, fromLoop[0]!);
      return s;
    };
    this.beforeSums = before
      ? before.graph.outputs.map((p, k) => {
          const match = (f: Feed): boolean => f.kind === 'before' && f.output === k;
          return sumFor(p, inputsFedBy(loop, match), inputsFedBy(after, match), this.beforeExposed[k]!.length, []);
        })
      : [];
    this.sequenceSums = plan.sequenceInputs.map((p, q) => {
      if (!propagateSequence[q] || !p.grad) return null;
      const match = (f: Feed): boolean => f.kind === 'sequence' && f.index === q;
      return sumFor(p, inputsFedBy(loop, match), inputsFedBy(after, match), 0, inputsFedBy(before, match)) ?? new GradientSum(this.rows, p.size);
    });
    this.gradInputs = this.sequenceSums.map((s) => (s ? s.own() : null));
    // Whole-tensor sources of each sum: outside gradients (filled per call), then part input gradients (fixed).
    const partGrads = (ctx: GraphContext | null, inputs: number[]): (Tensor | null)[] => inputs.map((i) => ctx!.gradInputs[i] ?? null);
    this.beforeWhole = this.beforeSums.map((_, k) => [
      ...this.beforeExposed[k]!.map(() => null),
      ...partGrads(this.after, inputsFedBy(after, (f) => f.kind === 'before' && f.output === k)),
    ]);
    this.sequenceWhole = plan.sequenceInputs.map((_, q) => {
      const match = (f: Feed): boolean => f.kind === 'sequence' && f.index === q;
      return [...partGrads(this.before, inputsFedBy(before, match)), ...partGrads(this.after, inputsFedBy(after, match))];
    });
  }

  /** Runs the parts forward: before on all rows, the loop step by step, after on all rows. */
  forward(): void {
    const plan = this.plan;
    if (this.before) plan.before!.graph.forward(this.before, this.beforeInputs);
    const loopGraph = plan.loop.graph;
    for (let t = 0; t < this.steps; t++) {
      const outputs = loopGraph.forward(this.loop.steps[t]!, this.loopInputs[t]!);
      for (let k = 0; k < outputs.length; k++) {
        const views = this.loopStackViews[k];
        if (views) copy(views[t]!, outputs[k]!);
        const sum = this.loopSums[k];
        if (sum) {
          const total = (t === 0 ? 0 : this.loopTotals[k]!) + outputs[k]!.data[outputs[k]!.offset]!;
          this.loopTotals[k] = total;
          sum.data[sum.offset] = total;
        }
      }
    }
    if (this.after) plan.after!.graph.forward(this.after, this.afterInputs);
  }

  /**
   * BPTT from `gradOutputs` (one per step-graph output: `[T·B, n]`, a scalar,
   * or null): after on all rows, the loop from the last step to the first,
   * the deferred weight gradients, then before; the requested sequence-input
   * gradients are written into `gradInputs`.
   */
  backward(gradOutputs: readonly (Tensor | null)[]): void {
    const plan = this.plan;
    const { before, loop, after } = plan;
    const T = this.steps;
    if (after) {
      for (let k = 0; k < this.afterGradOutputs.length; k++) this.afterGradOutputs[k] = this.external(gradOutputs, this.afterExposed[k]!);
      after.graph.backward(this.after!, this.afterGradOutputs);
    }

    // The gradient of each loop output over all steps, before the carry from later steps is added.
    const outputs = loop.graph.outputs;
    const stacks = this.loopStackGrads;
    const scalars = this.loopScalarGrads;
    for (let k = 0; k < outputs.length; k++) {
      scalars[k] = null;
      stacks[k] = null;
      if (outputs[k]!.kind === 'scalar') {
        scalars[k] = this.external(gradOutputs, this.loopExposed[k]!);
        continue;
      }
      const fromAfter = this.loopFromAfter[k]!;
      let sources = 0;
      let lone: Tensor[] | null = null;
      for (const j of this.loopExposed[k]!) if (gradOutputs[j]) sources++;
      for (const i of fromAfter) {
        if (this.afterGradBlocks[i]) {
          sources++;
          lone = this.afterGradBlocks[i]!;
        }
      }
      if (sources === 0) continue;
      if (sources === 1 && lone) {
        stacks[k] = lone; // the after part's own gradient buffer: ours to add the carry into
        continue;
      }
      const buffer = this.loopGradBuffers[k]!;
      let started = false;
      for (const j of this.loopExposed[k]!) if (gradOutputs[j]) started = addInto(buffer, gradOutputs[j]!, started);
      for (const i of fromAfter) if (this.after!.gradInputs[i]) started = addInto(buffer, this.after!.gradInputs[i]!, started);
      stacks[k] = this.loopGradBufferBlocks[k]!;
    }

    for (let t = T - 1; t >= 0; t--) {
      const grads = this.loopGradOutputs[t]!;
      for (let k = 0; k < outputs.length; k++) {
        if (scalars[k]) {
          grads[k] = scalars[k]!;
          continue;
        }
        const state = plan.stateOutput.indexOf(k);
        // ∂loss/∂h_t from step t+1 (truncated BPTT: nothing flows back from beyond the last step).
        const carry = state >= 0 && t + 1 < T && plan.stateInput[state]! >= 0 ? this.loop.steps[t + 1]!.gradInputs[plan.stateInput[state]!]! : null;
        const stack = stacks[k];
        if (stack) {
          const g = stack[t]!;
          if (carry) add(g, g, carry);
          grads[k] = g;
        } else grads[k] = carry;
      }
      let any = false;
      for (let k = 0; k < grads.length; k++) if (grads[k]) any = true;
      if (any) loop.graph.backward(this.loop.steps[t]!, grads);
    }
    this.loop.accumulateParamGrads();

    if (before) {
      let any = false;
      for (let k = 0; k < this.beforeGradOutputs.length; k++) {
        const sum = this.beforeSums[k];
        const exposed = this.beforeExposed[k]!;
        let g: Tensor | null;
        if (sum) {
          // Outside gradients first, then the after part's (fixed) input gradients.
          const whole = this.beforeWhole[k]!;
          for (let e = 0; e < exposed.length; e++) whole[e] = gradOutputs[exposed[e]!] ?? null;
          g = sum.sum(whole);
        } else g = this.external(gradOutputs, exposed);
        this.beforeGradOutputs[k] = g;
        if (g) any = true;
      }
      if (any) before.graph.backward(this.before!, this.beforeGradOutputs);
    }

    for (let q = 0; q < this.sequenceSums.length; q++) {
      const sum = this.sequenceSums[q];
      if (!sum) continue;
      const out = this.gradInputs[q]!;
      const g = sum.sum(this.sequenceWhole[q]!);
      if (g === null) fill(out, 0);
      else if (g !== out) copy(out, g);
    }
  }

  /** The state after the last step: loop output `stateOutput[k]` of the last step. */
  finalState(k: number): Tensor {
    return this.loop.steps[this.steps - 1]!.outputs[this.plan.stateOutput[k]!]!;
  }

  /** The one (or summed) gradient from outside for a part output exposed as step outputs `exposed`. */
  private external(gradOutputs: readonly (Tensor | null)[], exposed: readonly number[]): Tensor | null {
    let found: Tensor | null = null;
    for (const j of exposed) {
      const g = gradOutputs[j];
      if (!g) continue;
      if (found) throw new Error('Recurrent: one value is exposed as two outputs that both received a gradient; sum them before backward');
      found = g;
    }
    return found;
  }

}

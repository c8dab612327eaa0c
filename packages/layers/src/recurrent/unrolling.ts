/**
 * The buffers and the schedule of one unrolled sequence length T.
 *
 * Everything here is allocated once per (T, B) when the Unrolling is created;
 * forward and backward only read and write these buffers.
 */
import { add, copy, full, Tensor, zeros } from '@weft/tensor';
import type { Graph, GraphContext, GraphSequence, Source } from '../graph/graph.js';
import type { Port, Value } from '../port.js';
import type { Phase } from './partition.js';

/** What an input of a part of the step graph is fed from. */
export type Feed =
  | { readonly kind: 'sequence'; readonly index: number }
  | { readonly kind: 'state'; readonly index: number }
  | { readonly kind: 'before' | 'loop'; readonly output: number };

/** A part of the step graph with what feeds its inputs. */
export interface PartPlan {
  readonly graph: Graph;
  readonly feeds: readonly Feed[];
  readonly outputOrigins: readonly Source[];
}

/** What the unroller derived from the step graph once, for every T. */
export interface UnrollPlan {
  readonly batch: number;
  /** The step inputs that are given per time step (not state). */
  readonly sequenceInputs: readonly Port[];
  readonly before: PartPlan | null;
  readonly loop: PartPlan;
  readonly after: PartPlan | null;
  /** Per state: the loop output that is the next state. */
  readonly stateOutput: readonly number[];
  /** Per state: the loop input it feeds, or -1 if no node reads it. */
  readonly stateInput: readonly number[];
  /** Where the loss is computed, if the step graph has one. */
  readonly loss: { readonly phase: Phase; readonly output: number } | null;
}

/** Row block t of a stacked `[T·B, n]` tensor, as a `[B, n]` view. */
function block(stack: Tensor, t: number, batch: number): Tensor {
  const n = stack.shape[1]!;
  return new Tensor(stack.data, [batch, n], undefined, stack.offset + t * batch * n);
}

/**
 * The `[T·B, n]` tensor whose row blocks are `views` (`[B, n]` each, in order),
 * when they are consecutive blocks of one contiguous storage; else null.
 */
function stackedView(views: readonly Tensor[]): Tensor | null {
  const first = views[0]!;
  if (first.shape.length !== 2 || !first.isContiguous) return null;
  const [B, n] = first.shape as [number, number];
  for (let t = 0; t < views.length; t++) {
    const v = views[t]!;
    const shapeOk = v.shape.length === 2 && v.shape[0] === B && v.shape[1] === n && v.isContiguous;
    if (!shapeOk || v.data !== first.data || v.offset !== first.offset + t * B * n) return null;
  }
  return new Tensor(first.data, [views.length * B, n], undefined, first.offset);
}

function stackOf(port: Port, rows: number): Int32Array | Tensor {
  return port.kind === 'ids' ? new Int32Array(rows) : zeros([rows, port.size]);
}

function blocks(stack: Int32Array | Tensor, steps: number, batch: number): Value[] {
  const out: Value[] = [];
  for (let t = 0; t < steps; t++) out.push(stack instanceof Int32Array ? stack.subarray(t * batch, (t + 1) * batch) : block(stack, t, batch));
  return out;
}

/** One pending sum a + b → sum, done right before the backward of a loop step. */
interface LoopGradSum {
  readonly sum: Tensor;
  readonly a: Tensor;
  readonly b: Tensor;
}

/**
 * BPTT over T steps with every buffer preallocated: the step-independent part
 * before the loop runs once on `[T·B, n]` rows, the recurrent part once per
 * step, the rest once on `[T·B, n]` rows after the loop; backward mirrors it.
 */
export class Unrolling {
  readonly rows: number;
  /** The sequence inputs, copied in by the caller: ids `[T·B]` or floats `[T·B, n]`, time-major. */
  readonly sequences: readonly (Int32Array | Tensor)[];
  /** The initial states h_0, copied in by the caller. */
  readonly initialStates: readonly Tensor[];
  readonly before: GraphContext | null;
  readonly loop: GraphSequence;
  readonly after: GraphContext | null;
  /** Per loop output: its values of every step stacked `[T·B, n]` (null for scalars); may be the loop's own buffers. */
  readonly loopStacks: readonly (Tensor | null)[];
  /** Per loop output that is a scalar: its sum over the steps (null otherwise). */
  readonly loopSums: readonly (Tensor | null)[];

  private readonly beforeInputs: Value[];
  private readonly loopInputs: Value[][];
  private readonly afterInputs: Value[];
  /** Per loop output: where forward copies each step's value (null when not needed, e.g. already stacked in place). */
  private readonly loopStackViews: (Tensor[] | null)[];
  private readonly afterGradOutputs: (Tensor | null)[];
  private readonly loopGradOutputs: (Tensor | null)[][];
  private readonly loopGradSums: LoopGradSum[][];
  private readonly beforeGradOutputs: (Tensor | null)[];
  /** Per before-output fed to the loop: where each step's loop input gradient is copied. */
  private readonly beforeGradCopies: { readonly input: number; readonly views: readonly Tensor[] }[];
  /** Before-output gradients that also receive the after part's gradient. */
  private readonly beforeGradAdds: { readonly stack: Tensor; readonly other: Tensor }[];

  constructor(private readonly plan: UnrollPlan, readonly steps: number) {
    const B = plan.batch;
    const T = steps;
    this.rows = B * T;
    const one = full([], 1);
    const { before, loop, after } = plan;
    const fromLoop = (feeds: readonly Feed[], k: number): number => feeds.findIndex((f) => f.kind === 'loop' && f.output === k);
    const fromBefore = (feeds: readonly Feed[], k: number): number => feeds.findIndex((f) => f.kind === 'before' && f.output === k);

    // --- contexts: the step-independent parts see all T·B rows at once.
    const propagateFromNodes = (p: PartPlan): boolean[] =>
      p.feeds.map((f, i) => p.graph.inputs[i]!.grad && (f.kind === 'before' || f.kind === 'loop' || f.kind === 'state'));
    this.before = before ? before.graph.createContext(B, T, propagateFromNodes(before)) : null;
    this.loop = loop.graph.createSequenceContexts(B, T, propagateFromNodes(loop));
    this.after = after ? after.graph.createContext(B, T, propagateFromNodes(after)) : null;

    // --- forward wiring.
    this.sequences = plan.sequenceInputs.map((p) => stackOf(p, this.rows));
    const sequenceViews = this.sequences.map((s) => blocks(s, T, B));
    this.initialStates = plan.stateOutput.map((k) => zeros([B, loop.graph.outputs[k]!.size]));
    const beforeOutputs = this.before?.outputs ?? [];
    const beforeViews = beforeOutputs.map((o) => blocks(o, T, B) as Tensor[]);
    // Every float loop output is used after the loop or is a step output: keep all its steps,
    // in place when the loop's contexts already write them as consecutive row blocks.
    const inPlace = loop.graph.outputs.map((_, k) => stackedView(this.loop.steps.map((s) => s.outputs[k]!)));
    this.loopStacks = loop.graph.outputs.map((p, k) => (p.kind === 'float' ? (inPlace[k] ?? zeros([this.rows, p.size])) : null));
    this.loopStackViews = this.loopStacks.map((s, k) => (s && !inPlace[k] ? (blocks(s, T, B) as Tensor[]) : null));
    this.loopSums = loop.graph.outputs.map((p) => (p.kind === 'scalar' ? zeros([]) : null));

    this.beforeInputs = before ? before.feeds.map((f) => this.stackedFeed(f, beforeOutputs)) : [];
    this.afterInputs = after ? after.feeds.map((f) => this.stackedFeed(f, beforeOutputs)) : [];
    this.loopInputs = [];
    for (let t = 0; t < T; t++) {
      this.loopInputs.push(
        loop.feeds.map((f): Value => {
          switch (f.kind) {
            case 'sequence':
              return sequenceViews[f.index]![t]!;
            case 'before':
              return beforeViews[f.output]![t]!;
            case 'state':
              return t === 0 ? this.initialStates[f.index]! : this.loop.steps[t - 1]!.outputs[plan.stateOutput[f.index]!]!;
            case 'loop':
              throw new Error('Recurrent: internal error: the loop cannot feed itself within a step');
          }
        }),
      );
    }

    // --- backward wiring: which gradient reaches each output of each part.
    const lossOf = (phase: Phase, k: number): Tensor | null => (plan.loss?.phase === phase && plan.loss.output === k ? one : null);
    this.afterGradOutputs = after ? after.graph.outputs.map((_, k) => lossOf('after', k)) : [];
    const afterGradViews = (input: number): Tensor[] | null => {
      const g = input >= 0 ? this.after!.gradInputs[input] : null;
      return g ? (blocks(g, T, B) as Tensor[]) : null;
    };
    const loopFromAfter = loop.graph.outputs.map((_, k) => (after ? afterGradViews(fromLoop(after.feeds, k)) : null));
    const loopSumBuffers = loop.graph.outputs.map((p) => (p.kind === 'float' ? zeros([B, p.size]) : null));
    this.loopGradOutputs = [];
    this.loopGradSums = [];
    for (let t = 0; t < T; t++) {
      const sums: LoopGradSum[] = [];
      this.loopGradOutputs.push(
        loop.graph.outputs.map((_, k) => {
          const state = plan.stateOutput.indexOf(k);
          // ∂loss/∂h_t from step t+1 (truncated BPTT: nothing flows back from beyond the last step).
          const carry = state >= 0 && t + 1 < T && plan.stateInput[state]! >= 0 ? this.loop.steps[t + 1]!.gradInputs[plan.stateInput[state]!]! : null;
          const fromAfter = loopFromAfter[k]?.[t] ?? null;
          if (carry && fromAfter) {
            sums.push({ sum: loopSumBuffers[k]!, a: carry, b: fromAfter });
            return loopSumBuffers[k]!;
          }
          return carry ?? fromAfter ?? lossOf('loop', k);
        }),
      );
      this.loopGradSums.push(sums);
    }
    this.beforeGradCopies = [];
    this.beforeGradAdds = [];
    this.beforeGradOutputs = before
      ? before.graph.outputs.map((p, k) => {
          const loopInput = fromBefore(loop.feeds, k);
          const afterInput = after ? fromBefore(after.feeds, k) : -1;
          const fromAfter = afterInput >= 0 ? this.after!.gradInputs[afterInput]! : null;
          if (loopInput >= 0 && this.loop.steps[0]!.gradInputs[loopInput]) {
            // The loop's own buffers when they already are the stack and nothing is added to them.
            const inPlace = fromAfter ? null : stackedView(this.loop.steps.map((s) => s.gradInputs[loopInput]!));
            if (inPlace) return inPlace;
            const stack = zeros([this.rows, p.size]);
            this.beforeGradCopies.push({ input: loopInput, views: blocks(stack, T, B) as Tensor[] });
            if (fromAfter) this.beforeGradAdds.push({ stack, other: fromAfter });
            return stack;
          }
          return fromAfter ?? lossOf('before', k);
        })
      : [];
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
        if (sum) sum.data[0] = (t === 0 ? 0 : sum.data[0]!) + outputs[k]!.data[outputs[k]!.offset]!;
      }
    }
    if (this.after) plan.after!.graph.forward(this.after, this.afterInputs);
  }

  /** BPTT: after on all rows, the loop from the last step to the first, the deferred weight gradients, then before. */
  backward(): void {
    const plan = this.plan;
    if (this.after) plan.after!.graph.backward(this.after, this.afterGradOutputs);
    const loopGraph = plan.loop.graph;
    for (let t = this.steps - 1; t >= 0; t--) {
      const sums = this.loopGradSums[t]!;
      for (let i = 0; i < sums.length; i++) add(sums[i]!.sum, sums[i]!.a, sums[i]!.b);
      const ctx = this.loop.steps[t]!;
      loopGraph.backward(ctx, this.loopGradOutputs[t]!);
      for (let i = 0; i < this.beforeGradCopies.length; i++) {
        const c = this.beforeGradCopies[i]!;
        copy(c.views[t]!, ctx.gradInputs[c.input]!);
      }
    }
    this.loop.accumulateParamGrads();
    if (this.before) {
      for (let i = 0; i < this.beforeGradAdds.length; i++) add(this.beforeGradAdds[i]!.stack, this.beforeGradAdds[i]!.stack, this.beforeGradAdds[i]!.other);
      plan.before!.graph.backward(this.before, this.beforeGradOutputs);
    }
  }

  /** The loss of the last forward (summed over steps), or NaN without a loss output. */
  loss(): number {
    const at = this.plan.loss;
    if (!at) return NaN;
    const t =
      at.phase === 'loop' ? this.loopSums[at.output]! : at.phase === 'before' ? this.before!.outputs[at.output]! : this.after!.outputs[at.output]!;
    return t.data[t.offset]!;
  }

  /** The state after the last step: loop output `k` of the last step. */
  finalState(state: number): Tensor {
    return this.loop.steps[this.steps - 1]!.outputs[this.plan.stateOutput[state]!]!;
  }

  /** The value behind a step-graph output over all steps: `[T·B, n]` stacked, or a scalar summed over steps. */
  stacked(phase: Phase, output: number): Tensor {
    if (phase === 'before') return this.before!.outputs[output]!;
    if (phase === 'after') return this.after!.outputs[output]!;
    return this.loopStacks[output] ?? this.loopSums[output]!;
  }

  /** An input of the before/after part: the whole stacked value. */
  private stackedFeed(f: Feed, beforeOutputs: readonly Tensor[]): Value {
    if (f.kind === 'sequence') return this.sequences[f.index]!;
    if (f.kind === 'before') return beforeOutputs[f.output]!;
    if (f.kind === 'loop') {
      const stack = this.loopStacks[f.output];
      if (!stack) throw new Error('Recurrent: internal error: a loop output used after the loop was not stacked');
      return stack;
    }
    throw new Error('Recurrent: internal error: only loop nodes may read the state');
  }
}

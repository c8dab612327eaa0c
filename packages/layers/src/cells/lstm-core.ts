import { addRowVector, Tensor, zeros } from '@weft/tensor';
import {
  checkBatch,
  checkGradOutputs,
  checkInputs,
  resolvePropagateDown,
  type Layer,
  type LayerContext,
  allocatingWith,
} from '../layer.js';
import { float, port, type Port, type Value } from '../port.js';
import type { InitOptions } from '../layers/init.js';
import { rowBlock } from '../step-rows.js';
import { sigmoidOf } from './common.js';
import { CoreSequence, HiddenCore } from './hidden-core.js';

/**
 * The per-call cache of {@link LSTMCore}: the outputs h and c, the gate
 * activations and tanh(c) that backward differentiates, the gate
 * pre-activation gradient Δ, and the previous state.
 */
export class LSTMCoreContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** i, f, g, o after their nonlinearities `[rows, 4m]`. */
  readonly gates: Tensor;
  /** tanh(c') `[rows, m]`. */
  readonly tanhC: Tensor;
  /** Δ = ∂loss/∂(gate pre-activations) `[rows, 4m]`; it is dx when x's gradient is asked for. */
  readonly delta: Tensor;
  /** h_{t−1} of the last forward: a reference, or a block of the sequence's shared states. */
  hPrev: Tensor;
  /** c_{t−1} of the last forward (a reference). */
  cPrev: Tensor;

  /** @internal Built by LSTMCore.createContext / createSequenceContexts. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    h: Tensor,
    c: Tensor,
    gates: Tensor,
    tanhC: Tensor,
    delta: Tensor,
    gradX: Tensor | null,
    gradH: Tensor | null,
    gradC: Tensor | null,
    /** The sequence this step belongs to, which accumulates its parameter gradients. */
    readonly sequence: LSTMCoreSequence | null,
    /** The time step of this context within `sequence`. */
    readonly step: number,
  ) {
    this.rows = batch * steps;
    this.outputs = [h, c];
    this.gradInputs = [gradX, gradH, gradC];
    this.gates = gates;
    this.tanhC = tanhC;
    this.delta = delta;
    this.hPrev = h;
    this.cPrev = c;
  }
}

/**
 * Per-step contexts of an LSTMCore over shared storage, so that after BPTT
 * the weight gradients are single products: dW_hh += Δᵀ H_prev (one gemm,
 * Δ `[T·B, 4m]`, H_prev `[T·B, m]`), db_hh += colSums(Δ).
 *
 * The hidden states live in one `[(T+1)·B, m]` buffer: block 0 holds h_0 and
 * block t+1 the output of step t, so H_prev and the outputs are overlapping
 * views and a step fed the previous step's output copies nothing. The cell
 * states c and Δ (= dx, the input-side gradient) are stacked the same way, so
 * an unroller finds the outputs and dx of all steps as `[T·B, n]` blocks.
 */
export class LSTMCoreSequence extends CoreSequence<LSTMCoreContext> {
  /** One context per time step. */
  readonly steps: readonly LSTMCoreContext[];

  /** @internal Built by LSTMCore.createSequenceContexts. */
  constructor(core: LSTMCore, batch: number, count: number, propagate: readonly boolean[]) {
    super(core, batch, count, 4);
    const m = core.hiddenSize;
    const rows = batch * count;
    const cStates = zeros([rows, m]);
    const gates = zeros([rows, 4 * m]);
    const tanhC = zeros([rows, m]);
    const steps: LSTMCoreContext[] = [];
    for (let t = 0; t < count; t++) {
      const delta = this.hidden.deltaOf(t);
      steps.push(
        new LSTMCoreContext(
          batch,
          1,
          this.hidden.output(t),
          rowBlock(cStates, t, batch),
          rowBlock(gates, t, batch),
          rowBlock(tanhC, t, batch),
          delta,
          propagate[0] ? delta : null,
          propagate[1] ? zeros([batch, m]) : null,
          propagate[2] ? zeros([batch, m]) : null,
          this,
          t,
        ),
      );
    }
    this.steps = steps;
  }
}

/**
 * The hidden side of an LSTM step, fused: the input side W_ih x + b_ih comes
 * precomputed (by a Linear, once over all time steps), this layer adds the
 * recurrent term and applies the gates in one elementwise loop.
 *
 * - inputs: `x` `[B, 4m]` = W_ih x + b_ih (gate order i, f, g, o, as PyTorch),
 *   `h` = h_{t−1} `[B, m]`, `c` = c_{t−1} `[B, m]`.
 * - outputs: `h` = h_t `[B, m]`, `c` = c_t `[B, m]`.
 * - parameters: `weight_hh` `[4m, m]`, `bias_hh` `[4m]` (PyTorch's names and layout).
 * - forward: a = x + h_{t−1} W_hhᵀ + b_hh; i = σ(a_i), f = σ(a_f), g = tanh(a_g),
 *   o = σ(a_o); c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t).
 * - backward: dc = dc_t + dh_t ⊙ o ⊙ (1 − tanh²c_t); Δ = (dc ⊙ g ⊙ i(1−i),
 *   dc ⊙ c_{t−1} ⊙ f(1−f), dc ⊙ i ⊙ (1−g²), dh_t ⊙ tanh c_t ⊙ o(1−o));
 *   dx = Δ; dh_{t−1} = Δ W_hh; dc_{t−1} = dc ⊙ f; dW_hh += Δᵀ h_{t−1}; db_hh += Σ Δ.
 */
export class LSTMCore extends HiddenCore implements Layer<LSTMCoreContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];

  /**
   * A core with `hiddenSize` (m) units. With `options.std`: W_hh ~ N(0, std²),
   * b_hh = 0; without: both U(−1/√m, 1/√m) (PyTorch's default), from `options.rng`.
   */
  constructor(hiddenSize: number, options: InitOptions) {
    super('LSTMCore', hiddenSize, 4, options);
    const m = hiddenSize;
    this.inputs = [port('x', float(4 * m)), port('h', float(m)), port('c', float(m))];
    this.outputs = [port('h', float(m)), port('c', float(m))];
  }

  /** Buffers for `batch · steps` rows: h, c, tanh c `[rows, m]`, gates and Δ `[rows, 4m]`, and the requested input gradients. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): LSTMCoreContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('LSTMCore', batch, steps);
      const propagate = resolvePropagateDown('LSTMCore', this.inputs, propagateDown);
      const rows = batch * steps;
      const m = this.hiddenSize;
      const delta = zeros([rows, 4 * m]);
      return new LSTMCoreContext(
        batch,
        steps,
        zeros([rows, m]),
        zeros([rows, m]),
        zeros([rows, 4 * m]),
        zeros([rows, m]),
        delta,
        propagate[0] ? delta : null,
        propagate[1] ? zeros([rows, m]) : null,
        propagate[2] ? zeros([rows, m]) : null,
        null,
        0,
      );
    });
  }

  /** `steps` contexts of `batch` rows over shared storage; weight gradients wait for `accumulateParamGrads()`. */
  createSequenceContexts(batch: number, steps: number, propagateDown?: readonly boolean[]): LSTMCoreSequence {
    return allocatingWith(this.parameters(), () => {
      checkBatch('LSTMCore', batch, steps);
      return new LSTMCoreSequence(this, batch, steps, resolvePropagateDown('LSTMCore', this.inputs, propagateDown));
    });
  }

  /** The LSTM step (see the class comment). Returns `[h, c]`. */
  forward(ctx: LSTMCoreContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('LSTMCore', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const x = inputs[0] as Tensor;
    let hPrev = inputs[1] as Tensor;
    const cPrev = inputs[2] as Tensor;
    if (ctx.sequence) hPrev = ctx.sequence.hidden.begin(ctx.step, hPrev);
    ctx.hPrev = hPrev;
    ctx.cPrev = cPrev;
    const a = ctx.gates;
    // a = (x + b_hh) + h_{t−1} W_hhᵀ: the product accumulates onto the input term.
    addRowVector(a, x, this.bias_hh.value);
    this.addHiddenProduct(a, hPrev, ctx.rows, 1);

    const m = this.hiddenSize;
    const ad = a.data, ao = a.offset;
    const cp = cPrev.data, cpo = cPrev.offset;
    const h = ctx.outputs[0]!, c = ctx.outputs[1]!;
    const hd = h.data, ho = h.offset, cd = c.data, co = c.offset;
    const td = ctx.tanhC.data, to = ctx.tanhC.offset;
    for (let r = 0; r < ctx.rows; r++) {
      const g0 = ao + r * 4 * m;
      const s0 = r * m;
      for (let j = 0; j < m; j++) {
        const gi = sigmoidOf(ad[g0 + j]!);
        const gf = sigmoidOf(ad[g0 + m + j]!);
        const gg = Math.tanh(ad[g0 + 2 * m + j]!);
        const go = sigmoidOf(ad[g0 + 3 * m + j]!);
        const cNew = gf * cp[cpo + s0 + j]! + gi * gg;
        const tc = Math.tanh(cNew);
        ad[g0 + j] = gi;
        ad[g0 + m + j] = gf;
        ad[g0 + 2 * m + j] = gg;
        ad[g0 + 3 * m + j] = go;
        cd[co + s0 + j] = cNew;
        td[to + s0 + j] = tc;
        hd[ho + s0 + j] = go * tc;
      }
    }
    return ctx.outputs;
  }

  /** Δ from dh_t and dc_t in one loop; writes dx (= Δ), dh_{t−1}, dc_{t−1}; accumulates dW_hh, db_hh unless deferred to a sequence. */
  backward(ctx: LSTMCoreContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('LSTMCore', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dh = gradOutputs[0];
    const dc = gradOutputs[1];
    if (!dh && !dc) return;
    const m = this.hiddenSize;
    const gates = ctx.gates.data, go0 = ctx.gates.offset;
    const tc = ctx.tanhC.data, tco = ctx.tanhC.offset;
    const cp = ctx.cPrev.data, cpo = ctx.cPrev.offset;
    const del = ctx.delta.data, delo = ctx.delta.offset;
    const dhd = dh?.data, dho = dh?.offset ?? 0;
    const dcd = dc?.data, dco = dc?.offset ?? 0;
    const gradC = ctx.gradInputs[2];
    const gcd = gradC?.data, gco = gradC?.offset ?? 0;
    for (let r = 0; r < ctx.rows; r++) {
      const g0 = r * 4 * m;
      const s0 = r * m;
      for (let j = 0; j < m; j++) {
        const i = gates[go0 + g0 + j]!;
        const f = gates[go0 + g0 + m + j]!;
        const g = gates[go0 + g0 + 2 * m + j]!;
        const o = gates[go0 + g0 + 3 * m + j]!;
        const t = tc[tco + s0 + j]!;
        const dhj = dhd ? dhd[dho + s0 + j]! : 0;
        const dct = (dcd ? dcd[dco + s0 + j]! : 0) + dhj * o * (1 - t * t);
        del[delo + g0 + j] = dct * g * i * (1 - i);
        del[delo + g0 + m + j] = dct * cp[cpo + s0 + j]! * f * (1 - f);
        del[delo + g0 + 2 * m + j] = dct * i * (1 - g * g);
        del[delo + g0 + 3 * m + j] = dhj * t * o * (1 - o);
        if (gcd) gcd[gco + s0 + j] = dct * f;
      }
    }
    // dx is Δ itself (aliased at creation): nothing to write.
    const gradH = ctx.gradInputs[1];
    if (gradH) this.hiddenGradient(gradH, ctx.delta, ctx.rows, 0);
    this.addWeightGradients(ctx);
  }

}

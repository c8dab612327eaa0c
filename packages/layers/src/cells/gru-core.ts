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
 * The per-call cache of {@link GRUCore}: the output h, the gate activations,
 * the hidden-side product gh (whose n part backward needs), the hidden-side
 * gradient Δ and the previous state.
 */
export class GRUCoreContext implements LayerContext {
  readonly rows: number;
  readonly outputs: readonly Tensor[];
  readonly gradInputs: readonly (Tensor | null)[];
  /** r, z, n after their nonlinearities `[rows, 3m]`. */
  readonly gates: Tensor;
  /** gh = h_{t−1} W_hhᵀ + b_hh `[rows, 3m]`. */
  readonly gh: Tensor;
  /** Δ = ∂loss/∂gh `[rows, 3m]`; differs from dx in the n block (dgh_n = dx_n ⊙ r). */
  readonly delta: Tensor;
  /** h_{t−1} of the last forward: a reference, or a block of the sequence's shared states. */
  hPrev: Tensor;

  /** @internal Built by GRUCore.createContext / createSequenceContexts. */
  constructor(
    readonly batch: number,
    readonly steps: number,
    h: Tensor,
    gates: Tensor,
    gh: Tensor,
    delta: Tensor,
    gradX: Tensor | null,
    gradH: Tensor | null,
    /** The sequence this step belongs to, which accumulates its parameter gradients. */
    readonly sequence: GRUCoreSequence | null,
    /** The time step of this context within `sequence`. */
    readonly step: number,
  ) {
    this.rows = batch * steps;
    this.outputs = [h];
    this.gradInputs = [gradX, gradH];
    this.gates = gates;
    this.gh = gh;
    this.delta = delta;
    this.hPrev = h;
  }
}

/**
 * Per-step contexts of a GRUCore over shared storage, so that after BPTT the
 * weight gradients are single products: dW_hh += Δᵀ H_prev (one gemm, Δ
 * `[T·B, 3m]`, H_prev `[T·B, m]`), db_hh += colSums(Δ).
 *
 * The states live in one `[(T+1)·B, m]` buffer: block 0 holds h_0 and block
 * t+1 the output of step t, so a step fed the previous step's output copies
 * nothing. dx is stacked `[T·B, 3m]` the same way.
 */
export class GRUCoreSequence extends CoreSequence<GRUCoreContext> {
  /** One context per time step. */
  readonly steps: readonly GRUCoreContext[];

  /** @internal Built by GRUCore.createSequenceContexts. */
  constructor(core: GRUCore, batch: number, count: number, propagate: readonly boolean[]) {
    super(core, batch, count, 3);
    const m = core.hiddenSize;
    const rows = batch * count;
    const gates = zeros([rows, 3 * m]);
    const gh = zeros([rows, 3 * m]);
    const dx = propagate[0] ? zeros([rows, 3 * m]) : null;
    const steps: GRUCoreContext[] = [];
    for (let t = 0; t < count; t++) {
      steps.push(
        new GRUCoreContext(
          batch,
          1,
          this.hidden.output(t),
          rowBlock(gates, t, batch),
          rowBlock(gh, t, batch),
          this.hidden.deltaOf(t),
          dx ? rowBlock(dx, t, batch) : null,
          propagate[1] ? zeros([batch, m]) : null,
          this,
          t,
        ),
      );
    }
    this.steps = steps;
  }
}

/**
 * The hidden side of a GRU step, fused: the input side W_ih x + b_ih comes
 * precomputed (by a Linear, once over all time steps), this layer adds the
 * recurrent term and applies the gates in one elementwise loop. Exactly
 * PyTorch's GRU: the reset gate multiplies the hidden side of n only.
 *
 * - inputs: `x` `[B, 3m]` = W_ih x + b_ih (gate order r, z, n, as PyTorch),
 *   `h` = h_{t−1} `[B, m]`.
 * - output: `h` = h_t `[B, m]`.
 * - parameters: `weight_hh` `[3m, m]`, `bias_hh` `[3m]` (PyTorch's names and layout).
 * - forward: gh = h_{t−1} W_hhᵀ + b_hh; r = σ(x_r + gh_r), z = σ(x_z + gh_z),
 *   n = tanh(x_n + r ⊙ gh_n); h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
 * - backward: δn = dh ⊙ (1 − z) ⊙ (1 − n²); δz = dh ⊙ (h_{t−1} − n) ⊙ z(1−z);
 *   δr = δn ⊙ gh_n ⊙ r(1−r); dx = (δr, δz, δn); Δ = dgh = (δr, δz, δn ⊙ r);
 *   dh_{t−1} = dh ⊙ z + Δ W_hh; dW_hh += Δᵀ h_{t−1}; db_hh += Σ Δ.
 */
export class GRUCore extends HiddenCore implements Layer<GRUCoreContext> {
  readonly inputs: readonly Port[];
  readonly outputs: readonly Port[];

  /**
   * A core with `hiddenSize` (m) units. With `options.std`: W_hh ~ N(0, std²),
   * b_hh = 0; without: both U(−1/√m, 1/√m) (PyTorch's default), from `options.rng`.
   */
  constructor(hiddenSize: number, options: InitOptions) {
    super('GRUCore', hiddenSize, 3, options);
    const m = hiddenSize;
    this.inputs = [port('x', float(3 * m)), port('h', float(m))];
    this.outputs = [port('h', float(m))];
  }

  /** Buffers for `batch · steps` rows: h `[rows, m]`, gates, gh and Δ `[rows, 3m]`, and the requested input gradients. */
  createContext(batch: number, steps = 1, propagateDown?: readonly boolean[]): GRUCoreContext {
    return allocatingWith(this.parameters(), () => {
      checkBatch('GRUCore', batch, steps);
      const propagate = resolvePropagateDown('GRUCore', this.inputs, propagateDown);
      const rows = batch * steps;
      const m = this.hiddenSize;
      return new GRUCoreContext(
        batch,
        steps,
        zeros([rows, m]),
        zeros([rows, 3 * m]),
        zeros([rows, 3 * m]),
        zeros([rows, 3 * m]),
        propagate[0] ? zeros([rows, 3 * m]) : null,
        propagate[1] ? zeros([rows, m]) : null,
        null,
        0,
      );
    });
  }

  /** `steps` contexts of `batch` rows over shared storage; weight gradients wait for `accumulateParamGrads()`. */
  createSequenceContexts(batch: number, steps: number, propagateDown?: readonly boolean[]): GRUCoreSequence {
    return allocatingWith(this.parameters(), () => {
      checkBatch('GRUCore', batch, steps);
      return new GRUCoreSequence(this, batch, steps, resolvePropagateDown('GRUCore', this.inputs, propagateDown));
    });
  }

  /** The GRU step (see the class comment). Returns `[h]`. */
  forward(ctx: GRUCoreContext, inputs: readonly Value[]): readonly Tensor[] {
    checkInputs('GRUCore', this.inputs, inputs, ctx.rows, ctx.outputs[0]?.dtype);
    const x = inputs[0] as Tensor;
    let hPrev = inputs[1] as Tensor;
    if (ctx.sequence) hPrev = ctx.sequence.hidden.begin(ctx.step, hPrev);
    ctx.hPrev = hPrev;
    const gh = ctx.gh;
    this.addHiddenProduct(gh, hPrev, ctx.rows, 0);
    addRowVector(gh, gh, this.bias_hh.value);

    const m = this.hiddenSize;
    const xd = x.data, xo = x.offset;
    const ghd = gh.data, gho = gh.offset;
    const gd = ctx.gates.data, gdo = ctx.gates.offset;
    const hp = hPrev.data, hpo = hPrev.offset;
    const h = ctx.outputs[0]!;
    const hd = h.data, ho = h.offset;
    for (let row = 0; row < ctx.rows; row++) {
      const g0 = row * 3 * m;
      const s0 = row * m;
      for (let j = 0; j < m; j++) {
        const r = sigmoidOf(xd[xo + g0 + j]! + ghd[gho + g0 + j]!);
        const z = sigmoidOf(xd[xo + g0 + m + j]! + ghd[gho + g0 + m + j]!);
        const n = Math.tanh(xd[xo + g0 + 2 * m + j]! + r * ghd[gho + g0 + 2 * m + j]!);
        gd[gdo + g0 + j] = r;
        gd[gdo + g0 + m + j] = z;
        gd[gdo + g0 + 2 * m + j] = n;
        hd[ho + s0 + j] = (1 - z) * n + z * hp[hpo + s0 + j]!;
      }
    }
    return ctx.outputs;
  }

  /** dx and Δ = dgh from dh in one loop; writes dx, dh_{t−1}; accumulates dW_hh, db_hh unless deferred to a sequence. */
  backward(ctx: GRUCoreContext, gradOutputs: readonly (Tensor | null)[]): void {
    checkGradOutputs('GRUCore', this.outputs, gradOutputs, ctx.rows, ctx.outputs[0]?.dtype);
    const dh = gradOutputs[0];
    if (!dh) return;
    const m = this.hiddenSize;
    const gd = ctx.gates.data, gdo = ctx.gates.offset;
    const ghd = ctx.gh.data, gho = ctx.gh.offset;
    const hp = ctx.hPrev.data, hpo = ctx.hPrev.offset;
    const dhd = dh.data, dho = dh.offset;
    const del = ctx.delta.data, delo = ctx.delta.offset;
    const gradX = ctx.gradInputs[0];
    const dxd = gradX?.data, dxo = gradX?.offset ?? 0;
    const gradH = ctx.gradInputs[1];
    const ghh = gradH?.data, ghho = gradH?.offset ?? 0;
    for (let row = 0; row < ctx.rows; row++) {
      const g0 = row * 3 * m;
      const s0 = row * m;
      for (let j = 0; j < m; j++) {
        const r = gd[gdo + g0 + j]!;
        const z = gd[gdo + g0 + m + j]!;
        const n = gd[gdo + g0 + 2 * m + j]!;
        const d = dhd[dho + s0 + j]!;
        const dn = d * (1 - z) * (1 - n * n);
        const dz = d * (hp[hpo + s0 + j]! - n) * z * (1 - z);
        const dr = dn * ghd[gho + g0 + 2 * m + j]! * r * (1 - r);
        del[delo + g0 + j] = dr;
        del[delo + g0 + m + j] = dz;
        del[delo + g0 + 2 * m + j] = dn * r;
        if (dxd) {
          dxd[dxo + g0 + j] = dr;
          dxd[dxo + g0 + m + j] = dz;
          dxd[dxo + g0 + 2 * m + j] = dn;
        }
        // The direct path h_{t−1} → z ⊙ h_{t−1}; the gemm below adds Δ W_hh.
        if (ghh) ghh[ghho + s0 + j] = d * z;
      }
    }
    if (gradH) this.hiddenGradient(gradH, ctx.delta, ctx.rows, 1); // onto the direct path z ⊙ dh
    this.addWeightGradients(ctx);
  }

}

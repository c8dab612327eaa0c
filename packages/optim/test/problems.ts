/**
 * Small problems the optimizer tests train on: a convex quadratic with a known
 * minimum and a least-squares fit, each computing its own loss and gradients.
 */
import { fromData, gemm, Rng, randn, sub, zeros, type Tensor } from '@weft/tensor';

/** A parameter as the optimizers take it. */
export interface TestParam {
  name: string;
  value: Tensor;
  grad: Tensor;
}

/** A parameter named `name` holding a copy of `values` (flat) in `shape`, grad zero. */
export function param(name: string, values: readonly number[], shape: readonly number[] = [values.length]): TestParam {
  return { name, value: fromData(Float64Array.from(values), shape), grad: zeros(shape) };
}

/** Deep copies of params (fresh tensors), e.g. to resume a run from saved values. */
export function copyParams(params: readonly TestParam[]): TestParam[] {
  return params.map((p) => ({ name: p.name, value: fromData(Float64Array.from(p.value.data), p.value.shape), grad: zeros(p.value.shape) }));
}

/**
 * f(θ) = ½ Σ_j a_j (θ_j − c_j)² over two parameters, x [2,3] and y [2]:
 * gradient a ⊙ (θ − c), minimum 0 at θ = c. Curvatures a span 0.5…4.
 */
export class Quadratic {
  static readonly curvature = { x: [1, 3, 0.5, 2, 4, 1.5], y: [2, 0.5] };
  static readonly center = { x: [0.5, -1, 2, 0, 1, -0.5], y: [-1, 3] };

  /** Fresh parameters at the fixed start point. */
  static start(): TestParam[] {
    return [param('x', [1, -2, 0.5, 1.5, -1, 0], [2, 3]), param('y', [0, 1])];
  }

  /** Writes the gradients into every param.grad and returns the loss. */
  static lossAndGradients(params: readonly TestParam[]): number {
    let loss = 0;
    for (const p of params) {
      const a = Quadratic.curvature[p.name as 'x' | 'y'];
      const c = Quadratic.center[p.name as 'x' | 'y'];
      for (let j = 0; j < p.value.size; j++) {
        const d = p.value.data[j]! - c[j]!;
        p.grad.data[j] = a[j]! * d;
        loss += 0.5 * a[j]! * d * d;
      }
    }
    return loss;
  }
}

/**
 * Least squares: loss = ½/n ‖X w + b − y‖² with X [n,3] ~ N(0,1) and y = X w* + b*
 * exactly, so the minimum is 0 at (w*, b*). Gradients with the gemm kernel:
 * ∂w = Xᵀ r / n, ∂b = Σ r / n.
 */
export class LeastSquares {
  readonly X: Tensor;
  readonly y: Tensor;
  private readonly prediction: Tensor;
  private readonly residual: Tensor;

  constructor(readonly n = 20) {
    const rng = new Rng(7);
    this.X = randn([n, 3], rng);
    const wStar = fromData([1.5, -2, 0.5], [3, 1]);
    this.y = gemm(zeros([n, 1]), this.X, wStar);
    for (let i = 0; i < n; i++) this.y.data[i]! += 0.25; // b* = 0.25
    this.prediction = zeros([n, 1]);
    this.residual = zeros([n, 1]);
  }

  /** Fresh parameters w [3,1] and b [1] at zero. */
  start(): TestParam[] {
    return [param('w', [0, 0, 0], [3, 1]), param('b', [0])];
  }

  /** Writes the gradients into w.grad and b.grad and returns the loss. */
  lossAndGradients(params: readonly TestParam[]): number {
    const [w, b] = params as [TestParam, TestParam];
    gemm(this.prediction, this.X, w.value);
    for (let i = 0; i < this.n; i++) this.prediction.data[i]! += b.value.data[0]!;
    sub(this.residual, this.prediction, this.y);
    gemm(w.grad, this.X, this.residual, true, false, 1 / this.n);
    let loss = 0;
    let sumResidual = 0;
    for (let i = 0; i < this.n; i++) {
      const r = this.residual.data[i]!;
      loss += (0.5 * r * r) / this.n;
      sumResidual += r;
    }
    b.grad.data[0] = sumResidual / this.n;
    return loss;
  }
}

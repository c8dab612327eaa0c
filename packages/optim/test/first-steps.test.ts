/**
 * The first three steps of every optimizer against values computed here, in
 * scalar arithmetic, straight from each optimizer's published update rule
 * (never by calling the optimizer). The problem is the quadratic of problems.ts,
 * whose gradient a ⊙ (θ − c) depends on θ, so every step sees a new gradient.
 */
import { AdaGrad, Adam, AdamW, RMSProp, SGD, type Optimizer } from '@weft/optim';
import { param, Quadratic, type TestParam } from './problems.js';

const a = [...Quadratic.curvature.x, ...Quadratic.curvature.y];
const c = [...Quadratic.center.x, ...Quadratic.center.y];
const theta0 = Quadratic.start().flatMap((p) => Array.from(p.value.data));
const gradientAt = (theta: readonly number[], j: number): number => a[j]! * (theta[j]! - c[j]!);

/** Runs `opt` for 3 steps and returns θ (x then y, flat) after each. */
function run(make: (params: TestParam[]) => Optimizer): number[][] {
  const params = Quadratic.start();
  const opt = make(params);
  const out: number[][] = [];
  for (let t = 0; t < 3; t++) {
    opt.zeroGrad();
    Quadratic.lossAndGradients(params);
    opt.step();
    out.push(params.flatMap((p) => Array.from(p.value.data)));
  }
  return out;
}

function expectSteps(actual: number[][], expected: number[][]): void {
  expect(actual).toHaveLength(3);
  for (let t = 0; t < 3; t++) {
    for (let j = 0; j < theta0.length; j++) {
      const e = expected[t]![j]!;
      const err = Math.abs(actual[t]![j]! - e) / Math.max(1, Math.abs(e));
      if (err > 1e-13) throw new Error(`step ${t + 1}, entry ${j}: got ${actual[t]![j]}, expected ${e}`);
    }
  }
}

describe('first three steps match the update rules computed by hand', () => {
  it('SGD (plain): θ −= η·g', () => {
    const lr = 0.1;
    const th = theta0.slice();
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) th[j] = th[j]! - lr * g[j]!;
      expected.push(th.slice());
    }
    // Anchor: x[0] starts at 1 with a = 1, c = 0.5, so g = 0.5 and θ₁ = 1 − 0.1·0.5.
    expect(expected[0]![0]).toBe(0.95);
    expectSteps(run((p) => new SGD(p, { lr })), expected);
  });

  it('SGD with momentum and weight decay: g = ∇ + λθ; v = μv + g; θ −= η·v', () => {
    const lr = 0.05, mu = 0.9, wd = 0.01;
    const th = theta0.slice();
    const v = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j) + wd * th[j]!);
      for (let j = 0; j < th.length; j++) {
        v[j] = mu * v[j]! + g[j]!;
        th[j] = th[j]! - lr * v[j]!;
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new SGD(p, { lr, momentum: mu, weightDecay: wd })), expected);
  });

  it('SGD with Nesterov momentum: v = μv + g; θ −= η·(g + μv)', () => {
    const lr = 0.05, mu = 0.8;
    const th = theta0.slice();
    const v = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) {
        v[j] = mu * v[j]! + g[j]!;
        th[j] = th[j]! - lr * (g[j]! + mu * v[j]!);
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new SGD(p, { lr, momentum: mu, nesterov: true })), expected);
  });

  it('AdaGrad (the report): G += g²; θ −= η·g/√(G + ε), G₀ = 0', () => {
    const lr = 0.1, eps = 1e-8;
    const th = theta0.slice();
    const G = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) {
        G[j] = G[j]! + g[j]! * g[j]!;
        th[j] = th[j]! - (lr * g[j]!) / Math.sqrt(G[j]! + eps);
      }
      expected.push(th.slice());
    }
    // Anchor: with G₀ = 0 the first step moves each entry by almost exactly η·sign(g):
    // x[0]: g = 0.5, 1 − 0.1·0.5/√(0.25 + 1e-8) ≈ 0.9 − 2e-9.
    expect(expected[0]![0]).toBeCloseTo(0.9, 8);
    expectSteps(run((p) => new AdaGrad(p)), expected);
  });

  it('AdaGrad with TF.js settings: G₀ = 0.1, ε = 1e-7', () => {
    const lr = 0.2, eps = 1e-7;
    const th = theta0.slice();
    const G = th.map(() => 0.1);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) {
        G[j] = G[j]! + g[j]! * g[j]!;
        th[j] = th[j]! - (lr * g[j]!) / Math.sqrt(G[j]! + eps);
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new AdaGrad(p, { lr, eps, initialAccumulator: 0.1 })), expected);
  });

  it('RMSProp: s = αs + (1−α)g²; θ −= η·g/(√s + ε)', () => {
    const lr = 0.01, alpha = 0.9, eps = 1e-8;
    const th = theta0.slice();
    const s = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) {
        s[j] = alpha * s[j]! + (1 - alpha) * g[j]! * g[j]!;
        th[j] = th[j]! - (lr * g[j]!) / (Math.sqrt(s[j]!) + eps);
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new RMSProp(p, { lr, alpha })), expected);
  });

  it('RMSProp with momentum and weight decay: b = μb + g/(√s + ε); θ −= η·b', () => {
    const lr = 0.01, alpha = 0.99, eps = 1e-6, mu = 0.5, wd = 0.1;
    const th = theta0.slice();
    const s = th.map(() => 0);
    const b = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j) + wd * th[j]!);
      for (let j = 0; j < th.length; j++) {
        s[j] = alpha * s[j]! + (1 - alpha) * g[j]! * g[j]!;
        b[j] = mu * b[j]! + g[j]! / (Math.sqrt(s[j]!) + eps);
        th[j] = th[j]! - lr * b[j]!;
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new RMSProp(p, { lr, alpha, eps, momentum: mu, weightDecay: wd })), expected);
  });

  it('Adam with L2 decay: bias-corrected m̂/(√v̂ + ε), g = ∇ + λθ', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
    const th = theta0.slice();
    const m = th.map(() => 0);
    const v = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 1; t <= 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j) + wd * th[j]!);
      for (let j = 0; j < th.length; j++) {
        m[j] = b1 * m[j]! + (1 - b1) * g[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * g[j]! * g[j]!;
        const mHat = m[j]! / (1 - b1 ** t);
        const vHat = v[j]! / (1 - b2 ** t);
        th[j] = th[j]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      expected.push(th.slice());
    }
    // Anchor: Adam's first step is ≈ η·sign(g) whatever the gradient's size.
    expect(expected[0]![0]).toBeCloseTo(0.99, 6);
    expectSteps(run((p) => new Adam(p, { lr, weightDecay: wd })), expected);
  });

  it('AdamW: θ −= ηλθ, then Adam with the raw gradient', () => {
    const lr = 0.02, b1 = 0.8, b2 = 0.99, eps = 1e-8, wd = 0.1;
    const th = theta0.slice();
    const m = th.map(() => 0);
    const v = th.map(() => 0);
    const expected: number[][] = [];
    for (let t = 1; t <= 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j)); // gradient at the pre-decay θ
      for (let j = 0; j < th.length; j++) {
        th[j] = th[j]! - lr * wd * th[j]!;
        m[j] = b1 * m[j]! + (1 - b1) * g[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * g[j]! * g[j]!;
        th[j] = th[j]! - (lr * (m[j]! / (1 - b1 ** t))) / (Math.sqrt(v[j]! / (1 - b2 ** t)) + eps);
      }
      expected.push(th.slice());
    }
    expectSteps(run((p) => new AdamW(p, { lr, beta1: b1, beta2: b2, weightDecay: wd })), expected);
  });

  it('a wrong rule is caught: plain SGD does not match momentum SGD', () => {
    const lr = 0.05;
    const th = theta0.slice();
    const expected: number[][] = [];
    for (let t = 0; t < 3; t++) {
      const g = th.map((_, j) => gradientAt(th, j));
      for (let j = 0; j < th.length; j++) th[j] = th[j]! - lr * g[j]!;
      expected.push(th.slice());
    }
    expect(() => expectSteps(run((p) => new SGD(p, { lr, momentum: 0.9 })), expected)).toThrow(/step 2/);
  });
});

describe('AdaGrad details', () => {
  it('puts ε inside the square root (PyTorch puts it outside and would give ≈ −1)', () => {
    // g = 1e-4 and ε = 1e-8 = g²: θ = 0 − 1·g/√(g² + ε) = −1/√2.
    const p = param('p', [0]);
    p.grad.data[0] = 1e-4;
    new AdaGrad([p], { lr: 1, eps: 1e-8 }).step();
    expect(p.value.data[0]).toBeCloseTo(-Math.SQRT1_2, 12);
  });

  it('leaves entries with a zero gradient untouched, even with G₀ = 0 and ε = 0', () => {
    const p = param('p', [0, 1]);
    p.grad.data.set([0, 2]);
    const opt = new AdaGrad([p], { lr: 0.1, eps: 0 });
    opt.step();
    expect(Array.from(p.value.data)).toEqual([0, 1 - 0.1]);
    expect(Array.from(opt.stateDict()['adagrad.p']!.data)).toEqual([0, 4]);
  });
});

/**
 * Every optimizer minimizes a convex quadratic and a least-squares fit (both with
 * minimum 0). The problems' own gradients are first checked against central
 * differences, so a convergence failure points at the optimizer.
 */
import { AdaGrad, Adam, AdamW, cosineSchedule, RMSProp, SGD, type Optimizer, type Schedule } from '@weft/optim';
import { LeastSquares, Quadratic, type TestParam } from './problems.js';

interface Case {
  label: string;
  make: (params: TestParam[]) => Optimizer;
  steps: number;
  /** Learning rate per step t = 0 … steps−1, when not constant. */
  schedule?: Schedule;
}

const quadraticCases: Case[] = [
  { label: 'SGD', make: (p) => new SGD(p, { lr: 0.2 }), steps: 300 },
  { label: 'SGD + momentum', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }), steps: 300 },
  { label: 'SGD + Nesterov', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }), steps: 300 },
  { label: 'AdaGrad', make: (p) => new AdaGrad(p, { lr: 0.5 }), steps: 300 },
  { label: 'RMSProp', make: (p) => new RMSProp(p, { lr: 0.01 }), steps: 600 },
  { label: 'RMSProp + momentum', make: (p) => new RMSProp(p, { lr: 0.01, momentum: 0.9 }), steps: 600 },
  { label: 'Adam', make: (p) => new Adam(p, { lr: 0.05 }), steps: 600 },
  { label: 'AdamW (λ = 0)', make: (p) => new AdamW(p, { lr: 0.05, weightDecay: 0 }), steps: 600 },
];

const leastSquaresCases: Case[] = [
  { label: 'SGD', make: (p) => new SGD(p, { lr: 0.3 }), steps: 400 },
  { label: 'SGD + momentum', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }), steps: 400 },
  { label: 'SGD + Nesterov', make: (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }), steps: 400 },
  { label: 'AdaGrad', make: (p) => new AdaGrad(p, { lr: 0.5 }), steps: 400 },
  // With a constant rate RMSProp's steps stay ≈ η near the minimum, so the rate is annealed.
  { label: 'RMSProp', make: (p) => new RMSProp(p, { lr: 0.01 }), steps: 1500, schedule: cosineSchedule({ initial: 0.01, total: 1500 }) },
  {
    label: 'RMSProp + momentum',
    make: (p) => new RMSProp(p, { lr: 0.01, momentum: 0.9 }),
    steps: 800,
    schedule: cosineSchedule({ initial: 0.01, total: 800 }),
  },
  { label: 'Adam', make: (p) => new Adam(p, { lr: 0.05 }), steps: 800 },
  { label: 'AdamW (λ = 0)', make: (p) => new AdamW(p, { lr: 0.05, weightDecay: 0 }), steps: 800 },
];

function train(opt: Optimizer, lossAndGradients: () => number, steps: number, schedule?: Schedule): { first: number; last: number } {
  const first = lossAndGradients();
  for (let t = 0; t < steps; t++) {
    if (schedule) opt.lr = schedule(t);
    opt.zeroGrad();
    lossAndGradients();
    opt.step();
  }
  return { first, last: lossAndGradients() };
}

/** Max relative error between each analytical gradient entry and a central difference. */
function gradientError(params: TestParam[], lossAndGradients: () => number): number {
  lossAndGradients();
  const analytical = params.map((p) => Float64Array.from(p.grad.data));
  let worst = 0;
  params.forEach((p, i) => {
    for (let j = 0; j < p.value.size; j++) {
      const keep = p.value.data[j]!;
      p.value.data[j] = keep + 1e-5;
      const up = lossAndGradients();
      p.value.data[j] = keep - 1e-5;
      const down = lossAndGradients();
      p.value.data[j] = keep;
      const numerical = (up - down) / 2e-5;
      const ga = analytical[i]![j]!;
      worst = Math.max(worst, Math.abs(ga - numerical) / Math.max(1e-30, Math.abs(ga) + Math.abs(numerical)));
    }
  });
  return worst;
}

describe('the test problems', () => {
  it('compute gradients that match central differences', () => {
    const quadratic = Quadratic.start();
    expect(gradientError(quadratic, () => Quadratic.lossAndGradients(quadratic))).toBeLessThan(1e-7);
    const ls = new LeastSquares();
    const params = ls.start();
    params[0]!.value.data.set([0.3, -0.7, 1.1]);
    params[1]!.value.data[0] = -0.4;
    expect(gradientError(params, () => ls.lossAndGradients(params))).toBeLessThan(1e-7);
  });

  it('a wrong gradient is caught by that check', () => {
    const quadratic = Quadratic.start();
    const wrong = (): number => {
      const loss = Quadratic.lossAndGradients(quadratic);
      quadratic[0]!.grad.data[4]! *= 1.01;
      return loss;
    };
    expect(gradientError(quadratic, wrong)).toBeGreaterThan(1e-3);
  });
});

describe.each(quadraticCases)('$label on the convex quadratic', ({ make, steps }) => {
  it('drives the loss below 1e-8 and θ to the minimum', () => {
    const params = Quadratic.start();
    const { first, last } = train(make(params), () => Quadratic.lossAndGradients(params), steps);
    expect(first).toBeGreaterThan(5);
    expect(last).toBeLessThan(1e-8);
    expect(Math.abs(params[1]!.value.data[1]! - 3)).toBeLessThan(1e-3);
  });
});

describe.each(leastSquaresCases)('$label on least squares', ({ make, steps, schedule }) => {
  it('drives the loss below 1e-8 and recovers w* and b*', () => {
    const problem = new LeastSquares();
    const params = problem.start();
    const { first, last } = train(make(params), () => problem.lossAndGradients(params), steps, schedule);
    expect(first).toBeGreaterThan(1);
    expect(last).toBeLessThan(1e-8);
    const [w, b] = params;
    [1.5, -2, 0.5].forEach((target, j) => expect(Math.abs(w!.value.data[j]! - target)).toBeLessThan(1e-3));
    expect(Math.abs(b!.value.data[0]! - 0.25)).toBeLessThan(1e-3);
  });
});

describe('weight decay', () => {
  it('SGD with L2 decay λ converges to the shrunk minimum a·c/(a + λ) on the quadratic', () => {
    const params = Quadratic.start();
    const wd = 0.5;
    train(new SGD(params, { lr: 0.1, weightDecay: wd }), () => Quadratic.lossAndGradients(params), 500);
    const a = Quadratic.curvature.y, c = Quadratic.center.y;
    for (let j = 0; j < 2; j++) expect(params[1]!.value.data[j]).toBeCloseTo((a[j]! * c[j]!) / (a[j]! + wd), 8);
  });

  it('AdamW with λ > 0 pulls θ toward 0 compared with λ = 0', () => {
    const plain = Quadratic.start();
    const decayed = Quadratic.start();
    train(new AdamW(plain, { lr: 0.05, weightDecay: 0 }), () => Quadratic.lossAndGradients(plain), 600);
    train(new AdamW(decayed, { lr: 0.05, weightDecay: 0.5 }), () => Quadratic.lossAndGradients(decayed), 600);
    // y[1] has minimum 3; decoupled decay settles strictly between 0 and 3.
    expect(decayed[1]!.value.data[1]).toBeLessThan(plain[1]!.value.data[1]! - 0.01);
    expect(decayed[1]!.value.data[1]).toBeGreaterThan(0);
  });
});

/**
 * The README's claim about TF.js, checked against TF.js itself (CPU backend, float32):
 * AdaGrad with initialAccumulator 0.1 and eps 1e-7 follows tf.train.adagrad, and
 * the report's defaults (G₀ = 0, ε = 1e-8) do not.
 *
 * TF.js is not part of weft's install: it is the bench's separate one
 * (`npm run bench:install`, into bench/tfjs, which jest.config.js searches;
 * CI installs it). Without it this comparison is skipped with a note.
 */
import { AdaGrad } from '@weft/optim';
import { Quadratic } from './problems.js';

// A specifier in a variable: TypeScript does not look for TF.js's types, which are
// there only when it is installed, so `tf` is untyped here.
const TFJS = '@tensorflow/tfjs';
const tf: any = await import(TFJS).catch(() => null);
if (tf === null) console.info('tfjs-adagrad.test.ts: skipped, TF.js is not installed (npm run bench:install)');

const warn = console.warn;
beforeAll(async () => {
  if (tf === null) return;
  // TF.js advises installing tfjs-node on first use; that advice is noise here.
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('tfjs-node')) warn(...args);
  };
  await tf.setBackend('cpu');
});
afterAll(() => {
  console.warn = warn;
});

/** Three steps of tf.train.adagrad on the quadratic of problems.ts; θ (x then y, flat) after each. */
function tfjsSteps(lr: number): number[][] {
  const start = Quadratic.start();
  const vars = start.map((p) => tf.variable(tf.tensor(Array.from(p.value.data), [...p.value.shape], 'float32')));
  const a = [tf.tensor(Quadratic.curvature.x, [2, 3]), tf.tensor(Quadratic.curvature.y)];
  const c = [tf.tensor(Quadratic.center.x, [2, 3]), tf.tensor(Quadratic.center.y)];
  const opt = tf.train.adagrad(lr);
  const out: number[][] = [];
  for (let t = 0; t < 3; t++) {
    opt.minimize(() => tf.addN(vars.map((v, i) => tf.mul(0.5, tf.sum(tf.mul(a[i]!, tf.square(tf.sub(v, c[i]!))))))));
    out.push(vars.flatMap((v) => Array.from(v.dataSync())));
  }
  tf.dispose([...vars, ...a, ...c]);
  opt.dispose();
  return out;
}

function weftSteps(options: ConstructorParameters<typeof AdaGrad>[1]): number[][] {
  const params = Quadratic.start();
  const opt = new AdaGrad(params, options);
  const out: number[][] = [];
  for (let t = 0; t < 3; t++) {
    opt.zeroGrad();
    Quadratic.lossAndGradients(params);
    opt.step();
    out.push(params.flatMap((p) => Array.from(p.value.data)));
  }
  return out;
}

const maxDifference = (x: number[][], y: number[][]): number =>
  Math.max(...x.flatMap((row, t) => row.map((v, j) => Math.abs(v - y[t]![j]!))));

(tf === null ? describe.skip : describe)('AdaGrad versus TF.js', () => {
  it('matches tf.train.adagrad (to float32 precision) with initialAccumulator 0.1 and eps 1e-7', () => {
    const reference = tfjsSteps(0.1);
    expect(maxDifference(weftSteps({ lr: 0.1, initialAccumulator: 0.1, eps: 1e-7 }), reference)).toBeLessThan(1e-6);
    // The report's defaults differ visibly from TF.js's first steps.
    expect(maxDifference(weftSteps({ lr: 0.1 }), reference)).toBeGreaterThan(1e-3);
  });
});

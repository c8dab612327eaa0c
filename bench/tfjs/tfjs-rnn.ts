/**
 * The TF.js comparison: the same char-RNN update written as a TF.js user
 * would (one-hot inputs through a matMul, the recurrence step by step, the
 * output layer and the loss over all T steps at once, gradients from
 * `tf.variableGrads`, clip to ±5, `tf.train.adagrad(0.1)`), float32 (TF.js
 * computes in float32), on the 'cpu' (pure JS) or 'wasm' backend.
 *
 * TF.js's AdaGrad starts its accumulators at 0.1 rather than 0: the same
 * amount of work, slightly different numbers.
 *
 * The wasm backend's .wasm files are loaded from node_modules
 * (`setWasmPaths` with the package's dist folder): nothing is downloaded.
 *
 * TF.js is a separate install (bench/tfjs has its own package.json and
 * lockfile): `npm run bench:install` installs it and compiles this file;
 * bench/src/tfjs.ts loads it when it is there.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TfjsModule } from '../dist/tfjs.js';

let wasmPathsSet = false;

/** Switches TF.js to `backend` ('cpu' or 'wasm'); resolves when ready. */
export async function useTfBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + '/');
    wasmPathsSet = true;
  }
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`TF.js backend '${backend}' could not be initialised`);
  }
  await tf.ready();
}

/** The char-RNN in TF.js, with its parameters and carried hidden state. */
export class TfRnn {
  private readonly U: tf.Variable;
  private readonly W: tf.Variable;
  private readonly V: tf.Variable;
  private readonly b: tf.Variable;
  private readonly c: tf.Variable;
  private readonly optimizer: tf.AdagradOptimizer;
  private h: tf.Tensor2D;

  /** Creates the parameters (N(0, 0.01²) weights, zero biases) on the current backend. */
  constructor(
    private readonly K: number,
    private readonly m: number,
    seed: number,
  ) {
    this.U = tf.variable(tf.randomNormal([m, K], 0, 0.01, 'float32', seed));
    this.W = tf.variable(tf.randomNormal([m, m], 0, 0.01, 'float32', seed + 1));
    this.V = tf.variable(tf.randomNormal([K, m], 0, 0.01, 'float32', seed + 2));
    this.b = tf.variable(tf.zeros([1, m]));
    this.c = tf.variable(tf.zeros([1, K]));
    this.optimizer = tf.train.adagrad(0.1);
    this.h = tf.keep(tf.zeros([1, m]));
  }

  /** h = 0. */
  resetState(): void {
    this.h.dispose();
    this.h = tf.keep(tf.zeros([1, this.m]));
  }

  /** One training update on T inputs/targets; returns the summed loss. */
  update(inputs: Int32Array, targets: Int32Array): number {
    const T = inputs.length;
    let nextH: tf.Tensor2D | null = null;
    const loss = tf.tidy(() => {
      const x = tf.oneHot(tf.tensor1d(inputs, 'int32'), this.K).toFloat();
      const y = tf.oneHot(tf.tensor1d(targets, 'int32'), this.K).toFloat();
      const { value, grads } = tf.variableGrads(() => {
        const ux = tf.add(tf.matMul(x, this.U, false, true), this.b); // [T, m]
        let h: tf.Tensor2D = this.h;
        const hs: tf.Tensor2D[] = [];
        for (let t = 0; t < T; t++) {
          h = tf.tanh(tf.add(tf.matMul(h, this.W, false, true), tf.slice(ux, [t, 0], [1, this.m]))) as tf.Tensor2D;
          hs.push(h);
        }
        nextH = tf.keep(h);
        const logits = tf.add(tf.matMul(tf.concat(hs, 0), this.V, false, true), this.c); // [T, K]
        return tf.mul(tf.losses.softmaxCrossEntropy(y, logits), T) as tf.Scalar; // the sum over steps
      });
      const clipped = Object.keys(grads).map((name) => ({ name, tensor: tf.clipByValue(grads[name]!, -5, 5) }));
      this.optimizer.applyGradients(clipped);
      return value;
    });
    this.h.dispose();
    this.h = nextH!;
    const out = loss.dataSync()[0]!;
    loss.dispose();
    return out;
  }

  /** Frees the variables and the optimizer state. */
  dispose(): void {
    for (const v of [this.U, this.W, this.V, this.b, this.c, this.h]) v.dispose();
    this.optimizer.dispose();
  }
}

// bench/src/tfjs.ts loads this module as a TfjsModule: keep the two in step.
({ useTfBackend, TfRnn }) satisfies TfjsModule;

/**
 * The benchmark compares like with like: the hand-written plain-JS update
 * computes the same losses and parameters as weft's charRnn + clipByValue +
 * AdaGrad, from the same weights, over several consecutive updates.
 */
import { expect, test } from '@jest/globals';
import { charRnn } from '@weft/layers';
import { AdaGrad, clipByValue } from '@weft/optim';
import { Rng } from '@weft/tensor';
import { PlainRnn } from '../src/plain-js.js';

test('plain-JS update = weft update (loss and parameters, 4 updates, clipping active)', () => {
  const K = 11, m = 7, T = 6;
  const model = charRnn({ vocabSize: K, hidden: m, rng: new Rng(5), std: 0.5 });
  const params = model.parameters();
  const optimizer = new AdaGrad(params, { lr: 0.1, eps: 1e-8 });
  const plain = new PlainRnn({ vocabSize: K, hidden: m, seqLength: T, clip: 0.05 });
  plain.parameters().forEach((p, i) => p.set(params[i]!.value.data));
  const rng = new Rng(9);
  for (let update = 0; update < 4; update++) {
    const inputs = Int32Array.from({ length: T }, () => rng.int(K));
    const targets = Int32Array.from({ length: T }, () => rng.int(K));
    model.zeroGrad();
    const weftLoss = model.lossAndGradients(inputs, targets);
    const { fractionClipped } = clipByValue(params, 0.05);
    optimizer.step();
    const plainLoss = plain.update(inputs, targets);
    expect(fractionClipped).toBeGreaterThan(0); // the clip really acts
    expect(Math.abs(plainLoss - weftLoss)).toBeLessThanOrEqual(1e-10 * Math.abs(weftLoss));
    plain.parameters().forEach((p, i) => {
      const w = params[i]!.value.data;
      for (let k = 0; k < p.length; k++) expect(Math.abs(p[k]! - w[k]!)).toBeLessThanOrEqual(1e-9);
    });
  }
});

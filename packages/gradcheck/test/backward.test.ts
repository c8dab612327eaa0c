import { describe, expect, test } from '@jest/globals';
import { checkBackward, type BackwardTarget } from '@weft/gradcheck';
import { addOuter, gemm, matvecT, randn, reshape, Rng, tanh, transpose, zeros, type Tensor } from '@weft/tensor';
import { param } from './helpers.js';

/**
 * Two outputs of (W, x): y = W x [m] and z = tanh(x) [n]; with ∂/∂y = gy and
 * ∂/∂z = gz: dW = gy xᵀ, dx = Wᵀ gy + gz ⊙ (1 − z²). `bug` breaks dx.
 */
function twoOutputs(m: number, n: number, seed: number, bug: 'none' | 'flipped-sign' | 'missing-factor' | 'ignores-second-output' = 'none'): BackwardTarget {
  const rng = new Rng(seed);
  const W = param('W', [m, n], rng);
  const x = param('x', [n], rng);
  const y = zeros([m, 1]);
  const z = zeros([n]);
  const tmp = zeros([n]);
  return {
    params: [W, x],
    forward: () => {
      gemm(y, W.value, reshape(x.value, [n, 1]));
      tanh(z, x.value);
      return [y, z];
    },
    backward: ([gy, gz]) => {
      const g = reshape(gy!, [m]);
      addOuter(W.grad, g, x.value);
      matvecT(tmp, W.value, g);
      for (let i = 0; i < n; i++) {
        const zi = z.data[i]!;
        let dz = gz!.data[i]! * (1 - zi * zi);
        if (bug === 'missing-factor') dz = gz!.data[i]!;
        if (bug === 'ignores-second-output') dz = 0;
        x.grad.data[i]! += (bug === 'flipped-sign' ? -1 : 1) * (tmp.data[i]! + dz);
      }
    },
  };
}

describe('checkBackward', () => {
  test('passes on exact gradients of several outputs, with both stencils', () => {
    for (const stencil of ['central', 'five-point'] as const) {
      const report = checkBackward(twoOutputs(3, 4, 1), { stencil });
      expect(report.passed).toBe(true);
      expect(report.params.map((p) => [p.name, p.checked, p.count])).toEqual([['W', 12, 0], ['x', 4, 0]]);
      expect(report.stencil).toBe(stencil);
    }
  });

  test.each(['flipped-sign', 'missing-factor', 'ignores-second-output'] as const)('FAILS when backward has a bug: %s', (bug) => {
    const report = checkBackward(twoOutputs(3, 4, 1, bug));
    expect(report.passed).toBe(false);
    expect(report.params.map((p) => p.name)).toEqual(['W', 'x']);
    expect(report.params[0]!.count).toBe(0); // W's gradient is right
    expect(report.params[1]!.count).toBe(4);
  });

  test('the output weights R are fixed random N(0,1) from the seed: same seed, same loss and gradients', () => {
    const loss = (seed: number) => checkBackward(twoOutputs(2, 3, 5), { seed }).loss;
    expect(loss(7)).toBe(loss(7));
    expect(loss(7)).not.toBe(loss(8));
    const target = twoOutputs(2, 3, 5);
    checkBackward(target, { seed: 7 });
    const again = twoOutputs(2, 3, 5);
    checkBackward(again, { seed: 7 });
    expect(again.params[1]!.grad.toFlatArray()).toEqual(target.params[1]!.grad.toFlatArray());
  });

  test('passes maxEntries, h and threshold on to checkGradients', () => {
    const report = checkBackward(twoOutputs(4, 5, 2), { maxEntries: 3, h: 1e-5, threshold: 1e-5, seed: 4 });
    expect(report.params.map((p) => p.checked)).toEqual([3, 3]);
    expect(report).toMatchObject({ h: 1e-5, threshold: 1e-5, maxEntries: 3, seed: 4, passed: true });
  });

  test('rejects targets that are not { params, forward, backward }, and forwards that change their outputs', () => {
    const good = twoOutputs(2, 2, 1);
    expect(() => checkBackward(null as never)).toThrow('checkBackward: target must be { params, forward, backward }, got null');
    expect(() => checkBackward({ ...good, forward: 3 } as never)).toThrow('checkBackward: target.forward must be a function, got number');
    expect(() => checkBackward({ ...good, params: [] })).toThrow('checkGradients: params is empty; nothing to check');
    expect(() => checkBackward({ ...good, forward: () => [] })).toThrow('checkBackward: target.forward() must return a non-empty array of Tensors, got an array of 0 ()');
    let calls = 0;
    const growing = { ...good, forward: (): Tensor[] => [zeros([++calls])], backward: () => {} };
    expect(() => checkBackward(growing)).toThrow('checkBackward: output 0 must be a contiguous tensor of shape [1], got [2]');
    const rng = new Rng(1);
    const strided = { ...good, forward: (): Tensor[] => [transpose(randn([2, 3], rng))], backward: () => {} };
    expect(() => checkBackward(strided)).toThrow('checkBackward: output 0 must be a contiguous tensor of shape [3,2], got a strided [3,2]');
  });
});

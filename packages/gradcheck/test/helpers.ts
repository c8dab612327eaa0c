/**
 * Small functions with exact, hand-written gradients, and deliberately wrong
 * variants of them, shared by the gradcheck tests.
 */
import { addOuter, dot, matvec, matvecT, randn, Rng, zeros, type Tensor } from '@weft/tensor';
import type { GradParam } from '@weft/gradcheck';

/** A parameter with a N(0,1) value of `shape` and a zero grad. */
export function param(name: string, shape: number[], rng: Rng): GradParam {
  return { name, value: randn(shape, rng), grad: zeros(shape) };
}

/** How to break the gradient of `quadraticForm`'s x. */
export type Bug = 'none' | 'flipped-sign' | 'missing-factor' | 'wrong-index';

/**
 * f(x, A) = xᵀAx with A [n,n] not symmetric: ∂f/∂x = (A + Aᵀ)x, ∂f/∂A = x xᵀ.
 * `bug` corrupts ∂f/∂x at entry `at` only:
 *  - 'flipped-sign': −g[at] instead of g[at]
 *  - 'missing-factor': the symmetric-case formula's 2 forgotten: g[at]/2
 *  - 'wrong-index': g[at] added to entry at+1 instead of at.
 */
export function quadraticForm(n: number, seed: number, bug: Bug = 'none', at = 1) {
  const rng = new Rng(seed);
  const x = param('x', [n], rng);
  const A = param('A', [n, n], rng);
  const Ax = zeros([n]);
  const g = zeros([n]);
  const lossAndGradients = (): number => {
    matvec(Ax, A.value, x.value);
    matvecT(g, A.value, x.value);
    matvec(g, A.value, x.value, 1, 1); // g = Aᵀx + Ax
    const ga = g.data[at]!;
    if (bug === 'flipped-sign') g.data[at] = -ga;
    if (bug === 'missing-factor') g.data[at] = ga / 2;
    if (bug === 'wrong-index') {
      g.data[at] = 0;
      g.data[at + 1]! += ga;
    }
    for (let i = 0; i < n; i++) x.grad.data[i]! += g.data[i]!;
    addOuter(A.grad, x.value, x.value);
    return dot(x.value, Ax);
  };
  return { x, A, params: [x, A], lossAndGradients };
}

/** f(x) = Σ x², ∂f/∂x = 2x. */
export function sumOfSquares(x: GradParam) {
  return (): number => {
    let loss = 0;
    for (let i = 0; i < x.value.size; i++) {
      const v = x.value.data[i]!;
      loss += v * v;
      x.grad.data[i]! += 2 * v;
    }
    return loss;
  };
}

/** f(x) = Σ sin(x), ∂f/∂x = cos(x). */
export function sumOfSines(x: GradParam) {
  return (): number => {
    let loss = 0;
    for (let i = 0; i < x.value.size; i++) {
      loss += Math.sin(x.value.data[i]!);
      x.grad.data[i]! += Math.cos(x.value.data[i]!);
    }
    return loss;
  };
}

/** The bytes of a tensor's storage, to compare bit for bit. */
export function bits(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

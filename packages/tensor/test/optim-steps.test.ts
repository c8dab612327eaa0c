/**
 * The fused RMSProp and Adam/AdamW steps (src/wasm/optim-steps.ts): the
 * JavaScript path against naive per-element references written out here, the
 * WebAssembly path against the JavaScript path (float64 bit for bit, float32
 * to a few ulps), on sizes that exercise every remainder of the vector loops;
 * plus the argument checks.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { adamStep, rmspropStep, Rng, setBackend, Tensor, wasmKernelCalls, wasmZeros, withBackend, zeros, type DType } from '@weft/tensor';

/** |a − b| <= 1e-6 · max(1, |a|, |b|) elementwise (float32 arithmetic against float64 arithmetic rounded to float32). */
function expectClose32(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    const w = b[i]!;
    if (!(Math.abs(v - w) <= 1e-6 * Math.max(1, Math.abs(v), Math.abs(w)))) throw new Error(`element ${i}: ${v} vs ${w}`);
  });
}

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 100, 101];

/** A heap tensor with uniform values in [lo, hi) and a plain copy of it. */
function pair(n: number, rng: Rng, dtype: DType, lo: number, hi: number): [Tensor, Tensor] {
  const h = rng.fillUniform(wasmZeros([n], dtype), lo, hi);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  data.set(h.data.subarray(h.offset, h.offset + n));
  return [h, new Tensor(data, [n])];
}

const values = (t: Tensor): number[] => Array.from(t.data.subarray(t.offset, t.offset + t.size));

/** RMSProp on plain numbers, as torch.optim.RMSprop documents it. */
function naiveRmsprop(x: number[], g: number[], s: number[], b: number[] | null, lr: number, alpha: number, eps: number, mu: number, wd: number): void {
  for (let k = 0; k < x.length; k++) {
    const gk = g[k]! + wd * x[k]!;
    s[k] = alpha * s[k]! + (1 - alpha) * gk * gk;
    const u = gk / (Math.sqrt(s[k]!) + eps);
    if (b !== null && mu > 0) {
      b[k] = mu * b[k]! + u;
      x[k] = x[k]! - lr * b[k]!;
    } else x[k] = x[k]! - lr * u;
  }
}

/** Adam / AdamW on plain numbers, as torch.optim.Adam(W) documents it. */
function naiveAdam(x: number[], g: number[], m: number[], v: number[], lr: number, b1: number, b2: number, t: number, eps: number, l2: number, shrink: number): void {
  const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
  for (let k = 0; k < x.length; k++) {
    if (shrink !== 0) x[k] = x[k]! - shrink * x[k]!;
    const gk = g[k]! + l2 * x[k]!;
    m[k] = b1 * m[k]! + (1 - b1) * gk;
    v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
    x[k] = x[k]! - (lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + eps);
  }
}

beforeAll(() => {
  expect(setBackend('wasm')).toBe('wasm');
});
afterAll(() => {
  setBackend('js');
});

describe('rmspropStep', () => {
  test.each(['float64', 'float32'] as const)('%s: JS equals the naive reference, wasm equals JS (momentum on and off, weight decay)', (dtype) => {
    const rng = new Rng(21);
    for (const n of SIZES) {
      for (const [mu, wd] of [[0, 0], [0.9, 0], [0, 0.01], [0.5, 0.1]] as const) {
        const [x, xp] = pair(n, rng, dtype, -1, 1);
        const [g, gp] = pair(n, rng, dtype, -2, 2);
        const [s, sp] = pair(n, rng, dtype, 0, 1);
        const [b, bp] = pair(n, rng, dtype, -0.1, 0.1);
        const ref = { x: values(xp), s: values(sp), b: values(bp) };
        setBackend('js');
        rmspropStep(xp, gp, sp, mu > 0 ? bp : null, 0.01, 0.99, 1e-8, mu, wd);
        setBackend('wasm');
        naiveRmsprop(ref.x, values(gp), ref.s, mu > 0 ? ref.b : null, 0.01, 0.99, 1e-8, mu, wd);
        const before = wasmKernelCalls();
        rmspropStep(x, g, s, mu > 0 ? b : null, 0.01, 0.99, 1e-8, mu, wd);
        expect(wasmKernelCalls() - before).toBe(1);
        if (dtype === 'float64') {
          expect(values(xp)).toEqual(ref.x);
          expect(values(sp)).toEqual(ref.s);
          expect(values(bp)).toEqual(ref.b);
          expect(values(x)).toEqual(values(xp));
          expect(values(s)).toEqual(values(sp));
          expect(values(b)).toEqual(values(bp));
        } else {
          // the JS loop computes in float64 and rounds each store; wasm rounds every
          // float32 operation (cancellations make ulps meaningless near 0)
          for (const [w, j] of [[x, xp], [s, sp], [b, bp]] as const) expectClose32(values(w), values(j));
        }
      }
    }
  });

  test('refuses mismatched shapes, shared memory, non-finite numbers and momentum without a buffer', () => {
    const x = zeros([3]), g = zeros([3]), s = zeros([3]);
    expect(() => rmspropStep(x, zeros([4]), s, null, 0.1, 0.9, 1e-8, 0, 0)).toThrow('rmspropStep: param is [3] but grad is [4]');
    expect(() => rmspropStep(x, g, x, null, 0.1, 0.9, 1e-8, 0, 0)).toThrow('rmspropStep: param and square must not share memory');
    expect(() => rmspropStep(x, g, s, g, 0.1, 0.9, 1e-8, 0.5, 0)).toThrow('rmspropStep: grad and momentum must not share memory');
    expect(() => rmspropStep(x, g, s, null, NaN, 0.9, 1e-8, 0, 0)).toThrow('rmspropStep: lr must be a finite number, got NaN');
    expect(() => rmspropStep(x, g, s, null, 0.1, 0.9, 1e-8, 0.5, 0)).toThrow('rmspropStep: momentum 0.5 needs a momentum buffer, got null');
  });
});

describe('adamStep', () => {
  test.each(['float64', 'float32'] as const)('%s: JS equals the naive reference, wasm equals JS (Adam with L2, AdamW with shrink)', (dtype) => {
    const rng = new Rng(22);
    for (const n of SIZES) {
      for (const [l2, shrink, t] of [[0, 0, 1], [0.01, 0, 3], [0, 1e-3, 7]] as const) {
        const [x, xp] = pair(n, rng, dtype, -1, 1);
        const [g, gp] = pair(n, rng, dtype, -2, 2);
        const [m, mp] = pair(n, rng, dtype, -0.1, 0.1);
        const [v, vp] = pair(n, rng, dtype, 0, 0.1);
        const ref = { x: values(xp), m: values(mp), v: values(vp) };
        const c1 = 1 - 0.9 ** t, c2 = 1 - 0.999 ** t;
        setBackend('js');
        adamStep(xp, gp, mp, vp, 1e-3, 0.9, 0.999, c1, c2, 1e-8, l2, shrink);
        setBackend('wasm');
        naiveAdam(ref.x, values(gp), ref.m, ref.v, 1e-3, 0.9, 0.999, t, 1e-8, l2, shrink);
        const before = wasmKernelCalls();
        adamStep(x, g, m, v, 1e-3, 0.9, 0.999, c1, c2, 1e-8, l2, shrink);
        expect(wasmKernelCalls() - before).toBe(1);
        if (dtype === 'float64') {
          expect(values(xp)).toEqual(ref.x);
          expect(values(mp)).toEqual(ref.m);
          expect(values(vp)).toEqual(ref.v);
          expect(values(x)).toEqual(values(xp));
          expect(values(m)).toEqual(values(mp));
          expect(values(v)).toEqual(values(vp));
        } else {
          for (const [w, j] of [[x, xp], [m, mp], [v, vp]] as const) expectClose32(values(w), values(j));
        }
      }
    }
  });

  test('shrink = 0 leaves −0 parameters as they are (no θ − 0·θ, which gives +0)', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const [x, g, m, v] = withBackend(backend, () => [zeros([5]), zeros([5]), zeros([5]), zeros([5])]);
      x.data.set([-0, 1, -0, 2, -0], x.offset);
      const before = wasmKernelCalls();
      adamStep(x, g, m, v, 1e-3, 0.9, 0.999, 0.1, 0.001, 1e-8, 0, 0);
      expect(wasmKernelCalls() - before).toBe(backend === 'wasm' ? 1 : 0);
      // g = 0: m = v = 0 and θ −= 0 / (0 + eps); −0 − 0 is −0
      expect([0, 2, 4].map((i) => Object.is(x.data[x.offset + i], -0))).toEqual([true, true, true]);
    }
  });

  test('refuses mismatched shapes, shared memory and non-finite numbers', () => {
    const x = zeros([2]), g = zeros([2]), m = zeros([2]), v = zeros([2]);
    expect(() => adamStep(x, g, m, zeros([3]), 1e-3, 0.9, 0.999, 0.1, 0.001, 1e-8, 0, 0)).toThrow('adamStep: param is [2] but v is [3]');
    expect(() => adamStep(x, g, m, m, 1e-3, 0.9, 0.999, 0.1, 0.001, 1e-8, 0, 0)).toThrow('adamStep: m and v must not share memory');
    expect(() => adamStep(x, g, m, v, 1e-3, 0.9, 0.999, 0.1, Infinity, 1e-8, 0, 0)).toThrow('adamStep: correction2 must be a finite number, got Infinity');
  });
});

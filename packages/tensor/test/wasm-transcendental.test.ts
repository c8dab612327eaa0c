/**
 * The WebAssembly SIMD exp, tanh and sigmoid against references, in ulps:
 * more than 10^6 points per function and element type (special values, ±0,
 * subnormals, ±Inf, NaN, the thresholds where exp overflows or underflows and
 * where tanh and sigmoid saturate, consecutive floats around each, a sweep
 * over magnitudes and a dense random sweep). References: Math.exp and
 * Math.tanh (themselves within 1 and 2 ulps of the exact values), and the
 * exact sigmoid (double-double, test/exact-reference.ts); for float32,
 * Math.fround of the float64 reference. Also: softmax in wasm against the
 * JavaScript softmax, the backwards, fallback to JavaScript off the heap, and
 * that the generated section of kernels.wat is up to date.
 *
 * Set WEFT_ULP_REPORT=1 to print the measured maxima.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  exp,
  Rng,
  setBackend,
  sigmoid,
  sigmoidBackward,
  softmax,
  tanh,
  tanhBackward,
  Tensor,
  wasmFree,
  wasmKernelCalls,
  wasmSupported,
  wasmZeros,
  zeros,
  type DType,
} from '@weft/tensor';
import { exactExp, exactSigmoid, exactTanh, nextDown, nextUp, nextUp32, ulpDistance32, ulpDistance64 } from './exact-reference.js';

type Fn = 'exp' | 'tanh' | 'sigmoid';
const KERNEL: Record<Fn, (out: Tensor, a: Tensor) => Tensor> = { exp, tanh, sigmoid };
const REFERENCE: Record<Fn, (x: number) => number> = { exp: Math.exp, tanh: Math.tanh, sigmoid: exactSigmoid };
/**
 * float32 references: Math.fround of these. For the sigmoid a float64 formula
 * (within a few float64 ulps, 2^-50 relative: far below float32's 2^-24) stands
 * in for the exact value, which costs ~1 µs a point.
 */
const REFERENCE32: Record<Fn, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
};
const REPORT = process.env['WEFT_ULP_REPORT'] !== undefined;

const MIN_NORMAL = 2 ** -1022;
const MAX_SUBNORMAL = MIN_NORMAL - Number.MIN_VALUE;
const F32_MIN_NORMAL = 2 ** -126;
const F32_MIN_SUBNORMAL = 2 ** -149;

/**
 * Where each function changes regime, per element type: exp overflows
 * (ln MAX), turns subnormal (ln MIN_NORMAL) and rounds to 0 (ln of half the
 * smallest subnormal); tanh switches to the exp form (0.55), rounds to 1
 * (atanh(1 − ulp/2)) and is capped (20); sigmoid rounds to 1, turns subnormal
 * and rounds to 0.
 */
const THRESHOLDS: Record<Fn, Record<DType, number[]>> = {
  exp: {
    float64: [709.782712893384, -708.3964185322641, -745.1332191019411, 0],
    float32: [88.72283935546875, -87.33654475055310, -103.97208309173584, 0],
  },
  tanh: {
    float64: [0.55, -0.55, 19.061547465398498, -19.061547465398498, 20, 0],
    float32: [0.55, 9.010913339828708, -9.010913339828708, 0],
  },
  sigmoid: {
    float64: [36.7368005696771, -36.7368005696771, -708.3964185322641, -745.1332191019411, 0],
    float32: [16.635532333438686, -87.33654475055310, -103.97208309173584, 0],
  },
};

/** Dense sweeps [lo, hi, count]: the range in use and the full domain. */
const SWEEPS: Record<Fn, [number, number, number][]> = {
  exp: [
    [-10, 10, 350_000],
    [-750, 712, 400_000],
  ],
  tanh: [
    [-1, 1, 350_000],
    [-25, 25, 400_000],
  ],
  sigmoid: [
    [-40, 40, 350_000],
    [-750, 750, 400_000],
  ],
};

/** More than 10^6 test points for `fn` in `dtype` (float32 points are float32 values). */
function points(fn: Fn, dtype: DType): number[] {
  const rng = new Rng(fn.length * 1000 + (dtype === 'float32' ? 1 : 0));
  const xs: number[] = [];
  const minSub = dtype === 'float32' ? F32_MIN_SUBNORMAL : Number.MIN_VALUE;
  const minNormal = dtype === 'float32' ? F32_MIN_NORMAL : MIN_NORMAL;
  const max = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  // special values
  for (const v of [0, minSub, dtype === 'float32' ? F32_MIN_NORMAL - F32_MIN_SUBNORMAL : MAX_SUBNORMAL, minNormal, 0.5, 1, 2, max, Infinity]) {
    xs.push(v, -v);
  }
  xs.push(NaN);
  // subnormals and tiny normals: results must keep relative accuracy (tanh x ≈ x, exp x ≈ 1)
  for (let i = 0; i < 5000; i++) {
    const v = Math.floor(rng.uniform(1, dtype === 'float32' ? 2 ** 23 : 2 ** 52)) * minSub;
    xs.push(i % 2 ? v : -v);
  }
  for (let i = 0; i < 20_000; i++) {
    const v = minNormal * 2 ** rng.uniform(0, dtype === 'float32' ? 110 : 1000);
    xs.push(i % 2 ? v : -v);
  }
  // all magnitudes from 2^-30 to 2^12, both signs
  for (let i = 0; i < 250_000; i++) {
    const v = 2 ** rng.uniform(-30, 12);
    xs.push(i % 2 ? v : -v);
  }
  // each threshold: 1000 consecutive floats (of dtype) either side, and 2000 points within ±1
  for (const t of THRESHOLDS[fn][dtype]) {
    let up = dtype === 'float32' ? Math.fround(t) : t, down = up;
    for (let i = 0; i < 1000; i++) {
      up = dtype === 'float32' ? nextUp32(up) : nextUp(up);
      down = dtype === 'float32' ? -nextUp32(-down) : nextDown(down);
      xs.push(up, down);
    }
    for (let i = 0; i < 2000; i++) xs.push(t + rng.uniform(-1, 1));
  }
  for (const [lo, hi, count] of SWEEPS[fn]) for (let i = 0; i < count; i++) xs.push(rng.uniform(lo, hi));
  // an odd count, so that the kernels' remainder loops run too
  if (xs.length % 2 === 0) xs.push(0.25);
  return dtype === 'float32' ? xs.map(Math.fround) : xs;
}

/** Runs `fn` in wasm on `xs` (on the heap); returns [the outputs, the inputs as stored]. */
function runWasm(fn: Fn, xs: number[], dtype: DType): [Float64Array | Float32Array, Float64Array | Float32Array] {
  const a = wasmZeros([xs.length], dtype);
  const out = wasmZeros([xs.length], dtype);
  a.data.set(xs);
  const before = wasmKernelCalls();
  KERNEL[fn](out, a);
  expect(wasmKernelCalls() - before).toBe(1);
  const result = out.data.slice();
  const inputs = a.data.slice();
  wasmFree(a);
  wasmFree(out);
  return [result, inputs];
}

/** The largest ulp distance from the reference, and where. */
function worstUlps(fn: Fn, dtype: DType, inputs: ArrayLike<number>, outputs: ArrayLike<number>): { ulps: number; at: number } {
  const reference = dtype === 'float32' ? REFERENCE32[fn] : REFERENCE[fn];
  let ulps = 0;
  let at = NaN;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    const d = dtype === 'float32' ? ulpDistance32(outputs[i]!, Math.fround(reference(x))) : ulpDistance64(outputs[i]!, reference(x));
    if (d > ulps) {
      ulps = d;
      at = x;
    }
  }
  return { ulps, at };
}

beforeAll(() => {
  expect(wasmSupported()).toBe(true); // Node 20 has WebAssembly SIMD
  expect(setBackend('wasm')).toBe('wasm');
});
afterAll(() => {
  setBackend('js');
});

describe('exact references (test/exact-reference.ts)', () => {
  test('agree with values computed by mpmath at 60 digits (of the float64 inputs)', () => {
    expect(exactTanh(0.3)).toBe(0.2913126124515909);
    expect(exactTanh(0.549)).toBe(0.4997703566046211);
    expect(exactTanh(-5)).toBe(-0.9999092042625951);
    expect(exactTanh(1e-5)).toBe(9.999999999666668e-6);
    expect(exactSigmoid(-40)).toBe(4.248354255291589e-18);
    expect(exactSigmoid(-700)).toBe(9.85967654375977e-305);
    expect(exactSigmoid(-745)).toBe(5e-324);
    expect(exactSigmoid(1)).toBe(0.7310585786300049);
    expect(exactSigmoid(-0.5)).toBe(0.37754066879814546);
    expect(exactSigmoid(36.5)).toBe(0.9999999999999999);
    expect(exactSigmoid(-1e-10)).toBe(0.499999999975);
    expect(exactExp(0.3)).toBe(1.3498588075760032);
    expect(exactExp(-708.5)).toBe(2.006132305331306e-308);
    expect(exactExp(709.5)).toBe(1.3549863193146328e308);
    expect(exactExp(-745)).toBe(5e-324);
  });

  test('ulp distances count the floats in between', () => {
    expect(ulpDistance64(1, nextUp(1))).toBe(1);
    expect(ulpDistance64(nextDown(1), nextUp(1))).toBe(2);
    expect(ulpDistance64(-Number.MIN_VALUE, Number.MIN_VALUE)).toBe(2);
    expect(ulpDistance64(0, -0)).toBe(0);
    expect(ulpDistance64(Number.MAX_VALUE, Infinity)).toBe(1);
    expect(ulpDistance64(NaN, NaN)).toBe(0);
    expect(ulpDistance64(NaN, 1)).toBe(Infinity);
    expect(ulpDistance32(1, Math.fround(1 + 2 ** -23))).toBe(1);
    expect(ulpDistance32(Math.fround(-1e-45), Math.fround(1e-45))).toBe(2);
  });
});

describe.each(['float64', 'float32'] as const)('wasm exp, tanh, sigmoid in %s', (dtype) => {
  test.each(['exp', 'tanh', 'sigmoid'] as const)('%s is within 2 ulps of the reference on more than 10^6 points', (fn) => {
    const xs = points(fn, dtype);
    expect(xs.length).toBeGreaterThan(1_000_000);
    const [outputs, inputs] = runWasm(fn, xs, dtype);
    const { ulps, at } = worstUlps(fn, dtype, inputs, outputs);
    if (REPORT) console.log(`${fn} ${dtype}: max ${ulps} ulp at ${at} over ${xs.length} points (reference ${fn !== 'sigmoid' ? `Math.${fn}` : dtype === 'float64' ? 'exact' : 'float64 formula'})`);
    expect(ulps).toBeLessThanOrEqual(2);
    // float32 (four float32 lanes) measures 1 ulp: keep it there
    if (dtype === 'float32') expect(ulps).toBeLessThanOrEqual(1);
    // and the same outputs from the kernel's remainder paths (float32: a vector of four, then
    // single elements, after the loop's eight per iteration): every position gives the same result
    const few = Array.from(inputs.subarray(0, 15));
    for (let n = 0; n <= 15; n++) {
      const [small] = runWasm(fn, few.slice(0, n), dtype);
      expect(Array.from(small)).toEqual(Array.from(outputs.subarray(0, n)));
    }
  });
});

describe('float64 exp and tanh against the exact values', () => {
  // Math.exp and Math.tanh have errors of their own (up to 1 and 2 ulps);
  // against the double-double references the kernels are within 1 ulp
  test.each([
    ['exp', [-745, 710], exactExp],
    ['tanh', [-3, 3], exactTanh],
    ['tanh', [-20, 20], exactTanh],
  ] as const)('%s on %p is within 1 ulp of the exact value on 200,000 points', (fn, [lo, hi], reference) => {
    const rng = new Rng(5);
    const xs = Array.from({ length: 200_001 }, () => rng.uniform(lo, hi));
    const [outputs, inputs] = runWasm(fn, xs, 'float64');
    let worst = 0;
    for (let i = 0; i < inputs.length; i++) worst = Math.max(worst, ulpDistance64(outputs[i]!, reference(inputs[i]!)));
    if (REPORT) console.log(`${fn} float64 on [${lo}, ${hi}]: max ${worst} ulp from the exact value`);
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe('special values come out exactly', () => {
  const cases: [Fn, number, number][] = [
    ['exp', 0, 1],
    ['exp', -0, 1],
    ['exp', Infinity, Infinity],
    ['exp', -Infinity, 0],
    ['exp', NaN, NaN],
    ['exp', 709.79, Infinity],
    ['exp', -745.2, 0],
    ['exp', -745, 5e-324],
    ['exp', 1e300, Infinity],
    ['exp', -1e300, 0],
    ['tanh', 0, 0],
    ['tanh', -0, -0],
    ['tanh', Number.MIN_VALUE, Number.MIN_VALUE],
    ['tanh', -MAX_SUBNORMAL, -MAX_SUBNORMAL],
    ['tanh', 1e-200, 1e-200],
    ['tanh', Infinity, 1],
    ['tanh', -Infinity, -1],
    ['tanh', 1e300, 1],
    ['tanh', -20, -1],
    ['tanh', NaN, NaN],
    ['sigmoid', 0, 0.5],
    ['sigmoid', -0, 0.5],
    ['sigmoid', Infinity, 1],
    ['sigmoid', -Infinity, 0],
    ['sigmoid', NaN, NaN],
    ['sigmoid', -40, 4.248354255291589e-18],
    ['sigmoid', -700, 9.85967654375977e-305],
    ['sigmoid', 40, 1],
  ];
  test.each(cases)('%s(%p) is %p in float64', (fn, x, expected) => {
    const [out] = runWasm(fn, [x, x, x, x, x], 'float64'); // vector and remainder lanes
    for (const v of out) expect(Object.is(v, expected)).toBe(true);
  });
  test('float32: tanh keeps −0 and subnormals; exp overflows and underflows at float32 thresholds', () => {
    const [t] = runWasm('tanh', [-0, F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, 1e-30], 'float32');
    expect(Object.is(t[0], -0)).toBe(true);
    expect(Array.from(t.subarray(1))).toEqual([F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, Math.fround(1e-30)]);
    const [e] = runWasm('exp', [89, -104, -103, -Infinity, Infinity], 'float32');
    expect(Array.from(e)).toEqual([Infinity, 0, Math.fround(Math.exp(-103)), 0, Infinity]);
    expect(e[2]).toBeGreaterThan(0);
    const [s] = runWasm('sigmoid', [-100, 20, NaN], 'float32');
    expect(s[0]).toBe(Math.fround(exactSigmoid(-100)));
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBe(1);
    expect(Number.isNaN(s[2])).toBe(true);
  });
});

/** A [rows, n] tensor on the heap with values in [-scale, scale], and a plain copy. */
function heapAndPlain(shape: number[], rng: Rng, dtype: DType, scale: number): [Tensor, Tensor] {
  const h = rng.fillUniform(wasmZeros(shape, dtype), -scale, scale);
  const data = dtype === 'float32' ? new Float32Array(h.size) : new Float64Array(h.size);
  data.set(h.data.subarray(h.offset, h.offset + h.size));
  return [h, new Tensor(data, shape)];
}

describe('softmax in wasm', () => {
  const shapes: number[][] = [[1], [2], [3], [4], [5], [6], [7], [8], [9], [13], [15], [16], [17], [89], [100], [3, 5], [4, 89], [25, 89], [2, 1]];

  test.each(['float64', 'float32'] as const)('%s: equals the JavaScript softmax, rows sum to 1, hands back max and log Σ', (dtype) => {
    const rng = new Rng(7);
    const tol = dtype === 'float64' ? 1e-15 : 1e-6;
    for (const shape of shapes) {
      for (const scale of [1, 30, 1000]) {
        const rows = shape.length === 1 ? 1 : shape[0]!;
        const n = shape[shape.length - 1]!;
        const [a, plain] = heapAndPlain(shape, rng, dtype, scale);
        const out = wasmZeros(shape, dtype);
        const lse = { max: wasmZeros([rows], dtype), logSum: wasmZeros([rows], dtype) };
        const before = wasmKernelCalls();
        softmax(out, a, lse);
        expect(wasmKernelCalls() - before).toBe(1);
        setBackend('js');
        const jsLse = { max: zeros([rows], dtype), logSum: zeros([rows], dtype) };
        const js = softmax(zeros(shape, dtype), plain, jsLse);
        setBackend('wasm');
        for (let i = 0; i < out.size; i++) {
          const w = out.data[i]!, j = js.data[i]!;
          // float32 subnormal outputs (scale 1000) are within their absolute ulps, not relatively
          expect(Math.abs(w - j)).toBeLessThanOrEqual(Math.max(tol * Math.abs(j), dtype === 'float32' ? 2 * F32_MIN_SUBNORMAL : Number.MIN_VALUE));
        }
        for (let r = 0; r < rows; r++) {
          let total = 0;
          for (let k = 0; k < n; k++) total += out.data[r * n + k]!;
          expect(Math.abs(total - 1)).toBeLessThanOrEqual(tol * n);
          expect(lse.max.data[r]).toBe(jsLse.max.data[r]);
          expect(Math.abs(lse.logSum.data[r]! - jsLse.logSum.data[r]!)).toBeLessThanOrEqual(tol * Math.max(1, jsLse.logSum.data[r]!));
        }
      }
    }
  });

  test('float32: rows with ±Inf, NaN, ties and huge gaps give what the JavaScript loop gives, in every lane position', () => {
    const rows = [
      [Infinity, 1, 2],
      [-Infinity, -Infinity, -Infinity],
      [-Infinity, 0, -Infinity],
      [NaN, 1, 2],
      [NaN, NaN, NaN],
      [3, 3, 1],
      [5, 5, 5],
      [1000, 970, -1000],
      [1e30, -1e30, 0],
      [0.5, Infinity, Infinity],
    ];
    for (const row of rows) {
      // the row padded to every length 3..19 (so its elements land in vector lanes and in the remainder)
      for (let n = row.length; n < 20; n++) {
        const values = Array.from({ length: n }, (_, j) => (j < row.length ? row[j]! : -50 - j));
        const a = wasmZeros([n], 'float32');
        a.data.set(values, a.offset);
        const out = wasmZeros([n], 'float32');
        const lse = { max: wasmZeros([1], 'float32'), logSum: wasmZeros([1], 'float32') };
        softmax(out, a, lse);
        setBackend('js');
        const jsLse = { max: zeros([1], 'float32'), logSum: zeros([1], 'float32') };
        const js = softmax(zeros([n], 'float32'), new Tensor(Float32Array.from(values), [n]), jsLse);
        setBackend('wasm');
        const near = (w: number, j: number): boolean =>
          Number.isNaN(j) ? Number.isNaN(w) : Math.abs(w - j) <= Math.max(1e-6 * Math.abs(j), 2 * F32_MIN_SUBNORMAL);
        for (let i = 0; i < n; i++) expect([row, n, i, near(out.data[out.offset + i]!, js.data[i]!)]).toEqual([row, n, i, true]);
        expect(Object.is(lse.max.data[lse.max.offset], jsLse.max.data[0])).toBe(true);
        expect([row, n, near(lse.logSum.data[lse.logSum.offset]!, jsLse.logSum.data[0]!)]).toEqual([row, n, true]);
        for (const t of [a, out, lse.max, lse.logSum]) wasmFree(t);
      }
    }
  });

  test('out may be a; a NaN in a row makes that row NaN, as in JavaScript', () => {
    const rng = new Rng(3);
    const [a, plain] = heapAndPlain([3, 9], rng, 'float64', 5);
    a.data[a.offset + 9 + 4] = NaN;
    plain.data[9 + 4] = NaN;
    expect(softmax(a, a)).toBe(a);
    setBackend('js');
    softmax(plain, plain);
    setBackend('wasm');
    for (let i = 0; i < 27; i++) {
      const w = a.data[a.offset + i]!, j = plain.data[i]!;
      if (i >= 9 && i < 18) expect(Number.isNaN(w) && Number.isNaN(j)).toBe(true);
      else expect(Math.abs(w - j)).toBeLessThanOrEqual(1e-15 * j);
    }
  });
});

describe('tanhBackward and sigmoidBackward in wasm', () => {
  // float32: the JavaScript loop computes in float64 and rounds once; wasm
  // rounds each of its three or four float32 operations
  test.each(['float64', 'float32'] as const)('%s: equal the JavaScript kernels (float64 bit for bit, float32 to 4 ulps)', (dtype) => {
    const rng = new Rng(11);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 100, 101]) {
      for (const kernel of [tanhBackward, sigmoidBackward]) {
        const [y, yPlain] = heapAndPlain([n], rng, dtype, 1);
        const [dy, dyPlain] = heapAndPlain([n], rng, dtype, 3);
        const out = wasmZeros([n], dtype);
        const before = wasmKernelCalls();
        kernel(out, y, dy);
        expect(wasmKernelCalls() - before).toBe(1);
        const js = kernel(zeros([n], dtype), yPlain, dyPlain);
        for (let i = 0; i < n; i++) {
          if (dtype === 'float64') expect(out.data[i]).toBe(js.data[i]);
          else expect(ulpDistance32(out.data[i]!, js.data[i]!)).toBeLessThanOrEqual(4);
        }
        kernel(dy, y, dy); // out may be dy
        expect(Array.from(dy.data.subarray(dy.offset, dy.offset + n))).toEqual(Array.from(out.data.subarray(out.offset, out.offset + n)));
      }
    }
  });
});

describe('fallback', () => {
  test('an operand off the heap (or of another dtype) runs the JavaScript loop', () => {
    const a = wasmZeros([8]);
    a.data.set([0.1, -2, 3, 0.5, -0.25, 7, -1, 0]);
    const before = wasmKernelCalls();
    const plainOut = tanh(new Tensor(new Float64Array(8), [8]), a);
    expect(Array.from(plainOut.data)).toEqual(Array.from(a.data.subarray(a.offset, a.offset + 8)).map(Math.tanh));
    const mixed = exp(wasmZeros([8], 'float32'), wasmZeros([8], 'float32'));
    expect(Array.from(mixed.data)).toEqual(new Array(8).fill(1));
    const lse = { max: zeros([1]), logSum: new Tensor(new Float64Array(1), [1]) };
    softmax(wasmZeros([8]), a, lse);
    expect(wasmKernelCalls() - before).toBe(1); // only the all-float32 exp ran in wasm
    setBackend('js');
    try {
      const b = wasmZeros([4]);
      sigmoid(b, b);
      expect(wasmKernelCalls() - before).toBe(2); // on the heap: wasm, whatever the allocation default
      expect(Array.from(b.data.subarray(b.offset, b.offset + 4))).toEqual([0.5, 0.5, 0.5, 0.5]);
    } finally {
      setBackend('wasm');
    }
  });
});

describe('wasm/gen-math.mjs', () => {
  test('the generated section of kernels.wat is up to date', () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'wasm', 'gen-math.mjs');
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});

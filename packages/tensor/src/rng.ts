import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { TypedArray } from './dtype.js';
import { forEachIndex, Tensor } from './tensor.js';

/** A JSON-serialisable snapshot of an `Rng`: restoring it replays the same numbers. */
export interface RngState {
  /** The generator; always `'xoroshiro128plus'` (pure-rand's). */
  algorithm: 'xoroshiro128plus';
  /** The generator's internal state as integers (pure-rand's `getState()`). */
  state: number[];
}

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

/**
 * A seeded random number generator (xoroshiro128+ from pure-rand, 53-bit
 * uniform doubles). Every random draw in weft goes through one of these, so a
 * seed fixes a run and `getState()`/`Rng.fromState()` resume it exactly.
 */
export class Rng {
  private gen: Generator;

  /** `seed` is any safe integer; the same seed gives the same stream. */
  constructor(seed = 0) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Rng: seed must be a safe integer, got ${seed}`);
    this.gen = xoroshiro128plusFromState(seedState(seed));
  }

  /** A generator that continues from a state returned by `getState()`. */
  static fromState(state: RngState): Rng {
    if (
      state === null ||
      typeof state !== 'object' ||
      state.algorithm !== 'xoroshiro128plus' ||
      !Array.isArray(state.state) ||
      state.state.length !== 4 ||
      !state.state.every((v) => Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff)
    ) {
      throw new Error(`Rng.fromState: expected {algorithm: 'xoroshiro128plus', state: [4 integers]}, got ${JSON.stringify(state)}`);
    }
    // xoroshiro128+ maps the all-zero state to itself: every draw would be 0.
    if (state.state.every((v) => v === 0)) {
      throw new Error('Rng.fromState: the state is all zeros, which xoroshiro128+ never leaves (every draw would be 0)');
    }
    const rng = new Rng(0);
    rng.gen = xoroshiro128plusFromState(state.state);
    return rng;
  }

  /** The current state; JSON-serialisable. */
  getState(): RngState {
    return { algorithm: 'xoroshiro128plus', state: Array.from(this.gen.getState()) };
  }

  /** An independent copy that continues the same stream. */
  clone(): Rng {
    return Rng.fromState(this.getState());
  }

  /** A uniform double in [lo, hi). Throws unless lo <= hi are finite numbers with a finite hi − lo. */
  uniform(lo = 0, hi = 1): number {
    checkUniform('Rng.uniform', lo, hi);
    return lo + (hi - lo) * uniformFloat64(this.gen);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(uniformFloat64(this.gen) * n);
  }

  /**
   * A normal draw with the given mean and standard deviation (Box–Muller; uses
   * two uniforms). Throws unless mean is finite and std is finite and >= 0.
   */
  normal(mean = 0, std = 1): number {
    checkNormal('Rng.normal', mean, std);
    return this.normalDraw(mean, std);
  }

  /** {@link normal} without the argument check, for the fill loops (checked once). */
  private normalDraw(mean: number, std: number): number {
    // 1 - u keeps the log argument in (0, 1].
    const u1 = 1 - uniformFloat64(this.gen);
    const u2 = uniformFloat64(this.gen);
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fills every element of `out` with N(mean, std²) draws, in row-major order; returns `out`. */
  fillNormal<T extends Tensor | TypedArray>(out: T, mean = 0, std = 1): T {
    checkNormal('Rng.fillNormal', mean, std);
    fillWith(out, () => this.normalDraw(mean, std));
    return out;
  }

  /** Fills every element of `out` with uniform draws in [lo, hi), in row-major order; returns `out`. */
  fillUniform<T extends Tensor | TypedArray>(out: T, lo = 0, hi = 1): T {
    checkUniform('Rng.fillUniform', lo, hi);
    const span = hi - lo;
    fillWith(out, () => lo + span * uniformFloat64(this.gen));
    return out;
  }

  /**
   * Draws an index from the probability vector `p` (length n, non-negative,
   * need not sum to 1) sharpened or flattened by `temperature`:
   * P(i) ∝ p[i]^(1/temperature). Temperature 1 samples `p` itself; as it goes
   * to 0 the draw approaches argmax. Allocates nothing.
   */
  categorical(p: Tensor | TypedArray, temperature = 1): number {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new Error(`Rng.categorical: temperature must be a positive finite number, got ${temperature}`);
    }
    const { data, offset, n, step } = vectorView(p);
    if (n === 0) throw new Error('Rng.categorical: p is empty');
    const inv = 1 / temperature;
    let total = 0;
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[offset + i * step]!;
      if (!(v >= 0)) throw new Error(`Rng.categorical: p[${i}] is ${v}; probabilities must be non-negative numbers`);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
      total += inv === 1 ? v : Math.pow(v, inv);
    }
    if (!(total > 0) || !Number.isFinite(total)) {
      // Very low temperatures underflow every weight to 0 (or overflow): the limit is argmax.
      if (bestValue > 0) return best;
      throw new Error('Rng.categorical: p sums to 0');
    }
    let u = uniformFloat64(this.gen) * total;
    for (let i = 0; i < n; i++) {
      const v = data[offset + i * step]!;
      const w = inv === 1 ? v : Math.pow(v, inv);
      u -= w;
      if (u < 0) return i;
    }
    // Rounding can leave u at a hair above 0: return the last index with weight.
    for (let i = n - 1; i >= 0; i--) if (data[offset + i * step]! > 0) return i;
    return n - 1;
  }
}

/** Throws unless lo <= hi are finite numbers whose difference is finite too (else draws are ±Infinity or NaN). */
function checkUniform(who: string, lo: unknown, hi: unknown): void {
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo <= hi) || !Number.isFinite(hi - lo)) {
    throw new Error(`${who}: expected finite lo <= hi with a finite hi - lo, got lo=${String(lo)}, hi=${String(hi)}`);
  }
}

/** Throws unless mean is a finite number and std a finite number >= 0. */
function checkNormal(who: string, mean: unknown, std: unknown): void {
  if (typeof std !== 'number' || !(std >= 0) || !Number.isFinite(std)) {
    throw new Error(`${who}: std must be a finite number >= 0, got ${String(std)}`);
  }
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new Error(`${who}: mean must be a finite number, got ${String(mean)}`);
}

function vectorView(p: Tensor | TypedArray): { data: TypedArray; offset: number; n: number; step: number } {
  if (p instanceof Float64Array || p instanceof Float32Array) return { data: p, offset: 0, n: p.length, step: 1 };
  if (p.shape.length !== 1) throw new Error(`Rng.categorical: p must be a vector, got shape [${p.shape.join(',')}]`);
  return { data: p.data, offset: p.offset, n: p.shape[0]!, step: p.stride[0]! };
}

function fillWith(out: Tensor | TypedArray, draw: () => number): void {
  if (out instanceof Tensor) {
    forEachIndex(out, (at) => (out.data[at] = draw()));
  } else {
    for (let i = 0; i < out.length; i++) out[i] = draw();
  }
}

/**
 * Four well-mixed 32-bit state words from a seed. pure-rand's own
 * `xoroshiro128plus(seed)` puts the seed into the state almost unmixed, so the
 * first draws of small seeds are close to 1; SplitMix32-style hashing of
 * (seed, word index) gives every seed a full-entropy, never all-zero state.
 */
function seedState(seed: number): number[] {
  const lo = seed | 0;
  const hi = Math.floor(seed / 0x100000000) | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) words.push(mix32(lo ^ mix32(hi + i * 0x9e3779b9)));
  if (!words.some((w) => w !== 0)) words[0] = 1;
  return words;
}

/** The MurmurHash3 finaliser: a bijective avalanche of a 32-bit integer. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

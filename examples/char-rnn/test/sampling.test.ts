import { describe, expect, it } from '@jest/globals';
import { Rng } from '@weft/tensor';
import { checkSamplingOptions, createSamplingScratch, sampleToken, type SamplingOptions } from '../src/sampling.js';

const probs = Float64Array.from([0.05, 0.5, 0.15, 0.3]); // sorted: 1 (0.5), 3 (0.3), 2 (0.15), 0 (0.05)

/** How often each index is drawn in `n` samples. */
function histogram(options: SamplingOptions, n: number, seed = 7): number[] {
  const rng = new Rng(seed);
  const scratch = createSamplingScratch(probs.length);
  const counts = new Array<number>(probs.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleToken(probs, rng, options, scratch)]! += 1;
  return counts;
}

describe('sampleToken', () => {
  it('is exactly Rng.categorical when no filter is set (same draws, same rng consumption)', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const scratch = createSamplingScratch(4);
    for (const temperature of [1, 0.5, 2]) {
      for (let i = 0; i < 200; i++) {
        expect(sampleToken(probs, a, { temperature }, scratch)).toBe(b.categorical(probs, temperature));
      }
    }
    expect(a.getState()).toEqual(b.getState());
  });

  it('top-k 1 always picks the most likely token', () => {
    expect(histogram({ topK: 1 }, 500)).toEqual([0, 500, 0, 0]);
  });

  it('top-k 2 draws only the two most likely tokens, in proportion 0.5 : 0.3', () => {
    const counts = histogram({ topK: 2 }, 8000);
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    const share = counts[1]! / (counts[1]! + counts[3]!);
    expect(share).toBeGreaterThan(0.625 - 0.03); // 0.5 / 0.8
    expect(share).toBeLessThan(0.625 + 0.03);
  });

  it('top-p keeps the smallest set of most likely tokens reaching p', () => {
    expect(histogram({ topP: 0.5 }, 300)).toEqual([0, 300, 0, 0]); // 0.5 already reaches 0.5
    const c8 = histogram({ topP: 0.8 }, 3000); // 0.5 + 0.3
    expect(c8[0]).toBe(0);
    expect(c8[2]).toBe(0);
    expect(c8[1]! > 0 && c8[3]! > 0).toBe(true);
    const c9 = histogram({ topP: 0.9 }, 3000); // needs 0.5 + 0.3 + 0.15
    expect(c9[0]).toBe(0);
    expect(c9[2]).toBeGreaterThan(0);
  });

  it('applies temperature before top-p', () => {
    // T = 0.5 squares the probabilities: 0.25, 0.09, 0.0225, 0.0025 over 0.365 →
    // 0.685 (1), 0.247 (3), 0.062 (2), 0.007 (0): 0.9 is reached by {1, 3}; untempered it needs {1, 3, 2}.
    const tempered = histogram({ temperature: 0.5, topP: 0.9 }, 3000);
    expect(tempered[2]).toBe(0);
    expect(tempered[0]).toBe(0);
    expect(tempered[3]).toBeGreaterThan(0);
    expect(histogram({ topP: 0.9 }, 3000)[2]).toBeGreaterThan(0);
  });

  it('applies top-p to the distribution left by top-k', () => {
    // top-k 2 leaves 0.5 and 0.3 (renormalised 0.625, 0.375): top-p 0.6 keeps only token 1.
    expect(histogram({ topK: 2, topP: 0.6 }, 300)).toEqual([0, 300, 0, 0]);
  });

  it('does not modify the probabilities and is reproducible with the same seed', () => {
    const before = Array.from(probs);
    expect(histogram({ topK: 3, topP: 0.95, temperature: 0.8 }, 500, 11)).toEqual(
      histogram({ topK: 3, topP: 0.95, temperature: 0.8 }, 500, 11),
    );
    expect(Array.from(probs)).toEqual(before);
  });

  it('rejects scratch buffers of the wrong size', () => {
    expect(() => sampleToken(probs, new Rng(0), { topK: 2 }, createSamplingScratch(5))).toThrow(/scratch is for 5 tokens but probs has length 4/);
  });
});

describe('checkSamplingOptions', () => {
  it('accepts valid options and names the bad one otherwise', () => {
    expect(() => checkSamplingOptions({ temperature: 0.7, topK: 5, topP: 0.9 })).not.toThrow();
    expect(() => checkSamplingOptions({ temperature: 0 })).toThrow(/temperature must be a positive number, got 0/);
    expect(() => checkSamplingOptions({ temperature: Infinity })).toThrow(/temperature/);
    expect(() => checkSamplingOptions({ topK: 0 })).toThrow(/top-k must be a positive integer, got 0/);
    expect(() => checkSamplingOptions({ topK: 1.5 })).toThrow(/top-k/);
    expect(() => checkSamplingOptions({ topP: 0 })).toThrow(/top-p must be in \(0, 1\], got 0/);
    expect(() => checkSamplingOptions({ topP: 1.2 })).toThrow(/top-p/);
  });
});

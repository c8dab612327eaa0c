/** Sampling (@weft/layers): temperature, top-k, top-p, and generating ids from any one-step model. */
import { describe, expect, it } from '@jest/globals';
import { Rng, zeros, type Tensor } from '@weft/tensor';
import {
  charRnn,
  checkSamplingOptions,
  createSamplingScratch,
  generateIds,
  sampleIds,
  sampleToken,
  type SamplingOptions,
  type StepModel,
} from '@weft/layers';

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

/** A stand-in for any one-step model: p is a fixed function of the last id, and it counts its steps. */
class CountingModel implements StepModel {
  readonly batch = 1;
  steps: number[] = [];
  constructor(private readonly K: number) {}
  step(ids: Int32Array, probs: Tensor): Tensor {
    this.steps.push(ids[0]!);
    for (let i = 0; i < this.K; i++) probs.data[i] = i === (ids[0]! + 1) % this.K ? 0.7 : 0.3 / (this.K - 1);
    return probs;
  }
}

describe('generateIds / sampleIds', () => {
  it('work for any StepModel: feed the context, then draw and feed back each id but the last', () => {
    const model = new CountingModel(5);
    const ids = generateIds(model, [2, 3], 4, new Rng(1), { vocabSize: 5 });
    expect(ids.length).toBe(4);
    expect(model.steps).toEqual([2, 3, ids[0], ids[1], ids[2]]);
  });

  it('take K from a [1, K] probs buffer or from vocabSize, and need one of them', () => {
    const probs = zeros([1, 5]);
    const a = generateIds(new CountingModel(5), [0], 30, new Rng(4), { probs });
    const b = generateIds(new CountingModel(5), [0], 30, new Rng(4), { vocabSize: 5 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => generateIds(new CountingModel(5), [0], 3, new Rng(4), {})).toThrow(/vocabulary size/);
    expect(() => generateIds(new CountingModel(5), [0], 3, new Rng(4), { probs, vocabSize: 4 })).toThrow(/vocabSize is 4/);
    expect(() => generateIds(new CountingModel(5), [0], 3, new Rng(4), { probs: zeros([5]) })).toThrow(/\[1, K\]/);
  });

  it('check the model, context, length and options before drawing', () => {
    const m = charRnn({ vocabSize: 4, hidden: 3, rng: new Rng(0), batch: 2 });
    expect(() => sampleIds(m, [0], 3, new Rng(0), { vocabSize: 4 })).toThrow(/batch 1, got 2/);
    expect(() => sampleIds(new CountingModel(4), [], 3, new Rng(0), { vocabSize: 4 })).toThrow(/at least one id/);
    expect(() => sampleIds(new CountingModel(4), [0], -1, new Rng(0), { vocabSize: 4 })).toThrow(/length/);
    expect(() => sampleIds(new CountingModel(4), [0], 3, new Rng(0), { vocabSize: 4, topP: 2 })).toThrow(/top-p/);
  });

  it('with a char-RNN: same weights, state, context and seed give the same ids, drawn one by one or all at once', () => {
    const model = charRnn({ vocabSize: 7, hidden: 6, rng: new Rng(3), std: 0.5 });
    const run = (seed: number): number[] => {
      model.resetState();
      return Array.from(generateIds(model, [1, 2, 3], 50, new Rng(seed), { vocabSize: 7, temperature: 0.8, topP: 0.95 }));
    };
    const first = run(9);
    expect(run(9)).toEqual(first);
    expect(run(10)).not.toEqual(first);
    model.resetState();
    expect([...sampleIds(model, [1, 2, 3], 50, new Rng(9), { vocabSize: 7, temperature: 0.8, topP: 0.95 })]).toEqual(first);
  });

  it('without filters draw exactly rng.categorical of the model output (the reference loop)', () => {
    const model = charRnn({ vocabSize: 5, hidden: 4, rng: new Rng(8), std: 0.5 });
    const ids = Array.from(generateIds(model, [0], 20, new Rng(5), { vocabSize: 5 }));
    model.resetState();
    const rng = new Rng(5);
    const probs = zeros([1, 5]);
    const expected: number[] = [];
    let next = 0;
    for (let i = 0; i < 20; i++) {
      model.step(Int32Array.of(next), probs);
      next = rng.categorical(probs.data);
      expected.push(next);
    }
    expect(ids).toEqual(expected);
  });
});

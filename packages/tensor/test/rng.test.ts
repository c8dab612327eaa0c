/**
 * Rng: reproducibility, state round trip, distributions, categorical sampling.
 * Statistical bounds are loose (many standard errors) and the seeds are fixed,
 * so the tests are deterministic.
 */
import { Rng, rand, randn, row, tensor, transpose, zeros, type RngState } from '@weft/tensor';

/** A mixed sequence of every kind of draw, to compare two generators. */
function draws(rng: Rng, n = 50): number[] {
  const p = new Float64Array([0.1, 0.6, 0.3]);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.uniform(), rng.normal(2, 3), rng.int(7), rng.categorical(p, 0.8));
  return out;
}

/** Σ (observed − expected)² / expected over categories. */
function chiSquare(counts: number[], probs: number[], total: number): number {
  return counts.reduce((s, c, i) => s + (c - total * probs[i]!) ** 2 / (total * probs[i]!), 0);
}

describe('Rng reproducibility', () => {
  it('the same seed gives the same numbers; different seeds differ', () => {
    expect(draws(new Rng(123))).toEqual(draws(new Rng(123)));
    expect(draws(new Rng(123))).not.toEqual(draws(new Rng(124)));
    expect(new Rng().uniform()).toBe(new Rng(0).uniform());
  });

  it('gives distinct streams to small, negative and large seeds', () => {
    const seeds = [-3, -2, -1, 0, 1, 2, 3, 2 ** 31, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const firsts = seeds.map((s) => {
      const r = new Rng(s);
      return `${r.uniform()},${r.uniform()}`;
    });
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Rng(1.5)).toThrow('Rng: seed must be a safe integer, got 1.5');
    expect(() => new Rng(2 ** 60)).toThrow(/Rng: seed must be a safe integer/);
    expect(() => new Rng(NaN)).toThrow(/Rng: seed must be a safe integer, got NaN/);
  });
});

describe('Rng state', () => {
  it('getState → JSON → fromState continues identically', () => {
    const rng = new Rng(99);
    draws(rng, 17); // advance to an arbitrary point
    const saved: RngState = JSON.parse(JSON.stringify(rng.getState()));
    const resumed = Rng.fromState(saved);
    expect(draws(resumed, 200)).toEqual(draws(rng, 200));
  });

  it('getState does not advance the stream, and clone() continues independently', () => {
    const a = new Rng(5);
    a.uniform();
    const state = a.getState();
    expect(a.getState()).toEqual(state);
    const b = a.clone();
    const fromA = draws(a);
    expect(draws(b)).toEqual(fromA);
    // Advancing one does not move the other.
    const c = b.clone();
    b.uniform();
    expect(c.getState()).not.toEqual(b.getState());
  });

  it('fromState rejects foreign or corrupted states', () => {
    const good = new Rng(1).getState();
    const bad: unknown[] = [
      null,
      {},
      { ...good, algorithm: 'mt19937' },
      { ...good, state: [1, 2, 3] },
      { ...good, state: [1, 2, 3, 1.5] },
      { ...good, state: [1, 2, 3, 2 ** 40] },
      { ...good, state: 'abcd' },
    ];
    for (const s of bad) expect(() => Rng.fromState(s as RngState)).toThrow(/^Rng\.fromState: expected \{algorithm: 'xoroshiro128plus'/);
  });

  it('fromState refuses the all-zero state, from which xoroshiro128+ returns 0 forever', () => {
    for (const state of [[0, 0, 0, 0], [-0, 0, -0, 0]]) {
      expect(() => Rng.fromState({ algorithm: 'xoroshiro128plus', state })).toThrow(
        /^Rng\.fromState: the state is all zeros, which xoroshiro128\+ never leaves \(every draw would be 0\)$/,
      );
    }
    // One non-zero word is enough to be a valid state.
    const rng = Rng.fromState({ algorithm: 'xoroshiro128plus', state: [0, 0, 0, 1] });
    expect(new Set(Array.from({ length: 10 }, () => rng.uniform())).size).toBeGreaterThan(1);
  });
});

describe('Rng distributions', () => {
  it('uniform(lo, hi) stays in [lo, hi) with mean near the middle', () => {
    const rng = new Rng(7);
    let s = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.uniform(-1, 3);
      expect(u >= -1 && u < 3).toBe(true);
      s += u;
    }
    expect(Math.abs(s / 20000 - 1)).toBeLessThan(0.05); // sd of the mean ≈ 0.008
  });

  it('int(n) gives every value in [0, n) about equally often; rejects bad n', () => {
    const rng = new Rng(8);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 20000; i++) counts[rng.int(5)]!++;
    expect(chiSquare(counts, [0.2, 0.2, 0.2, 0.2, 0.2], 20000)).toBeLessThan(30); // 4 dof; p ≈ 5e-6
    expect(() => rng.int(0)).toThrow('Rng.int: n must be a positive integer, got 0');
    expect(() => rng.int(2.5)).toThrow('Rng.int: n must be a positive integer, got 2.5');
  });

  it('normal(mean, std) has that mean and std over 20k draws', () => {
    const rng = new Rng(9);
    const n = 20000;
    const xs = Array.from({ length: n }, () => rng.normal(3, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 3)).toBeLessThan(0.08); // se ≈ 0.014
    expect(Math.abs(sd - 2)).toBeLessThan(0.06); // se ≈ 0.01
    const within1 = xs.filter((x) => Math.abs(x - 3) < 2).length / n;
    expect(Math.abs(within1 - 0.6827)).toBeLessThan(0.02);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('fillNormal fills a transposed view in the view\'s row-major order', () => {
    const t = zeros([2, 3]);
    const view = transpose(t); // [3, 2], strided
    expect(new Rng(10).fillNormal(view, 1, 0.5)).toBe(view);
    const ref = new Rng(10);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(view.get(i, j)).toBe(ref.normal(1, 0.5));
    // and that is the transpose of the underlying storage
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(t.get(j, i)).toBe(view.get(i, j));
  });

  it('fillNormal / fillUniform fill typed arrays and only a row view\'s elements', () => {
    const a = new Float64Array(4);
    new Rng(11).fillUniform(a, 2, 3);
    const ref = new Rng(11);
    expect(Array.from(a)).toEqual([0, 1, 2, 3].map(() => ref.uniform(2, 3)));
    const m = zeros([3, 2]);
    new Rng(12).fillNormal(row(m, 1));
    expect([m.get(0, 0), m.get(0, 1), m.get(2, 0), m.get(2, 1)]).toEqual([0, 0, 0, 0]);
    expect(m.get(1, 0)).not.toBe(0);
  });
});

describe('Rng.categorical', () => {
  const p = [0.1, 0.2, 0.3, 0.4];

  function frequencies(rng: Rng, probs: Float64Array | ReturnType<typeof tensor>, temperature: number, n: number): number[] {
    const counts = new Array<number>(4).fill(0);
    for (let i = 0; i < n; i++) counts[rng.categorical(probs, temperature)]!++;
    return counts;
  }

  it('at temperature 1 samples p (chi-square, 3 dof)', () => {
    const counts = frequencies(new Rng(13), new Float64Array(p), 1, 20000);
    expect(chiSquare(counts, p, 20000)).toBeLessThan(25); // p-value ≈ 1.6e-5
  });

  it('at temperature 2 samples p^(1/2) normalised; unnormalised p works the same', () => {
    const w = p.map(Math.sqrt);
    const z = w.reduce((a, b) => a + b, 0);
    const counts = frequencies(new Rng(14), tensor(p.map((v) => v * 5)), 2, 20000);
    expect(chiSquare(counts, w.map((v) => v / z), 20000)).toBeLessThan(25);
  });

  it('approaches argmax as the temperature goes to 0 (also when every weight underflows)', () => {
    const q = new Float64Array([0.2, 0.5, 0.3]);
    const rng = new Rng(15);
    for (const t of [0.01, 1e-3, 1e-300]) {
      for (let i = 0; i < 200; i++) expect(rng.categorical(q, t)).toBe(1);
    }
  });

  it('reads strided vectors (a column of a matrix) and float32 data', () => {
    // Column 1 of m is [0, 0, 1]: only index 2 has weight.
    const m = tensor([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    const column = row(transpose(m), 1);
    expect(column.isContiguous).toBe(false);
    const rng = new Rng(16);
    for (let i = 0; i < 50; i++) expect(rng.categorical(column)).toBe(2);
    expect(rng.categorical(new Float32Array([0, 0, 3]))).toBe(2);
  });

  it('rejects invalid temperatures and probability vectors', () => {
    const rng = new Rng(17);
    const q = new Float64Array([0.5, 0.5]);
    for (const t of [0, -1, NaN, Infinity]) {
      expect(() => rng.categorical(q, t)).toThrow(`Rng.categorical: temperature must be a positive finite number, got ${t}`);
    }
    expect(() => rng.categorical(new Float64Array([0.5, -0.1]))).toThrow(
      'Rng.categorical: p[1] is -0.1; probabilities must be non-negative numbers',
    );
    expect(() => rng.categorical(new Float64Array([NaN, 1]))).toThrow('Rng.categorical: p[0] is NaN');
    expect(() => rng.categorical(new Float64Array([0, 0]))).toThrow('Rng.categorical: p sums to 0');
    expect(() => rng.categorical(new Float64Array(0))).toThrow('Rng.categorical: p is empty');
    expect(() => rng.categorical(zeros([2, 2]))).toThrow('Rng.categorical: p must be a vector, got shape [2,2]');
  });
});

describe('Rng: bad distribution parameters throw instead of drawing nonsense', () => {
  const rng = new Rng(5);

  it('uniform: lo > hi, non-finite bounds, or a span that overflows', () => {
    const cases: Array<[number, number]> = [[5, 1], [NaN, 1], [0, NaN], [-Infinity, 0], [0, Infinity], [-Number.MAX_VALUE, Number.MAX_VALUE]];
    for (const [lo, hi] of cases) {
      expect(() => rng.uniform(lo, hi)).toThrow(`Rng.uniform: expected finite lo <= hi with a finite hi - lo, got lo=${lo}, hi=${hi}`);
    }
    expect(() => rng.uniform('0' as unknown as number, 1)).toThrow(/^Rng\.uniform: expected finite lo <= hi/);
    expect(rng.uniform(2, 2)).toBe(2); // an empty interval [2, 2) still has its one point
  });

  it('normal: std < 0, non-finite std or mean', () => {
    for (const std of [-1, NaN, Infinity]) expect(() => rng.normal(0, std)).toThrow(`Rng.normal: std must be a finite number >= 0, got ${std}`);
    for (const mean of [NaN, -Infinity]) expect(() => rng.normal(mean, 1)).toThrow(`Rng.normal: mean must be a finite number, got ${mean}`);
    expect(rng.normal(3, 0)).toBe(3);
  });

  it('fillUniform / fillNormal / rand / randn check before writing anything', () => {
    const t = zeros([2, 3]);
    const before = rng.getState();
    expect(() => rng.fillUniform(t, 1, 0)).toThrow('Rng.fillUniform: expected finite lo <= hi with a finite hi - lo, got lo=1, hi=0');
    expect(() => rng.fillNormal(t, 0, -2)).toThrow('Rng.fillNormal: std must be a finite number >= 0, got -2');
    expect(() => rng.fillNormal(new Float64Array(3), NaN)).toThrow('Rng.fillNormal: mean must be a finite number, got NaN');
    expect(Array.from(t.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rng.getState()).toEqual(before); // no draw was consumed
    expect(() => rand([2], rng, 0, Infinity)).toThrow(/^Rng\.fillUniform: expected finite lo <= hi/);
    expect(() => randn([2], rng, 0, -0.01)).toThrow('Rng.fillNormal: std must be a finite number >= 0, got -0.01');
  });
});

describe('Rng.setState', () => {
  it('continues in place from a saved state (holders of the object see it); refuses a bad state without changing', () => {
    const a = new Rng(11);
    a.uniform();
    const saved = a.getState();
    const expected = [a.uniform(), a.uniform()];
    const b = new Rng(99);
    const holder = { rng: b };
    expect(b.setState(saved)).toBe(b);
    expect([holder.rng.uniform(), holder.rng.uniform()]).toEqual(expected);
    const before = b.getState();
    expect(() => b.setState({ algorithm: 'xoroshiro128plus', state: [0, 0, 0, 0] })).toThrow('the state is all zeros');
    expect(b.getState()).toEqual(before);
  });
});

/** Learning-rate schedules against values computed by hand. */
import { cosineSchedule, SGD, stepDecay } from '@weft/optim';
import { Quadratic } from './problems.js';

describe('stepDecay', () => {
  it('multiplies by factor once per epoch (char-rnn: 0.97)', () => {
    const lr = stepDecay({ initial: 0.002, factor: 0.97 });
    expect(lr(0)).toBe(0.002);
    expect(lr(1)).toBe(0.002 * 0.97);
    expect(lr(2)).toBe(0.002 * 0.97 * 0.97);
    expect(lr(2.9)).toBe(lr(2));
  });

  it('decays every `every` epochs', () => {
    const lr = stepDecay({ initial: 1, factor: 0.5, every: 3 });
    expect([0, 1, 2, 3, 5, 6, 9].map(lr)).toEqual([1, 1, 1, 0.5, 0.5, 0.25, 0.125]);
  });

  it('drives an optimizer through its lr setter', () => {
    const opt = new SGD(Quadratic.start(), { lr: 0.1 });
    const lr = stepDecay({ initial: 0.1, factor: 0.5 });
    opt.lr = lr(2);
    expect(opt.lr).toBe(0.025);
  });

  it('rejects bad options and epochs', () => {
    expect(() => stepDecay({ initial: 0, factor: 0.9 })).toThrow('stepDecay: initial must be a finite number > 0, got 0');
    expect(() => stepDecay({ initial: 1, factor: 0 })).toThrow('stepDecay: factor must be a finite number > 0, got 0');
    expect(() => stepDecay({ initial: 1, factor: NaN })).toThrow('stepDecay: factor must be a finite number > 0, got NaN');
    expect(() => stepDecay({ initial: 1, factor: 0.9, every: 0 })).toThrow('stepDecay: every must be an integer >= 1, got 0');
    expect(() => stepDecay({ initial: 1, factor: 0.9, every: 1.5 })).toThrow('stepDecay: every must be an integer >= 1, got 1.5');
    expect(() => stepDecay({ initial: 1, factor: 0.9 })(-1)).toThrow('stepDecay: epoch must be a finite number >= 0, got -1');
    expect(() => stepDecay({ initial: 1, factor: 0.9 })(NaN)).toThrow('stepDecay: epoch must be a finite number >= 0, got NaN');
  });
});

describe('cosineSchedule', () => {
  it('falls from initial to min along half a cosine, then stays at min', () => {
    const lr = cosineSchedule({ initial: 1, min: 0.1, total: 10 });
    expect(lr(0)).toBe(1);
    expect(lr(5)).toBeCloseTo(0.55, 15);
    expect(lr(2.5)).toBeCloseTo(0.1 + (0.9 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(lr(10)).toBeCloseTo(0.1, 15);
    expect(lr(25)).toBeCloseTo(0.1, 15);
    for (let t = 1; t <= 10; t++) expect(lr(t)).toBeLessThan(lr(t - 1));
  });

  it('defaults min to 0', () => {
    const lr = cosineSchedule({ initial: 0.2, total: 4 });
    expect(lr(2)).toBeCloseTo(0.1, 15);
    expect(lr(4)).toBeCloseTo(0, 15);
  });

  it('rejects bad options and times', () => {
    expect(() => cosineSchedule({ initial: 1, min: 2, total: 10 })).toThrow('cosineSchedule: min must be <= initial, got min 2 and initial 1');
    expect(() => cosineSchedule({ initial: 1, min: -1, total: 10 })).toThrow('cosineSchedule: min must be a finite number >= 0, got -1');
    expect(() => cosineSchedule({ initial: 1, total: 0 })).toThrow('cosineSchedule: total must be an integer >= 1, got 0');
    expect(() => cosineSchedule({ initial: -1, total: 5 })).toThrow('cosineSchedule: initial must be a finite number > 0, got -1');
    expect(() => cosineSchedule({ initial: 1, total: 5 })(-2)).toThrow('cosineSchedule: t must be a finite number >= 0, got -2');
  });
});

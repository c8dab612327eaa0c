import { checkNonNegative, checkPositive, checkPositiveInteger, describe } from './validate.js';

/** A learning-rate schedule: the rate for an epoch or update number (>= 0). */
export type Schedule = (t: number) => number;

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** The rate at epoch 0, finite > 0. */
  initial: number;
  /** Multiplier applied every `every` epochs, finite > 0 (char-rnn: 0.97). */
  factor: number;
  /** Epochs between decays, an integer >= 1. Default 1. */
  every?: number;
}

/**
 * Step decay: `lr(epoch) = initial · factor^floor(epoch / every)`; e.g. char-rnn's
 * `stepDecay({ initial: 0.002, factor: 0.97 })` multiplies the rate by 0.97 per epoch.
 * Use it as `opt.lr = schedule(epoch)`.
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const who = 'stepDecay';
  if (options === null || typeof options !== 'object') throw new Error(`${who}: options must be { initial, factor, every? }, got ${describe(options)}`);
  const initial = checkPositive(who, 'initial', options.initial);
  const factor = checkPositive(who, 'factor', options.factor);
  const every = checkPositiveInteger(who, 'every', options.every ?? 1);
  return (epoch: number): number => {
    checkTime(who, 'epoch', epoch);
    return initial * Math.pow(factor, Math.floor(epoch / every));
  };
}

/** Options of {@link cosineSchedule}. */
export interface CosineScheduleOptions {
  /** The rate at t = 0, finite > 0. */
  initial: number;
  /** The rate from t = total on, in [0, initial]. Default 0. */
  min?: number;
  /** Length of the decay, an integer >= 1. */
  total: number;
}

/**
 * Cosine annealing (Loshchilov & Hutter's SGDR without restarts):
 * `lr(t) = min + (initial − min) · (1 + cos(π · t / total)) / 2` for 0 <= t <= total,
 * and `min` after `total`.
 */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const who = 'cosineSchedule';
  if (options === null || typeof options !== 'object') throw new Error(`${who}: options must be { initial, min?, total }, got ${describe(options)}`);
  const initial = checkPositive(who, 'initial', options.initial);
  const min = checkNonNegative(who, 'min', options.min ?? 0);
  if (min > initial) throw new Error(`${who}: min must be <= initial, got min ${min} and initial ${initial}`);
  const total = checkPositiveInteger(who, 'total', options.total);
  return (t: number): number => {
    checkTime(who, 't', t);
    const progress = Math.min(t, total) / total;
    return min + ((initial - min) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

function checkTime(who: string, name: string, t: unknown): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw new Error(`${who}: ${name} must be a finite number >= 0, got ${describe(t)}`);
  }
}

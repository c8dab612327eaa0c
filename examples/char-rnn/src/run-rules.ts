/**
 * The rules of a training run that the CLI and the browser page share (no
 * `node:` imports): how a training-time sample is seeded, when a run has
 * diverged, and an optimizer step that turns a refused non-finite gradient
 * into divergence.
 */
import type { Optimizer } from '@weft/optim';

/**
 * The seed of the generator that draws a training-time sample: a hash of the
 * run's seed and the update. Samples never touch the training generator, so
 * they cannot change the run, and a resumed run draws the same samples as an
 * uninterrupted one. `update` −1 is used for the best model's text.
 */
export function samplingSeed(seed: number, update: number): number {
  let h = Math.imul((seed | 0) ^ 0x5bd1e995, 0x9e3779b1) ^ Math.floor(seed / 0x100000000);
  h = Math.imul(h ^ (update | 0) ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Why the loss of update `at` means the run diverged (as Karpathy's char-rnn
 * decides: not finite, or above three times the first loss), or null.
 */
export function lossDivergence(loss: number, initialLoss: number, at: number): string | null {
  if (!Number.isFinite(loss)) return `the loss became ${loss} at update ${at}`;
  if (loss > 3 * initialLoss) {
    return `the loss rose to ${loss.toPrecision(4)} at update ${at}, more than three times the initial loss ${initialLoss.toFixed(2)}`;
  }
  return null;
}

/**
 * `optimizer.step()`, with @weft/optim's refusal of a non-finite gradient
 * reported as divergence (a message) instead of thrown; null when it stepped.
 * Any other error is a bug and is rethrown.
 */
export function stepOrDiverge(optimizer: Optimizer, at: number): string | null {
  try {
    optimizer.step();
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/finite|NaN|Infinity/i.test(message)) throw error;
    return `the optimizer refused update ${at} (${message})`;
  }
}

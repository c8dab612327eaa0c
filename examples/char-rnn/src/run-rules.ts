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
 * How many characters a divergence decision looks at: Karpathy's char-rnn
 * tests the loss of one batch, 50 sequences of 50 characters. One window of a
 * batch-1 run is 25 characters, and its loss alone swings far on hard text
 * early in a run: on alice.txt (seed 1) update 91's window costs 2.0× the
 * initial loss in float64 and 3.06× in float32, one update after the loss
 * was 0.8× and one before it is 1.0× again — no divergence at all.
 */
export const DIVERGENCE_CHARACTERS = 2500;

/**
 * The divergence rule of a run (as Karpathy's char-rnn decides): a loss that
 * is not finite, or a loss above three times the run's first, measured as
 * the mean of the last ⌈2500 / (T·B)⌉ updates' losses (at least
 * {@link DIVERGENCE_CHARACTERS} characters; 100 updates at T = 25, B = 1,
 * 4 at B = 32). Until that many updates have been seen, the missing ones
 * count as `start` (the first loss of a run, or the smooth loss a resumed run
 * continues from), so neither the first updates nor those after a resume
 * decide on one window. Keeps O(window) numbers; nothing to checkpoint.
 */
export class DivergenceWatch {
  /** The number of updates averaged. */
  readonly window: number;
  private readonly recent: Float64Array;
  private next = 0;
  private sum = NaN;

  /** `charactersPerUpdate`: T·B. `start`: what the window holds before any update (default: the first loss checked). */
  constructor(charactersPerUpdate: number, private start?: number) {
    if (!(Number.isInteger(charactersPerUpdate) && charactersPerUpdate >= 1)) {
      throw new Error(`DivergenceWatch: characters per update must be a positive integer, got ${charactersPerUpdate}`);
    }
    this.window = Math.ceil(DIVERGENCE_CHARACTERS / charactersPerUpdate);
    this.recent = new Float64Array(this.window);
  }

  /** Why the loss of update `at` means the run diverged, or null; a finite loss is recorded. */
  check(loss: number, initialLoss: number, at: number): string | null {
    if (!Number.isFinite(loss)) return `the loss became ${loss} at update ${at}`;
    if (Number.isNaN(this.sum)) {
      const start = this.start !== undefined && Number.isFinite(this.start) ? this.start : loss;
      this.recent.fill(start);
      this.sum = start * this.window;
    }
    this.sum += loss - this.recent[this.next]!;
    this.recent[this.next] = loss;
    this.next = (this.next + 1) % this.window;
    const mean = this.sum / this.window;
    if (mean > 3 * initialLoss) {
      const over = this.window === 1 ? '' : ` (the mean of the last ${this.window} updates)`;
      return `the loss rose to ${mean.toPrecision(4)}${over} at update ${at}, more than three times the initial loss ${initialLoss.toFixed(2)}`;
    }
    return null;
  }
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

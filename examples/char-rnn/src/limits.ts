/**
 * The sizes char-rnn accepts, checked before anything is allocated, so that
 * an impossible request is a one-line error instead of a crash or a machine
 * that swaps for minutes. docs/reliability.md lists them.
 */
import { totalmem } from 'node:os';
import type { OptimizerName } from './config.js';
import { UserError } from './errors.js';

/** The largest text `--data` may name: 512 MiB (its ids take at most as much again when K ≤ 256). */
export const MAX_TEXT_BYTES = 512 * 1024 * 1024;

/** The largest checkpoint file read: 2 GiB. */
export const MAX_CHECKPOINT_BYTES = 2 * 1024 * 1024 * 1024;

export { MAX_SAMPLE_LENGTH } from './config.js';

/** The most entries one weight matrix may have (2^28: 2 GiB of float64). */
export const MAX_TENSOR_ENTRIES = 2 ** 28;

/** Optimizer state tensors per parameter. */
const OPTIMIZER_SLOTS: Record<OptimizerName, number> = { sgd: 1, adagrad: 1, rmsprop: 1, adam: 2 };

/**
 * Bytes a model of `hidden` units over `vocabSize` characters needs while
 * training, roughly: weights, gradients and optimizer state, three copies
 * while a checkpoint is encoded, and the per-step caches of a window.
 */
export function trainingBytes(o: { hidden: number; vocabSize: number; batch: number; seqLength: number; optimizer: OptimizerName }): number {
  const { hidden: m, vocabSize: K, batch: B, seqLength: T } = o;
  const weights = 2 * m * K + m * m + m + K;
  const copies = 2 + OPTIMIZER_SLOTS[o.optimizer] + 3;
  return 8 * (weights * copies + T * B * (3 * m + 3 * K));
}

/** The memory a run may plan to use: half of this machine's. */
export function memoryBudget(): number {
  return totalmem() / 2;
}

/**
 * Throws `UserError` when a model of this size cannot be trained here: a
 * weight matrix over MAX_TENSOR_ENTRIES, or more than half of the machine's
 * memory. `what` names the flag to change (`--hidden 30000`).
 */
export function checkModelSize(o: { hidden: number; vocabSize: number; batch: number; seqLength: number; optimizer: OptimizerName }, what: string): void {
  const { hidden: m, vocabSize: K } = o;
  const largest = Math.max(m * K, m * m);
  const need = trainingBytes(o);
  const budget = memoryBudget();
  if (largest > MAX_TENSOR_ENTRIES || need > budget) {
    throw new UserError(
      `${what} with ${K} characters needs about ${formatBytes(need)} of memory (weights, gradients, optimizer state, checkpoint buffers)` +
        `${largest > MAX_TENSOR_ENTRIES ? `, and a weight matrix of ${largest.toLocaleString('en-US')} entries (at most ${MAX_TENSOR_ENTRIES.toLocaleString('en-US')})` : ''}` +
        `; this machine allows ${formatBytes(budget)} (half its memory): use a smaller --hidden`,
    );
  }
}

/** `1.5 GB`, `312 MB`, `20 kB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

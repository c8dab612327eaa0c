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

/** The size of a model to check: `cell` and `layers` default to the report's one-layer vanilla RNN. */
export interface ModelSize {
  hidden: number;
  vocabSize: number;
  batch: number;
  seqLength: number;
  optimizer: OptimizerName;
  cell?: 'rnn' | 'lstm' | 'gru';
  layers?: number;
}

/** Gate blocks per cell: each is an [m, in] and an [m, m] matrix and two biases. */
const GATES = { rnn: 1, gru: 3, lstm: 4 } as const;

/** The entries of a model's weights, and of its largest matrix. */
function weightEntries(o: ModelSize): { total: number; largest: number } {
  const { hidden: m, vocabSize: K } = o;
  const g = GATES[o.cell ?? 'rnn'];
  let total = K * m + K; // the output layer V, c
  let largest = K * m;
  for (let l = 0; l < (o.layers ?? 1); l++) {
    const inputs = l === 0 ? K : m;
    total += g * (m * inputs + m * m + 2 * m);
    largest = Math.max(largest, g * m * inputs, g * m * m);
  }
  return { total, largest };
}

/**
 * Bytes a model needs while training, roughly: weights, gradients and
 * optimizer state, three copies while a checkpoint is encoded, and the
 * per-step caches of a window.
 */
export function trainingBytes(o: ModelSize): number {
  const { hidden: m, vocabSize: K, batch: B, seqLength: T } = o;
  const copies = 2 + OPTIMIZER_SLOTS[o.optimizer] + 3;
  const perStep = (3 * GATES[o.cell ?? 'rnn'] * m + 2 * m) * (o.layers ?? 1) + 3 * K;
  return 8 * (weightEntries(o).total * copies + T * B * perStep);
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
export function checkModelSize(o: ModelSize, what: string): void {
  const K = o.vocabSize;
  const { largest } = weightEntries(o);
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

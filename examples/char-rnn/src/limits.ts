/**
 * The sizes char-rnn accepts, checked before anything is allocated, so that
 * an impossible request is a one-line error instead of a crash or a machine
 * that swaps for minutes. docs/reliability.md lists them.
 */
import { totalmem } from 'node:os';
import type { CellName, OptimizerName } from './config.js';
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

/** The size of a model: hidden units, characters, and (default rnn, 1 layer) its cell and layers. */
export interface ModelSize {
  hidden: number;
  vocabSize: number;
  batch: number;
  seqLength: number;
  optimizer: OptimizerName;
  cell?: CellName;
  layers?: number;
}

/** Gate blocks per cell: an LSTM's weights are 4 stacked [m, ·] blocks, a GRU's 3. */
const GATES: Record<CellName, number> = { rnn: 1, lstm: 4, gru: 3 };

/** The largest weight matrix of the model, in entries. */
function largestMatrix(o: ModelSize): number {
  const G = GATES[o.cell ?? 'rnn'];
  return Math.max(G * o.hidden * o.vocabSize, G * o.hidden * o.hidden, o.vocabSize * o.hidden);
}

/**
 * Bytes a model of `hidden` units over `vocabSize` characters needs while
 * training, roughly: weights, gradients and optimizer state, three copies
 * while a checkpoint is encoded, and the per-step caches of a window. An LSTM
 * or GRU has 4 or 3 times the recurrent weights and caches of the report's
 * RNN, per layer.
 */
export function trainingBytes(o: ModelSize): number {
  const { hidden: m, vocabSize: K, batch: B, seqLength: T } = o;
  const G = GATES[o.cell ?? 'rnn'];
  const L = o.layers ?? 1;
  // Layer 0 reads one-hot characters (G·m·K), the others the layer below (G·m·m); each has G·m·m recurrent weights.
  const biases = o.cell === undefined || o.cell === 'rnn' ? 1 : 2; // b; or bias_ih and bias_hh
  const weights = G * m * K + (L - 1) * G * m * m + L * (G * m * m + biases * G * m) + K * m + K;
  const copies = 2 + OPTIMIZER_SLOTS[o.optimizer] + 3;
  return 8 * (weights * copies + T * B * (L * (G + 2) * m + 3 * K));
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
  const { vocabSize: K } = o;
  const largest = largestMatrix(o);
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

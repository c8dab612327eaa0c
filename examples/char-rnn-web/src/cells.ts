/**
 * The recurrent cells the page offers: every cell of @weft/layers' charRnn,
 * with 1–3 stacked layers (the page builds its <select>s from this list, so a
 * new entry needs no HTML). The model itself is built by the CLI's own
 * `modelForConfig` (@weft/char-rnn-example/model-checkpoint).
 */
import type { CellName } from '@weft/layers';

export interface CellKind {
  /** The value stored in settings and checkpoints (`--cell` of the CLI). */
  id: CellName;
  /** What the page shows. */
  label: string;
  /** The layer counts the page offers for this cell. */
  layers: readonly number[];
}

export const CELLS: readonly CellKind[] = [
  { id: 'rnn', label: 'RNN (tanh), the report’s', layers: [1, 2, 3] },
  { id: 'lstm', label: 'LSTM', layers: [1, 2, 3] },
  { id: 'gru', label: 'GRU', layers: [1, 2, 3] },
];

/** The cell named `id`; throws listing the known ones. */
export function cellKind(id: string): CellKind {
  const cell = CELLS.find((c) => c.id === id);
  if (!cell) throw new Error(`unknown cell ${JSON.stringify(id)}; this page knows ${CELLS.map((c) => c.id).join(', ')}`);
  return cell;
}

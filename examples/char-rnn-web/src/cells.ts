/**
 * The recurrent cells the page offers. Only the vanilla RNN exists today; the
 * LSTM and GRU cells are being added to @weft/layers, and each becomes one
 * entry here and one case in cell-models.ts (the page builds its <select>
 * from this list, so no HTML changes).
 */
export interface CellKind {
  /** The value stored in settings and sent to the worker. */
  id: string;
  /** What the page shows. */
  label: string;
  /** The layer counts this cell supports. */
  layers: readonly number[];
}

export const CELLS: readonly CellKind[] = [{ id: 'rnn', label: 'RNN (tanh), the report’s', layers: [1] }];

/** The cell named `id`; throws listing the known ones. */
export function cellKind(id: string): CellKind {
  const cell = CELLS.find((c) => c.id === id);
  if (!cell) throw new Error(`unknown cell ${JSON.stringify(id)}; this page knows ${CELLS.map((c) => c.id).join(', ')}`);
  return cell;
}

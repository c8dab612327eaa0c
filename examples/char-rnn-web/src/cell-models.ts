/** Builds the model of a cell from cells.ts (in the worker; the page only needs the list). */
import { charRnn, type CharRnnModel } from '@weft/layers';
import type { Rng } from '@weft/tensor';
import { cellKind } from './cells.js';

export interface ModelOptions {
  vocabSize: number;
  hidden: number;
  layers: number;
  /** Draws the initial weights. */
  rng: Rng;
}

/** A batch-1 model of cell `id`; throws on an unknown cell or layer count. */
export function createModel(id: string, o: ModelOptions): CharRnnModel {
  const kind = cellKind(id);
  if (!kind.layers.includes(o.layers)) throw new Error(`the ${kind.id} cell supports ${kind.layers.join(', ')} layer(s), got ${o.layers}`);
  switch (kind.id) {
    case 'rnn':
      return charRnn({ vocabSize: o.vocabSize, hidden: o.hidden, rng: o.rng });
    default:
      throw new Error(`no model for cell ${kind.id}`);
  }
}

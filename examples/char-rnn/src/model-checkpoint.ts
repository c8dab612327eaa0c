/**
 * Between a checkpoint and a live model: build the checkpoint's architecture,
 * copy the saved weights in (`loadStateDict`), restore the carried states, or
 * build a batch-1 model for sampling. Shared by `train` and `sample`.
 */
import { charRnn, loadStateDict, type CharRnnModel } from '@weft/layers';
import { copy, reshape, row, Rng, type Tensor } from '@weft/tensor';
import { checkpointStates, type CharRnnCheckpoint } from './checkpoint-codec.js';
import { withModelDefaults } from './config.js';

/**
 * A batch-1 model of the checkpoint's architecture (cell, layers, hidden,
 * vocabulary, dropout) with a copy of its weights, whose states (every layer's
 * h, and c for an LSTM) are the checkpoint's states of stream 0 (row 0 of each [B, m]).
 */
export function modelFromCheckpoint(ckpt: CharRnnCheckpoint): CharRnnModel {
  const c = withModelDefaults(ckpt.config);
  // The rng only fills the initial weights, which are overwritten at once (and sampling draws no dropout mask).
  const model = charRnn({ vocabSize: ckpt.vocab.length, hidden: c.hidden, rng: new Rng(0), cell: c.cell, layers: c.layers, dropout: c.dropout });
  copyParams(model, ckpt);
  copyStreamStates(model, checkpointStates(ckpt), 0);
  return model;
}

/** Copies every parameter of the checkpoint into the model's parameter of the same name (names and shapes must agree). */
export function copyParams(model: CharRnnModel, ckpt: CharRnnCheckpoint): void {
  loadStateDict(model, ckpt.params);
}

/** Copies the carried states `[B, m]` of `from` (by state name) into a model of the same batch. */
export function copyStates(model: CharRnnModel, from: Readonly<Record<string, Tensor>>): void {
  for (const name of model.stateNames) {
    const source = from[name];
    if (source === undefined) throw new Error(`copyStates: no state named ${name}`);
    copy(model.states[name]!, source);
  }
}

/** Sets every state of the batch-1 `model` to row `stream` of the same state `[B, m]` in `from`. */
export function copyStreamStates(model: CharRnnModel, from: Readonly<Record<string, Tensor>>, stream: number): void {
  const m = model.architecture.hidden;
  for (const name of model.stateNames) {
    const source = from[name];
    if (source === undefined) throw new Error(`copyStreamStates: no state named ${name}`);
    copy(reshape(model.states[name]!, [m]), row(source, stream));
  }
}

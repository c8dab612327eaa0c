/**
 * Between a config or checkpoint and a live model: build the architecture a
 * run's config describes, copy the saved weights in (`loadStateDict`), restore
 * the carried states and the run's random generator, or build a batch-1 model
 * for sampling. Shared by `train`, `sample` and the browser page
 * (examples/char-rnn-web): browser-safe, no `node:` imports.
 */
import { charRnn, generateIds, loadStateDict, type CharRnnModel, type SamplingOptions } from '@weft/layers';
import { copy, reshape, row, Rng, type RngState, type Tensor } from '@weft/tensor';
import { checkpointStates, type CharRnnCheckpoint } from './checkpoint-codec.js';
import { configDtype, withModelDefaults, type TrainConfig } from './config.js';

/**
 * The model of a run's config (cell, layers, hidden, dropout, dtype; rnn, 1,
 * 0, float64 when absent) for a vocabulary of `vocabSize`, as `char-rnn train` builds it: the
 * weights are drawn from `rng` layer by layer, and the model keeps `rng` for
 * its dropout masks (so pass the run's generator).
 */
export function modelForConfig(config: TrainConfig, vocabSize: number, rng: Rng, batch = config.batch): CharRnnModel {
  const c = withModelDefaults(config);
  return charRnn({ vocabSize, hidden: c.hidden, rng, batch, cell: c.cell, layers: c.layers, dropout: c.dropout, dtype: configDtype(c) });
}

/**
 * Sets `rng` (the object a model holds for its dropout masks) to `state`.
 * @weft/tensor's Rng has no setter; its only field is the generator, which
 * `Rng.fromState` builds, so it is copied over.
 */
export function restoreRng(rng: Rng, state: RngState): void {
  Object.assign(rng, Rng.fromState(state));
}

/**
 * A batch-1 model of the checkpoint's architecture (cell, layers, hidden,
 * vocabulary, dropout) with a copy of its weights, whose states (every layer's
 * h, and c for an LSTM) are the checkpoint's states of stream 0 (row 0 of each [B, m]).
 */
export function modelFromCheckpoint(ckpt: CharRnnCheckpoint): CharRnnModel {
  // The rng only fills the initial weights, which are overwritten at once (and sampling draws no dropout mask).
  const model = modelForConfig(ckpt.config, ckpt.vocab.length, new Rng(0), 1);
  copyParams(model, ckpt);
  copyStreamStates(model, checkpointStates(ckpt), 0);
  return model;
}

/**
 * What `char-rnn sample` draws from a checkpoint: `length` ids after
 * `context` (the prime, or one random character), fed from the checkpoint's
 * states of stream 0 on a batch-1 model of its architecture, on the current backend.
 */
export function generateFromCheckpoint(ckpt: CharRnnCheckpoint, context: Int32Array, length: number, rng: Rng, sampling: SamplingOptions): Int32Array {
  return generateIds(modelFromCheckpoint(ckpt), context, length, rng, { ...sampling, vocabSize: ckpt.vocab.length });
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

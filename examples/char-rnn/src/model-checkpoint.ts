/**
 * Between a checkpoint and a live model: copy the saved weights into a model,
 * or build a batch-1 model for sampling. Shared by `train` and `sample`.
 */
import { charRnn, type CharRnnModel } from '@weft/layers';
import { copy, reshape, row, Rng } from '@weft/tensor';
import { PARAM_NAMES, type CharRnnCheckpoint } from './checkpoint-codec.js';

/**
 * A batch-1 model with the checkpoint's hidden size, vocabulary and a copy of
 * its weights (U, W, V, b, c), whose hidden state is the checkpoint's h of
 * stream 0 (row 0 of h [B, m]).
 */
export function modelFromCheckpoint(ckpt: CharRnnCheckpoint): CharRnnModel {
  // The rng only fills the initial weights, which are overwritten at once.
  const model = charRnn({ vocabSize: ckpt.vocab.length, hidden: ckpt.config.hidden, rng: new Rng(0) });
  copyParams(model, ckpt);
  copy(reshape(model.state, [ckpt.config.hidden]), row(ckpt.h, 0));
  return model;
}

/** Copies the checkpoint's U, W, V, b, c into the model's parameters of the same names (shapes must agree). */
export function copyParams(model: CharRnnModel, ckpt: CharRnnCheckpoint): void {
  const params = model.parameters();
  for (const name of PARAM_NAMES) {
    const param = params.find((p) => p.name === name);
    if (!param) throw new Error(`copyParams: the model has no parameter named ${name}`);
    copy(param.value, ckpt.params[name]);
  }
}

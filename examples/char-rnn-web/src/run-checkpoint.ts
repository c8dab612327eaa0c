/**
 * The run state a char-rnn checkpoint holds: the same fields as the CLI's
 * `CharRnnCheckpoint` (examples/char-rnn, docs/checkpoint-format.md), so the
 * page writes files the CLI reads and the other way round.
 */
import type { RngState, Tensor } from '@weft/tensor';

/** The CLI's `TrainConfig`: the run's settings, stored as the checkpoint's `config`. */
export interface RunConfig {
  hidden: number;
  seqLength: number;
  lr: number;
  optimizer: 'adagrad' | 'sgd' | 'rmsprop' | 'adam';
  clip: number;
  epochs: number;
  updates?: number;
  batch: number;
  seed: number;
  logEvery: number;
  sampleEvery: number;
  sampleLength: number;
  checkpointEvery?: number;
  backend: 'wasm' | 'js';
}

export interface RunCheckpoint {
  params: { U: Tensor; W: Tensor; V: Tensor; b: Tensor; c: Tensor };
  /** Hidden state [B, m]. */
  h: Tensor;
  /** The optimizer's `stateDict()`. */
  optimizer: Record<string, Tensor>;
  vocab: string[];
  config: RunConfig;
  update: number;
  epoch: number;
  position: number | number[];
  smoothLoss: number;
  rng: RngState;
  bestSmoothLoss?: number;
}

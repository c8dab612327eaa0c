/**
 * weft's char-RNN training update, exactly as examples/char-rnn runs it:
 * `charRnn` from @weft/layers and `AdaGrad` from @weft/optim with
 * `clipValue: 5` (clip, accumulate and update fused into one pass).
 *
 * `backend: 'wasm'` turns on @weft/tensor's WebAssembly backend BEFORE the
 * model is built, so its parameters and buffers are allocated on the
 * WebAssembly heap and the matrix kernels run in WebAssembly SIMD; 'js' keeps
 * everything in ordinary typed arrays and pure-JS kernels. `dtype: 'float32'`
 * builds the model in float32 (the f32x4 kernels on wasm).
 */
import { charRnn, type CharRnnModel } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
import { isWasmTensor, Rng, withBackend, type Backend, type DType } from '@weft/tensor';
import { SequenceReader, type BenchCorpus } from './corpus.js';

/** The report's hyperparameters. */
export const HIDDEN = 100;
export const SEQ_LENGTH = 25;
export const LR = 0.1;
export const EPS = 1e-8;
export const CLIP = 5;

/** Options of {@link WeftTrainer}. */
export interface WeftTrainerOptions {
  batch: number;
  backend: Backend;
  seed?: number;
  /** The model's dtype (parameters, buffers, optimizer state); default 'float64'. */
  dtype?: DType;
}

/** A weft model, optimizer and data reader, ready to run updates. */
export class WeftTrainer {
  readonly model: CharRnnModel;
  /** The backend actually in effect ('js' when wasm was asked for but is unavailable). */
  readonly backend: Backend;
  /** True when the model's parameters really live on the WebAssembly heap. */
  readonly onWasmHeap: boolean;
  private readonly reader: SequenceReader;
  private readonly optimizer: AdaGrad;
  /** The loss of the last update (kept so the work cannot be optimised away). */
  lastLoss = 0;

  /** Builds the model and the optimizer state on `options.backend`. */
  constructor(corpus: BenchCorpus, private readonly options: WeftTrainerOptions) {
    const built = withBackend(options.backend, (backend) => {
      const model = charRnn({ vocabSize: corpus.vocabSize, hidden: HIDDEN, rng: new Rng(options.seed ?? 1), batch: options.batch, dtype: options.dtype ?? 'float64' });
      return { backend, model, optimizer: new AdaGrad(model.parameters(), { lr: LR, eps: EPS, clipValue: CLIP }) };
    });
    this.backend = built.backend;
    this.model = built.model;
    this.optimizer = built.optimizer;
    this.onWasmHeap = this.model.parameters().every((p) => isWasmTensor(p.value) && isWasmTensor(p.grad));
    this.reader = new SequenceReader(corpus.ids, SEQ_LENGTH, options.batch);
  }

  /** Runs `n` training updates (the kernels follow where the model lives). Allocates nothing per update. */
  run(n: number): void {
    const { model, reader } = this;
    for (let i = 0; i < n; i++) {
      reader.next();
      if (reader.wrapped) model.resetState();
      model.zeroGrad();
      this.lastLoss = model.lossAndGradients(reader.inputs, reader.targets);
      this.optimizer.step(); // clips to ±CLIP first
    }
  }
}

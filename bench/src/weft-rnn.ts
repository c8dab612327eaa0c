/**
 * weft's char-RNN training update, as examples/char-rnn runs it:
 * `charRnn` from @weft/layers, `clipByValue` and `AdaGrad` from @weft/optim.
 *
 * `backend: 'wasm'` turns on @weft/tensor's WebAssembly backend BEFORE the
 * model is built, so its parameters and buffers are allocated on the
 * WebAssembly heap and the matrix kernels run in WebAssembly SIMD; 'js' keeps
 * everything in ordinary typed arrays and pure-JS kernels.
 * `fused: true` replaces clipByValue + AdaGrad.step by @weft/tensor's fused
 * `clipAdagradStep` (one pass per parameter instead of three).
 */
import { charRnn, type CharRnnModel } from '@weft/layers';
import { AdaGrad, clipByValue, type ClipByValueResult } from '@weft/optim';
import { clipAdagradStep, isWasmTensor, Rng, setBackend, zerosLike, type Backend, type Tensor } from '@weft/tensor';
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
  fused?: boolean;
  seed?: number;
}

/** A weft model, optimizer and data reader, ready to run updates. */
export class WeftTrainer {
  readonly model: CharRnnModel;
  /** The backend actually in effect ('js' when wasm was asked for but is unavailable). */
  readonly backend: Backend;
  /** True when the model's parameters really live on the WebAssembly heap. */
  readonly onWasmHeap: boolean;
  private readonly reader: SequenceReader;
  private readonly optimizer: AdaGrad | null;
  private readonly accumulators: Tensor[];
  private readonly clipResult: ClipByValueResult = { fractionClipped: 0, normBefore: 0 };
  /** The loss of the last update (kept so the work cannot be optimised away). */
  lastLoss = 0;

  /** Builds everything under `options.backend`. */
  constructor(corpus: BenchCorpus, private readonly options: WeftTrainerOptions) {
    this.backend = setBackend(options.backend);
    this.model = charRnn({ vocabSize: corpus.vocabSize, hidden: HIDDEN, rng: new Rng(options.seed ?? 1), batch: options.batch });
    const params = this.model.parameters();
    this.onWasmHeap = params.every((p) => isWasmTensor(p.value) && isWasmTensor(p.grad));
    this.optimizer = options.fused ? null : new AdaGrad(params, { lr: LR, eps: EPS });
    this.accumulators = options.fused ? params.map((p) => zerosLike(p.value)) : [];
    this.reader = new SequenceReader(corpus.ids, SEQ_LENGTH, options.batch);
    setBackend('js');
  }

  /** Runs `n` training updates (under this trainer's backend). Allocates nothing per update. */
  run(n: number): void {
    setBackend(this.backend);
    const { model, reader } = this;
    const params = model.parameters();
    for (let i = 0; i < n; i++) {
      reader.next();
      if (reader.wrapped) model.resetState();
      model.zeroGrad();
      this.lastLoss = model.lossAndGradients(reader.inputs, reader.targets);
      if (this.optimizer !== null) {
        clipByValue(params, CLIP, this.clipResult);
        this.optimizer.step();
      } else {
        for (let k = 0; k < params.length; k++) {
          clipAdagradStep(params[k]!.value, params[k]!.grad, this.accumulators[k]!, LR, EPS, CLIP);
        }
      }
    }
    setBackend('js');
  }
}

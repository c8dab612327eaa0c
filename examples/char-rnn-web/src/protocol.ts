/**
 * The messages between the page and the training worker. The worker owns the
 * model; the page only sends commands and draws what comes back.
 */
import type { SeededSampleRequest, TrainSettings } from './trainer.js';

/** Page → worker. */
export type ToWorker =
  | { type: 'start'; text: string; textName: string; settings: TrainSettings; sampling: SamplingControls }
  | { type: 'pause' }
  /** Continue, up to `updates` in total (none: until paused). */
  | { type: 'resume'; updates?: number }
  /** The temperature and top-p of the training-time samples, changed while running. */
  | { type: 'sampling'; sampling: SamplingControls }
  /** Text as `char-rnn sample --seed` draws it from the current model. */
  | { type: 'sample'; id: number; request: SeededSampleRequest }
  /** The run as a CLI checkpoint (safetensors bytes). */
  | { type: 'checkpoint'; id: number }
  /** A checkpoint file: sample from it, and continue training when `text` has its vocabulary. */
  | { type: 'load'; bytes: ArrayBuffer; fileName: string; text?: string; textName?: string; sampling: SamplingControls };

export interface SamplingControls {
  temperature: number;
  topP: number;
}

/** What the page shows about a run. */
export interface RunStatus {
  state: 'running' | 'paused';
  /** Why it paused by itself (update limit, divergence), or what was loaded. */
  note?: string;
  update: number;
  /** 1-based, as the CLI prints it. */
  epoch: number;
  smoothLoss: number;
  /** Smooth loss in bits per character. */
  smoothBpc: number;
  updatesPerSec: number;
  vocabSize: number;
  hidden: number;
  /** The architecture and dtype, e.g. "lstm, 2 layers of 32, float32" (and the dropout when there is one). */
  model: string;
  /** False when the model was loaded for sampling only. */
  trainable: boolean;
}

/** Worker → page. */
export type FromWorker =
  /** Which kernels run, and why not wasm when they are the JS ones. */
  | { type: 'ready'; backend: 'wasm' | 'js'; reason: string | null }
  | { type: 'status'; status: RunStatus }
  /** New points of the smooth-loss curve: [update, bits per character] pairs. */
  | { type: 'loss'; points: [number, number][] }
  | { type: 'sample-start'; update: number; epoch: number }
  | { type: 'sample-text'; text: string }
  | { type: 'sample-end' }
  | { type: 'sampled'; id: number; text: string }
  | { type: 'checkpoint'; id: number; bytes: ArrayBuffer; fileName: string }
  | { type: 'error'; id?: number; message: string }
  /** Several of the above at once (progress, curve and sample text are sent this way, every 100 ms). */
  | { type: 'batch'; messages: FromWorker[] };

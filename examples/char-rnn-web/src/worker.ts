/**
 * The training worker: owns the model, trains in slices of a few
 * milliseconds so that the page's commands (pause, sample, checkpoint) get
 * through, and reports progress, the smooth-loss curve and samples.
 *
 * It tries the WebAssembly kernels first (`initWasm()` loads them, then each
 * run is allocated on the heap: `Trainer.create(…, 'wasm')`); when the browser or
 * the page's Content-Security-Policy refuses to compile WebAssembly it runs
 * on the JavaScript kernels and tells the page why.
 */
import { decodeCheckpoint, encodeCheckpoint } from '@weft/char-rnn-example/checkpoint-codec';
import { initWasm, wasmUnavailableReason, type Backend } from '@weft/tensor';
import type { FromWorker, RunStatus, SamplingControls, ToWorker } from './protocol.js';
import { Trainer } from './trainer.js';

/** Milliseconds of training between two looks at the message queue. */
const SLICE_MS = 25;
/** Characters of a pending sample drawn per slice, so a sample appears as it is drawn. */
const SAMPLE_CHARS_PER_SLICE = 6;
/** Updates between points of the loss curve. */
const CURVE_EVERY = 10;
/** Milliseconds between status messages. */
const STATUS_EVERY_MS = 100;

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
/**
 * Progress, curve points and sample text wait here and go out together every
 * STATUS_EVERY_MS: each message is a task on the page's main thread, and few
 * tasks keep it responsive.
 */
let queue: FromWorker[] = [];
function enqueue(message: FromWorker): void {
  const last = queue[queue.length - 1];
  // Text drawn since the last flush arrives as one piece.
  if (message.type === 'sample-text' && last?.type === 'sample-text') last.text += message.text;
  else queue.push(message);
}
function flush(): void {
  if (queue.length > 0) scope.postMessage({ type: 'batch', messages: queue });
  queue = [];
  lastStatusAt = performance.now();
}
/** Sends at once, after what is queued (so the page sees everything in order). */
const post = (message: FromWorker, transfer: Transferable[] = []): void => {
  flush();
  scope.postMessage(message, transfer);
};

let trainer: Trainer | null = null;
let trainable = false;
let textName = '';
let running = false;
let lastStatusAt = 0;
let looping = false;
let stoppedNote: string | undefined;
let sampling: SamplingControls = { temperature: 1, topP: 1 };
let pendingSample: Generator<number, void, undefined> | null = null;
let lastSampledUpdate = -1;
let curve: [number, number][] = [];
// Updates per second over the current running stretch (since start or resume).
let rateFrom = { update: 0, time: 0 };
/** The rate of the last running stretch, shown while paused. */
let lastRate = 0;

/** Where this page allocates its runs: 'wasm' once the kernels load, else 'js'. */
let pageBackend: Backend = 'js';

const ready = initWasm().then((backend) => {
  pageBackend = backend;
  post({ type: 'ready', backend, reason: backend === 'wasm' ? null : (wasmUnavailableReason() ?? 'unknown reason') });
});

function status(): RunStatus {
  const t = trainer!;
  const seconds = (performance.now() - rateFrom.time) / 1000;
  return {
    state: running ? 'running' : 'paused',
    ...(stoppedNote !== undefined ? { note: stoppedNote } : {}),
    update: t.update,
    epoch: t.epoch + 1,
    smoothLoss: t.smoothLoss,
    smoothBpc: t.smoothBitsPerChar,
    updatesPerSec: running && seconds > 0 ? (lastRate = (t.update - rateFrom.update) / seconds) : lastRate,
    vocabSize: t.vocab.size,
    hidden: t.config.hidden,
    model: describeModel(t),
    trainable,
  };
}

/** "lstm, 2 layers of 32, float64", with ", dropout 0.2" before the dtype when there is some. */
function describeModel(t: Trainer): string {
  const a = t.model.architecture;
  return `${a.cell}, ${a.layers} layer${a.layers === 1 ? '' : 's'} of ${a.hidden}${a.dropout > 0 && a.layers > 1 ? `, dropout ${a.dropout}` : ''}, ${t.model.dtype}`;
}

function sendProgress(): void {
  if (curve.length > 0) {
    enqueue({ type: 'loss', points: curve });
    curve = [];
  }
  enqueue({ type: 'status', status: status() });
  flush();
}

/** Draws up to `n` characters of the pending sample and sends them. */
function drawSample(n: number): void {
  if (!pendingSample || !trainer) return;
  let ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = pendingSample.next();
    if (next.done) {
      pendingSample = null;
      break;
    }
    ids.push(next.value);
  }
  if (ids.length > 0) enqueue({ type: 'sample-text', text: trainer.vocab.decode(ids) });
  if (!pendingSample) enqueue({ type: 'sample-end' });
  ids = [];
}

function startSample(t: Trainer): void {
  drawSample(Infinity); // finish the previous one first: samples never overlap
  lastSampledUpdate = t.update;
  enqueue({ type: 'sample-start', update: t.update, epoch: t.epoch + 1 });
  pendingSample = t.trainingSample(sampling);
}

/** Lets queued messages run: a MessageChannel task, not setTimeout, which workers clamp to ≥ 4 ms. */
function yieldToMessages(): Promise<void> {
  return new Promise((resume) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resume();
    channel.port2.postMessage(null);
  });
}

async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (running && trainer) {
      const t = trainer;
      drawSample(SAMPLE_CHARS_PER_SLICE);
      const sliceEnd = performance.now() + SLICE_MS;
      while (performance.now() < sliceEnd) {
        const limit = t.advance();
        if (limit) {
          running = false;
          stoppedNote = limit === 'updates' ? `stopped after ${t.update} updates, as asked` : `stopped after ${t.epoch} epochs`;
          break;
        }
        if (t.sampleDue() && lastSampledUpdate !== t.update) startSample(t);
        const diverged = t.step();
        if (diverged) {
          running = false;
          stoppedNote = `training diverged: ${t.divergence}; the weights are those of update ${t.update}; try a smaller learning rate`;
          break;
        }
        if (t.update % CURVE_EVERY === 0) curve.push([t.update, t.smoothBitsPerChar]);
      }
      if (!running) drawSample(Infinity);
      if (!running || performance.now() - lastStatusAt >= STATUS_EVERY_MS) sendProgress();
      await yieldToMessages();
    }
  } finally {
    looping = false;
  }
}

function begin(t: Trainer, canTrain: boolean, name: string, controls: SamplingControls): void {
  trainer = t;
  trainable = canTrain;
  textName = name;
  sampling = controls;
  pendingSample = null;
  lastSampledUpdate = -1;
  curve = t.update === 0 || !Number.isFinite(t.smoothLoss) ? [] : [[t.update, t.smoothBitsPerChar]];
  stoppedNote = undefined;
}

function run(): void {
  running = true;
  lastRate = 0;
  stoppedNote = undefined;
  rateFrom = { update: trainer!.update, time: performance.now() };
  void loop();
}

async function handle(message: ToWorker): Promise<void> {
  await ready;
  switch (message.type) {
    case 'start': {
      running = false;
      let created: Trainer;
      try {
        created = Trainer.create(message.text, message.settings, pageBackend);
      } catch (error) {
        // The page shows 'starting' since the click: say where the previous run stands (now paused), then why.
        if (trainer) sendProgress();
        throw error;
      }
      begin(created, true, message.textName, message.sampling);
      run();
      return;
    }
    case 'pause':
      running = false;
      if (trainer) sendProgress();
      return;
    case 'resume':
      if (trainer && trainable && !running) {
        // As `char-rnn train --resume --updates N`: the limit typed now replaces the run's.
        if (message.updates === undefined) delete trainer.config.updates;
        else trainer.config.updates = message.updates;
        run();
      }
      return;
    case 'sampling':
      sampling = message.sampling;
      return;
    case 'sample': {
      if (!trainer) throw new Error('there is no model yet: start training or load a checkpoint');
      post({ type: 'sampled', id: message.id, text: trainer.sampleWithSeed(message.request) });
      return;
    }
    case 'checkpoint': {
      if (!trainer) throw new Error('there is no model yet: start training or load a checkpoint');
      const ckpt = trainer.checkpoint();
      if (!Number.isFinite(ckpt.smoothLoss)) throw new Error('train at least one update before saving a checkpoint');
      const bytes = encodeCheckpoint(ckpt);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      const a = trainer.model.architecture;
      const model = `${a.cell}${a.layers > 1 ? a.layers : ''}-h${a.hidden}${trainer.model.dtype === 'float32' ? '-f32' : ''}`;
      const name = `char-rnn-${textName.replace(/[^\w.-]+/g, '_') || 'run'}-${model}-u${trainer.update}.safetensors`;
      post({ type: 'checkpoint', id: message.id, bytes: buffer, fileName: name }, [buffer]);
      return;
    }
    case 'load': {
      running = false;
      const ckpt = decodeCheckpoint(new Uint8Array(message.bytes), message.fileName);
      const loaded = Trainer.fromCheckpoint(ckpt, message.text, pageBackend);
      begin(loaded.trainer, loaded.trainable, message.textName ?? message.fileName, message.sampling);
      const backendNote = ckpt.config.backend !== pageBackend ? `; it was trained on the ${ckpt.config.backend} kernels, this page runs ${pageBackend}` : '';
      stoppedNote = loaded.trainable
        ? `loaded ${message.fileName} at update ${ckpt.update}: sample, or resume to continue training on ${message.textName}${backendNote}`
        : `loaded ${message.fileName} at update ${ckpt.update} for sampling only: ${loaded.why}`;
      if (loaded.trainable) loaded.trainer.config.backend = pageBackend;
      sendProgress();
      return;
    }
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  handle(message).catch((error: unknown) => {
    const id = 'id' in message ? message.id : undefined;
    post({ type: 'error', ...(id !== undefined ? { id } : {}), message: error instanceof Error ? error.message : String(error) });
  });
};

/**
 * The page: controls, progress, the loss chart and samples. All training
 * happens in the worker (worker.ts); this thread only sends commands and draws
 * what comes back, so it stays responsive (the long-task monitor checks).
 *
 * For tests, `document.body.dataset` carries `backend`, `state` (`running`,
 * `paused`, or `starting` from a click on Start until the worker's first
 * status),
 * `longestTask` (ms since Start, 0 = none over 50 ms), `longTasks` (each
 * one's [start, duration] in ms after Start) and `sampled` (the number of
 * seeded samples shown).
 */
import { CELLS, cellKind } from './cells.js';
import { DTYPES } from './dtypes.js';
import { LongTaskMonitor } from './long-tasks.js';
import { LossChart } from './loss-chart.js';
import type { FromWorker, SamplingControls, ToWorker } from './protocol.js';
import { TEXTS } from './texts.js';
import type { TrainSettings } from './trainer.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);
const setText = (id: string, text: string): void => {
  $(id).textContent = text;
};

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'char-rnn trainer' });
const send = (message: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(message, transfer);
const chart = new LossChart(document.getElementById('chart') as unknown as SVGSVGElement);
const longTasks = new LongTaskMonitor((m) => {
  document.body.dataset.longestTask = String(Math.round(m.longest));
  document.body.dataset.longTasks = JSON.stringify(m.tasks);
  setText(
    'long-tasks',
    !m.supported
      ? 'longest main-thread task: not measured in this browser'
      : m.count === 0
        ? 'longest main-thread task since Start: none over 50 ms'
        : `longest main-thread task since Start: ${Math.round(m.longest)} ms (${m.count} over 50 ms)`,
  );
});

// --- the text: a bundled one, or a file the user chose or dropped -------------

/** A text the user brought, once read. */
let ownText: { name: string; text: string } | null = null;
const textSelect = $<HTMLSelectElement>('text');
for (const t of TEXTS) textSelect.append(new Option(`${t.label} · ${(t.text.length / 1000).toFixed(1)}k chars`, t.id));

function chosenText(): { name: string; text: string } {
  if (textSelect.value === 'own' && ownText) return ownText;
  const t = TEXTS.find((b) => b.id === textSelect.value) ?? TEXTS[0]!;
  return { name: t.id, text: t.text };
}

async function useFile(file: File): Promise<void> {
  let text: string;
  try {
    // fatal: refuse a file that is not UTF-8 rather than train on replacement characters.
    text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    showError(`${file.name} is not UTF-8 text`);
    return;
  }
  if (text.length < 2) {
    showError(`${file.name} is empty`);
    return;
  }
  ownText = { name: file.name, text };
  let own = textSelect.querySelector<HTMLOptionElement>('option[value="own"]');
  if (!own) {
    own = new Option('', 'own');
    textSelect.append(own);
  }
  own.text = `${file.name} · ${(text.length / 1000).toFixed(1)}k chars`;
  textSelect.value = 'own';
  showError('');
}

input('file').addEventListener('change', () => {
  const file = input('file').files?.[0];
  if (file) void useFile(file);
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file) void useFile(file);
});

// --- model controls: built from the cell and dtype lists, so new ones need no HTML

const cellSelect = $<HTMLSelectElement>('cell');
const layersSelect = $<HTMLSelectElement>('layers');
const dtypeSelect = $<HTMLSelectElement>('dtype');
for (const c of CELLS) cellSelect.append(new Option(c.label, c.id));
for (const d of DTYPES) dtypeSelect.append(new Option(d.label, d.id));
function fillLayers(): void {
  const chosen = layersSelect.value;
  layersSelect.replaceChildren(...cellKind(cellSelect.value).layers.map((n) => new Option(String(n), String(n))));
  if (cellKind(cellSelect.value).layers.includes(Number(chosen))) layersSelect.value = chosen;
  syncDropout();
}
/** Dropout acts between layers: it is offered from 2 layers on. */
function syncDropout(): void {
  input('dropout').disabled = Number(layersSelect.value) < 2;
}
cellSelect.addEventListener('change', fillLayers);
layersSelect.addEventListener('change', syncDropout);
fillLayers();

function settings(): TrainSettings {
  const number = (id: string): number => Number(input(id).value);
  const s: TrainSettings = {
    cell: cellSelect.value,
    hidden: number('hidden'),
    layers: Number(layersSelect.value),
    dropout: Number(layersSelect.value) > 1 ? number('dropout') : 0,
    // Unchecked: the worker refuses a value that is not a dtype (its error shows on the page).
    dtype: dtypeSelect.value as TrainSettings['dtype'],
    lr: number('lr'),
    seqLength: number('seq-length'),
    clip: 5,
    seed: number('seed'),
    sampleEvery: number('sample-every'),
    sampleLength: 200,
  };
  if (input('updates').value !== '') s.updates = number('updates');
  return s;
}

function samplingControls(): SamplingControls {
  return { temperature: Number(input('temperature').value), topP: Number(input('top-p').value) };
}
for (const id of ['temperature', 'top-p']) {
  input(id).addEventListener('input', () => {
    setText(`${id}-value`, Number(input(id).value).toFixed(2));
    send({ type: 'sampling', sampling: samplingControls() });
  });
}

// --- buttons ----------------------------------------------------------------

$('start').addEventListener('click', () => {
  const { name, text } = chosenText();
  chart.reset();
  $('samples').replaceChildren();
  setText('sample-output', '');
  showError('');
  longTasks.reset();
  // Until the worker's first status, nothing on the page may still describe the previous run:
  // a run that was paused at update N would otherwise look like the new run paused at N.
  document.body.dataset.state = 'starting';
  setText('update', '0');
  send({ type: 'start', text, textName: name, settings: settings(), sampling: samplingControls() });
});
$('pause').addEventListener('click', () => send({ type: 'pause' }));
$('resume').addEventListener('click', () => {
  const updates = input('updates').value;
  send({ type: 'resume', ...(updates !== '' ? { updates: Number(updates) } : {}) });
});

let nextId = 1;
$('sample').addEventListener('click', () => {
  const prime = input('sample-prime').value;
  const { temperature, topP } = samplingControls();
  send({
    type: 'sample',
    id: nextId++,
    request: { seed: Number(input('sample-seed').value), length: Number(input('sample-length').value), temperature, topP, ...(prime ? { prime } : {}) },
  });
});
$('download').addEventListener('click', () => send({ type: 'checkpoint', id: nextId++ }));
input('load').addEventListener('change', async () => {
  const file = input('load').files?.[0];
  if (!file) return;
  const bytes = await file.arrayBuffer();
  const { name, text } = chosenText();
  chart.reset();
  $('samples').replaceChildren();
  send({ type: 'load', bytes, fileName: file.name, text, textName: name, sampling: samplingControls() }, [bytes]);
  input('load').value = '';
});

// --- what the worker says ---------------------------------------------------

let currentSample: HTMLParagraphElement | null = null;

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => handle(event.data));

function handle(m: FromWorker): void {
  switch (m.type) {
    case 'batch':
      for (const inner of m.messages) handle(inner);
      return;
    case 'ready': {
      document.body.dataset.backend = m.backend;
      const el = $('backend');
      el.textContent = m.backend === 'wasm' ? 'kernels: WebAssembly SIMD (in a worker)' : `kernels: JavaScript — WebAssembly was refused (${m.reason})`;
      el.classList.toggle('fallback', m.backend !== 'wasm');
      return;
    }
    case 'status': {
      const s = m.status;
      document.body.dataset.state = s.state;
      setText('update', String(s.update));
      setText('epoch', String(s.epoch));
      setText('rate', s.updatesPerSec > 0 ? s.updatesPerSec.toFixed(0) : '–');
      $('rate').dataset.value = String(s.updatesPerSec);
      const smooth = $('smooth');
      smooth.dataset.bpc = String(s.smoothBpc);
      smooth.textContent = Number.isFinite(s.smoothLoss) ? `${s.smoothBpc.toFixed(3)} bits/char (${s.smoothLoss.toFixed(2)} nats per window)` : '–';
      setText('status', `${s.state} · ${s.model} · vocabulary ${s.vocabSize} characters${s.note ? ` · ${s.note}` : ''}`);
      ($('pause') as HTMLButtonElement).disabled = s.state !== 'running';
      ($('resume') as HTMLButtonElement).disabled = s.state === 'running' || !s.trainable;
      ($('sample') as HTMLButtonElement).disabled = false;
      ($('download') as HTMLButtonElement).disabled = !Number.isFinite(s.smoothLoss);
      return;
    }
    case 'loss':
      chart.add(m.points);
      return;
    case 'sample-start': {
      const heading = document.createElement('h3');
      heading.textContent = m.update === 0 ? 'before the first update' : `update ${m.update} (epoch ${m.epoch})`;
      currentSample = document.createElement('p');
      currentSample.className = 'sample drawing';
      $('samples').prepend(heading, currentSample);
      // Keep the page small: the 20 newest samples.
      while ($('samples').childElementCount > 40) $('samples').lastElementChild!.remove();
      return;
    }
    case 'sample-text':
      currentSample?.append(m.text);
      return;
    case 'sample-end':
      currentSample?.classList.remove('drawing');
      currentSample = null;
      return;
    case 'sampled':
      setText('sample-output', m.text);
      document.body.dataset.sampled = String(Number(document.body.dataset.sampled ?? 0) + 1);
      return;
    case 'checkpoint': {
      const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = m.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return;
    }
    case 'error':
      // A Start the worker refused before any run existed: there is no run to describe.
      if (document.body.dataset.state === 'starting') delete document.body.dataset.state;
      showError(m.message);
      return;
  }
}
worker.addEventListener('error', (e) => showError(`the worker failed: ${e.message}`));

function showError(message: string): void {
  setText('error', message);
  document.body.dataset.error = message;
}

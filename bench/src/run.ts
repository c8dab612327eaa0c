/**
 * `npm run bench`: how fast weft trains the report's char-RNN, next to a
 * hand-written plain-JS update, TF.js (cpu and wasm backends) and numpy.
 *
 *   node bench/dist/run.js [--quick] [--long] [--json] [--rounds N] [--no-tfjs] [--no-numpy]
 *                          [--no-cells] [--no-workers] [--no-processes] [--process-updates N]
 *
 * TF.js is not part of weft's install: `npm run bench:install` installs it
 * once (into bench/tfjs); without it the TF.js rows are skipped with a note.
 *
 * Method: every implementation runs the same update (m = 100, T = 25, K = the
 * vocabulary of the default corpus, batch 1, AdaGrad lr 0.1 eps 1e-8, clip
 * ±5) on the first 200k characters of Moby Dick. After a warm-up, the
 * implementations are measured in ROUNDS, alternating within each round (in a
 * rotating order) so that load from other processes on this shared machine
 * hits all of them alike; each row is the median over the rounds, and ratios
 * are taken between medians of the same run.
 *
 * Also: weft's characters/s at batch 1, 8 and 32; the JS heap before and
 * after a long run (flat = nothing allocated per update); the projected time
 * of the default char-rnn run (10 epochs of Moby Dick); the kernel table;
 * batch 32 over 1 and 2 worker threads and memory with workers
 * (run-parallel.ts, in a child process) unless --no-workers; whole processes
 * — `char-rnn train --updates 50000` against numpy_train.py, with start-up
 * time and peak resident memory (whole-process.ts) — unless --no-processes;
 * the targets in one list; then the LSTM/GRU rows (run-cells.ts, in
 * a child process: fused and composed cells, PyTorch when /usr/bin/python3
 * has torch) unless --no-cells.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBackend, wasmHeapStats, wasmSupported, wasmUnavailableReason, type Backend, type DType } from '@weft/tensor';
import { loadBenchCorpus, SequenceReader, type BenchCorpus } from './corpus.js';
import { runKernelBench, type KernelRow } from './kernels.js';
import { NumpyRnn, numpyUnavailable, type NumpyInfo } from './numpy.js';
import { PlainRnn } from './plain-js.js';
import { loadTfjs } from './tfjs.js';
import { HIDDEN, SEQ_LENGTH, WeftTrainer } from './weft-rnn.js';
import { roundSizes } from './rounds.js';
import { collectGarbage } from './gc.js';
import { runWholeProcesses, type ProcessRow } from './whole-process.js';
import { median } from './median.js';

interface Options {
  quick: boolean;
  long: boolean;
  json: boolean;
  rounds: number;
  tfjs: boolean;
  numpy: boolean;
  cells: boolean;
  workers: boolean;
  processes: boolean;
  /** Updates per whole-process run (0: the default, 50,000; 5,000 with --quick). */
  processUpdates: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, long: false, json: false, rounds: 0, tfjs: true, numpy: true, cells: true, workers: true, processes: true, processUpdates: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') options.quick = true;
    else if (a === '--long') options.long = true;
    else if (a === '--json') options.json = true;
    else if (a === '--no-tfjs') options.tfjs = false;
    else if (a === '--no-numpy') options.numpy = false;
    else if (a === '--no-cells') options.cells = false;
    else if (a === '--no-workers') options.workers = false;
    else if (a === '--no-processes') options.processes = false;
    else if (a === '--process-updates') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --process-updates needs a positive integer, got ${argv[i]}`);
      options.processUpdates = n;
    } else if (a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --rounds needs a positive integer, got ${argv[i]}`);
      options.rounds = n;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/dist/run.js [--quick] [--long] [--json] [--rounds N] [--no-tfjs] [--no-numpy] [--no-cells] [--no-workers] [--no-processes] [--process-updates N]');
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${a} (try --help)`);
  }
  if (options.rounds === 0) options.rounds = options.quick ? 5 : 7;
  if (options.processUpdates === 0) options.processUpdates = options.quick ? 5_000 : 50_000;
  return options;
}

/** One implementation under test: `run(n)` performs n updates and resolves to the seconds they took. */
interface Contender {
  name: string;
  dtype: string;
  /** Characters per update (T·B), for characters/s. */
  charsPerUpdate: number;
  run(n: number): Promise<number>;
  close?(): void;
}

/** A contender's measurements. */
interface Row {
  name: string;
  dtype: string;
  /** Median updates/s over the rounds. */
  updatesPerSecond: number;
  /** Median characters/s (updates/s · T · B). */
  charsPerSecond: number;
  /** updates/s of every round. */
  rounds: number[];
  /** Updates per round. */
  updatesPerRound: number;
  /** This row's updates/s over the reference row's (weft). */
  ratio?: number;
}

function timed(fn: () => void): Promise<number> {
  const start = performance.now();
  fn();
  return Promise.resolve((performance.now() - start) / 1000);
}

/** Warms every contender up, sizes its rounds to about `roundSeconds`, then measures `rounds` alternating rounds. */
async function measure(contenders: Contender[], rounds: number, roundSeconds: number, warmupSeconds: number, log: (s: string) => void): Promise<Row[]> {
  const sizes = await roundSizes(contenders, warmupSeconds, roundSeconds);
  const rates: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length; // rotate the order between rounds
      const seconds = await contenders[i]!.run(sizes[i]!);
      rates[i]!.push(sizes[i]! / seconds);
    }
    log(`  round ${r + 1}/${rounds} done`);
  }
  return contenders.map((c, i) => {
    const ups = median(rates[i]!);
    return { name: c.name, dtype: c.dtype, updatesPerSecond: ups, charsPerSecond: ups * c.charsPerUpdate, rounds: rates[i]!, updatesPerRound: sizes[i]! };
  });
}

function weftContender(corpus: BenchCorpus, backend: Backend, batch: number, label?: string, dtype: DType = 'float64'): Contender {
  const trainer = new WeftTrainer(corpus, { backend, batch, dtype });
  let name = label ?? `weft (${trainer.backend === 'wasm' ? 'WebAssembly SIMD' : 'pure JS'})`;
  if (backend === 'wasm' && !trainer.onWasmHeap) name += ' [params NOT on the wasm heap]';
  return { name, dtype, charsPerUpdate: SEQ_LENGTH * batch, run: (n) => timed(() => trainer.run(n)) };
}

function plainContender(corpus: BenchCorpus): Contender {
  const rnn = new PlainRnn({ vocabSize: corpus.vocabSize, hidden: HIDDEN, seqLength: SEQ_LENGTH, seed: 1 });
  const reader = new SequenceReader(corpus.ids, SEQ_LENGTH, 1);
  let sink = 0;
  return {
    name: 'plain JS (hand-written, 4-row blocked)',
    dtype: 'float64',
    charsPerUpdate: SEQ_LENGTH,
    run: (n) =>
      timed(() => {
        for (let i = 0; i < n; i++) {
          reader.next();
          if (reader.wrapped) rnn.resetState();
          sink += rnn.update(reader.inputs, reader.targets);
        }
        if (Number.isNaN(sink)) throw new Error('plain JS: loss is NaN');
      }),
  };
}

async function tfjsContenders(corpus: BenchCorpus, log: (s: string) => void): Promise<{ contenders: Contender[]; notes: string[] }> {
  const notes: string[] = [];
  const contenders: Contender[] = [];
  const loaded = await loadTfjs();
  if ('reason' in loaded) {
    log(`TF.js skipped: ${loaded.reason}`);
    return { contenders, notes: [`TF.js skipped: ${loaded.reason}`] };
  }
  const mod = loaded.module;
  for (const backend of ['cpu', 'wasm'] as const) {
    try {
      await mod.useTfBackend(backend);
      const rnn = new mod.TfRnn(corpus.vocabSize, HIDDEN, 1);
      const reader = new SequenceReader(corpus.ids, SEQ_LENGTH, 1);
      contenders.push({
        name: `TF.js ${backend} backend`,
        dtype: 'float32',
        charsPerUpdate: SEQ_LENGTH,
        run: async (n) => {
          await mod.useTfBackend(backend);
          const start = performance.now();
          for (let i = 0; i < n; i++) {
            reader.next();
            if (reader.wrapped) rnn.resetState();
            rnn.update(reader.inputs, reader.targets);
          }
          return (performance.now() - start) / 1000;
        },
      });
    } catch (err) {
      notes.push(`TF.js ${backend} skipped: ${(err as Error).message}`);
    }
  }
  log(`  TF.js ready (${contenders.length} backends)`);
  return { contenders, notes };
}

async function numpyContenders(corpus: BenchCorpus): Promise<{ contenders: Contender[]; notes: string[]; info: NumpyInfo | null }> {
  const reason = numpyUnavailable();
  if (reason !== null) return { contenders: [], notes: [`numpy skipped: ${reason}`], info: null };
  const contenders: Contender[] = [];
  let info: NumpyInfo | null = null;
  for (const style of ['batched', 'loop'] as const) {
    const rnn = await NumpyRnn.start(corpus.ids, corpus.vocabSize, HIDDEN, SEQ_LENGTH, style);
    info ??= await rnn.info();
    contenders.push({
      name: style === 'batched' ? 'numpy (time-batched products)' : 'numpy (min-char-rnn loop, as the report)',
      dtype: 'float64',
      charsPerUpdate: SEQ_LENGTH,
      run: (n) => rnn.run(n),
      close: () => rnn.close(),
    });
  }
  return { contenders, notes: [], info };
}

function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = options.json ? (s: string): void => void process.stderr.write(s + '\n') : (s: string): void => console.log(s);
  const started = performance.now();
  const corpus = await loadBenchCorpus(200_000);
  const roundSeconds = options.quick ? 0.15 : 0.6;
  const warmupSeconds = options.quick ? 0.3 : 1.5;
  const notes: string[] = [];

  const wasmOk = wasmSupported();
  if (!wasmOk) notes.push(`weft WebAssembly backend unavailable: ${wasmUnavailableReason()}`);

  log(`weft benchmark: char-RNN m=${HIDDEN}, T=${SEQ_LENGTH}, K=${corpus.vocabSize}, ${corpus.ids.length} chars of Moby Dick; ${options.rounds} rounds of ~${roundSeconds}s`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  // 1. Training updates per second at batch 1.
  const contenders: Contender[] = [];
  if (wasmOk) contenders.push(weftContender(corpus, 'wasm', 1), weftContender(corpus, 'wasm', 1, 'weft (WebAssembly SIMD)', 'float32'));
  contenders.push(weftContender(corpus, 'js', 1));
  contenders.push(plainContender(corpus));
  let numpyInfo: NumpyInfo | null = null;
  if (options.numpy) {
    const np = await numpyContenders(corpus);
    contenders.push(...np.contenders);
    notes.push(...np.notes);
    numpyInfo = np.info;
  } else notes.push('numpy skipped (--no-numpy)');
  if (options.tfjs) {
    const tf = await tfjsContenders(corpus, log);
    contenders.push(...tf.contenders);
    notes.push(...tf.notes);
  } else notes.push('TF.js skipped (--no-tfjs)');
  log('measuring training updates (batch 1) …');
  const rows = await measure(contenders, options.rounds, roundSeconds, warmupSeconds, log);
  for (const c of contenders) c.close?.();
  const reference = rows[0]!;
  for (const r of rows) r.ratio = r.updatesPerSecond / reference.updatesPerSecond;

  // 2. Batch scaling (weft, best backend).
  const backend: Backend = wasmOk ? 'wasm' : 'js';
  log(`measuring weft (${backend}) at batch 1, 8, 32 …`);
  const batchRows = await measure(
    [1, 8, 32].map((B) => weftContender(corpus, backend, B, `weft batch ${B}`)),
    options.rounds,
    roundSeconds,
    warmupSeconds / 2,
    log,
  );

  // 3. Heap over a long run.
  const heapUpdates = options.long ? 100_000 : options.quick ? 2_000 : 20_000;
  log(`heap: ${heapUpdates} updates of weft (${backend}) …`);
  const heapTrainer = new WeftTrainer(corpus, { backend, batch: 1 });
  heapTrainer.run(200); // allocate lazily created buffers first
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const wasmBefore = wasmHeapStats()?.usedBytes ?? 0;
  const heapStart = performance.now();
  heapTrainer.run(heapUpdates);
  const heapSeconds = (performance.now() - heapStart) / 1000;
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  const wasmAfter = wasmHeapStats()?.usedBytes ?? 0;

  // 4. Projection of the default char-rnn run.
  const weftRate = rows[0]!.updatesPerSecond;
  const updatesPerEpoch = Math.floor((corpus.bookLength - 1) / SEQ_LENGTH);
  const projectedSeconds = (10 * updatesPerEpoch) / weftRate;

  // 5. Kernels, pure JS and WebAssembly.
  log('kernels …');
  // The kernel bench allocates its operands in the scope: where they live picks the kernels.
  const kernelsJs: KernelRow[] = withBackend('js', () => runKernelBench({ quick: options.quick }));
  let kernelsWasm: KernelRow[] = [];
  if (wasmOk) kernelsWasm = withBackend('wasm', () => runKernelBench({ quick: options.quick }));

  // 6. Every core: batch 32 in process and over 1 and 2 worker threads, and memory with workers.
  let parallel: ParallelReport | null = null;
  if (options.workers) {
    log('workers: batch 32 in process, over 1 and 2 worker threads (run-parallel.js) …');
    parallel = runParallel(options);
  } else notes.push('workers skipped (--no-workers)');

  // 7. Whole processes: start-up, peak memory, and the run's time against numpy's.
  let processes: ProcessRow[] = [];
  if (options.processes) {
    log(`whole processes: char-rnn train --updates ${options.processUpdates} against numpy_train.py, 3 runs each, alternating …`);
    processes = await runWholeProcesses({ updates: options.processUpdates, repeats: 3, book: corpus.book, numpy: options.numpy && numpyUnavailable() === null, log });
  } else notes.push('whole processes skipped (--no-processes)');

  const numpyBest = rows.find((r) => r.name.startsWith('numpy (time-batched'));
  const plain = rows.find((r) => r.name.startsWith('plain JS'));
  const weftJs = rows.find((r) => r.name === 'weft (pure JS)');
  const weft32 = rows.find((r) => r.name.startsWith('weft (WebAssembly') && r.dtype === 'float32');
  const b1 = batchRows[0]!.charsPerSecond;
  const b32 = batchRows[2]!.charsPerSecond;
  const weftProcess = processes.find((p) => p.name.startsWith('char-rnn') && !p.name.includes('float32'));
  const numpyProcess = processes.find((p) => p.name.startsWith('numpy'));
  const targets = {
    weftOverNumpy: numpyBest ? { value: weftRate / numpyBest.updatesPerSecond, target: 1.5 } : null,
    float32OverFloat64: weft32 && wasmOk ? { value: weft32.updatesPerSecond / weftRate, target: 1.4 } : null,
    weftOverNumpyWholeProcess: weftProcess && numpyProcess ? { value: numpyProcess.median.seconds / weftProcess.median.seconds, target: 1.5 } : null,
    twoWorkersOverOne: parallel?.twoOverOneWorker != null ? { value: parallel.twoOverOneWorker, target: 1.7, twoThreadControl: parallel.machine.twoThreadScaling } : null,
    peakResidentMiB: weftProcess?.median.peakMiB != null ? { value: weftProcess.median.peakMiB, target: 100 } : null,
    startUpSeconds: weftProcess?.median.firstUpdateSeconds != null ? { value: weftProcess.median.firstUpdateSeconds, target: 0.3 } : null,
    heapGrowthBytes: { value: heapAfter - heapBefore, updates: heapUpdates },
    heapGrowthBytesWithWorkers: parallel ? { value: parallel.memory.heapAfter - parallel.memory.heapBefore, rssGrowth: parallel.memory.rssAfter - parallel.memory.rssBefore, updates: parallel.memory.updates } : null,
    pureJsOverPlainJs: weftJs && plain ? { value: weftJs.updatesPerSecond / plain.updatesPerSecond, target: 1.0 } : null,
    batch32OverBatch1Chars: { value: b32 / b1, target: 8 },
    projectedDefaultRunSeconds: { value: projectedSeconds, target: 150 },
  };

  if (options.json) {
    console.log(
      JSON.stringify(
        {
          config: { hidden: HIDDEN, seqLength: SEQ_LENGTH, vocabSize: corpus.vocabSize, chars: corpus.ids.length, rounds: options.rounds, roundSeconds, quick: options.quick },
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
          numpy: numpyInfo,
          updates: rows,
          batches: batchRows,
          heap: { updates: heapUpdates, seconds: heapSeconds, heapUsedBefore: heapBefore, heapUsedAfter: heapAfter, wasmHeapUsedBefore: wasmBefore, wasmHeapUsedAfter: wasmAfter },
          projection: { updatesPerEpoch, epochs: 10, seconds: projectedSeconds },
          kernels: { js: kernelsJs, wasm: kernelsWasm },
          parallel,
          processes,
          targets,
          notes,
          seconds: (performance.now() - started) / 1000,
        },
        null,
        2,
      ),
    );
    return;
  }

  console.log(`\nTraining updates/s, batch 1 (median of ${options.rounds} alternating rounds; ratio to ${reference.name}):`);
  console.log(
    table(
      ['implementation', 'dtype', 'updates/s', 'ratio to weft'],
      rows.map((r) => [r.name, r.dtype, r.updatesPerSecond.toFixed(0), r.ratio!.toFixed(2)]),
      [false, false, true, true],
    ),
  );
  if (numpyInfo) console.log(`numpy ${numpyInfo.numpy} on ${numpyInfo.blas}, OpenBLAS core ${numpyInfo.core}, ${numpyInfo.threads ?? '?'} threads (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for numpy only)`);
  console.log(`\nweft (${backend}) by batch size (characters/s = updates/s · T · B):`);
  console.log(
    table(
      ['batch', 'updates/s', 'chars/s', 'vs batch 1'],
      batchRows.map((r, i) => [String([1, 8, 32][i]), r.updatesPerSecond.toFixed(0), r.charsPerSecond.toFixed(0), (r.charsPerSecond / b1).toFixed(2) + '×']),
      [true, true, true, true],
    ),
  );
  const mb = (x: number): string => (x / 1048576).toFixed(2) + ' MiB';
  console.log(
    `\nHeap over ${heapUpdates} updates of weft (${backend}, ${heapSeconds.toFixed(1)} s${options.long ? '' : '; --long runs 100k'}): ` +
      `JS heap ${mb(heapBefore)} → ${mb(heapAfter)} (${heapAfter >= heapBefore ? '+' : ''}${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB), ` +
      `wasm heap ${mb(wasmBefore)} → ${mb(wasmAfter)}`,
  );
  console.log(
    `Projected default char-rnn run (10 epochs × ${updatesPerEpoch} updates at ${weftRate.toFixed(0)} updates/s): ${(projectedSeconds / 60).toFixed(2)} min`,
  );
  const kernelRows = kernelsJs.map((k, i) => {
    const w = kernelsWasm[i];
    const fmt = (r: KernelRow | undefined): string => (r === undefined ? '' : r.gflops === null ? `${r.nsPerCall.toFixed(0)} ns` : `${r.gflops.toFixed(2)} GF/s`);
    return [k.kernel, k.shape, fmt(k), fmt(w)];
  });
  console.log('\nKernels (GFLOP/s, or ns per call), pure JS vs WebAssembly backend:');
  console.log(table(['kernel', 'shape', 'pure JS', 'wasm'], kernelRows, [false, false, true, true]));
  if (parallel) printParallel(parallel);
  if (processes.length > 0) printProcesses(processes);
  console.log('\nTargets (issue 13, then issue 7):');
  const t = targets;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  if (t.weftOverNumpy) console.log(`  weft float64 batch 1 ≥ 1.5× numpy (time-batched) updates/s, in process: ${t.weftOverNumpy.value.toFixed(2)}× — ${verdict(t.weftOverNumpy.value >= 1.5)}`);
  if (t.weftOverNumpyWholeProcess) console.log(`  … and as whole processes (${options.processUpdates} updates, numpy's time / char-rnn's): ${t.weftOverNumpyWholeProcess.value.toFixed(2)}× — ${verdict(t.weftOverNumpyWholeProcess.value >= 1.5)}`);
  if (t.float32OverFloat64) console.log(`  weft float32 batch 1 ≥ 1.4× weft float64: ${t.float32OverFloat64.value.toFixed(2)}× — ${verdict(t.float32OverFloat64.value >= 1.4)}`);
  if (t.twoWorkersOverOne) console.log(`  batch 32, 2 workers ≥ 1.7× the chars/s of 1 worker: ${t.twoWorkersOverOne.value.toFixed(2)}× — ${verdict(t.twoWorkersOverOne.value >= 1.7)} (control: 2 threads of pure arithmetic ${t.twoWorkersOverOne.twoThreadControl.toFixed(2)}× 1)`);
  if (t.peakResidentMiB) console.log(`  peak resident memory of char-rnn train --updates ${options.processUpdates} ≤ 100 MiB: ${t.peakResidentMiB.value.toFixed(1)} MiB — ${verdict(t.peakResidentMiB.value <= 100)}`);
  if (t.startUpSeconds) console.log(`  start-up (spawn to the first update done) ≤ 0.3 s: ${t.startUpSeconds.value.toFixed(3)} s — ${verdict(t.startUpSeconds.value <= 0.3)}`);
  console.log(`  heap flat: ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB over ${heapUpdates} updates`);
  if (t.heapGrowthBytesWithWorkers) {
    const w = t.heapGrowthBytesWithWorkers;
    console.log(`  heap flat with workers: coordinator ${(w.value / 1024).toFixed(0)} KiB, process RSS ${(w.rssGrowth / 1024).toFixed(0)} KiB over ${w.updates} updates`);
  }
  if (t.pureJsOverPlainJs) console.log(`  pure-JS weft ≥ 1.0× plain JS: ${t.pureJsOverPlainJs.value.toFixed(2)}× — ${verdict(t.pureJsOverPlainJs.value >= 1)}`);
  console.log(`  batch 32 ≥ 8× chars/s of batch 1 (one thread): ${t.batch32OverBatch1Chars.value.toFixed(2)}× — ${verdict(t.batch32OverBatch1Chars.value >= 8)}`);
  console.log(`  default run < 2.5 min: ${(projectedSeconds / 60).toFixed(2)} min (projected) — ${verdict(projectedSeconds < 150)}`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`(benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (options.cells) runCells(options);
}

/** What run-parallel.js reports with --json. */
interface ParallelReport {
  config: { batch: number; backend: string; rounds: number };
  machine: { loadBefore: number[]; loadAfter: number[]; twoThreadScaling: number };
  rows: { name: string; workers: number; updatesPerSecond: number; charsPerSecond: number }[];
  twoOverOneWorker: number | null;
  memory: { contender: string; updates: number; heapBefore: number; heapAfter: number; rssBefore: number; rssAfter: number };
}

/** The data-parallel rows (run-parallel.ts) in a child process: its threads and heaps are its own; its report comes back as JSON. */
function runParallel(options: Options): ParallelReport {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'run-parallel.js');
  const args = [script, '--json', '--rounds', String(options.rounds), ...(options.quick ? ['--quick'] : []), ...(options.long ? ['--long'] : [])];
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bench: the data-parallel bench (${script}) failed with status ${result.status}`);
  return JSON.parse(result.stdout) as ParallelReport;
}

function printParallel(p: ParallelReport): void {
  const base = p.rows[0]!.charsPerSecond;
  console.log(`\nbatch ${p.config.batch} (${p.config.backend}) in process and over worker threads (dataParallel; median of ${p.config.rounds} alternating rounds):`);
  console.log(
    table(
      ['implementation', 'updates/s', 'chars/s', 'vs in process'],
      p.rows.filter((r) => r.workers >= 0).map((r) => [r.name, r.updatesPerSecond.toFixed(1), r.charsPerSecond.toFixed(0), (r.charsPerSecond / base).toFixed(2) + '×']),
      [false, true, true, true],
    ),
  );
  console.log(`control, in the same rounds: pure arithmetic on 2 threads vs 1: ${p.machine.twoThreadScaling.toFixed(2)}× (2.00 when both cores are free)`);
  const m = p.memory;
  const mib = (x: number): string => (x / 2 ** 20).toFixed(1) + ' MiB';
  console.log(`memory over ${m.updates} updates, ${m.contender}: coordinator JS heap ${mib(m.heapBefore)} → ${mib(m.heapAfter)}, process RSS (all threads) ${mib(m.rssBefore)} → ${mib(m.rssAfter)}`);
}

function printProcesses(rows: ProcessRow[]): void {
  const runs = rows[0]!.runs.length;
  console.log(`\nWhole processes (median of ${runs} alternating runs; start-up = spawn to the first update done; peak = getrusage maxRSS):`);
  const s = (x: number | null, digits: number): string => (x === null ? '–' : x.toFixed(digits));
  console.log(
    table(
      ['command', 'seconds', 'updates/s', 'start-up s', 'peak MiB'],
      rows.map((r) => [r.name, s(r.median.seconds, 2), r.updates > 0 ? (r.updates / r.median.seconds).toFixed(0) : '–', s(r.median.firstUpdateSeconds, 3), s(r.median.peakMiB, 1)]),
      [false, true, true, true, true],
    ),
  );
}

/** The LSTM/GRU rows (run-cells.ts) in a child process, so their heap and wasm heap are their own. */
function runCells(options: Options): void {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'run-cells.js');
  const args = [script, ...(options.quick ? ['--quick'] : []), ...(options.json ? ['--json'] : []), ...(options.numpy ? [] : ['--no-torch'])];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`bench: the LSTM/GRU bench (${script}) failed with status ${result.status}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});

/**
 * `npm run bench`: how fast weft trains the report's char-RNN, next to a
 * hand-written plain-JS update, TF.js (cpu and wasm backends) and numpy.
 *
 *   node bench/dist/run.js [--quick] [--long] [--json] [--rounds N] [--no-tfjs] [--no-numpy] [--no-cells]
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
 * then the LSTM/GRU rows (run-cells.ts, in a child process: fused and
 * composed cells, PyTorch when /usr/bin/python3 has torch) unless --no-cells.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { withBackend, wasmHeapStats, wasmSupported, wasmUnavailableReason, type Backend } from '@weft/tensor';
import { loadBenchCorpus, SequenceReader, type BenchCorpus } from './corpus.js';
import { runKernelBench, type KernelRow } from './kernels.js';
import { NumpyRnn, numpyUnavailable, type NumpyInfo } from './numpy.js';
import { PlainRnn } from './plain-js.js';
import { loadTfjs } from './tfjs.js';
import { HIDDEN, SEQ_LENGTH, WeftTrainer } from './weft-rnn.js';
import { roundSizes } from './rounds.js';

interface Options {
  quick: boolean;
  long: boolean;
  json: boolean;
  rounds: number;
  tfjs: boolean;
  numpy: boolean;
  cells: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, long: false, json: false, rounds: 0, tfjs: true, numpy: true, cells: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') options.quick = true;
    else if (a === '--long') options.long = true;
    else if (a === '--json') options.json = true;
    else if (a === '--no-tfjs') options.tfjs = false;
    else if (a === '--no-numpy') options.numpy = false;
    else if (a === '--no-cells') options.cells = false;
    else if (a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --rounds needs a positive integer, got ${argv[i]}`);
      options.rounds = n;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/dist/run.js [--quick] [--long] [--json] [--rounds N] [--no-tfjs] [--no-numpy] [--no-cells]');
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${a} (try --help)`);
  }
  if (options.rounds === 0) options.rounds = options.quick ? 5 : 7;
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
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

function weftContender(corpus: BenchCorpus, backend: Backend, batch: number, label?: string): Contender {
  const trainer = new WeftTrainer(corpus, { backend, batch });
  let name = label ?? `weft (${trainer.backend === 'wasm' ? 'WebAssembly SIMD' : 'pure JS'})`;
  if (backend === 'wasm' && !trainer.onWasmHeap) name += ' [params NOT on the wasm heap]';
  return { name, dtype: 'float64', charsPerUpdate: SEQ_LENGTH * batch, run: (n) => timed(() => trainer.run(n)) };
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

/** Collects garbage when the runtime allows it (node's --expose-gc, switched on here), so heap numbers are live data. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc === 'function') {
    gc();
    gc();
  }
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
  if (wasmOk) contenders.push(weftContender(corpus, 'wasm', 1));
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

  const numpyBest = rows.find((r) => r.name.startsWith('numpy (time-batched'));
  const plain = rows.find((r) => r.name.startsWith('plain JS'));
  const weftJs = rows.find((r) => r.name === 'weft (pure JS)');
  const b1 = batchRows[0]!.charsPerSecond;
  const b32 = batchRows[2]!.charsPerSecond;
  const targets = {
    weftOverNumpy: numpyBest ? { value: weftRate / numpyBest.updatesPerSecond, target: 1.5 } : null,
    pureJsOverPlainJs: weftJs && plain ? { value: weftJs.updatesPerSecond / plain.updatesPerSecond, target: 1.0 } : null,
    batch32OverBatch1Chars: { value: b32 / b1, target: 8 },
    heapGrowthBytes: { value: heapAfter - heapBefore, updates: heapUpdates },
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
  console.log('\nTargets (issue 7):');
  const t = targets;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  if (t.weftOverNumpy) console.log(`  weft ≥ 1.5× numpy (time-batched) updates/s: ${t.weftOverNumpy.value.toFixed(2)}× — ${verdict(t.weftOverNumpy.value >= 1.5)}`);
  if (t.pureJsOverPlainJs) console.log(`  pure-JS weft ≥ 1.0× plain JS: ${t.pureJsOverPlainJs.value.toFixed(2)}× — ${verdict(t.pureJsOverPlainJs.value >= 1)}`);
  console.log(`  batch 32 ≥ 8× chars/s of batch 1: ${t.batch32OverBatch1Chars.value.toFixed(2)}× — ${verdict(t.batch32OverBatch1Chars.value >= 8)}`);
  console.log(`  heap flat: ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB over ${heapUpdates} updates`);
  console.log(`  default run < 2.5 min: ${(projectedSeconds / 60).toFixed(2)} min (projected) — ${verdict(projectedSeconds < 150)}`);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`(benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (options.cells) runCells(options);
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

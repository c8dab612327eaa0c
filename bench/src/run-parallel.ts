/**
 * Data-parallel training speed: the report's char-RNN (m = 100, T = 25) at
 * batch 32, AdaGrad lr 0.1 with clipping ±5 on the coordinator, the 32
 * streams split over 1 and 2 worker threads (@weft/layers' `dataParallel`,
 * every worker on its own WebAssembly heap), next to the same update in
 * process (no workers).
 *
 *   node bench/dist/run-parallel.js [--quick] [--long] [--rounds N] [--batch B] [--workers 1,2] [--json]
 *
 * Method as in run.ts: a warm-up sizes each contender's rounds to ~0.6 s
 * (0.2 s with --quick); the contenders alternate within every round, in an
 * order that rotates, so load from other processes hits them alike; a row is
 * the median over the rounds and ratios are between medians of this run.
 *
 * Then memory with the most workers (one stream each): the coordinator's JS
 * heap and the process's resident memory (every thread's) before and after
 * 2,000 updates (20,000 by default, 100,000 with --long), each after a
 * garbage collection.
 */
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { charRnn, dataParallel, type CharRnnModel, type DataParallel, type WorkerPort } from '@weft/layers';
import { AdaGrad } from '@weft/optim';
import { Rng, wasmSupported, withBackend, type Backend } from '@weft/tensor';
import { loadBenchCorpus, SequenceReader, type BenchCorpus } from './corpus.js';
import { CLIP, EPS, HIDDEN, LR, SEQ_LENGTH } from './weft-rnn.js';
import { roundSizes } from './rounds.js';
import { collectGarbage } from './gc.js';
import { median } from './median.js';

interface Options {
  quick: boolean;
  long: boolean;
  json: boolean;
  rounds: number;
  batch: number;
  workers: number[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, long: false, json: false, rounds: 0, batch: 32, workers: [1, 2] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const positive = (what: string): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`run-parallel: ${what} needs a positive integer, got ${argv[i]}`);
      return n;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--long') o.long = true;
    else if (a === '--json') o.json = true;
    else if (a === '--rounds') o.rounds = positive('--rounds');
    else if (a === '--batch') o.batch = positive('--batch');
    else if (a === '--workers') {
      o.workers = (argv[++i] ?? '').split(',').map(Number);
      if (o.workers.length === 0 || o.workers.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`run-parallel: --workers needs a list like 1,2, got ${argv[i]}`);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/dist/run-parallel.js [--quick] [--long] [--rounds N] [--batch B] [--workers 1,2] [--json]');
      process.exit(0);
    } else throw new Error(`run-parallel: unknown argument ${a} (try --help)`);
  }
  if (o.rounds === 0) o.rounds = o.quick ? 5 : 7;
  return o;
}

/** A Node Worker as a Web-Worker-shaped port (as examples/char-rnn/src/parallel.ts's nodeWorkerPort). */
function nodePort(worker: Worker): WorkerPort {
  return {
    postMessage: (m, t) => worker.postMessage(m, t as never),
    addEventListener: (type, fn) => {
      if (type === 'message') worker.on('message', (data) => fn({ data }));
      else {
        worker.on('error', (err) => fn({ message: err.message }));
        worker.on('exit', (code) => fn({ message: `its thread exited with code ${code}` }));
      }
    },
    terminate: () => worker.terminate(),
  };
}

/** One row: `run(n)` performs n updates and resolves to the seconds they took. */
interface Contender {
  name: string;
  /** 0 in process, N dataParallel workers, −k the control on k threads. */
  workers: number;
  run(n: number): Promise<number>;
  close(): Promise<void>;
  /** The coordinator's time accounting (dataParallel rows only). */
  dp?: DataParallel;
}

/** The coordinator's model and optimizer (on the WebAssembly heap when available), and the data. */
function setup(corpus: BenchCorpus, batch: number, backend: Backend): { model: CharRnnModel; opt: AdaGrad; reader: SequenceReader } {
  // Allocated in the scope: the model's tensors and the optimizer's state live where `backend` says, which picks the kernels.
  return withBackend(backend, () => {
    const model = charRnn({ vocabSize: corpus.vocabSize, hidden: HIDDEN, rng: new Rng(1), batch });
    const opt = new AdaGrad(model.parameters(), { lr: LR, eps: EPS, clipValue: CLIP });
    return { model, opt, reader: new SequenceReader(corpus.ids, SEQ_LENGTH, batch) };
  });
}

function inProcess(corpus: BenchCorpus, batch: number, backend: Backend): Contender {
  const { model, opt, reader } = setup(corpus, batch, backend);
  return {
    name: 'in process (no workers)',
    workers: 0,
    run: (n) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        reader.next();
        if (reader.wrapped) model.resetState();
        model.zeroGrad();
        model.lossAndGradients(reader.inputs, reader.targets);
        opt.step();
      }
      return Promise.resolve((performance.now() - start) / 1000);
    },
    close: () => Promise.resolve(),
  };
}

async function parallel(corpus: BenchCorpus, batch: number, backend: Backend, workers: number): Promise<Contender> {
  const { model, opt, reader } = setup(corpus, batch, backend);
  const ports = Array.from({ length: workers }, (_, w) => nodePort(new Worker(new URL('./parallel-worker.js', import.meta.url), { name: `bench worker ${w}` })));
  const a = model.architecture;
  const dp: DataParallel = await dataParallel(model, { spec: { model: 'charRnn', vocabSize: a.vocabSize, hidden: a.hidden }, batch, ports, backend });
  if (dp.workerBackend !== backend) throw new Error(`run-parallel: the workers run '${dp.workerBackend}', expected '${backend}'`);
  return {
    name: `${workers} worker${workers === 1 ? '' : 's'} (dataParallel)`,
    workers,
    run: async (n) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        reader.next();
        if (reader.wrapped) await dp.resetState();
        model.zeroGrad();
        await dp.lossAndGradients(reader.inputs, reader.targets);
        opt.step();
      }
      return (performance.now() - start) / 1000;
    },
    close: () => dp.close(),
    dp,
  };
}

/**
 * The control: a fixed unit of pure arithmetic (no memory traffic, no
 * messages besides one per thread per unit) on `threads` worker threads,
 * each doing 1/threads of it. Measured in the same alternating rounds as the
 * weft rows, its 2-thread / 1-thread ratio is what a second thread could buy
 * on this machine during those rounds (2.0 with two free cores).
 */
function spinControl(threads: number, pool: Worker[]): Contender {
  const unit = 4e6; // iterations per "update", a few ms
  return {
    name: `control: arithmetic on ${threads} thread${threads === 1 ? '' : 's'}`,
    workers: -threads,
    run: async (n) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        await Promise.all(
          pool.slice(0, threads).map(
            (w) =>
              new Promise((done) => {
                w.once('message', done);
                w.postMessage(unit / threads);
              }),
          ),
        );
      }
      return (performance.now() - start) / 1000;
    },
    close: () => Promise.resolve(),
  };
}

/** Memory of `c` over `updates` updates: the coordinator's JS heap and the process's RSS, after a collection each. */
async function memoryOver(c: Contender, updates: number): Promise<{ updates: number; heapBefore: number; heapAfter: number; rssBefore: number; rssAfter: number }> {
  await c.run(200); // lazily made buffers first
  collectGarbage();
  const before = process.memoryUsage();
  await c.run(updates);
  collectGarbage();
  const after = process.memoryUsage();
  return { updates, heapBefore: before.heapUsed, heapAfter: after.heapUsed, rssBefore: before.rss, rssAfter: after.rss };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = o.json ? (s: string): void => void process.stderr.write(s + '\n') : (s: string): void => console.log(s);
  const backend: Backend = wasmSupported() ? 'wasm' : 'js';
  const corpus = await loadBenchCorpus(200_000);
  const roundSeconds = o.quick ? 0.2 : 0.6;
  const warmupSeconds = o.quick ? 0.4 : 1.5;
  const loadBefore = loadavg();
  log(`weft data-parallel benchmark: char-RNN m=${HIDDEN}, T=${SEQ_LENGTH}, K=${corpus.vocabSize}, batch ${o.batch}, backend ${backend}; ${o.rounds} rounds of ~${roundSeconds}s`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  const contenders: Contender[] = [inProcess(corpus, o.batch, backend)];
  const spinUrl = new URL('./spin-worker.js', import.meta.url);
  const spinPool = [new Worker(spinUrl), new Worker(spinUrl)];
  try {
    for (const n of o.workers) contenders.push(await parallel(corpus, o.batch, backend, n));
    contenders.push(spinControl(1, spinPool), spinControl(2, spinPool));
    const sizes = await roundSizes(contenders, warmupSeconds, roundSeconds);
    const rates: number[][] = contenders.map(() => []);
    const before = contenders.map((c) => (c.dp ? { ...c.dp.stats } : null));
    for (let r = 0; r < o.rounds; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + r) % contenders.length;
        rates[i]!.push(sizes[i]! / (await contenders[i]!.run(sizes[i]!)));
      }
    }
    const chars = SEQ_LENGTH * o.batch;
    const rows = contenders.map((c, i) => {
      const b = before[i];
      const s = c.dp?.stats;
      // Per update over the measured rounds: wall time, slowest worker's compute, coordinator's own work, the rest (messages, waiting for a CPU).
      const split = b && s ? ((n: number) => ({ totalMs: (s.totalMs - b.totalMs) / n, slowestWorkerMs: (s.slowestWorkerMs - b.slowestWorkerMs) / n, coordinatorMs: (s.coordinatorMs - b.coordinatorMs) / n }))(s.updates - b.updates) : null;
      return { name: c.name, workers: c.workers, updatesPerSecond: median(rates[i]!), charsPerSecond: median(rates[i]!) * chars, rounds: rates[i]!, split };
    });
    const one = rows.find((r) => r.workers === 1);
    const two = rows.find((r) => r.workers === 2);
    const ratio = one && two ? two.charsPerSecond / one.charsPerSecond : null;
    const spin1 = rows.find((r) => r.workers === -1)!;
    const spin2 = rows.find((r) => r.workers === -2)!;
    const control = spin2.updatesPerSecond / spin1.updatesPerSecond;
    // Memory per update does not depend on the batch; one stream per worker makes 100k updates take a minute, not ten.
    const most = Math.max(...o.workers);
    const memoryUpdates = o.long ? 100_000 : o.quick ? 2_000 : 20_000;
    log(`memory: ${memoryUpdates} updates with ${most} workers at batch ${most} …`);
    const small = await parallel(corpus, most, backend, most);
    contenders.push(small); // closed with the others
    const memory = { contender: `${most} workers (dataParallel), batch ${most}`, ...(await memoryOver(small, memoryUpdates)) };
    const loadAfter = loadavg();
    if (o.json) {
      console.log(JSON.stringify({ config: { hidden: HIDDEN, seqLength: SEQ_LENGTH, batch: o.batch, backend, rounds: o.rounds, roundSeconds }, machine: { cpus: cpus().length, loadBefore, loadAfter, twoThreadScaling: control }, rows, twoOverOneWorker: ratio, memory }, null, 2));
      return;
    }
    const base = rows[0]!.charsPerSecond;
    console.log(`\nchars/s at batch ${o.batch} (median of ${o.rounds} alternating rounds):`);
    for (const r of rows.filter((x) => x.workers >= 0)) console.log(`  ${r.name.padEnd(28)} ${r.updatesPerSecond.toFixed(1).padStart(8)} updates/s ${r.charsPerSecond.toFixed(0).padStart(9)} chars/s  ${(r.charsPerSecond / base).toFixed(2)}× in-process`);
    for (const r of rows) {
      if (!r.split) continue;
      const { totalMs, slowestWorkerMs, coordinatorMs } = r.split;
      console.log(`  ${r.name}: per update ${totalMs.toFixed(2)} ms = slowest worker ${slowestWorkerMs.toFixed(2)} + coordinator ${coordinatorMs.toFixed(2)} + messages/waiting ${(totalMs - slowestWorkerMs - coordinatorMs).toFixed(2)} (optimizer step not included)`);
    }
    if (ratio !== null) console.log(`  2 workers / 1 worker: ${ratio.toFixed(2)}× (target ≥ 1.7×) — ${ratio >= 1.7 ? 'met' : 'NOT met'}`);
    console.log(`control, in the same rounds: pure arithmetic on 2 threads vs 1: ${control.toFixed(2)}× (2.00 when 2 cores are free)`);
    const mib = (x: number): string => (x / 2 ** 20).toFixed(2) + ' MiB';
    console.log(`memory over ${memory.updates} updates, ${memory.contender}: coordinator JS heap ${mib(memory.heapBefore)} → ${mib(memory.heapAfter)}, process RSS ${mib(memory.rssBefore)} → ${mib(memory.rssAfter)}`);
    console.log(`load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (on ${cpus().length} cores)`);
  } finally {
    await Promise.all(contenders.map((c) => c.close()));
    await Promise.all(spinPool.map((w) => w.terminate()));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});

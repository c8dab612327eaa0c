/**
 * Start-up and memory of `char-rnn train` (issue 13, item 2): the time to the
 * first update, the resident memory then, and the peak resident memory of a
 * whole run, as a user sees them — each run a fresh `node` process on the
 * built CLI with the default model and corpus.
 *
 *   node bench/dist/cli-footprint.js [--updates N] [--runs R] [--base path/to/other/cli.js]
 *
 * (this checkout: examples/char-rnn/dist/cli.js, which runs the bundle of `npm run build`)
 *
 * The CLI reports both itself when CHAR_RNN_TIMING=1 (two lines on stderr:
 * the first update's `performance.now()`, RSS and CPU time; at exit the peak,
 * getrusage's ru_maxrss, the number `/usr/bin/time -v` prints). `node -e 0`
 * is timed in the same loop as the control: on this shared machine it shows
 * the load every other number suffers. With `--base`, that CLI's runs are
 * interleaved with this one's; a CLI that does not print the exit line gets
 * its peak from `/usr/bin/time` when the machine has it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAR_RNN_CLI, charRnnTrain, NODE_CONTROL, runTimed } from './cli-run.js';
import { median } from './median.js';

/** One `char-rnn train` process, as measured. Times in ms since the process started; memory in MiB. */
export interface FootprintRun {
  /** When the first update was done. */
  firstUpdateMs: number;
  /** Resident memory then. */
  firstUpdateRssMiB: number;
  /** CPU time (user + system) by then; NaN when the CLI does not report it. */
  firstUpdateCpuMs: number;
  /** Peak resident memory of the whole run. */
  peakRssMiB: number;
  /** Wall time of the whole process, as the parent saw it. */
  wallMs: number;
}

/** Medians of several runs of one CLI, and the control. */
export interface FootprintSummary {
  runs: number;
  updates: number;
  /** Median wall time of `node -e 0`, in ms. */
  nodeMs: number;
  /** The 1-minute load average before the first run. */
  load: number;
  /** Per CLI (by the name given): the median of each field over the runs. */
  medians: Record<string, FootprintRun>;
  /** Per CLI: the lowest and highest peak resident memory of its runs, in MiB. */
  peakRange: Record<string, [number, number]>;
}

const TIME = '/usr/bin/time';

/**
 * Runs `node cli train --updates <updates> --out <temp dir> --json` (plus
 * `args`) with CHAR_RNN_TIMING=1 and returns what it reported. Rejects with a
 * one-line Error when it fails or prints no first-update line.
 */
export async function runCliFootprint(cli: string, updates: number, args: readonly string[] = []): Promise<FootprintRun> {
  const out = mkdtempSync(join(tmpdir(), 'char-rnn-footprint-'));
  try {
    const train = charRnnTrain({ name: `cli-footprint: ${cli}`, cli, updates, out: join(out, 'run'), args });
    // a CLI without the exit line (an older --base) gets its peak from /usr/bin/time
    const command = { ...train, expect: { firstUpdate: true, exit: false } };
    const useTime = existsSync(TIME);
    const run = await runTimed(useTime ? { ...command, file: TIME, args: ['-f', 'maxrss-kib %M', train.file, ...train.args] } : command);
    const first = run.timing.firstUpdate!; // runTimed rejects a run without it
    const time = /maxrss-kib (\d+)/.exec(run.stderr);
    const peakRssMiB = run.timing.exit ? run.timing.exit.peakMiB : time ? Number(time[1]) / 1024 : NaN;
    return { firstUpdateMs: first.ms, firstUpdateRssMiB: first.rssMiB, firstUpdateCpuMs: first.cpuMs, peakRssMiB, wallMs: run.wallMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Wall time of one `node -e 0`, in ms: the floor of every start on this machine now. */
export async function nodeStartMs(): Promise<number> {
  return (await runTimed(NODE_CONTROL)).wallMs;
}

/**
 * `runs` rounds; in each, `node -e 0` and then every CLI of `clis` (name →
 * path of a built cli.js) once, in that order. Returns the medians.
 */
export async function measureCliFootprint(clis: Readonly<Record<string, string>>, options: { updates: number; runs: number; args?: readonly string[] }): Promise<FootprintSummary> {
  const names = Object.keys(clis);
  const node: number[] = [];
  const runs: Record<string, FootprintRun[]> = Object.fromEntries(names.map((n) => [n, []]));
  const load = loadavg()[0]!;
  for (let r = 0; r < options.runs; r++) {
    node.push(await nodeStartMs());
    for (const name of names) runs[name]!.push(await runCliFootprint(clis[name]!, options.updates, options.args));
  }
  const medians: Record<string, FootprintRun> = {};
  const peakRange: Record<string, [number, number]> = {};
  for (const name of names) {
    const rs = runs[name]!;
    peakRange[name] = [Math.min(...rs.map((x) => x.peakRssMiB)), Math.max(...rs.map((x) => x.peakRssMiB))];
    medians[name] = {
      firstUpdateMs: median(rs.map((x) => x.firstUpdateMs)),
      firstUpdateRssMiB: median(rs.map((x) => x.firstUpdateRssMiB)),
      firstUpdateCpuMs: median(rs.map((x) => x.firstUpdateCpuMs)),
      peakRssMiB: median(rs.map((x) => x.peakRssMiB)),
      wallMs: median(rs.map((x) => x.wallMs)),
    };
  }
  return { runs: options.runs, updates: options.updates, nodeMs: median(node), load, medians, peakRange };
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const updates = Number(flag(argv, '--updates') ?? 1);
  const runs = Number(flag(argv, '--runs') ?? 5);
  const base = flag(argv, '--base');
  const clis: Record<string, string> = base ? { base: resolve(base), this: CHAR_RNN_CLI } : { this: CHAR_RNN_CLI };
  const s = await measureCliFootprint(clis, { updates, runs });
  console.log(`char-rnn train --updates ${updates}: medians of ${runs} runs; node -e 0 ${s.nodeMs.toFixed(0)} ms; load ${s.load.toFixed(1)}`);
  console.log('cli    first update   CPU by then   RSS then   peak RSS (range)          whole run');
  for (const [name, m] of Object.entries(s.medians)) {
    const [lo, hi] = s.peakRange[name]!;
    console.log(
      `${name.padEnd(6)} ${m.firstUpdateMs.toFixed(0).padStart(9)} ms ${m.firstUpdateCpuMs.toFixed(0).padStart(10)} ms ${m.firstUpdateRssMiB.toFixed(1).padStart(6)} MiB ${m.peakRssMiB.toFixed(1).padStart(6)} MiB (${lo.toFixed(1)}–${hi.toFixed(1)}) ${(m.wallMs / 1000).toFixed(2).padStart(9)} s`,
    );
  }
}

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
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The `char-rnn` command of this checkout (it runs the bundle that `npm run build` makes). */
export const DEFAULT_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/char-rnn/dist/cli.js');

const TIME = '/usr/bin/time';

/**
 * Runs `node cli train --updates <updates> --out <temp dir> --json` (plus
 * `args`) with CHAR_RNN_TIMING=1 and returns what it reported. Throws an
 * Error with the child's stderr when it fails or prints no timing line.
 */
export function runCliFootprint(cli: string, updates: number, args: readonly string[] = []): FootprintRun {
  const out = mkdtempSync(join(tmpdir(), 'char-rnn-footprint-'));
  try {
    const argv = [cli, 'train', '--updates', String(updates), '--out', join(out, 'run'), '--json', ...args];
    const useTime = existsSync(TIME);
    const start = performance.now();
    const child = useTime
      ? spawnSync(TIME, ['-f', 'maxrss-kib %M', process.execPath, ...argv], { env: { ...process.env, CHAR_RNN_TIMING: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 })
      : spawnSync(process.execPath, argv, { env: { ...process.env, CHAR_RNN_TIMING: '1' }, encoding: 'utf8', maxBuffer: 64 << 20 });
    const wallMs = performance.now() - start;
    const first = /first update done ([\d.]+) ms after the process started; ([\d.]+) MiB resident(?:; ([\d.]+) ms of CPU)?/.exec(child.stderr);
    if (child.status !== 0 || first === null) {
      throw new Error(`cli-footprint: ${cli} exited ${child.status} without a timing line; stderr: ${child.stderr.slice(-2000)}`);
    }
    const exit = /exit [\d.]+ ms after the process started; peak ([\d.]+) MiB resident/.exec(child.stderr);
    const time = /maxrss-kib (\d+)/.exec(child.stderr);
    const peakRssMiB = exit ? Number(exit[1]) : time ? Number(time[1]) / 1024 : NaN;
    return {
      firstUpdateMs: Number(first[1]),
      firstUpdateRssMiB: Number(first[2]),
      firstUpdateCpuMs: first[3] === undefined ? NaN : Number(first[3]),
      peakRssMiB,
      wallMs,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Wall time of one `node -e 0`, in ms: the floor of every start on this machine now. */
export function nodeStartMs(): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, ['-e', '0']);
  if (child.status !== 0) throw new Error(`cli-footprint: node -e 0 exited ${child.status}`);
  return performance.now() - start;
}

/**
 * `runs` rounds; in each, `node -e 0` and then every CLI of `clis` (name →
 * path of a built cli.js) once, in that order. Returns the medians.
 */
export function measureCliFootprint(clis: Readonly<Record<string, string>>, options: { updates: number; runs: number; args?: readonly string[] }): FootprintSummary {
  const names = Object.keys(clis);
  const node: number[] = [];
  const runs: Record<string, FootprintRun[]> = Object.fromEntries(names.map((n) => [n, []]));
  const load = loadavg()[0]!;
  for (let r = 0; r < options.runs; r++) {
    node.push(nodeStartMs());
    for (const name of names) runs[name]!.push(runCliFootprint(clis[name]!, options.updates, options.args));
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
  const clis: Record<string, string> = base ? { base: resolve(base), this: DEFAULT_CLI } : { this: DEFAULT_CLI };
  const s = measureCliFootprint(clis, { updates, runs });
  console.log(`char-rnn train --updates ${updates}: medians of ${runs} runs; node -e 0 ${s.nodeMs.toFixed(0)} ms; load ${s.load.toFixed(1)}`);
  console.log('cli    first update   CPU by then   RSS then   peak RSS (range)          whole run');
  for (const [name, m] of Object.entries(s.medians)) {
    const [lo, hi] = s.peakRange[name]!;
    console.log(
      `${name.padEnd(6)} ${m.firstUpdateMs.toFixed(0).padStart(9)} ms ${m.firstUpdateCpuMs.toFixed(0).padStart(10)} ms ${m.firstUpdateRssMiB.toFixed(1).padStart(6)} MiB ${m.peakRssMiB.toFixed(1).padStart(6)} MiB (${lo.toFixed(1)}–${hi.toFixed(1)}) ${(m.wallMs / 1000).toFixed(2).padStart(9)} s`,
    );
  }
}

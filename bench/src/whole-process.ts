/**
 * Whole processes, as a user meets them: `char-rnn train --updates N` (the
 * default model on the default corpus, wasm, with its samples, checkpoints
 * and plot; then the same with `--dtype float32`) against bench/numpy_train.py (the same update in numpy on the
 * same text, training and a progress line only), each started fresh,
 * alternating, `repeats` times.
 *
 * Per run: wall time from spawn to exit, time from spawn to the first update
 * (the moment the child's "first update done" line arrives on stderr:
 * char-rnn's CHAR_RNN_TIMING=1 line, numpy_train.py's own), and the peak
 * resident memory the child reports at exit (getrusage's maxRSS, both).
 * A control row times `node -e 0`: what starting Node costs here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { charRnnTrain, NODE_CONTROL, runTimed, type TimedCommand } from './cli-run.js';
import { numpyEnv } from './numpy.js';
import { median } from './median.js';

const NUMPY_TRAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'numpy_train.py');

/** One process's numbers. */
export interface ProcessRun {
  /** Spawn to exit. */
  seconds: number;
  /** Spawn to the first update's line; null for the control. */
  firstUpdateSeconds: number | null;
  /** Peak resident set size the child reported at exit, MiB; null for the control. */
  peakMiB: number | null;
}

/** One command's runs and their medians. */
export interface ProcessRow {
  name: string;
  updates: number;
  runs: ProcessRun[];
  median: ProcessRun;
}

/** Runs `command` once; rejects with a one-line Error when it fails or lacks a timing line it must print. */
async function runOnce(command: TimedCommand): Promise<ProcessRun> {
  const run = await runTimed(command);
  return { seconds: run.wallMs / 1000, firstUpdateSeconds: run.firstUpdateSeenMs === null ? null : run.firstUpdateSeenMs / 1000, peakMiB: run.timing.exit?.peakMiB ?? null };
}

function medianRun(runs: ProcessRun[]): ProcessRun {
  const of = (pick: (r: ProcessRun) => number | null): number | null => {
    const xs = runs.map(pick).filter((x): x is number => x !== null);
    return xs.length === 0 ? null : median(xs);
  };
  return { seconds: of((r) => r.seconds)!, firstUpdateSeconds: of((r) => r.firstUpdateSeconds), peakMiB: of((r) => r.peakMiB) };
}

/**
 * Runs char-rnn, numpy (when `numpy`) and the `node -e 0` control `repeats`
 * times each, alternating, `updates` training updates per run; `book` is the
 * default corpus's text (written to a temporary file for numpy). Returns one
 * row per command: char-rnn (float64, float32) first.
 */
export async function runWholeProcesses(options: { updates: number; repeats: number; book: string; numpy: boolean; log: (s: string) => void }): Promise<ProcessRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-process-'));
  try {
    const text = join(dir, 'book.txt');
    writeFileSync(text, options.book);
    const n = String(options.updates);
    const out = join(dir, 'run');
    const commands: (TimedCommand & { updates: number })[] = [
      { ...charRnnTrain({ name: `char-rnn train --updates ${n}`, updates: options.updates, out }), updates: options.updates },
      { ...charRnnTrain({ name: `char-rnn train --updates ${n} --dtype float32`, updates: options.updates, out, args: ['--dtype', 'float32'] }), updates: options.updates },
    ];
    if (options.numpy) {
      commands.push({
        name: `numpy_train.py (${n} updates)`,
        file: 'python3',
        args: [NUMPY_TRAIN, text, n, join(dir, 'numpy.npz')],
        env: numpyEnv(),
        expect: { firstUpdate: true, exit: true },
        updates: options.updates,
      });
    }
    commands.push({ ...NODE_CONTROL, updates: 0 });
    const runs: ProcessRun[][] = commands.map(() => []);
    for (let r = 0; r < options.repeats; r++) {
      for (let k = 0; k < commands.length; k++) {
        const i = (k + r) % commands.length;
        rmSync(out, { recursive: true, force: true }); // every char-rnn run starts fresh, never resumes
        runs[i]!.push(await runOnce(commands[i]!));
      }
      options.log(`  run ${r + 1}/${options.repeats} done`);
    }
    return commands.map((c, i) => ({ name: c.name, updates: c.updates, runs: runs[i]!, median: medianRun(runs[i]!) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

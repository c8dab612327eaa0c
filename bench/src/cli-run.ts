/**
 * One timed child process for the benches that start `char-rnn train` (and
 * bench/numpy_train.py) as a user does: cli-footprint.ts and whole-process.ts.
 *
 * The child reports its own numbers on stderr. char-rnn with CHAR_RNN_TIMING=1
 * (examples/char-rnn/src/training-run.ts, cli-main.ts) prints
 *
 *   char-rnn timing: first update done 184.7 ms after the process started; 61.7 MiB resident; 229.0 ms of CPU
 *   char-rnn timing: exit 460.3 ms after the process started; peak 81.0 MiB resident
 *
 * and numpy_train.py the same two lines without the numbers it cannot know
 * ("numpy timing: first update done", "numpy timing: peak 52.1 MiB resident").
 * The parent also notes when the first-update line arrives, on its own clock.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `char-rnn` command of this checkout (it runs the bundle that `npm run build` makes). */
export const CHAR_RNN_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/char-rnn/dist/cli.js');

/** The first-update line. Numbers the line does not carry are NaN (numpy_train.py's carries none; CLIs before the CPU field no CPU). */
export interface FirstUpdateLine {
  /** ms from the child's start (its `performance.now()`). */
  ms: number;
  /** Resident memory then, MiB. */
  rssMiB: number;
  /** CPU time (user + system) by then, ms. */
  cpuMs: number;
}

/** The line printed at exit. */
export interface ExitLine {
  /** ms from the child's start; NaN when the line does not carry it (numpy_train.py's). */
  ms: number;
  /** Peak resident memory of the whole run (getrusage's maxRSS), MiB. */
  peakMiB: number;
}

/** The timing lines found on a child's stderr; null for a line that is not there. */
export interface TimingLines {
  firstUpdate: FirstUpdateLine | null;
  exit: ExitLine | null;
}

const MARKER = 'timing: first update done';
const FIRST_UPDATE = /timing: first update done(?: ([\d.]+) ms after the process started; ([\d.]+) MiB resident(?:; ([\d.]+) ms of CPU)?)?/;
const EXIT = /timing: (?:exit ([\d.]+) ms after the process started; )?peak ([\d.]+) MiB resident/;

const num = (s: string | undefined): number => (s === undefined ? NaN : Number(s));

/**
 * Reads the timing lines out of a child's whole stderr (other lines are
 * skipped; the first of each kind counts). Give it the complete text: a line
 * cut short would read as a wrong number.
 */
export function parseTimingLines(stderr: string): TimingLines {
  const lines: TimingLines = { firstUpdate: null, exit: null };
  for (const line of stderr.split('\n')) {
    const first = lines.firstUpdate === null ? FIRST_UPDATE.exec(line) : null;
    if (first) lines.firstUpdate = { ms: num(first[1]), rssMiB: num(first[2]), cpuMs: num(first[3]) };
    const exit = lines.exit === null ? EXIT.exec(line) : null;
    if (exit) lines.exit = { ms: num(exit[1]), peakMiB: num(exit[2]) };
  }
  return lines;
}

/**
 * A child's stderr as it arrives, chunk by chunk. It keeps the whole text and
 * notes when the first-update line came: a line can arrive in two chunks, so
 * it looks in all the text so far, not in the chunk.
 */
export class TimingStderr {
  /** Everything received so far. */
  text = '';
  /** The `now` given with the chunk that completed the first-update marker; null until then. */
  firstUpdateAt: number | null = null;

  /** Adds `chunk`, received at `now` (any clock; ms). */
  push(chunk: string, now: number): void {
    // only the tail of the old text can start the marker
    const from = Math.max(0, this.text.length - MARKER.length + 1);
    this.text += chunk;
    if (this.firstUpdateAt === null && this.text.includes(MARKER, from)) this.firstUpdateAt = now;
  }
}

/** A process to start and time. */
export interface TimedCommand {
  /** What the report and errors call it. */
  name: string;
  file: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** The timing lines a run must print (the control, `node -e 0`, prints none); a run without them is an error. */
  expect: { firstUpdate: boolean; exit: boolean };
}

/** One run, as measured. */
export interface TimedRun {
  /** Spawn to exit, as the parent saw it, ms. */
  wallMs: number;
  /** Spawn to the arrival of the first-update line on the parent's clock, ms; null when none came. */
  firstUpdateSeenMs: number | null;
  /** What the child reported. */
  timing: TimingLines;
  /** The child's whole stderr. */
  stderr: string;
}

/** The last lines of `stderr` on one line, for an error message. */
function tail(stderr: string): string {
  const lines = stderr.trim().split('\n').slice(-3).join(' | ');
  return lines === '' ? '(stderr empty)' : lines;
}

/**
 * Why a finished run does not count (a one-line message naming the command
 * and ending with its last stderr lines), or null when it does: it must exit
 * with 0 and print the lines `command.expect` asks for.
 */
function runProblem(command: TimedCommand, code: number | null, signal: string | null, stderr: string, timing: TimingLines): string | null {
  let problem: string | null = null;
  if (code !== 0) problem = code === null ? `was killed by ${signal}` : `exited with ${code}`;
  else if (command.expect.firstUpdate && timing.firstUpdate === null) problem = `exited with 0 without its "${MARKER}" line`;
  else if (command.expect.exit && timing.exit === null) problem = 'exited with 0 without its "timing: … peak … MiB resident" line';
  return problem === null ? null : `${command.name} ${problem}: ${tail(stderr)}`;
}

/**
 * Starts `command` (stdout ignored, stderr collected) and resolves when it
 * has exited; rejects with a one-line Error when it cannot start, fails, or
 * lacks an expected timing line.
 */
export function runTimed(command: TimedCommand): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const stderr = new TimingStderr();
    const child = spawn(command.file, command.args, { env: command.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => stderr.push(chunk, performance.now()));
    child.on('error', (e) => reject(new Error(`${command.name}: could not start ${command.file}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - start;
      const timing = parseTimingLines(stderr.text);
      const problem = runProblem(command, code, signal, stderr.text, timing);
      if (problem !== null) reject(new Error(problem));
      else resolve({ wallMs, firstUpdateSeenMs: stderr.firstUpdateAt === null ? null : stderr.firstUpdateAt - start, timing, stderr: stderr.text });
    });
  });
}

/**
 * `node <cli> train --updates <updates> --out <out> --json ...args` with
 * CHAR_RNN_TIMING=1, expecting both timing lines.
 */
export function charRnnTrain(options: { name: string; cli?: string; updates: number; out: string; args?: readonly string[] }): TimedCommand {
  return {
    name: options.name,
    file: process.execPath,
    args: [options.cli ?? CHAR_RNN_CLI, 'train', '--updates', String(options.updates), '--out', options.out, '--json', ...(options.args ?? [])],
    env: { ...process.env, CHAR_RNN_TIMING: '1' },
    expect: { firstUpdate: true, exit: true },
  };
}

/** `node -e 0`: what starting Node costs on this machine now (it prints no timing line). */
export const NODE_CONTROL: TimedCommand = { name: 'control: node -e 0', file: process.execPath, args: ['-e', '0'], env: process.env, expect: { firstUpdate: false, exit: false } };

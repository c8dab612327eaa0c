/**
 * What every command receives from the executable (output streams, a stop
 * signal) and the exit codes they return. Its own module so that commands
 * depend on it, not on `main.ts` or on each other.
 */
import type { AtomicWriteFs } from './atomic-write.js';
import type { OutputStream } from './progress.js';
import type { LossCsvFs } from './run-dir.js';

/** Where a command reads its environment from: output streams and an optional stop signal. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * When aborted, `train` finishes the current update, writes a checkpoint and
   * the report, and returns the code of `abortExitCode(signal.reason)`.
   */
  signal?: AbortSignal;
  /**
   * The file-system calls of atomic writes (node:fs/promises by default) and of
   * loss.csv's appends (node:fs by default); tests inject failures such as ENOSPC.
   */
  fs?: AtomicWriteFs & Partial<LossCsvFs>;
}

/**
 * Exit statuses (docs/reliability.md lists them):
 * - 0 done;
 * - 1 the run stopped on a failure it could not train past: the loss diverged,
 *   or a file could not be written (disk full, …); the last good checkpoint is kept;
 * - 2 a user error (one line `char-rnn: …`; nothing of yours written);
 * - 3 quit at once on a second signal (SIGINT, SIGTERM or SIGHUP) during `train`:
 *   nothing more was written, files are as their last complete write left them;
 * - 70 an internal error (a bug: the stack trace is printed);
 * - 129, 130, 143 `train` stopped by SIGHUP, SIGINT (Ctrl-C), SIGTERM after
 *   writing checkpoint.safetensors and the report (128 + the signal's number).
 */
export const EXIT = { ok: 0, failed: 1, diverged: 1, usage: 2, quitAtOnce: 3, internal: 70, interrupted: 130 } as const;

/** The signals `train` stops cleanly on, and the exit code of each (128 + its number). */
export const STOP_SIGNALS = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/** The name of a stop signal. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/** The exit code of a run stopped by `signal.abort(reason)`: the signal's code, or 130 (Ctrl-C) for any other reason. */
export function abortExitCode(reason: unknown): number {
  return typeof reason === 'string' && Object.hasOwn(STOP_SIGNALS, reason) ? STOP_SIGNALS[reason as StopSignal] : STOP_SIGNALS.SIGINT;
}

/** The signal name of an abort reason, for messages ("SIGINT" unless another stop signal is named). */
export function abortSignalName(reason: unknown): StopSignal {
  return typeof reason === 'string' && Object.hasOwn(STOP_SIGNALS, reason) ? (reason as StopSignal) : 'SIGINT';
}

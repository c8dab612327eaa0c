/**
 * What every command receives from the executable (output streams, a stop
 * signal) and the exit codes they return. Its own module so that commands
 * depend on it, not on `main.ts` or on each other.
 */
import type { OutputStream } from './progress.js';

/** Where a command reads its environment from: output streams and an optional stop signal. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * When aborted, `train` finishes the current update, writes a checkpoint and
   * the report, and returns the code of `abortExitCode(signal.reason)`.
   */
  signal?: AbortSignal;
}

/** Exit statuses of `main`. */
export const EXIT = { ok: 0, diverged: 1, usage: 2, internal: 70, interrupted: 130 } as const;

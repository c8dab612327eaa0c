/**
 * One run per run directory: `train` holds a lock file naming its process
 * while it uses the directory, so that two runs or resumes cannot interleave
 * their rows and checkpoints. A lock whose process is gone (killed, crashed)
 * is taken over. Also removes the temporary files a killed run left behind.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { RUN_FILES } from './run-dir.js';

/** The lock file's name inside the run directory. */
export const LOCK_FILE = '.char-rnn.lock';

/** What the lock file holds (one JSON line). */
export interface LockHolder {
  pid: number;
  host?: string;
  started?: string;
}

/** A held lock. */
export interface RunLock {
  /** Removes the lock file (if it is still ours); later calls do nothing. */
  release(): void;
}

/** A lock file this young with no readable holder is still being written by its creator. */
const FRESH_MS = 5000;

/**
 * Locks `dir` (which must exist) for this process: creates `.char-rnn.lock`
 * exclusively (O_EXCL), holding this process's pid. Throws `UserError` naming
 * the holder when a live process holds it; takes over the lock of a process
 * that no longer runs.
 */
export function lockRunDir(dir: string): RunLock {
  const file = join(dir, LOCK_FILE);
  const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      return heldLock(file, mine);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') {
        throw new UserError(`cannot lock the run directory ${dir}: ${(error as Error).message}`, { cause: error });
      }
    }
    const holder = readHolder(file);
    if (holder === 'gone') continue; // released meanwhile: try again
    if (holder === 'unreadable' ? isFresh(file) : isAlive(holder)) {
      const who = holder === 'unreadable' ? 'another process (its lock is being written)' : `pid ${holder.pid}${holder.started ? `, since ${holder.started}` : ''}`;
      throw new UserError(`${dir} is in use by another char-rnn run (${who}); wait for it to end or stop it, or use another --out`);
    }
    // Stale: rename it away first, so that of two processes taking it over only one succeeds.
    const stale = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, stale);
      unlinkSync(stale);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw new UserError(`cannot take over the stale lock ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  throw new UserError(`cannot lock the run directory ${dir}: other processes keep taking the lock`);
}

function heldLock(file: string, mine: string): RunLock {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    try {
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // process.exit (a second signal) skips finally blocks; the lock is still removed.
  process.once('exit', release);
  return { release };
}

function readHolder(file: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isSafeInteger(holder.pid) && holder.pid > 0 ? holder : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function isFresh(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < FRESH_MS;
  } catch {
    return false;
  }
}

/** True when the holder's process still runs (on another host we cannot tell, so we assume it does). */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== undefined && holder.host !== hostname()) return true;
  return processExists(holder.pid);
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** `.checkpoint.safetensors.<pid>.<12 hex>.tmp`: what writeFileAtomic names its temporary files. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files of run files (`.<run file>.<pid>.<hex>.tmp`)
 * whose writer no longer runs — what SIGKILL or a power cut leaves behind —
 * and this process's own (it holds the lock, so none of its writes is in
 * flight). Call it with the lock held. Other files are left alone.
 * Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const ours = new Set<string>(Object.values(RUN_FILES));
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = TEMP_NAME.exec(name);
    if (!match || !ours.has(match[1]!)) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && processExists(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Someone else removed it: fine.
    }
  }
  return removed;
}

import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileWriteError } from './errors.js';

/** The file-system calls `writeFileAtomic` makes (node:fs/promises by default; tests inject failures). */
export interface AtomicWriteFs {
  open: typeof fsp.open;
  rename: typeof fsp.rename;
  unlink: typeof fsp.unlink;
}

/**
 * Writes `data` (a string is written as UTF-8) to `file` so that `file` is
 * either the old content or the complete new content, never a mix: the data
 * goes to a uniquely named temporary file in the same directory (so the rename
 * stays on one file system), is flushed to disk with fsync, and is renamed
 * over `file`. On any failure the temporary file is removed, `file` is left as
 * it was, and a `FileWriteError` naming `file` and the cause is thrown.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { fs?: AtomicWriteFs } = {},
): Promise<void> {
  const fs = options.fs ?? fsp;
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    // 'wx': fail rather than reuse a file that happens to have the same name.
    const handle = await fs.open(temp, 'wx');
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    created = false;
  } catch (error) {
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw new FileWriteError(file, error);
  }
  await syncDirectory(dirname(file));
}

/** Flushes a directory entry change (the rename) to disk; best effort, as not every platform allows it. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open directories; the rename itself is still atomic.
  }
}

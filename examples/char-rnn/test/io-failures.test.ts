/**
 * Issue 12.12: a full disk (or another I/O failure) while training is one line
 * naming the file and the cause, exit 1, with the previous files intact and
 * no temporary file left; an --out where mkdir cannot work is a prompt user error.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AtomicWriteFs } from '../src/atomic-write.js';
import { loadCheckpoint } from '../src/checkpoint.js';
import { main } from '../src/main.js';
import { makeText, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

let dir: string;
let data: string;
beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(1500, 12));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** node:fs/promises, except that writing the `failAt`-th temporary file whose name contains `match` fails with ENOSPC. */
function fullDiskAfter(match: string, failAt: number): AtomicWriteFs {
  let seen = 0;
  return {
    rename: fsp.rename,
    unlink: fsp.unlink,
    open: (async (path: string, flags: string) => {
      const handle = await fsp.open(path, flags);
      if (!String(path).includes(match) || ++seen < failAt) return handle;
      const writeFile = async (bytes: Uint8Array | string): Promise<void> => {
        await handle.write(Buffer.from(bytes).subarray(0, 10)); // a partial write, then the disk is full
        throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
      };
      return Object.assign(Object.create(handle) as object, { writeFile, sync: () => handle.sync(), close: () => handle.close() });
    }) as unknown as AtomicWriteFs['open'],
  };
}

async function runWith(fs: AtomicWriteFs, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, fs });
  return { code, stdout, stderr };
}

describe('I/O failures', () => {
  it.each([
    ['checkpoint.safetensors', 3, true],
    ['report.md', 1, false], // written after the final checkpoint: nothing left to resume
    ['samples.md', 2, true],
  ])('a full disk while writing %s: exit 1, one line, the previous files intact', async (file, failAt, resumable) => {
    const out = join(dir, `full-${file}`);
    const res = await runWith(fullDiskAfter(`.${file}.`, failAt), [
      'train', '--data', data, '--hidden', '8', '--updates', '60', '--checkpoint-every', '10', '--sample-every', '20', '--out', out, '--json',
    ]);
    expect(res.code).toBe(1);
    // Failed mid-run, the line says how to go on: from update 20's checkpoint (the one before the failure).
    const hint = resumable ? `; fix that, then resume from update 20 with: npm run char-rnn -- train --resume ${join(out, 'checkpoint.safetensors')} --data ${data}` : '';
    expect(res.stderr).toBe(`char-rnn: cannot write ${join(out, file)}: no space left on device (ENOSPC); files written before are intact${hint}\n`);
    const names = readdirSync(out);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).not.toContain('.char-rnn.lock');
    if (file === 'checkpoint.safetensors') expect((await loadCheckpoint(join(out, file))).update).toBe(20);
  });

  it('--out under /proc fails at once with one line (no endless mkdir)', () => {
    const cli = resolve('examples/char-rnn/dist/cli.js');
    if (!existsSync(cli) || !existsSync('/proc/self')) return;
    const res = spawnSync(process.execPath, [cli, 'train', '--data', data, '--hidden', '4', '--updates', '1', '--out', '/proc/self/foo'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.signal).toBeNull(); // not killed by the timeout
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('char-rnn: cannot create run directory /proc/self/foo: no such file or directory (ENOENT)\n');
  });
});

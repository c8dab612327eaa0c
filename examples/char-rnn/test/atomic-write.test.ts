/**
 * writeFileAtomic: the target is either the old or the complete new content;
 * a failure part-way leaves the old file untouched and no temporary file behind.
 */
import * as fsp from 'node:fs/promises';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, type AtomicWriteFs } from '../src/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'char-rnn-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('creates a new file and replaces an existing one (strings as UTF-8, bytes as is)', async () => {
  const file = join(dir, 'out.txt');
  await writeFileAtomic(file, 'first 🐋');
  expect(await readFile(file, 'utf8')).toBe('first 🐋');
  await writeFileAtomic(file, Uint8Array.from([1, 2, 3]));
  expect(Array.from(await readFile(file))).toEqual([1, 2, 3]);
  expect(await readdir(dir)).toEqual(['out.txt']);
});

test('a failing rename (a directory where the file should go) leaves it untouched and removes the temp file', async () => {
  const target = join(dir, 'report.md');
  await mkdir(target);
  await writeFile(join(target, 'keep.txt'), 'user data');
  await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
  expect(await readFile(join(target, 'keep.txt'), 'utf8')).toBe('user data');
  expect(await readdir(dir)).toEqual(['report.md']);
});

test('a missing directory fails without creating anything', async () => {
  await expect(writeFileAtomic(join(dir, 'missing', 'x.txt'), 'x')).rejects.toThrow(/ENOENT/);
  expect(await readdir(dir)).toEqual([]);
});

/** node:fs/promises, except that `failAt` throws: 'write' fails after half the data is on disk. */
function failingFs(failAt: 'write' | 'rename'): AtomicWriteFs {
  return {
    open: (async (path: string, flags: string) => {
      const handle = await fsp.open(path, flags);
      if (failAt !== 'write') return handle;
      return new Proxy(handle, {
        get(target, prop) {
          if (prop === 'writeFile') {
            return async (data: string | Uint8Array) => {
              const bytes = typeof data === 'string' ? Buffer.from(data) : data;
              await target.write(bytes.subarray(0, bytes.length >> 1));
              throw new Error('injected: disk full');
            };
          }
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    }) as typeof fsp.open,
    rename: (async (from: string, to: string) => {
      if (failAt === 'rename') throw new Error('injected: rename failed');
      return fsp.rename(from, to);
    }) as typeof fsp.rename,
    unlink: fsp.unlink,
  };
}

test.each(['write', 'rename'] as const)('an injected failure at %s keeps the old file and leaves no temp file', async (failAt) => {
  const file = join(dir, 'checkpoint.safetensors');
  await writeFile(file, 'old content');
  await expect(writeFileAtomic(file, 'new content that is longer', { fs: failingFs(failAt) })).rejects.toThrow(/injected/);
  expect(await readFile(file, 'utf8')).toBe('old content');
  expect(await readdir(dir)).toEqual(['checkpoint.safetensors']);
});

/**
 * loss.csv is appended to as `train` goes, not written atomically: an append
 * that fails mid-run (a full disk, an I/O error, permission withdrawn) must
 * end the run with one line and exit 1, leave loss.csv ending with a complete
 * row, and keep the last checkpoint resumable, the resumed loss.csv then
 * matching a straight run's byte for byte (no duplicate rows, no gap). A row
 * cut short and left so (the process killed between two writes) is dropped
 * on resume: rows are written before their update's checkpoint, so it lies
 * beyond the checkpoint. Faults are injected through `CliIO.fs`, as in
 * io-failures.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ftruncateSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import type { AtomicWriteFs } from '../src/atomic-write.js';
import { loadCheckpoint } from '../src/checkpoint.js';
import { EXIT } from '../src/cli-io.js';
import { main } from '../src/main.js';
import { readLossCsv, type LossCsvFs } from '../src/run-dir.js';
import { makeText, run, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

let dir: string;
let data: string;
/** The straight run every faulty run, once resumed, must equal. */
let straight: string;

const flags = ['--hidden', '8', '--updates', '60', '--log-every', '10', '--checkpoint-every', '20', '--sample-every', '30', '--sample-length', '20', '--json'];
const trainArgs = (out: string): string[] => ['train', '--data', data, ...flags, '--out', out];

beforeAll(async () => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(1500, 5));
  straight = join(dir, 'straight');
  expect((await run(trainArgs(straight))).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ioError = (code: string): Error => Object.assign(new Error(`${code}: injected, write`), { code });

/**
 * node:fs, except that the `row`-th row appended to loss.csv (1: the first; the header and a resume's earlier rows are written atomically) fails:
 * 'refused' throws `code` before writing a byte; 'short' writes half the row,
 * then the next call throws `code`; 'short-uncut' does the same and the cut
 * back fails too (EIO), so the half row stays. Every later write fails too: the disk stays full.
 */
function csvFaultAt(row: number, code: string, how: 'refused' | 'short' | 'short-uncut'): AtomicWriteFs & LossCsvFs {
  let calls = 0;
  let failing = false;
  return {
    open: fsp.open,
    rename: fsp.rename,
    unlink: fsp.unlink,
    writeSync: (fd, buffer, offset, length, position) => {
      if (failing) throw ioError(code);
      if (++calls === row) {
        failing = true;
        if (how === 'refused') throw ioError(code);
        return writeSync(fd, buffer, offset, Math.ceil(length / 2), position);
      }
      return writeSync(fd, buffer, offset, length, position);
    },
    ftruncateSync: (fd, len) => {
      if (how === 'short-uncut') throw ioError('EIO');
      ftruncateSync(fd, len);
    },
  };
}

async function runWith(fs: AtomicWriteFs & LossCsvFs, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, fs });
  return { code, stdout, stderr };
}

/** Resumes `out` from its checkpoint with no fault and expects the files of the straight run, byte for byte. */
async function expectResumesToStraight(out: string): Promise<void> {
  const resumed = await run(['train', '--resume', join(out, 'checkpoint.safetensors'), '--data', data, '--json']);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  for (const name of ['loss.csv', 'checkpoint.safetensors', 'best.safetensors', 'samples.md']) {
    expect([name, readFileSync(join(out, name)).equals(readFileSync(join(straight, name)))]).toEqual([name, true]);
  }
}

describe('a loss.csv append that fails mid-run', () => {
  it.each([
    ['ENOSPC', 'short', 'no space left on device (ENOSPC)'],
    ['EIO', 'refused', 'input/output error (EIO)'],
    ['EACCES', 'refused', 'permission denied (EACCES)'],
  ] as const)('%s (%s write): exit 1, one line with a hint, loss.csv ends with a whole row, the checkpoint resumes', async (code, how, cause) => {
    const out = join(dir, `fail-${code}`);
    // Row 4 is update 40's: the checkpoint of update 40 comes after its row, so the last one is update 20's.
    const res = await runWith(csvFaultAt(4, code, how), trainArgs(out));
    expect(res.code).toBe(EXIT.failed);
    const csv = join(out, 'loss.csv');
    expect(res.stderr).toBe(
      `char-rnn: cannot write ${csv}: ${cause}; files written before are intact; ` +
        `fix that, then resume from update 20 with: npm run char-rnn -- train --resume ${join(out, 'checkpoint.safetensors')} --data ${data}\n`,
    );
    expect(readFileSync(csv, 'utf8').endsWith('\n')).toBe(true);
    expect(readLossCsv(csv).map((r) => r.update)).toEqual([10, 20, 30]);
    expect((await loadCheckpoint(join(out, 'checkpoint.safetensors'))).update).toBe(20);
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp') || n === '.char-rnn.lock')).toEqual([]);
    await expectResumesToStraight(out);
  });

  it('before any checkpoint: the hint says to start again', async () => {
    const out = join(dir, 'fail-early');
    const res = await runWith(csvFaultAt(1, 'ENOSPC', 'refused'), trainArgs(out));
    expect(res.code).toBe(EXIT.failed);
    expect(res.stderr).toBe(
      `char-rnn: cannot write ${join(out, 'loss.csv')}: no space left on device (ENOSPC); files written before are intact; ` +
        `no checkpoint was written yet: fix that and start again (with --force to reuse ${out})\n`,
    );
    expect(readFileSync(join(out, 'loss.csv'), 'utf8')).toBe(`${readFileSync(join(straight, 'loss.csv'), 'utf8').split('\n')[0]}\n`);
    expect((await run([...trainArgs(out), '--force'])).code).toBe(0);
    expect(readFileSync(join(out, 'loss.csv')).equals(readFileSync(join(straight, 'loss.csv')))).toBe(true);
  });
});

describe('a resume on a full disk', () => {
  it('leaves the rows before the checkpoint whole (loss.csv is not emptied), and a later resume continues', async () => {
    const out = join(dir, 'resume-full');
    expect((await run(trainArgs(out).map((a) => (a === '60' ? '40' : a)))).code).toBe(0);
    const before = readFileSync(join(out, 'loss.csv'));
    let calls = 0;
    const full: AtomicWriteFs & LossCsvFs = {
      // The temporary loss.csv is refused, as is every append after the first (the header).
      open: (async (path: string, flags: string) => {
        const handle = await fsp.open(path, flags);
        if (!String(path).includes('.loss.csv.')) return handle;
        const writeFile = async (): Promise<void> => {
          throw ioError('ENOSPC');
        };
        return Object.assign(Object.create(handle) as object, { writeFile, sync: () => handle.sync(), close: () => handle.close() });
      }) as unknown as AtomicWriteFs['open'],
      rename: fsp.rename,
      unlink: fsp.unlink,
      writeSync: (fd, buffer, offset, length, position) => {
        if (calls++ > 0) throw ioError('ENOSPC');
        return writeSync(fd, buffer, offset, length, position);
      },
      ftruncateSync,
    };
    const res = await runWith(full, ['train', '--resume', join(out, 'checkpoint.safetensors'), '--data', data, '--updates', '60', '--json']);
    expect(res.code).toBe(EXIT.failed);
    expect(res.stderr).toMatch(/^char-rnn: cannot write .*loss\.csv: no space left on device \(ENOSPC\); files written before are intact; fix that, then resume from update 40 with: .*\n$/);
    expect(readFileSync(join(out, 'loss.csv')).equals(before)).toBe(true);
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const resumed = await run(['train', '--resume', join(out, 'checkpoint.safetensors'), '--data', data, '--updates', '60', '--json']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(out, 'loss.csv')).equals(readFileSync(join(straight, 'loss.csv')))).toBe(true);
  });
});

describe('a loss.csv row cut short and left so', () => {
  it('when the cut back fails too: exit 1, one line; the resume drops the half row', async () => {
    const out = join(dir, 'uncut');
    const res = await runWith(csvFaultAt(4, 'ENOSPC', 'short-uncut'), trainArgs(out));
    expect(res.code).toBe(EXIT.failed);
    expect(res.stderr.split('\n')).toHaveLength(2); // one line and its newline, no stack trace
    expect(res.stderr).toMatch(/^char-rnn: cannot write .*loss\.csv: no space left on device \(ENOSPC\);/);
    expect(readFileSync(join(out, 'loss.csv'), 'utf8').endsWith('\n')).toBe(false);
    expect(() => readLossCsv(join(out, 'loss.csv'))).toThrow(/line 5 is incomplete/);
    await expectResumesToStraight(out);
  });

  it('killed between two writes: every cut of the last row is dropped on resume, never read as a number', async () => {
    // A straight run's files up to the checkpoint of update 40, then rows 50 and a part of 60 (as if killed).
    const out = join(dir, 'killed');
    expect((await run(trainArgs(out).map((a) => (a === '60' ? '40' : a)))).code).toBe(0);
    const rows = readFileSync(join(straight, 'loss.csv'), 'utf8').split('\n');
    const row50 = rows[5]!;
    expect(row50).toMatch(/^50,/);
    for (const cut of [1, row50.length - 3, row50.length]) {
      // The budget of the checkpoint is 40: raise it to the straight run's 60 on resume.
      const csv = join(out, 'loss.csv');
      writeFileSync(csv, `${rows.slice(0, 5).join('\n')}\n${row50.slice(0, cut)}`);
      expect(() => readLossCsv(csv)).toThrow(/line 6 is incomplete/);
      const copy = join(dir, `killed-${cut}`);
      await fsp.cp(out, copy, { recursive: true });
      const resumed = await run(['train', '--resume', join(copy, 'checkpoint.safetensors'), '--data', data, '--updates', '60', '--json']);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      expect(readFileSync(join(copy, 'loss.csv')).equals(readFileSync(join(straight, 'loss.csv')))).toBe(true);
    }
  });

  it('a damaged row before the end is refused on resume with one line naming it', async () => {
    const out = join(dir, 'damaged');
    expect((await run(trainArgs(out))).code).toBe(0);
    const csv = join(out, 'loss.csv');
    const lines = readFileSync(csv, 'utf8').split('\n');
    lines[2] = lines[2]!.slice(0, 5);
    writeFileSync(csv, lines.join('\n'));
    const before = readFileSync(csv);
    const resumed = await run(['train', '--resume', join(out, 'checkpoint.safetensors'), '--data', data, '--updates', '70', '--json']);
    expect(resumed.code).toBe(EXIT.usage);
    expect(resumed.stderr).toMatch(new RegExp(`^char-rnn: cannot continue ${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3 is not .*; .*\n$`));
    expect(resumed.stderr.split('\n')).toHaveLength(2);
    expect(readFileSync(csv).equals(before)).toBe(true); // refused: nothing rewritten
  });
});

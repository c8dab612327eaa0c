/**
 * Issue 12.6 and 12.7: a run directory is used by one run at a time (a lock
 * file naming the pid; a dead holder's lock is taken over); temporary files of
 * killed runs are removed when a run starts there; a resume from a checkpoint
 * older than the last sample leaves samples.md as a straight run has it.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { readLossCsv } from '../src/run-dir.js';
import { makeText, run, snapshotTree, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(60_000);

let dir: string;
let data: string;
beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(2000, 11));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (out: string, ...extra: string[]) =>
  run(['train', '--data', data, '--hidden', '8', '--sample-every', '30', '--sample-length', '20', '--log-every', '10', '--out', join(dir, out), '--json', ...extra]);
const resume = (file: string, ...extra: string[]) => run(['train', '--resume', file, '--data', data, '--json', ...extra]);

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('the run-directory lock', () => {
  it('a live holder: exit 2 naming it, nothing changed', async () => {
    expect((await train('held', '--updates', '20')).code).toBe(0);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'held', '.char-rnn.lock'), `${JSON.stringify({ pid: holder.pid })}\n`);
      const before = snapshotTree(join(dir, 'held'));
      const res = await resume(join(dir, 'held', 'checkpoint.safetensors'), '--updates', '40');
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`char-rnn: ${join(dir, 'held')} is in use by another char-rnn run (pid ${holder.pid}); wait for it to end or stop it, or use another --out\n`);
      expect(snapshotTree(join(dir, 'held'))).toEqual(before);
    } finally {
      holder.kill();
    }
  });

  it('two resumes of one checkpoint at once: one runs, the other exits 2; the run can be resumed after', async () => {
    expect((await train('twice', '--updates', '20')).code).toBe(0);
    const ckpt = join(dir, 'twice', 'checkpoint.safetensors');
    const results = await Promise.all([resume(ckpt, '--updates', '400'), resume(ckpt, '--updates', '400')]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(results.find((r) => r.code === 2)!.stderr).toMatch(new RegExp(`is in use by another char-rnn run \\(pid ${process.pid}, since `));
    const updates = readLossCsv(join(dir, 'twice', 'loss.csv')).map((r) => r.update);
    expect(updates).toEqual([...updates].sort((a, b) => a - b));
    expect(new Set(updates).size).toBe(updates.length);
    expect((await resume(ckpt, '--updates', '420')).code).toBe(0);
    expect(existsSync(join(dir, 'twice', '.char-rnn.lock'))).toBe(false);
  });

  it('takes over the lock of a dead process, and removes the temporary files of dead writers', async () => {
    expect((await train('stale', '--updates', '20')).code).toBe(0);
    const out = join(dir, 'stale');
    const dead = deadPid();
    writeFileSync(join(out, '.char-rnn.lock'), `${JSON.stringify({ pid: dead })}\n`);
    const leftovers = [`.checkpoint.safetensors.${dead}.0123456789ab.tmp`, `.report.md.${dead}.abcdefabcdef.tmp`];
    const kept = [`.notes.txt.${dead}.0123456789ab.tmp`, `.loss.svg.1.0123456789ab.tmp`]; // not ours; pid 1 runs
    for (const name of [...leftovers, ...kept]) writeFileSync(join(out, name), 'partial');
    const res = await resume(join(out, 'checkpoint.safetensors'), '--updates', '40');
    expect(res.code).toBe(0);
    const names = readdirSync(out);
    for (const name of leftovers) expect(names).not.toContain(name);
    for (const name of kept) expect(names).toContain(name);
    expect(names).not.toContain('.char-rnn.lock');
  });
});

describe('samples.md across resumes', () => {
  it('a resume from a checkpoint older than the last sample gives the straight run\'s samples.md', async () => {
    expect((await train('s-straight', '--updates', '100')).code).toBe(0);
    expect((await train('s-split', '--updates', '50')).code).toBe(0);
    const out = join(dir, 's-split');
    copyFileSync(join(out, 'checkpoint.safetensors'), join(out, 'at-50.safetensors'));
    expect((await resume(join(out, 'checkpoint.safetensors'), '--updates', '100')).code).toBe(0);
    expect((await loadCheckpoint(join(out, 'at-50.safetensors'))).update).toBe(50);
    // Back to update 50: samples 60 and 90 of the abandoned continuation must not appear twice.
    expect((await resume(join(out, 'at-50.safetensors'), '--updates', '100')).code).toBe(0);
    const samples = readFileSync(join(out, 'samples.md'), 'utf8');
    expect(samples).toBe(readFileSync(join(dir, 's-straight', 'samples.md'), 'utf8'));
    expect(samples.match(/^## After update 60 /gm)).toHaveLength(1);
  });
});

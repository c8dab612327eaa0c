/**
 * Issue 12.5 and 11.5: SIGINT, SIGTERM and SIGHUP stop `train` after a
 * checkpoint and the report (exit 130, 143, 129); a second signal quits at
 * once (exit 3); `sample` and `gradcheck` stop at once; the printed resume
 * hint runs as printed at the repository root. Spawns the built
 * examples/char-rnn/dist/cli.js (`npm test` builds first); skipped without it.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../src/checkpoint.js';
import { jsonLines, makeText, run, tempDir, writeText } from './cli-helpers.js';

jest.setTimeout(120_000);

const root = resolve('.');
const cli = resolve('examples/char-rnn/dist/cli.js');
const maybe = existsSync(cli) ? describe : describe.skip;

let dir: string;
let data: string;
beforeAll(() => {
  dir = tempDir();
  data = writeText(dir, 'text.txt', makeText(2000, 7));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the first signal sent to the exit. */
  afterSignal: number;
}

/**
 * Spawns `char-rnn <args>`, waits until stdout or stderr matches `ready` (or `ready` ms),
 * sends `signals` one right after the other, and resolves when it exits
 * (killed with SIGKILL after 60 s, which fails the test's expectations).
 */
function runAndSignal(args: string[], ready: RegExp | number, signals: NodeJS.Signals[]): Promise<Ended> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const send = (): void => {
      sentAt = Date.now();
      for (const s of signals) child.kill(s);
    };
    const check = (): void => {
      if (sentAt === 0 && typeof ready !== 'number' && ready.test(stdout + stderr)) send();
    };
    if (typeof ready === 'number') setTimeout(send, ready);
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), check()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), check()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout, stderr, afterSignal: Date.now() - sentAt });
    });
  });
}

const trainArgs = (out: string) => ['train', '--data', data, '--hidden', '8', '--updates', '1000000', '--log-every', '20', '--out', join(dir, out), '--json'];

maybe('signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s stops train after a checkpoint and the report, exit %i', async (signal, code) => {
    const res = await runAndSignal(trainArgs(signal), /"event":"progress"/, [signal]);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(new RegExp(`^\\nchar-rnn: ${signal}: stopping after the current update`));
    const summary = jsonLines(res.stdout).at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', stoppedBy: 'interrupted' });
    const ckpt = await loadCheckpoint(join(dir, signal, 'checkpoint.safetensors'));
    expect(ckpt.update).toBe(summary.update);
    expect(existsSync(join(dir, signal, 'report.md'))).toBe(true);
  });

  it('a second signal quits at once with exit 3', async () => {
    const res = await runAndSignal(trainArgs('twice'), /"event":"progress"/, ['SIGINT', 'SIGTERM']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/SIGTERM again: quitting at once \(exit 3\)/);
  });

  it('sample and gradcheck stop at once', async () => {
    const big = join(dir, 'big');
    expect(spawnSync(process.execPath, [cli, 'train', '--data', data, '--hidden', '300', '--updates', '1', '--out', big, '--json']).status).toBe(0);
    const sample = await runAndSignal(['sample', '--checkpoint', join(big, 'checkpoint.safetensors'), '--length', '1000000'], 1500, ['SIGINT']);
    expect(sample.signal).toBe('SIGINT');
    expect(sample.afterSignal).toBeLessThan(5000);
    const gradcheck = await runAndSignal(['gradcheck', '--data', data, '--hidden', '200', '--seq-length', '100'], 1500, ['SIGINT']);
    expect(gradcheck.signal).toBe('SIGINT');
    expect(gradcheck.afterSignal).toBeLessThan(5000);
  });

  it('the resume hint runs as printed at the repository root', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const out = join(dir, 'hint');
    const res = await run(['train', '--data', data, '--hidden', '8', '--updates', '30', '--out', out, '--json'], stop.signal);
    expect(res.code).toBe(130);
    const note = jsonLines(res.stdout).find((e) => e.event === 'note')!.message as string;
    const hint = /resume with: (.*)$/.exec(note)![1]!;
    expect(hint).toBe(`npm run char-rnn -- train --resume ${join(out, 'checkpoint.safetensors')} --data ${data}`);
    const resumed = spawnSync('sh', ['-c', `${hint} --json`], { cwd: root, encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect((await loadCheckpoint(join(out, 'checkpoint.safetensors'))).update).toBe(30);
  });
});

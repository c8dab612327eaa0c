/**
 * The real executable, spawned as a user would run it. These tests need the
 * build (`npx tsc -b examples/char-rnn`); without examples/char-rnn/dist/cli.js
 * they are skipped — the in-process tests of `main` cover the behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeText, tempDir, writeText } from './cli-helpers.js';

const cli = resolve('examples/char-rnn/dist/cli.js');
const built = existsSync(cli) && existsSync(resolve('examples/char-rnn/dist/main.js'));
const maybe = built ? describe : describe.skip;

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function charRnn(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
}

maybe('the built char-rnn executable', () => {
  it('prints help and exits 0', () => {
    const res = charRnn('--help');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Usage: char-rnn/);
    expect(res.stdout).toMatch(/train/);
    expect(res.stdout).toMatch(/gradcheck/);
  });

  it('exits 2 with one line on bad input', () => {
    const res = charRnn('train', '--hidden', '0', '--out', join(dir, 'never'));
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('char-rnn: --hidden must be a positive integer, got 0\n');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('trains, then samples the checkpoint reproducibly', () => {
    const data = writeText(dir, 'text.txt', makeText(1500, 8));
    const out = join(dir, 'run');
    const trained = charRnn('train', '--data', data, '--hidden', '8', '--updates', '60', '--out', out, '--json');
    expect(trained.status).toBe(0);
    expect(JSON.parse(trained.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'summary', update: 60 });
    const a = charRnn('sample', '--checkpoint', join(out, 'checkpoint.safetensors'), '--length', '50', '--seed', '3');
    const b = charRnn('sample', '--checkpoint', join(out, 'checkpoint.safetensors'), '--length', '50', '--seed', '3');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(Array.from(a.stdout.slice(0, -1))).toHaveLength(51);
  });
});

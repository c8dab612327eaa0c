/**
 * Issue 11.5: the tool runs from the repository root as the docs print it —
 * `npm run char-rnn -- …` and `npx char-rnn …` (resolving to this workspace
 * without the network) — and the build leaves dist/cli.js executable, also
 * after `tsc -b --clean`. Needs the build (`npm test` builds first); skipped without it.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

jest.setTimeout(60_000);

const root = resolve('.');
const cli = resolve('examples/char-rnn/dist/cli.js');
const maybe = existsSync(cli) ? describe : describe.skip;

function sh(command: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('sh', ['-c', command], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } });
}

maybe('commands at the repository root', () => {
  it('npm run char-rnn -- --help', () => {
    const res = sh('npm run --silent char-rnn -- --help');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^Usage: char-rnn/);
  });

  it('npx --no-install char-rnn --help resolves to this workspace', () => {
    const res = sh('npx --no-install char-rnn --help');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^Usage: char-rnn/);
  });

  it('the build makes dist/cli.js executable again after a clean rebuild took its run bit', () => {
    chmodSync(cli, 0o644); // what tsc -b --clean && tsc -b leaves
    const res = sh('npm run --silent postbuild');
    expect(res.status).toBe(0);
    expect(statSync(cli).mode & 0o111).toBe(0o111);
  });
});

/**
 * The bundled CLI (dist/bundle/, made by `npm run build`) and dist/cli.js,
 * which picks it: the bundle trains exactly as the unbundled program
 * (dist/cli-main.js) does, data-parallel workers included, and dist/cli.js
 * runs it only when it is newer than every `tsc -b` it was made from. Needs
 * the build (`npm test` builds first); skipped without it.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(60_000);

const bundle = resolve('examples/char-rnn/dist/bundle/char-rnn.js');
const program = resolve('examples/char-rnn/dist/cli-main.js');
const cli = resolve('examples/char-rnn/dist/cli.js');
const maybe = existsSync(bundle) && existsSync(program) ? describe : describe.skip;

maybe('the bundle', () => {
  it('trains as the unbundled program does (same loss.csv and samples), with --workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'char-rnn-bundle-'));
    try {
      const args = ['train', '--data', resolve('examples/char-rnn/test/fixtures/tiny.txt'), '--hidden', '8', '--seq-length', '5', '--batch', '2', '--workers', '2'];
      args.push('--updates', '40', '--log-every', '10', '--sample-every', '20', '--sample-length', '20', '--json');
      for (const [name, entry] of [['bundle', bundle], ['cli', program]] as const) {
        const res = spawnSync(process.execPath, [entry, ...args, '--out', join(dir, name)], { encoding: 'utf8' });
        expect(res.stderr).toBe('');
        expect(res.status).toBe(0);
      }
      for (const file of ['loss.csv', 'samples.md']) {
        expect(readFileSync(join(dir, 'bundle', file), 'utf8')).toBe(readFileSync(join(dir, 'cli', file), 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

(existsSync(cli) ? describe : describe.skip)('dist/cli.js', () => {
  it('runs the bundle only when it is newer than the tsc builds of the example and the packages', () => {
    // A stand-in tree: dist/cli.js as built, entries that say which one ran.
    const root = mkdtempSync(join(tmpdir(), 'char-rnn-cli-'));
    try {
      const example = join(root, 'examples', 'char-rnn');
      mkdirSync(join(example, 'dist', 'bundle'), { recursive: true });
      copyFileSync(cli, join(example, 'dist', 'cli.js'));
      writeFileSync(join(example, 'package.json'), '{"type": "module"}');
      writeFileSync(join(example, 'dist', 'cli-main.js'), "process.stdout.write('cli-main');");
      writeFileSync(join(example, 'dist', 'bundle', 'char-rnn.js'), "process.stdout.write('bundle');");
      const infos = [join(example, 'tsconfig.tsbuildinfo')];
      for (const p of ['tensor', 'layers', 'optim', 'gradcheck']) {
        mkdirSync(join(root, 'packages', p), { recursive: true });
        infos.push(join(root, 'packages', p, 'tsconfig.tsbuildinfo'));
      }
      for (const f of infos) writeFileSync(f, '{}');
      const run = (): string => {
        const res = spawnSync(process.execPath, [join(example, 'dist', 'cli.js')], { encoding: 'utf8' });
        expect(res.stderr).toBe('');
        return res.stdout;
      };
      const at = (file: string, seconds: number): void => utimesSync(file, seconds, seconds);

      for (const f of infos) at(f, 1000);
      at(join(example, 'dist', 'bundle', 'char-rnn.js'), 2000);
      expect(run()).toBe('bundle');
      // A later `tsc -b` of any one of them (its build info rewritten): the bundle is stale.
      for (const f of infos) {
        at(f, 3000);
        expect(run()).toBe('cli-main');
        at(f, 1000);
      }
      rmSync(join(example, 'dist', 'bundle'), { recursive: true });
      expect(run()).toBe('cli-main');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

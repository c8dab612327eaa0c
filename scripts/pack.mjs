#!/usr/bin/env node
// `npm run pack`: `npm pack` the four packages into dist-packages/ (git-ignored),
// so they can be installed together into another project before they are
// published: each needs @weft/tensor, which the registry does not have yet.
// Run after `npm run build` (the root script does both).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'dist-packages');
const packages = ['tensor', 'gradcheck', 'optim', 'layers'];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tarballs = packages.map((name) => {
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: join(root, 'packages', name),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const [info] = JSON.parse(json);
  console.log(`wrote ${relative(root, join(out, info.filename))} (${info.files.length} files, ${(info.size / 1024).toFixed(0)} KiB)`);
  return join(out, info.filename);
});
console.log('\nInstall them together into another project (run there):');
console.log(`  npm install ${tarballs.join(' ')}`);

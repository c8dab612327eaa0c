#!/usr/bin/env node
// Compiles bench/tfjs/tfjs-rnn.ts when TF.js is installed in bench/tfjs
// (`npm run bench:install`); otherwise does nothing, and the bench skips its
// TF.js rows with a note. Run after `npm run build` (it reads bench/dist/tfjs.d.ts).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const here = import.meta.dirname;
if (existsSync(join(here, 'node_modules', '@tensorflow', 'tfjs', 'package.json'))) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', here], { stdio: 'inherit' });
}

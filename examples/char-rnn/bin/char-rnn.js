#!/usr/bin/env node
// The `char-rnn` command (npx char-rnn, npm run char-rnn): runs the built CLI.
// A committed file rather than dist/cli.js itself, so that `npm ci` on a fresh
// clone links it (npm links no bin whose file does not exist yet) with its run bit.
//
// It runs the bundle (dist/bundle/char-rnn.js, made by `npm run build`: one
// file loads much faster than the ≈ 130 modules of dist/) when the bundle is
// newer than the last `tsc -b` of this example and of every package it
// bundles; after a bare `tsc -b` it runs dist/cli.js, so it never runs stale code.
import { existsSync, statSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
const bundle = new URL('../dist/bundle/char-rnn.js', import.meta.url);
const builds = ['../tsconfig.tsbuildinfo', ...['tensor', 'layers', 'optim', 'gradcheck'].map((p) => `../../../packages/${p}/tsconfig.tsbuildinfo`)];

function bundleIsFresh() {
  try {
    const made = statSync(bundle).mtimeMs;
    return builds.every((file) => statSync(new URL(file, import.meta.url)).mtimeMs <= made);
  } catch {
    return false;
  }
}

if (!existsSync(cli)) {
  process.stderr.write('char-rnn: the CLI is not built yet; run `npm run build` at the repository root first\n');
  process.exit(2);
}
await import((bundleIsFresh() ? bundle : cli).href);

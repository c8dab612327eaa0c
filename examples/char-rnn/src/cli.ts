#!/usr/bin/env node
/**
 * The `char-rnn` executable. It runs the bundle that `npm run build` makes
 * (dist/bundle/char-rnn.js: one file, which Node loads much faster than the
 * ≈ 130 modules of dist/; see docs/performance.md) when the bundle is newer
 * than the last `tsc -b` of this example and of every package it bundles,
 * else cli-main.js, so that it never runs stale code. Both run the same
 * program, cli-main.ts.
 */
import { statSync } from 'node:fs';

/** The build info files `tsc -b` rewrites when it rebuilds the example or a package the bundle holds. */
const BUILDS = ['../tsconfig.tsbuildinfo', ...['tensor', 'layers', 'optim', 'gradcheck'].map((p) => `../../../packages/${p}/tsconfig.tsbuildinfo`)];

const bundle = new URL('./bundle/char-rnn.js', import.meta.url);

/** True when the bundle exists and no build it was made from is newer. */
function bundleIsFresh(): boolean {
  try {
    const made = statSync(bundle).mtimeMs;
    return BUILDS.every((file) => statSync(new URL(file, import.meta.url)).mtimeMs <= made);
  } catch {
    return false;
  }
}

await import(bundleIsFresh() ? bundle.href : './cli-main.js');

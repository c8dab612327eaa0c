/**
 * The TF.js comparison is a separate install: TF.js (about 70 packages) is not
 * part of weft's `npm ci`. `npm run bench:install` installs it into bench/tfjs
 * (its own package.json and lockfile) and compiles bench/tfjs/tfjs-rnn.ts;
 * `npm run bench` recompiles it when installed. This module loads it, or says
 * why the TF.js rows are skipped.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The char-RNN in TF.js, as bench/tfjs/tfjs-rnn.ts implements it. */
export interface TfRnnLike {
  /** h = 0. */
  resetState(): void;
  /** One training update on T inputs/targets; returns the summed loss. */
  update(inputs: Int32Array, targets: Int32Array): number;
  /** Frees the variables and the optimizer state. */
  dispose(): void;
}

/** What bench/tfjs/tfjs-rnn.ts exports (it checks itself against this type). */
export interface TfjsModule {
  /** Switches TF.js to `backend`; resolves when ready. */
  useTfBackend(backend: 'cpu' | 'wasm'): Promise<void>;
  /** A char-RNN with vocabulary K and m hidden units, weights drawn from `seed`. */
  TfRnn: new (K: number, m: number, seed: number) => TfRnnLike;
}

const MODULE = new URL('../tfjs/dist/tfjs-rnn.js', import.meta.url);
const INSTALLED = new URL('../tfjs/node_modules/@tensorflow/tfjs/package.json', import.meta.url);

/** The TF.js comparison, or why it is unavailable (a one-line note naming the install command). */
export async function loadTfjs(): Promise<{ module: TfjsModule } | { reason: string }> {
  if (!existsSync(fileURLToPath(INSTALLED))) {
    return { reason: 'TF.js is a separate install and is not installed: run `npm run bench:install`, then `npm run bench` again' };
  }
  if (!existsSync(fileURLToPath(MODULE))) {
    return { reason: 'bench/tfjs is not compiled: run `npm run bench` (or `npm run bench:install`), not node bench/dist/run.js directly' };
  }
  try {
    return { module: (await import(MODULE.href)) as TfjsModule };
  } catch (err) {
    return { reason: `TF.js failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
}

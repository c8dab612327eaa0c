/**
 * Bundles the built program (dist/cli-main.js, from `tsc -b`) into
 * dist/bundle/: char-rnn.js, the data-parallel worker's entry
 * parallel-worker.js beside it (parallel.ts finds it next to itself), and
 * chunks for what the commands import lazily (the plot's vega, the corpus
 * package, the other commands).
 *
 * Why: Node 20 loads ES modules one file at a time; the ≈ 130 files `train`
 * used to load cost ≈ 70 ms of CPU at every start, and vega's few hundred
 * files ≈ 10 MiB more at the end of a run (docs/performance.md).
 * dist/cli.js (the `char-rnn` command) runs the bundle when it is newer than
 * the last `tsc -b` of the example and of the packages it bundles, else
 * dist/cli-main.js.
 *
 * Run by the root `npm run build` (postbuild), after `tsc -b`.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/bundle`;
rmSync(outDir, { recursive: true, force: true });
// An import the bundler cannot resolve would be left to Node at run time (slow, or
// missing): fail the build instead.
const unresolved = [];
await build({
  cwd: root,
  input: { 'char-rnn': `${root}dist/cli-main.js`, 'parallel-worker': `${root}dist/parallel-worker.js` },
  platform: 'node',
  logLevel: 'warn',
  onLog(level, log, handler) {
    if (log.code === 'UNRESOLVED_IMPORT') unresolved.push(log.message);
    else handler(level, log);
  },
  output: { dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunk-[name]-[hash].js' },
});
if (unresolved.length > 0) {
  rmSync(outDir, { recursive: true, force: true });
  throw new Error(`bundle.mjs: ${unresolved.length} imports could not be resolved, e.g. ${unresolved[0]}`);
}

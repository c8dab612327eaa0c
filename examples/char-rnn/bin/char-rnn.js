#!/usr/bin/env node
// The `char-rnn` command (npx char-rnn, npm run char-rnn): runs the built CLI.
// A committed file rather than dist/cli.js itself, so that `npm ci` on a fresh
// clone links it (npm links no bin whose file does not exist yet) with its run bit.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('char-rnn: the CLI is not built yet; run `npm run build` at the repository root first\n');
  process.exit(2);
}
await import(cli.href);

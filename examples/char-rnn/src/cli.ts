#!/usr/bin/env node
/**
 * The `char-rnn` executable: runs `main` on the process's arguments and
 * streams. The first Ctrl-C asks `train` to stop cleanly (finish the update,
 * write a checkpoint and the report, exit 130); a second one exits at once.
 */
import { main } from './main.js';

const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
  process.stderr.write('\nchar-rnn: stopping after the current update (Ctrl-C again to quit at once)\n');
});

const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
process.exitCode = code;

/**
 * The `char-rnn` program (cli.ts starts it, or the bundle made from it): runs
 * `main` on the process's arguments and streams.
 *
 * `train` stops cleanly on SIGINT (Ctrl-C), SIGTERM and SIGHUP: it finishes
 * the update, writes a checkpoint and the report, and exits 130, 143 or 129.
 * A second signal quits at once with exit 3. `sample` and `gradcheck` write
 * nothing but stdout, so they keep the default: a signal ends them at once.
 */
import { EXIT, STOP_SIGNALS, type StopSignal } from './cli-io.js';
import { main } from './main.js';

const args = process.argv.slice(2);
const stop = new AbortController();
if (args[0] === 'train') {
  // After SIGHUP the terminal may be gone: a failed write to it must not end the run before it saves.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    process.on(signal, () => {
      if (stop.signal.aborted) {
        process.stderr.write(`\nchar-rnn: ${signal} again: quitting at once (exit ${EXIT.quitAtOnce}); files are as their last complete write left them\n`);
        process.exit(EXIT.quitAtOnce);
      }
      stop.abort(signal);
      process.stderr.write(`\nchar-rnn: ${signal}: stopping after the current update to write a checkpoint and the report (a second signal quits at once)\n`);
    });
  }
}

if (process.env.CHAR_RNN_TIMING === '1') {
  // The peak resident memory of the whole run (getrusage's ru_maxrss, as /usr/bin/time -v reports it), for docs/performance.md.
  process.on('exit', () => {
    process.stderr.write(`char-rnn timing: exit ${performance.now().toFixed(1)} ms after the process started; peak ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB resident\n`);
  });
}

const code = await main(args, { stdout: process.stdout, stderr: process.stderr, signal: stop.signal });
process.exitCode = code;

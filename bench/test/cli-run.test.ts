/**
 * The timing lines the whole-process and cli-footprint benches read from a
 * child's stderr: parsed from lines as char-rnn (CHAR_RNN_TIMING=1) and
 * numpy_train.py print them, when a line arrives in pieces, and the errors
 * for a run that fails or does not print them. The children here are tiny
 * `node -e` scripts that print such lines.
 */
import { describe, expect, test } from '@jest/globals';
import { parseTimingLines, runTimed, TimingStderr, type TimedCommand } from '../src/cli-run.js';

// As `CHAR_RNN_TIMING=1 char-rnn train --updates 1 --json` printed them, between other stderr.
const FIRST = 'char-rnn timing: first update done 184.7 ms after the process started; 61.7 MiB resident; 229.0 ms of CPU';
const EXIT = 'char-rnn timing: exit 460.3 ms after the process started; peak 81.0 MiB resident';

/** `node -e script` with the expectations given. */
function node(script: string, expectLines = { firstUpdate: true, exit: true }): TimedCommand {
  return { name: 'test child', file: process.execPath, args: ['-e', script], env: process.env, expect: expectLines };
}

describe('parseTimingLines', () => {
  test("char-rnn's two lines, among others", () => {
    const lines = parseTimingLines(`char-rnn: training on moby-dick.txt\n${FIRST}\nupdate 1: loss 112.2\n${EXIT}\n`);
    expect(lines).toEqual({ firstUpdate: { ms: 184.7, rssMiB: 61.7, cpuMs: 229 }, exit: { ms: 460.3, peakMiB: 81 } });
  });

  test("numpy_train.py's lines carry no times: NaN, and a CLI before the CPU field: NaN CPU", () => {
    const numpy = parseTimingLines('numpy timing: first update done\nnumpy timing: peak 52.5 MiB resident\n');
    expect(numpy.firstUpdate).toEqual({ ms: NaN, rssMiB: NaN, cpuMs: NaN });
    expect(numpy.exit).toEqual({ ms: NaN, peakMiB: 52.5 });
    const older = parseTimingLines('char-rnn timing: first update done 338.0 ms after the process started; 79.6 MiB resident');
    expect(older.firstUpdate).toEqual({ ms: 338, rssMiB: 79.6, cpuMs: NaN });
    expect(older.exit).toBeNull();
  });

  test('no timing lines: both null', () => {
    expect(parseTimingLines('')).toEqual({ firstUpdate: null, exit: null });
    expect(parseTimingLines('char-rnn: error: --updates needs a positive integer\n')).toEqual({ firstUpdate: null, exit: null });
  });
});

describe('TimingStderr', () => {
  test('a first-update line split across chunks is seen when its marker is complete, and parsed whole', () => {
    const stderr = new TimingStderr();
    stderr.push('char-rnn: start\nchar-rnn timing: first upd', 1);
    expect(stderr.firstUpdateAt).toBeNull();
    stderr.push('ate done 18', 2); // the marker completes here, the number does not
    expect(stderr.firstUpdateAt).toBe(2);
    stderr.push('4.7 ms after the process started; 61.7 MiB resident; 229.0 ms of CPU\n', 3);
    stderr.push(`${EXIT}\n`, 4);
    expect(stderr.firstUpdateAt).toBe(2);
    expect(parseTimingLines(stderr.text)).toEqual({ firstUpdate: { ms: 184.7, rssMiB: 61.7, cpuMs: 229 }, exit: { ms: 460.3, peakMiB: 81 } });
  });

  test('the marker in a single chunk, and in one-character chunks', () => {
    const whole = new TimingStderr();
    whole.push(`${FIRST}\n`, 7);
    expect(whole.firstUpdateAt).toBe(7);
    const bytes = new TimingStderr();
    const text = `x\n${FIRST}\n`;
    for (let i = 0; i < text.length; i++) bytes.push(text[i]!, i);
    expect(bytes.firstUpdateAt).toBe(text.indexOf('first update done') + 'first update done'.length - 1);
  });
});

describe('runTimed', () => {
  test('a child that prints the first-update line in two writes 150 ms apart: seen after the second, both lines parsed', async () => {
    const [a, b] = [FIRST.slice(0, 30), FIRST.slice(30)];
    const run = await runTimed(
      node(`process.stderr.write(${JSON.stringify(a)}); setTimeout(() => process.stderr.write(${JSON.stringify(`${b}\n${EXIT}\n`)}), 150);`),
    );
    expect(run.timing).toEqual({ firstUpdate: { ms: 184.7, rssMiB: 61.7, cpuMs: 229 }, exit: { ms: 460.3, peakMiB: 81 } });
    expect(run.firstUpdateSeenMs).not.toBeNull();
    expect(run.firstUpdateSeenMs!).toBeGreaterThanOrEqual(150);
    expect(run.firstUpdateSeenMs!).toBeLessThanOrEqual(run.wallMs);
  });

  test('a run without its first-update line is a one-line error naming the line', async () => {
    const err = runTimed(node(`process.stderr.write(${JSON.stringify(`char-rnn: done\n${EXIT}\n`)})`));
    await expect(err).rejects.toThrow(/^test child exited with 0 without its "timing: first update done" line: char-rnn: done \| char-rnn timing: exit/);
    await expect(err).rejects.toThrow(/^[^\n]*$/);
  });

  test('a run without its exit line is an error; the control expects neither', async () => {
    await expect(runTimed(node(`process.stderr.write(${JSON.stringify(FIRST)})`))).rejects.toThrow(/without its "timing: … peak … MiB resident" line/);
    const control = await runTimed(node('0', { firstUpdate: false, exit: false }));
    expect(control.timing).toEqual({ firstUpdate: null, exit: null });
    expect(control.firstUpdateSeenMs).toBeNull();
  });

  test('a failing run is a one-line error with the end of its stderr', async () => {
    const err = runTimed(node(`console.error('one'); console.error('two\\nthree\\nfour'); process.exit(3)`));
    await expect(err).rejects.toThrow('test child exited with 3: two | three | four');
    await expect(err).rejects.toThrow(/^[^\n]*$/);
  });

  test('a command that cannot start', async () => {
    await expect(runTimed({ ...node('0'), file: '/nonexistent/weft-bench-child' })).rejects.toThrow(/^test child: could not start \/nonexistent\/weft-bench-child: .*ENOENT/);
  });
});

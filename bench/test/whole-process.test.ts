/**
 * The whole-process measurement reads what it reports from the processes
 * themselves: char-rnn's CHAR_RNN_TIMING=1 lines (the first update, the peak
 * resident memory at exit). A short real run must yield both, in a plausible
 * order of magnitude.
 */
import { expect, test } from '@jest/globals';
import { runWholeProcesses } from '../src/whole-process.js';

test('char-rnn train: spawn-to-first-update and peak RSS are read from the run, the control has neither', async () => {
  const rows = await runWholeProcesses({ updates: 20, repeats: 1, book: 'unused without numpy', numpy: false, log: () => {} });
  expect(rows.map((r) => r.name)).toEqual(['char-rnn train --updates 20', 'char-rnn train --updates 20 --dtype float32', 'control: node -e 0']);
  const [train, , control] = rows;
  const first = train!.median.firstUpdateSeconds;
  expect(first).not.toBeNull();
  expect(first!).toBeGreaterThan(0);
  expect(first!).toBeLessThan(train!.median.seconds);
  // Node alone is resident at more than 20 MiB; a peak under that would be a misread line.
  expect(train!.median.peakMiB!).toBeGreaterThan(20);
  expect(train!.median.peakMiB!).toBeLessThan(4096);
  expect(control!.median.firstUpdateSeconds).toBeNull();
  expect(control!.median.peakMiB).toBeNull();
});

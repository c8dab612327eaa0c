/**
 * cli-footprint reads a real `char-rnn train` run's numbers from its
 * CHAR_RNN_TIMING=1 lines (through cli-run.ts): one short run must yield all
 * of them, in a plausible order of magnitude and order.
 */
import { expect, test } from '@jest/globals';
import { runCliFootprint } from '../src/cli-footprint.js';
import { CHAR_RNN_CLI } from '../src/cli-run.js';

test('char-rnn train --updates 1: first update, RSS and CPU then, peak RSS, wall time', async () => {
  const run = await runCliFootprint(CHAR_RNN_CLI, 1);
  expect(run.firstUpdateMs).toBeGreaterThan(0);
  // the child's clock starts after the parent's spawn: its first update is before the parent sees it exit
  expect(run.firstUpdateMs).toBeLessThan(run.wallMs);
  expect(run.firstUpdateCpuMs).toBeGreaterThan(0);
  // Node alone is resident at more than 20 MiB; less would be a misread line.
  expect(run.firstUpdateRssMiB).toBeGreaterThan(20);
  expect(run.peakRssMiB).toBeGreaterThanOrEqual(run.firstUpdateRssMiB);
  expect(run.peakRssMiB).toBeLessThan(4096);
});

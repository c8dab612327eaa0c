/**
 * The cell benchmark compares like with like: fused and composed trainers
 * built from the same seed hold the same weights and compute the same losses
 * over several updates; the FLOP count is the sum of the matrix products.
 */
import { expect, test } from '@jest/globals';
import { cellUpdateFlops, WeftCellTrainer, type CellConfig } from '../src/cells.js';

test.each(['lstm', 'gru'] as const)('%s: fused and composed trainers take the same updates (losses to 1e-12 over 3 updates)', (kind) => {
  const config: CellConfig = { kind, hidden: 5, inputSize: 4, steps: 6, batch: 2 };
  const fused = new WeftCellTrainer(config, 'fused', 'js', 3);
  const composed = new WeftCellTrainer(config, 'composed', 'js', 3);
  for (let i = 0; i < 3; i++) {
    fused.run(1);
    composed.run(1);
    expect(fused.lastLoss).not.toBe(0);
    expect(Math.abs(fused.lastLoss - composed.lastLoss)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(fused.lastLoss)));
  }
});

test('matrix FLOPs per update: forward 2Gm(n+m), backward 2Gmn + 4Gm² per row', () => {
  // LSTM, m = 128, n = 128, T = 25, B = 1: 25 · (4·4·128·128 + 6·4·128·128) = 25 · 40·16384.
  expect(cellUpdateFlops({ kind: 'lstm', hidden: 128, inputSize: 128, steps: 25, batch: 1 })).toBe(25 * 40 * 16384);
  expect(cellUpdateFlops({ kind: 'gru', hidden: 3, inputSize: 2, steps: 1, batch: 2 })).toBe(2 * (4 * 3 * 3 * 2 + 6 * 3 * 3 * 3));
});

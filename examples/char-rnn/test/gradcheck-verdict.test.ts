/**
 * Issue 11.5: `char-rnn gradcheck` ends with a verdict. Entries above the
 * threshold are re-checked with the five-point stencil: finite-difference
 * error (exit 0) is told apart from a wrong gradient (exit 1).
 */
import { expect, jest, test } from '@jest/globals';
import { checkGradients, type GradParam } from '@weft/gradcheck';
import { fromData, zeros } from '@weft/tensor';
import { recheckAboveThreshold } from '../src/gradcheck-verdict.js';
import { run } from './cli-helpers.js';

jest.setTimeout(60_000);

/** f(x) = Σ 100·x_i³ with an analytical gradient that is off by `bias` at entry 1. */
function cubic(bias: number): { params: GradParam[]; loss: () => number } {
  const value = fromData([0.3, -0.7, 1.1], [3]);
  const grad = zeros([3]);
  const param = { name: 'x', value, grad };
  const loss = (): number => {
    const x = value.data;
    let f = 0;
    for (let i = 0; i < 3; i++) {
      f += 100 * x[i]! ** 3;
      grad.data[i]! += 300 * x[i]! ** 2 + (i === 1 ? bias : 0);
    }
    return f;
  };
  return { params: [param], loss };
}

test('a wrong gradient is still wrong with the five-point stencil', () => {
  const { params, loss } = cubic(1e-3);
  const report = checkGradients(params, loss, { h: 1e-4, threshold: 1e-7 });
  const recheck = recheckAboveThreshold(params, loss, report);
  expect(recheck.passed).toBe(false);
  expect(recheck.entries.filter((e) => !e.finiteDifferenceError).map((e) => e.index)).toEqual([[1]]);
});

test('a right gradient that central differences miss passes the re-check', () => {
  // Central differences have error h²·f'''/6 = 1e-8 · 600 / 6 = 1e-6 here; five-point at 10h is far below.
  const { params, loss } = cubic(0);
  const report = checkGradients(params, loss, { h: 1e-4, threshold: 1e-9 });
  expect(report.passed).toBe(false);
  const recheck = recheckAboveThreshold(params, loss, report);
  expect(recheck.entries.length).toBeGreaterThan(0);
  expect(recheck.passed).toBe(true);
});

test('char-rnn gradcheck with defaults ends with a verdict and exits 0', async () => {
  const res = await run(['gradcheck']);
  expect(res.code).toBe(0);
  expect(res.stdout.trimEnd()).toMatch(/\n\nVerdict: the analytical gradients are right/);
});

test('char-rnn gradcheck --h 1e-5: the table fails on rounding, the verdict calls it finite-difference error, exit 0', async () => {
  const res = await run(['gradcheck', '--h', '1e-5']);
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/FAILED: \d+ of 1009 checked entries above 1e-6/); // the report's table, as it is
  expect(res.stdout).toMatch(/Verdict: the \d+ entries above 1e-6 were checked again with the five-point stencil at h = 1e-4:\n {2}\w\[\d+,\d+\]: central at h = 1e-5 \d\.\de-\d, five-point at h = 1e-4 \d\.\de-\d+.*: finite-difference error\n/);
  expect(res.stdout).not.toContain('WRONG GRADIENT');
  expect(res.stdout.trimEnd()).toMatch(/the analytical gradients are right\.$/);
});

test('a tiny right gradient whose relative error stays large is finite-difference error (within rounding of the loss)', () => {
  // f = 1e6·x0² + 1e-9·x1: ∂f/∂x1 = 1e-9 is lost in the rounding of f ≈ 9e4 at any step.
  const value = fromData([0.3, 0.5], [2]);
  const grad = zeros([2]);
  const loss = (): number => {
    const x = value.data;
    grad.data[0]! += 2e6 * x[0]!;
    grad.data[1]! += 1e-9;
    return 1e6 * x[0]! ** 2 + 1e-9 * x[1]!;
  };
  const params = [{ name: 'x', value, grad }];
  const report = checkGradients(params, loss, { h: 1e-4 });
  expect(report.passed).toBe(false);
  const recheck = recheckAboveThreshold(params, loss, report);
  expect(recheck.entries.map((e) => [e.index, e.finiteDifferenceError])).toEqual([[[1], true]]);
});

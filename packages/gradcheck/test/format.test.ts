import { describe, expect, test } from '@jest/globals';
import { checkGradients, formatReport, reportToJSON, type GradcheckReport } from '@weft/gradcheck';
import { quadraticForm } from './helpers.js';

/** The table rows of a formatted report, split into trimmed cells. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.includes(' | '))
    .map((l) => l.split('|').map((c) => c.trim()));
}

describe('formatReport', () => {
  test('a passing report: header, one row per parameter, verdict', () => {
    const { params, lossAndGradients } = quadraticForm(4, 1);
    const report = checkGradients(params, lossAndGradients);
    const text = formatReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toContain('central differences');
    expect(lines[0]).toContain('h = 1e-4');
    expect(lines[0]).toContain('threshold 1e-6');
    expect(lines[0]).toContain('max(1e-30, |ga| + |gn|)');
    const table = rows(text);
    expect(table[0]).toEqual(['parameter', 'shape', 'checked', '> threshold', 'max rel. error', 'mean rel. error']);
    expect(table.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['x', '[4]', '4', '0'],
      ['A', '[4,4]', '16', '0'],
    ]);
    // The error columns round-trip to the report's numbers at 3 significant digits.
    table.slice(1).forEach((r, i) => {
      const p = report.params[i]!;
      expect(Number(r[4])).toBeCloseTo(p.max, -Math.floor(Math.log10(p.max)) + 2);
      expect(Number(r[5])).toBeCloseTo(p.mean, -Math.floor(Math.log10(p.mean)) + 2);
    });
    expect(text).toContain('PASSED');
    expect(text).not.toContain('FAILED');
  });

  test('a failing report names the failing parameter and its worst entry', () => {
    const { params, lossAndGradients } = quadraticForm(4, 1, 'flipped-sign', 3);
    const report = checkGradients(params, lossAndGradients, { stencil: 'five-point', maxEntries: 100, seed: 2 });
    const text = formatReport(report);
    expect(text.split('\n')[0]).toContain('five-point stencil');
    expect(text.split('\n')[0]).toContain('up to 100 random entries per parameter (seed 2)');
    expect(rows(text)[1]!.slice(0, 4)).toEqual(['x', '[4]', '4', '1']);
    expect(text).toContain('FAILED: 1 of 20 checked entries above 1e-6, in x');
    const w = report.params[0]!.worst;
    const m = /worst x\[3\]: analytical (\S+), numerical (\S+), relative error (\S+)$/m.exec(text);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - w.analytical)).toBeLessThan(1e-6 * Math.abs(w.analytical));
    expect(Math.abs(Number(m![2]) - w.numerical)).toBeLessThan(1e-6 * Math.abs(w.numerical));
    expect(Number(m![3])).toBeCloseTo(w.error, 2);
    expect(w.analytical).toBeCloseTo(-w.numerical, 6);
  });
});

describe('reportToJSON', () => {
  test('survives a JSON round trip unchanged', () => {
    const { params, lossAndGradients } = quadraticForm(3, 4, 'wrong-index', 0);
    const report = checkGradients(params, lossAndGradients, { maxEntries: 5, seed: 8 });
    const json = reportToJSON(report);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json).toEqual({ ...report, params: report.params.map((p) => ({ ...p })) });
    // A copy: changing it leaves the report alone.
    json.params[0]!.worst.index[0] = 99;
    expect(report.params[0]!.worst.index[0]).not.toBe(99);
  });

  test('NaN becomes null', () => {
    const { params, lossAndGradients } = quadraticForm(3, 4);
    const report: GradcheckReport = checkGradients(params, lossAndGradients);
    report.params[0]!.max = NaN;
    report.params[0]!.worst.analytical = Infinity;
    const json = reportToJSON(report);
    expect(json.params[0]!.max).toBeNull();
    expect(json.params[0]!.worst.analytical).toBeNull();
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

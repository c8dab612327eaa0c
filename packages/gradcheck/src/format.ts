/** The report as a plain-text table (count above the threshold and maximum per parameter) and as JSON. */
import { formatShape } from '@weft/tensor';
import type { GradcheckReport, ParamReport, WorstEntry } from './check.js';
import type { Stencil } from './validate.js';

const STENCIL_NAMES: Record<Stencil, string> = {
  central: 'central differences',
  'five-point': 'five-point stencil',
};

/**
 * A short number: 1e-4 → "1e-4", 2.1481e-8 → "2.15e-8" (digits + 1 significant
 * digits), 0.33333 → "0.333", 1 → "1".
 */
function sci(x: number, digits = 2): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4) return String(Number(x.toPrecision(digits + 1)));
  const [mantissa, exponent] = x.toExponential(digits).split('e');
  const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
  return `${trimmed}e${exponent!.replace('+', '')}`;
}

/**
 * A plain-text table, one row per parameter:
 * `parameter | shape | checked | > threshold | max rel. error | mean rel. error`,
 * under a header line naming the stencil, h, eps and threshold, followed by
 * the verdict and, for every failing parameter, its worst entry.
 */
export function formatReport(report: GradcheckReport): string {
  const header = ['parameter', 'shape', 'checked', '> threshold', 'max rel. error', 'mean rel. error'];
  const rows = report.params.map((p) => [p.name, formatShape(p.shape), String(p.checked), String(p.count), sci(p.max), sci(p.mean)]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((r) => r[c]!.length)));
  // Names and shapes read left to right; numbers line up on the right.
  const cell = (text: string, c: number) => (c < 2 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!));
  const line = (cells: string[]) => cells.map(cell).join(' | ').trimEnd();

  const sampling = report.maxEntries === null ? 'all entries' : `up to ${report.maxEntries} random entries per parameter (seed ${report.seed})`;
  const out = [
    `Gradient check: ${STENCIL_NAMES[report.stencil]}, h = ${sci(report.h, 6)}, ` +
      `relative error |ga - gn| / max(${sci(report.eps, 6)}, |ga| + |gn|), threshold ${sci(report.threshold, 6)}, ${sampling}`,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
    '',
  ];
  const failing = report.params.filter((p) => p.count > 0);
  if (failing.length === 0) {
    out.push(`PASSED: no relative error above ${sci(report.threshold, 6)}`);
  } else {
    const entries = failing.reduce((n, p) => n + p.count, 0);
    const checked = report.params.reduce((n, p) => n + p.checked, 0);
    out.push(
      `FAILED: ${entries} of ${checked} checked entries above ${sci(report.threshold, 6)}, in ${failing.map((p) => p.name).join(', ')}`,
    );
    for (const p of failing) {
      const w = p.worst;
      out.push(
        `  worst ${p.name}[${w.index.join(',')}]: analytical ${value(w.analytical)}, ` +
          `numerical ${value(w.numerical)}, relative error ${sci(w.error)}`,
      );
    }
  }
  return out.join('\n');
}

/** A gradient value to 7 significant digits: -1.030091, 2.345679e-9. */
function value(x: number): string {
  return String(Number(x.toPrecision(7)));
}

/** A number in JSON: NaN and ±Infinity (which JSON cannot hold) become null. */
type JSONNumber = number | null;

/** `T` with its number fields `K` as {@link JSONNumber}s (null when not finite). */
type WithJSONNumbers<T, K extends keyof T> = Omit<T, K> & { [P in K]: JSONNumber };

/** `GradcheckReport` as plain data for JSON.stringify: its fields, and its params' and their worst entries', with non-finite numbers (loss, max, mean, analytical, numerical, error) as null. */
export type GradcheckReportJSON = Omit<WithJSONNumbers<GradcheckReport, 'loss'>, 'params'> & {
  /** One entry per parameter, as in the report (non-finite numbers as null). */
  params: (Omit<WithJSONNumbers<ParamReport, 'max' | 'mean'>, 'worst'> & {
    /** The entry with the largest relative error. */
    worst: WithJSONNumbers<WorstEntry, 'analytical' | 'numerical' | 'error'>;
  })[];
};

function finiteOrNull(x: number): JSONNumber {
  return Number.isFinite(x) ? x : null;
}

/** A plain, JSON-serialisable copy of `report` (fresh arrays; NaN/Infinity → null). */
export function reportToJSON(report: GradcheckReport): GradcheckReportJSON {
  return {
    params: report.params.map((p) => ({
      name: p.name,
      shape: p.shape.slice(),
      size: p.size,
      checked: p.checked,
      count: p.count,
      max: finiteOrNull(p.max),
      mean: finiteOrNull(p.mean),
      worst: {
        index: p.worst.index.slice(),
        flatIndex: p.worst.flatIndex,
        analytical: finiteOrNull(p.worst.analytical),
        numerical: finiteOrNull(p.worst.numerical),
        error: finiteOrNull(p.worst.error),
      },
    })),
    threshold: report.threshold,
    h: report.h,
    stencil: report.stencil,
    eps: report.eps,
    maxEntries: report.maxEntries,
    seed: report.seed,
    loss: finiteOrNull(report.loss),
    passed: report.passed,
  };
}

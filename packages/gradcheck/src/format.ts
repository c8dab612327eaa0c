/** The report as a plain-text table (count above the threshold and maximum per parameter) and as JSON. */
import { formatShape } from '@weft/tensor';
import type { GradcheckReport } from './check.js';
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

/** `GradcheckReport` as plain data for JSON.stringify (non-finite numbers become null). */
export interface GradcheckReportJSON {
  /** {@link GradcheckReport.params}: one entry per parameter, fields as in {@link ParamReport}. */
  params: {
    /** {@link ParamReport.name}. */
    name: string;
    /** {@link ParamReport.shape}. */
    shape: number[];
    /** {@link ParamReport.size}. */
    size: number;
    /** {@link ParamReport.checked}. */
    checked: number;
    /** {@link ParamReport.count}. */
    count: number;
    /** {@link ParamReport.max}, null when not finite. */
    max: JSONNumber;
    /** {@link ParamReport.mean}, null when not finite. */
    mean: JSONNumber;
    /** {@link ParamReport.worst}: fields as in {@link WorstEntry}, non-finite numbers as null. */
    worst: {
      /** {@link WorstEntry.index}. */
      index: number[];
      /** {@link WorstEntry.flatIndex}. */
      flatIndex: number;
      /** {@link WorstEntry.analytical}. */
      analytical: JSONNumber;
      /** {@link WorstEntry.numerical}. */
      numerical: JSONNumber;
      /** {@link WorstEntry.error}. */
      error: JSONNumber;
    };
  }[];
  /** {@link GradcheckReport.threshold}. */
  threshold: number;
  /** {@link GradcheckReport.h}. */
  h: number;
  /** {@link GradcheckReport.stencil}. */
  stencil: Stencil;
  /** {@link GradcheckReport.eps}. */
  eps: number;
  /** {@link GradcheckReport.maxEntries}. */
  maxEntries: number | null;
  /** {@link GradcheckReport.seed}. */
  seed: number;
  /** {@link GradcheckReport.loss}, null when not finite. */
  loss: JSONNumber;
  /** {@link GradcheckReport.passed}. */
  passed: boolean;
}

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

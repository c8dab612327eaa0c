/**
 * The verdict after a gradient check: entries above the threshold are checked
 * again with the five-point stencil at ten times the step. An entry is
 * finite-difference error when its relative error then passes, or when the
 * difference |ga − gn| is within what rounding the loss alone can produce
 * (10 · 1.5 · ε · |loss| / h: a tiny gradient has a large relative error
 * however right it is). Otherwise it is a wrong gradient.
 */
import { multiIndex, numericalGradient, relativeError, type GradcheckReport, type GradParam } from '@weft/gradcheck';
import { clone } from '@weft/tensor';

/** One entry checked again. */
export interface RecheckedEntry {
  param: string;
  /** Multi-index into the parameter. */
  index: number[];
  analytical: number;
  /** Relative error with the report's stencil and step. */
  first: number;
  /** Relative error with the five-point stencil at the re-check step. */
  fivePoint: number;
  /** |ga − gn| with the five-point stencil. */
  difference: number;
  /** What rounding of the loss can put into a five-point estimate at the re-check step: 10 · 1.5 · ε · |loss| / h. */
  roundingBound: number;
  /** True when the five-point error is within the threshold or the difference within the rounding bound. */
  finiteDifferenceError: boolean;
}

/** What `recheckAboveThreshold` found. */
export interface Recheck {
  stencil: 'five-point';
  /** The re-check's step: ten times the report's. */
  h: number;
  threshold: number;
  entries: RecheckedEntry[];
  /** True when no entry is still above the threshold. */
  passed: boolean;
}

/** Entries re-checked at most, so that a badly broken model does not take forever. */
export const MAX_RECHECKED = 1000;

/**
 * Re-checks every entry of `report` above its threshold. Call it right after
 * `checkGradients(params, loss, …)`, while the grads still hold the
 * analytical gradients; `loss` must be a pure function of the parameter values.
 */
export function recheckAboveThreshold(params: readonly GradParam[], loss: () => number, report: GradcheckReport): Recheck {
  const h = report.h * 10;
  const threshold = report.threshold;
  const analytical = params.map((p) => clone(p.grad).data as Float64Array);
  // Five-point weights sum to (1 + 8 + 8 + 1) / 12h; each loss value is off by up to ε·|loss|; 10 for safety.
  const roundingBound = (10 * 1.5 * Number.EPSILON * Math.abs(report.loss)) / h;
  const entries: RecheckedEntry[] = [];
  params.forEach((p, i) => {
    const row = report.params[i];
    if (row === undefined || row.count === 0 || entries.length >= MAX_RECHECKED) return;
    // Which entries: the central errors again (the report keeps only counts), then five-point on those above.
    const central = numericalGradient(loss, p.value, { h: report.h, stencil: report.stencil });
    const above: number[] = [];
    central.forEach((gn, k) => {
      const error = relativeError(analytical[i]![k]!, gn, report.eps);
      if (!(error <= threshold)) above.push(k);
    });
    const picked = above.slice(0, MAX_RECHECKED - entries.length);
    const five = numericalGradient(loss, p.value, { h, stencil: 'five-point', indices: picked });
    picked.forEach((k, j) => {
      const ga = analytical[i]![k]!;
      const fivePoint = relativeError(ga, five[j]!, report.eps);
      const difference = Math.abs(ga - five[j]!);
      entries.push({
        param: p.name,
        index: multiIndex(p.value.shape, k),
        analytical: ga,
        first: relativeError(ga, central[k]!, report.eps),
        fivePoint,
        difference,
        roundingBound,
        finiteDifferenceError: fivePoint <= threshold || difference <= roundingBound,
      });
    });
  });
  return { stencil: 'five-point', h, threshold, entries, passed: entries.every((e) => e.finiteDifferenceError) };
}

/** The verdict as text, for the end of `char-rnn gradcheck`'s table. */
export function formatRecheck(recheck: Recheck, firstStencil: string): string {
  if (recheck.entries.length === 0) return 'Verdict: the analytical gradients are right (no entry above the threshold).';
  const n = recheck.entries.length;
  const lines = [
    `Verdict: ${n === 1 ? 'the entry' : `the ${n} entries`} above ${recheck.threshold.toExponential()} ` +
      `${n === 1 ? 'was' : 'were'} checked again with the five-point stencil at h = ${recheck.h.toExponential()}:`,
  ];
  for (const e of recheck.entries.slice(0, 20)) {
    const rounding = e.fivePoint > recheck.threshold ? `, |ga - gn| ${e.difference.toExponential(1)} ${e.difference <= e.roundingBound ? 'within' : 'above'} rounding (${e.roundingBound.toExponential(1)})` : '';
    lines.push(
      `  ${e.param}[${e.index.join(',')}]: ${firstStencil} at h = ${(recheck.h / 10).toExponential()} ${e.first.toExponential(1)}, ` +
        `five-point at h = ${recheck.h.toExponential()} ${e.fivePoint.toExponential(1)}${rounding}: ` +
        `${e.finiteDifferenceError ? 'finite-difference error' : 'WRONG GRADIENT'}`,
    );
  }
  if (recheck.entries.length > 20) lines.push(`  … and ${recheck.entries.length - 20} more`);
  const wrong = recheck.entries.filter((e) => !e.finiteDifferenceError).length;
  lines.push(
    wrong === 0
      ? `${n === 1 ? 'It passes: it was' : 'All of them pass: they were'} finite-difference error, and the analytical gradients are right.`
      : `${wrong} still fail${wrong === 1 ? 's' : ''}: the analytical gradient${wrong === 1 ? ' is' : 's are'} wrong there (exit 1).`,
  );
  return lines.join('\n');
}

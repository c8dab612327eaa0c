// vega and vega-lite (≈ 1 s and 45 MiB to load) are imported when a plot is drawn, not when the CLI starts.
import type { TopLevelSpec } from 'vega-lite';

/** One point of the loss curve. */
export interface LossPoint {
  update: number;
  smoothLoss: number;
  /** Validation loss (same units: per window of seq-length characters), where evaluated. */
  valLoss?: number;
}

/** What the plot marks besides the curve. */
export interface LossPlotMarks {
  /** The ends of epochs: a dashed vertical rule at each, labelled with the epoch. */
  epochEnds?: readonly { epoch: number; update: number }[];
  /** The lowest smooth loss: a dot, labelled with its value. */
  best?: { update: number; smoothLoss: number };
}

/** The share of the run (by update) whose early, high losses may run off the top of the plot. */
export const FOCUS_SKIP = 0.05;

/**
 * The y range the plot shows: from the lowest smooth loss to the highest after
 * the first FOCUS_SKIP of the run, with 2% of the span as margin. The first
 * few thousand updates of a run fall from ~T·ln K (113 on Moby Dick) to ~55;
 * drawn whole, that fall takes three quarters of the height and flattens the
 * rest of the run into a line. Short series (under 20 points) are shown whole.
 */
export function focusedRange(points: readonly LossPoint[]): { min: number; max: number; clipped: boolean } {
  const losses = points.map((p) => p.smoothLoss);
  const min = Math.min(...losses);
  const fullMax = Math.max(...losses);
  let max = fullMax;
  if (points.length >= 20) {
    const first = points[0]!.update;
    const cut = first + FOCUS_SKIP * (points.at(-1)!.update - first);
    max = Math.max(...points.filter((p) => p.update >= cut).map((p) => p.smoothLoss));
  }
  const margin = Math.max((max - min) * 0.02, Math.abs(max) * 1e-6, 1e-9);
  return { min: min - margin, max: max + margin, clipped: max < fullMax };
}

/**
 * The smooth-loss curve (the report's figure 1) as a standalone SVG document:
 * a vega-lite line chart (x = update, y = smooth loss), compiled to vega and
 * rendered headless by `View.toSVG()` (no canvas or browser needed). The axes
 * end at the data (no "nice" rounding); the y axis is focused (see
 * `focusedRange`), the start of the curve running off the top when needed,
 * as the subtitle says. Epoch ends are dashed rules, the best point a red dot.
 * Points with a non-finite coordinate are dropped. Handles tens of thousands of points.
 * When some points have a validation loss, it is drawn as a second line
 * ("validation loss") beside the "smooth loss" line, with a legend.
 */
export async function renderLossSvg(points: readonly LossPoint[], title = 'Smooth loss during training', marks: LossPlotMarks = {}): Promise<string> {
  const train = points
    .filter((p) => Number.isFinite(p.update) && Number.isFinite(p.smoothLoss))
    .map((p) => ({ update: p.update, smoothLoss: p.smoothLoss }));
  const validation = points
    .filter((p) => Number.isFinite(p.update) && p.valLoss !== undefined && Number.isFinite(p.valLoss))
    .map((p) => ({ update: p.update, smoothLoss: p.valLoss!, series: 'validation loss' }));
  const values = validation.length === 0 ? train : [...train.map((p) => ({ ...p, series: 'smooth loss (training)' })), ...validation];
  // Both lines share the focused range; the points in update order for it.
  const all = [...train, ...validation].sort((a, b) => a.update - b.update);
  const range = all.length > 0 ? focusedRange(all) : undefined;
  const xDomain = all.length > 0 ? [all[0]!.update, all.at(-1)!.update] : undefined;
  const x = {
    field: 'update',
    type: 'quantitative' as const,
    title: 'update',
    ...(xDomain && xDomain[0]! < xDomain[1]! ? { scale: { domain: xDomain, nice: false } } : {}),
  };
  // No zero baseline: the curve lives far above 0 and would be squashed flat.
  const yScale = range ? { domain: [range.min, range.max], nice: false, zero: false } : { zero: false };
  const y = { field: 'smoothLoss', type: 'quantitative' as const, title: validation.length === 0 ? 'smooth loss' : 'loss per window', scale: yScale };
  const inView = (u: number): boolean => xDomain !== undefined && u >= xDomain[0]! && u <= xDomain[1]!;
  const epochEnds = (marks.epochEnds ?? []).filter((e) => inView(e.update)).map((e) => ({ update: e.update, label: `epoch ${e.epoch}` }));
  const best = marks.best && inView(marks.best.update) ? marks.best : undefined;

  const color = validation.length === 0 ? {} : { color: { field: 'series', type: 'nominal' as const, title: null } };
  const layers: Record<string, unknown>[] = [{ mark: { type: 'line', strokeWidth: 1.5, clip: true }, encoding: { x, y, ...color } }];
  if (epochEnds.length > 0) {
    layers.push({
      data: { values: epochEnds },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#999', strokeWidth: 1 },
      encoding: { x: { ...x, field: 'update' } },
    });
    layers.push({
      data: { values: epochEnds },
      mark: { type: 'text', align: 'right', baseline: 'top', dx: -3, dy: 3, fontSize: 10, color: '#666', y: 0 },
      encoding: { x: { ...x, field: 'update' }, text: { field: 'label' } },
    });
  }
  if (best) {
    const label = `best ${best.smoothLoss.toFixed(2)} (update ${best.update.toLocaleString('en-US')})`;
    const point = { update: best.update, smoothLoss: best.smoothLoss, label };
    layers.push({ data: { values: [point] }, mark: { type: 'point', filled: true, color: '#d62728', size: 50 }, encoding: { x, y } });
    layers.push({
      data: { values: [point] },
      mark: { type: 'text', align: best.update > (xDomain![0]! + xDomain![1]!) / 2 ? 'right' : 'left', dx: 0, dy: -9, fontSize: 11, color: '#d62728' },
      encoding: { x, y, text: { field: 'label' } },
    });
  }
  const subtitle = range?.clipped
    ? `y axis focused on the run after its first ${FOCUS_SKIP * 100}%: the curve starts at ${all[0]!.smoothLoss.toFixed(1)}, above the top`
    : undefined;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle ? { text: title, subtitle } : title,
    width: 640,
    height: 360,
    background: 'white',
    data: { values },
    layer: layers,
  } as unknown as TopLevelSpec;
  // One after the other: they share modules, and jest's ESM loader fails on two imports of one module in flight at once.
  const { parse, View } = await import('vega');
  const { compile } = await import('vega-lite');
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

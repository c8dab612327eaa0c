import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One point of the loss curve. */
export interface LossPoint {
  update: number;
  smoothLoss: number;
  /** Validation loss (same units: per window of seq-length characters), where evaluated. */
  valLoss?: number;
}

/**
 * The smooth-loss curve (the report's figure 1) as a standalone SVG document:
 * a vega-lite line chart (x = update, y = smooth loss), compiled to vega and
 * rendered headless by `View.toSVG()` (no canvas or browser needed).
 * Points with a non-finite coordinate are dropped. Handles tens of thousands of points.
 * When some points have a validation loss, it is drawn as a second line
 * ("validation loss") beside the "smooth loss" line, with a legend.
 */
export async function renderLossSvg(points: readonly LossPoint[], title = 'Smooth loss during training'): Promise<string> {
  const train = points
    .filter((p) => Number.isFinite(p.update) && Number.isFinite(p.smoothLoss))
    .map((p) => ({ update: p.update, smoothLoss: p.smoothLoss }));
  const validation = points
    .filter((p) => Number.isFinite(p.update) && p.valLoss !== undefined && Number.isFinite(p.valLoss))
    .map((p) => ({ update: p.update, smoothLoss: p.valLoss!, series: 'validation loss' }));
  const values = validation.length === 0 ? train : [...train.map((p) => ({ ...p, series: 'smooth loss (training)' })), ...validation];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 360,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'update', type: 'quantitative', title: 'update' },
      // No zero baseline: the curve lives far above 0 and would be squashed flat.
      y: { field: 'smoothLoss', type: 'quantitative', title: validation.length === 0 ? 'smooth loss' : 'loss per window', scale: { zero: false } },
      ...(validation.length === 0 ? {} : { color: { field: 'series', type: 'nominal' as const, title: null } }),
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** renderLossSvg: a valid standalone SVG line chart, also for thousands of points. */
import { focusedRange, renderLossSvg } from '../src/plot.js';

/** A well-formedness check without a DOM: every tag opened is closed, in order. */
function tagsBalanced(svg: string): boolean {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

/** The `d` attribute of the line mark's path (vega labels it aria-roledescription="line mark"). */
function linePath(svg: string): string {
  const match = /<path[^>]*aria-roledescription="line mark"[^>]* d="([^"]+)"/.exec(svg);
  if (!match) throw new Error('no line mark path in the SVG');
  return match[1]!;
}

test('renders a line chart with axis titles and a title', async () => {
  const points = Array.from({ length: 50 }, (_, i) => ({ update: i * 100, smoothLoss: 110 - i }));
  const svg = await renderLossSvg(points, 'Smooth loss, Moby Dick');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(linePath(svg)).toMatch(/^M[\d.,-]+(L[\d.,-]+){49}$/);
  expect(svg).toContain('>update<');
  expect(svg).toContain('>smooth loss<');
  expect(svg).toContain('Smooth loss, Moby Dick');
  expect(tagsBalanced(svg)).toBe(true);
});

test('handles several thousand points: the line has one vertex per point', async () => {
  const n = 5000;
  const points = Array.from({ length: n }, (_, i) => ({ update: i * 100, smoothLoss: 40 + 70 * Math.exp(-i / 800) + Math.sin(i) }));
  const svg = await renderLossSvg(points);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(tagsBalanced(svg)).toBe(true);
  // One M and n - 1 L commands.
  expect((linePath(svg).match(/[ML]/g) ?? []).length).toBe(n);
});

test('non-finite points are dropped and an empty series still renders', async () => {
  const svg = await renderLossSvg([{ update: 1, smoothLoss: Number.NaN }]);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).not.toMatch(/ d="[^"]*NaN/);
  expect(svg).toContain('>smooth loss<');
});

/** The vertices of a path's d attribute as [x, y] pairs. */
function vertices(d: string): number[][] {
  return [...d.matchAll(/[ML]([\d.-]+),([\d.-]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** A run like a default one: a fast fall from 113 to 55, then slowly to 43, with a jump at each epoch start. */
function defaultLikeRun(): { points: { update: number; smoothLoss: number }[]; epochEnds: { epoch: number; update: number }[] } {
  const points = [];
  for (let u = 100; u <= 146_000; u += 100) {
    const epochJump = 2 * Math.exp(-(u % 48_695) / 2000);
    points.push({ update: u, smoothLoss: 43 + 12 * Math.exp(-u / 60_000) + 58 * Math.exp(-u / 1500) + epochJump });
  }
  return { points, epochEnds: [{ epoch: 1, update: 48_695 }, { epoch: 2, update: 97_390 }, { epoch: 3, update: 146_000 }] };
}

test('issue 11.5: the axes end at the data, the y axis is focused past the first 5%, epochs and the best point are marked', async () => {
  const { points, epochEnds } = defaultLikeRun();
  const best = points.reduce((a, b) => (b.smoothLoss < a.smoothLoss ? b : a));
  const svg = await renderLossSvg(points, 'Smooth loss', { epochEnds, best });
  const line = vertices(linePath(svg));
  expect(line).toHaveLength(points.length);
  // x: the first point at the left edge (0) and the last at the right edge (640): no "nice" padding.
  expect(line[0]![0]).toBeCloseTo(0, 5);
  expect(line.at(-1)![0]).toBeCloseTo(640, 5);
  // y: the curve after the first 5% spans the whole height (0 at the top, 360 at the bottom) …
  const later = line.filter((_, i) => points[i]!.update >= 0.05 * 146_000);
  expect(Math.min(...later.map((v) => v[1]!))).toBeLessThan(360 * 0.03);
  expect(Math.max(...line.map((v) => v[1]!))).toBeGreaterThan(360 * 0.97);
  // … and the start runs off the top (negative y), as the subtitle says.
  expect(line[0]![1]).toBeLessThan(0);
  expect(svg).toContain(`the curve starts at ${points[0]!.smoothLoss.toFixed(1)}, above the top`);
  for (const e of epochEnds.slice(0, 2)) expect(svg).toContain(`>epoch ${e.epoch}<`);
  expect(svg).toContain(`>best ${best.smoothLoss.toFixed(2)} (update ${best.update.toLocaleString('en-US')})<`);
});

test('focusedRange shows a short series whole', () => {
  const points = Array.from({ length: 10 }, (_, i) => ({ update: i, smoothLoss: 100 - i }));
  const range = focusedRange(points);
  expect(range.clipped).toBe(false);
  expect(range.min).toBeLessThan(91);
  expect(range.max).toBeGreaterThan(100);
});

test('a validation loss is a second line in the legend, inside the y range, without padding the figure', async () => {
  const train = Array.from({ length: 40 }, (_, i) => ({ update: (i + 1) * 100, smoothLoss: 60 - i / 4 }));
  const plain = await renderLossSvg(train, 'Smooth loss');
  // Validation every 1000 updates, partly below the training curve's range.
  const points = train.map((p) => (p.update % 1000 === 0 ? { ...p, valLoss: 48 - p.update / 1000 } : p));
  const svg = await renderLossSvg(points, 'Training (smooth) and validation loss');
  expect(tagsBalanced(svg)).toBe(true);
  const lines = [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]* d="([^"]+)"/g)];
  expect(lines).toHaveLength(2);
  expect(lines[1]![1]).toMatch(/^M[\d.,-]+(L[\d.,-]+){3}$/); // 4 validation points
  expect(svg).toContain('>validation loss<');
  expect(svg).toContain('>loss per window<');
  const height = (s: string): string => /<svg[^>]* height="(\d+)"/.exec(s)![1]!;
  expect(height(svg)).toBe(height(plain));
  // The y axis reaches down to the lowest validation loss (44); the training curve alone ends at 50.25.
  const labels = (s: string): number[] => [...s.matchAll(/>(\d+(?:\.\d+)?)</g)].map((m) => Number(m[1])).filter((v) => v < 100);
  expect(Math.min(...labels(svg))).toBeLessThanOrEqual(45);
  expect(Math.min(...labels(plain))).toBeGreaterThan(49);
});

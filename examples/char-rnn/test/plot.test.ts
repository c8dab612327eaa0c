/** renderLossSvg: a valid standalone SVG line chart, also for thousands of points. */
import { renderLossSvg } from '../src/plot.js';

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

/**
 * The smooth-loss curve in bits per character, drawn as plain SVG (a path,
 * two axes, a few tick labels): no library needed for one line, and nothing
 * that needs inline styles, which the page's CSP forbids.
 */
const SVG = 'http://www.w3.org/2000/svg';
/** Plot area inside the viewBox (room on the left and below for labels). */
const W = 600;
const H = 240;
const LEFT = 44;
const BOTTOM = 22;
const TOP = 8;
const RIGHT = 10;
/** Points kept; beyond this every other one is dropped (the curve is smooth). */
const MAX_POINTS = 2000;

export class LossChart {
  private points: [number, number][] = [];
  private readonly path: SVGPathElement;
  private readonly ticks: SVGGElement;
  private scheduled = false;

  constructor(private readonly svg: SVGSVGElement) {
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const axes = element('path', { class: 'axes', d: `M${LEFT},${TOP} V${H - BOTTOM} H${W - RIGHT}` });
    this.ticks = element('g', { class: 'ticks' });
    this.path = element('path', { class: 'curve', d: '' });
    svg.replaceChildren(axes, this.ticks, this.path);
  }

  reset(): void {
    this.points = [];
    this.schedule();
  }

  /** Adds [update, bits per character] points (in update order) and redraws on the next frame. */
  add(points: readonly [number, number][]): void {
    for (const p of points) if (Number.isFinite(p[1])) this.points.push(p);
    if (this.points.length > MAX_POINTS) this.points = this.points.filter((_, i) => i % 2 === 0 || i === this.points.length - 1);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const pts = this.points;
    this.ticks.replaceChildren();
    if (pts.length === 0) {
      this.path.setAttribute('d', '');
      delete this.svg.dataset.first;
      delete this.svg.dataset.last;
      this.svg.dataset.points = '0';
      return;
    }
    const x0 = pts[0]![0];
    const x1 = Math.max(pts[pts.length - 1]![0], x0 + 1);
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, y] of pts) {
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
    // Round the y range out to tenths of a bit so the labels are short.
    lo = Math.floor(lo * 10) / 10;
    hi = Math.max(Math.ceil(hi * 10) / 10, lo + 0.1);
    const sx = (x: number): number => LEFT + ((x - x0) / (x1 - x0)) * (W - LEFT - RIGHT);
    const sy = (y: number): number => H - BOTTOM - ((y - lo) / (hi - lo)) * (H - BOTTOM - TOP);
    let d = '';
    for (const [x, y] of pts) d += `${d ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    this.path.setAttribute('d', d);
    // For tests and curious readers: the first and last points drawn.
    this.svg.dataset.first = String(pts[0]![1]);
    this.svg.dataset.last = String(pts[pts.length - 1]![1]);
    this.svg.dataset.points = String(pts.length);
    for (const y of [lo, (lo + hi) / 2, hi]) {
      this.ticks.append(element('text', { x: String(LEFT - 4), y: String(sy(y) + 4), 'text-anchor': 'end' }, y.toFixed(2)));
    }
    for (const x of [x0, x1]) {
      this.ticks.append(element('text', { x: String(sx(x)), y: String(H - 6), 'text-anchor': x === x0 ? 'start' : 'end' }, String(x)));
    }
    this.ticks.append(element('text', { x: String((LEFT + W) / 2), y: String(H - 6), 'text-anchor': 'middle' }, 'update'));
  }
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// A chart of memory per request as a hand-drawn SVG (no libraries, no script, no remote
// content): one polyline per series, the fitted line, the warm-up shaded.
import type { MeasureResult } from './measure';
import { formatBytes } from './stats';

export interface ChartSeries {
  label: string;
  metric: 'rss' | 'usage';
  points: Array<[number, number]>;
  /** Fitted line over the samples after the warm-up: bytes = intercept + slope * x. */
  fit: { slope: number; intercept: number; from: number; to: number };
  verdict: string;
}

export interface ChartData {
  title: string;
  verdict: string;
  reason: string;
  warmup: number;
  xLabel: string;
  series: ChartSeries[];
  /** Requests at which a php-fpm worker was recycled. */
  recycledAt: number[];
}

export function chartData(r: MeasureResult): ChartData {
  return {
    title: r.target,
    verdict: r.verdict,
    reason: r.reason,
    warmup: r.warmup,
    xLabel: r.mode === 'url' ? 'requests' : 'handler calls',
    series: r.series.map((s) => {
      const after = s.samples.filter((p) => p.x > r.warmup);
      return {
        label: s.label,
        metric: s.metric,
        points: s.samples.map((p) => [p.x, p.y] as [number, number]),
        fit: { slope: s.analysis.fit.slope, intercept: s.analysis.fit.intercept, from: after[0]?.x ?? 0, to: after[after.length - 1]?.x ?? 0 },
        verdict: s.analysis.verdict,
      };
    }),
    recycledAt: r.workers.filter((w) => w.kind === 'recycled').map((w) => w.at),
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#d9480f', '#1c7ed6', '#2b8a3e', '#862e9c'];

/**
 * One SVG document: a panel per series, stacked (their scales differ: RSS vs
 * memory_get_usage()). Colours of text and grid follow currentColor (the editor theme).
 */
export function chartSvg(d: ChartData, width = 720, height = 260): string {
  const panels = d.series.map((s, i) => seriesSvg(d, s, COLORS[i % COLORS.length], width, height).replace('<svg ', `<svg y="${i * height}" `));
  const total = Math.max(1, d.series.length) * height;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">\n${panels.join('\n')}\n</svg>`;
}

function seriesSvg(d: ChartData, s: ChartSeries, color: string, W: number, H: number): string {
  const m = { l: 80, r: 16, t: 28, b: 36 };
  const xs = s.points.map((p) => p[0]);
  const ys = s.points.map((p) => p[1]);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(1, ...xs);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  if (!isFinite(y0)) (y0 = 0), (y1 = 1);
  if (y1 - y0 < 1024) (y0 -= 512), (y1 += 512);
  const pad = (y1 - y0) * 0.05;
  y0 = Math.min(...ys) >= 0 ? Math.max(0, y0 - pad) : y0 - pad;
  y1 += pad;
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const f = (n: number) => n.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(s.label)}">`);
  parts.push(`<title>${esc(`${s.label}: ${s.verdict}`)}</title>`);
  if (d.warmup > x0) parts.push(`<rect class="warmup" x="${f(px(x0))}" y="${m.t}" width="${f(px(Math.min(d.warmup, x1)) - px(x0))}" height="${H - m.t - m.b}" fill="currentColor" fill-opacity="0.08"/>`);
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    const yy = f(py(yv));
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${yy}" y2="${yy}" stroke="currentColor" stroke-opacity="0.15"/>`);
    parts.push(`<text x="${m.l - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="currentColor">${esc(formatBytes(yv))}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const xv = x0 + ((x1 - x0) * k) / 4;
    parts.push(`<text x="${f(px(xv))}" y="${H - m.b + 16}" text-anchor="middle" font-size="11" fill="currentColor">${Math.round(xv)}</text>`);
  }
  parts.push(`<text x="${f((m.l + W - m.r) / 2)}" y="${H - 4}" text-anchor="middle" font-size="11" fill="currentColor">${esc(d.xLabel)}</text>`);
  for (const at of d.recycledAt) {
    parts.push(`<line class="recycled" x1="${f(px(at))}" x2="${f(px(at))}" y1="${m.t}" y2="${H - m.b}" stroke="currentColor" stroke-dasharray="3 3" stroke-opacity="0.5"/>`);
  }
  parts.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="1.5" points="${s.points.map((p) => `${f(px(p[0]))},${f(py(p[1]))}`).join(' ')}"/>`);
  if (s.fit.to > s.fit.from) {
    const a = s.fit.intercept + s.fit.slope * s.fit.from;
    const b = s.fit.intercept + s.fit.slope * s.fit.to;
    parts.push(`<line class="fit" x1="${f(px(s.fit.from))}" y1="${f(py(a))}" x2="${f(px(s.fit.to))}" y2="${f(py(b))}" stroke="currentColor" stroke-dasharray="6 4" stroke-opacity="0.7"/>`);
  }
  parts.push(`<text x="${m.l}" y="16" font-size="12" font-weight="bold" fill="currentColor">${esc(`${s.label} — ${s.verdict}, ${formatBytes(s.fit.slope)}/${d.xLabel === 'requests' ? 'request' : 'call'}`)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

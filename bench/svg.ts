/**
 * Two small SVG chart writers for the benchmark report, with no dependency: horizontal
 * bars (throughput of each variant relative to its scenario's reference) and a log-log
 * line chart (round-trip time against message size).
 */

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One bar: `value` is drawn to scale, `note` is printed after the bar. */
export interface Bar {
  group: string;
  label: string;
  value: number;
  note: string;
  highlight?: boolean;
}

/** Horizontal bars, grouped under a heading per scenario, with a dashed line at `refLine`. */
export function barChart(title: string, axisLabel: string, bars: readonly Bar[], refLine = 1): string {
  const rowH = 18;
  const left = 230;
  const width = 820;
  const plotW = width - left - 170;
  const max = Math.max(refLine, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))) * 1.05;
  const parts: string[] = [];
  let y = 40;
  let group = '';
  for (const bar of bars) {
    if (bar.group !== group) {
      group = bar.group;
      y += 8;
      parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${esc(group)}</text>`);
      y += rowH;
    }
    const w = Number.isFinite(bar.value) ? (bar.value / max) * plotW : 0;
    parts.push(`<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(bar.label)}</text>`);
    parts.push(
      `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 5}" fill="${bar.highlight ? COLORS[1] : COLORS[0]}"/>`,
    );
    parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + 13}">${esc(bar.note)}</text>`);
    y += rowH;
  }
  const refX = left + (refLine / max) * plotW;
  const height = y + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    `<line x1="${refX.toFixed(1)}" y1="40" x2="${refX.toFixed(1)}" y2="${y}" stroke="#555" stroke-dasharray="4 3"/>`,
    `<text x="${refX.toFixed(1)}" y="${y + 16}" text-anchor="middle">${refLine}</text>`,
    `<text x="${left}" y="${y + 32}">${esc(axisLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** A named series of (x, y) points, both > 0. */
export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

/** A log-log line chart with decade grid lines; `formatX`/`formatY` label the ticks. */
export function logLogChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: readonly Series[],
  formatX: (x: number) => string,
  formatY: (y: number) => string,
): string {
  const width = 720;
  const height = 440;
  const m = { left: 70, right: 170, top: 40, bottom: 50 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  const x0 = Math.log10(xTicks[0] as number);
  const x1 = Math.log10(xTicks[xTicks.length - 1] as number);
  const y0 = Math.log10(yTicks[0] as number);
  const y1 = Math.log10(yTicks[yTicks.length - 1] as number);
  const px = (x: number): number => m.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const py = (y: number): number => height - m.bottom - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const parts: string[] = [];
  for (const t of xTicks) {
    parts.push(`<line x1="${px(t).toFixed(1)}" y1="${m.top}" x2="${px(t).toFixed(1)}" y2="${height - m.bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${px(t).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${esc(formatX(t))}</text>`);
  }
  for (const t of yTicks) {
    parts.push(`<line x1="${m.left}" y1="${py(t).toFixed(1)}" x2="${width - m.right}" y2="${py(t).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${esc(formatY(t))}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts = s.points.filter((p) => p[0] > 0 && p[1] > 0);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts) parts.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = m.top + 10 + i * 18;
    parts.push(`<rect x="${width - m.right + 12}" y="${ly - 9}" width="12" height="10" fill="${color}"/>`);
    parts.push(`<text x="${width - m.right + 30}" y="${ly}">${esc(s.name)}</text>`);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${height / 2}" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Chart primitives for the HTML report: static SVG strings, no scripts,
 * no external fonts or styles, so a report opens anywhere as one file.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode lineChart} | series of points over a numeric x, with interval bars and a legend |
 * | {@linkcode barChart} | horizontal bars with interval bars and value labels |
 * | {@linkcode niceTicks}, {@linkcode NiceTicksOptions} | round tick values covering a range |
 * | {@linkcode escapeXml} | text safe inside SVG and HTML |
 * | {@linkcode PALETTE}, {@linkcode DASHES} | colours (Okabe-Ito, colour-blind safe) and dash patterns |
 *
 * Text cannot be measured without a browser, so widths are estimated from
 * {@linkcode CHAR_WIDTH_EM} and long labels are shortened with an
 * ellipsis (the full text stays in a `<title>` tooltip).
 *
 * @module
 */

import { formatFigure } from "./figure.ts";
import { maxOf, minOf } from "../judge/stats.ts";

/** Series colours: Okabe-Ito without yellow (too faint on white), then greys. */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
  "#999999",
];

/** Stroke dash patterns for a second series dimension; `""` is solid. */
export const DASHES: readonly string[] = ["", "7 4", "2 3", "9 3 2 3"];

/** Estimated average glyph width of the report's sans-serif font, in em. */
export const CHAR_WIDTH_EM = 0.6;

const FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif";
const TICK_FONT_PX = 11;
const LABEL_FONT_PX = 12;
const TITLE_FONT_PX = 13;
const LEGEND_SAMPLE_PX = 30;

/** One point of a {@linkcode LineSeries}, optionally with an interval. */
export interface ChartPoint {
  /** Position on the x axis. */
  x: number;
  /** The figure (e.g. a median). */
  y: number;
  /** Lower end of the interval drawn as an error bar. */
  lo?: number;
  /** Upper end of the interval drawn as an error bar. */
  hi?: number;
  /** Tooltip text. */
  tip?: string;
}

/** One line of a {@linkcode lineChart}. */
export interface LineSeries {
  /** Legend text. */
  label: string;
  /** Stroke and fill colour. */
  color: string;
  /** Stroke dash pattern, `""` for solid. */
  dash?: string;
  /** Points, in any order (drawn sorted by x). */
  points: ChartPoint[];
}

/** A labelled tick on the x axis. */
export interface Tick {
  /** Position. */
  value: number;
  /** Text under the axis. */
  label: string;
}

/** What {@linkcode lineChart} draws. */
export interface LineChartSpec {
  /** Text above the plot. */
  title: string;
  /** Text under the x axis. */
  xLabel: string;
  /** Text along the y axis. */
  yLabel: string;
  /** The lines. */
  series: LineSeries[];
  /** Total width in px. @default {640} */
  width?: number;
  /** Total height in px. @default {360} */
  height?: number;
  /** x ticks; by default one per distinct x of the points. @default {undefined} */
  xTicks?: Tick[];
  /** Whether the y axis starts at zero. @default {true} */
  yFromZero?: boolean;
  /** Spread series sideways so their interval bars do not overlap. @default {true} */
  dodge?: boolean;
  /** `data-chart` attribute, for finding the chart in the DOM. @default {"line"} */
  kind?: string;
}

/** One bar of a {@linkcode barChart}. */
export interface BarRow {
  /** Text left of the bar. */
  label: string;
  /** Bar length. */
  value: number;
  /** Lower end of the interval drawn as an error bar. */
  lo?: number;
  /** Upper end of the interval drawn as an error bar. */
  hi?: number;
  /** Fill colour. */
  color: string;
  /** Tooltip text. */
  tip?: string;
  /** Draw the label in bold (e.g. the fastest of a group). @default {false} */
  strong?: boolean;
}

/** What {@linkcode barChart} draws. */
export interface BarChartSpec {
  /** Text above the plot. */
  title: string;
  /** Text under the value axis. */
  xLabel: string;
  /** One bar per row, top to bottom. */
  rows: BarRow[];
  /** Total width in px. @default {640} */
  width?: number;
  /** `data-chart` attribute. @default {"bar"} */
  kind?: string;
}

/**
 * Escape `&`, `<`, `>`, `"` and `'` for SVG and HTML text and attributes.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./svg.ts";
 *
 * console.assert(escapeXml("a<b & 'c'") === "a&lt;b &amp; &#39;c&#39;");
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

/** Options of {@linkcode niceTicks}. */
export interface NiceTicksOptions {
  /** About how many ticks to place (at least 1). @default 5 */
  count?: number;
}

/**
 * About `options.count` round tick values (1, 2 or 5 times a power of ten
 * apart) covering `[min, max]`.
 *
 * @throws {RangeError} when `min` or `max` is not finite or `count < 1`.
 *
 * @example
 * ```ts
 * import { niceTicks } from "./svg.ts";
 *
 * console.assert(niceTicks(0, 97).join() === "0,20,40,60,80,100");
 * console.assert(niceTicks(3, 3, { count: 4 }).length >= 2);
 * ```
 */
export function niceTicks(
  min: number,
  max: number,
  options: NiceTicksOptions = {},
): number[] {
  const count = options.count ?? 5;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(count >= 1)) {
    throw new RangeError(
      `Cannot place ticks as 'min', 'max' must be finite and 'count' at least 1: current values are ${min}, ${max}, ${count}`,
    );
  }
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ??
    10 * mag;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < max + step * 0.999; t += step) {
    // Round away the float drift of repeated addition.
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/**
 * A line chart: one polyline and marker per series, an interval bar with
 * caps at every point that has `lo`/`hi`, axes with ticks, and a legend at
 * the right when there is more than one series.
 *
 * @example
 * ```ts
 * import { lineChart } from "./svg.ts";
 *
 * const svg = lineChart({
 *   title: "cost per transition", xLabel: "N", yLabel: "ns/op",
 *   series: [{ label: "u64", color: "#0072B2", points: [{ x: 1, y: 10, lo: 9, hi: 11 }, { x: 6, y: 30 }] }],
 * });
 * console.assert(svg.startsWith("<svg") && svg.includes("polyline"));
 * ```
 */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 360;
  const series = spec.series.filter((s) => s.points.length > 0);
  const legend = series.length > 1;
  const legendWidth = legend
    ? Math.min(
      240,
      LEGEND_SAMPLE_PX + 8 + textWidth(
        series.reduce((a, s) => s.label.length > a.length ? s.label : a, ""),
        TICK_FONT_PX,
      ),
    )
    : 0;
  const all = series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]);
  const yMin = spec.yFromZero ?? true ? 0 : minOf(ys);
  const yTicks = all.length === 0
    ? [0, 1]
    : niceTicks(yMin, maxOf(ys), { count: height > 260 ? 5 : 4 });
  const y0 = yTicks[0];
  const y1 = yTicks[yTicks.length - 1];
  const yTickWidth = Math.max(
    ...yTicks.map((t) => textWidth(tickLabel(t), TICK_FONT_PX)),
  );
  const m = {
    left: 26 + yTickWidth + 8,
    right: 16 + (legend ? legendWidth + 12 : 0),
    top: 30,
    bottom: 46,
  };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const ticks: Tick[] = spec.xTicks ??
    xs.map((x) => ({ value: x, label: tickLabel(x) }));
  const xValues = [...xs, ...ticks.map((t) => t.value)];
  let x0 = xValues.length === 0 ? 0 : minOf(xValues);
  let x1 = xValues.length === 0 ? 1 : maxOf(xValues);
  if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  // Half a step of padding so end points and their bars clear the axes.
  const minGap = xs.length > 1
    ? minOf(xs.slice(1).map((x, i) => x - xs[i]))
    : x1 - x0;
  const pad = Math.min(minGap, (x1 - x0) / 2) / 2;
  const sx = (x: number) =>
    m.left + ((x - (x0 - pad)) / (x1 - x0 + 2 * pad)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const bandPx = (minGap / (x1 - x0 + 2 * pad)) * pw;
  const dodgeStep = (spec.dodge ?? true) && series.length > 1
    ? Math.min(6, (bandPx * 0.5) / series.length)
    : 0;
  const out: string[] = [];
  out.push(openSvg(width, height, spec.kind ?? "line", spec.title));
  out.push(titleText(spec.title, m.left, width - m.right));
  // Grid and y ticks.
  for (const t of yTicks) {
    const y = sy(t);
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f(y)}" y2="${
        f(y)
      }" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${
        f(y + 4)
      }" text-anchor="end" font-size="${TICK_FONT_PX}" fill="#333">${
        tickLabel(t)
      }</text>`,
    );
  }
  // x ticks, thinned so labels never overlap.
  const labelPx = Math.max(
    ...ticks.map((t) => textWidth(t.label, TICK_FONT_PX)),
    1,
  ) + 8;
  const every = Math.max(
    1,
    Math.ceil(labelPx / Math.max(1, pw / Math.max(1, ticks.length))),
  );
  ticks.forEach((t, i) => {
    const x = sx(t.value);
    out.push(
      `<line x1="${f(x)}" x2="${f(x)}" y1="${m.top + ph}" y2="${
        m.top + ph + 4
      }" stroke="#333"/>`,
    );
    if (i % every === 0 || i === ticks.length - 1 && ticks.length > 1) {
      if (i === ticks.length - 1 && i % every !== 0) {
        // The last label only when it does not collide with the previous shown one.
        const prev = Math.floor(i / every) * every;
        if (sx(t.value) - sx(ticks[prev].value) < labelPx) return;
      }
      out.push(
        `<text x="${f(x)}" y="${
          m.top + ph + 17
        }" text-anchor="middle" font-size="${TICK_FONT_PX}" fill="#333">${
          escapeXml(t.label)
        }</text>`,
      );
    }
  });
  out.push(axes(m.left, m.top, pw, ph));
  out.push(
    `<text x="${f(m.left + pw / 2)}" y="${
      height - 8
    }" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#111">${
      escapeXml(spec.xLabel)
    }</text>`,
    `<text transform="translate(14 ${
      f(m.top + ph / 2)
    }) rotate(-90)" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#111">${
      escapeXml(fit(spec.yLabel, ph, LABEL_FONT_PX))
    }</text>`,
  );
  if (all.length === 0) {
    out.push(
      `<text x="${f(m.left + pw / 2)}" y="${
        f(m.top + ph / 2)
      }" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#666">no data</text>`,
    );
  }
  series.forEach((s, si) => {
    const dx = (si - (series.length - 1) / 2) * dodgeStep;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(`<g class="series" data-series="${escapeXml(s.label)}">`);
    if (pts.length > 1) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${dash} points="${
          pts.map((p) => `${f(sx(p.x) + dx)},${f(sy(p.y))}`).join(" ")
        }"/>`,
      );
    }
    for (const p of pts) {
      const x = sx(p.x) + dx;
      out.push(errorBar(x, p, sy, s.color, "vertical"));
      out.push(
        `<circle cx="${f(x)}" cy="${f(sy(p.y))}" r="3.2" fill="${s.color}">${
          p.tip === undefined ? "" : `<title>${escapeXml(p.tip)}</title>`
        }</circle>`,
      );
    }
    out.push("</g>");
  });
  if (legend) {
    const lx = width - m.right + 14;
    series.forEach((s, i) => {
      const ly = m.top + 6 + i * 18;
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
      // A sample long enough to show the dash pattern, marker at its end.
      out.push(
        `<line x1="${lx}" x2="${
          lx + LEGEND_SAMPLE_PX
        }" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
        `<circle cx="${
          lx + LEGEND_SAMPLE_PX
        }" cy="${ly}" r="3" fill="${s.color}"/>`,
        `<text x="${lx + LEGEND_SAMPLE_PX + 8}" y="${
          ly + 4
        }" font-size="${TICK_FONT_PX}" fill="#111">${
          escapeXml(
            fit(s.label, legendWidth - LEGEND_SAMPLE_PX - 8, TICK_FONT_PX),
          )
        }</text>`,
      );
    });
  }
  out.push("</svg>");
  return out.join("\n");
}

/**
 * A horizontal bar chart: one bar per row with its value printed after the
 * bar (and after its interval bar, so they never overlap).
 *
 * @example
 * ```ts
 * import { barChart } from "./svg.ts";
 *
 * const svg = barChart({
 *   title: "weight", xLabel: "ns/op",
 *   rows: [{ label: "u64", value: 1.9, lo: 1.8, hi: 2.0, color: "#0072B2" }, { label: "u32pair", value: 1.2, color: "#D55E00" }],
 * });
 * console.assert(svg.includes("<rect") && svg.includes("1.90"));
 * ```
 */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 640;
  const barH = 16;
  const gap = 7;
  const labelWidth = Math.min(
    width * 0.4,
    Math.max(40, maxOf(spec.rows.map((r) => textWidth(r.label, TICK_FONT_PX)))),
  );
  const valueWidth = Math.max(
    30,
    maxOf(spec.rows.map((r) => textWidth(formatFigure(r.value), TICK_FONT_PX))),
  );
  const m = {
    left: 12 + labelWidth + 8,
    right: 16 + valueWidth + 8,
    top: 30,
    bottom: 44,
  };
  const ph = Math.max(1, spec.rows.length) * (barH + gap) + gap;
  const height = m.top + ph + m.bottom;
  const pw = width - m.left - m.right;
  const hi = Math.max(
    0,
    maxOf(spec.rows.map((r) => Math.max(r.value, r.hi ?? 0))),
  );
  const ticks = niceTicks(0, hi === 0 ? 1 : hi);
  const x1 = ticks[ticks.length - 1];
  const sx = (v: number) => m.left + (v / x1) * pw;
  const out: string[] = [];
  out.push(openSvg(width, height, spec.kind ?? "bar", spec.title));
  out.push(titleText(spec.title, m.left, width - m.right));
  for (const t of ticks) {
    const x = sx(t);
    out.push(
      `<line x1="${f(x)}" x2="${f(x)}" y1="${m.top}" y2="${
        m.top + ph
      }" stroke="#e5e5e5"/>`,
      `<text x="${f(x)}" y="${
        m.top + ph + 16
      }" text-anchor="middle" font-size="${TICK_FONT_PX}" fill="#333">${
        tickLabel(t)
      }</text>`,
    );
  }
  spec.rows.forEach((r, i) => {
    const y = m.top + gap + i * (barH + gap);
    const cy = y + barH / 2;
    out.push(
      `<g class="bar">`,
      `<text x="${m.left - 8}" y="${
        f(cy + 4)
      }" text-anchor="end" font-size="${TICK_FONT_PX}" fill="#111"${
        r.strong ? ' font-weight="bold"' : ""
      }>${escapeXml(fit(r.label, labelWidth, TICK_FONT_PX))}</text>`,
      `<rect x="${m.left}" y="${y}" width="${
        f(Math.max(0.5, sx(r.value) - m.left))
      }" height="${barH}" fill="${r.color}" fill-opacity="0.75">${
        r.tip === undefined ? "" : `<title>${escapeXml(r.tip)}</title>`
      }</rect>`,
      errorBar(
        cy,
        { x: 0, y: r.value, lo: r.lo, hi: r.hi },
        sx,
        "#222",
        "horizontal",
      ),
      `<text x="${f(sx(Math.max(r.value, r.hi ?? r.value)) + 6)}" y="${
        f(cy + 4)
      }" font-size="${TICK_FONT_PX}" fill="#111">${
        formatFigure(r.value)
      }</text>`,
      `</g>`,
    );
  });
  out.push(axes(m.left, m.top, pw, ph));
  out.push(
    `<text x="${f(m.left + pw / 2)}" y="${
      height - 8
    }" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#111">${
      escapeXml(spec.xLabel)
    }</text>`,
  );
  out.push("</svg>");
  return out.join("\n");
}

function openSvg(w: number, h: number, kind: string, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${
    escapeXml(kind)
  }" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" font-family="${FONT}"><title>${
    escapeXml(title)
  }</title>`;
}

function titleText(title: string, left: number, right: number): string {
  return `<text x="${left}" y="18" font-size="${TITLE_FONT_PX}" font-weight="600" fill="#111">${
    escapeXml(fit(title, right - left, TITLE_FONT_PX))
  }</text>`;
}

function axes(left: number, top: number, pw: number, ph: number): string {
  return `<path d="M${left},${top} V${top + ph} H${
    left + pw
  }" fill="none" stroke="#333"/>`;
}

/**
 * An interval as an error bar with caps, `along` the value axis; nothing
 * when the point has no interval or it has zero width.
 */
function errorBar(
  at: number,
  p: ChartPoint,
  scale: (v: number) => number,
  color: string,
  along: "vertical" | "horizontal",
): string {
  if (p.lo === undefined || p.hi === undefined || p.hi <= p.lo) return "";
  const a = scale(p.lo);
  const b = scale(p.hi);
  const cap = 4;
  const d = along === "vertical"
    ? `M${f(at)},${f(a)} V${f(b)} M${f(at - cap)},${f(a)} H${f(at + cap)} M${
      f(at - cap)
    },${f(b)} H${f(at + cap)}`
    : `M${f(a)},${f(at)} H${f(b)} M${f(a)},${f(at - cap)} V${f(at + cap)} M${
      f(b)
    },${f(at - cap)} V${f(at + cap)}`;
  return `<path class="interval" d="${d}" stroke="${color}" stroke-width="1.3" fill="none"/>`;
}

/** A tick value without float noise or padding zeros (`2`, `0.25`, `1500`). */
function tickLabel(t: number): string {
  return String(Number(t.toPrecision(6)));
}

function textWidth(text: string, px: number): number {
  return text.length * px * CHAR_WIDTH_EM;
}

/** Shorten `text` with an ellipsis to fit `px` pixels at `fontPx`. */
function fit(text: string, px: number, fontPx: number): string {
  const max = Math.floor(px / (fontPx * CHAR_WIDTH_EM));
  if (text.length <= max) return text;
  return max <= 1 ? "\u2026" : text.slice(0, max - 1) + "\u2026";
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

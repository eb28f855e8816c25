/**
 * Chart primitives for the HTML report: static SVG strings, no scripts,
 * no external fonts or styles, so a report opens anywhere as one file.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode lineChart} | series of points over a numeric x, with interval bars and a legend |
 * | {@linkcode barChart} | horizontal bars with interval bars and value labels |
 * | {@linkcode niceTicks}, {@linkcode NiceTicksOptions}, {@linkcode logTicks} | round tick values covering a range, linear or logarithmic |
 * | {@linkcode escapeXml} | text safe inside SVG and HTML |
 * | {@linkcode PALETTE}, {@linkcode DASHES}, {@linkcode MARKERS} | colours (Okabe-Ito, colour-blind safe), dash patterns and marker shapes |
 *
 * Text cannot be measured without a browser, so widths are estimated from
 * {@linkcode CHAR_WIDTH_EM}: line-chart titles and legends wrap onto more
 * lines; bar labels and axis labels are shortened with an ellipsis (the
 * full text stays in a `<title>` tooltip).
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

/** A y range spanning this factor or more is drawn on a log axis when `yScale` is `"auto"`. */
export const LOG_SCALE_MIN_SPAN = 20;

/** Marker shapes, one per series of a second dimension (e.g. mechanism). */
export const MARKERS = [
  "circle",
  "square",
  "triangle",
  "diamond",
  "cross",
  "ring",
] as const;

/** One of {@linkcode MARKERS}. */
export type Marker = typeof MARKERS[number];

/** Estimated average glyph width of a bold title, in em. */
const TITLE_CHAR_WIDTH_EM = 0.66;
const NOTE_FONT_PX = 10;
const LEGEND_ROW_PX = 18;

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
  /** Marker shape. @default {"circle"} */
  marker?: Marker;
  /** Points, in any order (drawn sorted by x). */
  points: ChartPoint[];
}

/** A labelled tick on the x axis. */
export interface Tick {
  /** Position. */
  value: number;
  /** Text under the axis. */
  label: string;
  /** Smaller lines under the label (e.g. the model behind an N), split at `"\n"`. */
  note?: string;
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
  /** Height in px without the wrapped title's extra lines, tick notes and the legend, which add to it. @default {360} */
  height?: number;
  /** The y axis: linear, logarithmic, or log when the values span {@linkcode LOG_SCALE_MIN_SPAN} or more. @default {"linear"} */
  yScale?: "linear" | "log" | "auto";
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
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./svg.ts";
 *
 * assert.ok(escapeXml("a<b & 'c'") === "a&lt;b &amp; &#39;c&#39;");
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
 * import assert from "node:assert/strict";
 * import { niceTicks } from "./svg.ts";
 *
 * assert.ok(niceTicks(0, 97).join() === "0,20,40,60,80,100");
 * assert.ok(niceTicks(3, 3, { count: 4 }).length >= 2);
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
 * A line chart: one polyline and marker per series, an interval bar (a
 * whisker with caps) at every point that has `lo`/`hi`, axes with ticks,
 * and a legend under the plot when there is more than one series. The
 * title and the legend wrap onto more lines rather than being cut, and the
 * chart grows to hold them. With `yScale: "auto"` the y axis is
 * logarithmic when the values span {@linkcode LOG_SCALE_MIN_SPAN} or more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineChart } from "./svg.ts";
 *
 * const svg = lineChart({
 *   title: "cost per transition", xLabel: "N", yLabel: "ns/op",
 *   series: [{ label: "u64", color: "#0072B2", points: [{ x: 1, y: 10, lo: 9, hi: 11 }, { x: 6, y: 30 }] }],
 * });
 * assert(svg.startsWith("<svg") && svg.includes("polyline"));
 * ```
 */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const plotHeight = Math.max(60, (spec.height ?? 360) - 76);
  const series = spec.series.filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]);
  const log = useLogScale(spec.yScale ?? "linear", ys);
  const yMin = log || !(spec.yFromZero ?? true) ? minOf(ys) : 0;
  const yTicks = all.length === 0
    ? [0, 1]
    : log
    ? logTicks(minOf(ys), maxOf(ys))
    : niceTicks(yMin, maxOf(ys), { count: plotHeight > 180 ? 5 : 4 });
  const y0 = yTicks[0];
  const y1 = yTicks[yTicks.length - 1];
  const yTickWidth = Math.max(
    ...yTicks.map((t) => textWidth(tickLabel(t), TICK_FONT_PX)),
  );
  const titleLines = wrapText(
    spec.title,
    width - 24,
    TITLE_FONT_PX,
    TITLE_CHAR_WIDTH_EM,
  );
  const xs = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  const ticks: Tick[] = spec.xTicks ??
    xs.map((x) => ({ value: x, label: tickLabel(x) }));
  const noteLines = (t: Tick) =>
    t.note === undefined || t.note === "" ? [] : t.note.split("\n");
  const notes = Math.max(0, ...ticks.map((t) => noteLines(t).length));
  const m = {
    left: 26 + yTickWidth + 8,
    right: 16,
    top: 12 + titleLines.length * (TITLE_FONT_PX + 4) + 8,
    bottom: 46 + notes * (NOTE_FONT_PX + 2),
  };
  const pw = width - m.left - m.right;
  const ph = plotHeight;
  const legend = series.length > 1 ? legendLayout(series, width - 24) : [];
  const legendHeight = legend.length === 0
    ? 0
    : legend[legend.length - 1].y + LEGEND_ROW_PX + 4;
  const height = m.top + ph + m.bottom + legendHeight;
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
  const sy = log
    ? (y: number) =>
      m.top + ph -
      ((Math.log10(y) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) *
        ph
    : (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const bandPx = (minGap / (x1 - x0 + 2 * pad)) * pw;
  const dodgeStep = (spec.dodge ?? true) && series.length > 1
    ? Math.min(6, (bandPx * 0.5) / series.length)
    : 0;
  const out: string[] = [];
  out.push(openSvg(width, height, spec.kind ?? "line", spec.title));
  out.push(titleBlock(titleLines, 12));
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
    ...ticks.map((t) =>
      Math.max(
        textWidth(t.label, TICK_FONT_PX),
        ...noteLines(t).map((line) => textWidth(line, NOTE_FONT_PX)),
      )
    ),
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
      noteLines(t).forEach((line, j) => {
        out.push(
          `<text x="${f(x)}" y="${
            m.top + ph + 17 + (j + 1) * (NOTE_FONT_PX + 2)
          }" text-anchor="middle" font-size="${NOTE_FONT_PX}" fill="#666">${
            escapeXml(line)
          }</text>`,
        );
      });
    }
  });
  out.push(axes(m.left, m.top, pw, ph));
  const yLabel = log ? `${spec.yLabel} (log scale)` : spec.yLabel;
  out.push(
    `<text x="${f(m.left + pw / 2)}" y="${
      m.top + ph + m.bottom - 8
    }" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#111">${
      escapeXml(spec.xLabel)
    }</text>`,
    `<text transform="translate(14 ${
      f(m.top + ph / 2)
    }) rotate(-90)" text-anchor="middle" font-size="${LABEL_FONT_PX}" fill="#111">${
      escapeXml(fit(yLabel, ph, LABEL_FONT_PX))
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
      out.push(markerShape(s.marker ?? "circle", x, sy(p.y), s.color, p.tip));
    }
    out.push("</g>");
  });
  const legendTop = m.top + ph + m.bottom;
  for (const item of legend) {
    const s = item.series;
    const lx = 12 + item.x;
    const ly = legendTop + item.y + LEGEND_ROW_PX / 2;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    // A sample long enough to show the dash pattern, the marker in its middle.
    out.push(
      `<g class="legend-item">`,
      `<line x1="${lx}" x2="${
        lx + LEGEND_SAMPLE_PX
      }" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      markerShape(
        s.marker ?? "circle",
        lx + LEGEND_SAMPLE_PX / 2,
        ly,
        s.color,
      ),
      `<text x="${lx + LEGEND_SAMPLE_PX + 6}" y="${
        ly + 4
      }" font-size="${TICK_FONT_PX}" fill="#111">${escapeXml(s.label)}</text>`,
      `</g>`,
    );
  }
  out.push("</svg>");
  return out.join("\n");
}

/** Whether `scale` asks for a log axis over `ys`. */
function useLogScale(
  scale: "linear" | "log" | "auto",
  ys: readonly number[],
): boolean {
  if (scale === "linear" || ys.length === 0 || ys.some((y) => !(y > 0))) {
    return false;
  }
  return scale === "log" ||
    maxOf(ys) / minOf(ys) >= LOG_SCALE_MIN_SPAN;
}

/**
 * Tick values of a log axis covering `[min, max]` (both > 0): the decades,
 * plus 2 and 5 times each when the range spans two decades or fewer.
 *
 * @throws {RangeError} when `min` or `max` is not a positive finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logTicks } from "./svg.ts";
 *
 * assert.deepEqual(logTicks(3, 700), [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
 * assert.deepEqual(logTicks(2, 40000), [1, 10, 100, 1000, 10000, 100000]);
 * ```
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max))) {
    throw new RangeError(
      `Cannot place log ticks as 'min' and 'max' must be positive and finite: current values are ${min}, ${max}`,
    );
  }
  if (max < min) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min) + 1e-9);
  let hi = Math.ceil(Math.log10(max) - 1e-9);
  if (hi === lo) hi = lo + 1;
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const k of steps) {
      const t = Number((k * 10 ** e).toPrecision(12));
      if (e === hi && k > 1) break;
      ticks.push(t);
    }
  }
  return ticks;
}

interface LegendItem {
  series: LineSeries;
  /** Offset of the item from the legend's left edge, px. */
  x: number;
  /** Offset of its row from the legend's top, px. */
  y: number;
}

/** Legend items flowed into rows of at most `width` px; labels are never cut. */
function legendLayout(
  series: readonly LineSeries[],
  width: number,
): LegendItem[] {
  const items: LegendItem[] = [];
  let x = 0;
  let y = 0;
  for (const s of series) {
    const w = LEGEND_SAMPLE_PX + 6 + textWidth(s.label, TICK_FONT_PX) + 18;
    if (x > 0 && x + w > width) {
      x = 0;
      y += LEGEND_ROW_PX;
    }
    items.push({ series: s, x, y });
    x += w;
  }
  return items;
}

/** A point marker of `shape` centred at (x, y), with an optional tooltip. */
function markerShape(
  shape: Marker,
  x: number,
  y: number,
  color: string,
  tip?: string,
): string {
  const title = tip === undefined ? "" : `<title>${escapeXml(tip)}</title>`;
  const r = 3.6;
  switch (shape) {
    case "square":
      return `<rect class="marker" x="${f(x - r + 0.4)}" y="${
        f(y - r + 0.4)
      }" width="${f(2 * r - 0.8)}" height="${
        f(2 * r - 0.8)
      }" fill="${color}">${title}</rect>`;
    case "triangle":
      return `<path class="marker" d="M${f(x)},${f(y - r - 0.6)} L${
        f(x + r + 0.4)
      },${f(y + r - 0.6)} L${f(x - r - 0.4)},${
        f(y + r - 0.6)
      } Z" fill="${color}">${title}</path>`;
    case "diamond":
      return `<path class="marker" d="M${f(x)},${f(y - r - 0.6)} L${
        f(x + r + 0.6)
      },${f(y)} L${f(x)},${f(y + r + 0.6)} L${f(x - r - 0.6)},${
        f(y)
      } Z" fill="${color}">${title}</path>`;
    case "cross":
      return `<path class="marker" d="M${f(x - r)},${f(y - r)} L${f(x + r)},${
        f(y + r)
      } M${f(x - r)},${f(y + r)} L${f(x + r)},${
        f(y - r)
      }" stroke="${color}" stroke-width="2.2" fill="none">${title}</path>`;
    case "ring":
      return `<circle class="marker" cx="${f(x)}" cy="${f(y)}" r="${
        f(r - 0.6)
      }" fill="#fff" stroke="${color}" stroke-width="1.8">${title}</circle>`;
    default:
      return `<circle class="marker" cx="${f(x)}" cy="${f(y)}" r="${
        f(r - 0.4)
      }" fill="${color}">${title}</circle>`;
  }
}

/**
 * `text` broken at spaces into lines of at most `px` pixels at `fontPx`
 * (a word longer than a line gets a line of its own, uncut).
 */
function wrapText(
  text: string,
  px: number,
  fontPx: number,
  em = CHAR_WIDTH_EM,
): string[] {
  const max = Math.max(1, Math.floor(px / (fontPx * em)));
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * A horizontal bar chart: one bar per row with its value printed after the
 * bar (and after its interval bar, so they never overlap).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { barChart } from "./svg.ts";
 *
 * const svg = barChart({
 *   title: "weight", xLabel: "ns/op",
 *   rows: [{ label: "u64", value: 1.9, lo: 1.8, hi: 2.0, color: "#0072B2" }, { label: "u32pair", value: 1.2, color: "#D55E00" }],
 * });
 * assert.ok(svg.includes("<rect"));
 * // The value is printed after its bar, as formatFigure() writes it.
 * assert.match(svg, />1\.9</);
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
  const titleLines = wrapText(
    spec.title,
    width - 24,
    TITLE_FONT_PX,
    TITLE_CHAR_WIDTH_EM,
  );
  const m = {
    left: 12 + labelWidth + 8,
    right: 16 + valueWidth + 8,
    top: 12 + titleLines.length * (TITLE_FONT_PX + 4) + 8,
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
  out.push(titleBlock(titleLines, 12));
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

/** A title of one or more lines (from {@linkcode wrapText}), never cut. */
function titleBlock(lines: readonly string[], left: number): string {
  return `<text class="title" x="${left}" y="18" font-size="${TITLE_FONT_PX}" font-weight="600" fill="#111">${
    lines.map((line, i) =>
      `<tspan x="${left}" dy="${i === 0 ? 0 : TITLE_FONT_PX + 4}">${
        escapeXml(line)
      }</tspan>`
    ).join("")
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

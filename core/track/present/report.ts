/**
 * The HTML report: one self-contained file (inline CSS and SVG, no
 * scripts, no external assets) with
 *
 * | section | drawn from |
 * | --- | --- |
 * | cost per transition against N: a chart per question, a line per mechanism | benches whose `axes` carry `N`, `mechanism`, `strategy` ({@linkcode transitionPanels}) |
 * | strategy comparison per operation | benches whose `axes` carry `op` and `strategy` ({@linkcode strategyPanels}) |
 * | strategy matrix: operations x strategies (and x mechanisms), winners, crossovers | {@linkcode buildMatrix} over each metric of a result |
 * | each metric over commits, a line per bench, and the runs with their flags | the runs of one branch in the history database ({@linkcode historyCharts}) |
 * | every bench as a table, with bytes per op, tier and warnings | all benches of each result |
 *
 * Every point is the median of the process replicates with a
 * distribution-free interval of that median ({@linkcode medianInterval}).
 *
 * @module
 */

import type { RecordedRun } from "../history/history.ts";
import {
  INTERVAL_LEVEL,
  type MedianInterval,
  medianInterval,
  minOf,
} from "../judge/stats.ts";
import { describeCrossover, winnerText } from "./matrix_format.ts";
import { formatFigure, formatPercent } from "./figure.ts";
import { buildMatrix, type Matrix } from "../judge/matrix.ts";
import {
  type BenchResult,
  profileOf,
  type ResultFile,
  warningOf,
} from "../result/result.ts";
import {
  barChart,
  type BarRow,
  DASHES,
  escapeXml,
  lineChart,
  type LineSeries,
  type Marker,
  MARKERS,
  PALETTE,
} from "./svg.ts";

/** A transition chart with more series than this is split per mechanism. */
export const MAX_SERIES_PER_CHART = 8;
/** Width of every chart, px: two fit side by side in a 1280 px window. */
export const CHART_WIDTH = 580;

/** One point of a transition series. */
export interface TransitionPoint {
  /** The `N` axis. */
  n: number;
  /** The bench it comes from. */
  key: string;
  /** Median and interval of its replicates. */
  interval: MedianInterval;
}

/** One (mechanism, strategy) line of a {@linkcode TransitionPanel}. */
export interface TransitionSeries {
  /** The `mechanism` axis. */
  mechanism: string;
  /** The `strategy` axis. */
  strategy: string;
  /** Points, sorted by `n`. */
  points: TransitionPoint[];
}

/** One chart of cost per transition against N: one question, a line per mechanism. */
export interface TransitionPanel {
  /** The question: the other axes this chart holds fixed, e.g. `"scope=handler, filter=0, k=N/2"` (`""` if none). */
  fixed: string;
  /** The strategy, when the question's lines were split per strategy. */
  strategy?: string;
  /** The metric, e.g. `"time"`. */
  metric: string;
  /** Its unit, e.g. `"ns/op"`. */
  unit: string;
  /** The lines. */
  series: TransitionSeries[];
  /** What stands behind each N, from the axes that take one value per N (e.g. `model`): N -> `"amd-legacy"`. */
  nLabels: Record<number, string>;
  /** Strategies left out of this chart because they cover fewer than {@linkcode MIN_CURVE_POINTS} values of N. */
  omitted: string[];
  /** Benches left out because another bench already sat on the same point. */
  dropped: string[];
}

/** A strategy needs this many values of N to be drawn as a line against N. */
export const MIN_CURVE_POINTS = 3;

const TRANSITION_AXES = new Set(["N", "mechanism", "strategy"]);

/**
 * Group the transition benches of a result (axes `N` numeric, `mechanism`
 * and `strategy` strings) into charts, one per question: per metric and
 * combination of the other axes, with N along x and one line per
 * mechanism (per mechanism and strategy when several strategies cover the
 * question; split per strategy beyond {@linkcode MAX_SERIES_PER_CHART}
 * lines).
 *
 * Two kinds of axis are not part of the question. One whose values change
 * with N (a tracked subset `k` of 1, N/2 or N) is named relative to N
 * (`k=N/2`), so each chart follows one regime across N. One that takes a
 * single text or boolean value at each N but varies across N (the vCPU
 * `model` behind each N, `synthetic`) describes N itself: its string values label the N ticks
 * (`nLabels`) instead of splitting the chart into one point per model.
 * Strategies measured at fewer than {@linkcode MIN_CURVE_POINTS} values of
 * N make no line and are named in `omitted` (the matrix compares them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transitionPanels } from "./report.ts";
 * import { type BenchResult, resultOf } from "../result/result.ts";
 *
 * const models: Record<number, string> = { 4: "amd-legacy", 6: "amd-perfmonv2", 8: "synthetic-8" };
 * const bench = (n: number, k: number): BenchResult => ({
 *   key: `t_bench.ts::g::N=${n} x1`, file: "t_bench.ts", group: "g", name: `N=${n} x1`, baseline: false,
 *   metric: "time", unit: "ns/op", opsPerCall: 1,
 *   axes: { N: n, k, mechanism: "tracked", strategy: "u64", model: models[n] }, replicates: [n, n + 1, n + 2],
 * });
 * const r = resultOf([bench(4, 2), bench(6, 3), bench(8, 4)]);
 * const [panel] = transitionPanels(r);
 * assert.equal(panel.fixed, "k=N/2");
 * assert.equal(panel.series[0].points.length, 3);
 * assert.equal(panel.nLabels[4], "amd-legacy");
 * ```
 */
export function transitionPanels(result: ResultFile): TransitionPanel[] {
  const benches = usable(result).filter((b) =>
    typeof b.axes?.N === "number" && typeof b.axes.mechanism === "string" &&
    typeof b.axes.strategy === "string"
  );
  const panels: TransitionPanel[] = [];
  for (const metric of unique(benches.map((b) => b.metric))) {
    const ofMetric = benches.filter((b) => b.metric === metric);
    const { label, descriptors } = otherAxesLabeller(ofMetric);
    const nLabels: Record<number, string> = {};
    for (const b of ofMetric) {
      const text = descriptors.map((a) => b.axes![a]).filter((v) =>
        typeof v === "string"
      ).join(" ");
      if (text !== "") nLabels[Number(b.axes!.N)] = text;
    }
    const byFixed = groupBy(ofMetric, label);
    for (const [fixed, group] of byFixed) {
      const nsOf = (strategy: string) =>
        new Set(
          group.filter((b) => b.axes!.strategy === strategy).map((b) =>
            b.axes!.N
          ),
        ).size;
      const strategies = unique(group.map((b) => String(b.axes!.strategy)));
      const curves = strategies.filter((st) => nsOf(st) >= MIN_CURVE_POINTS);
      // Too few N everywhere: points are better than nothing.
      const drawn = curves.length === 0 ? strategies : curves;
      const omitted = strategies.filter((st) => !drawn.includes(st)).sort(
        compareText,
      );
      const kept = group.filter((b) =>
        drawn.includes(String(b.axes!.strategy))
      );
      const pairs = unique(
        kept.map((b) => `${b.axes!.mechanism}\u0000${b.axes!.strategy}`),
      );
      const split = pairs.length > MAX_SERIES_PER_CHART && drawn.length > 1;
      const chunks = split
        ? [...groupBy(kept, (b) => String(b.axes!.strategy))]
        : [[undefined, kept] as const];
      for (const [strategy, chunk] of chunks) {
        const dropped: string[] = [];
        const series = new Map<string, TransitionSeries>();
        for (const b of chunk) {
          const m = String(b.axes!.mechanism);
          const st = String(b.axes!.strategy);
          const id = `${m}\u0000${st}`;
          let line = series.get(id);
          if (line === undefined) {
            line = { mechanism: m, strategy: st, points: [] };
            series.set(id, line);
          }
          const n = Number(b.axes!.N);
          if (line.points.some((p) => p.n === n)) {
            dropped.push(b.key);
            continue;
          }
          line.points.push({
            n,
            key: b.key,
            interval: medianInterval(b.replicates),
          });
        }
        for (const line of series.values()) {
          line.points.sort((a, b) => a.n - b.n);
        }
        panels.push({
          fixed,
          ...(strategy === undefined ? {} : { strategy }),
          metric,
          unit: chunk[0].unit,
          series: [...series.values()].sort((a, b) =>
            compareText(a.mechanism, b.mechanism) ||
            compareText(a.strategy, b.strategy)
          ),
          nLabels,
          omitted,
          dropped,
        });
      }
    }
  }
  return panels;
}

/** One bar of a {@linkcode StrategyPanel}. */
export interface StrategyRow {
  /** The `strategy` axis. */
  strategy: string;
  /** The other axes (besides `op` and `strategy`), e.g. `"weight=4"` (`""` if none). */
  fixed: string;
  /** The bench it comes from. */
  key: string;
  /** Median and interval of its replicates. */
  interval: MedianInterval;
  /** Whether it is the lowest median among the rows with the same `fixed`. */
  best: boolean;
}

/** One chart comparing strategies on one operation. */
export interface StrategyPanel {
  /** The `op` axis. */
  op: string;
  /** The metric, e.g. `"time"`. */
  metric: string;
  /** Its unit. */
  unit: string;
  /** Bars, grouped by `fixed`, strategies in name order. */
  rows: StrategyRow[];
}

/**
 * Group the bitmap benches of a result (axes `op` and `strategy` strings,
 * no `N`/`mechanism`) into one chart per operation and metric.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strategyPanels } from "./report.ts";
 * import { type BenchResult, resultOf } from "../result/result.ts";
 *
 * const bench = (strategy: string, replicates: number[]): BenchResult => ({
 *   key: `bitmap_bench.ts::weight::${strategy} x8`, file: "bitmap_bench.ts", group: "weight",
 *   name: `${strategy} x8`, baseline: false, metric: "time", unit: "ns/op", opsPerCall: 8,
 *   axes: { op: "weight", strategy }, replicates,
 * });
 * const r = resultOf([bench("u64", [2, 2.1]), bench("u32pair", [1.2, 1.3])]);
 * const [panel] = strategyPanels(r);
 * assert.ok(panel.op === "weight" && panel.rows.find((x) => x.best)?.strategy === "u32pair");
 * ```
 */
export function strategyPanels(result: ResultFile): StrategyPanel[] {
  const benches = usable(result).filter((b) =>
    typeof b.axes?.op === "string" && typeof b.axes.strategy === "string" &&
    !(typeof b.axes.N === "number" && typeof b.axes.mechanism === "string")
  );
  const panels: StrategyPanel[] = [];
  const byPanel = groupBy(benches, (b) => `${b.axes!.op}\u0000${b.metric}`);
  for (const group of byPanel.values()) {
    const rows = group.map((b): StrategyRow => ({
      strategy: String(b.axes!.strategy),
      fixed: Object.keys(b.axes!).filter((a) => a !== "op" && a !== "strategy")
        .sort().map((a) => `${a}=${b.axes![a]}`).join(", "),
      key: b.key,
      interval: medianInterval(b.replicates),
      best: false,
    }));
    rows.sort((a, b) =>
      compareText(a.fixed, b.fixed) || compareText(a.strategy, b.strategy)
    );
    for (const g of groupBy(rows, (r) => r.fixed).values()) {
      const low = minOf(g.map((r) => r.interval.median));
      for (const r of g) r.best = r.interval.median === low;
    }
    panels.push({
      op: String(group[0].axes!.op),
      metric: group[0].metric,
      unit: group[0].unit,
      rows,
    });
  }
  return panels;
}

/** One run's figure in a {@linkcode HistoryPanel}. */
export interface HistoryPoint {
  /** Position of the run among the runs charted (0 = oldest). */
  index: number;
  /** Median and interval of the run's replicates. */
  interval: MedianInterval;
}

/** One bench (and metric) over the recorded runs. */
export interface HistoryPanel {
  /** `file::group::name`. */
  key: string;
  /** The metric. */
  metric: string;
  /** Its unit (of the newest run that has the bench). */
  unit: string;
  /** One point per run that has the bench, oldest first. */
  points: HistoryPoint[];
}

/**
 * One panel per (bench key, metric) found in `runs` (oldest first), each
 * with a point per run that holds the bench.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyPanels } from "./report.ts";
 * import type { RecordedRun } from "../history/history.ts";
import { buildMatrix, describeCrossover, type Matrix } from "../judge/matrix.ts";
 *
 * const run = (id: number, replicates: number[]): RecordedRun => ({
 *   summary: { id, branch: "main", commit: `c${id}`, dirty: false, date: "2025-01-01T00:00:00.000Z",
 *     recordedAt: "2025-01-01T00:00:00.000Z", source: "r.json", benches: 1, metrics: ["time"], deno: "2.9.6", cpu: "" },
 *   result: { schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *     env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: `c${id}`, dirty: false, branch: "main" },
 *     flags: {}, benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: false,
 *       metric: "time", unit: "ns/op", opsPerCall: 1, replicates }] },
 * });
 * const [panel] = historyPanels([run(1, [10, 11]), run(2, [12, 13])]);
 * assert.ok(panel.points.length === 2 && panel.points[1].index === 1);
 * ```
 */
export function historyPanels(runs: readonly RecordedRun[]): HistoryPanel[] {
  const panels = new Map<string, HistoryPanel>();
  runs.forEach((run, index) => {
    for (const b of usable(run.result)) {
      const id = `${b.key}\u0000${b.metric}`;
      let p = panels.get(id);
      if (p === undefined) {
        p = { key: b.key, metric: b.metric, unit: b.unit, points: [] };
        panels.set(id, p);
      }
      p.unit = b.unit;
      p.points.push({ index, interval: medianInterval(b.replicates) });
    }
  });
  return [...panels.values()].sort((a, b) =>
    compareText(a.key, b.key) || compareText(a.metric, b.metric)
  );
}

/** A result file to report on. */
export interface ReportSource {
  /** How the report names it (usually its path). */
  name: string;
  /** The result. */
  result: ResultFile;
}

/** The history section's input. */
export interface ReportHistory {
  /** The database file, for the heading. */
  path: string;
  /** The branch charted. */
  branch: string;
  /** Its runs, oldest first. */
  runs: RecordedRun[];
}

/** Options of {@linkcode renderReport}. */
export interface ReportOptions {
  /** The page title. @default {"pmubench report"} */
  title?: string;
  /** When the report was made, printed in its header. @default {new Date()} */
  generatedAt?: Date;
  /** The command that made it, printed in its header. @default {undefined} */
  command?: string;
}

/**
 * Render the whole report as one HTML document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderReport } from "./report.ts";
 *
 * const html = renderReport({ results: [] }, { generatedAt: new Date(0) });
 * assert.ok(html.startsWith("<!doctype html>") && !html.includes("<script"));
 * ```
 */
export function renderReport(
  input: { results: readonly ReportSource[]; history?: ReportHistory },
  options: ReportOptions = {},
): string {
  const title = options.title ?? "pmubench report";
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const allBenches = [
    ...input.results.flatMap((s) => s.result.benches),
    ...(input.history?.runs.flatMap((r) => r.result.benches) ?? []),
  ];
  const strategies = unique(
    allBenches.map((b) => b.axes?.strategy).filter((s) => typeof s === "string")
      .map(String),
  ).sort(compareText);
  const mechanisms = unique(
    allBenches.map((b) => b.axes?.mechanism).filter((s) =>
      typeof s === "string"
    ).map(String),
  ).sort(compareText);
  const styles: Styles = {
    strategyColor: (strategy) =>
      PALETTE[Math.max(0, strategies.indexOf(strategy)) % PALETTE.length],
    strategyDash: (strategy) =>
      DASHES[Math.max(0, strategies.indexOf(strategy)) % DASHES.length],
    mechanismColor: (mechanism) =>
      PALETTE[Math.max(0, mechanisms.indexOf(mechanism)) % PALETTE.length],
    mechanismMarker: (mechanism) =>
      MARKERS[Math.max(0, mechanisms.indexOf(mechanism)) % MARKERS.length],
  };

  const body: string[] = [];
  body.push(`<header><h1>${escapeXml(title)}</h1>`);
  body.push(
    `<p class="meta">Generated ${escapeXml(generatedAt)}${
      options.command === undefined
        ? ""
        : ` by <code>${escapeXml(options.command)}</code>`
    }. Points are medians of the per-process replicates; bars are distribution-free ${
      INTERVAL_LEVEL * 100
    }% intervals of the median (order statistics; with 5 or fewer replicates the full range, whose coverage the tooltip gives). Lower is better.</p></header>`,
  );
  if (input.results.length === 0 && input.history === undefined) {
    body.push(
      `<p class="note">Nothing to report: no result files and no history.</p>`,
    );
  }
  for (const source of input.results) {
    body.push(renderResult(source, styles));
  }
  if (input.history !== undefined) body.push(renderHistory(input.history));
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${CSS}</style></head><body>`,
    ...body,
    "</body></html>",
    "",
  ].join("\n");
}

const CSS = `
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; margin: 20px 24px; color: #111; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p, li, td, th { font-size: 13px; line-height: 1.45; }
.meta, .note { color: #444; max-width: 1180px; }
.note { font-style: italic; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 16px; }
.charts figure { margin: 0; border: 1px solid #e3e3e3; border-radius: 4px; padding: 4px; background: #fff; }
.charts figcaption { font-size: 11px; color: #555; padding: 0 4px 2px; max-width: ${CHART_WIDTH}px; }
svg.chart { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 6px 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; }
td.win { background: #dcf5dc; font-weight: 600; }
td.tie { background: #fff6d5; }
.dim { color: #666; font-weight: normal; font-size: 11px; }
.warn { color: #b00; font-weight: 700; cursor: help; }
.matrix { overflow-x: auto; max-width: 100%; }
`;

/** One look per strategy and per mechanism across the whole report. */
interface Styles {
  strategyColor: (strategy: string) => string;
  strategyDash: (strategy: string) => string;
  mechanismColor: (mechanism: string) => string;
  mechanismMarker: (mechanism: string) => Marker;
}

function renderResult(
  source: ReportSource,
  styles: Styles,
): string {
  const r = source.result;
  const out: string[] = [];
  out.push(
    `<section class="result"><h2>Result <code>${
      escapeXml(source.name)
    }</code></h2>`,
  );
  out.push(`<p class="meta">${provenance(r)}</p>`);
  const failed = r.benches.filter((b) =>
    b.failed !== undefined || b.replicates.length === 0
  );
  if (failed.length > 0) {
    out.push(
      `<p class="note">${failed.length} bench${
        failed.length === 1 ? "" : "es"
      } failed or hold no replicates and are left out: ${
        escapeXml(failed.slice(0, 3).map((b) => b.key).join(", "))
      }${failed.length > 3 ? ", ..." : ""}.</p>`,
    );
  }

  out.push(`<h3>Cost per transition against N</h3>`);
  const transitions = transitionPanels(r);
  if (transitions.length === 0) {
    out.push(
      `<p class="note">No transition benches in this result (none has the axes N, mechanism and strategy).</p>`,
    );
  } else {
    out.push(
      `<p class="meta">One chart per question (the axes held fixed in its title), N along the x axis (evenly spaced, the vCPU model under each N), one line per mechanism (colour and marker), whiskers the interval of each median; a log scale where the values span decades.</p>`,
    );
    out.push(`<div class="charts">`);
    for (const p of transitions) out.push(transitionFigure(p, styles));
    out.push(`</div>`);
  }

  out.push(`<h3>Strategy comparison per operation</h3>`);
  const strategies = strategyPanels(r);
  if (strategies.length === 0) {
    out.push(
      `<p class="note">No bitmap benches in this result (none has the axes op and strategy).</p>`,
    );
  } else {
    out.push(`<div class="charts">`);
    for (const p of strategies) {
      const rows: BarRow[] = p.rows.map((row) => ({
        label: row.fixed === ""
          ? row.strategy
          : `${row.strategy} (${row.fixed})`,
        value: row.interval.median,
        lo: row.interval.lo,
        hi: row.interval.hi,
        color: styles.strategyColor(row.strategy),
        strong: row.best,
        tip: pointTip(row.strategy, row.interval, p.unit, row.key),
      }));
      out.push(figure(
        barChart({
          title: `${p.op} (${p.metric})`,
          xLabel: `${p.unit}, lower is better; bold = lowest median`,
          rows,
          width: CHART_WIDTH,
          kind: "strategy",
        }),
        "",
      ));
    }
    out.push(`</div>`);
  }

  out.push(`<h3>Strategy matrix</h3>`);
  out.push(...matrixSections(r));

  out.push(
    `<details><summary>All ${r.benches.length} benches</summary>${
      benchTable(r.benches)
    }</details>`,
  );
  out.push(`</section>`);
  return out.join("\n");
}

function transitionFigure(p: TransitionPanel, styles: Styles): string {
  const strategies = unique(p.series.map((s) => s.strategy));
  const several = strategies.length > 1;
  const ns = unique(p.series.flatMap((s) => s.points.map((pt) => pt.n))).sort(
    (a, b) => a - b,
  );
  const position = new Map(ns.map((n, i) => [n, i]));
  const earlyReturn = /(^|, )k=0(,|$)/.test(p.fixed);
  const series: LineSeries[] = p.series.map((s) => ({
    label: `${
      s.mechanism === "tracked" && earlyReturn
        ? "tracked (early return)"
        : s.mechanism
    }${several ? ` \u00b7 ${s.strategy}` : ""}`,
    color: styles.mechanismColor(s.mechanism),
    marker: styles.mechanismMarker(s.mechanism),
    dash: several ? styles.strategyDash(s.strategy) : "",
    points: s.points.map((pt) => ({
      x: position.get(pt.n)!,
      y: pt.interval.median,
      lo: pt.interval.lo,
      hi: pt.interval.hi,
      tip: pointTip(
        `${s.mechanism} ${s.strategy}, N=${pt.n}`,
        pt.interval,
        p.unit,
        pt.key,
      ),
    })),
  }));
  // A lone line has no legend: the title names its mechanism.
  const what = [
    p.fixed,
    p.strategy !== undefined || !several ? `strategy ${strategies[0]}` : "",
    series.length === 1 ? `mechanism ${series[0].label}` : "",
  ].filter((x) => x !== "").join(", ");
  const notes = [
    p.omitted.length === 0
      ? ""
      : `Not drawn, measured at fewer than ${MIN_CURVE_POINTS} values of N (see the matrix): ${
        p.omitted.join(", ")
      }.`,
    p.dropped.length === 0
      ? ""
      : `${p.dropped.length} bench(es) shared a point with another and are not drawn: ${
        p.dropped.slice(0, 2).join(", ")
      }.`,
  ].filter((x) => x !== "").join(" ");
  return figure(
    lineChart({
      title: `Cost per transition (${p.metric}) against N${
        what === "" ? "" : `: ${what}`
      }`,
      xLabel: Object.keys(p.nLabels).length === 0
        ? "N counters (evenly spaced)"
        : "N counters (evenly spaced), with the vCPU model",
      yLabel: `${p.unit} per transition`,
      series,
      xTicks: ns.map((n, i) => ({
        value: i,
        label: String(n),
        // "amd-perfmonv2" as "amd" over "perfmonv2": eight N fit side by side.
        note: p.nLabels[n]?.replace("-", "\n"),
      })),
      width: CHART_WIDTH,
      height: 340,
      yScale: "auto",
      kind: "transition",
    }),
    notes,
  );
}

/**
 * The matrices of a result: per metric, by strategy and (where benches
 * carry it) by mechanism; a note where there is none.
 */
function matrixSections(r: ResultFile): string[] {
  const metrics = [
    ...new Set(
      r.benches.filter((b) => b.failed === undefined && b.replicates.length > 0)
        .map((b) => b.metric),
    ),
  ];
  const out: string[] = [];
  for (const metric of metrics) {
    for (const columns of ["strategy", "mechanism"]) {
      if (
        !r.benches.some((b) =>
          b.metric === metric && b.axes !== undefined &&
          Object.hasOwn(b.axes, columns)
        )
      ) {
        continue;
      }
      out.push(matrixTable(buildMatrix(r, { metric, columns })));
    }
  }
  if (out.length === 0) {
    out.push(
      `<p class="note">No matrix: no bench has a strategy or mechanism axis.</p>`,
    );
  }
  return out;
}

function matrixTable(m: Matrix): string {
  const refs = [
    ...new Set(m.rows.flatMap((row) => Object.keys(row.references))),
  ]
    .sort();
  const head = [
    "operation",
    ...m.columns,
    ...refs.map((x) => `(${x})`),
    "winner",
  ].map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = m.rows.map((row) => {
    const cells = m.columns.map((c) => {
      const cell = row.cells[c];
      if (cell === undefined) return `<td></td>`;
      const interval = cell.n > 1 && cell.lo !== cell.hi
        ? ` <span class="dim">[${formatFigure(cell.lo)}\u2013${
          formatFigure(cell.hi)
        }]</span>`
        : "";
      const extra = [
        cell.bytesPerOp === undefined ? "" : `${cell.bytesPerOp} B/op`,
        cell.tier ?? "",
      ].filter((x) => x !== "").join(", ");
      const text = `${formatFigure(cell.median)}${interval} \u00d7${
        cell.ratio.toFixed(2)
      }${
        extra === "" ? "" : `<br><span class="dim">${escapeXml(extra)}</span>`
      }${
        cell.warning === undefined
          ? ""
          : ` <span class="warn" title="${escapeXml(cell.warning)}">!</span>`
      }`;
      const cls = row.winner === c
        ? "num win"
        : row.tied.includes(c)
        ? "num tie"
        : "num";
      return `<td class="${cls}" title="${escapeXml(cell.key)}">${text}</td>`;
    }).join("");
    const refCells = refs.map((x) =>
      `<td class="num">${
        row.references[x] === undefined
          ? ""
          : formatFigure(row.references[x].median)
      }</td>`
    ).join("");
    const winner = winnerText(row);
    return `<tr><td>${escapeXml(row.label)}</td>${cells}${refCells}<td>${
      escapeXml(winner)
    }</td></tr>`;
  }).join("");
  const judged = m.deterministic
    ? `each difference outside the ${
      formatPercent(m.noise)
    } noise band (counts repeat)`
    : `each difference with Mann-Whitney p &lt; ${m.alpha} and its 95% bootstrap interval outside the ${
      formatPercent(m.noise)
    } noise band`;
  const crossovers = m.crossovers.length === 0
    ? `<p class="meta">Crossovers: none (no winner changes along a numeric axis).</p>`
    : `<p class="meta">Crossovers:</p><ul>${
      m.crossovers.map((c) => `<li>${escapeXml(describeCrossover(c))}</li>`)
        .join("")
    }</ul>`;
  return `<div class="matrix"><p class="meta"><b>${escapeXml(m.metric)}</b> (${
    escapeXml(m.unit)
  }) by ${
    escapeXml(m.columnAxis)
  }: median, interval of the median, \u00d7 ratio to the row's best; a green cell wins its row (${judged}), a yellow one is tied with the best (the interval of its ratio inside the band); \u201cnot separable (n)\u201d: the n replicates cannot tell the best from another cell.</p><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${crossovers}</div>`;
}

function renderHistory(h: ReportHistory): string {
  const out: string[] = [];
  out.push(
    `<section class="history"><h2>History of branch <code>${
      escapeXml(h.branch)
    }</code></h2>`,
  );
  out.push(
    `<p class="meta">From <code>${
      escapeXml(h.path)
    }</code>: ${h.runs.length} run${h.runs.length === 1 ? "" : "s"}${
      h.runs.length === 0
        ? ""
        : `, oldest ${
          escapeXml(readableDate(h.runs[0].summary.date, "long"))
        } UTC (${escapeXml(shortCommit(h.runs[0].summary.commit))}), newest ${
          escapeXml(
            readableDate(h.runs[h.runs.length - 1].summary.date, "long"),
          )
        } UTC (${
          escapeXml(shortCommit(h.runs[h.runs.length - 1].summary.commit))
        }), in recording order`
    }.</p>`,
  );
  const panels = historyPanels(h.runs);
  if (panels.length === 0) {
    out.push(
      `<p class="note">No recorded runs of this branch; record results with <code>pmubench record</code>.</p>`,
    );
  } else {
    const ticks = h.runs.map((r, i) => ({
      value: i,
      label: shortCommit(r.summary.commit).slice(0, 7),
      note: readableDate(r.summary.date, "short"),
    }));
    out.push(
      `<p class="meta">One chart per metric (split every ${MAX_SERIES_PER_CHART} benches), each bench a line of its run medians with their intervals; commits in recording order with the date each was measured (UTC).</p>`,
    );
    out.push(`<div class="charts">`);
    for (const chunk of historyCharts(h.runs)) {
      const { metric, unit } = chunk[0];
      out.push(figure(
        lineChart({
          title: `History of ${metric}${
            chunk.length === 1 ? `: ${chunk[0].key}` : ""
          }`,
          xLabel: "commit (recording order), measured on (UTC)",
          yLabel: unit,
          series: chunk.map((p, i) => ({
            label: p.key,
            color: PALETTE[i % PALETTE.length],
            marker: MARKERS[i % MARKERS.length],
            points: p.points.map((pt) => ({
              x: pt.index,
              y: pt.interval.median,
              lo: pt.interval.lo,
              hi: pt.interval.hi,
              tip: pointTip(
                `run ${h.runs[pt.index].summary.id}, ${
                  shortCommit(h.runs[pt.index].summary.commit)
                }`,
                pt.interval,
                p.unit,
                p.key,
              ),
            })),
          })),
          xTicks: ticks,
          width: CHART_WIDTH,
          height: 300,
          yFromZero: false,
          yScale: "auto",
          dodge: false,
          kind: "history",
        }),
        "",
      ));
    }
    out.push(`</div>`);
    out.push(runTable(h.runs));
  }
  out.push(`</section>`);
  return out.join("\n");
}

/**
 * The history charts of `runs` (oldest first): the {@linkcode historyPanels}
 * grouped per metric and unit, one axis each, at most
 * {@linkcode MAX_SERIES_PER_CHART} benches to a chart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyCharts } from "./report.ts";
 *
 * assert.deepEqual(historyCharts([]), []);
 * ```
 */
export function historyCharts(
  runs: readonly RecordedRun[],
): HistoryPanel[][] {
  const panels = historyPanels(runs);
  const out: HistoryPanel[][] = [];
  for (
    const group of groupBy(panels, (p) => `${p.metric}\u0000${p.unit}`).values()
  ) {
    for (let i = 0; i < group.length; i += MAX_SERIES_PER_CHART) {
      out.push(group.slice(i, i + MAX_SERIES_PER_CHART));
    }
  }
  return out;
}

/** The runs charted, one row each: id, commit, date, what it holds and its run flags. */
function runTable(runs: readonly RecordedRun[]): string {
  const rows = runs.map((r) => {
    const flags = Object.entries(r.result.flags).map(([k, v]) => `${k}=${v}`)
      .join(" ");
    return `<tr><td class="num">${r.summary.id}</td><td><code>${
      escapeXml(shortCommit(r.summary.commit))
    }</code>${r.summary.dirty === true ? " (dirty)" : ""}</td><td>${
      escapeXml(readableDate(r.summary.date, "long"))
    }</td><td class="num">${r.summary.benches}</td><td>${
      escapeXml(r.summary.metrics.join(", "))
    }</td><td>${escapeXml(r.summary.deno)}</td><td><code>${
      escapeXml(flags)
    }</code></td></tr>`;
  }).join("");
  return `<details open class="runs"><summary>The ${runs.length} run${
    runs.length === 1 ? "" : "s"
  } and their flags</summary><table><thead><tr><th>run</th><th>commit</th><th>measured (UTC)</th><th>benches</th><th>metrics</th><th>Deno</th><th>flags</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

/** An ISO date as `2026-11-26 14:05` (long) or `11-26 14:05` (short), UTC; anything else as given. */
function readableDate(iso: string, form: "long" | "short"): string {
  const m = iso.match(/^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/);
  if (m === null) return iso;
  return form === "long"
    ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`
    : `${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}${
    caption === "" ? "" : `<figcaption>${escapeXml(caption)}</figcaption>`
  }</figure>`;
}

function provenance(r: ResultFile): string {
  const e = r.env;
  const git = e.commit === null
    ? "no git commit"
    : `commit <code>${escapeXml(shortCommit(e.commit))}</code>${
      e.branch === null ? "" : ` on <code>${escapeXml(e.branch)}</code>`
    }${e.dirty === true ? " (dirty tree)" : ""}`;
  const runtime = [
    `Deno ${e.deno}`,
    e.v8 === "" ? "" : `V8 ${e.v8}`,
    e.typescript === "" ? "" : `TypeScript ${e.typescript}`,
  ].filter((x) => x !== "").join(", ");
  const machine = `${e.cpu === "" ? "unknown CPU" : e.cpu}${
    e.cores > 0 ? ` (${e.cores} cores)` : ""
  }, ${e.os} ${e.arch}`;
  const flags = Object.entries(r.flags).map(([k, v]) => `${k}=${v}`).join(" ");
  return `Measured ${escapeXml(r.date)} with ${escapeXml(runtime)} on ${
    escapeXml(machine)
  }; ${git}${r.origin === undefined ? "" : `; from ${escapeXml(r.origin)}`}${
    flags === "" ? "" : `; flags <code>${escapeXml(flags)}</code>`
  }.`;
}

function benchTable(benches: readonly BenchResult[]): string {
  const rows = benches.map((b) => {
    const cells = b.failed !== undefined || b.replicates.length === 0
      ? `<td colspan="3">${escapeXml(b.failed ?? "no replicates")}</td>`
      : (() => {
        const m = medianInterval(b.replicates);
        return `<td class="num">${formatFigure(m.median)}</td><td class="num">${
          formatFigure(m.lo)
        } \u2013 ${formatFigure(m.hi)}</td><td class="num">${m.n}</td>`;
      })();
    const axes = b.axes === undefined
      ? ""
      : Object.entries(b.axes).map(([k, v]) => `${k}=${v}`).join(" ");
    const profile = profileOf(b);
    const bytes = profile === undefined || !Number.isFinite(profile.bytesPerOp)
      ? ""
      : String(profile.bytesPerOp);
    return `<tr><td><code>${escapeXml(b.key)}</code></td><td>${
      escapeXml(b.metric)
    }</td><td>${escapeXml(b.unit)}</td>${cells}<td class="num">${
      escapeXml(bytes)
    }</td><td>${escapeXml(profile?.tier ?? "")}</td><td>${
      escapeXml(warningOf(b) ?? "")
    }</td><td>${escapeXml(axes)}</td></tr>`;
  });
  return `<table><thead><tr><th>bench</th><th>metric</th><th>unit</th><th>median</th><th>interval</th><th>n</th><th>B/op</th><th>tier</th><th>warning</th><th>axes</th></tr></thead><tbody>${
    rows.join("")
  }</tbody></table>`;
}

function pointTip(
  what: string,
  m: MedianInterval,
  unit: string,
  key: string,
): string {
  const interval = m.n === 1
    ? "1 replicate, no interval"
    : `interval ${formatFigure(m.lo)}-${formatFigure(m.hi)} (coverage ${
      (m.coverage * 100).toFixed(1)
    }%, ${m.n} replicates)`;
  return `${what}: median ${
    formatFigure(m.median)
  } ${unit}, ${interval}; ${key}`;
}

function shortCommit(commit: string): string {
  return /^[0-9a-f]{12,}$/i.test(commit) ? commit.slice(0, 10) : commit;
}

function usable(r: ResultFile): BenchResult[] {
  return r.benches.filter((b) =>
    b.failed === undefined && b.replicates.length > 0
  );
}

/**
 * How transition benches are named besides N, mechanism and strategy:
 * `label` names the axes a bench holds fixed (string-valued axes first),
 * `descriptors` are the axes that describe N itself (one value at each N,
 * several across N, e.g. the vCPU `model`) and are left out of `label`.
 * An axis whose set of values is the same at every N is named by value.
 * One whose values move with N (a tracked subset `k` of 0, 1, N/2 or N) is
 * named by whichever reading of the value, `k=N`, `k=N/2` or the constant,
 * holds at the most N values; ties go to the constant.
 */
function otherAxesLabeller(
  benches: readonly BenchResult[],
): { label: (b: BenchResult) => string; descriptors: string[] } {
  const all = unique(
    benches.flatMap((b) => Object.keys(b.axes!)).filter((a) =>
      !TRANSITION_AXES.has(a)
    ),
  );
  const descriptors = all.filter((a) => {
    const perN = new Map<number, Set<string>>();
    const values = new Set<string>();
    for (const b of benches) {
      if (b.axes![a] === undefined) continue;
      const n = Number(b.axes!.N);
      if (!perN.has(n)) perN.set(n, new Set());
      perN.get(n)!.add(String(b.axes![a]));
      values.add(String(b.axes![a]));
    }
    // Numbers that move with N (k = N/2) are regimes, named relative to N.
    const text = benches.every((b) => typeof b.axes![a] !== "number");
    return text && values.size > 1 &&
      [...perN.values()].every((s) => s.size === 1);
  }).sort(compareText);
  const isText = (a: string) =>
    benches.some((b) => typeof b.axes![a] === "string");
  const names = all.filter((a) => !descriptors.includes(a)).sort((a, b) =>
    Number(isText(b)) - Number(isText(a)) || compareText(a, b)
  );
  const readings = (v: number, n: number): string[] => [
    String(v),
    ...(v === n ? ["N"] : []),
    ...(v === Math.floor(n / 2) || v === Math.ceil(n / 2) ? ["N/2"] : []),
  ];
  // Per moving axis: how many N values each reading holds at.
  const support = new Map<string, Map<string, number>>();
  for (const a of names) {
    const perN = new Map<number, Set<string>>();
    for (const b of benches) {
      if (b.axes![a] === undefined) continue;
      const n = Number(b.axes!.N);
      if (!perN.has(n)) perN.set(n, new Set());
      perN.get(n)!.add(String(b.axes![a]));
    }
    const sets = [...perN.values()].map((s) => [...s].sort().join("\u0000"));
    if (new Set(sets).size <= 1) continue;
    const held = new Map<string, number>();
    for (const [n, values] of perN) {
      const here = new Set<string>();
      for (const v of values) {
        const x = Number(v);
        if (v.trim() !== "" && Number.isFinite(x)) {
          for (const r of readings(x, n)) here.add(r);
        }
      }
      for (const r of here) held.set(r, (held.get(r) ?? 0) + 1);
    }
    support.set(a, held);
  }
  const label = (b: BenchResult) =>
    names.filter((a) => b.axes![a] !== undefined).map((a) => {
      const v = b.axes![a];
      const held = support.get(a);
      if (held === undefined || typeof v !== "number") return `${a}=${v}`;
      let best = String(v);
      for (const r of readings(v, Number(b.axes!.N))) {
        if ((held.get(r) ?? 0) > (held.get(best) ?? 0)) best = r;
      }
      return `${a}=${best}`;
    }).join(", ");
  return { label, descriptors };
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return m;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

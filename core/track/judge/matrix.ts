/**
 * The strategy matrix: one row per operation (every axis but the column
 * axis, e.g. `op=weight bits=6 placement=both`, or `N=6 k=3 mechanism=tracked`
 * for the transition suite), one column per strategy (or another axis),
 * each cell the cost with its interval and its ratio to the row's best,
 * the winner marked only when it beats every other cell significantly, and
 * the crossovers named where the winner changes along a numeric axis
 * ("u64view wins above bits=32").
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode buildMatrix}, {@linkcode Matrix}, {@linkcode MatrixRow}, {@linkcode MatrixCell}, {@linkcode Crossover} | the matrix of a result |

 *
 * Its text forms (terminal, Markdown, JSON, crossover sentences) live in
 * `../present/matrix_format.ts`: this module judges, that one presents.
 *
 * A cell other than the best is *worse* when the difference is
 * significant, *tied* when the interval of its ratio lies inside the noise
 * band (the difference, whatever it is, is too small to matter), and *not
 * separable* otherwise: with 3 replicates a side the rank test can never
 * reach alpha 0.01, so cells 10x apart are not separable, never tied.
 *
 * When is a difference significant: for a deterministic metric
 * (instruction counts, which repeat) when the ratio lies outside the
 * metric's noise band (1%); otherwise when a two-sided Mann-Whitney U test
 * rejects at `alpha` *and* the bootstrap 95% interval of the ratio lies
 * outside the noise band (3% for time), as `compare` judges a change.
 *
 * @module
 */

import {
  DEFAULT_ALPHA,
  DEFAULT_NOISE,
  DEFAULT_NOISE_BY_METRIC,
  DETERMINISTIC_METRICS,
} from "./compare.ts";

import {
  type BenchResult,
  profileOf,
  type ResultFile,
  warningOf,
} from "../result/result.ts";
import {
  bootstrapRatioCi,
  mannWhitneyU,
  medianInterval,
  type SortedSamples,
  sortSamples,
} from "./stats.ts";

/** Axes that name the thing measured, not where it sits: never a row axis. */
export const REFERENCE_AXIS = "reference";

/** One cell: a bench's figure in its row. */
export interface MatrixCell {
  /** The bench it comes from. */
  key: string;
  /** Median of the replicates. */
  median: number;
  /** Interval of the median (order statistics; the full range for 5 or fewer replicates). */
  lo: number;
  /** See {@linkcode MatrixCell.lo}. */
  hi: number;
  /** Replicates. */
  n: number;
  /** `median / best median of the row`. */
  ratio: number;
  /** Bootstrap 95% interval of `ratio` (absent for the best cell itself and for single replicates). */
  ratioCi?: [number, number];
  /** Whether it is significantly worse than the row's best. */
  worse: boolean;
  /**
   * How it stands against the row's best: `"best"` (it is the best),
   * `"worse"` (significantly worse), `"tied"` (the interval of its ratio
   * lies inside the noise band, so any difference is too small to matter),
   * or `"not separable"` (neither: too few or too spread replicates to tell).
   */
  standing: CellStanding;
  /** Bytes allocated per operation, where the result carries it. */
  bytesPerOp?: number;
  /** The V8 tier, where the result carries it. */
  tier?: string;
  /** The measurement's warning, where the result carries one. */
  warning?: string;
}

/** See {@linkcode MatrixCell.standing}. */
export type CellStanding = "best" | "worse" | "tied" | "not separable";

/** One operation: its axes and a cell per column. */
export interface MatrixRow {
  /** The row's axes, e.g. `{ op: "weight", bits: 6, placement: "both" }`. */
  axes: Record<string, string | number | boolean>;
  /** The axes as text, e.g. `"op=weight bits=6 placement=both"`. */
  label: string;
  /** Cells by column value. */
  cells: Record<string, MatrixCell>;
  /** The column with the lowest median. */
  best: string;
  /** `best`, when it is significantly better than every other cell; else absent. */
  winner?: string;
  /** Columns whose difference from the best lies inside the noise band (including the best, when any does). */
  tied: string[];
  /** Columns that are neither significantly worse than the best nor tied with it: the data cannot separate them. */
  notSeparable: string[];
  /** The fewest replicates among the best and the cells it cannot be separated from (0 when there are none). */
  notSeparableN: number;
  /** Reference benches of the row (axis {@linkcode REFERENCE_AXIS}, e.g. the loop alone) whose other axes all agree with the row's, by name. */
  references: Record<string, MatrixCell>;
}

/** Where the winner changes along a numeric axis. */
export interface Crossover {
  /** The numeric axis, e.g. `"bits"`. */
  axis: string;
  /** The last value where `before` wins. */
  from: number;
  /** The first value where `after` wins. */
  to: number;
  /** Winner up to `from`. */
  before: string;
  /** Winner from `to`. */
  after: string;
  /** The other axes, held fixed, as text. */
  fixed: string;
}

/** A whole matrix. */
export interface Matrix {
  /** The metric, e.g. `"instructions"`. */
  metric: string;
  /** Its unit. */
  unit: string;
  /** The column axis, e.g. `"strategy"`. */
  columnAxis: string;
  /** Column values, sorted. */
  columns: string[];
  /** Rows, grouped by their first axis, then by the others. */
  rows: MatrixRow[];
  /** Every crossover found. */
  crossovers: Crossover[];
  /** Significance level of the rank test. */
  alpha: number;
  /** Noise band half-width. */
  noise: number;
  /** Whether the metric is judged by the band alone. */
  deterministic: boolean;
  /** Benches left out (failed, no replicates, or lacking the column axis and not a reference). */
  skipped: string[];
}

/** Options of {@linkcode buildMatrix}. */
export interface MatrixOptions {
  /** The metric to tabulate. @default {the result's only metric} */
  metric?: string;
  /** The column axis. @default {"strategy"} */
  columns?: string;
  /** Significance level. @default {DEFAULT_ALPHA} */
  alpha?: number;
  /** Noise band. @default {DEFAULT_NOISE_BY_METRIC[metric] ?? DEFAULT_NOISE} */
  noise?: number;
  /** Bootstrap resamples. @default {2000} */
  resamples?: number;
}

/**
 * Build the matrix of `result`.
 *
 * @throws {RangeError} when the result holds several metrics and none is
 * chosen, the chosen metric is absent, no bench has the column axis, or
 * `alpha`/`noise` is out of range.
 *
 * @example Two strategies, one clear winner per row, a crossover
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildMatrix } from "./matrix.ts";
 * import { type BenchResult, resultOf } from "../result/result.ts";
 *
 * const bench = (strategy: string, bits: number, x: number): BenchResult => ({
 *   key: `b_bench.ts::w ${bits}::${strategy}`, file: "b_bench.ts", group: `w ${bits}`, name: strategy,
 *   baseline: false, metric: "instructions", unit: "instr/op", opsPerCall: 1,
 *   axes: { op: "weight", bits, strategy }, replicates: [x],
 * });
 * const r = resultOf([bench("u32pair", 6, 10), bench("u64view", 6, 14), bench("u32pair", 64, 30), bench("u64view", 64, 20)]);
 * const m = buildMatrix(r);
 * assert.deepEqual(m.rows.map((row) => row.winner), ["u32pair", "u64view"]);
 * assert.equal(m.crossovers[0].after, "u64view");
 * ```
 */
export function buildMatrix(
  result: ResultFile,
  options: MatrixOptions = {},
): Matrix {
  const usable = result.benches.filter((b) =>
    b.failed === undefined && b.replicates.length > 0
  );
  const metrics = [...new Set(usable.map((b) => b.metric))];
  const metric = options.metric ??
    (metrics.length === 1 ? metrics[0] : undefined);
  if (metric === undefined) {
    throw new RangeError(
      metrics.length === 0
        ? "Cannot build a matrix as the result has no bench with figures"
        : `Cannot build a matrix as the result holds several metrics (${
          metrics.join(", ")
        }): choose one`,
    );
  }
  if (!metrics.includes(metric)) {
    throw new RangeError(
      `Cannot build a matrix of metric '${metric}' as the result has none: it has ${
        metrics.join(", ") || "no figures"
      }`,
    );
  }
  const columnAxis = options.columns ?? "strategy";
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const noise = options.noise ?? DEFAULT_NOISE_BY_METRIC[metric] ??
    DEFAULT_NOISE;
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(
      `Cannot build a matrix as 'alpha' must be in (0, 1): current value is ${alpha}`,
    );
  }
  if (!(noise >= 0 && noise < 1)) {
    throw new RangeError(
      `Cannot build a matrix as 'noise' must be in [0, 1): current value is ${noise}`,
    );
  }
  const deterministic = DETERMINISTIC_METRICS.has(metric);
  const ofMetric = usable.filter((b) => b.metric === metric);
  const skipped = result.benches.filter((b) => !ofMetric.includes(b)).map((
    b,
  ) => b.key);
  // Own axes only: '--columns toString' must not find Object.prototype's.
  const axisOf = (b: BenchResult, axis: string) =>
    b.axes !== undefined && Object.hasOwn(b.axes, axis)
      ? b.axes[axis]
      : undefined;
  const inColumns = ofMetric.filter((b) => axisOf(b, columnAxis) !== undefined);
  if (inColumns.length === 0) {
    throw new RangeError(
      `Cannot build a matrix as no bench of metric '${metric}' has the axis '${columnAxis}'`,
    );
  }
  const rowAxesOf = (b: BenchResult) => {
    const out: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(b.axes ?? {})) {
      if (k !== columnAxis && k !== REFERENCE_AXIS) out[k] = v;
    }
    return out;
  };
  const rowKey = (axes: Record<string, unknown>) =>
    Object.keys(axes).sort().map((k) => `${k}=${axes[k]}`).join("\u0000");
  const rows = new Map<string, MatrixRow>();
  const order: string[] = [];
  const members = new Map<string, Map<string, BenchResult>>();
  for (const b of inColumns) {
    const axes = rowAxesOf(b);
    const id = rowKey(axes);
    if (!rows.has(id)) {
      rows.set(id, {
        axes,
        label: Object.entries(axes).map(([k, v]) => `${k}=${v}`).join(" "),
        cells: {},
        best: "",
        tied: [],
        notSeparable: [],
        notSeparableN: 0,
        references: {},
      });
      members.set(id, new Map());
      order.push(id);
    }
    const column = String(b.axes![columnAxis]);
    if (!members.get(id)!.has(column)) members.get(id)!.set(column, b);
    else skipped.push(b.key);
  }
  for (const b of ofMetric) {
    if (axisOf(b, columnAxis) !== undefined) continue;
    const ref = axisOf(b, REFERENCE_AXIS);
    // A reference belongs to every row that sits where it does: the same
    // row, or rows with more axes that agree on all of its (the no-op of a
    // transition group has N but no k or mechanism).
    const axes = rowAxesOf(b);
    const exact = rows.get(rowKey(axes));
    const owners = exact !== undefined ? [exact] : [...rows.values()].filter((
      row,
    ) => Object.entries(axes).every(([k, v]) => row.axes[k] === v));
    if (ref === undefined || owners.length === 0) {
      skipped.push(b.key);
      continue;
    }
    for (const row of owners) row.references[String(ref)] = cellOf(b, NaN);
  }
  const resamples = options.resamples ?? 2000;
  for (const id of order) {
    judgeRow(rows.get(id)!, members.get(id)!, {
      alpha,
      noise,
      deterministic,
      resamples,
    });
  }
  const sorted = order.map((id) => rows.get(id)!).sort(compareRows);
  const columns = [
    ...new Set(inColumns.map((b) => String(b.axes![columnAxis]))),
  ].sort();
  return {
    metric,
    unit: inColumns[0].unit,
    columnAxis,
    columns,
    rows: sorted,
    crossovers: findCrossovers(sorted),
    alpha,
    noise,
    deterministic,
    skipped,
  };
}

function cellOf(b: BenchResult, bestMedian: number): MatrixCell {
  const m = medianInterval(b.replicates);
  const cell: MatrixCell = {
    key: b.key,
    median: m.median,
    lo: m.lo,
    hi: m.hi,
    n: m.n,
    ratio: m.median / bestMedian,
    worse: false,
    standing: "best",
  };
  const profile = profileOf(b);
  const warning = warningOf(b);
  if (profile !== undefined && Number.isFinite(profile.bytesPerOp)) {
    cell.bytesPerOp = profile.bytesPerOp;
  }
  if (profile !== undefined && profile.tier !== "") cell.tier = profile.tier;
  if (warning !== undefined) cell.warning = warning;
  return cell;
}

function judgeRow(
  row: MatrixRow,
  benches: Map<string, BenchResult>,
  o: {
    alpha: number;
    noise: number;
    deterministic: boolean;
    resamples: number;
  },
): void {
  const medians = [...benches].map(([c, b]) =>
    [c, medianInterval(b.replicates).median] as const
  );
  medians.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  const [best, bestMedian] = medians[0];
  row.best = best;
  const bestSamples = sortSamples(benches.get(best)!.replicates);
  for (const [column, b] of benches) {
    const cell = cellOf(b, bestMedian);
    if (column !== best) {
      const s = sortSamples(b.replicates);
      if (bestMedian > 0 && (s.length > 1 || bestSamples.length > 1)) {
        cell.ratioCi = bootstrapRatioCi(bestSamples, s, {
          resamples: o.resamples,
          seed: 1,
        });
      }
      cell.standing = standingOf(cell, bestSamples, s, o);
      cell.worse = cell.standing === "worse";
    }
    row.cells[column] = cell;
  }
  const columns = Object.keys(row.cells).sort();
  const others = columns.filter((c) => c !== best);
  row.tied = others.some((c) => row.cells[c].standing === "tied")
    ? columns.filter((c) => c === best || row.cells[c].standing === "tied")
    : [];
  row.notSeparable = others.filter((c) =>
    row.cells[c].standing === "not separable"
  );
  row.notSeparableN = row.notSeparable.length === 0 ? 0 : Math.min(
    bestSamples.length,
    ...row.notSeparable.map((c) => row.cells[c].n),
  );
  if (others.length > 0 && others.every((c) => row.cells[c].worse)) {
    row.winner = best;
  }
}

/**
 * Worse: significant (the band alone for a deterministic metric; else the
 * rank test at alpha and the interval of the ratio above the band). Tied:
 * the ratio (deterministic) or its whole interval lies inside the band.
 * Anything else the data cannot separate.
 */
function standingOf(
  cell: MatrixCell,
  best: SortedSamples,
  s: SortedSamples,
  o: { alpha: number; noise: number; deterministic: boolean },
): CellStanding {
  if (o.deterministic) return cell.ratio > 1 + o.noise ? "worse" : "tied";
  const ci = cell.ratioCi;
  if (ci === undefined) return "not separable";
  if (
    ci[0] > 1 + o.noise &&
    mannWhitneyU(best, s).p < o.alpha
  ) {
    return "worse";
  }
  if (ci[0] >= 1 - o.noise && ci[1] <= 1 + o.noise) return "tied";
  return "not separable";
}

function compareRows(a: MatrixRow, b: MatrixRow): number {
  const keys = [...new Set([...Object.keys(a.axes), ...Object.keys(b.axes)])];
  for (const k of keys) {
    const x = a.axes[k];
    const y = b.axes[k];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/**
 * For every numeric axis, the rows that differ only in it form a series;
 * wherever two neighbouring points of a series both have a (significant)
 * winner and the winners differ, that is a crossover.
 */
function findCrossovers(rows: readonly MatrixRow[]): Crossover[] {
  const numeric = new Set<string>();
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.axes)) {
      if (typeof v === "number") numeric.add(k);
    }
  }
  const out: Crossover[] = [];
  for (const axis of [...numeric].sort()) {
    const series = new Map<string, MatrixRow[]>();
    for (const r of rows) {
      if (typeof r.axes[axis] !== "number") continue;
      const fixed = Object.entries(r.axes).filter(([k]) => k !== axis).map((
        [k, v],
      ) => `${k}=${v}`).join(" ");
      if (!series.has(fixed)) series.set(fixed, []);
      series.get(fixed)!.push(r);
    }
    for (const [fixed, points] of series) {
      points.sort((a, b) => Number(a.axes[axis]) - Number(b.axes[axis]));
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1];
        const b = points[i];
        if (
          a.winner !== undefined && b.winner !== undefined &&
          a.winner !== b.winner
        ) {
          out.push({
            axis,
            from: Number(a.axes[axis]),
            to: Number(b.axes[axis]),
            before: a.winner,
            after: b.winner,
            fixed,
          });
        }
      }
    }
  }
  return out;
}

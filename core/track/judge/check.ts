/**
 * Check a result against the recent history of a branch, treating each
 * recorded run as one unit: say whether anything regressed, and never cry
 * wolf when the history cannot tell.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode runLevels} | per (bench key, metric) the median of each run that has it, oldest first |
 * | {@linkcode checkResult} | judge a head run against the levels of the window's runs |
 * | {@linkcode CHECK_NOISE_BY_METRIC}, {@linkcode DEFAULT_CHECK_WINDOW}, {@linkcode MIN_CHECK_RUNS} | tunables |
 *
 * Why runs, not replicates: the replicates of one run share its machine
 * state (load, frequency, neighbours), so two runs of the same code differ
 * by more than their replicates suggest; a run recorded at another load
 * sits wholly above or below. Pooling the replicates of several runs as if
 * independent makes any such run look "significantly" different (identical
 * code once read +83% "regressed"). So a stochastic metric (time) is judged
 * on the levels of whole runs: the log of each window run's median gives
 * the history's centre and its between-run spread; the head's median is
 * one more run, and Student's t with `runs - 1` degrees of freedom gives
 * the p-value and the 95% prediction interval of its ratio to the centre.
 * A change counts when p < alpha and that interval lies outside the noise
 * band. Fewer than {@linkcode MIN_CHECK_RUNS} runs cannot bound the
 * between-run spread: such a bench reads `"insufficient history"` and
 * passes.
 *
 * A deterministic metric (instruction counts) repeats from run to run, so
 * its base is the median of the runs' medians and the change is exact,
 * judged by its 1% band alone (see {@linkcode compareResults}).
 *
 * @module
 */

import {
  type CompareOptions,
  compareResults,
  type Comparison,
  type ComparisonRow,
  DEFAULT_ALPHA,
  DEFAULT_NOISE,
  DETERMINISTIC_METRICS,
  differentMetrics,
} from "./compare.ts";
import {
  type BenchResult,
  type ResultFile,
  resultOf,
} from "../result/result.ts";
import {
  CI_LEVEL,
  maxOf,
  mean,
  median,
  minOf,
  sortSamples,
  standardDeviation,
  studentTQuantile,
  studentTTwoSidedP,
} from "./stats.ts";

/**
 * Half-width of the noise band per metric: process-to-process drift of
 * wall-clock time on a shared machine is a few percent, while instruction
 * counts are nearly deterministic. Metrics not listed use
 * {@linkcode DEFAULT_NOISE}.
 */
export const CHECK_NOISE_BY_METRIC: Readonly<Record<string, number>> = Object
  .freeze({ time: 0.03, instructions: 0.01 });

/** How many of a branch's last runs `check` compares with when not told. */
export const DEFAULT_CHECK_WINDOW = 5;

/**
 * The fewest runs of a bench that bound the run-to-run spread of a
 * stochastic metric (two degrees of freedom); with fewer the bench reads
 * `"insufficient history"` and passes.
 */
export const MIN_CHECK_RUNS = 3;

/** The runs' levels of one (bench, metric): see {@linkcode runLevels}. */
export interface RunLevels {
  /** The newest run's bench (its names, axes and unit). */
  bench: BenchResult;
  /** The median of each run that has the bench with that unit, oldest first. */
  levels: number[];
}

/**
 * Per (bench key, metric) of `runs` (oldest first), the median of the
 * replicates of each run that has it: one level per run, never a pool of
 * replicates. Names, axes and unit come from the newest run that has the
 * bench; runs whose unit for it differs are left out, as are failed or
 * empty benches. Ordered as the newest appearance of each bench.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runLevels } from "./check.ts";
 * import { type ResultFile, resultOf } from "../result/result.ts";
 *
 * const run = (replicates: number[]): ResultFile =>
 *   resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }]);
 * const [f] = runLevels([run([10, 11, 12]), run([20, 21, 22])]);
 * assert.deepEqual(f.levels, [11, 21]);
 * ```
 */
export function runLevels(runs: readonly ResultFile[]): RunLevels[] {
  const id = (b: BenchResult) => `${b.key}\u0000${b.metric}`;
  const usable = (b: BenchResult) =>
    b.failed === undefined && b.replicates.length > 0;
  const out = new Map<string, RunLevels>();
  for (let i = runs.length - 1; i >= 0; i--) {
    for (const b of runs[i].benches) {
      if (usable(b) && !out.has(id(b))) {
        out.set(id(b), { bench: b, levels: [] });
      }
    }
  }
  for (const run of runs) {
    for (const b of run.benches) {
      const entry = out.get(id(b));
      if (entry === undefined || !usable(b) || b.unit !== entry.bench.unit) {
        continue;
      }
      entry.levels.push(median(sortSamples(b.replicates)));
    }
  }
  return [...out.values()];
}

/** Options of {@linkcode checkResult}. */
export interface CheckOptions
  extends Pick<CompareOptions, "alpha" | "resamples" | "seed"> {
  /**
   * Half-width of the noise band: one figure for every metric, or a map
   * per metric (metrics it lacks use {@linkcode DEFAULT_NOISE}).
   *
   * @default {CHECK_NOISE_BY_METRIC}
   */
  noise?: number | Readonly<Record<string, number>>;
  /** How messages name the head result. @default {"head"} */
  headName?: string;
  /** How messages name the window. @default {"the window"} */
  baseName?: string;
}

/** The outcome of {@linkcode checkResult}. */
export interface CheckResult {
  /**
   * Rows of every metric, grouped by metric. `noise` is the band of the
   * first metric; see {@linkcode CheckResult.noiseByMetric} for all.
   * `comparisons` counts the rows judged (not those with insufficient
   * history).
   */
  comparison: Comparison;
  /** The noise band each metric was judged with. */
  noiseByMetric: Record<string, number>;
  /** Rows whose verdict is `"regressed"`. */
  regressions: ComparisonRow[];
  /** Rows whose verdict is `"insufficient history"`: passed without a judgement. */
  insufficient: ComparisonRow[];
}

/**
 * Judge `head` against `window` (oldest first), one metric at a time so
 * each metric gets its own noise band: a stochastic metric on the levels
 * of whole runs (Student's t, see the module doc), a deterministic one by
 * its exact change from the median of the runs' medians. A bench on one
 * side only is `"added"` or `"removed"`, never a regression; a stochastic
 * bench with fewer than {@linkcode MIN_CHECK_RUNS} runs in the window is
 * `"insufficient history"`, never a regression.
 *
 * @throws {RangeError} when `window` is empty, a head bench failed or has
 * no replicates, the head and the window share no (bench, metric) (with a
 * message saying so when they hold different metrics), or an option is out
 * of range.
 *
 * @example A 20% slowdown against three runs at slightly different levels
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkResult } from "./check.ts";
 * import { type ResultFile, resultOf } from "../result/result.ts";
 *
 * const run = (replicates: number[]): ResultFile =>
 *   resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }]);
 * const window = [run([100, 101, 99]), run([102, 100, 101]), run([99, 100, 98])];
 * const c = checkResult(run([120, 121, 119, 122, 120]), window);
 * assert.equal(c.regressions.length, 1);
 * assert.equal(c.comparison.rows[0].runs, 3);
 * assert.equal(checkResult(run([120]), window.slice(1)).insufficient.length, 1);
 * ```
 */
export function checkResult(
  head: ResultFile,
  window: readonly ResultFile[],
  options: CheckOptions = {},
): CheckResult {
  const headName = options.headName ?? "head";
  const baseName = options.baseName ?? "the window";
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(
      `Cannot check '${headName}' as 'alpha' must be in (0, 1): current value is ${alpha}`,
    );
  }
  if (window.length === 0) {
    throw new RangeError(
      `Cannot check '${headName}' as the window must hold at least one run: current length is 0`,
    );
  }
  for (const b of head.benches) {
    if (b.failed !== undefined) {
      throw new RangeError(
        `Cannot check '${headName}' as bench '${b.key}' failed: ${
          b.failed.split("\n")[0]
        }`,
      );
    }
    if (b.replicates.length === 0) {
      throw new RangeError(
        `Cannot check '${headName}' as bench '${b.key}' has no replicates`,
      );
    }
  }
  const levels = runLevels(window);
  const metrics = [
    ...new Set([
      ...levels.map((l) => l.bench.metric),
      ...head.benches.map((b) => b.metric),
    ]),
  ];
  const noiseByMetric: Record<string, number> = {};
  for (const m of metrics) noiseByMetric[m] = noiseFor(m, options.noise);
  const headById = new Map(head.benches.map((b) => [id(b), b]));
  const shared = levels.filter((l) => headById.has(id(l.bench)));
  if (shared.length === 0) {
    const base = { ...head, benches: levels.map((l) => l.bench) };
    throw new RangeError(
      differentMetrics(base, head, { baseName, headName }) ??
        `Cannot check '${headName}' against ${baseName} as they share no bench: '${headName}' has ${
          sampleKeys(head.benches)
        } and ${baseName} has ${sampleKeys(base.benches)}`,
    );
  }
  const rows: ComparisonRow[] = [];
  for (const metric of metrics) {
    const ofMetric = levels.filter((l) => l.bench.metric === metric);
    const heads = head.benches.filter((b) => b.metric === metric);
    const noise = noiseByMetric[metric];
    if (DETERMINISTIC_METRICS.has(metric)) {
      rows.push(...judgeExact(ofMetric, heads, { ...options, alpha, noise }));
      continue;
    }
    for (const l of ofMetric) {
      const h = headById.get(id(l.bench));
      rows.push(
        h === undefined
          ? oneSided(l.bench, "removed", median(sortSamples(l.levels)))
          : judgeRuns(l, h, { alpha, noise }),
      );
    }
    const known = new Set(ofMetric.map((l) => id(l.bench)));
    for (const h of heads) {
      if (!known.has(id(h))) rows.push(oneSided(h, "added"));
    }
  }
  const judged = rows.filter((r) =>
    r.verdict !== "added" && r.verdict !== "removed" &&
    r.verdict !== "insufficient history"
  );
  const tested = rows.filter((r) => r.pValue !== undefined).length;
  const comparison: Comparison = {
    rows,
    comparisons: judged.length,
    expectedFalseAlarms: tested * alpha,
    alpha,
    noise: noiseByMetric[metrics[0]],
  };
  if (new Set(Object.values(noiseByMetric)).size > 1) {
    comparison.noiseByMetric = noiseByMetric;
  }
  return {
    comparison,
    noiseByMetric,
    regressions: rows.filter((r) => r.verdict === "regressed"),
    insufficient: rows.filter((r) => r.verdict === "insufficient history"),
  };
}

function id(b: BenchResult): string {
  return `${b.key}\u0000${b.metric}`;
}

/**
 * A stochastic metric on whole runs: the head's median as one more run
 * against the window's run medians, on a log scale (a ratio), with
 * Student's t prediction interval `d +/- t * s * sqrt(1 + 1/n)`.
 */
function judgeRuns(
  l: RunLevels,
  h: BenchResult,
  o: { alpha: number; noise: number },
): ComparisonRow {
  const hs = sortSamples(h.replicates);
  const headMedian = median(hs);
  const n = l.levels.length;
  const row: ComparisonRow = {
    key: h.key,
    metric: h.metric,
    unit: h.unit,
    verdict: "unchanged",
    head: headMedian,
    flags: [],
    runs: n,
    replicates: [n, hs.length],
    headRange: [hs[0], hs[hs.length - 1]],
  };
  if (h.unit !== l.bench.unit) {
    row.flags.push(`unit changed (${l.bench.unit} -> ${h.unit})`);
  }
  if (headMedian <= 0 || l.levels.some((x) => x <= 0)) {
    row.base = median(sortSamples(l.levels));
    row.flags.push("zero or negative figure: no ratio");
    return row;
  }
  const logs = l.levels.map(Math.log);
  const centre = mean(logs);
  row.base = Math.exp(centre);
  row.ratio = headMedian / row.base;
  if (n < MIN_CHECK_RUNS) {
    row.verdict = "insufficient history";
    row.flags.push(
      `insufficient history: ${n} run${
        n === 1 ? "" : "s"
      } of this bench, ${MIN_CHECK_RUNS} needed to bound the run-to-run noise; passed unjudged`,
    );
    return row;
  }
  const d = Math.log(headMedian) - centre;
  const se = standardDeviation(logs) * Math.sqrt(1 + 1 / n);
  const df = n - 1;
  const p = se > 0 ? studentTTwoSidedP(d / se, df) : (Math.abs(d) > 0 ? 0 : 1);
  const half = studentTQuantile(1 - CI_LEVEL, df) * se;
  row.ci = [Math.exp(d - half), Math.exp(d + half)];
  row.pValue = p;
  if (p < o.alpha && row.ci[0] > 1 + o.noise) row.verdict = "regressed";
  else if (p < o.alpha && row.ci[1] < 1 - o.noise) row.verdict = "improved";
  return row;
}

/**
 * A deterministic metric: the base of each bench is the median of its
 * runs' medians (one replicate per run), then {@linkcode compareResults}
 * judges the exact change by the band.
 */
function judgeExact(
  levels: readonly RunLevels[],
  heads: readonly BenchResult[],
  o: CheckOptions & { alpha: number; noise: number },
): ComparisonRow[] {
  const headKeys = new Set(heads.map((b) => b.key));
  const shared = levels.filter((l) => headKeys.has(l.bench.key));
  if (shared.length === 0) {
    // compareResults refuses disjoint sets; one metric may legitimately be
    // on one side only (e.g. instruction counts added later).
    return [
      ...levels.map((l) =>
        oneSided(l.bench, "removed", median(sortSamples(l.levels)))
      ),
      ...heads.map((b) => oneSided(b, "added")),
    ];
  }
  const asResult = (benches: BenchResult[]) => resultOf(benches, { date: "" });
  const base = asResult(levels.map((l) => {
    const { processes: _, ...bench } = l.bench;
    return { ...bench, replicates: l.levels };
  }));
  const c = compareResults(base, asResult([...heads]), {
    alpha: o.alpha,
    noise: o.noise,
    resamples: o.resamples,
    seed: o.seed,
    baseName: o.baseName,
    headName: o.headName,
  });
  const runs = new Map(levels.map((l) => [l.bench.key, l.levels.length]));
  return c.rows.map((r) =>
    runs.has(r.key) && r.verdict !== "removed"
      ? { ...r, runs: runs.get(r.key)! }
      : r
  );
}

function noiseFor(
  metric: string,
  noise: CheckOptions["noise"],
): number {
  const n = typeof noise === "number"
    ? noise
    : (noise ?? CHECK_NOISE_BY_METRIC)[metric] ??
      CHECK_NOISE_BY_METRIC[metric] ?? DEFAULT_NOISE;
  if (!(n >= 0 && n < 1)) {
    throw new RangeError(
      `Cannot check as 'noise' must be in [0, 1): current value is ${n}${
        typeof noise === "number" ? "" : ` for metric '${metric}'`
      }`,
    );
  }
  return n;
}

function oneSided(
  b: BenchResult,
  verdict: "added" | "removed",
  base?: number,
): ComparisonRow {
  const m = median(sortSamples(b.replicates));
  return {
    key: b.key,
    metric: b.metric,
    unit: b.unit,
    verdict,
    ...(verdict === "added"
      ? {
        head: m,
        headRange: [
          minOf(b.replicates),
          maxOf(b.replicates),
        ] as [number, number],
      }
      : { base: base ?? m }),
    flags: [],
  };
}

function sampleKeys(benches: readonly BenchResult[]): string {
  if (benches.length === 0) return "no benches";
  const shown = benches.slice(0, 2).map((b) => `'${b.key}' (${b.metric})`)
    .join(", ");
  return `${benches.length} (${shown}${benches.length > 2 ? ", ..." : ""})`;
}

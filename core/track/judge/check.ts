/**
 * Check a result against the recent history of a branch: pool the
 * replicates of the last runs into one base per bench and metric, compare
 * the head with {@linkcode compareResults}, and say whether anything
 * regressed.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode poolResults} | one result whose replicates are every run's, per (bench key, metric) |
 * | {@linkcode checkResult} | pool a window, compare per metric with that metric's noise band |
 * | {@linkcode CHECK_NOISE_BY_METRIC}, {@linkcode DEFAULT_CHECK_WINDOW} | tunables |
 *
 * Why pool: one run holds a handful of process replicates, and two runs of
 * the same commit differ by more than their replicates suggest (machine
 * state drifts between runs). Pooling the last few runs gives a base that
 * already contains that run-to-run drift, so an ordinary bad day is less
 * likely to read as a regression.
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
} from "./compare.ts";
import type { BenchResult, ResultFile } from "../result/result.ts";
import { maxOf, median, minOf, sortSamples } from "./stats.ts";

/**
 * Half-width of the noise band per metric: process-to-process drift of
 * wall-clock time on a shared machine is a few percent, while instruction
 * counts are nearly deterministic. Metrics not listed use
 * {@linkcode DEFAULT_NOISE}.
 */
export const CHECK_NOISE_BY_METRIC: Readonly<Record<string, number>> = Object
  .freeze({ time: 0.03, instructions: 0.01 });

/** How many of a branch's last runs `check` pools when not told. */
export const DEFAULT_CHECK_WINDOW = 5;

/**
 * Pool `runs` (oldest first) into one result: per (bench key, metric) the
 * replicates (and raw process figures) of every run that has it, oldest
 * first. Names, axes and unit come from the newest run that has the bench;
 * runs whose unit for it differs from that are left out of its pool. The
 * env, flags and date are the newest run's.
 *
 * @throws {RangeError} when `runs` is empty.
 *
 * @example
 * ```ts
 * import { poolResults } from "./check.ts";
 * import type { ResultFile } from "../result/result.ts";
 *
 * const run = (date: string, replicates: number[]): ResultFile => ({
 *   schema: "pmubench-result/1", date,
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {},
 *   benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }],
 * });
 * const pooled = poolResults([run("2025-01-01T00:00:00Z", [10, 11]), run("2025-01-02T00:00:00Z", [12])]);
 * console.assert(pooled.benches[0].replicates.join() === "10,11,12");
 * console.assert(pooled.date === "2025-01-02T00:00:00Z");
 * ```
 */
export function poolResults(runs: readonly ResultFile[]): ResultFile {
  if (runs.length === 0) {
    throw new RangeError(
      "Cannot pool results as 'runs' must hold at least one result: current length is 0",
    );
  }
  const newest = runs[runs.length - 1];
  const id = (b: BenchResult) => `${b.key}\u0000${b.metric}`;
  // The newest appearance of each bench sets its identity and order.
  const order: BenchResult[] = [];
  const seen = new Set<string>();
  for (let i = runs.length - 1; i >= 0; i--) {
    for (const b of runs[i].benches) {
      if (!seen.has(id(b))) {
        seen.add(id(b));
        order.push(b);
      }
    }
  }
  const benches = order.map((template): BenchResult => {
    const pooled: BenchResult = {
      ...template,
      replicates: [],
      ...(template.processes === undefined ? {} : { processes: [] }),
    };
    for (const run of runs) {
      const b = run.benches.find((x) => id(x) === id(template));
      if (b === undefined || b.unit !== template.unit) continue;
      // A loop, not push(...xs): a spread overflows the stack on long arrays.
      for (const x of b.replicates) pooled.replicates.push(x);
      if (pooled.processes !== undefined && b.processes !== undefined) {
        for (const p of b.processes) pooled.processes.push(p);
      }
    }
    return pooled;
  });
  return { ...newest, benches };
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
  /** How messages name the pooled window. @default {"the window"} */
  baseName?: string;
}

/** The outcome of {@linkcode checkResult}. */
export interface CheckResult {
  /**
   * Rows of every metric, grouped by metric. `noise` is the band of the
   * first metric; see {@linkcode CheckResult.noiseByMetric} for all.
   */
  comparison: Comparison;
  /** The noise band each metric was judged with. */
  noiseByMetric: Record<string, number>;
  /** Rows whose verdict is `"regressed"`. */
  regressions: ComparisonRow[];
  /** The pooled base. */
  base: ResultFile;
}

/**
 * Pool `window` (oldest first) with {@linkcode poolResults} and compare
 * `head` against it, one metric at a time so each metric gets its own
 * noise band. A bench on one side only is `"added"` or `"removed"`, never
 * a regression.
 *
 * @throws {RangeError} when `window` is empty, a head bench failed or has
 * no replicates, the head and the window share no (bench, metric), or an
 * option is out of range (see {@linkcode compareResults}).
 *
 * @example A 20% slowdown against three pooled runs
 * ```ts
 * import { checkResult } from "./check.ts";
 * import type { ResultFile } from "../result/result.ts";
 *
 * const run = (replicates: number[]): ResultFile => ({
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {},
 *   benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }],
 * });
 * const window = [run([100, 101, 99]), run([102, 100, 98]), run([99, 100, 101])];
 * const c = checkResult(run([120, 121, 119, 122, 120]), window);
 * console.assert(c.regressions.length === 1 && c.base.benches[0].replicates.length === 9);
 * console.assert(c.noiseByMetric.time === 0.03);
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
  const base = poolResults(window);
  const metrics = [
    ...new Set([...base.benches, ...head.benches].map((b) => b.metric)),
  ];
  const noiseByMetric: Record<string, number> = {};
  for (const m of metrics) noiseByMetric[m] = noiseFor(m, options.noise);
  const rows: ComparisonRow[] = [];
  let comparisons = 0;
  for (const metric of metrics) {
    const b = onlyMetric(base, metric);
    const h = onlyMetric(head, metric);
    const headKeys = new Set(h.benches.map((x) => x.key));
    if (!b.benches.some((x) => headKeys.has(x.key))) {
      // compareResults refuses disjoint sets; one metric may legitimately
      // be on one side only (e.g. instruction counts added later).
      for (const x of b.benches) rows.push(oneSided(x, "removed"));
      for (const x of h.benches) rows.push(oneSided(x, "added"));
      continue;
    }
    const c = compareResults(b, h, {
      alpha,
      noise: noiseByMetric[metric],
      resamples: options.resamples,
      seed: options.seed,
      baseName,
      headName,
    });
    for (const row of c.rows) rows.push(row);
    comparisons += c.comparisons;
  }
  if (comparisons === 0) {
    throw new RangeError(
      `Cannot check '${headName}' against ${baseName} as they share no bench: '${headName}' has ${
        sampleKeys(head.benches)
      } and ${baseName} has ${sampleKeys(base.benches)}`,
    );
  }
  return {
    comparison: {
      rows,
      comparisons,
      expectedFalseAlarms: comparisons * alpha,
      alpha,
      noise: noiseByMetric[metrics[0]],
    },
    noiseByMetric,
    regressions: rows.filter((r) => r.verdict === "regressed"),
    base,
  };
}

function noiseFor(
  metric: string,
  noise: CheckOptions["noise"],
): number {
  if (typeof noise === "number") return noise;
  const map = noise ?? CHECK_NOISE_BY_METRIC;
  return map[metric] ?? CHECK_NOISE_BY_METRIC[metric] ?? DEFAULT_NOISE;
}

function onlyMetric(r: ResultFile, metric: string): ResultFile {
  return { ...r, benches: r.benches.filter((b) => b.metric === metric) };
}

function oneSided(b: BenchResult, verdict: "added" | "removed"): ComparisonRow {
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
      : { base: m }),
    flags: [],
  };
}

function sampleKeys(benches: readonly BenchResult[]): string {
  if (benches.length === 0) return "no benches";
  const shown = benches.slice(0, 2).map((b) => `'${b.key}' (${b.metric})`)
    .join(", ");
  return `${benches.length} (${shown}${benches.length > 2 ? ", ..." : ""})`;
}

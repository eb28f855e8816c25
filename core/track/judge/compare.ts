/**
 * Compare two results bench by bench: the ratio HEAD/BASE of the replicate
 * medians, a bootstrap 95% confidence interval of that ratio, a two-sided
 * Mann-Whitney U p-value, and a verdict.
 *
 * A change counts only when it is significant (`p < alpha`) *and* its whole
 * interval lies outside the noise band `[1 - noise, 1 + noise]`: the test
 * guards against chance, the band against changes too small to matter on a
 * machine whose processes drift by a few percent anyway. Lower figures are
 * better (time and instruction counts both).
 *
 * Each metric has its own default band ({@linkcode DEFAULT_NOISE_BY_METRIC}:
 * time 3%, instructions 1%). Instruction counts are deterministic
 * ({@linkcode DETERMINISTIC_METRICS}: two runs agree within 0.1%), so chance
 * is not what a test must rule out: for them a change counts when the
 * whole interval lies outside the band, with any number of replicates
 * (the rank test needs 5 a side to ever reach alpha 0.01), and replicates
 * that disagree by more than {@linkcode DETERMINISTIC_MAX_SPREAD} are
 * flagged instead.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode compareResults} | one {@linkcode ComparisonRow} per bench |
 * | {@linkcode Verdict}, {@linkcode ComparisonRow}, {@linkcode Comparison} | its output |
 * | {@linkcode DEFAULT_ALPHA}, {@linkcode DEFAULT_NOISE}, {@linkcode DEFAULT_NOISE_BY_METRIC}, {@linkcode HIGH_SPREAD_CV} | tunables |
 * | {@linkcode DETERMINISTIC_METRICS}, {@linkcode DETERMINISTIC_MAX_SPREAD} | metrics judged by the band alone |
 * | {@linkcode differentMetrics} | why two results of different metrics do not compare |
 *
 * @module
 */

import {
  type BenchResult,
  profileOf,
  type ResultFile,
  warningOf,
} from "../result/result.ts";
import {
  BOOTSTRAP_MAX_SAMPLE,
  bootstrapRatioCi,
  coefficientOfVariation,
  DEFAULT_RESAMPLES,
  isBimodal,
  mannWhitneyU,
  maxOf,
  median,
  minimumPValue,
  minOf,
  sortSamples,
} from "./stats.ts";

/** Significance level when none is given. */
export const DEFAULT_ALPHA = 0.01;
/** Half-width of the noise band when none is given (3%). */
export const DEFAULT_NOISE = 0.03;
/** Replicates whose coefficient of variation exceeds this are flagged `high-spread`. */
export const HIGH_SPREAD_CV = 0.1;
/**
 * The noise band of each metric when none is given: process-to-process
 * drift of wall-clock time on a shared machine is a few percent, while
 * instruction counts repeat within 0.1%. Other metrics use
 * {@linkcode DEFAULT_NOISE}.
 */
export const DEFAULT_NOISE_BY_METRIC: Readonly<Record<string, number>> = Object
  .freeze({ time: 0.03, instructions: 0.01 });
/** Metrics whose replicates repeat (up to rounding): judged by the noise band alone. */
export const DETERMINISTIC_METRICS: ReadonlySet<string> = new Set([
  "instructions",
]);
/** Replicates of a deterministic metric that differ by more than this fraction (max/min - 1) are flagged `not repeatable`. */
export const DETERMINISTIC_MAX_SPREAD = 0.001;

/**
 * What happened to one bench between base and head. `"insufficient
 * history"` is `check`'s: too few recorded runs to bound the run-to-run
 * noise, so the bench passes unjudged.
 */
export type Verdict =
  | "regressed"
  | "improved"
  | "unchanged"
  | "added"
  | "removed"
  | "insufficient history";

/** Options of {@linkcode compareResults}. */
export interface CompareOptions {
  /** Significance level of the Mann-Whitney test. @default {0.01} */
  alpha?: number;
  /**
   * Half-width of the noise band, as a fraction: one figure for every
   * metric, or one per metric (metrics it lacks use their default).
   *
   * @default {DEFAULT_NOISE_BY_METRIC}
   */
  noise?: number | Readonly<Record<string, number>>;
  /** Bootstrap resamples. @default {10000} */
  resamples?: number;
  /** Bootstrap PRNG seed (mixed with each bench key). @default {1} */
  seed?: number;
  /** How error messages name the base result. @default {"base"} */
  baseName?: string;
  /** How error messages name the head result. @default {"head"} */
  headName?: string;
}

/** One bench's comparison. */
export interface ComparisonRow {
  /** `file::group::name`. */
  key: string;
  /** The metric compared, e.g. `"time"`. */
  metric: string;
  /** Unit of `base` and `head`, e.g. `"ns/op"`. */
  unit: string;
  /** The verdict. */
  verdict: Verdict;
  /** Median of the base replicates. */
  base?: number;
  /** Median of the head replicates. */
  head?: number;
  /** `head / base`. */
  ratio?: number;
  /** 95% interval of `ratio` (absent where the change is exact: a deterministic metric whose replicates repeat). */
  ci?: [number, number];
  /** Two-sided p-value of the test that judged the row (absent where the change is exact). */
  pValue?: number;
  /** Warnings, e.g. `"bimodal (head)"`, `"high-spread (cv 23%, base)"`, `"too few replicates (...)"`. */
  flags: string[];
  /** Replicates on each side (absent for added/removed; for `check`, runs of the window and head replicates). */
  replicates?: [number, number];
  /** Runs of the history the base comes from (`check` only: each run is one unit). */
  runs?: number;
  /** Smallest and largest head replicate (absent for removed benches). */
  headRange?: [number, number];
  /** Bytes allocated per operation (base, head), where the results carry it (`profile.bytesPerOp`). */
  bytesPerOp?: [number | undefined, number | undefined];
  /** The V8 tier the head's body was measured in (`profile.tier`), where known. */
  tier?: string;
}

/** A whole comparison. */
export interface Comparison {
  /** One row per (bench key, metric) present on either side; base order, then head-only rows. */
  rows: ComparisonRow[];
  /** Benches present on both sides (the number of tests made). */
  comparisons: number;
  /**
   * How many verdicts pure chance would produce if nothing changed: alpha
   * times the comparisons that a test judged (rows with a p-value). A
   * deterministic metric's exact changes are not chance, so they add none.
   */
  expectedFalseAlarms: number;
  /** The significance level used. */
  alpha: number;
  /** The noise band used (of the first metric compared, when they differ). */
  noise: number;
  /** The noise band of each metric compared, when more than one was. */
  noiseByMetric?: Record<string, number>;
}

/**
 * Compare `head` against `base`.
 *
 * @throws {RangeError} when `alpha` is outside (0, 1), a `noise` is outside [0, 1),
 * the two results share no bench (disjoint sets, e.g. the wrong files), or a
 * bench failed or has no replicates on either side; messages name the
 * result by `baseName`/`headName`.
 *
 * @example A 10% slowdown with clean separation
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareResults } from "./compare.ts";
 * import { type ResultFile, resultOf } from "../result/result.ts";
 *
 * const result = (replicates: number[]): ResultFile =>
 *   resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }]);
 * const c = compareResults(result([100, 101, 99, 100, 102]), result([110, 111, 109, 110, 112]));
 * assert(c.rows[0].verdict === "regressed");
 * assert(c.comparisons === 1 && c.expectedFalseAlarms === 0.01);
 * ```
 */
export function compareResults(
  base: ResultFile,
  head: ResultFile,
  options: CompareOptions = {},
): Comparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const baseName = options.baseName ?? "base";
  const headName = options.headName ?? "head";
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(
      `Cannot compare as 'alpha' must be in (0, 1): current value is ${alpha}`,
    );
  }
  const noiseOf = (metric: string): number => {
    const o = options.noise;
    const n = typeof o === "number"
      ? o
      : o?.[metric] ?? DEFAULT_NOISE_BY_METRIC[metric] ?? DEFAULT_NOISE;
    if (!(n >= 0 && n < 1)) {
      throw new RangeError(
        `Cannot compare as 'noise' must be in [0, 1): current value is ${n}${
          typeof o === "number" ? "" : ` for metric '${metric}'`
        }`,
      );
    }
    return n;
  };
  if (typeof options.noise === "number") noiseOf("time");
  for (
    const [m, n] of Object.entries(
      typeof options.noise === "object" ? options.noise : {},
    )
  ) {
    if (!(n >= 0 && n < 1)) noiseOf(m);
  }
  checkUsable(base, baseName);
  checkUsable(head, headName);
  const id = (b: BenchResult) => `${b.key}\u0000${b.metric}`;
  const headById = new Map(head.benches.map((b) => [id(b), b]));
  const baseIds = new Set(base.benches.map(id));
  const shared = base.benches.filter((b) => headById.has(id(b))).length;
  if (shared === 0 && (base.benches.length > 0 || head.benches.length > 0)) {
    const different = differentMetrics(base, head, { baseName, headName });
    if (different !== undefined) throw new RangeError(different);
    throw new RangeError(
      `Cannot compare '${baseName}' with '${headName}' as they share no bench: '${baseName}' has ${
        sample(base.benches)
      } and '${headName}' has ${sample(head.benches)}`,
    );
  }
  const rows: ComparisonRow[] = [];
  for (const b of base.benches) {
    const h = headById.get(id(b));
    rows.push(annotate(
      h === undefined
        ? { ...identity(b), verdict: "removed", base: medianOf(b), flags: [] }
        : compareBench(b, h, {
          alpha,
          noise: noiseOf(b.metric),
          resamples,
          seed,
        }),
      b,
      h,
    ));
  }
  for (const h of head.benches) {
    if (!baseIds.has(id(h))) {
      rows.push(annotate(
        {
          ...identity(h),
          verdict: "added",
          head: medianOf(h),
          flags: [],
          headRange: [minOf(h.replicates), maxOf(h.replicates)],
        },
        undefined,
        h,
      ));
    }
  }
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const noiseByMetric: Record<string, number> = {};
  for (const m of metrics) noiseByMetric[m] = noiseOf(m);
  const chance = rows.filter((r) => r.pValue !== undefined).length;
  const out: Comparison = {
    rows,
    comparisons: shared,
    expectedFalseAlarms: chance * alpha,
    alpha,
    noise: noiseOf(metrics[0] ?? "time"),
  };
  if (new Set(Object.values(noiseByMetric)).size > 1) {
    out.noiseByMetric = noiseByMetric;
  }
  return out;
}

function checkUsable(r: ResultFile, name: string): void {
  for (const b of r.benches) {
    if (b.failed !== undefined) {
      throw new RangeError(
        `Cannot compare '${name}' as bench '${b.key}' failed: ${
          firstLine(b.failed)
        }`,
      );
    }
    if (b.replicates.length === 0) {
      throw new RangeError(
        `Cannot compare '${name}' as bench '${b.key}' has no replicates`,
      );
    }
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}

function sample(benches: readonly BenchResult[]): string {
  if (benches.length === 0) return "no benches";
  const shown = benches.slice(0, 2).map((b) => `'${b.key}'`).join(", ");
  return `${benches.length} (${shown}${benches.length > 2 ? ", ..." : ""})`;
}

function identity(
  b: BenchResult,
): Pick<ComparisonRow, "key" | "metric" | "unit"> {
  return { key: b.key, metric: b.metric, unit: b.unit };
}

/** Allocation, tier and the head's measurement warning, where the results carry them. */
function annotate(
  row: ComparisonRow,
  b: BenchResult | undefined,
  h: BenchResult | undefined,
): ComparisonRow {
  const bytes = (x: BenchResult | undefined) =>
    x === undefined ? undefined : profileOf(x)?.bytesPerOp;
  if (bytes(b) !== undefined || bytes(h) !== undefined) {
    row.bytesPerOp = [bytes(b), bytes(h)];
  }
  const tier = h === undefined ? undefined : profileOf(h)?.tier;
  if (tier !== undefined && tier !== "") row.tier = tier;
  const warning = h === undefined ? undefined : warningOf(h);
  if (warning !== undefined) {
    row.flags.push(`head: ${warning}`);
  }
  return row;
}

function medianOf(b: BenchResult): number {
  return median(sortSamples(b.replicates));
}

function compareBench(
  b: BenchResult,
  h: BenchResult,
  o: { alpha: number; noise: number; resamples: number; seed: number },
): ComparisonRow {
  const bs = sortSamples(b.replicates);
  const hs = sortSamples(h.replicates);
  const baseMedian = median(bs);
  const headMedian = median(hs);
  const flags: string[] = [];
  if (h.unit !== b.unit) flags.push(`unit changed (${b.unit} -> ${h.unit})`);
  const deterministic = DETERMINISTIC_METRICS.has(b.metric);
  const minP = minimumPValue(bs.length, hs.length);
  if (deterministic) {
    for (const [label, s] of [["base", bs], ["head", hs]] as const) {
      const spread = s[0] > 0 ? s[s.length - 1] / s[0] - 1 : 0;
      if (spread > DETERMINISTIC_MAX_SPREAD) {
        flags.push(
          `not repeatable (replicates differ by ${
            (spread * 100).toPrecision(2)
          }%, ${label})`,
        );
      }
    }
  } else if (minP >= o.alpha) {
    flags.push(
      `too few replicates (${bs.length} vs ${hs.length}: smallest p ${
        minP.toPrecision(2)
      } >= alpha ${o.alpha})`,
    );
  }
  for (const [label, s] of [["base", bs], ["head", hs]] as const) {
    if (isBimodal(s)) flags.push(`bimodal (${label})`);
    const cv = coefficientOfVariation(s);
    if (cv > HIGH_SPREAD_CV) {
      flags.push(`high-spread (cv ${(cv * 100).toFixed(0)}%, ${label})`);
    }
  }
  if (bs[0] <= 0) {
    // A zero base replicate (e.g. 0 instructions) has no ratio; only the test can speak.
    const p = mannWhitneyU(bs, hs).p;
    flags.push("zero in base: no ratio");
    return {
      ...identity(b),
      verdict: "unchanged",
      base: baseMedian,
      head: headMedian,
      pValue: p,
      flags,
      replicates: [bs.length, hs.length],
      headRange: [hs[0], hs[hs.length - 1]],
    };
  }
  const ratio = headMedian / baseMedian;
  const repeatable = !flags.some((f) => f.startsWith("not repeatable"));
  if (deterministic && repeatable) {
    // The replicates repeat, so the change is exact: no test, no interval,
    // the band alone decides.
    return {
      ...identity(b),
      verdict: ratio > 1 + o.noise
        ? "regressed"
        : ratio < 1 - o.noise
        ? "improved"
        : "unchanged",
      base: baseMedian,
      head: headMedian,
      ratio,
      flags,
      replicates: [bs.length, hs.length],
      headRange: [hs[0], hs[hs.length - 1]],
    };
  }
  for (const [label, s] of [["base", bs], ["head", hs]] as const) {
    if (s.length > BOOTSTRAP_MAX_SAMPLE) {
      flags.push(
        `interval on ${BOOTSTRAP_MAX_SAMPLE} of ${s.length} replicates (${label})`,
      );
    }
  }
  const ci = bootstrapRatioCi(bs, hs, {
    resamples: o.resamples,
    seed: mixSeed(o.seed, b.key),
  });
  const p = mannWhitneyU(bs, hs).p;
  const significant = p < o.alpha;
  let verdict: Verdict = "unchanged";
  if (significant && ci[0] > 1 + o.noise) verdict = "regressed";
  else if (significant && ci[1] < 1 - o.noise) verdict = "improved";
  return {
    ...identity(b),
    verdict,
    base: baseMedian,
    head: headMedian,
    ratio,
    ci,
    pValue: p,
    flags,
    replicates: [bs.length, hs.length],
    headRange: [hs[0], hs[hs.length - 1]],
  };
}

/**
 * Why two results with no (bench, metric) in common cannot be compared,
 * when they do share bench keys: they hold different metrics (e.g. a time
 * result and an instruction result of the same suite). Undefined when they
 * share no key either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { differentMetrics } from "./compare.ts";
 * import { type ResultFile, resultOf } from "../result/result.ts";
 *
 * const result = (metric: string): ResultFile =>
 *   resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric, unit: "x", opsPerCall: 1, replicates: [1] }]);
 * assert.match(differentMetrics(result("time"), result("instructions"))!, /hold different metrics/);
 * assert.equal(differentMetrics(result("time"), result("time")), undefined);
 * ```
 */
export function differentMetrics(
  base: ResultFile,
  head: ResultFile,
  names: { baseName?: string; headName?: string } = {},
): string | undefined {
  const baseName = names.baseName ?? "base";
  const headName = names.headName ?? "head";
  const headKeys = new Set(head.benches.map((b) => b.key));
  const sharedKeys = new Set(
    base.benches.filter((b) => headKeys.has(b.key)).map((b) => b.key),
  );
  const headIds = new Set(head.benches.map((b) => `${b.key}\u0000${b.metric}`));
  if (
    sharedKeys.size === 0 ||
    base.benches.some((b) => headIds.has(`${b.key}\u0000${b.metric}`))
  ) {
    return undefined;
  }
  const metrics = (r: ResultFile) =>
    [...new Set(r.benches.map((b) => b.metric))].sort().join(", ");
  return `Cannot compare '${baseName}' with '${headName}' as they hold different metrics: '${baseName}' has ${
    metrics(base)
  } and '${headName}' has ${
    metrics(head)
  } for the same ${sharedKeys.size} bench${
    sharedKeys.size === 1 ? "" : "es"
  }; compare results of one metric (pmubench run --metric)`;
}

/** FNV-1a of the key folded into the seed: one independent, stable stream per bench. */
function mixSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

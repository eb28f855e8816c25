/**
 * Statistics for comparing benchmark replicates: small pure functions over
 * typed inputs.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode SortedSamples}, {@linkcode assertSortedSamples}, {@linkcode sortSamples} | finite, non-empty, ascending samples (a branded type) |
 * | {@linkcode quantile}, {@linkcode median} | order statistics (linear interpolation, R type 7) |
 * | {@linkcode mean}, {@linkcode standardDeviation}, {@linkcode coefficientOfVariation} | moments |
 * | {@linkcode bootstrapRatioCi}, {@linkcode thinSamples} | percentile bootstrap CI of `median(head) / median(base)`, on at most {@linkcode BOOTSTRAP_MAX_SAMPLE} values a side |
 * | {@linkcode maxOf}, {@linkcode minOf} | extremes of any number of values (no argument spread) |
 * | {@linkcode mannWhitneyU} | two-sided Mann-Whitney U test, exact or normal approximation |
 * | {@linkcode minimumPValue} | the smallest two-sided p an exact test of `m` vs `n` can reach |
 * | {@linkcode isBimodal} | the gap rule that flags replicates falling into two clusters |
 * | {@linkcode studentTTwoSidedP}, {@linkcode studentTQuantile} | Student's t distribution, for judging whole runs as units |
 *
 * Why medians: a replicate is one process's mean, and an occasional process
 * lands on a bad JIT decision or a noisy neighbour; the median ignores one
 * such process where the mean is dragged along. The rank-based Mann-Whitney
 * test shares that robustness, so the interval and the test agree on what
 * "typical" means.
 *
 * @module
 */

import { createRng } from "../../common/prng.ts";

/** Confidence level of {@linkcode bootstrapRatioCi}. */
export const CI_LEVEL = 0.95;
/** Bootstrap resamples when none are given. */
export const DEFAULT_RESAMPLES = 10_000;
/**
 * {@linkcode bootstrapRatioCi} resamples at most this many values a side:
 * a larger sample is first thinned to this many evenly spaced order
 * statistics ({@linkcode thinSamples}), so the cost is at most
 * `resamples * 2 * BOOTSTRAP_MAX_SAMPLE` draws however many replicates
 * there are. The interval then reflects this many replicates, not all of
 * them: wider, never narrower, so it errs toward "unchanged".
 */
export const BOOTSTRAP_MAX_SAMPLE = 1_000;
/**
 * {@linkcode mannWhitneyU} uses the exact permutation distribution up to
 * this many samples in total (`m + n`), the normal approximation above.
 */
export const EXACT_MAX_TOTAL = 50;
/** {@linkcode isBimodal}: the largest gap must exceed this many times the wider cluster's range. */
export const BIMODAL_GAP_FACTOR = 3;
/** {@linkcode isBimodal}: the largest gap must also exceed this fraction of the median. */
export const BIMODAL_MIN_GAP = 0.02;
/** {@linkcode isBimodal}: each cluster needs at least this many samples (a lone outlier is not a mode). */
export const BIMODAL_MIN_CLUSTER = 2;

/** Finite numbers in ascending order, at least one; established by {@linkcode assertSortedSamples}. */
export type SortedSamples = readonly number[] & {
  /** Type-level brand only; never present at run time. */
  readonly __sortedSamples: true;
};

/**
 * Check that `xs` is non-empty, finite and ascending, and brand it.
 *
 * @throws {RangeError} when `xs` is empty, holds a non-finite value, or is not ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertSortedSamples, median } from "./stats.ts";
 *
 * const xs = [1, 2, 4];
 * assertSortedSamples(xs);
 * assert(median(xs) === 2);
 * ```
 */
export function assertSortedSamples(
  xs: readonly number[],
): asserts xs is SortedSamples {
  if (xs.length === 0) {
    throw new RangeError(
      "Cannot use samples as they must hold at least one value: current length is 0",
    );
  }
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) {
      throw new RangeError(
        `Cannot use samples as every value must be finite: samples[${i}] is ${
          xs[i]
        }`,
      );
    }
    if (i > 0 && xs[i] < xs[i - 1]) {
      throw new RangeError(
        `Cannot use samples as they must be ascending: samples[${i}] = ${
          xs[i]
        } < samples[${i - 1}] = ${xs[i - 1]}`,
      );
    }
  }
}

/**
 * A sorted copy of `xs`, branded.
 *
 * @throws {RangeError} as {@linkcode assertSortedSamples}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortSamples } from "./stats.ts";
 *
 * assert(sortSamples([3, 1, 2]).join() === "1,2,3");
 * ```
 */
export function sortSamples(xs: readonly number[]): SortedSamples {
  const s = [...xs].sort((a, b) => a - b);
  assertSortedSamples(s);
  return s;
}

/**
 * The `q` quantile by linear interpolation between order statistics (R's
 * default, type 7).
 *
 * @throws {RangeError} when `q` is outside [0, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantile, sortSamples } from "./stats.ts";
 *
 * assert(quantile(sortSamples([10, 20, 30, 40]), 0.5) === 25);
 * ```
 */
export function quantile(s: SortedSamples, q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(
      `Cannot take quantile as 'q' must be in [0, 1]: current value is ${q}`,
    );
  }
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/**
 * The median (middle value, or mean of the two middle values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { median, sortSamples } from "./stats.ts";
 *
 * assert(median(sortSamples([5, 1, 3, 100])) === 4);
 * ```
 */
export function median(s: SortedSamples): number {
  const n = s.length;
  const m = n >> 1;
  return n % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The largest value, `-Infinity` for none: `Math.max(...xs)` without
 * spreading `xs` into arguments, which overflows the stack past about
 * 100,000 values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxOf } from "./stats.ts";
 *
 * assert.equal(maxOf([3, 9, 1]), 9);
 * assert.equal(maxOf(new Array(200_000).fill(1)), 1);
 * assert.equal(maxOf([]), -Infinity);
 * ```
 */
export function maxOf(xs: Iterable<number>): number {
  let max = -Infinity;
  for (const x of xs) if (x > max || Number.isNaN(x)) max = x;
  return max;
}

/**
 * The smallest value, `Infinity` for none; see {@linkcode maxOf}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minOf } from "./stats.ts";
 *
 * assert.equal(minOf([3, 9, 1]), 1);
 * assert.equal(minOf([]), Infinity);
 * ```
 */
export function minOf(xs: Iterable<number>): number {
  let min = Infinity;
  for (const x of xs) if (x < min || Number.isNaN(x)) min = x;
  return min;
}

/**
 * At most `max` evenly spaced order statistics of `s` (both extremes kept,
 * the rest at quantiles `i / (max - 1)`), or `s` itself when it is no
 * larger: the sample {@linkcode bootstrapRatioCi} resamples.
 *
 * @throws {RangeError} when `max` is not an integer of at least 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sortSamples, thinSamples } from "./stats.ts";
 *
 * const s = sortSamples(Array.from({ length: 101 }, (_, i) => i));
 * assert.deepEqual(thinSamples(s, 5), [0, 25, 50, 75, 100]);
 * assert.equal(thinSamples(s, 1000), s);
 * ```
 */
export function thinSamples(
  s: SortedSamples,
  max: number = BOOTSTRAP_MAX_SAMPLE,
): SortedSamples {
  if (!Number.isInteger(max) || max < 2) {
    throw new RangeError(
      `Cannot thin samples as 'max' must be an integer >= 2: current value is ${max}`,
    );
  }
  if (s.length <= max) return s;
  const out: number[] = new Array(max);
  for (let i = 0; i < max; i++) out[i] = quantile(s, i / (max - 1));
  // Interpolated quantiles of ascending values are ascending.
  return out as unknown as SortedSamples;
}

/**
 * The arithmetic mean.
 *
 * @throws {RangeError} when `xs` is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mean } from "./stats.ts";
 *
 * assert(mean([1, 2, 6]) === 3);
 * ```
 */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) {
    throw new RangeError(
      "Cannot take the mean as 'xs' must hold at least one value: current length is 0",
    );
  }
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/**
 * The sample standard deviation (divisor `n - 1`); 0 for one value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { standardDeviation } from "./stats.ts";
 *
 * assert(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]).toFixed(4) === "2.1381");
 * ```
 */
export function standardDeviation(xs: readonly number[]): number {
  const m = mean(xs);
  if (xs.length < 2) return 0;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Coefficient of variation: standard deviation over mean (0 when the mean is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coefficientOfVariation } from "./stats.ts";
 *
 * assert(coefficientOfVariation([9, 11]).toFixed(4) === "0.1414");
 * ```
 */
export function coefficientOfVariation(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 ? 0 : standardDeviation(xs) / Math.abs(m);
}

/** Options of {@linkcode bootstrapRatioCi}. */
export interface BootstrapOptions {
  /** Resamples drawn. @default {DEFAULT_RESAMPLES} */
  resamples?: number;
  /** PRNG seed. @default 1 */
  seed?: number;
  /** Confidence level. @default {CI_LEVEL} */
  level?: number;
}

/**
 * Percentile bootstrap confidence interval of `median(head) / median(base)`:
 * both sides are resampled with replacement, independently, `resamples`
 * times. Deterministic for a given seed. A side of more than
 * {@linkcode BOOTSTRAP_MAX_SAMPLE} values is thinned to that many first,
 * so the cost stays linear in `resamples` however large the samples.
 *
 * With few replicates the bootstrap distribution of a median is discrete
 * (it can only take sample values), so the interval is coarse and on the
 * wide side; that errs toward "unchanged", never toward a false alarm.
 *
 * @throws {RangeError} when `resamples` is not a positive integer, `level`
 * is outside (0, 1), or a median of `base` is 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapRatioCi, sortSamples } from "./stats.ts";
 *
 * const base = sortSamples([100, 101, 99, 100, 102]);
 * const head = sortSamples([110, 111, 109, 110, 112]);
 * const [lo, hi] = bootstrapRatioCi(base, head, { seed: 1 });
 * assert(lo > 1.05 && hi < 1.15);
 * ```
 */
export function bootstrapRatioCi(
  base: SortedSamples,
  head: SortedSamples,
  options: BootstrapOptions = {},
): [number, number] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? CI_LEVEL;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(
      `Cannot bootstrap as 'resamples' must be a positive integer: current value is ${resamples}`,
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new RangeError(
      `Cannot bootstrap as 'level' must be in (0, 1): current value is ${level}`,
    );
  }
  if (base[0] <= 0) {
    throw new RangeError(
      `Cannot bootstrap a ratio as every base sample must be positive: smallest is ${
        base[0]
      }`,
    );
  }
  const rng = createRng(options.seed ?? 1);
  const ratios = new Float64Array(resamples);
  const b = thinSamples(base);
  const h = thinSamples(head);
  const bs = new Float64Array(b.length);
  const hs = new Float64Array(h.length);
  for (let r = 0; r < resamples; r++) {
    ratios[r] = resampledMedian(h, hs, rng) / resampledMedian(b, bs, rng);
  }
  ratios.sort();
  const s = Array.from(ratios);
  assertSortedSamples(s);
  const tail = (1 - level) / 2;
  return [quantile(s, tail), quantile(s, 1 - tail)];
}

function resampledMedian(
  from: SortedSamples,
  scratch: Float64Array,
  rng: () => number,
): number {
  const n = from.length;
  for (let i = 0; i < n; i++) scratch[i] = from[Math.floor(rng() * n)];
  // Selection, not a sort: linear in the (thinned) sample.
  const m = n >> 1;
  selectInPlace(scratch, m);
  if (n % 2 === 1) return scratch[m];
  let below = scratch[0];
  for (let i = 1; i < m; i++) if (scratch[i] > below) below = scratch[i];
  return (below + scratch[m]) / 2;
}

/**
 * Reorder `a` so that `a[k]` is its k-th smallest value, everything before
 * it no larger and everything after it no smaller (Hoare's quickselect
 * with a median-of-three pivot; expected linear time).
 */
function selectInPlace(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot, which also guards sorted input.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Result of {@linkcode mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U statistic of the first sample: pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** Which distribution gave `p`. */
  method: "exact" | "normal";
}

/** Options of {@linkcode mannWhitneyU}. */
export interface MannWhitneyOptions {
  /**
   * `"exact"`: the permutation distribution of the rank sum given the
   * observed ties (exact with or without ties); `"normal"`: the normal
   * approximation with tie and continuity correction; `"auto"`: exact up
   * to {@linkcode EXACT_MAX_TOTAL} samples in total.
   *
   * @default {"auto"}
   */
  method?: "auto" | "exact" | "normal";
}

/**
 * Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of whether `x` and `y`
 * come from the same distribution.
 *
 * Small samples matter here: with 5 replicates a side there are only
 * C(10, 5) = 252 equally likely orderings, so the smallest two-sided p is
 * 2/252 = 0.0079. That is below alpha 0.01, so 5 replicates *can* detect a
 * change at 0.01, but only when all five head replicates lie beyond all
 * five base replicates; 4 a side (smallest p 2/70 = 0.029) never can.
 *
 * @throws {RangeError} when either sample is empty or holds a non-finite value.
 *
 * @example Total separation of 5 vs 5
 * ```ts
 * import assert from "node:assert/strict";
 * import { mannWhitneyU } from "./stats.ts";
 *
 * const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
 * assert(r.u === 0 && r.method === "exact");
 * assert(Math.abs(r.p - 2 / 252) < 1e-12);
 * ```
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  for (const [label, s] of [["x", x], ["y", y]] as const) {
    if (s.length === 0) {
      throw new RangeError(
        `Cannot run the Mann-Whitney U test as '${label}' must hold at least one value: current length is 0`,
      );
    }
    const bad = s.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new RangeError(
        `Cannot run the Mann-Whitney U test as every value must be finite: ${label}[${bad}] is ${
          s[bad]
        }`,
      );
    }
  }
  const m = x.length;
  const n = y.length;
  const { ranks, tieGroups } = midranks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < m; i++) rankSumX += ranks[i];
  const u = rankSumX - (m * (m + 1)) / 2;
  const method = options.method ?? "auto";
  const exact = method === "exact" ||
    (method === "auto" && m + n <= EXACT_MAX_TOTAL);
  if (exact) return { u, p: exactPValue(ranks, m, rankSumX), method: "exact" };
  return { u, p: normalPValue(u, m, n, tieGroups), method: "normal" };
}

/**
 * The smallest two-sided p-value an exact Mann-Whitney test of `m` vs `n`
 * samples without ties can produce: `2 / C(m + n, m)`, capped at 1. When it
 * exceeds alpha, no amount of change can be called significant.
 *
 * @throws {RangeError} when `m` or `n` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minimumPValue } from "./stats.ts";
 *
 * assert(Math.abs(minimumPValue(5, 5) - 2 / 252) < 1e-15);
 * assert(minimumPValue(4, 4) > 0.01);
 * ```
 */
export function minimumPValue(m: number, n: number): number {
  for (const [label, v] of [["m", m], ["n", n]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `Cannot compute the minimum p-value as '${label}' must be a positive integer: current value is ${v}`,
      );
    }
  }
  // C(m+n, m) built as a running product stays exact far beyond any replicate count.
  let c = 1;
  for (let i = 1; i <= m; i++) c = (c * (n + i)) / i;
  return Math.min(1, 2 / c);
}

/**
 * Whether samples fall into two clusters, by the gap rule: split the
 * sorted samples at their largest gap; call them bimodal when each side
 * holds at least {@linkcode BIMODAL_MIN_CLUSTER} samples, the gap exceeds
 * {@linkcode BIMODAL_GAP_FACTOR} times the wider side's range, and the gap
 * exceeds {@linkcode BIMODAL_MIN_GAP} of the median. Moment-based tests
 * (e.g. the bimodality coefficient) need far more than 5 samples to mean
 * anything; a gap is visible with 4.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBimodal, sortSamples } from "./stats.ts";
 *
 * assert(isBimodal(sortSamples([10, 10.1, 10.2, 15, 15.1])));
 * assert(!isBimodal(sortSamples([10, 10.1, 10.2, 10.3, 15])));
 * ```
 */
export function isBimodal(s: SortedSamples): boolean {
  const n = s.length;
  if (n < 2 * BIMODAL_MIN_CLUSTER) return false;
  let split = -1;
  let gap = -1;
  for (let i = BIMODAL_MIN_CLUSTER; i <= n - BIMODAL_MIN_CLUSTER; i++) {
    const g = s[i] - s[i - 1];
    if (g > gap) {
      gap = g;
      split = i;
    }
  }
  // The split must be at the overall largest gap, not just the largest allowed one,
  // or a lone outlier beside a mild gap would pass.
  for (let i = 1; i < n; i++) if (s[i] - s[i - 1] > gap) return false;
  const spread = Math.max(s[split - 1] - s[0], s[n - 1] - s[split]);
  return gap > BIMODAL_GAP_FACTOR * spread &&
    gap > BIMODAL_MIN_GAP * Math.abs(median(s));
}

/**
 * The standard normal cumulative distribution function (fractional error
 * below 1.2e-7, Numerical Recipes' Chebyshev fit of erfc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalCdf } from "./stats.ts";
 *
 * assert(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
 * ```
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(
    -z * z - 1.26551223 +
      t * (1.00002368 +
          t * (0.37409196 +
              t * (0.09678418 +
                  t * (-0.18628806 +
                      t * (0.27886807 +
                          t * (-1.13520398 +
                              t *
                                (1.48851587 +
                                  t * (-0.82215223 + t * 0.17087277)))))))),
  );
  return x >= 0 ? r : 2 - r;
}

function midranks(
  values: readonly number[],
): { ranks: number[]; tieGroups: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  const tieGroups: number[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) {
      j++;
    }
    const rank = (i + j + 2) / 2; // 1-based mean of positions i..j
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieGroups };
}

/**
 * Two-sided p of the rank sum of `m` samples drawn without replacement
 * from `ranks`: count, for every subset size and (doubled, so midranks
 * are integers) rank sum, the subsets reaching it.
 */
function exactPValue(
  ranks: readonly number[],
  m: number,
  observedSum: number,
): number {
  const doubled = ranks.map((r) => Math.round(2 * r));
  const obs = Math.round(2 * observedSum);
  const untied = doubled.every((r) => r % 2 === 0) &&
    new Set(doubled).size === doubled.length;
  const cacheKey = `${m},${ranks.length}`;
  const dist = untied
    ? (untiedDistributions.get(cacheKey) ?? rankSumCounts(doubled, m))
    : rankSumCounts(doubled, m);
  if (untied) untiedDistributions.set(cacheKey, dist);
  let all = 0;
  let le = 0;
  let ge = 0;
  for (let s = 0; s < dist.length; s++) {
    all += dist[s];
    if (s <= obs) le += dist[s];
    if (s >= obs) ge += dist[s];
  }
  return Math.min(1, (2 * Math.min(le, ge)) / all);
}

// Without ties the null distribution depends only on (m, m + n): simulations
// and wide suites reuse it.
const untiedDistributions = new Map<string, Float64Array>();

function rankSumCounts(doubled: readonly number[], m: number): Float64Array {
  const total = doubled.reduce((a, b) => a + b, 0);
  // counts[k][s]: subsets of size k with doubled rank sum s.
  const counts: Float64Array[] = [];
  for (let k = 0; k <= m; k++) counts.push(new Float64Array(total + 1));
  counts[0][0] = 1;
  for (const r of doubled) {
    for (let k = m; k >= 1; k--) {
      const to = counts[k];
      const from = counts[k - 1];
      for (let s = total; s >= r; s--) to[s] += from[s - r];
    }
  }
  return counts[m];
}

function normalPValue(
  u: number,
  m: number,
  n: number,
  tieGroups: readonly number[],
): number {
  const big = m + n;
  const mu = (m * n) / 2;
  let tieSum = 0;
  for (const t of tieGroups) tieSum += t * t * t - t;
  const variance = ((m * n) / 12) *
    (big + 1 - tieSum / (big * (big - 1)));
  if (variance <= 0) return 1; // every value tied: no evidence of a difference
  const d = Math.abs(u - mu);
  const z = Math.max(0, d - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * (1 - normalCdf(z)));
}

/** Confidence level the median intervals aim for. */
export const INTERVAL_LEVEL = 0.95;
/** The median of some replicates and an interval around it. */
export interface MedianInterval {
  /** The median. */
  median: number;
  /** Lower end. */
  lo: number;
  /** Upper end. */
  hi: number;
  /**
   * The probability that `[lo, hi]` covers the true median (exact, from
   * the binomial distribution of order statistics); below the level asked
   * for when there are too few replicates, 0 for one replicate.
   */
  coverage: number;
  /** Replicates. */
  n: number;
}

/**
 * The median of `replicates` and the narrowest symmetric pair of order
 * statistics `[x(j), x(n+1-j)]` whose coverage of the true median is at
 * least `level`. That needs 6 replicates for 95%; with fewer the interval
 * is the full range and `coverage` says how much less than `level` it
 * holds (5 replicates: 93.75%).
 *
 * Why order statistics: replicates are few and skewed (a process that hit
 * a bad JIT decision), so an interval that assumes normality would be both
 * wrong and too narrow.
 *
 * @throws {RangeError} when `replicates` is empty or `level` is outside (0, 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { medianInterval } from "./stats.ts";
 *
 * const m = medianInterval([5, 1, 4, 2, 3]);
 * assert.deepEqual(m, { median: 3, lo: 1, hi: 5, coverage: 0.9375, n: 5 });
 * const w = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
 * assert.equal(w.lo, 2);
 * assert.equal(w.hi, 9);
 * assert.ok(w.coverage > 0.95);
 * ```
 */
export function medianInterval(
  replicates: readonly number[],
  level: number = INTERVAL_LEVEL,
): MedianInterval {
  const n = replicates.length;
  if (n === 0) {
    throw new RangeError(
      "Cannot take a median interval as 'replicates' must hold at least one value: current length is 0",
    );
  }
  if (!(level > 0 && level < 1)) {
    throw new RangeError(
      `Cannot take a median interval as 'level' must be in (0, 1): current value is ${level}`,
    );
  }
  const s = [...replicates].sort((a, b) => a - b);
  const mid = n >> 1;
  const median = n % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  if (n === 1) return { median, lo: s[0], hi: s[0], coverage: 0, n };
  // coverage(j) = P(j <= B <= n - j), B ~ Binomial(n, 1/2); 1-based ranks.
  const cdf: number[] = [];
  let acc = 0;
  let term = 0.5 ** n; // P(B = 0)
  for (let i = 0; i <= n; i++) {
    acc += term;
    cdf.push(acc);
    term = (term * (n - i)) / (i + 1);
  }
  const coverage = (j: number) => 1 - 2 * cdf[j - 1];
  let j = 1;
  while (j + 1 <= n + 1 - (j + 1) && coverage(j + 1) >= level) j++;
  return { median, lo: s[j - 1], hi: s[n - j], coverage: coverage(j), n };
}

/**
 * The two-sided p-value of Student's t statistic `t` with `df` degrees of
 * freedom: `P(|T| >= |t|)`, from the regularized incomplete beta function
 * `I_{df/(df+t^2)}(df/2, 1/2)` (continued fraction, relative error about
 * 1e-12).
 *
 * @throws {RangeError} when `df` is not positive or `t` is NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studentTTwoSidedP } from "./stats.ts";
 *
 * assert(Math.abs(studentTTwoSidedP(4.302653, 2) - 0.05) < 1e-6);
 * assert.equal(studentTTwoSidedP(0, 3), 1);
 * ```
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0) || Number.isNaN(t)) {
    throw new RangeError(
      `Cannot compute a t p-value as 'df' must be positive and 't' a number: current values are ${df}, ${t}`,
    );
  }
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The `t` with `studentTTwoSidedP(t, df) === p`: the half-width, in
 * standard errors, of a two-sided interval of level `1 - p` (e.g.
 * `p = 0.05`, `df = 2` gives 4.303). Found by bisection.
 *
 * @throws {RangeError} when `p` is outside (0, 1) or `df` is not positive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { studentTQuantile } from "./stats.ts";
 *
 * assert(Math.abs(studentTQuantile(0.05, 2) - 4.302653) < 1e-5);
 * assert(Math.abs(studentTQuantile(0.05, 1e6) - 1.959966) < 1e-4);
 * ```
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new RangeError(
      `Cannot compute a t quantile as 'p' must be in (0, 1) and 'df' positive: current values are ${p}, ${df}`,
    );
  }
  let lo = 0;
  let hi = 1;
  while (studentTTwoSidedP(hi, df) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSidedP(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularized incomplete beta `I_x(a, b)` (Numerical Recipes' betai). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) +
      b * Math.log(1 - x),
  );
  return x < (a + 1) / (a + b + 2)
    ? front * betaContinuedFraction(x, a, b) / a
    : 1 - front * betaContinuedFraction(1 - x, b, a) / b;
}

/** Lentz's continued fraction for the incomplete beta function. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const clamp = (v: number) => Math.abs(v) < tiny ? tiny : v;
  let c = 1;
  let d = 1 / clamp(1 - (a + b) * x / (a + 1));
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
    d = 1 / clamp(1 + aa * d);
    c = clamp(1 + aa / c);
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
    d = 1 / clamp(1 + aa * d);
    c = clamp(1 + aa / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** `ln Gamma(x)` for x > 0 (Lanczos, g = 7, 9 terms; relative error about 1e-15). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) -
      logGamma(1 - x);
  }
  x -= 1;
  let s = g[0];
  for (let i = 1; i < 9; i++) s += g[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t +
    Math.log(s);
}

/**
 * Paired A/B timing: base and head of one case loaded into the same
 * process and timed alternately in short slices, so machine noise hits
 * both alike; processes are the replicates.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode measurePair}, {@linkcode PairMeasurement} | one process: base and head alternating, its paired log-ratio |
 * | {@linkcode comparePaired}, {@linkcode PairedComparison}, {@linkcode PairedOptions} | the sequential design over processes and its verdict |
 * | {@linkcode pairedLook}, {@linkcode PairedLook} | the interval and verdict after some processes |
 * | {@linkcode PAIRED_DEFAULTS} | the design's defaults |
 *
 * The design (fixed in advance, so its error rate is known): processes are
 * run in pairs, the first of a pair importing and warming the base first,
 * the second the head first (a seeded coin picks which comes first); each
 * process times `blocks` blocks of four slices, A B B A or B A A B (a
 * seeded coin per process), and reduces them to one figure,
 * `ln(least head slice / least base slice)`: both minima come from the same
 * interleaved stretch of time, and preemption only ever adds to a slice.
 * (The median of the blocks' own ratios was tried first: on this machine
 * under a load of 15, one block's ratio ranged -120% to +150% between the
 * 10th and 90th percentile, while the minima's ratio of six processes of a
 * true +5% change read 4.97% to 5.30%.) After every pair, from `minProcesses` on,
 * up to `maxProcesses`, is a look: a one-sample t interval on the
 * per-process figures at level `1 - alpha / looks` (Bonferroni over the
 * looks planned, so the chance that any look flags an A/A comparison is at
 * most `alpha`). The run stops at the first look whose interval lies
 * within `+-equivalence` (unchanged, even if it excludes 0: a difference
 * that small is not one to act on) or else excludes 0 (regressed or
 * improved), or when the time budget would be exceeded by one more pair
 * (undecided; the interval is reported as it stands).
 *
 * @module
 */

import type { CaseRef } from "../suite/load_suite.ts";
import {
  harnessArgsFor,
  spawnHarness,
  type SpawnHarnessOptions,
} from "./harness/harness_process.ts";
import { TIME_WARMUP_CALLS } from "./measure_case.ts";
import { mean, standardDeviation, studentTQuantile } from "../judge/stats.ts";

/**
 * The paired design's defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAIRED_DEFAULTS } from "./paired.ts";
 *
 * assert.equal(PAIRED_DEFAULTS.alpha, 0.05);
 * ```
 */
export const PAIRED_DEFAULTS: Readonly<{
  blocks: number;
  minProcesses: number;
  maxProcesses: number;
  alpha: number;
  equivalence: number;
  seconds: number;
}> = Object.freeze({
  /** Blocks of four slices per process. */
  blocks: 100,
  /** The first look is after this many processes. */
  minProcesses: 4,
  /** The last look; looks are after every pair from `minProcesses`. */
  maxProcesses: 20,
  /** Chance that an A/A comparison is flagged, over all looks. */
  alpha: 0.05,
  /** Stop as unchanged when the interval lies within this (log-ratio, about a fraction). */
  equivalence: 0.02,
  /** Time budget per case, seconds. */
  seconds: 60,
});

/** What one paired process measured. */
export interface PairMeasurement {
  /**
   * The process's figure: `ln(headMinNs / baseMinNs)`, the least slice of
   * each side, both taken over the same interleaved stretch of time.
   */
  logRatio: number;
  /** Every block's `ln(head / base)`. */
  blockLogRatios: number[];
  /** Calls per slice. */
  batch: number;
  /** The least base slice and the least head slice, ns per operation. */
  baseMinNs: number;
  /** See {@linkcode PairMeasurement.baseMinNs}. */
  headMinNs: number;
  /** Which revision the process imported and warmed first. */
  first: "base" | "head";
  /** Which slice every block started with. */
  start: "base" | "head";
}

/** Options of {@linkcode measurePair}. */
export interface MeasurePairOptions extends SpawnHarnessOptions {
  /** Blocks of four slices. @default {PAIRED_DEFAULTS.blocks} */
  blocks?: number;
  /** Calls per slice instead of calibrating. @default {undefined} */
  batch?: number;
  /** Which revision is imported and warmed first. @default {"base"} */
  first?: "base" | "head";
  /** Which slice every block starts with. @default {"base"} */
  start?: "base" | "head";
}

/**
 * Time `base` against `head` (the same case from two trees) in one fresh
 * harness process (`paired` mode): both modules imported as distinct
 * instances, then alternating slices.
 *
 * @throws {RangeError} when the two refs name different cases.
 * @throws {HarnessProcessError} when the process fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurePair } from "./paired.ts";
 * import { loadCases } from "../suite/load_suite.ts";
 *
 * const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
 * for (const d of dirs) {
 *   await Deno.writeTextFile(`${d}/s_bench.ts`,
 *     'let s = 0; Deno.bench("sum", () => { for (let i = 0; i < 100; i++) s += i; });');
 * }
 * const [a] = await loadCases(dirs[0], ["s_bench.ts"]);
 * const [b] = await loadCases(dirs[1], ["s_bench.ts"]);
 * const m = await measurePair(a, b, { blocks: 5 });
 * assert.equal(m.blockLogRatios.length, 5);
 * assert(Number.isFinite(m.logRatio));
 * for (const d of dirs) await Deno.remove(d, { recursive: true });
 * ```
 */
export async function measurePair(
  base: CaseRef,
  head: CaseRef,
  options: MeasurePairOptions = {},
): Promise<PairMeasurement> {
  if (
    base.case.group !== head.case.group || base.case.name !== head.case.name
  ) {
    throw new RangeError(
      `Cannot pair two cases as they must be the same case: current values are '${base.case.group}/${base.case.name}' and '${head.case.group}/${head.case.name}'`,
    );
  }
  const { report } = await spawnHarness({
    ...harnessArgsFor(base),
    headModule: head.module,
    calls: options.blocks ?? PAIRED_DEFAULTS.blocks,
    warmup: TIME_WARMUP_CALLS,
    mode: "paired",
    first: options.first ?? "base",
    start: options.start ?? "base",
    ...(options.batch === undefined ? {} : { batch: options.batch }),
  }, options);
  const p = report.paired!;
  const ops = base.case.opsPerCall;
  const baseMinNs = Math.min(...p.baseNs) / ops;
  const headMinNs = Math.min(...p.headNs) / ops;
  return {
    logRatio: Math.log(headMinNs / baseMinNs),
    blockLogRatios: p.logRatios,
    batch: p.batch,
    baseMinNs,
    headMinNs,
    first: p.first,
    start: p.start,
  };
}

/** The verdict of a paired comparison. */
export type PairedVerdict =
  | "regressed"
  | "improved"
  | "unchanged"
  | "undecided";

/** The state after some processes ({@linkcode pairedLook}). */
export interface PairedLook {
  /** Processes so far. */
  processes: number;
  /** Mean per-process `ln(head / base)`. */
  logRatio: number;
  /** The interval on it at level `1 - alpha / looks`. */
  low: number;
  /** See {@linkcode PairedLook.low}. */
  high: number;
  /** Standard error of the mean. */
  standardError: number;
  /** `"undecided"` when this look decides nothing. */
  verdict: PairedVerdict;
  /**
   * The smallest change (log-ratio) this many processes detect with 80%
   * power at the spread seen: `(t(alpha/looks) + t(0.2, one-sided)) * se`.
   */
  detectable: number;
}

/**
 * How many looks the design plans: after every pair from `minProcesses` to
 * `maxProcesses` (the Bonferroni divisor of alpha).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plannedLooks } from "./paired.ts";
 *
 * assert.equal(plannedLooks(4, 20), 9); // after 4, 6, ..., 20 processes
 * ```
 */
export function plannedLooks(
  minProcesses: number,
  maxProcesses: number,
): number {
  return Math.floor((maxProcesses - minProcesses) / 2) + 1;
}

/**
 * The interval and verdict after the processes' figures `logRatios` (see
 * the module doc for the rule).
 *
 * @throws {RangeError} when there are fewer than two figures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairedLook } from "./paired.ts";
 *
 * const up = pairedLook([0.2, 0.21, 0.19, 0.2], { alpha: 0.05, looks: 9, equivalence: 0.02 });
 * assert.equal(up.verdict, "regressed");
 * const same = pairedLook([0.001, -0.001, 0.0005, -0.0005], { alpha: 0.05, looks: 9, equivalence: 0.02 });
 * assert.equal(same.verdict, "unchanged");
 * assert.throws(() => pairedLook([0.1], { alpha: 0.05, looks: 1, equivalence: 0 }), RangeError);
 * ```
 */
export function pairedLook(
  logRatios: readonly number[],
  design: { alpha: number; looks: number; equivalence: number },
): PairedLook {
  const k = logRatios.length;
  if (k < 2) {
    throw new RangeError(
      `Cannot judge a paired comparison as it needs two processes or more: current value is ${k}`,
    );
  }
  const m = mean(logRatios);
  const se = standardDeviation(logRatios) / Math.sqrt(k);
  const t = studentTQuantile(design.alpha / design.looks, k - 1);
  const low = m - t * se;
  const high = m + t * se;
  // Equivalence first: an interval inside the band is a difference too
  // small to act on, even when it excludes 0 (two trees at different
  // paths are rarely identical to 0.1%).
  const verdict: PairedVerdict =
    low > -design.equivalence && high < design.equivalence
      ? "unchanged"
      : low > 0
      ? "regressed"
      : high < 0
      ? "improved"
      : "undecided";
  return {
    processes: k,
    logRatio: m,
    low,
    high,
    standardError: se,
    verdict,
    detectable: (t + studentTQuantile(0.4, k - 1)) * se,
  };
}

/** Options of {@linkcode comparePaired}. */
export interface PairedOptions extends MeasurePairOptions {
  /** Time budget, seconds. @default {PAIRED_DEFAULTS.seconds} */
  seconds?: number;
  /** Processes before the first look (even keeps import order balanced). @default {PAIRED_DEFAULTS.minProcesses} */
  minProcesses?: number;
  /** Processes at most (the last look). @default {PAIRED_DEFAULTS.maxProcesses} */
  maxProcesses?: number;
  /** Chance of flagging an A/A comparison, over all looks. @default {PAIRED_DEFAULTS.alpha} */
  alpha?: number;
  /** Half-width (log-ratio) within which an interval means unchanged. @default {PAIRED_DEFAULTS.equivalence} */
  equivalence?: number;
  /** Seed of the coins that pick import order and slice order. @default {a random seed} */
  seed?: number;
  /** Called after every process, with the look so far (from two processes on). */
  onProgress?: (
    p: { process: PairMeasurement; look?: PairedLook; elapsedS: number },
  ) => void;
}

/** What {@linkcode comparePaired} returns. */
export interface PairedComparison {
  /** The last look (the verdict). */
  look: PairedLook;
  /** Every process, in order. */
  processes: PairMeasurement[];
  /** Looks planned (the Bonferroni divisor). */
  looks: number;
  /** The seed used. */
  seed: number;
  /** Seconds spent. */
  elapsedS: number;
  /** Whether the budget ended the run before a decision. */
  budgetSpent: boolean;
}

// mulberry32: a small seeded generator for the order coins.
function coins(seed: number): () => boolean {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) & 1) === 1;
  };
}

/**
 * Run the paired design (module doc) on one case: pairs of processes until
 * a look decides, `maxProcesses` are spent, or one more pair would exceed
 * the time budget.
 *
 * @throws {RangeError} when `minProcesses` is below 2, `maxProcesses` below it, or `alpha` outside (0, 1).
 * @throws {HarnessProcessError} when a process fails.
 *
 * @example
 * ```ts ignore
 * // Runs processes for up to a minute.
 * import { comparePaired } from "./paired.ts";
 *
 * const r = await comparePaired(baseRef, headRef, { seconds: 60 });
 * console.log(r.look.verdict, Math.exp(r.look.logRatio));
 * ```
 */
export async function comparePaired(
  base: CaseRef,
  head: CaseRef,
  options: PairedOptions = {},
): Promise<PairedComparison> {
  const min = options.minProcesses ?? PAIRED_DEFAULTS.minProcesses;
  const max = options.maxProcesses ?? PAIRED_DEFAULTS.maxProcesses;
  const alpha = options.alpha ?? PAIRED_DEFAULTS.alpha;
  if (!(min >= 2) || !(max >= min) || !(alpha > 0 && alpha < 1)) {
    throw new RangeError(
      `Cannot plan a paired comparison as minProcesses >= 2, maxProcesses >= minProcesses and 0 < alpha < 1 are needed: current values are ${min}, ${max}, ${alpha}`,
    );
  }
  const looks = plannedLooks(min, max);
  const design = {
    alpha,
    looks,
    equivalence: options.equivalence ?? PAIRED_DEFAULTS.equivalence,
  };
  const budgetMs = (options.seconds ?? PAIRED_DEFAULTS.seconds) * 1000;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const coin = coins(seed);
  const baseFirstOnEven = coin();
  const t0 = performance.now();
  const processes: PairMeasurement[] = [];
  let look: PairedLook | undefined;
  let budgetSpent = false;
  while (processes.length < max) {
    const i = processes.length;
    if (i % 2 === 0 && i >= 2) {
      const perProcess = (performance.now() - t0) / i;
      if (performance.now() - t0 + 2 * perProcess > budgetMs) {
        budgetSpent = true;
        break;
      }
    }
    const first = (i % 2 === 0) === baseFirstOnEven ? "base" : "head";
    const p = await measurePair(base, head, {
      ...options,
      first,
      start: coin() ? "base" : "head",
    });
    processes.push(p);
    const k = processes.length;
    const figures = processes.map((q) => q.logRatio);
    look = k >= 2 ? pairedLook(figures, design) : undefined;
    options.onProgress?.({
      process: p,
      look,
      elapsedS: (performance.now() - t0) / 1000,
    });
    if (k >= min && k % 2 === min % 2 && look!.verdict !== "undecided") break;
  }
  if (look === undefined) {
    // The budget allowed fewer than two processes: measure the second one.
    const p = await measurePair(base, head, { ...options, first: "head" });
    processes.push(p);
    look = pairedLook(processes.map((q) => q.logRatio), design);
  }
  // A look between planned looks never decides.
  if (
    processes.length < min || (processes.length - min) % 2 !== 0
  ) look = { ...look, verdict: "undecided" };
  return {
    look,
    processes,
    looks,
    seed,
    elapsedS: (performance.now() - t0) / 1000,
    budgetSpent,
  };
}

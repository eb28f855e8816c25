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
 * up to `maxProcesses`, is a look: a t interval at level `1 - alpha / looks`
 * (Bonferroni over the looks planned, so the chance that any look flags an
 * A/A comparison is at most `alpha`) on the change with the import order
 * taken out: the mean of the head-first processes' mean figure and the
 * base-first ones', with the spread of each process around its own order's
 * mean (`n - 2` degrees of freedom). The revision imported and warmed first
 * can run a few percent slower in every process of that order; the pairs
 * cancel that in the mean, and this keeps it out of the spread too. The
 * run stops at the first look whose interval lies within `+-equivalence`
 * (unchanged, even if it excludes 0: a difference that small is not one to
 * act on) or else excludes 0 (regressed or improved), or when the time
 * budget would be exceeded by one more pair (undecided; the interval is
 * reported as it stands).
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
  /**
   * The change, `ln(head / base)`: the mean per-process figure, or with the
   * import orders, the mean of the two orders' means.
   */
  logRatio: number;
  /** The interval on it at level `1 - alpha / looks`. */
  low: number;
  /** See {@linkcode PairedLook.low}. */
  high: number;
  /** Standard error of `logRatio`. */
  standardError: number;
  /** Degrees of freedom of the interval: processes less one, less two with the import orders. */
  degreesOfFreedom: number;
  /**
   * With the import orders: half the head-first mean figure less the
   * base-first one, how much slower a revision runs for being imported and
   * warmed second (log-ratio; negative: for being first).
   */
  orderEffect?: number;
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
 * the module doc for the rule). With `firsts` (which revision each process
 * imported first), the import order is taken out of the change and of its
 * spread; without, the interval is the one-sample t interval of the mean.
 *
 * @throws {RangeError} when there are fewer than two figures, or with
 * `firsts`, fewer than three, `firsts` of another length, or one order
 * missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairedLook } from "./paired.ts";
 *
 * const design = { alpha: 0.05, looks: 9, equivalence: 0.02 };
 * const up = pairedLook([0.2, 0.21, 0.19, 0.2], design);
 * assert.equal(up.verdict, "regressed");
 * const same = pairedLook([0.001, -0.001, 0.0005, -0.0005], design);
 * assert.equal(same.verdict, "unchanged");
 * assert.throws(() => pairedLook([0.1], { alpha: 0.05, looks: 1, equivalence: 0 }), RangeError);
 *
 * // The revision imported second ran 5% slower: no change once that is out.
 * const xs = [0.05, -0.05, 0.051, -0.049, 0.049, -0.051];
 * const firsts = ["base", "head", "base", "head", "base", "head"] as const;
 * assert.equal(pairedLook(xs, design).verdict, "undecided");
 * const l = pairedLook(xs, design, firsts);
 * assert.equal(l.verdict, "unchanged");
 * assert(Math.abs(l.orderEffect! - 0.05) < 1e-9); // the second imported ran 5% slower
 * ```
 */
export function pairedLook(
  logRatios: readonly number[],
  design: { alpha: number; looks: number; equivalence: number },
  firsts?: readonly ("base" | "head")[],
): PairedLook {
  const k = logRatios.length;
  if (k < 2) {
    throw new RangeError(
      `Cannot judge a paired comparison as it needs two processes or more: current value is ${k}`,
    );
  }
  const { estimate, se, df, orderEffect } = firsts === undefined
    ? {
      estimate: mean(logRatios),
      se: standardDeviation(logRatios) / Math.sqrt(k),
      df: k - 1,
      orderEffect: undefined,
    }
    : withoutImportOrder(logRatios, firsts);
  const t = studentTQuantile(design.alpha / design.looks, df);
  const low = estimate - t * se;
  const high = estimate + t * se;
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
    logRatio: estimate,
    low,
    high,
    standardError: se,
    degreesOfFreedom: df,
    ...(orderEffect === undefined ? {} : { orderEffect }),
    verdict,
    detectable: (t + studentTQuantile(0.4, df)) * se,
  };
}

// The change and its standard error with the import order as a second
// effect: figure = change + (order effect, + when base first, - when
// head first) + noise. The change is the mean of the two orders' means
// whatever their counts; the noise is each figure's distance to its own
// order's mean, pooled, with k - 2 degrees of freedom.
function withoutImportOrder(
  xs: readonly number[],
  firsts: readonly ("base" | "head")[],
): { estimate: number; se: number; df: number; orderEffect: number } {
  const baseFirst = xs.filter((_, i) => firsts[i] === "base");
  const headFirst = xs.filter((_, i) => firsts[i] === "head");
  if (
    firsts.length !== xs.length || xs.length < 3 || baseFirst.length === 0 ||
    headFirst.length === 0 || baseFirst.length + headFirst.length !== xs.length
  ) {
    throw new RangeError(
      `Cannot take the import order out of a paired comparison as it needs three processes or more, one order each and both orders: current values are ${xs.length} figures, ${firsts.length} orders (${baseFirst.length} base first, ${headFirst.length} head first)`,
    );
  }
  const mb = mean(baseFirst), mh = mean(headFirst);
  const squares = (ys: number[], m: number) =>
    ys.reduce((s, y) => s + (y - m) ** 2, 0);
  const df = xs.length - 2;
  const pooled = (squares(baseFirst, mb) + squares(headFirst, mh)) / df;
  return {
    estimate: (mb + mh) / 2,
    se: Math.sqrt(pooled * (1 / baseFirst.length + 1 / headFirst.length)) /
      2,
    df,
    orderEffect: (mb - mh) / 2,
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
  /** Called after every process, with the look so far (from three processes on). */
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

// The look after `processes`, their import orders taken out.
function lookAt(
  processes: readonly PairMeasurement[],
  design: { alpha: number; looks: number; equivalence: number },
): PairedLook {
  return pairedLook(
    processes.map((p) => p.logRatio),
    design,
    processes.map((p) => p.first),
  );
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
  if (!(min >= 3) || !(max >= min) || !(alpha > 0 && alpha < 1)) {
    throw new RangeError(
      `Cannot plan a paired comparison as minProcesses >= 3, maxProcesses >= minProcesses and 0 < alpha < 1 are needed: current values are ${min}, ${max}, ${alpha}`,
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
  // One more process, its import order in turn: the look from three
  // processes on, and the progress report.
  const measureNext = async (
    start?: "base" | "head",
  ): Promise<PairedLook | undefined> => {
    const first = (processes.length % 2 === 0) === baseFirstOnEven
      ? "base"
      : "head";
    const p = await measurePair(base, head, {
      ...options,
      first,
      ...(start === undefined ? {} : { start }),
    });
    processes.push(p);
    const look = processes.length >= 3 ? lookAt(processes, design) : undefined;
    options.onProgress?.({
      process: p,
      look,
      elapsedS: (performance.now() - t0) / 1000,
    });
    return look;
  };
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
    look = await measureNext(coin() ? "base" : "head");
    const k = processes.length;
    if (k >= min && k % 2 === min % 2 && look!.verdict !== "undecided") break;
  }
  // The budget allowed fewer than three processes: more, in turn.
  while (look === undefined) look = await measureNext();
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

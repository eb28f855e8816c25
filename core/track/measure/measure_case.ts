/**
 * The timing engine's library API: one case, one fresh process, one
 * estimate. `run`, `ab` and anything built on them call
 * {@linkcode measureCase} once per replicate.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode measureCase}, {@linkcode CaseMeasurement} | time one case in a fresh harness process |
 * | {@linkcode estimateOf}, {@linkcode STATISTICS}, {@linkcode Statistic} | the per-process estimate from the samples |
 * | {@linkcode DEFAULT_STATISTIC}, {@linkcode DEFAULT_SAMPLES}, {@linkcode TIME_WARMUP_CALLS} | the defaults and why |
 *
 * What one process does ({@linkcode ./harness/case_harness.ts}, `time`
 * mode): it is started with `PMUBENCH_CASES` naming exactly its case, so
 * the suites build, prime and run that case's code only; it warms the
 * body up until V8 has it in Turbofan (by V8's own heuristics, recorded as
 * `tierBefore`; at most `TIME_WARMUP_BUDGET_MS`, 300 ms); when the body
 * allocates, it writes every page of the young generation once (16 MB
 * semi-spaces, `TIMING_V8_FLAGS`), so no sample pays first-touch page
 * faults; it measures the timer's resolution and the cost of reading it
 * (the least mean of 40 short bursts, so one preempted burst does not
 * count), and doubles the calls per sample, timing each size 5 times and
 * keeping the least, until one sample lasts `SAMPLE_TIMER_FACTOR` (1000)
 * times the larger of the two and at least `SAMPLE_MIN_NS` (0.3 ms, well
 * inside a 4 ms scheduler slice); then it takes `samples` samples (fewer,
 * but at least 11, when they would take more than 1.5 s), each a batch
 * timed by two `performance.now()` reads around the same driver loop the
 * warm-up used, each followed by one run of a fixed CPU probe (a chain of
 * memory read-modify-writes) whose least time and the CPU the process ran
 * on come back beside the samples (`cpuProbeNs`, `cpu`: the runner's
 * throttle guard reads them). The samples (per operation) come back in
 * time order; the parent reduces them to one figure, the per-process
 * estimate ({@linkcode estimateOf}). Processes are the replicates. With `profile`,
 * the process then measures the bytes the body allocates per operation
 * (the allocation profile `run` records), so no second process is needed.
 *
 * Why the minimum by default: preemption and interrupts only ever add
 * time to a sample, never remove it, so the fastest of a process's samples
 * is the one least disturbed; the mean takes in every preemption (that is
 * what made `deno bench`'s `avg` vary 33-73% between processes). Measured
 * on this 2-core machine under a load average of 12 to 19 (README, "How
 * stable are the figures"): between-process CV over 28 key cases, median
 * over cases, 4.8% for the minimum, 6.6% for the 5th percentile, 11.6% for
 * the 25th, 69.8% for the median (most samples of a process were hit) and
 * 23.6% for the mean. With a fixed number of samples per process the
 * minimum is a consistent estimator of the undisturbed cost; `--statistic`
 * picks another when the machine is quiet.
 *
 * @module
 */

import type { CaseRef } from "../suite/load_suite.ts";
import {
  harnessArgsFor,
  spawnHarness,
  type SpawnHarnessOptions,
} from "./harness/harness_process.ts";
import type { Tier } from "./harness/v8_status.ts";
import { type CaseProfile, profileFromReport } from "./alloc.ts";

export type { CaseProfile, SpawnHarnessOptions, Tier };

/** The per-process statistics {@linkcode estimateOf} knows. */
export const STATISTICS = ["median", "p25", "min", "mean"] as const;
/** One of {@linkcode STATISTICS}. */
export type Statistic = typeof STATISTICS[number];
/** The per-process estimate `run` records (see the module doc for why). */
export const DEFAULT_STATISTIC: Statistic = "min";
/** Samples per process: enough for a stable median, few enough that a case costs well under a second of sampling. */
export const DEFAULT_SAMPLES = 101;
/**
 * Warm-up calls asked of the harness; it goes on while the body is not in
 * Turbofan (up to 20 times this), and calibration calls the body again
 * before the first sample. Few, because a slow case (milliseconds a call)
 * would otherwise spend seconds warming up.
 */
export const TIME_WARMUP_CALLS = 200;

/** What {@linkcode measureCase} returns. */
export interface CaseMeasurement {
  /** The per-process estimate, ns per operation. */
  estimate: number;
  /** How `estimate` was made from the samples. */
  statistic: Statistic;
  /** ns per operation of each sample, time order (downsampled beyond 128). */
  samples: number[];
  /** Samples taken. */
  sampleCount: number;
  /** Calls per sample (calibrated unless asked). */
  batch: number;
  /** The body's tier before the first sample and after the last. */
  tierBefore: Tier;
  /** See {@linkcode CaseMeasurement.tierBefore}. */
  tierAfter: Tier;
  /** The driver loop's tier after sampling. */
  driverTier: Tier;
  /** Warm-up calls made. */
  warmup: number;
  /** The timer's resolution in the process, ns. */
  timerResolutionNs: number;
  /** Whether `b.start()`/`b.end()` bounded the timed part (plain bench files). */
  explicitTiming: boolean;
  /** How fast the process's CPU ran while sampling: the least time of a fixed chain of memory read-modify-writes run once after each sample, ns. */
  cpuProbeNs: number;
  /** The CPU the process last ran on; -1 where unknown. */
  cpu: number;
  /** With option `profile`: bytes per op and tiers, taken in the same process after the samples. */
  profile?: CaseProfile;
}

/** Options of {@linkcode measureCase}. */
export interface MeasureCaseOptions extends SpawnHarnessOptions {
  /** Samples to take. @default {DEFAULT_SAMPLES} */
  samples?: number;
  /** Calls per sample instead of calibrating. @default {undefined} */
  batch?: number;
  /** Warm-up calls asked for. @default {TIME_WARMUP_CALLS} */
  warmup?: number;
  /** The per-process estimate. @default {DEFAULT_STATISTIC} */
  statistic?: Statistic;
  /** After the samples, take the allocation profile in the same process ({@linkcode CaseMeasurement.profile}). @default {false} */
  profile?: boolean;
}

/**
 * The per-process estimate of some samples.
 *
 * @throws {RangeError} when `samples` is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateOf } from "./measure_case.ts";
 *
 * const s = [5, 1, 4, 2, 3, 100];
 * assert.equal(estimateOf(s, "median"), 3.5);
 * assert.equal(estimateOf(s, "min"), 1);
 * assert.equal(estimateOf(s, "p25"), 2.25);
 * assert.throws(() => estimateOf([], "median"), RangeError);
 * ```
 */
export function estimateOf(
  samples: readonly number[],
  statistic: Statistic,
): number {
  if (samples.length === 0) {
    throw new RangeError(
      `Cannot estimate a figure as 'samples' must not be empty: current value is []`,
    );
  }
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)]) - s[lo]);
  };
  switch (statistic) {
    case "median":
      return q(0.5);
    case "p25":
      return q(0.25);
    case "min":
      return s[0];
    case "mean":
      return s.reduce((a, b) => a + b, 0) / s.length;
  }
}

/**
 * Time one case in a fresh harness process (see the module doc).
 *
 * @throws {HarnessProcessError} when the process fails (the case threw, the module is broken).
 * @throws {RangeError} when `samples` or `batch` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureCase } from "./measure_case.ts";
 * import { loadCases } from "../suite/load_suite.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/sum_bench.ts`,
 *   'let s = 0; Deno.bench("sum", () => { for (let i = 0; i < 100; i++) s += i; });');
 * const [ref] = await loadCases(dir, ["sum_bench.ts"]);
 * const m = await measureCase(ref, { samples: 11 });
 * assert(m.estimate > 0 && m.batch >= 1 && m.samples.length === 11);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function measureCase(
  ref: CaseRef,
  options: MeasureCaseOptions = {},
): Promise<CaseMeasurement> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  for (const [k, v] of [["samples", samples], ["batch", options.batch]]) {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) {
      throw new RangeError(
        `Cannot measure '${ref.case.group}/${ref.case.name}' as '${k}' must be a positive integer: current value is ${v}`,
      );
    }
  }
  const { report } = await spawnHarness({
    ...harnessArgsFor(ref),
    calls: samples,
    warmup: options.warmup ?? TIME_WARMUP_CALLS,
    mode: "time",
    ...(options.batch === undefined ? {} : { batch: options.batch }),
    ...(options.profile === true ? { profile: true } : {}),
  }, options);
  const t = report.time!;
  const ops = ref.case.opsPerCall;
  const perOp = t.samples.map((x) => x / ops);
  const statistic = options.statistic ?? DEFAULT_STATISTIC;
  return {
    estimate: estimateOf(perOp, statistic),
    statistic,
    samples: perOp,
    sampleCount: t.sampleCount,
    batch: t.batch,
    tierBefore: report.tierBefore,
    tierAfter: report.tierAfter,
    driverTier: report.driverTier,
    warmup: report.warmup,
    timerResolutionNs: t.timerResolutionNs,
    explicitTiming: t.explicitTiming,
    cpuProbeNs: t.cpuProbeNs,
    cpu: t.cpu,
    ...(report.profile === undefined
      ? {}
      : { profile: profileFromReport(report) }),
  };
}

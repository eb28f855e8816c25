/**
 * Measure the cases of one or more trees, one fresh process per case and
 * replicate, and gather the replicates into one result per tree.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode runBenches} | R replicates of every case of one tree, as one {@linkcode ResultFile} |
 * | {@linkcode runTargets} | several trees (e.g. base and head), processes interleaved A B A B per case |
 * | {@linkcode ENGINES}, {@linkcode Engine} | `harness` (the timing engine, default) or `deno-bench` (`deno bench --json` processes, for comparison) |
 * | {@linkcode readSelection} | the selection a result records (filter, `PMUBENCH_CASES`, `PMUBENCH_STRATEGY`) |
 * | {@linkcode rerunThrottled}, {@linkcode throttledSlots}, {@linkcode outlierSlots}, {@linkcode caseRatios}, {@linkcode fastestCpu} | the throttle guard: which processes ran on a slowed CPU or far from their case's others, and measuring them again |
 * | {@linkcode runBenchProcess} | `deno-bench` engine: one `deno bench --json` process, one replicate |
 * | {@linkcode mergeReplicates} | per-process results into one result |
 * | {@linkcode enrichFromCases} | `opsPerCall` and axes from the suite loader |
 * | {@linkcode discoverBenchFiles} | the default suite set, as `deno bench` finds it |
 * | {@linkcode defaultResultPath} | `.pmubench/results/<date>-<shortsha>.json` |
 * | {@linkcode BenchProcessError} | a bench process crashed or printed no JSON |
 *
 * The `harness` engine ({@linkcode ./measure_case.ts}) runs each case in
 * its own process, in which only that case is built, warmed and timed;
 * a replicate is that process's estimate (the fastest of its samples, by
 * default: see {@linkcode ./measure_case.ts}). Replicates are taken round by round (every case once, then
 * every case again), and with several trees each case is measured in
 * every tree before the next, so drift of the machine hits every tree alike.
 * After the last round the throttle guard ({@linkcode rerunThrottled})
 * measures again the processes whose CPU ran slow, where the host had
 * slowed the virtual CPU they ran on, and those far slower than the other
 * processes of their case.
 *
 * The library never prints: progress goes to an `onProgress` callback.
 *
 * @module
 */

import { readEnvironment } from "./environment.ts";
import { runTool } from "../../common/run_tool.ts";
import {
  benchKey,
  type BenchResult,
  RESULT_SCHEMA,
  type ResultEnv,
  type ResultFile,
  resultFromDenoBench,
  type TimedProcess,
} from "../result/result.ts";
import {
  type CaseRef,
  discoverBenchFiles,
  loadCases,
} from "../suite/load_suite.ts";
import {
  type CaseMeasurement,
  DEFAULT_SAMPLES,
  DEFAULT_STATISTIC,
  measureCase,
  type Statistic,
} from "./measure_case.ts";
import { HarnessProcessError, stderrTail } from "./harness/harness_process.ts";
import { applyProfiles, type CaseProfile } from "./alloc.ts";
import { TIMING_V8_FLAGS } from "./harness/case_harness.ts";
import { median, quantile, sortSamples } from "../judge/stats.ts";

export { discoverBenchFiles };

/** The measuring engines of {@linkcode runTargets}. */
export const ENGINES = ["harness", "deno-bench"] as const;
/** One of {@linkcode ENGINES}. */
export type Engine = typeof ENGINES[number];

/**
 * Processes (replicates) per tree when none are given. Three: with the
 * estimate's between-process CV at about 1-3% (README, "How stable are
 * the figures"), three processes bound a case's figure as well as five
 * did when the CV was 5-70%, and the whole default suite (638 cases) fits
 * in 10 minutes on 2 cores only with three.
 */
export const DEFAULT_REPEAT = 3;

/**
 * The default of {@linkcode RunOptions.jobs}: the number of cores
 * (`navigator.hardwareConcurrency`), at least 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultJobs } from "./runner.ts";
 *
 * assert(Number.isInteger(defaultJobs()) && defaultJobs() >= 1);
 * ```
 */
export function defaultJobs(): number {
  const n = globalThis.navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n > 0 ? n : 1;
}
/** How much of a failed process's standard error an error message quotes. */
export const STDERR_TAIL_CHARS = 600;

/** One tree to measure. */
export interface BenchTarget {
  /** Shown in progress and error messages, e.g. `"base"`. */
  label: string;
  /** Directory `deno bench` runs in (its `deno.json` applies). */
  cwd: string;
  /** Bench files relative to `cwd`; default {@linkcode discoverBenchFiles}. */
  files?: string[];
}

/** Reported after every process. */
export interface RunProgress {
  /** 1-based index of the process among all processes of the call. */
  index: number;
  /** Processes in the whole call. */
  total: number;
  /** The target's label. */
  label: string;
  /** Wall-clock seconds the process took. */
  seconds: number;
  /** `harness` engine: the case, `group/name`. */
  case?: string;
  /** Wall-clock seconds since the call started. */
  elapsed?: number;
  /** Estimated seconds left (mean process time so far times processes left). */
  remaining?: number;
  /** Why this process ran again, e.g. `"re-run: CPU probe 1.42x the run's usual"`. */
  note?: string;
}

/** Options of {@linkcode runBenches} and {@linkcode runTargets}. */
export interface RunOptions {
  /** Processes per target. @default {DEFAULT_REPEAT} */
  repeat?: number;
  /** Only cases whose name passes this `deno bench --filter` pattern. @default {undefined} (every case) */
  filter?: string;
  /** `harness` engine: the cases to measure among those of a tree (after `filter`), e.g. a plan's choice by group and axes. @default {undefined} (every case) */
  select?: (refs: readonly CaseRef[]) => CaseRef[];
  /** Run each case only a few calls: checks that benches run, measures nothing. @default {false} */
  smoke?: boolean;
  /** The measuring engine. @default {"harness"} */
  engine?: Engine;
  /** `harness` engine: samples per process. @default {DEFAULT_SAMPLES} */
  samples?: number;
  /** `harness` engine: the per-process estimate. @default {DEFAULT_STATISTIC} */
  statistic?: Statistic;
  /**
   * `harness` engine: processes run at once. Each still measures one case
   * alone in a fresh process; the estimate (the fastest sample) needs only
   * some undisturbed samples, which a process on its own core has.
   * @default {defaultJobs()} (the number of cores)
   */
  jobs?: number;
  /**
   * `harness` engine: the first round's process of each case also takes
   * its allocation profile after its samples (bytes per op, tiers,
   * warnings: {@linkcode applyProfiles}), so no extra process is needed.
   * @default {false}
   */
  profile?: boolean;
  /**
   * `harness` engine: after the last round, measure again every process
   * whose CPU ran slow ({@linkcode throttledSlots}) or whose estimate lies
   * far over or under its case's median ({@linkcode outlierSlots}), in at most
   * {@linkcode THROTTLE_RERUNS} passes of at most a quarter of the run's
   * processes each, pinned with `taskset` to the CPU whose processes
   * probed fastest ({@linkcode fastestCpu}) where it can, one at a time;
   * the slow process is kept in the bench's `discarded`, not in its
   * replicates.
   * @default {true} (never in smoke runs)
   */
  throttleGuard?: boolean;
  /** The guard's tolerance over the run's reference probe. @default {THROTTLE_TOLERANCE} */
  throttleTolerance?: number;
  /** The guard's tolerance around a case's median estimate. @default {OUTLIER_TOLERANCE} */
  outlierTolerance?: number;
  /**
   * `harness` engine: each replicate is the process's estimate at the
   * run's usual CPU speed, its estimate times the run's reference probe
   * over the process's own ({@linkcode correctForSpeed}); the raw estimate
   * stays in `timing[].estimate`. With `false` the replicates are the raw
   * estimates; either way a bench with processes that ran on a slowed CPU
   * gets a warning. `"later"`: neither, the caller judges several runs
   * together (as `runPlan` does with its rounds).
   * @default {true} (never in smoke runs)
   */
  speedCorrection?: boolean | "later";
  /** Operations per call of cases from plain bench files. @default {1} */
  opsPerCall?: number;
  /** The `deno` binary to spawn. @default {Deno.execPath()} */
  denoPath?: string;
  /** Aborting kills the running process and rejects. @default {undefined} */
  signal?: AbortSignal;
  /** Called after every process. @default {undefined} */
  onProgress?: (progress: RunProgress) => void;
  /** Extra entries for the result's `flags`. @default {{}} */
  flags?: Record<string, string | number | boolean | null>;
}

/**
 * A bench process crashed, failed type-checking or printed something other
 * than `deno bench --json` output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BenchProcessError } from "./runner.ts";
 *
 * const e = new BenchProcessError("process 1/5 (run) exited with code 1");
 * assert(e.name === "BenchProcessError");
 * ```
 */
export class BenchProcessError extends Error {
  /**
   * Make the error.
   *
   * @param message which process, what it did, and the tail of its standard error
   */
  constructor(message: string) {
    super(message);
    this.name = "BenchProcessError";
  }
}

/**
 * Run one `deno bench --allow-all --json` process and read its output as
 * a one-replicate result (benches that failed carry `failed`).
 *
 * @throws {BenchProcessError} when the process prints no valid
 * `deno bench --json` output (crash, type error, no bench modules); the
 * message names the process and quotes the tail of its standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBenchProcess } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop x2", () => {});');
 * const r = await runBenchProcess({ label: "demo", cwd: dir, files: ["t_bench.ts"] }, { smoke: true });
 * assert(r.benches[0].key === "t_bench.ts::::noop x2");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runBenchProcess(
  target: BenchTarget,
  options: RunOptions & { processName?: string } = {},
): Promise<ResultFile> {
  const files = target.files ?? await discoverBenchFiles(target.cwd);
  const name = options.processName ?? `bench process (${target.label})`;
  const args = ["bench", "--allow-all", "--json"];
  if (options.filter !== undefined) args.push("--filter", options.filter);
  args.push(...files);
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (options.smoke) env.PMUBENCH_SMOKE = "1";
  const out = await new Deno.Command(options.denoPath ?? Deno.execPath(), {
    args,
    cwd: target.cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).output();
  options.signal?.throwIfAborted();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    report = undefined;
  }
  if (report === undefined) {
    const how = out.signal !== null
      ? `was killed by ${out.signal}`
      : `exited with code ${out.code}`;
    const what = stdout.trim() === ""
      ? "printed no JSON"
      : "printed something other than JSON";
    throw new BenchProcessError(
      `${name} in '${target.cwd}' ${how} and ${what}; its standard error ends: ${
        stderrTail(dec.decode(out.stderr), STDERR_TAIL_CHARS)
      }`,
    );
  }
  try {
    return resultFromDenoBench(report, `standard output of ${name}`);
  } catch (e) {
    throw new BenchProcessError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Merge one-replicate results (one per process, in process order) into
 * one result: per bench, replicates and raw figures in process order; a
 * bench that failed in any process keeps the first failure in `failed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeReplicates } from "./runner.ts";
 * import { parseResultText } from "../result/result.ts";
 *
 * const one = (avg: number) => parseResultText(JSON.stringify({
 *   version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c",
 *   benches: [{ origin: "file:///b/a_bench.ts", group: null, name: "f", baseline: false,
 *     results: [{ ok: { n: 1, min: avg, max: avg, avg, p75: avg, p99: avg } }] }],
 * }), "p", { date: "2025-01-01T00:00:00.000Z" });
 * const r = mergeReplicates([one(10), one(12)], { date: "2025-01-01T00:00:00.000Z", env: one(0).env, flags: { repeat: 2 } });
 * assert(r.benches[0].replicates.join() === "10,12");
 * ```
 */
export function mergeReplicates(
  runs: readonly ResultFile[],
  meta: Pick<ResultFile, "date" | "env" | "flags">,
): ResultFile {
  const merged = new Map<string, BenchResult>();
  for (const run of runs) {
    for (const b of run.benches) {
      const id = `${b.key}\u0000${b.metric}`;
      let m = merged.get(id);
      if (m === undefined) {
        m = { ...b, replicates: [], processes: [] };
        delete m.failed;
        merged.set(id, m);
      }
      m.replicates.push(...b.replicates);
      m.processes!.push(...(b.processes ?? []));
      if (b.failed !== undefined && m.failed === undefined) {
        merged.set(id, { ...m, failed: b.failed });
      }
    }
  }
  return {
    schema: RESULT_SCHEMA,
    date: meta.date,
    env: meta.env,
    flags: meta.flags,
    benches: [...merged.values()],
  };
}

/** Options of {@linkcode enrichFromCases}. */
export interface EnrichOptions {
  /** The project directory the bench files are relative to. */
  cwd: string;
  /** The bench files whose companion cases modules are read. */
  files: readonly string[];
}

/**
 * Take `opsPerCall` and `axes` from the suite loader's cases (the
 * `X_cases.ts` beside each `X_bench.ts`), joined by {@linkcode benchKey}.
 * Returns a new result; benches without a case keep their figures.
 *
 * @throws {TypeError} when a cases module exists but exports no suite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { enrichFromCases } from "./runner.ts";
 * import { parseResultText } from "../result/result.ts";
 *
 * const r = parseResultText(JSON.stringify({ version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c", benches: [] }), "p");
 * const same = await enrichFromCases(r, { cwd: Deno.cwd(), files: [] });
 * assert(same.benches.length === 0);
 * ```
 */
export async function enrichFromCases(
  result: ResultFile,
  options: EnrichOptions,
): Promise<ResultFile> {
  const { cwd, files } = options;
  // Only companion cases modules: a plain bench file has nothing to add
  // (and importing it here would run its top level for nothing).
  const withCases: string[] = [];
  for (const f of files) {
    if (!f.endsWith("_bench.ts")) continue;
    const rel = f.replace(/_bench\.ts$/, "_cases.ts");
    const path = rel.startsWith("/") ? rel : `${cwd.replace(/\/$/, "")}/${rel}`;
    try {
      await Deno.stat(path);
      withCases.push(f);
    } catch {
      // No companion: nothing to take.
    }
  }
  const byKey = new Map(
    (await loadCases(cwd, withCases)).map((
      c,
    ) => [benchKey(c.file, c.case), c.case]),
  );
  const benches = result.benches.map((b): BenchResult => {
    const c = byKey.get(b.key);
    if (c === undefined) return b;
    // registerSuite guarantees the name's ` x<ops>` equals opsPerCall, so the
    // replicates need no recomputing.
    return { ...b, opsPerCall: c.opsPerCall, axes: { ...c.axes } };
  });
  return { ...result, benches };
}

/**
 * The selection a result records: the filter, and the environment
 * variables the suites build their cases by (`PMUBENCH_CASES`,
 * `PMUBENCH_STRATEGY`), `null` when unset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSelection } from "./runner.ts";
 *
 * assert.deepEqual(readSelection("u64", { PMUBENCH_CASES: "^weight" }),
 *   { filter: "u64", cases: "^weight", strategy: null });
 * ```
 */
export function readSelection(
  filter: string | undefined,
  env: Record<string, string | undefined> = readSelectionEnv(),
): { filter: string | null; cases: string | null; strategy: string | null } {
  return {
    filter: filter ?? null,
    cases: env.PMUBENCH_CASES || null,
    strategy: env.PMUBENCH_STRATEGY || null,
  };
}

function readSelectionEnv(): Record<string, string | undefined> {
  try {
    return {
      PMUBENCH_CASES: Deno.env.get("PMUBENCH_CASES"),
      PMUBENCH_STRATEGY: Deno.env.get("PMUBENCH_STRATEGY"),
    };
  } catch {
    return {};
  }
}

/**
 * Measure several trees in one call. Returns one merged result per
 * target, in target order, each with its own git state and the selection
 * that produced it (`flags.filter`, `flags.cases`, `flags.strategy`), the
 * engine and, for the `harness` engine, the per-process statistic and per
 * bench the calibrated batch, the tier reached and the samples of every
 * process ({@linkcode BenchResult.timing}).
 *
 * `harness` engine: `repeat` rounds; in each, every case (in file order)
 * is measured in a fresh process in every target that has it (`A B A B`
 * per case). A case whose process fails is kept with `failed` set.
 * `deno-bench` engine: `repeat` rounds of one `deno bench --json` process
 * per target.
 *
 * @throws {RangeError} when `repeat` is not a positive integer or a target
 * has no bench files.
 * @throws {BenchProcessError} as {@linkcode runBenchProcess} (`deno-bench` engine).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTargets } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop", () => {});');
 * const t = { cwd: dir, files: ["t_bench.ts"] };
 * const seen: string[] = [];
 * const [a, b] = await runTargets([{ label: "a", ...t }, { label: "b", ...t }], {
 *   repeat: 1, smoke: true, jobs: 1, onProgress: (p) => seen.push(p.label),
 * });
 * assert(seen.join() === "a,b" && a.benches.length === 1 && b.benches.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runTargets(
  targets: readonly BenchTarget[],
  options: RunOptions = {},
): Promise<ResultFile[]> {
  const repeat = options.repeat ?? DEFAULT_REPEAT;
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new RangeError(
      `Cannot run benches as 'repeat' must be a positive integer: current value is ${repeat}`,
    );
  }
  const jobs = options.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(
      `Cannot run benches as 'jobs' must be a positive integer: current value is ${jobs}`,
    );
  }
  const date = new Date().toISOString();
  const resolved: Required<BenchTarget>[] = [];
  for (const t of targets) {
    const files = t.files ?? await discoverBenchFiles(t.cwd);
    if (files.length === 0) {
      const of = t.label === "" ? "" : ` of '${t.label}'`;
      throw new RangeError(
        `Cannot run benches${of} as '${t.cwd}' has no bench files (*_bench.ts, *.bench.ts, bench.ts)`,
      );
    }
    resolved.push({ ...t, files });
  }
  const envs: ResultEnv[] = [];
  for (const t of resolved) envs.push(await readEnvironment(t.cwd));
  const engine = options.engine ?? "harness";
  const selection = readSelection(options.filter);
  // `reruns`: the throttle guard's count for this tree (harness engine).
  const flagsOf = (t: Required<BenchTarget>, reruns = 0) => ({
    repeat,
    filter: selection.filter,
    cases: selection.cases,
    strategy: selection.strategy,
    smoke: options.smoke ?? false,
    metric: "time",
    engine,
    files: t.files.join(","),
    ...(engine === "harness"
      ? {
        statistic: options.statistic ?? DEFAULT_STATISTIC,
        samples: options.smoke
          ? SMOKE_SAMPLES
          : options.samples ?? DEFAULT_SAMPLES,
        v8Flags: TIMING_V8_FLAGS.join(" "),
        jobs,
        ...(options.smoke ? {} : { priming: PRIMING_NOTE }),
        ...(options.smoke || options.throttleGuard === false
          ? {}
          : { throttleGuard: THROTTLE_NOTE, reruns }),
      }
      : {}),
    ...options.flags,
  });
  if (engine === "harness") {
    const measured = await runHarnessEngine(resolved, repeat, jobs, options);
    const results = resolved.map((t, i) => {
      const r: ResultFile = {
        schema: RESULT_SCHEMA,
        date,
        env: envs[i],
        flags: flagsOf(t, measured.reruns[i]),
        benches: measured.benches[i],
      };
      return options.profile === true && !options.smoke
        ? applyProfiles(r, measured.profiles[i])
        : r;
    });
    return options.smoke || options.speedCorrection === "later"
      ? results
      : correctForSpeed(results, {
        correct: options.speedCorrection !== false,
      });
  }
  const runs: ResultFile[][] = resolved.map(() => []);
  const total = repeat * resolved.length;
  const started = performance.now();
  let index = 0;
  for (let round = 0; round < repeat; round++) {
    for (let i = 0; i < resolved.length; i++) {
      const t = resolved[i];
      index++;
      const t0 = performance.now();
      const processName = `process ${index}/${total}${
        t.label === "" ? "" : ` (${t.label})`
      }`;
      runs[i].push(await runBenchProcess(t, { ...options, processName }));
      options.onProgress?.(
        progressAt(index, total, t.label, t0, started),
      );
    }
  }
  const out: ResultFile[] = [];
  for (let i = 0; i < resolved.length; i++) {
    const t = resolved[i];
    const env = envs[i];
    if (env.cpu === "") env.cpu = runs[i][0]?.env.cpu ?? "";
    const merged = mergeReplicates(runs[i], {
      date,
      env,
      flags: flagsOf(t),
    });
    out.push(await enrichFromCases(merged, { cwd: t.cwd, files: t.files }));
  }
  return out;
}

/** `harness` engine, smoke runs: samples per process (one call each). */
export const SMOKE_SAMPLES = 3;

/**
 * What `flags.priming` says of a harness-engine run: before the first
 * round, one unrecorded process per bench file and tree loads that file's
 * modules, so Deno's transpile and code caches are filled before any
 * figure is taken. In a fresh checkout the first round was otherwise the
 * slow one (measured on the 28 key cases, quiet machine: 10 of the 28
 * first-round processes more than 10% above their case's fastest, against
 * 0-3 in later rounds; median CV of the estimate 3.2% cold, 1.2% primed).
 */
export const PRIMING_NOTE =
  "one unrecorded process per bench file and tree before the first round (fills Deno's module caches)";

/**
 * The probe most processes of a run reach: this quantile of the run's
 * `cpuProbeNs` values (the 10th percentile; the least alone is a freak
 * more often than not).
 */
export const THROTTLE_REFERENCE_QUANTILE = 0.1;
/**
 * A process whose CPU probe (`cpuProbeNs`) took more than `1 +` this times
 * the run's reference ({@linkcode THROTTLE_REFERENCE_QUANTILE}) ran on a
 * slowed CPU. Measured on this 2-core VM (the whole default suite, 2,870
 * processes): the probes of most processes lie within 1.05-1.15 times the
 * least (the two virtual CPUs run a few percent apart), with a tail to
 * 1.3-1.9 from the episodes in which the host slows one of them; a
 * process in that tail is slow in every sample.
 */
export const THROTTLE_TOLERANCE = 0.1;
/**
 * A process whose estimate is more than `1 +` this times the median of
 * its case's processes, or less than the median over `1 +` this
 * ({@linkcode outlierSlots}), is measured again too, whatever its probe
 * read. Measured on this 2-core VM (17 runs of the 28 key cases, 5
 * processes each, with the probe guard): 3-9% of processes lie above
 * 1.05x their case's median, most of them single processes 7-20% slow
 * with a normal probe, and one such process alone takes a case's CV over
 * 3%. Below the median, a process 6-7% fast owed its estimate (the
 * fastest sample) to one sample: its second fastest sat at its siblings'
 * level.
 */
export const OUTLIER_TOLERANCE = 0.05;
/** {@linkcode outlierSlots} judges only cases with at least this many processes: below it, the median is not its siblings'. */
export const OUTLIER_MIN_REPLICATES = 3;
/** Passes of re-runs {@linkcode RunOptions.throttleGuard} makes at most. */
export const THROTTLE_RERUNS = 2;
/** Each pass re-runs at most this share of the run's processes, the slowest probes first, so the guard adds at most half to a run. */
export const THROTTLE_PASS_SHARE = 1 / 4;

const percent = (x: number) => `${Math.round(x * 100)}%`;
const times = (n: number) =>
  n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;

/** What `flags.throttleGuard` says of a harness-engine run that used it. */
export const THROTTLE_NOTE =
  `after the last round, each process whose CPU probe took more than ${
    1 + THROTTLE_TOLERANCE
  }x the run's ${
    percent(THROTTLE_REFERENCE_QUANTILE)
  } quantile, or whose estimate was more than ${
    1 + OUTLIER_TOLERANCE
  }x the median of its case's processes or less than that median over ${
    1 + OUTLIER_TOLERANCE
  } (among processes whose probe read normal) (cases of at least ${OUTLIER_MIN_REPLICATES}), was measured again (at most ${
    times(THROTTLE_RERUNS)
  }, each pass at most ${
    percent(THROTTLE_PASS_SHARE)
  } of the processes), pinned with taskset to the CPU whose processes probed fastest where it could; the replaced process is kept in the bench's 'discarded'`;

/** Options of {@linkcode throttledSlots}. */
export interface ThrottleOptions {
  /** The probe a normal process reaches. @default {the THROTTLE_REFERENCE_QUANTILE quantile of `probes`} */
  reference?: number;
  /** @default {THROTTLE_TOLERANCE} */
  tolerance?: number;
  /** Return at most this many, the slowest first. @default {Infinity} */
  most?: number;
}

// The `q` quantile (stats.quantile) of the defined values; NaN when none is.
function quantileOf(values: readonly (number | undefined)[], q: number) {
  const xs = values.filter((v): v is number => v !== undefined);
  return xs.length === 0 ? NaN : quantile(sortSamples(xs), q);
}

/**
 * The indexes of `probes` (each process's `cpuProbeNs`; `undefined` for a
 * process that failed) whose CPU ran slow: above `(1 + tolerance)` times
 * `reference`; in index order, but when there are more than `most`, the
 * `most` slowest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { throttledSlots } from "./runner.ts";
 *
 * assert.deepEqual(throttledSlots([100, 104, 180, undefined, 109, 112]), [2, 5]);
 * assert.deepEqual(throttledSlots([150, 152], { reference: 100 }), [0, 1]);
 * assert.deepEqual(throttledSlots([100, 130, 190, 150], { reference: 100, most: 2 }), [2, 3]);
 * ```
 */
export function throttledSlots(
  probes: readonly (number | undefined)[],
  options: ThrottleOptions = {},
): number[] {
  const reference = options.reference ??
    quantileOf(probes, THROTTLE_REFERENCE_QUANTILE);
  return slotsOver(
    probes,
    reference * (1 + (options.tolerance ?? THROTTLE_TOLERANCE)),
    options.most,
  );
}

// The indexes of the values above `limit` (undefined and NaN never are),
// in index order; when there are more than `most`, the `most` largest.
function slotsOver(
  values: readonly (number | undefined)[],
  limit: number,
  most = Infinity,
): number[] {
  const over: number[] = [];
  values.forEach((v, i) => {
    if (v !== undefined && v > limit) over.push(i);
  });
  if (over.length <= most) return over;
  return over.sort((a, b) => values[b]! - values[a]!).slice(0, most)
    .sort((a, b) => a - b);
}

/**
 * Per process, its estimate over the median estimate of its case's
 * processes (`cases[i]` names the case of process `i`), or `NaN` when the
 * process failed (`undefined`) or its case has fewer than
 * {@linkcode OUTLIER_MIN_REPLICATES} processes that did not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caseRatios } from "./runner.ts";
 *
 * const r = caseRatios([10, 12, 10, 5, 5], ["a", "a", "a", "b", "b"]);
 * assert.deepEqual(r.slice(0, 3), [1, 1.2, 1]);
 * assert(Number.isNaN(r[3])); // two processes: no siblings' median
 * ```
 */
export function caseRatios(
  estimates: readonly (number | undefined)[],
  cases: readonly string[],
): number[] {
  const byCase = new Map<string, number[]>();
  estimates.forEach((e, i) => {
    if (e === undefined) return;
    let list = byCase.get(cases[i]);
    if (list === undefined) byCase.set(cases[i], list = []);
    list.push(e);
  });
  const medians = new Map<string, number>();
  for (const [c, list] of byCase) {
    if (list.length >= OUTLIER_MIN_REPLICATES) {
      medians.set(c, median(sortSamples(list)));
    }
  }
  return estimates.map((e, i) =>
    e === undefined ? NaN : e / (medians.get(cases[i]) ?? NaN)
  );
}

/**
 * The indexes of the processes whose estimate lies more than `tolerance`
 * over the median of their case's ({@linkcode caseRatios}), or under it by
 * the same factor (how far out: `max(r, 1 / r)`): over, a process the host
 * slowed though its CPU probe read normal; under, one whose fastest sample
 * was a lone one its other samples do not bear out. In index order; when
 * there are more than `most`, the `most` furthest out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outlierSlots } from "./runner.ts";
 *
 * const cases = ["a", "a", "a", "a", "b", "b", "b"];
 * assert.deepEqual(outlierSlots([10, 10.2, 11.7, 9.9, 5, 5, 5.2], cases), [2]);
 * assert.deepEqual(outlierSlots([10, 10.2, 9.3, 9.9, 5, 5, 5.2], cases), [2]);
 * assert.deepEqual(outlierSlots([10, 10.2, 11.7, 9.9], cases, { tolerance: 0.1 }), [2]);
 * ```
 */
export function outlierSlots(
  estimates: readonly (number | undefined)[],
  cases: readonly string[],
  options: { tolerance?: number; most?: number } = {},
): number[] {
  return slotsOver(
    caseRatios(estimates, cases).map((r) => Math.max(r, 1 / r)),
    1 + (options.tolerance ?? OUTLIER_TOLERANCE),
    options.most,
  );
}

/** What {@linkcode rerunThrottled} needs besides the outcomes. */
export interface RerunOptions<T> {
  /** Measure these slots again (progress notes say why); one outcome each, in order. */
  measure: (
    slots: readonly number[],
    notes: readonly string[],
  ) => Promise<(T | Error)[]>;
  /** Per slot, where a replaced process goes (filled here). */
  discarded: T[][];
  /** @default {THROTTLE_TOLERANCE} */
  tolerance?: number;
  /**
   * Per slot, the case it measures: with it, processes far over or under
   * their case's median estimate ({@linkcode outlierSlots}) are measured again
   * too. @default {undefined} (probes only)
   */
  cases?: readonly string[];
  /** @default {OUTLIER_TOLERANCE} */
  outlierTolerance?: number;
  /**
   * Judge each estimate per unit of its process's probe, as the speed
   * correction ({@linkcode correctForSpeed}) will: only processes slow beyond
   * what their CPU's speed explains are outliers. @default {false}
   */
  perProbe?: boolean;
}

/**
 * The throttle guard ({@linkcode RunOptions.throttleGuard}): at most
 * {@linkcode THROTTLE_RERUNS} passes, each measuring again the slots
 * {@linkcode throttledSlots} picks against the
 * {@linkcode THROTTLE_REFERENCE_QUANTILE} quantile of every probe so far,
 * then, with `cases`, those {@linkcode outlierSlots} picks (at most
 * {@linkcode THROTTLE_PASS_SHARE} of the processes, slow probes first)
 * and putting the new process in place of the old, which goes to
 * `discarded`. A re-run that fails leaves the old process in place.
 * Returns the slots replaced, once per replacement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rerunThrottled } from "./runner.ts";
 *
 * const outcomes = [{ cpuProbeNs: 100 }, { cpuProbeNs: 150 }, { cpuProbeNs: 102 }, { cpuProbeNs: 104 }];
 * const discarded = outcomes.map(() => []);
 * const redone = await rerunThrottled(outcomes, {
 *   discarded,
 *   measure: async (slots) => slots.map(() => ({ cpuProbeNs: 101 })),
 * });
 * assert.deepEqual(redone, [1]);
 * assert.deepEqual(outcomes[1], { cpuProbeNs: 101 });
 * assert.deepEqual(discarded[1], [{ cpuProbeNs: 150 }]);
 * ```
 */
export async function rerunThrottled<
  T extends { cpuProbeNs: number; estimate?: number },
>(
  outcomes: (T | Error)[],
  options: RerunOptions<T>,
): Promise<number[]> {
  const redone: number[] = [];
  const most = Math.max(1, Math.floor(outcomes.length * THROTTLE_PASS_SHARE));
  const probeOf = (m: T | Error) =>
    m instanceof Error ? undefined : m.cpuProbeNs;
  for (let pass = 0; pass < THROTTLE_RERUNS; pass++) {
    const probes = outcomes.map(probeOf);
    // The reference is taken over every process measured so far.
    const reference = quantileOf(
      [...probes, ...options.discarded.flat().map(probeOf)],
      THROTTLE_REFERENCE_QUANTILE,
    );
    const throttled = throttledSlots(probes, {
      reference,
      most,
      tolerance: options.tolerance,
    });
    const notes = new Map(throttled.map((slot) => [
      slot,
      `re-run: CPU probe ${
        (probes[slot]! / reference).toFixed(2)
      }x the run's usual`,
    ]));
    if (options.cases !== undefined && notes.size < most) {
      // A process whose CPU ran slow is neither judged nor a sibling: its
      // body need not have slowed as its probe did (a few-instruction body
      // slows less), so per unit of probe it would read fast, and its
      // siblings slow. The probe criterion above re-runs it.
      const slowProbe = new Set(
        throttledSlots(probes, { reference, tolerance: options.tolerance }),
      );
      const estimates = outcomes.map((m, i) =>
        m instanceof Error || m.estimate === undefined || slowProbe.has(i)
          ? undefined
          : options.perProbe
          ? m.estimate / m.cpuProbeNs
          : m.estimate
      );
      // The slots picked for their probe are among slowProbe: left out.
      const ratios = caseRatios(estimates, options.cases);
      for (
        const slot of outlierSlots(estimates, options.cases, {
          tolerance: options.outlierTolerance,
          most: most - notes.size,
        })
      ) {
        notes.set(
          slot,
          `re-run: estimate ${ratios[slot].toFixed(2)}x its case's median`,
        );
      }
    }
    if (notes.size === 0) break;
    const slots = [...notes.keys()].sort((a, b) => a - b);
    const again = await options.measure(slots, slots.map((s) => notes.get(s)!));
    slots.forEach((slot, i) => {
      const m = again[i];
      if (m instanceof Error) return;
      options.discarded[slot].push(outcomes[slot] as T);
      outcomes[slot] = m;
      redone.push(slot);
    });
  }
  return redone;
}

/** What `flags.speedCorrection` says of a run whose replicates were corrected. */
export const SPEED_NOTE =
  `each replicate is its process's estimate (timing[].estimate) times timing[].speedFactor, the run's ${
    percent(THROTTLE_REFERENCE_QUANTILE)
  } quantile of the processes' CPU probes (flags.speedReferenceNs) over the process's own probe: the figure at the run's usual CPU speed`;

/**
 * The speed correction ({@linkcode RunOptions.speedCorrection}) of
 * results measured together (the trees of one run, the rounds of a plan):
 * the reference is the {@linkcode THROTTLE_REFERENCE_QUANTILE} quantile
 * of every process's `cpuProbeNs`, and each replicate becomes its
 * process's estimate times the reference over its own probe
 * (`timing[].speedFactor`). A process whose CPU ran 4% slow, by its
 * probe, is scaled by 1/1.04: the host's speed changes of a few percent
 * (below the guard's tolerance) slow the probe and the body alike, and no
 * longer spread a case's replicates. `timing[].estimate` keeps the raw
 * estimate; the flags record {@linkcode SPEED_NOTE} and the reference
 * (`speedReferenceNs`). With `correct: false` the replicates, the
 * processes and the flags stay as they are. Either way, a bench with
 * processes whose probe took more than `1 +` {@linkcode THROTTLE_TOLERANCE}
 * times the reference (the host slowed their CPU, and the guard's re-runs
 * did not escape it) gets a `warning` saying how many. Results without
 * probes come back unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { correctForSpeed } from "./runner.ts";
 * import { resultOf } from "../result/result.ts";
 *
 * const process = (estimate: number, cpuProbeNs: number) => ({
 *   estimate, cpuProbeNs, batch: 1, sampleCount: 1, tierBefore: "turbofan",
 *   tierAfter: "turbofan", warmup: 0, explicitTiming: false, samples: [estimate],
 * });
 * const r = resultOf([{ key: "f::g::c", file: "f", group: "g", name: "c",
 *   baseline: false, metric: "time", unit: "ns/op", opsPerCall: 1,
 *   replicates: [10, 10, 12.5],
 *   timing: [process(10, 100), process(10, 100), process(12.5, 125)] }]);
 * const [c] = correctForSpeed([r]);
 * assert.equal(c.flags.speedReferenceNs, 100);
 * assert.deepEqual(c.benches[0].replicates, [10, 10, 10]);
 * assert.equal(c.benches[0].timing![2].speedFactor, 0.8); // 100 / 125
 * assert.equal(r.benches[0].replicates[2], 12.5, "the input is not changed");
 * ```
 */
export function correctForSpeed(
  results: readonly ResultFile[],
  options: { correct?: boolean } = {},
): ResultFile[] {
  const correct = options.correct ?? true;
  const probes = results.flatMap((r) =>
    r.benches.flatMap((b) => (b.timing ?? []).map((p) => p.cpuProbeNs))
  );
  const referenceNs = quantileOf(probes, THROTTLE_REFERENCE_QUANTILE);
  if (Number.isNaN(referenceNs)) return [...results];
  return results.map((r) => ({
    ...r,
    flags: correct
      ? {
        ...r.flags,
        speedCorrection: SPEED_NOTE,
        speedReferenceNs: Number(referenceNs.toPrecision(6)),
      }
      : r.flags,
    benches: r.benches.map((b) => {
      if (b.timing === undefined) return b;
      const probes = b.timing.map((p) => p.cpuProbeNs);
      const slow = throttledSlots(probes, { reference: referenceNs })
        .map((i) => probes[i]!);
      const warned = slow.length === 0 ? b : {
        ...b,
        warning: [
          ...(b.warning === undefined ? [] : [b.warning]),
          `${slow.length} of ${b.timing.length} processes ran on a CPU the host had slowed (CPU probe up to ${
            (Math.max(...slow) / referenceNs).toFixed(2)
          }x the run's usual) even after the throttle guard's re-runs: ${
            correct
              ? "the figure is corrected for the probe's slowdown, but a body can slow more"
              : "the figure may be high"
          }`,
        ].join("; "),
      };
      if (!correct) return warned;
      const timing = b.timing.map((p) =>
        p.cpuProbeNs === undefined ? p : {
          ...p,
          speedFactor: referenceNs / p.cpuProbeNs,
        }
      );
      return {
        ...warned,
        timing,
        replicates: timing.map((p) => p.estimate * (p.speedFactor ?? 1)),
      };
    }),
  }));
}

/**
 * The CPU whose processes probed fastest (least median `cpuProbeNs`), when
 * the processes ran on at least two known CPUs; else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fastestCpu } from "./runner.ts";
 *
 * const p = (cpu: number, cpuProbeNs: number) => ({ cpu, cpuProbeNs });
 * assert.equal(fastestCpu([p(0, 150), p(1, 100), p(0, 140), p(1, 104)]), 1);
 * assert.equal(fastestCpu([p(0, 150), p(0, 100)]), undefined);
 * assert.equal(fastestCpu([p(-1, 150), p(1, 100), new Error("crashed")]), undefined);
 * ```
 */
export function fastestCpu(
  outcomes: readonly ({ cpu: number; cpuProbeNs: number } | Error)[],
): number | undefined {
  const byCpu = new Map<number, number[]>();
  for (const m of outcomes) {
    if (m instanceof Error || m.cpu < 0) continue;
    let list = byCpu.get(m.cpu);
    if (list === undefined) byCpu.set(m.cpu, list = []);
    list.push(m.cpuProbeNs);
  }
  if (byCpu.size < 2) return undefined;
  let best: number | undefined;
  let bestProbe = Infinity;
  for (const [cpu, probes] of byCpu) {
    const median = quantileOf(probes, 0.5);
    if (median < bestProbe) [best, bestProbe] = [cpu, median];
  }
  return best;
}

function progressAt(
  index: number,
  total: number,
  label: string,
  t0: number,
  started: number,
  name?: string,
  note?: string,
): RunProgress {
  const now = performance.now();
  const elapsed = (now - started) / 1000;
  return {
    index,
    total,
    label,
    seconds: (now - t0) / 1000,
    ...(name === undefined ? {} : { case: name }),
    elapsed,
    remaining: elapsed / index * (total - index),
    ...(note === undefined ? {} : { note }),
  };
}

async function runHarnessEngine(
  targets: readonly Required<BenchTarget>[],
  repeat: number,
  jobs: number,
  options: RunOptions,
): Promise<{
  benches: BenchResult[][];
  profiles: Map<string, CaseProfile | Error>[];
  /** Per target, the processes measured again by the throttle guard. */
  reruns: number[];
}> {
  const load = { filter: options.filter, opsPerCall: options.opsPerCall };
  const perTarget: Map<string, CaseRef>[] = [];
  const order: string[] = [];
  for (const t of targets) {
    const m = new Map<string, CaseRef>();
    const loaded = await loadCases(t.cwd, t.files, load);
    for (const ref of options.select?.(loaded) ?? loaded) {
      const key = benchKey(ref.file, ref.case);
      m.set(key, ref);
      if (!order.includes(key)) order.push(key);
    }
    perTarget.push(m);
  }
  // Every process in the order a single job would run them: round by
  // round, each case in every target before the next case.
  const queue: { round: number; key: string; target: number }[] = [];
  for (let round = 0; round < repeat; round++) {
    for (const key of order) {
      for (let i = 0; i < targets.length; i++) {
        if (perTarget[i].has(key)) queue.push({ round, key, target: i });
      }
    }
  }
  const outcomes: (CaseMeasurement | Error)[] = new Array(queue.length);
  const discarded: CaseMeasurement[][] = queue.map(() => []);
  const profiles: Map<string, CaseProfile | Error>[] = targets.map(() =>
    new Map()
  );
  const profile = options.profile === true && !options.smoke;
  if (!options.smoke) await primeCaches(targets, perTarget, options);
  const started = performance.now();
  let total = queue.length;
  let done = 0;
  // Measure the given slots of the queue, `jobs` processes at once; with
  // `notes`, each slot is a re-run and its progress says why.
  const measureSlots = async (
    slots: readonly number[],
    notes?: readonly string[],
    pin?: number,
  ): Promise<(CaseMeasurement | Error)[]> => {
    const got: (CaseMeasurement | Error)[] = new Array(slots.length);
    // Pinned processes share one CPU: one at a time.
    const width = pin === undefined ? jobs : 1;
    let next = 0;
    let stopped = false;
    const worker = async () => {
      while (next < slots.length && !stopped) {
        const i = next++;
        const { round, key, target } = queue[slots[i]];
        const ref = perTarget[target].get(key)!;
        const t0 = performance.now();
        const withProfile = profile && round === 0 && notes === undefined;
        let m: CaseMeasurement | Error;
        try {
          m = await measureCase(ref, {
            cwd: targets[target].cwd,
            signal: options.signal,
            denoPath: options.denoPath,
            statistic: options.statistic,
            ...(pin === undefined
              ? {}
              : { wrapper: ["taskset", "-c", String(pin)] }),
            ...(options.smoke
              ? { samples: SMOKE_SAMPLES, batch: 1, warmup: 0 }
              : { samples: options.samples, profile: withProfile }),
          });
        } catch (e) {
          if (options.signal?.aborted || !(e instanceof HarnessProcessError)) {
            stopped = true;
            throw e;
          }
          m = e;
        }
        got[i] = m;
        if (withProfile) {
          profiles[target].set(
            key,
            m instanceof Error ? m : m.profile ?? new Error("no profile"),
          );
        }
        options.onProgress?.(
          progressAt(
            ++done,
            total,
            targets[target].label,
            t0,
            started,
            `${ref.case.group}/${ref.case.name}`,
            notes?.[i],
          ),
        );
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(width, slots.length) }, worker),
    );
    return got;
  };
  const first = await measureSlots(queue.map((_, slot) => slot));
  first.forEach((m, slot) => outcomes[slot] = m);
  const reruns = targets.map(() => 0);
  if (!options.smoke && options.throttleGuard !== false) {
    let canPin: boolean | undefined;
    const redone = await rerunThrottled(outcomes, {
      discarded,
      tolerance: options.throttleTolerance,
      outlierTolerance: options.outlierTolerance,
      cases: queue.map(({ key, target }) => `${target} ${key}`),
      perProbe: options.speedCorrection !== false,
      measure: async (slots, notes) => {
        total += slots.length;
        // The host slows one virtual CPU at a time: measure again on the
        // one whose processes ran fastest, where `taskset` can pin.
        const pin = fastestCpu(outcomes);
        if (pin !== undefined) {
          canPin ??= (await runTool("taskset", { args: ["-V"] })).started;
        }
        return canPin === true && pin !== undefined
          ? measureSlots(slots, notes.map((n) => `${n}, on CPU ${pin}`), pin)
          : measureSlots(slots, notes);
      },
    });
    for (const slot of redone) reruns[queue[slot].target]++;
  }
  // Replicates in queue order, whatever order the jobs finished in.
  const results: Map<string, BenchResult>[] = targets.map(() => new Map());
  queue.forEach(({ key, target }, slot) =>
    addReplicate(
      results[target],
      key,
      perTarget[target].get(key)!,
      outcomes[slot],
      discarded[slot],
    )
  );
  return {
    benches: results.map((m) => [...m.values()]),
    profiles,
    reruns,
  };
}

// One short process per bench file and tree, its result dropped (see
// PRIMING_NOTE). A failure here is left for the measured processes of the
// same case to report.
async function primeCaches(
  targets: readonly Required<BenchTarget>[],
  perTarget: readonly Map<string, CaseRef>[],
  options: RunOptions,
): Promise<void> {
  for (let i = 0; i < targets.length; i++) {
    const firstOfFile = new Map<string, CaseRef>();
    for (const ref of perTarget[i].values()) {
      if (!firstOfFile.has(ref.file)) firstOfFile.set(ref.file, ref);
    }
    for (const ref of firstOfFile.values()) {
      try {
        await measureCase(ref, {
          cwd: targets[i].cwd,
          signal: options.signal,
          denoPath: options.denoPath,
          samples: SMOKE_SAMPLES,
          batch: 1,
          warmup: 0,
        });
      } catch (e) {
        if (options.signal?.aborted || !(e instanceof HarnessProcessError)) {
          throw e;
        }
      }
    }
  }
}

function addReplicate(
  into: Map<string, BenchResult>,
  key: string,
  ref: CaseRef,
  m: CaseMeasurement | Error,
  slow: readonly CaseMeasurement[] = [],
): void {
  let b = into.get(key);
  if (b === undefined) {
    const c = ref.case;
    b = {
      key,
      file: ref.file,
      group: c.group,
      name: c.name,
      baseline: c.baseline ?? false,
      metric: "time",
      unit: "ns/op",
      opsPerCall: c.opsPerCall,
      ...(Object.keys(c.axes).length === 0 ? {} : { axes: { ...c.axes } }),
      replicates: [],
      timing: [],
    };
    into.set(key, b);
  }
  if (m instanceof Error) {
    b.failed ??= m.message;
    return;
  }
  b.replicates.push(m.estimate);
  b.timing!.push(timedProcess(m));
  if (slow.length > 0) (b.discarded ??= []).push(...slow.map(timedProcess));
}

function timedProcess(m: CaseMeasurement): TimedProcess {
  return {
    estimate: m.estimate,
    batch: m.batch,
    sampleCount: m.sampleCount,
    tierBefore: m.tierBefore,
    tierAfter: m.tierAfter,
    warmup: m.warmup,
    explicitTiming: m.explicitTiming,
    cpuProbeNs: Number(m.cpuProbeNs.toPrecision(6)),
    cpu: m.cpu,
    samples: m.samples.map((x) => Number(x.toPrecision(6))),
  };
}

/**
 * Run every case of the suites of `cwd`, `repeat` fresh processes each
 * (one replicate per process), as {@linkcode runTargets} does.
 *
 * @throws {RangeError} / {BenchProcessError} as {@linkcode runTargets}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBenches } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop", () => {});');
 * const r = await runBenches(dir, { files: ["t_bench.ts"], repeat: 2, smoke: true });
 * assert(r.benches[0].replicates.length === 2 && r.flags.repeat === 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runBenches(
  cwd: string,
  options: RunOptions & { files?: string[]; label?: string } = {},
): Promise<ResultFile> {
  const [r] = await runTargets(
    [{ label: options.label ?? "run", cwd, files: options.files }],
    options,
  );
  return r;
}

/**
 * Where `run` writes a result by default:
 * `.pmubench/results/<date>-<shortsha>[-dirty].json` (relative to the
 * working directory), with `nogit` outside a repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultResultPath } from "./runner.ts";
 *
 * const p = defaultResultPath({ date: "2025-03-04T05:06:07.890Z", env: { commit: "0123456789abcdef", dirty: true } });
 * assert(p === ".pmubench/results/2025-03-04T05-06-07Z-0123456-dirty.json");
 * ```
 */
export function defaultResultPath(
  r: { date: string; env: Pick<ResultEnv, "commit" | "dirty"> },
): string {
  const stamp = r.date.replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
  const sha = r.env.commit === null ? "nogit" : r.env.commit.slice(0, 7);
  return `.pmubench/results/${stamp}-${sha}${r.env.dirty ? "-dirty" : ""}.json`;
}

/**
 * Claim a fresh result path: create `path` exclusively (empty), or, when
 * it exists (another run started in the same second), `<stem>-2.json`,
 * `-3`, ... Returns the path claimed; write the result over it
 * atomically ({@linkcode writeResultFile} does). Missing parent
 * directories are created.
 *
 * @throws {Deno.errors.PermissionDenied} and other file-system errors than "already exists".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimResultPath } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const a = await claimResultPath(`${dir}/r/x.json`);
 * const b = await claimResultPath(`${dir}/r/x.json`);
 * assert.deepEqual([a, b], [`${dir}/r/x.json`, `${dir}/r/x-2.json`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function claimResultPath(path: string): Promise<string> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const stem = path.replace(/\.json$/, "");
  for (let i = 1;; i++) {
    const candidate = i === 1 ? path : `${stem}-${i}.json`;
    try {
      const f = await Deno.open(candidate, { write: true, createNew: true });
      f.close();
      return candidate;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

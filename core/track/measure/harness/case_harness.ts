/**
 * The harness that runs one bench case's body a fixed number of times in
 * a fresh process, for the instruction counter ({@linkcode
 * ./instructions.ts}) and the allocation and tier probe
 * ({@linkcode ./alloc.ts}). It is started as its own `deno run` process,
 * never imported by them: only the argument and report formats below are
 * shared.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode HarnessArgs}, {@linkcode harnessArgv}, {@linkcode parseHarnessArgv} | what the harness is asked to do, as a command line |
 * | {@linkcode HarnessReport}, {@linkcode HARNESS_MARKER}, {@linkcode readHarnessReport} | what it prints: one marked JSON line |
 * | {@linkcode HARNESS_V8_FLAGS} | the V8 flags every harness process needs |
 * | {@linkcode runHarness} | the measurement itself (what the process does) |
 * | {@linkcode NOOP_CASE} | the no-op reference: an empty body |
 *
 * What one process does, in order (identical in every process up to the
 * number of measured calls, which is what makes the N / 2N difference
 * cancel everything but the extra calls):
 *
 * 1. Learn the V8 tier bits from probe functions ({@linkcode probeTierBits}).
 * 2. Import the cases module and find the case by group and name.
 * 3. Warm up: call the body through the driver loop the measurement uses,
 *    at least `warmup` calls and, while the body is not in Turbofan yet, up
 *    to {@linkcode MAX_WARMUP_FACTOR} times that, so it reaches the
 *    optimizing tier by V8's own heuristics (the body is never forced).
 *    The driver loop itself is harness code and is compiled with Turbofan
 *    explicitly, so its overhead per call is the same small figure for
 *    every case (the no-op reference measures it).
 * 4. Collect garbage (`gc()`) once more and call the body a chunk more
 *    (the first collection leaves one-off work behind), then collect again,
 *    so every process enters the measured region with the same heap, and
 *    read the heap's used bytes.
 * 5. `count` mode: switch callgrind's instrumentation on, zero its counters,
 *    call the body `calls` times, dump the counters, switch it off (client
 *    requests, {@linkcode ./callgrind_request.ts}; no-ops outside Valgrind).
 *    `profile` mode: run regions of `n`, `2n`, `3n` and `4n` calls
 *    ({@linkcode PROFILE_REGIONS}), each after a `gc()`, timing them coarsely, then time the no-op
 *    reference through its own driver.
 * 6. Read the heap's used bytes and both tiers again, and print the report.
 *
 * @module
 */

import type { BenchCase } from "../../suite/bench_case.ts";
import {
  explicitTimingOf,
  findCase,
  loadModuleCases,
} from "../../suite/load_suite.ts";
import {
  CALLGRIND_REQUEST,
  openClientRequests,
  RUNNING_ON_VALGRIND,
} from "./callgrind_request.ts";
import { sinkDigest } from "../../suite/bench_case.ts";
import {
  decodeTier,
  loadV8Natives,
  probeTierBits,
  type Tier,
  type V8Natives,
} from "./v8_status.ts";

/** Prefix of the one stdout line that carries the {@linkcode HarnessReport}. */
export const HARNESS_MARKER = "PMUBENCH_HARNESS ";

/**
 * V8 flags every harness process runs with, and why:
 * - `--allow-natives-syntax`: `%GetOptimizationStatus` for the tier.
 * - `--expose-gc`: a full collection before the measured region.
 * - `--single-threaded`: no concurrent compiler or GC threads, so tier-up
 *   and collection happen at the same point of every run (synchronously on
 *   the main thread) and no other thread runs inside the counted region.
 * - `--min/max-semi-space-size=64` (MB): a young generation big enough that
 *   no scavenge falls inside the measured region of a bench body, so the
 *   region counts the mutator's instructions and the heap's used bytes grow
 *   by exactly what it allocated (GC cost is then reported as bytes, which
 *   is what it scales with).
 * - `--random-seed=1`, `--hash-seed=1`: `Math.random` and hash tables the
 *   same in every process.
 */
export const HARNESS_V8_FLAGS: readonly string[] = Object.freeze([
  "--allow-natives-syntax",
  "--expose-gc",
  "--single-threaded",
  "--min-semi-space-size=64",
  "--max-semi-space-size=64",
  "--random-seed=1",
  "--hash-seed=1",
]);

/**
 * V8 flags of the timing modes (`time`, `paired`): those of
 * {@linkcode HARNESS_V8_FLAGS} with 16 MB semi-spaces instead of 64. With
 * 64 MB semi-spaces V8 writes every young-generation cycle to pages the
 * kernel must fault in again (measured: 136 MB of 1 KB strings took 370 ms
 * on every pass; with 16 MB, 211 ms the first pass and 8 ms the next), so
 * an allocating body was timed at its page faults: 118 ns/op instead of
 * 5.4 for `isEmpty` u64, 306 instead of 33 for `weight` u64. Timing needs
 * no collection-free region: a scavenge of dead objects inside a sample
 * is part of what allocating costs.
 */
export const TIMING_V8_FLAGS: readonly string[] = Object.freeze(
  HARNESS_V8_FLAGS.map((f) =>
    f.replace(/^(--m(?:in|ax)-semi-space-size=)64$/, "$116")
  ),
);

/** The no-op reference case: the harness loop calling an empty body. */
export const NOOP_CASE: BenchCase = Object.freeze({
  group: "(reference)",
  name: "no-op",
  opsPerCall: 1,
  axes: Object.freeze({}),
  body: () => {},
});

/** What one harness process is asked to do. */
export interface HarnessArgs {
  /** Absolute path or file URL of the module defining the case; `""` for {@linkcode NOOP_CASE}. */
  module: string;
  /** `"cases"`: the module exports a suite; `"bench"`: a plain bench file whose `Deno.bench` calls are collected. @default {"cases"} */
  kind?: "cases" | "bench";
  /** The case's group. */
  group: string;
  /** The case's name. */
  name: string;
  /** Body calls inside the measured region (`time` mode: samples to take). */
  calls: number;
  /** Body calls before it (warm-up), at least; more while the body is not optimized yet. */
  warmup: number;
  /**
   * `"count"`: one region of `calls` calls (run under callgrind or perf).
   * `"profile"`: regions of `n`, `2n`, `3n` and `4n` calls in this one process,
   * for bytes per call without any outside counter, where `n` starts at
   * `calls` and doubles until a region takes {@linkcode PROFILE_REGION_NS}.
   * `"time"`: the timing engine: `calls` samples, each a batch of calls
   * calibrated against the timer ({@linkcode calibrateBatch}).
   */
  mode: "count" | "profile" | "time" | "paired";
  /**
   * `paired` mode: the second module (the head), the same case in another
   * tree; `module` is the base. Both are imported into this one process as
   * distinct module instances. @default {undefined}
   */
  headModule?: string;
  /** `paired` mode: which revision is imported and warmed first. @default {"base"} */
  first?: "base" | "head";
  /** `paired` mode: the slice every block starts with (`base`: A B B A; `head`: B A A B). @default {"base"} */
  start?: "base" | "head";
  /** `time` mode: calls per sample instead of calibrating (smoke runs use 1). @default {undefined} */
  batch?: number;
  /** `time` mode: after the samples, take the allocation profile too (regions as in `profile` mode), so no second process is needed for it. @default {false} */
  profile?: boolean;
  /** Operations per call of a plain bench file's cases. @default {1} */
  opsPerCall?: number;
  /**
   * `count` mode under `perf stat --delay=-1 --control=fifo:CTL,ACK`: the
   * two FIFOs, `"CTL,ACK"`; the harness enables the counters right before
   * the region and disables them right after. @default {undefined}
   */
  perfControl?: string;
}

/** What the harness prints (after {@linkcode HARNESS_MARKER}). */
export interface HarnessReport {
  /** The case measured, `group/name`. */
  case: string;
  /** The case's `opsPerCall`. */
  opsPerCall: number;
  /** Body calls in the (first) measured region (profile mode: after calibration). */
  calls: number;
  /** Warm-up calls made. */
  warmup: number;
  /** The body's tier just before the measured region. */
  tierBefore: Tier;
  /** The body's tier just after it. */
  tierAfter: Tier;
  /** The driver loop's tier after the region (the body may be inlined into it). */
  driverTier: Tier;
  /**
   * Growth of the heap's used bytes over each region (`count`: one entry;
   * `profile`: one per {@linkcode PROFILE_REGIONS} multiple of `calls`). A
   * negative step means a collection ran inside the region.
   */
  heapGrowth: number[];
  /** Nanoseconds per call in the profile regions (coarse, for the no-op warning only); absent in `count` mode. */
  nsPerCall?: number;
  /** Nanoseconds per call of the no-op reference in the same process; absent in `count` mode. */
  noopNsPerCall?: number;
  /** `count` mode: whether the process ran under Valgrind (the region was counted). */
  onValgrind?: boolean;
  /** `time` mode: what the timing engine measured. */
  time?: TimeSamples;
  /** `time` mode with {@linkcode HarnessArgs.profile}: the allocation profile taken after the samples. */
  profile?: ProfileRegions;
  /** `paired` mode: what the paired slices measured. */
  paired?: PairedSlices;
  /** The sink digest, printed so the sunk values are observably used. */
  sink: number;
}

/** What `time` mode measured in one process. */
export interface TimeSamples {
  /** Nanoseconds per call of each sample, in time order (every sample, at most {@linkcode MAX_KEPT_SAMPLES}: evenly downsampled beyond). */
  samples: number[];
  /** Samples taken (before downsampling). */
  sampleCount: number;
  /** Calls per sample, as calibrated (or as asked). */
  batch: number;
  /** The timer's resolution, ns (smallest non-zero step of `performance.now()` seen). */
  timerResolutionNs: number;
  /** What one `performance.now()` call costs, ns. */
  timerCostNs: number;
  /** Whether `b.start()`/`b.end()` timed the samples (plain bench files) rather than the whole batch. */
  explicitTiming: boolean;
  /** How fast this process's CPU ran while sampling: the least time of one run of {@linkcode cpuProbe}'s workload, run once after each sample, ns. */
  cpuProbeNs: number;
  /** The CPU the process last ran on, after the samples ({@linkcode currentCpu}); -1 where unknown. */
  cpu: number;
}

/** The profile regions of one process (`profile` mode's figures, or `time` mode's with {@linkcode HarnessArgs.profile}). */
export interface ProfileRegions {
  /** Calls in the first region (`n`); region `i` ran `PROFILE_REGIONS[i] * n`. */
  calls: number;
  /** Growth of the heap's used bytes over each region (negative: a collection ran inside). */
  heapGrowth: number[];
  /** Nanoseconds per call in the regions (coarse). */
  nsPerCall: number;
  /** Nanoseconds per call of the no-op reference in the same process. */
  noopNsPerCall: number;
  /** The body's tier before the regions. */
  tierBefore: Tier;
  /** The body's tier after them. */
  tierAfter: Tier;
  /** The driver loop's tier after them. */
  driverTier: Tier;
}

/** What `paired` mode measured in one process. */
export interface PairedSlices {
  /** `ln(head / base)` of each block of four slices (A B B A or B A A B): head's two slices over base's two. */
  logRatios: number[];
  /** Calls per slice (the same for both sides, calibrated on the base). */
  batch: number;
  /** Every base slice, ns per call, time order. */
  baseNs: number[];
  /** Every head slice, ns per call, time order. */
  headNs: number[];
  /** The head body's tier before the first block and after the last (the base's are the report's `tierBefore`/`tierAfter`). */
  headTierBefore: Tier;
  /** See {@linkcode PairedSlices.headTierBefore}. */
  headTierAfter: Tier;
  /** Which revision was imported and warmed first. */
  first: "base" | "head";
  /** The slice each block started with. */
  start: "base" | "head";
}

/**
 * The command-line arguments that ask a harness process for `args`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { harnessArgv, parseHarnessArgv } from "./case_harness.ts";
 *
 * const args = { module: "/w/bench/a_cases.ts", group: "g", name: "u64 x8", calls: 100, warmup: 1000, mode: "count" as const };
 * assert.deepEqual(parseHarnessArgv(harnessArgv(args)), args);
 * ```
 */
export function harnessArgv(args: HarnessArgs): string[] {
  return [
    `--module=${args.module}`,
    `--group=${args.group}`,
    `--name=${args.name}`,
    `--calls=${args.calls}`,
    `--warmup=${args.warmup}`,
    `--mode=${args.mode}`,
    ...(args.kind === undefined ? [] : [`--kind=${args.kind}`]),
    ...(args.batch === undefined ? [] : [`--batch=${args.batch}`]),
    ...(args.profile === true ? ["--profile=1"] : []),
    ...(args.opsPerCall === undefined
      ? []
      : [`--ops-per-call=${args.opsPerCall}`]),
    ...(args.perfControl === undefined
      ? []
      : [`--perf-control=${args.perfControl}`]),
    ...(args.headModule === undefined
      ? []
      : [`--head-module=${args.headModule}`]),
    ...(args.first === undefined ? [] : [`--first=${args.first}`]),
    ...(args.start === undefined ? [] : [`--start=${args.start}`]),
  ];
}

/**
 * Read {@linkcode harnessArgv}'s output back.
 *
 * @throws {TypeError} when an argument is missing or unknown.
 * @throws {RangeError} when `calls` is not a positive integer, `warmup` is
 * not a non-negative integer, or `mode` is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHarnessArgv } from "./case_harness.ts";
 *
 * assert.throws(() => parseHarnessArgv(["--calls=0"]), RangeError);
 * ```
 */
export function parseHarnessArgv(argv: readonly string[]): HarnessArgs {
  const v = new Map<string, string>();
  const known = [
    "module",
    "group",
    "name",
    "calls",
    "warmup",
    "mode",
    "kind",
    "batch",
    "profile",
    "ops-per-call",
    "perf-control",
    "head-module",
    "first",
    "start",
  ];
  for (const a of argv) {
    const m = /^--([a-z-]+)=(.*)$/s.exec(a);
    if (m === null || !known.includes(m[1])) {
      throw new TypeError(
        `Cannot read harness arguments as '${a}' is not one of --${
          known.join("=, --")
        }=`,
      );
    }
    v.set(m[1], m[2]);
  }
  const int = (k: string, min: number) => {
    const n = Number(v.get(k));
    if (!v.has(k) || !Number.isInteger(n) || n < min) {
      throw new RangeError(
        `Cannot read harness arguments as --${k} must be an integer >= ${min}: current value is ${
          v.get(k) ?? "(missing)"
        }`,
      );
    }
    return n;
  };
  const calls = int("calls", 1);
  const warmup = int("warmup", 0);
  const mode = v.get("mode") ?? "count";
  if (
    mode !== "count" && mode !== "profile" && mode !== "time" &&
    mode !== "paired"
  ) {
    throw new RangeError(
      `Cannot read harness arguments as --mode must be count, profile, time or paired: current value is ${mode}`,
    );
  }
  for (const k of ["first", "start"]) {
    const side = v.get(k);
    if (side !== undefined && side !== "base" && side !== "head") {
      throw new RangeError(
        `Cannot read harness arguments as --${k} must be base or head: current value is ${side}`,
      );
    }
  }
  if (mode === "paired" && !v.has("head-module")) {
    throw new TypeError(
      `Cannot read harness arguments as --head-module= is missing: current value is (missing) (paired mode needs it)`,
    );
  }
  const kind = v.get("kind");
  if (kind !== undefined && kind !== "cases" && kind !== "bench") {
    throw new RangeError(
      `Cannot read harness arguments as --kind must be cases or bench: current value is ${kind}`,
    );
  }
  for (const k of ["module", "group", "name"]) {
    if (!v.has(k)) {
      throw new TypeError(
        `Cannot read harness arguments as --${k}= is missing`,
      );
    }
  }
  return {
    module: v.get("module")!,
    group: v.get("group")!,
    name: v.get("name")!,
    calls,
    warmup,
    mode,
    ...(kind === undefined ? {} : { kind }),
    ...(v.has("batch") ? { batch: int("batch", 1) } : {}),
    ...(v.get("profile") === "1" ? { profile: true } : {}),
    ...(v.has("ops-per-call") ? { opsPerCall: int("ops-per-call", 1) } : {}),
    ...(v.has("perf-control") ? { perfControl: v.get("perf-control")! } : {}),
    ...(v.has("head-module") ? { headModule: v.get("head-module")! } : {}),
    ...(v.has("first") ? { first: v.get("first") as "base" | "head" } : {}),
    ...(v.has("start") ? { start: v.get("start") as "base" | "head" } : {}),
  };
}

/**
 * Find the {@linkcode HarnessReport} in a harness process's standard
 * output.
 *
 * @throws {SyntaxError} when no line carries the marker or its JSON is
 * malformed; the message quotes the start of the output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HARNESS_MARKER, readHarnessReport } from "./case_harness.ts";
 *
 * const r = readHarnessReport(`noise\n${HARNESS_MARKER}{"case":"g/f","calls":1}\n`);
 * assert.equal(r.case, "g/f");
 * assert.throws(() => readHarnessReport("nothing"), SyntaxError);
 * ```
 */
export function readHarnessReport(stdout: string): HarnessReport {
  const line = stdout.split("\n").find((l) => l.startsWith(HARNESS_MARKER));
  if (line === undefined) {
    const start = stdout.trim().slice(0, 200);
    throw new SyntaxError(
      `Cannot read the harness report as the process printed no '${HARNESS_MARKER.trim()}' line: its output ${
        start === "" ? "was empty" : `starts '${start}'`
      }`,
    );
  }
  try {
    return JSON.parse(line.slice(HARNESS_MARKER.length)) as HarnessReport;
  } catch (e) {
    throw new SyntaxError(
      `Cannot read the harness report as its JSON is malformed: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

/** Warm-up calls are made in chunks of this many, through the driver; the body's tier is read after each. */
export const WARMUP_CHUNK = 100;
/** Profile mode's regions, in multiples of its `n` calls. */
export const PROFILE_REGIONS: readonly number[] = Object.freeze([1, 2, 3, 4]);
const regionCalls = PROFILE_REGIONS.reduce((a, b) => a + b, 0);

/** Time mode: a body whose warm-up chunk grows the heap by more than this many bytes is taken to allocate (the heap read itself allocates a few hundred). */
export const ALLOCATION_NOISE_BYTES = 4096;
/** Bytes {@linkcode touchYoungGeneration} allocates: both 16 MB semi-spaces of {@linkcode TIMING_V8_FLAGS} once, and a margin for the part of the first already in use. */
export const YOUNG_GENERATION_TOUCH_BYTES = 40 * 1024 * 1024;
/** Time mode's profile regions allocate at most about this many bytes together (a quarter of a semi-space), so no scavenge falls inside them. */
export const TIME_PROFILE_MAX_BYTES = 4 * 1024 * 1024;

/** Time mode's profile ({@linkcode HarnessArgs.profile}) starts its regions at this many calls (as `run`'s profile processes did). */
export const PROFILE_START_CALLS = 16;
/** The no-op reference of a profile is timed over at least this many calls (about 0.1 ms). */
export const NOOP_MIN_CALLS = 100_000;
/** Time mode stops warming up after this long (ms), even short of the `warmup` calls or of Turbofan: a slow body has had its chance by then (the tier is recorded). */
export const TIME_WARMUP_BUDGET_MS = 300;
/** Profile mode doubles its region's calls until one region takes this long (1 ms). */
export const PROFILE_REGION_NS = 1e6;
/** ... or until it reaches this many calls. */
export const PROFILE_MAX_CALLS = 1 << 20;
/** Warm-up goes on while the body is not in Turbofan, up to this many times the `warmup` asked for. */
export const MAX_WARMUP_FACTOR = 20;

// The driver: one function literal used for warm-up and measurement, so it
// is optimized (and may inline the body) before the region, the same way in
// every process. Only one body ever reaches it, so its call site stays
// monomorphic.
function driveCase(body: () => void, calls: number): void {
  for (let i = 0; i < calls; i++) body();
}

// A second literal for the timed no-op reference of profile mode: sharing
// driveCase would make its call site polymorphic.
function driveNoop(body: () => void, calls: number): void {
  for (let i = 0; i < calls; i++) body();
}

/**
 * Measure one case as described in the module documentation and return
 * the report. Needs a process started with {@linkcode HARNESS_V8_FLAGS}
 * (`count` mode also needs `--allow-ffi` for the client requests).
 *
 * @throws {TypeError} when the process lacks `--allow-natives-syntax` or
 * `--expose-gc`, or the module exports no suite.
 * @throws {RangeError} when the case is not in the module.
 *
 * @example
 * ```ts ignore
 * // Needs the V8 flags of HARNESS_V8_FLAGS; instructions.ts starts it so.
 * import { runHarness } from "./case_harness.ts";
 *
 * const report = await runHarness({ module: "", group: "(reference)", name: "no-op", calls: 100, warmup: 100, mode: "profile" });
 * ```
 */
export async function runHarness(args: HarnessArgs): Promise<HarnessReport> {
  const natives = loadV8Natives();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (natives === undefined || typeof gc !== "function") {
    throw new TypeError(
      `Cannot run the harness as V8 was not started with ${
        HARNESS_V8_FLAGS.slice(0, 2).join(" and ")
      }`,
    );
  }
  const bits = probeTierBits(natives);
  const tierOf = (f: unknown) =>
    decodeTier(natives.getOptimizationStatus(f), bits);
  if (args.mode === "paired") return await runPaired(args, natives, tierOf);
  const c = args.module === "" ? NOOP_CASE : findCase(
    await loadModuleCases(args.module, args.kind ?? "cases", {
      opsPerCall: args.opsPerCall,
    }),
    { group: args.group, name: args.name, source: args.module },
  );
  const body = c.body;
  const identity = {
    case: `${c.group}/${c.name}`,
    opsPerCall: c.opsPerCall,
    calls: args.calls,
  };

  natives.prepareFunctionForOptimization(driveCase);
  let warmed = 0;
  const warmupCap = Math.max(args.warmup, 1) * MAX_WARMUP_FACTOR;
  // Time mode also stops at a time budget (a slow body reaches its tier in
  // far fewer calls than the cap); count mode never does, as its N and 2N
  // processes must warm up identically however long Valgrind takes.
  const warmupEnds = args.mode === "time"
    ? performance.now() + TIME_WARMUP_BUDGET_MS
    : Infinity;
  while (
    (warmed < args.warmup ||
      (tierOf(body) !== "turbofan" && warmed < warmupCap)) &&
    (warmed === 0 || performance.now() < warmupEnds)
  ) {
    driveCase(body, WARMUP_CHUNK);
    warmed += WARMUP_CHUNK;
  }
  natives.optimizeFunctionOnNextCall(driveCase);
  driveCase(body, 1);
  // The first collection leaves one-off work for the calls after it
  // (observed: about 1.5 KB allocated once); let warm-up calls absorb it
  // rather than the first measured region.
  gc();
  driveCase(body, WARMUP_CHUNK);
  warmed += 1 + WARMUP_CHUNK;
  const usedBytes = () => readUsedHeapBytes();
  let report: HarnessReport;
  if (args.mode === "time") {
    // A body that allocates would otherwise write its first samples to
    // young-generation pages never touched before, paying a page fault
    // every 4 KB. Touch them all once first.
    gc();
    const h0 = usedBytes();
    driveCase(body, WARMUP_CHUNK);
    const chunkBytes = usedBytes() - h0;
    if (chunkBytes > ALLOCATION_NOISE_BYTES) {
      touchYoungGeneration();
      gc();
    }
    const tierBefore = tierOf(body);
    const time = timeSamples(body, args.calls, args.batch);
    const tierAfter = tierOf(body);
    const driverTier = tierOf(driveCase);
    // The allocation profile, after the samples so it cannot disturb them:
    // regions small enough that no scavenge falls inside (the semi-spaces
    // are 16 MB here), with its time taken from the samples.
    const perCall = Math.max(chunkBytes, 0) / WARMUP_CHUNK;
    const profile = args.profile === true
      ? {
        ...profileRegions(
          body,
          Math.max(
            1,
            Math.min(
              PROFILE_START_CALLS,
              Math.floor(TIME_PROFILE_MAX_BYTES / (regionCalls * perCall)),
            ),
          ),
          args.warmup,
          natives,
          tierOf,
          { grow: false },
        ),
        nsPerCall: Math.min(...time.samples),
      }
      : undefined;
    report = {
      ...identity,
      warmup: warmed,
      tierBefore,
      tierAfter,
      driverTier,
      heapGrowth: [],
      time,
      ...(profile === undefined ? {} : { profile }),
      sink: sinkDigest(),
    };
  } else if (args.mode === "count") {
    const request = openClientRequests();
    // Warm the request path itself (FFI binding, BigInt conversions) so
    // its first-call costs fall outside the region.
    for (let i = 0; i < 3; i++) request(RUNNING_ON_VALGRIND);
    gc();
    const tierBefore = tierOf(body);
    const heap0 = usedBytes();
    // Instrumenting only from here on runs start-up and warm-up at
    // Valgrind's plain speed (about 6 times faster); switching it on
    // discards every translation, which costs time, not counted
    // instructions.
    const perf = args.perfControl === undefined
      ? undefined
      : openPerfControl(args.perfControl);
    request(CALLGRIND_REQUEST.startInstrumentation);
    perf?.("enable");
    request(CALLGRIND_REQUEST.zeroStats);
    driveCase(body, args.calls);
    request(CALLGRIND_REQUEST.dumpStats);
    perf?.("disable");
    request(CALLGRIND_REQUEST.stopInstrumentation);
    const heap1 = usedBytes();
    report = {
      ...identity,
      warmup: warmed,
      tierBefore,
      tierAfter: tierOf(body),
      driverTier: tierOf(driveCase),
      heapGrowth: [heap1 - heap0],
      onValgrind: request(RUNNING_ON_VALGRIND) > 0n,
      sink: sinkDigest(),
    };
  } else {
    const p = profileRegions(body, args.calls, args.warmup, natives, tierOf);
    identity.calls = p.calls;
    report = {
      ...identity,
      warmup: warmed,
      tierBefore: p.tierBefore,
      tierAfter: p.tierAfter,
      driverTier: p.driverTier,
      heapGrowth: p.heapGrowth,
      nsPerCall: p.nsPerCall,
      noopNsPerCall: p.noopNsPerCall,
      sink: sinkDigest(),
    };
  }
  return report;
}

// Allocate YOUNG_GENERATION_TOUCH_BYTES of short-lived small objects, so
// every young-generation page has been written once (and faulted in) and
// scavenges flip between warm semi-spaces, as in a long-running program
// (about 60 ms of page faults, paid only by bodies that allocate).
// Its own sink (not the suites' blackhole, whose feedback the bodies
// share): the strings escape into it, so none can be optimized away.
const touchRing: string[] = ["", "", "", ""];
function touchYoungGeneration(): void {
  // A 1000-character string is about 1 KB, written by one builtin.
  const per = 1024;
  for (let i = 0; i < YOUNG_GENERATION_TOUCH_BYTES / per; i++) {
    touchRing[i & 3] = String.fromCharCode(97 + (i & 15)).repeat(1000);
  }
}

// Profile regions (module doc, step 5): grow the region until it takes
// PROFILE_REGION_NS (coarse timing is enough here: only the no-op warning
// reads time, bytes are exact), then regions of n, 2n, 3n and 4n calls,
// each after a collection, then the timed no-op reference through its own
// driver, warmed the same way.
function profileRegions(
  body: () => void,
  startCalls: number,
  warmup: number,
  natives: V8Natives,
  tierOf: (f: unknown) => Tier,
  options: { grow?: boolean } = {},
): ProfileRegions {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  let calls = startCalls;
  while (options.grow !== false && calls < PROFILE_MAX_CALLS) {
    const t0 = performance.now();
    driveCase(body, calls);
    if ((performance.now() - t0) * 1e6 >= PROFILE_REGION_NS) break;
    calls *= 2;
  }
  gc();
  const tierBefore = tierOf(body);
  const growth: number[] = [];
  let ns = 0;
  // Warm the heap read itself: its own tier-up allocates code once.
  for (let i = 0; i < 100; i++) readUsedHeapBytes();
  for (const k of PROFILE_REGIONS) {
    gc();
    const h0 = readUsedHeapBytes();
    const t0 = performance.now();
    driveCase(body, k * calls);
    ns += (performance.now() - t0) * 1e6;
    growth.push(readUsedHeapBytes() - h0);
  }
  const tierAfter = tierOf(body);
  const driverTier = tierOf(driveCase);
  natives.prepareFunctionForOptimization(driveNoop);
  driveNoop(NOOP_CASE.body, Math.max(warmup, WARMUP_CHUNK));
  natives.optimizeFunctionOnNextCall(driveNoop);
  driveNoop(NOOP_CASE.body, 1);
  // Enough calls that the timer's resolution does not matter (time mode's
  // regions can be a few calls), the least of three.
  const noopCalls = Math.max(regionCalls * calls, NOOP_MIN_CALLS);
  let noopNs = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    driveNoop(NOOP_CASE.body, noopCalls);
    noopNs = Math.min(noopNs, (performance.now() - t0) * 1e6 / noopCalls);
  }
  return {
    calls,
    heapGrowth: growth,
    nsPerCall: ns / (regionCalls * calls),
    noopNsPerCall: noopNs,
    tierBefore,
    tierAfter,
    driverTier,
  };
}

/**
 * Paired mode's slices last this many times the timer's resolution or read
 * cost (a quarter of a time-mode sample): short, so that on a loaded
 * machine many slices of each side run undisturbed, and long enough that
 * the two timer reads stay well under 1% of a slice.
 */
export const PAIRED_SLICE_TIMER_FACTOR = 250;

// Paired mode's drivers: one literal per side, so each call site stays
// monomorphic (one body each) and neither side's feedback shapes the
// other's code. Identical source, so any difference between them is code
// placement, which alternating the import order between processes averages.
function driveBase(body: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) body();
  return performance.now() - t0;
}

function driveHead(body: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) body();
  return performance.now() - t0;
}

async function loadPairedCase(
  args: HarnessArgs,
  module: string,
): Promise<BenchCase> {
  return findCase(
    await loadModuleCases(module, args.kind ?? "cases", {
      opsPerCall: args.opsPerCall,
    }),
    { group: args.group, name: args.name, source: module },
  );
}

// Paired mode: base and head in this one process, imported and warmed in
// the order asked, then `calls` blocks of four slices in A B B A order
// (or B A A B), every slice `batch` calls through the side's own driver.
async function runPaired(
  args: HarnessArgs,
  natives: V8Natives,
  tierOf: (f: unknown) => Tier,
): Promise<HarnessReport> {
  const first = args.first ?? "base";
  const order: ("base" | "head")[] = first === "base"
    ? ["base", "head"]
    : ["head", "base"];
  const cases: Partial<Record<"base" | "head", BenchCase>> = {};
  for (const side of order) {
    cases[side] = await loadPairedCase(
      args,
      side === "base" ? args.module : args.headModule!,
    );
  }
  const base = cases.base!.body;
  const head = cases.head!.body;
  const drive = { base: driveBase, head: driveHead };
  const bodies = { base, head };
  const explicit = {
    base: explicitTimingOf(base),
    head: explicitTimingOf(head),
  };
  // ns of one slice of `calls` calls on `side` (the b.start()/b.end() part
  // when the bench marks one).
  const slice = (side: "base" | "head", calls: number) => {
    const ms = drive[side](bodies[side], calls);
    const inner = explicit[side]?.() ?? -1;
    return inner >= 0 ? inner : ms * 1e6;
  };
  let warmed = 0;
  for (const side of order) {
    natives.prepareFunctionForOptimization(drive[side]);
    let n = 0;
    const cap = Math.max(args.warmup, 1) * MAX_WARMUP_FACTOR;
    while (
      n < args.warmup || (tierOf(bodies[side]) !== "turbofan" && n < cap)
    ) {
      slice(side, WARMUP_CHUNK);
      n += WARMUP_CHUNK;
    }
    natives.optimizeFunctionOnNextCall(drive[side]);
    slice(side, 1);
    warmed += n + 1;
  }
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  touchYoungGeneration();
  gc();
  for (const side of order) slice(side, WARMUP_CHUNK);
  const timer = measureTimer();
  const target = PAIRED_SLICE_TIMER_FACTOR *
    Math.max(timer.resolutionNs, timer.costNs);
  const batch = args.batch ?? calibrateBatch((n) => slice("base", n), target);
  const start = args.start ?? "base";
  const other = start === "base" ? "head" : "base";
  const pattern = [start, other, other, start] as const;
  const tierBefore = tierOf(base);
  const headTierBefore = tierOf(head);
  const logRatios: number[] = [];
  const perCall = { base: [] as number[], head: [] as number[] };
  for (let b = 0; b < args.calls; b++) {
    const ns = { base: 0, head: 0 };
    for (const side of pattern) {
      const t = slice(side, batch);
      ns[side] += t;
      perCall[side].push(t / batch);
    }
    logRatios.push(Math.log(ns.head / ns.base));
  }
  return {
    case: `${cases.base!.group}/${cases.base!.name}`,
    opsPerCall: cases.base!.opsPerCall,
    calls: args.calls,
    warmup: warmed,
    tierBefore,
    tierAfter: tierOf(base),
    driverTier: tierOf(driveBase),
    heapGrowth: [],
    paired: {
      logRatios,
      batch,
      baseNs: perCall.base,
      headNs: perCall.head,
      headTierBefore,
      headTierAfter: tierOf(head),
      first,
      start,
    },
    sink: sinkDigest(),
  };
}

/** A sample must last at least this many times the timer's resolution (and the cost of reading it), so neither matters. */
export const SAMPLE_TIMER_FACTOR = 1000;
/**
 * ... and at least this long (0.3 ms), so that the target, and with it the
 * batch, does not follow the measured timer cost (0.12-0.27 us a read here,
 * which would make targets of 120-270 us and batches differing by 2x
 * between processes of one case). Still more than ten times shorter than
 * the scheduler's 4 ms time slice, so on a loaded machine most samples run
 * undisturbed.
 */
export const SAMPLE_MIN_NS = 300_000;
/** Calibration times each batch size this many times and keeps the least (preemption only adds). */
export const CALIBRATION_TRIALS = 5;
/** Time mode stops sampling after this long (ms) when it has {@linkcode MIN_SAMPLES} already: only bodies slower than about 10 ms a call reach it. */
export const SAMPLING_BUDGET_MS = 1500;
/** The fewest samples time mode takes (when fewer are asked, that many). */
export const MIN_SAMPLES = 11;
/** The most calls one sample may batch. */
export const MAX_BATCH = 1 << 24;
/** Samples a result keeps per process; more are downsampled evenly (in time order). */
export const MAX_KEPT_SAMPLES = 128;

/** {@linkcode cpuProbe} times its workload this many times and keeps the least. */
export const CPU_PROBE_REPS = 7;
/** Steps of {@linkcode cpuProbe}'s workload (about 30 us here). */
export const CPU_PROBE_STEPS = 16_384;

/** The cell {@linkcode cpuProbe}'s workload adds to: an array element, so every step is a load and a store the JIT must keep. */
const probeCell = new Int32Array(2);

// A chain of read-modify-writes of one memory word: each step waits for
// the previous store (store-to-load forwarding), like a hot counter.
function probeWork(steps: number): void {
  for (let i = 0; i < steps; i++) probeCell[i & 1] += i;
}

// One timed run of the probe's workload, ns.
function probeOnceNs(): number {
  const t0 = performance.now();
  probeWork(CPU_PROBE_STEPS);
  return (performance.now() - t0) * 1e6;
}

/**
 * How fast the CPU this process runs on is right now: the least time, in
 * ns, of {@linkcode CPU_PROBE_REPS} runs of a fixed chain of
 * {@linkcode CPU_PROBE_STEPS} read-modify-writes of one memory word (no
 * allocation, nothing the case or the heap can change). Time mode runs
 * the workload once after every sample and reports its least time as
 * {@linkcode TimeSamples.cpuProbeNs}; the runner compares it across the
 * processes of a run. On this 2-core VM the host runs the two virtual
 * CPUs at speeds up to 10% apart, and at times one of them 1.4-1.9x
 * slower for tens of seconds; a process scheduled there is slow in every
 * sample (README, "How stable are the figures").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuProbe } from "./case_harness.ts";
 *
 * const ns = cpuProbe();
 * assert(Number.isFinite(ns) && ns > 0);
 * ```
 */
export function cpuProbe(): number {
  probeWork(CPU_PROBE_STEPS); // compiled before the first timed run
  let best = Infinity;
  for (let r = 0; r < CPU_PROBE_REPS; r++) best = Math.min(best, probeOnceNs());
  return best;
}

/**
 * The CPU this process last ran on (field 39 of Linux's `/proc/self/stat`),
 * or -1 where that cannot be read (another OS, no read permission).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentCpu } from "./case_harness.ts";
 *
 * const cpu = currentCpu();
 * assert(Number.isInteger(cpu) && cpu >= -1);
 * ```
 */
export function currentCpu(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // Fields after the command name, which is in parentheses: state is 3.
    const cpu = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[36]);
    return Number.isInteger(cpu) && cpu >= 0 ? cpu : -1;
  } catch {
    return -1;
  }
}

/** {@linkcode measureTimer} reads the timer in this many bursts... */
export const TIMER_BURSTS = 40;
/** ... of this many reads each (about 0.1 ms a burst here, far shorter than a scheduler time slice). */
export const TIMER_BURST_READS = 400;

/**
 * The timer's resolution and the cost of one read, measured now: the
 * smallest non-zero step between consecutive `performance.now()` reads,
 * and the least mean read time over {@linkcode TIMER_BURSTS} short bursts.
 *
 * Why short bursts: one long burst (it was 20,000 reads, about 5 ms) is
 * often preempted on a loaded machine, and its mean then carried the
 * preemption: the cost came out at 0.4-2.9 us instead of 0.12-0.27 us, so
 * the sample target (1000 times the cost) grew to milliseconds, samples
 * as long as the scheduler's 4 ms slice were rarely undisturbed (their
 * times fell into steps of 4 ms), and the calibrated batch differed
 * between processes of one case. A short burst is rarely preempted, and
 * the least of 40 is one that was not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureTimer } from "./case_harness.ts";
 *
 * const t = measureTimer();
 * assert(t.resolutionNs > 0 && t.costNs > 0);
 * ```
 */
export function measureTimer(): { resolutionNs: number; costNs: number } {
  let resolution = Infinity;
  let cost = Infinity;
  let span = 0;
  for (let b = 0; b < TIMER_BURSTS; b++) {
    let last = performance.now();
    const t0 = last;
    for (let i = 0; i < TIMER_BURST_READS; i++) {
      const now = performance.now();
      if (now > last && now - last < resolution) resolution = now - last;
      last = now;
    }
    cost = Math.min(cost, (last - t0) * 1e6 / TIMER_BURST_READS);
    span += last - t0;
  }
  const costNs = Math.max(cost, 1);
  // A timer that never moved in the bursts is coarser than all of them.
  const resolutionNs = Number.isFinite(resolution)
    ? resolution * 1e6
    : Math.max(span * 1e6, 1e6);
  return { resolutionNs, costNs };
}

/**
 * The calls per sample: doubled from 1 until a batch lasts `targetNs`
 * (the least of {@linkcode CALIBRATION_TRIALS} timings through `time`, which returns the ns a
 * batch of `calls` took, so a preempted timing does not stop the doubling
 * early), or {@linkcode MAX_BATCH}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrateBatch } from "./case_harness.ts";
 *
 * // A body of 3 ns per call against a 100 us target: 2^16 calls (196 us).
 * assert.equal(calibrateBatch((calls) => 3 * calls, 100_000), 65536);
 * assert.equal(calibrateBatch((calls) => 1e6 * calls, 100_000), 1);
 * ```
 */
export function calibrateBatch(
  time: (calls: number) => number,
  targetNs: number,
): number {
  let calls = 1;
  while (calls < MAX_BATCH) {
    // The least of several: the first batch of a new size may still carry
    // one-off work, and any of them may be preempted (which only adds).
    let ns = Infinity;
    for (let t = 0; t < CALIBRATION_TRIALS; t++) ns = Math.min(ns, time(calls));
    if (ns >= targetNs) break;
    calls *= 2;
  }
  return calls;
}

/**
 * How long a time-mode sample must last, ns: {@linkcode SAMPLE_TIMER_FACTOR}
 * times the timer's resolution or read cost, whichever is larger, and at
 * least {@linkcode SAMPLE_MIN_NS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleTargetNs } from "./case_harness.ts";
 *
 * assert.equal(sampleTargetNs({ resolutionNs: 100, costNs: 250 }), 300_000);
 * assert.equal(sampleTargetNs({ resolutionNs: 1e6, costNs: 250 }), 1e9);
 * ```
 */
export function sampleTargetNs(
  timer: { resolutionNs: number; costNs: number },
): number {
  return Math.max(
    SAMPLE_TIMER_FACTOR * Math.max(timer.resolutionNs, timer.costNs),
    SAMPLE_MIN_NS,
  );
}

// Samples go through the warm-up driver (already optimized, with the body
// maybe inlined into it), bracketed by two timer reads.
function driveTimed(body: () => void, calls: number): number {
  const t0 = performance.now();
  driveCase(body, calls);
  return performance.now() - t0;
}

function timeSamples(
  body: () => void,
  samples: number,
  fixedBatch: number | undefined,
): TimeSamples {
  cpuProbe(); // compiles the probe before any sample
  const timer = measureTimer();
  const explicit = explicitTimingOf(body);
  const timeBatch = (calls: number) => {
    const ms = driveTimed(body, calls);
    const inner = explicit?.() ?? -1;
    return (inner >= 0 ? inner : ms * 1e6);
  };
  const target = sampleTargetNs(timer);
  const batch = fixedBatch ?? calibrateBatch(timeBatch, target);
  const all: number[] = [];
  let explicitTiming = false;
  let probeNs = Infinity;
  const fewest = Math.min(samples, MIN_SAMPLES);
  const ends = performance.now() + SAMPLING_BUDGET_MS;
  for (let i = 0; i < samples; i++) {
    if (i >= fewest && performance.now() > ends) break;
    const ms = driveTimed(body, batch);
    const inner = explicit?.() ?? -1;
    if (inner >= 0) explicitTiming = true;
    all.push((inner >= 0 ? inner : ms * 1e6) / batch);
    // One run of the CPU probe after each sample: its least time over the
    // samples is how fast this CPU ran while they were taken.
    probeNs = Math.min(probeNs, probeOnceNs());
  }
  const stride = Math.max(1, all.length / MAX_KEPT_SAMPLES);
  const kept: number[] = [];
  for (let i = 0; i < all.length && kept.length < MAX_KEPT_SAMPLES; i++) {
    kept.push(all[Math.floor(i * stride)]);
    if (Math.floor((i + 1) * stride) >= all.length) break;
  }
  return {
    samples: kept,
    sampleCount: all.length,
    batch,
    timerResolutionNs: timer.resolutionNs,
    timerCostNs: timer.costNs,
    explicitTiming,
    cpuProbeNs: probeNs,
    cpu: currentCpu(),
  };
}

// perf stat's control protocol: a command line on the control FIFO, then
// wait for "ack" on the other, so the counters are on before the region
// starts and off before the harness reads anything else.
function openPerfControl(spec: string): (command: string) => void {
  const [ctlPath, ackPath] = spec.split(",");
  const ctl = Deno.openSync(ctlPath, { write: true });
  const ack = Deno.openSync(ackPath, { read: true });
  const buf = new Uint8Array(16);
  const enc = new TextEncoder();
  return (command) => {
    ctl.writeSync(enc.encode(`${command}\n`));
    ack.readSync(buf);
  };
}

// V8's used heap size, to the byte (objects are counted at their allocated
// size; nothing is rounded). Reading it allocates a small result object,
// the same every call, which the differencing cancels. (node:v8's
// getHeapStatistics() gives the same figure, but importing node:v8 loads the
// Node compatibility layer: 75 million instructions, seconds under valgrind.)
function readUsedHeapBytes(): number {
  return Deno.memoryUsage().heapUsed;
}

if (import.meta.main) {
  const report = await runHarness(parseHarnessArgv(Deno.args));
  // deno-lint-ignore no-console -- the protocol line the parent parses from this child's stdout (readHarnessReport)
  console.log(HARNESS_MARKER + JSON.stringify(report));
}

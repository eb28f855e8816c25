/**
 * Instruction counts that repeat exactly: each case runs under Valgrind's
 * callgrind in two fresh processes, one with `N` and one with `2N` calls of
 * the same body, and the figure per operation is
 * `(I(2N) - I(N)) / N / opsPerCall` (the nanoBench method).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode runInstructionCounts} | every case of a project's suites, as a result file (`metric: "instructions"`, unit `instr/op`) |
 * | {@linkcode countCase}, {@linkcode CaseCount} | one case: the two counts and the figure |
 * | {@linkcode detectValgrind}, {@linkcode ValgrindUnavailableError} | is Valgrind there, and the one-sentence error when not |
 * | {@linkcode callgrindArgv}, {@linkcode parseCallgrindDump}, {@linkcode readRegionCount} | the callgrind command line and its output |
 * | {@linkcode chooseCalls} | `N` for a case |
 *
 * Why the difference cancels everything but the work: both processes do
 * exactly the same things (start Deno, import the modules, probe the V8
 * tiers, warm the body up to Turbofan through the driver loop, collect
 * garbage) before the measured region, and the same things after it. The
 * region itself is delimited by client requests ({@linkcode
 * ./callgrind_request.ts}): instrumentation starts and counters are zeroed
 * right before the driver loop, and dumped right after it, so start-up,
 * compilation and warm-up are not even counted; what remains of the
 * harness in the region (the FFI calls' return and entry paths, the
 * loop's entry and exit) is the same in both processes and cancels in
 * `I(2N) - I(N)`. What stays is `N` calls of the body plus `N` iterations
 * of the driver loop, which the no-op reference measures on its own
 * (typically a few instructions per call).
 *
 * Why it repeats: only the main thread's counts are read
 * (`--separate-threads=yes`; Deno's other threads otherwise add thousands
 * of instructions that vary from run to run), V8 runs single-threaded (no
 * concurrent compiler or GC: tier-up happens at the same call every run),
 * no collection falls inside the region (a 64 MB young generation, and `N`
 * bounded by the bytes the body allocates), and seeds are fixed. Measured
 * on Deno 2.9.6 / V8 15.0 under Valgrind 3.19: two runs of the same case
 * agree to the instruction or within a handful of instructions per region
 * (24 bitmap cases run twice: largest difference 0.00003% per operation).
 *
 * The code measured is what the JIT really runs: the body is warmed up to
 * Turbofan by V8's own heuristics before the region (not with the
 * optimizer switched off), and the tier it was in before and after the
 * region is recorded beside the figure.
 *
 * @module
 */

import { runTool } from "../../common/run_tool.ts";
import { roundPerOp } from "./_round.ts";
import type { Availability } from "./backend.ts";
import { readEnvironment } from "./environment.ts";
import type { BenchResult, ResultFile } from "../result/result.ts";
import { benchKey, RESULT_SCHEMA } from "../result/result.ts";
import {
  type CaseRef,
  discoverBenchFiles,
  loadCases,
} from "../suite/load_suite.ts";
import {
  harnessArgsFor,
  spawnHarness,
  type SpawnHarnessOptions,
} from "./harness/harness_process.ts";
import { HARNESS_V8_FLAGS } from "./harness/case_harness.ts";
import {
  ALLOCATION_GRANULARITY,
  type CaseProfile,
  figureWarnings,
  profileCase,
} from "./alloc.ts";
import type { Tier } from "./harness/v8_status.ts";

/** Valgrind's arguments before the `deno` command line; see the module documentation for why each. */
export const CALLGRIND_ARGS: readonly string[] = Object.freeze([
  "--tool=callgrind",
  // Nothing is instrumented until the harness asks, right before the region.
  "--instr-atstart=no",
  // One dump file per thread: the main (JavaScript) thread is read alone.
  "--separate-threads=yes",
  // V8 writes machine code into anonymous memory and rewrites it.
  "--smc-check=all-non-file",
]);

/** Operations per measured region when the body allocates little: `N = TARGET_OPS / opsPerCall`, rounded down to a power of two. */
export const TARGET_OPS = 65536;
/** The fewest calls in a region. */
export const MIN_CALLS = 16;
/** `2N` calls may allocate at most this many bytes (the young generation holds 64 MB), so no collection falls in the region. */
export const REGION_ALLOCATION_BUDGET = 24 * 2 ** 20;
/** Warm-up calls asked of the harness (it goes on while the body is not in Turbofan). */
export const COUNT_WARMUP_CALLS = 2000;
/**
 * A case whose cost exceeds the no-op reference's (per call, spread over
 * its operations) by less than this many instructions per operation
 * probably had its work removed by the JIT: no bitmap operation takes
 * fewer.
 */
export const NEAR_NOOP_INSTRUCTIONS_PER_OP = 1;

/**
 * Valgrind is not installed or does not run. The message is one sentence
 * that says how to get it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ValgrindUnavailableError } from "./instructions.ts";
 *
 * const e = new ValgrindUnavailableError("valgrind", "not found on PATH");
 * assert.ok(e.message.startsWith("Cannot count instructions as 'valgrind' is not available"));
 * ```
 */
export class ValgrindUnavailableError extends Error {
  /**
   * @param command the command that was tried
   * @param reason why it is unavailable, e.g. `"not found on PATH"`
   */
  constructor(command: string, reason: string) {
    super(
      `Cannot count instructions as '${command}' is not available (${reason}): install Valgrind (Debian: apt-get install valgrind) or pass the path of its binary`,
    );
    this.name = "ValgrindUnavailableError";
  }
}

/**
 * What {@linkcode detectValgrind} found: the measurement backends'
 * {@linkcode Availability}, the description being Valgrind's version
 * (e.g. `"valgrind-3.19.0"`), and the command tried.
 */
export type ValgrindStatus = Availability & {
  /** The command that was tried. */
  command: string;
};

/**
 * Whether `command --version` runs and says it is Valgrind.
 *
 * @example A command that does not exist
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectValgrind } from "./instructions.ts";
 *
 * const s = await detectValgrind("/nonexistent/valgrind");
 * assert(!s.available && s.reason === "no such file");
 * ```
 */
export async function detectValgrind(
  command = "valgrind",
): Promise<ValgrindStatus> {
  const out = await runTool(command, { args: ["--version"] });
  if (!out.started) return { available: false, command, reason: out.reason };
  const text = out.stdout.trim();
  if (!out.success || !/^valgrind-\d/.test(text)) {
    return {
      available: false,
      command,
      reason: `'${command} --version' printed '${
        text.slice(0, 60)
      }' and exited with code ${out.code}`,
    };
  }
  return { available: true, command, description: text };
}

/**
 * The whole command line that runs `deno ...` under callgrind, writing its
 * dumps as `<outFile>.<dump>-<thread>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callgrindArgv } from "./instructions.ts";
 *
 * const argv = callgrindArgv("valgrind", "/tmp/x/callgrind.out");
 * assert.equal(argv[0], "valgrind");
 * assert(argv.includes("--callgrind-out-file=/tmp/x/callgrind.out"));
 * ```
 */
export function callgrindArgv(command: string, outFile: string): string[] {
  return [command, ...CALLGRIND_ARGS, `--callgrind-out-file=${outFile}`];
}

/** The figures of one callgrind dump file. */
export interface CallgrindDump {
  /** Instructions (`Ir`) in the dump (its `totals:` line). */
  instructions: number;
  /** What made the dump, e.g. `"Client Request"` or `"Program termination"`. */
  trigger: string;
  /** The thread it covers (`--separate-threads=yes`), 0 when not separated. */
  thread: number;
}

/**
 * Read one callgrind output file: its `totals:` (or, lacking one,
 * `summary:`) line, the trigger and the thread.
 *
 * @throws {SyntaxError} when the text is not callgrind output or has no
 * total; the message names `source`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCallgrindDump } from "./instructions.ts";
 *
 * const d = parseCallgrindDump("# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\nthread: 1\ndesc: Trigger: Client Request\nevents: Ir\ntotals: 5057784\n", "x");
 * assert.deepEqual(d, { instructions: 5057784, trigger: "Client Request", thread: 1 });
 * assert.throws(() => parseCallgrindDump("hello", "x"), SyntaxError);
 * ```
 */
export function parseCallgrindDump(
  text: string,
  source: string,
): CallgrindDump {
  if (
    !/^creator: callgrind/m.test(text) && !/^# callgrind format/m.test(text)
  ) {
    throw new SyntaxError(
      `Cannot read callgrind output '${source}' as it is not callgrind output`,
    );
  }
  const total = /^totals:\s+(\d+)/m.exec(text) ??
    /^summary:\s+(\d+)/m.exec(text);
  if (total === null) {
    throw new SyntaxError(
      `Cannot read callgrind output '${source}' as it has no 'totals:' or 'summary:' line`,
    );
  }
  const events = /^events:\s+(\S+)/m.exec(text);
  if (events !== null && events[1] !== "Ir") {
    throw new SyntaxError(
      `Cannot read callgrind output '${source}' as its first event is '${
        events[1]
      }', not Ir`,
    );
  }
  return {
    instructions: Number(total[1]),
    trigger: /^desc: Trigger: (.+)$/m.exec(text)?.[1].trim() ?? "",
    thread: Number(/^thread:\s+(\d+)/m.exec(text)?.[1] ?? 0),
  };
}

/**
 * The instructions of the measured region: of the dumps a client request
 * wrote into `dir` (one per thread that ran anything), the main thread's,
 * i.e. the largest (the others are idle runtime threads).
 *
 * @throws {RangeError} when `dir` holds no client-request dump (the
 * process did not run under callgrind, or never reached the region).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRegionCount } from "./instructions.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const dump = (thread: number, trigger: string, n: number) =>
 *   `creator: callgrind-3.19.0\nthread: ${thread}\ndesc: Trigger: ${trigger}\nevents: Ir\ntotals: ${n}\n`;
 * await Deno.writeTextFile(`${dir}/callgrind.out.1-01`, dump(1, "Client Request", 5000));
 * await Deno.writeTextFile(`${dir}/callgrind.out.1-02`, dump(2, "Client Request", 12));
 * await Deno.writeTextFile(`${dir}/callgrind.out-01`, dump(1, "Program termination", 99));
 * assert.equal(await readRegionCount(dir), 5000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readRegionCount(dir: string): Promise<number> {
  let best: number | undefined;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !/\.\d+(-\d+)?$/.test(e.name)) continue;
    const path = `${dir}/${e.name}`;
    const d = parseCallgrindDump(await Deno.readTextFile(path), path);
    if (d.trigger !== "Client Request") continue;
    best = Math.max(best ?? 0, d.instructions);
  }
  if (best === undefined) {
    throw new RangeError(
      `Cannot read the measured region's count as '${dir}' holds no dump written by a client request`,
    );
  }
  return best;
}

/**
 * `N` for a case: {@linkcode TARGET_OPS} operations, fewer when `2N` calls
 * would allocate more than {@linkcode REGION_ALLOCATION_BUDGET} bytes,
 * rounded down to a power of two, at least {@linkcode MIN_CALLS}. It
 * depends only on the case's batch and its allocation (both exact), never
 * on timing, so every run of a case uses the same `N`.
 *
 * @throws {RangeError} when `opsPerCall` is not a positive integer or
 * `bytesPerCall` is negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseCalls } from "./instructions.ts";
 *
 * assert.equal(chooseCalls(64, 0), 1024);
 * assert.equal(chooseCalls(1, 0), 65536);
 * assert.equal(chooseCalls(1, 1000), 8192); // 2N x 1000 bytes stays under 24 MiB
 * ```
 */
export function chooseCalls(opsPerCall: number, bytesPerCall: number): number {
  if (!Number.isInteger(opsPerCall) || opsPerCall < 1) {
    throw new RangeError(
      `Cannot choose calls as 'opsPerCall' must be a positive integer: current value is ${opsPerCall}`,
    );
  }
  if (!(bytesPerCall >= 0)) {
    throw new RangeError(
      `Cannot choose calls as 'bytesPerCall' must be >= 0: current value is ${bytesPerCall}`,
    );
  }
  let n = TARGET_OPS / opsPerCall;
  if (bytesPerCall > 0) {
    n = Math.min(n, REGION_ALLOCATION_BUDGET / (2 * bytesPerCall));
  }
  const pow2 = 2 ** Math.floor(Math.log2(Math.max(1, n)));
  return Math.max(MIN_CALLS, pow2);
}

/** One case's instruction count. */
export interface CaseCount {
  /** `N`. */
  calls: number;
  /** Instructions of the region with `N` and with `2N` calls. */
  counts: [number, number];
  /** `(I(2N) - I(N)) / N`. */
  instructionsPerCall: number;
  /** `instructionsPerCall / opsPerCall`. */
  instructionsPerOp: number;
  /** The body's tier before the region (of the `2N` process). */
  tierBefore: Tier;
  /** The body's tier after it. */
  tierAfter: Tier;
  /** The driver loop's tier after it. */
  driverTier: Tier;
  /** Warm-up calls made. */
  warmup: number;
}

/** Options of {@linkcode countCase}. */
export interface CountOptions extends SpawnHarnessOptions {
  /** The Valgrind command. @default {"valgrind"} */
  valgrind?: string;
  /** Warm-up calls asked for. @default {COUNT_WARMUP_CALLS} */
  warmup?: number;
}

/**
 * Count one case (or, with `ref` `"noop"`, the no-op reference): two fresh
 * processes under callgrind, `N` and `2N` calls.
 *
 * @throws {RangeError} when `calls` is not a positive integer, or a
 * process left no client-request dump (it did not really run under
 * callgrind).
 * @throws {HarnessProcessError} when a process fails.
 *
 * @example
 * ```ts ignore
 * // Needs Valgrind; takes about ten seconds.
 * import { countCase } from "./instructions.ts";
 *
 * const c = await countCase("noop", 4096);
 * console.log(c.instructionsPerCall);
 * ```
 */
export async function countCase(
  ref: CaseRef | "noop",
  calls: number,
  options: CountOptions = {},
): Promise<CaseCount> {
  if (!Number.isInteger(calls) || calls < 1) {
    throw new RangeError(
      `Cannot count instructions as 'calls' must be a positive integer: current value is ${calls}`,
    );
  }
  const counts: number[] = [];
  let last: Awaited<ReturnType<typeof spawnHarness>>["report"] | undefined;
  for (const n of [calls, 2 * calls]) {
    const dir = await Deno.makeTempDir({ prefix: "pmubench-callgrind-" });
    try {
      const { report } = await spawnHarness({
        ...(ref === "noop"
          ? { module: "", group: "", name: "" }
          : harnessArgsFor(ref)),
        calls: n,
        warmup: options.warmup ?? COUNT_WARMUP_CALLS,
        mode: "count",
      }, {
        ...options,
        wrapper: callgrindArgv(
          options.valgrind ?? "valgrind",
          `${dir}/callgrind.out`,
        ),
      });
      counts.push(await readRegionCount(dir));
      last = report;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  const perCall = (counts[1] - counts[0]) / calls;
  return {
    calls,
    counts: [counts[0], counts[1]],
    instructionsPerCall: perCall,
    instructionsPerOp: perCall / last!.opsPerCall,
    tierBefore: last!.tierBefore,
    tierAfter: last!.tierAfter,
    driverTier: last!.driverTier,
    warmup: last!.warmup,
  };
}

/** Reported after each case (and after the no-op reference, `case` `"(reference)/no-op"`). */
export interface CountProgress {
  /** 1-based index among all measurements (the reference first). */
  index: number;
  /** Measurements in the whole call. */
  total: number;
  /** `group/name`. */
  case: string;
  /** Wall-clock seconds it took. */
  seconds: number;
  /** Its figure, instructions per op (absent when it failed). */
  instructionsPerOp?: number;
}

/** Options of {@linkcode runInstructionCounts}. */
export interface InstructionRunOptions extends CountOptions {
  /** Bench files relative to `cwd`. @default {discoverBenchFiles(cwd)} */
  files?: string[];
  /** Only cases whose name matches (`deno bench --filter` rules). @default {undefined} */
  filter?: string;
  /** Operations per call of cases from plain bench files (which declare none). @default {1} */
  opsPerCall?: number;
  /** Only cases this predicate accepts (after `filter`). @default {undefined} */
  select?: (ref: CaseRef) => boolean;
  /** Replicates per case (each a fresh `N`/`2N` pair). @default {1} */
  repeat?: number;
  /** Cases measured at once (counts do not depend on load). @default {1} */
  jobs?: number;
  /** Called after each case. @default {undefined} */
  onProgress?: (p: CountProgress) => void;
  /** Extra entries for the result's `flags`. @default {{}} */
  flags?: Record<string, string | number | boolean | null>;
}

/**
 * Count every case of the suites of `cwd` (the cases modules beside the
 * bench files) and return a result file: per case one bench with metric
 * `"instructions"`, unit `"instr/op"`, one replicate per `N`/`2N` pair,
 * its `profile` (`bytesPerOp` from a native profile process, see
 * {@linkcode ./alloc.ts}; `tier`, the body's tier after the region;
 * `tierBefore`, `driverTier`), its `count` (`calls`: `N`, `warmupCalls`,
 * `instructionsPerCall`) and, when any, `warning`. The no-op reference's instructions per call go to
 * `flags.noopInstructionsPerCall`. A case whose process fails is kept with
 * `failed` set.
 *
 * @throws {ValgrindUnavailableError} when Valgrind is missing (before
 * anything runs).
 * @throws {RangeError} when there are no bench files, no case matches, or
 * an option is out of range.
 *
 * @example
 * ```ts ignore
 * // Needs Valgrind; about ten seconds per case.
 * import { runInstructionCounts } from "./instructions.ts";
 *
 * const r = await runInstructionCounts(Deno.cwd(), { filter: "u64view" });
 * console.log(r.benches.map((b) => `${b.key} ${b.replicates[0]} instr/op`));
 * ```
 */
export async function runInstructionCounts(
  cwd: string,
  options: InstructionRunOptions = {},
): Promise<ResultFile> {
  const repeat = options.repeat ?? 1;
  const jobs = options.jobs ?? 1;
  for (const [name, v] of [["repeat", repeat], ["jobs", jobs]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `Cannot count instructions as '${name}' must be a positive integer: current value is ${v}`,
      );
    }
  }
  const valgrind = options.valgrind ?? "valgrind";
  const status = await detectValgrind(valgrind);
  if (!status.available) {
    throw new ValgrindUnavailableError(valgrind, status.reason);
  }
  const files = options.files ?? await discoverBenchFiles(cwd);
  if (files.length === 0) {
    throw new RangeError(
      `Cannot count instructions as '${cwd}' has no bench/*_bench.ts files`,
    );
  }
  const cases = (await loadCases(cwd, files, {
    filter: options.filter,
    opsPerCall: options.opsPerCall,
  }))
    .filter((c) => options.select?.(c) ?? true);
  if (cases.length === 0) {
    throw new RangeError(
      options.filter === undefined
        ? `Cannot count instructions as no cases module (X_cases.ts beside X_bench.ts) defines a case`
        : `Cannot count instructions as no case matched the filter '${options.filter}'`,
    );
  }
  const env = await readEnvironment(cwd);
  const date = new Date().toISOString();
  const spawn: CountOptions = { ...options, cwd, valgrind };
  const total = cases.length + 1;
  let index = 0;
  const progress = (name: string, started: number, perOp?: number) =>
    options.onProgress?.({
      index: ++index,
      total,
      case: name,
      seconds: (performance.now() - started) / 1000,
      ...(perOp === undefined ? {} : { instructionsPerOp: perOp }),
    });

  let started = performance.now();
  const noop = await countCase("noop", TARGET_OPS, spawn);
  progress("(reference)/no-op", started, noop.instructionsPerOp);

  const benches: BenchResult[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const ref = cases[i];
      const t0 = performance.now();
      benches[i] = await measureOne(ref, noop, repeat, spawn);
      progress(
        `${ref.case.group}/${ref.case.name}`,
        t0,
        benches[i].failed === undefined ? benches[i].replicates[0] : undefined,
      );
    }
  };
  started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(jobs, cases.length) }, worker),
  );
  return {
    schema: RESULT_SCHEMA,
    date,
    env,
    flags: {
      repeat,
      filter: options.filter ?? null,
      metric: "instructions",
      files: files.join(","),
      valgrind: status.description,
      v8Flags: HARNESS_V8_FLAGS.join(" "),
      noopInstructionsPerCall: roundPerOp(noop.instructionsPerCall),
      allocation: ALLOCATION_GRANULARITY,
      ...options.flags,
    },
    benches,
  };
}

async function measureOne(
  ref: CaseRef,
  noop: CaseCount,
  repeat: number,
  options: CountOptions,
): Promise<BenchResult> {
  const c = ref.case;
  const base: BenchResult = {
    key: benchKey(ref.file, c),
    file: ref.file,
    group: c.group,
    name: c.name,
    baseline: c.baseline ?? false,
    metric: "instructions",
    unit: "instr/op",
    opsPerCall: c.opsPerCall,
    axes: { ...c.axes },
    replicates: [],
  };
  let profile: CaseProfile;
  const counts: CaseCount[] = [];
  try {
    profile = await profileCase(ref, options);
    const calls = chooseCalls(c.opsPerCall, profile.bytesPerOp * c.opsPerCall);
    for (let r = 0; r < repeat; r++) {
      counts.push(await countCase(ref, calls, options));
    }
  } catch (e) {
    if (options.signal?.aborted) throw e;
    return {
      ...base,
      failed: e instanceof Error ? e.message : String(e),
    };
  }
  const last = counts[counts.length - 1];
  const warnings = figureWarnings({
    tierBefore: last.tierBefore,
    tierAfter: last.tierAfter,
    driverTier: last.driverTier,
    bytesExact: profile.bytesExact,
    // A reference case (axis "reference", e.g. a suite's own no-op) is
    // meant to be close to nothing; the warning is for real work.
    ...(c.axes.reference === undefined
      ? {
        aboveNoopPerOp: (last.instructionsPerCall - noop.instructionsPerCall) /
          c.opsPerCall,
        nearNoopThreshold: NEAR_NOOP_INSTRUCTIONS_PER_OP,
        unit: "instr/op",
      }
      : {}),
  });
  return {
    ...base,
    replicates: counts.map((x) => roundPerOp(x.instructionsPerOp)),
    profile: {
      bytesPerOp: roundPerOp(profile.bytesPerOp),
      tier: last.tierAfter,
      tierBefore: last.tierBefore,
      driverTier: last.driverTier,
    },
    count: {
      calls: last.calls,
      warmupCalls: last.warmup,
      instructionsPerCall: roundPerOp(last.instructionsPerCall),
    },
    ...(warnings.length > 0 ? { warning: warnings.join("; ") } : {}),
  };
}

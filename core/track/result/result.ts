/**
 * Result files: what `pmubench run` writes and every other command reads.
 *
 * A result file is self-describing JSON (schema
 * {@linkcode RESULT_SCHEMA}): the runtime and machine it was measured on,
 * the git state, the flags `run` was called with, and per bench one
 * *replicate* per `deno bench` process. A replicate is the per-operation
 * mean of one process: the `avg` `deno bench` reported for one call,
 * divided by the case's `opsPerCall`. Processes, not iterations, are the
 * unit of replication, because JIT tiering, heap layout and address-space
 * randomisation differ between processes and stay fixed within one.
 *
 * Plain `deno bench --json` output is accepted wherever a result file is
 * expected; it converts to one replicate per bench.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode ResultFile}, {@linkcode BenchResult} ({@linkcode MeasuredBench} or {@linkcode FailedBench}) | the schema |
 * | {@linkcode resultOf} | a result holding given benches, in an unknown environment unless told |
 * | {@linkcode parseResultText} | parse and validate our schema or `deno bench --json` output |
 * | {@linkcode validateResultValue} | validate an already parsed result (e.g. read back from the history) |
 * | {@linkcode readResultFile} | the same, from a path |
 * | {@linkcode serializeResult}, {@linkcode writeResultFile} | stable pretty JSON, to a string or a file |
 * | {@linkcode resultFromDenoBench} | convert one parsed `deno bench --json` report |
 * | {@linkcode benchKey} | `file::group::name`, the key history is tracked by |
 * | {@linkcode profileOf}, {@linkcode countOf}, {@linkcode hwCountersOf}, {@linkcode warningOf} | a bench's typed figures (also from older files' `extra`) |
 * | {@linkcode isFailed} | narrows a bench to a {@linkcode FailedBench} |
 *
 * @module
 */

import { describeValue, quoteValue } from "../../common/describe.ts";
import { opsPerCallFromName } from "../suite/bench_case.ts";
import { oneLine } from "../../common/text.ts";

/** The `schema` tag of every result file this version writes. */
export const RESULT_SCHEMA = "pmubench-result/1";

/**
 * The smallest non-zero replicate a result may hold. Below it a figure is
 * no measurement (a subnormal such as `5e-324` turns a ratio into
 * Infinity); a replicate of exactly 0 stays allowed (0 instructions).
 */
export const MIN_REPLICATE = 1e-9;
/** The largest replicate a result may hold; ratios of replicates stay finite. */
export const MAX_REPLICATE = 1e15;

/** The runtime, machine and git state a result was measured with. */
export interface ResultEnv {
  /** Deno version, e.g. `"2.9.6"`. */
  deno: string;
  /** V8 version, `""` when unknown (converted `deno bench` output). */
  v8: string;
  /** TypeScript version, `""` when unknown. */
  typescript: string;
  /** CPU model name. */
  cpu: string;
  /** Logical cores, 0 when unknown. */
  cores: number;
  /** Operating system and release, e.g. `"linux 6.1.0"`. */
  os: string;
  /** CPU architecture, e.g. `"x86_64"`. */
  arch: string;
  /** Full git commit hash, `null` outside a repository or when unknown. */
  commit: string | null;
  /** Whether the working tree had uncommitted changes, `null` when unknown. */
  dirty: boolean | null;
  /** Current branch, `null` when detached or unknown. */
  branch: string | null;
}

/** Raw per-call figures (ns) of one bench in one process, as `deno bench` reported them. */
export interface ProcessFigures {
  /** Iterations measured. */
  n: number;
  /** Fastest call, ns. */
  min: number;
  /** Mean call, ns. */
  avg: number;
  /** 75th percentile, ns. */
  p75: number;
  /** 99th percentile, ns. */
  p99: number;
}

/**
 * One process of the timing engine (`pmubench run`, engine `harness`):
 * what it measured and how.
 */
export interface TimedProcess {
  /** The process's estimate, the result's unit (the replicate, unless the run corrected it: {@linkcode TimedProcess.speedFactor}). */
  estimate: number;
  /** Calls per sample, as calibrated against the timer. */
  batch: number;
  /** Samples taken. */
  sampleCount: number;
  /** The body's V8 tier before the first sample (after warm-up). */
  tierBefore: string;
  /** Its tier after the last sample. */
  tierAfter: string;
  /** Warm-up calls made before sampling. */
  warmup: number;
  /** Whether `b.start()`/`b.end()` bounded the timed part. */
  explicitTiming: boolean;
  /** Per-sample figures in the result's unit, time order (downsampled evenly when many). */
  samples: number[];
  /** How fast the process's CPU ran while sampling (the least time of a fixed chain of memory read-modify-writes, run once after each sample), ns; absent in older files. */
  cpuProbeNs?: number;
  /** The CPU the process last ran on (-1: unknown); absent in older files. */
  cpu?: number;
  /** Where the run corrected for CPU speed (`flags.speedCorrection`): the replicate is `estimate` times this, the run's reference probe over `cpuProbeNs`. */
  speedFactor?: number;
}

/** Allocation and JIT tier of a case (`run`'s profile process, or the counting processes). */
export interface BenchProfile {
  /** Bytes allocated per operation. */
  bytesPerOp: number;
  /** The body's V8 tier after the measured region. */
  tier: string;
  /** The body's tier before it, where known. */
  tierBefore?: string;
  /** The driver loop's tier, where known. */
  driverTier?: string;
}

/** How the instruction counter measured a case (`metric: "instructions"`). */
export interface InstructionCount {
  /** `N`, body calls of the smaller region. */
  calls: number;
  /** Warm-up calls before the region. */
  warmupCalls: number;
  /** Instructions per body call. */
  instructionsPerCall: number;
}

/** Hardware counter figures per operation (`perf stat`). */
export interface HwCounterFigures {
  /** Cycles per operation. */
  cyclesPerOp: number;
  /** Retired instructions per operation, the CPU's own count. */
  hwInstructionsPerOp: number;
  /** Branch misses per operation. */
  branchMissesPerOp: number;
}

/** What every bench carries, measured or failed (see {@linkcode BenchResult}). */
export interface BenchFields {
  /** `${file}::${group}::${name}`, see {@linkcode benchKey}. */
  key: string;
  /** The bench file's base name, e.g. `"bitmap_bench.ts"`. */
  file: string;
  /** The `Deno.bench` group, `""` if none. */
  group: string;
  /** The case name. */
  name: string;
  /** Whether the case is its group's baseline. */
  baseline: boolean;
  /** What was measured: `"time"` (others, e.g. `"instructions"`, may follow). */
  metric: string;
  /** Unit of {@linkcode BenchResult.replicates}: `"ns/op"` for time. */
  unit: string;
  /** Operations per call of the case body; figures are divided by it. */
  opsPerCall: number;
  /** The axes the case sits on, when its cases module was found. */
  axes?: Record<string, string | number | boolean>;
  /** One figure per process (per operation), in process order. */
  replicates: number[];
  /** Raw per-call figures per process, as `deno bench` reported them (engine `deno-bench`). */
  processes?: ProcessFigures[];
  /** Per process, what the timing engine measured (engine `harness`). */
  timing?: TimedProcess[];
  /**
   * Processes the runner measured and then set aside because their CPU ran
   * slow ({@linkcode TimedProcess.cpuProbeNs} beyond the run's tolerance)
   * or their estimate lay far over or under their case's others, each replaced by
   * a new process; kept so no figure is lost. Not in `replicates`.
   */
  discarded?: TimedProcess[];
  /** Allocation and tier, where profiled. */
  profile?: BenchProfile;
  /** How the instruction counter measured it (`metric: "instructions"`). */
  count?: InstructionCount;
  /** Hardware counters, where `perf` could read them. */
  hw?: HwCounterFigures;
  /** What the figure deserves a warning for (sentences joined by `"; "`). */
  warning?: string;
  /**
   * Untyped figures of older result files (and other tools). Read them
   * through {@linkcode profileOf}, {@linkcode countOf},
   * {@linkcode hwCountersOf} and {@linkcode warningOf}; this version writes
   * the typed fields instead.
   *
   * @deprecated Use the typed fields.
   */
  extra?: Record<string, number | string | boolean>;
}

/** A bench that every process measured; `failed` is absent. */
export interface MeasuredBench extends BenchFields {
  /** Absent: nothing failed. */
  failed?: undefined;
}

/**
 * A bench that failed in at least one process: `failed` holds the first
 * failure's message; `replicates` holds what the other processes measured
 * (often none), and no verdict is drawn from them.
 */
export interface FailedBench extends BenchFields {
  /** Why it failed (the first failure's message, possibly several lines). */
  failed: string;
}

/**
 * One bench's figures across the processes of one run: measured, or
 * failed. `failed` is the discriminant (`b.failed !== undefined` narrows
 * to {@linkcode FailedBench}); on disk a failed bench is one whose
 * `failed` field is set, as in every version of the schema.
 */
export type BenchResult = MeasuredBench | FailedBench;

/** A whole result file. */
export interface ResultFile {
  /** Always {@linkcode RESULT_SCHEMA}. */
  schema: "pmubench-result/1";
  /** When the measurement started, ISO 8601. */
  date: string;
  /** Runtime, machine and git state. */
  env: ResultEnv;
  /** What `run` was called with (repeat, filter, metric, ...). */
  flags: Record<string, string | number | boolean | null>;
  /** Every bench, in the order the first process reported them. */
  benches: BenchResult[];
  /** Where the figures came from when not `pmubench run`, e.g. `"deno bench --json"`. */
  origin?: string;
}

/** Options of {@linkcode parseResultText}. */
export interface ParseResultOptions {
  /**
   * The `date` given to converted `deno bench --json` output, which carries
   * none ({@linkcode readResultFile} passes the file's modification time).
   *
   * @default {new Date().toISOString()}
   */
  date?: string;
}

/** Options of {@linkcode resultOf}. */
export interface ResultOfOptions {
  /** When it was measured. @default {new Date().toISOString()} */
  date?: string;
  /** Fields of the environment; the others are unknown (`""`, 0 cores, `null` git state). @default {{}} */
  env?: Partial<ResultEnv>;
  /** What `run` was called with. @default {{}} */
  flags?: ResultFile["flags"];
  /** Where the figures came from when not `pmubench run`. @default {undefined} */
  origin?: string;
}

/**
 * A result holding `benches`: the one place a result is built around
 * benches measured elsewhere (converted `deno bench` output, the levels
 * `check` compares, tests and examples). The environment is unknown
 * (empty strings, 0 cores, `null` git state) except for the fields given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultOf } from "./result.ts";
 *
 * const r = resultOf([], { date: "2025-01-01T00:00:00.000Z", env: { cores: 2 } });
 * assert.equal(r.schema, "pmubench-result/1");
 * assert.deepEqual(r.env, { deno: "", v8: "", typescript: "", cpu: "", cores: 2, os: "", arch: "", commit: null, dirty: null, branch: null });
 * assert.deepEqual(r.flags, {});
 * ```
 */
export function resultOf(
  benches: BenchResult[],
  options: ResultOfOptions = {},
): ResultFile {
  return {
    schema: RESULT_SCHEMA,
    date: options.date ?? new Date().toISOString(),
    env: {
      deno: "",
      v8: "",
      typescript: "",
      cpu: "",
      cores: 0,
      os: "",
      arch: "",
      commit: null,
      dirty: null,
      branch: null,
      ...options.env,
    },
    flags: options.flags ?? {},
    benches,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  };
}

/**
 * The key history is tracked by: `file::group::name`. The group and name
 * come as one object, so a case (`{ group, name, ... }`) or a bench is
 * passed as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchKey } from "./result.ts";
 *
 * assert.equal(benchKey("bitmap_bench.ts", { group: "", name: "u64 x8" }), "bitmap_bench.ts::::u64 x8");
 * ```
 */
export function benchKey(
  file: string,
  bench: { readonly group: string; readonly name: string },
): string {
  return `${file}::${bench.group}::${bench.name}`;
}

/**
 * A bench's allocation and tier: its `profile`, else what an older file
 * kept in `extra` (`bytesPerOp` and `tier`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileOf } from "./result.ts";
 *
 * assert.deepEqual(profileOf({ profile: { bytesPerOp: 0, tier: "turbofan" } }), { bytesPerOp: 0, tier: "turbofan" });
 * assert.deepEqual(profileOf({ extra: { bytesPerOp: 8, tier: "maglev" } }), { bytesPerOp: 8, tier: "maglev" });
 * assert.equal(profileOf({}), undefined);
 * ```
 */
export function profileOf(
  b: Pick<BenchResult, "profile" | "extra">,
): BenchProfile | undefined {
  if (b.profile !== undefined) return b.profile;
  const e = b.extra;
  if (typeof e?.bytesPerOp !== "number" && typeof e?.tier !== "string") {
    return undefined;
  }
  const out: BenchProfile = {
    bytesPerOp: typeof e.bytesPerOp === "number" ? e.bytesPerOp : NaN,
    tier: typeof e.tier === "string" ? e.tier : "",
  };
  if (typeof e.tierBefore === "string") out.tierBefore = e.tierBefore;
  if (typeof e.driverTier === "string") out.driverTier = e.driverTier;
  return out;
}

/**
 * How the instruction counter measured a bench: its `count`, else an
 * older file's `extra` (`calls`, `warmupCalls`, `instructionsPerCall`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countOf } from "./result.ts";
 *
 * assert.equal(countOf({ extra: { calls: 64, warmupCalls: 2000, instructionsPerCall: 80 } })?.calls, 64);
 * assert.equal(countOf({}), undefined);
 * ```
 */
export function countOf(
  b: Pick<BenchResult, "count" | "extra">,
): InstructionCount | undefined {
  if (b.count !== undefined) return b.count;
  const e = b.extra;
  if (typeof e?.calls !== "number") return undefined;
  return {
    calls: e.calls,
    warmupCalls: typeof e.warmupCalls === "number" ? e.warmupCalls : 0,
    instructionsPerCall: typeof e.instructionsPerCall === "number"
      ? e.instructionsPerCall
      : NaN,
  };
}

/**
 * A bench's hardware counter figures: its `hw`, else an older file's
 * `extra`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hwCountersOf } from "./result.ts";
 *
 * assert.equal(hwCountersOf({ extra: { cyclesPerOp: 3, hwInstructionsPerOp: 9, branchMissesPerOp: 0 } })?.cyclesPerOp, 3);
 * assert.equal(hwCountersOf({}), undefined);
 * ```
 */
export function hwCountersOf(
  b: Pick<BenchResult, "hw" | "extra">,
): HwCounterFigures | undefined {
  if (b.hw !== undefined) return b.hw;
  const e = b.extra;
  if (
    typeof e?.cyclesPerOp !== "number" ||
    typeof e.hwInstructionsPerOp !== "number" ||
    typeof e.branchMissesPerOp !== "number"
  ) return undefined;
  return {
    cyclesPerOp: e.cyclesPerOp,
    hwInstructionsPerOp: e.hwInstructionsPerOp,
    branchMissesPerOp: e.branchMissesPerOp,
  };
}

/**
 * A bench's warning: its `warning`, else an older file's `extra.warning`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warningOf } from "./result.ts";
 *
 * assert.equal(warningOf({ warning: "w" }), "w");
 * assert.equal(warningOf({ extra: { warning: "old" } }), "old");
 * assert.equal(warningOf({}), undefined);
 * ```
 */
export function warningOf(
  b: Pick<BenchResult, "warning" | "extra">,
): string | undefined {
  if (b.warning !== undefined) return b.warning;
  return typeof b.extra?.warning === "string" ? b.extra.warning : undefined;
}

/**
 * Whether a bench failed; narrows it to a {@linkcode FailedBench}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFailed, resultOf } from "./result.ts";
 *
 * const bench = { key: "a::g::f", file: "a", group: "g", name: "f", baseline: false, metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [] };
 * const r = resultOf([{ ...bench, failed: "boom" }, { ...bench, name: "ok", key: "a::g::ok", replicates: [1] }]);
 * assert.deepEqual(r.benches.filter(isFailed).map((b) => b.failed.length), [4]);
 * ```
 */
export function isFailed(b: BenchResult): b is FailedBench {
  return b.failed !== undefined;
}

/**
 * Parse a result file, or plain `deno bench --json` output, and validate
 * every field.
 *
 * @throws {SyntaxError} when `text` is not JSON (e.g. truncated).
 * @throws {TypeError} when it is JSON of another shape (another tool's
 * output, a missing or mistyped field); the message names `source` and the
 * field.
 * @throws {RangeError} when a replicate is neither 0 nor within
 * [{@linkcode MIN_REPLICATE}, {@linkcode MAX_REPLICATE}].
 *
 * @example Our own schema round-trips
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResultText, serializeResult, type ResultFile } from "./result.ts";
 *
 * const r: ResultFile = {
 *   schema: "pmubench-result/1",
 *   date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "x", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: { repeat: 1 },
 *   benches: [{ key: "a_bench.ts::::f", file: "a_bench.ts", group: "", name: "f", baseline: false,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [12.5] }],
 * };
 * const back = parseResultText(serializeResult(r), "r.json");
 * assert(back.benches[0].replicates[0] === 12.5);
 * ```
 *
 * @example Plain `deno bench --json` output converts to one replicate
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResultText } from "./result.ts";
 *
 * const text = JSON.stringify({
 *   version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "AMD EPYC",
 *   benches: [{ origin: "file:///w/bench/a_bench.ts", group: "g", name: "u64 x4", baseline: true,
 *     results: [{ ok: { n: 10, min: 7, max: 9, avg: 8, p75: 8, p99: 9 } }] }],
 * });
 * const r = parseResultText(text, "out.json", { date: "2025-01-01T00:00:00.000Z" });
 * assert(r.benches[0].key === "a_bench.ts::g::u64 x4");
 * assert(r.benches[0].replicates[0] === 2); // avg 8 ns per call / 4 ops per call
 * ```
 */
export function parseResultText(
  text: string,
  source: string,
  options: ParseResultOptions = {},
): ResultFile {
  // A byte-order mark reads the same from a file and from standard input.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SyntaxError(
      `Cannot read result '${source}' as ${describeJsonError(text, why)}`,
    );
  }
  if (!isObject(data)) {
    throw new TypeError(
      `Cannot read result '${source}' as it is neither a pmubench result nor 'deno bench --json' output: current value is ${
        describeValue(data)
      }`,
    );
  }
  if (data.schema === RESULT_SCHEMA) return validateResult(data, source);
  if (
    typeof data.schema === "string" &&
    data.schema.startsWith("pmubench-result/")
  ) {
    throw new TypeError(
      `Cannot read result '${source}' as its schema ${
        quoted(data.schema)
      } is not supported: this version reads '${RESULT_SCHEMA}'`,
    );
  }
  if (data.version === 1 && Array.isArray(data.benches)) {
    return resultFromDenoBench(data, source, options);
  }
  const keys = Object.keys(data).slice(0, 6).map((k) =>
    quoted(k, 30).replace(/^'(.*)'/, "$1")
  ).join(", ");
  throw new TypeError(
    `Cannot read result '${source}' as it is neither a pmubench result (schema '${RESULT_SCHEMA}') nor 'deno bench --json' output: current value is an object with keys ${
      keys === "" ? "(none)" : keys
    }`,
  );
}

/**
 * Validate an already parsed value as a result of our schema: what
 * {@linkcode parseResultText} checks after `JSON.parse`, for results that
 * come from elsewhere (rows read back from the history).
 *
 * @throws {TypeError} when `data` is not a result object, a field is
 * missing or mistyped; the message names `source` and the field.
 * @throws {RangeError} when a replicate is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateResultValue } from "./result.ts";
 *
 * assert.throws(
 *   () => validateResultValue({ schema: "pmubench-result/1", date: "x" }, "h.db (run 1)"),
 *   /Cannot read result 'h.db \(run 1\)' as 'date' must be a string|ISO 8601/,
 * );
 * ```
 */
export function validateResultValue(data: unknown, source: string): ResultFile {
  if (!isObject(data)) {
    throw new TypeError(
      `Cannot read result '${source}' as it must be an object: current value is ${
        describeValue(data)
      }`,
    );
  }
  return validateResult({ ...data, schema: RESULT_SCHEMA }, source);
}

/**
 * Read and validate a result file (or `deno bench --json` output) from
 * disk. Converted `deno bench` output is dated by the file's modification
 * time.
 *
 * @throws {Deno.errors.NotFound} when the file does not exist.
 * @throws {SyntaxError} / {TypeError} as {@linkcode parseResultText}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResultFile } from "./result.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({ version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c", benches: [] }));
 * const r = await readResultFile(path);
 * assert(r.benches.length === 0 && r.origin === "deno bench --json");
 * await Deno.remove(path);
 * ```
 */
export async function readResultFile(path: string): Promise<ResultFile> {
  const text = await Deno.readTextFile(path);
  let date: string | undefined;
  try {
    date = (await Deno.stat(path)).mtime?.toISOString();
  } catch {
    // A file that vanished between read and stat keeps the default date.
  }
  return parseResultText(text, path, date === undefined ? {} : { date });
}

/**
 * Stable pretty-printed JSON (two-space indent, trailing newline), the
 * exact bytes `run` writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeResult } from "./result.ts";
 *
 * const text = serializeResult({
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 0, os: "", arch: "", commit: null, dirty: null, branch: null },
 *   flags: {}, benches: [],
 * });
 * assert(text.endsWith("}\n"));
 * ```
 */
export function serializeResult(r: ResultFile): string {
  // Known fields first in a fixed order; unknown ones keep theirs after them.
  const ordered: ResultFile = Object.assign(
    {
      schema: r.schema,
      date: r.date,
      ...(r.origin === undefined ? {} : { origin: r.origin }),
      env: r.env,
      flags: r.flags,
    },
    r,
    { benches: r.benches.map(orderBench) },
  );
  return JSON.stringify(ordered, null, 2) + "\n";
}

// Identity and figures first, bulky raw figures last, so a result reads top-down.
function orderBench(b: BenchResult): BenchResult {
  const { key, file, group, name, baseline, metric, unit, opsPerCall } = b;
  const out: Record<string, unknown> = {
    key,
    file,
    group,
    name,
    baseline,
    metric,
    unit,
    opsPerCall,
    replicates: b.replicates,
  };
  if (b.axes !== undefined) out.axes = b.axes;
  if (b.failed !== undefined) out.failed = b.failed;
  if (b.warning !== undefined) out.warning = b.warning;
  if (b.profile !== undefined) out.profile = b.profile;
  if (b.count !== undefined) out.count = b.count;
  if (b.hw !== undefined) out.hw = b.hw;
  if (b.extra !== undefined) out.extra = b.extra;
  if (b.processes !== undefined) out.processes = b.processes;
  if (b.timing !== undefined) out.timing = b.timing;
  if (b.discarded !== undefined) out.discarded = b.discarded;
  // Fields added by later versions survive a rewrite.
  for (const [k, v] of Object.entries(b)) if (!(k in out)) out[k] = v;
  // The same fields as `b` (a bench of either kind), in another order.
  return out as unknown as BenchResult;
}

/**
 * Convert one parsed `deno bench --json` report into a result with one
 * replicate per bench (per-op figure = `avg / opsPerCallFromName(name)`).
 * Failed benches keep their message in `failed` and no replicate.
 *
 * @throws {TypeError} when `report` is not the `deno bench --json` shape;
 * the message names `source` and the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultFromDenoBench } from "./result.ts";
 *
 * const r = resultFromDenoBench({
 *   version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c",
 *   benches: [{ origin: "file:///b/a_bench.ts", group: null, name: "boom", baseline: false,
 *     results: [{ failed: { message: "boom" } }] }],
 * }, "stdout of process 1", { date: "2025-01-01T00:00:00.000Z" });
 * assert(r.benches[0].failed === "boom" && r.benches[0].replicates.length === 0);
 * ```
 */
export function resultFromDenoBench(
  report: unknown,
  source: string,
  options: ParseResultOptions = {},
): ResultFile {
  const at = (field: string) =>
    `Cannot read 'deno bench --json' output '${source}' as '${field}'`;
  if (!isObject(report)) {
    throw new TypeError(
      `${at("(top level)")} must be an object: current value is ${
        describeValue(report)
      }`,
    );
  }
  if (!Array.isArray(report.benches)) {
    throw new TypeError(
      `${at("benches")} must be an array: current value is ${
        describeValue(report.benches)
      }`,
    );
  }
  const runtime = typeof report.runtime === "string" ? report.runtime : "";
  // "Deno/2.9.6 x86_64-unknown-linux-gnu": version, then the target triple.
  const m = /^Deno\/(\S+)\s+([^-\s]+)-[^-\s]+-([^-\s]+)/.exec(runtime);
  const benches: BenchResult[] = report.benches.map((b: unknown, i: number) => {
    const where = `benches[${i}]`;
    if (!isObject(b)) {
      throw new TypeError(
        `${at(where)} must be an object: current value is ${describeValue(b)}`,
      );
    }
    const origin = requireString(b.origin, `${where}.origin`, at);
    const name = requireString(b.name, `${where}.name`, at);
    const group = b.group === null || b.group === undefined
      ? ""
      : requireString(b.group, `${where}.group`, at);
    const file = baseName(origin);
    const opsPerCall = opsPerCallFromName(name);
    const base: BenchResult = {
      key: benchKey(file, { group, name }),
      file,
      group,
      name,
      baseline: b.baseline === true,
      metric: "time",
      unit: "ns/op",
      opsPerCall,
      replicates: [],
    };
    if (!Array.isArray(b.results) || b.results.length === 0) {
      throw new TypeError(
        `${
          at(`${where}.results`)
        } must be a non-empty array: current value is ${
          describeValue(b.results)
        }`,
      );
    }
    const first: unknown = b.results[0];
    if (isObject(first) && isObject(first.failed)) {
      const f = first.failed;
      const msg = typeof f.exceptionMessage === "string"
        ? f.exceptionMessage
        : typeof f.message === "string"
        ? f.message
        : "failed";
      return { ...base, failed: msg };
    }
    if (!isObject(first) || !isObject(first.ok)) {
      throw new TypeError(
        `${
          at(`${where}.results[0]`)
        } must hold 'ok' or 'failed': current value is ${describeValue(first)}`,
      );
    }
    const ok = first.ok;
    const fig = (k: string) =>
      requirePositive(ok[k], `${where}.results[0].ok.${k}`, at);
    const figures: ProcessFigures = {
      n: fig("n"),
      min: fig("min"),
      avg: fig("avg"),
      p75: fig("p75"),
      p99: fig("p99"),
    };
    return {
      ...base,
      replicates: [
        requireReplicate(
          figures.avg / opsPerCall,
          `${where}.results[0].ok.avg`,
          at,
        ),
      ],
      processes: [figures],
    };
  });
  return resultOf(benches, {
    date: options.date,
    env: {
      deno: m?.[1] ?? runtime,
      cpu: typeof report.cpu === "string" ? report.cpu : "",
      os: m?.[3] ?? "",
      arch: m?.[2] ?? "",
    },
    origin: "deno bench --json",
  });
}

// ---------------------------------------------------------------------------
// Validation of our own schema.

type Obj = Record<string, unknown>;
type At = (field: string) => string;

function describeJsonError(text: string, why: string): string {
  const body = text.trimEnd();
  if (body.trim() === "") return "it is empty";
  const at = /at position (\d+)/.exec(why);
  if (
    /end of JSON/i.test(why) || (at !== null && Number(at[1]) >= body.length)
  ) {
    return `it is truncated: the JSON stops after ${body.length} characters`;
  }
  // V8 quotes the text around the error, raw newlines and all.
  return `it is not JSON (${oneLine(why, 200)})`;
}

/** A value in single quotes, bounded and escaped like {@linkcode quoteValue}. */
function quoted(v: string, max?: number): string {
  return quoteValue(v, max).replace(/^"(.*)"(?=$|\.\.\. )/, "'$1'");
}

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function baseName(pathOrUrl: string): string {
  const parts = pathOrUrl.split(/[\\/]/);
  return parts[parts.length - 1];
}

function requireString(v: unknown, field: string, at: At): string {
  if (typeof v !== "string") {
    throw new TypeError(
      `${at(field)} must be a string: current value is ${describeValue(v)}`,
    );
  }
  return v;
}

function requirePositive(v: unknown, field: string, at: At): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new TypeError(
      `${at(field)} must be a finite number >= 0: current value is ${
        describeValue(v)
      }`,
    );
  }
  return v;
}

function requireReplicate(v: unknown, field: string, at: At): number {
  const x = requirePositive(v, field, at);
  if (x !== 0 && (x < MIN_REPLICATE || x > MAX_REPLICATE)) {
    throw new RangeError(
      `${
        at(field)
      } must be 0 or within [${MIN_REPLICATE}, ${MAX_REPLICATE}]: current value is ${
        describeValue(x)
      }`,
    );
  }
  return x;
}

function requireCount(v: unknown, field: string, at: At): number {
  const x = requirePositive(v, field, at);
  if (!Number.isSafeInteger(x)) {
    throw new TypeError(
      `${at(field)} must be a non-negative integer: current value is ${
        describeValue(x)
      }`,
    );
  }
  return x;
}

function requireNullable<T>(
  v: unknown,
  field: string,
  at: At,
  kind: "string" | "boolean",
): T | null {
  if (v === null) return null;
  const ok = kind === "string" ? typeof v === "string" : typeof v === "boolean";
  if (!ok) {
    throw new TypeError(
      `${at(field)} must be a ${kind} or null: current value is ${
        describeValue(v)
      }`,
    );
  }
  return v as T;
}

function requireScalarRecord(
  v: unknown,
  field: string,
  at: At,
  allowNull: boolean,
): Record<string, string | number | boolean | null> {
  if (!isObject(v)) {
    throw new TypeError(
      `${at(field)} must be an object: current value is ${describeValue(v)}`,
    );
  }
  for (const [k, x] of Object.entries(v)) {
    const ok = typeof x === "string" || typeof x === "boolean" ||
      (typeof x === "number" && Number.isFinite(x)) ||
      (allowNull && x === null);
    if (!ok) {
      throw new TypeError(
        `${
          at(`${field}.${quoted(k, 40).replace(/^'(.*)'/, "$1")}`)
        } must be a string, number or boolean: current value is ${
          describeValue(x)
        }`,
      );
    }
  }
  return v as Record<string, string | number | boolean | null>;
}

function validateResult(data: Obj, source: string): ResultFile {
  const at: At = (field) => `Cannot read result '${source}' as '${field}'`;
  const date = requireString(data.date, "date", at);
  if (Number.isNaN(Date.parse(date))) {
    throw new TypeError(
      `${at("date")} must be an ISO 8601 date: current value is ${
        describeValue(date)
      }`,
    );
  }
  if (!isObject(data.env)) {
    throw new TypeError(
      `${at("env")} must be an object: current value is ${
        describeValue(data.env)
      }`,
    );
  }
  const e = data.env;
  const env: ResultEnv = {
    deno: requireString(e.deno, "env.deno", at),
    v8: requireString(e.v8, "env.v8", at),
    typescript: requireString(e.typescript, "env.typescript", at),
    cpu: requireString(e.cpu, "env.cpu", at),
    cores: requireCount(e.cores, "env.cores", at),
    os: requireString(e.os, "env.os", at),
    arch: requireString(e.arch, "env.arch", at),
    commit: requireNullable<string>(e.commit, "env.commit", at, "string"),
    dirty: requireNullable<boolean>(e.dirty, "env.dirty", at, "boolean"),
    branch: requireNullable<string>(e.branch, "env.branch", at, "string"),
  };
  const flags = requireScalarRecord(data.flags, "flags", at, true);
  if (!Array.isArray(data.benches)) {
    throw new TypeError(
      `${at("benches")} must be an array: current value is ${
        describeValue(data.benches)
      }`,
    );
  }
  const seen = new Set<string>();
  const benches = data.benches.map((b: unknown, i: number): BenchResult => {
    const w = `benches[${i}]`;
    if (!isObject(b)) {
      throw new TypeError(
        `${at(w)} must be an object: current value is ${describeValue(b)}`,
      );
    }
    const file = requireString(b.file, `${w}.file`, at);
    const group = requireString(b.group, `${w}.group`, at);
    const name = requireString(b.name, `${w}.name`, at);
    const key = requireString(b.key, `${w}.key`, at);
    if (key !== benchKey(file, { group, name })) {
      throw new TypeError(
        `${at(`${w}.key`)} must be ${
          quoted(benchKey(file, { group, name }), 120)
        } (file::group::name): current value is ${describeValue(key)}`,
      );
    }
    if (typeof b.baseline !== "boolean") {
      throw new TypeError(
        `${at(`${w}.baseline`)} must be a boolean: current value is ${
          describeValue(b.baseline)
        }`,
      );
    }
    const metric = requireString(b.metric, `${w}.metric`, at);
    const unit = requireString(b.unit, `${w}.unit`, at);
    const id = `${key}\u0000${metric}`;
    if (seen.has(id)) {
      throw new TypeError(
        `${at(`${w}.key`)} must be unique per metric: ${quoted(key, 120)} (${
          quoted(metric, 40)
        }) appears twice`,
      );
    }
    seen.add(id);
    const opsPerCall = requirePositive(b.opsPerCall, `${w}.opsPerCall`, at);
    if (!Number.isSafeInteger(opsPerCall) || opsPerCall < 1) {
      throw new TypeError(
        `${
          at(`${w}.opsPerCall`)
        } must be a positive integer: current value is ${
          describeValue(opsPerCall)
        }`,
      );
    }
    if (!Array.isArray(b.replicates)) {
      throw new TypeError(
        `${at(`${w}.replicates`)} must be an array: current value is ${
          describeValue(b.replicates)
        }`,
      );
    }
    const replicates = b.replicates.map((x: unknown, j: number) =>
      requireReplicate(x, `${w}.replicates[${j}]`, at)
    );
    // Unknown fields (added by later versions or other tools) are kept as they are.
    const out: MeasuredBench = {
      ...b,
      key,
      file,
      group,
      name,
      baseline: b.baseline,
      metric,
      unit,
      opsPerCall,
      replicates,
    };
    if (b.axes !== undefined) {
      out.axes = requireScalarRecord(b.axes, `${w}.axes`, at, false) as Record<
        string,
        string | number | boolean
      >;
    }
    if (b.processes !== undefined) {
      if (!Array.isArray(b.processes)) {
        throw new TypeError(
          `${at(`${w}.processes`)} must be an array: current value is ${
            describeValue(b.processes)
          }`,
        );
      }
      out.processes = b.processes.map(
        (p: unknown, j: number): ProcessFigures => {
          const pw = `${w}.processes[${j}]`;
          if (!isObject(p)) {
            throw new TypeError(
              `${at(pw)} must be an object: current value is ${
                describeValue(p)
              }`,
            );
          }
          return {
            n: requireCount(p.n, `${pw}.n`, at),
            min: requirePositive(p.min, `${pw}.min`, at),
            avg: requirePositive(p.avg, `${pw}.avg`, at),
            p75: requirePositive(p.p75, `${pw}.p75`, at),
            p99: requirePositive(p.p99, `${pw}.p99`, at),
          };
        },
      );
    }
    const failed = b.failed === undefined
      ? undefined
      : requireString(b.failed, `${w}.failed`, at);
    if (b.warning !== undefined) {
      out.warning = requireString(b.warning, `${w}.warning`, at);
    }
    // The typed figures: objects of finite numbers and strings, as written.
    const typed = (
      k: "profile" | "count" | "hw" | "timing" | "discarded",
      v: unknown,
    ) => {
      if (v === undefined) return;
      const finite = (y: unknown, field: string) => {
        if (typeof y !== "number" || !Number.isFinite(y)) {
          throw new TypeError(
            `${at(field)} must be a finite number: current value is ${
              describeValue(y)
            }`,
          );
        }
      };
      const check = (x: unknown, field: string) => {
        if (!isObject(x)) {
          throw new TypeError(
            `${at(field)} must be an object: current value is ${
              describeValue(x)
            }`,
          );
        }
        for (const [f, y] of Object.entries(x)) {
          // Tiers are names, explicitTiming a flag, the rest figures.
          if (/^tier|Tier$/.test(f)) {
            requireString(y, `${field}.${f}`, at);
          } else if (f === "explicitTiming") {
            if (typeof y !== "boolean") {
              throw new TypeError(
                `${at(`${field}.${f}`)} must be a boolean: current value is ${
                  describeValue(y)
                }`,
              );
            }
          } else if (Array.isArray(y)) {
            y.forEach((z, j) => finite(z, `${field}.${f}[${j}]`));
          } else finite(y, `${field}.${f}`);
        }
      };
      if (k === "timing" || k === "discarded") {
        if (!Array.isArray(v)) {
          throw new TypeError(
            `${at(`${w}.${k}`)} must be an array: current value is ${
              describeValue(v)
            }`,
          );
        }
        v.forEach((p, j) => check(p, `${w}.${k}[${j}]`));
      } else check(v, `${w}.${k}`);
    };
    typed("profile", b.profile);
    typed("count", b.count);
    typed("hw", b.hw);
    typed("timing", b.timing);
    typed("discarded", b.discarded);
    if (b.extra !== undefined) {
      out.extra = requireScalarRecord(
        b.extra,
        `${w}.extra`,
        at,
        false,
      ) as Record<string, string | number | boolean>;
    }
    return failed === undefined ? out : { ...out, failed };
  });
  const result: ResultFile = {
    ...data,
    schema: RESULT_SCHEMA,
    date,
    env: { ...e, ...env },
    flags,
    benches,
  };
  if (data.origin !== undefined) {
    result.origin = requireString(data.origin, "origin", at);
  }
  return result;
}

/**
 * Write `r` to `path` with {@linkcode serializeResult}, creating missing
 * parent directories. The write is atomic: the text goes to a temporary
 * file beside `path`, which is then renamed over it, so a reader (or a run
 * interrupted mid-write) never sees a partial file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResultFile, writeResultFile } from "./result.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeResultFile(`${dir}/a/b/r.json`, {
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 0, os: "", arch: "", commit: null, dirty: null, branch: null },
 *   flags: {}, benches: [],
 * });
 * assert((await readResultFile(`${dir}/a/b/r.json`)).benches.length === 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeResultFile(
  path: string,
  r: ResultFile,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const dir = slash > 0 ? path.slice(0, slash) : ".";
  const base = path.slice(slash + 1);
  const tmp = await Deno.makeTempFile({
    dir,
    prefix: `.${base}.`,
    suffix: ".tmp",
  });
  try {
    await Deno.writeTextFile(tmp, serializeResult(r));
    // makeTempFile creates 0600; a result is as readable as any file.
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o644);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Allocation and JIT tier beside every figure: a native harness process
 * per case ({@linkcode ./case_harness.ts} in `profile` mode) measures the
 * bytes the body allocates per operation and the V8 tier it runs in, and
 * the warnings a figure deserves are derived from them.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode profileCase}, {@linkcode CaseProfile} | one case: bytes per op, tiers, coarse time against the no-op reference |
 * | {@linkcode profileFromReport} | the same figures from a harness report |
 * | {@linkcode attachProfiles} | every bench of a result gets its `profile` (bytes per op, tiers) and `warning` |
 * | {@linkcode figureWarnings} | tier and no-op warnings as sentences |
 * | {@linkcode ALLOCATION_GRANULARITY} | what a bytes-per-op figure can resolve |
 *
 * How bytes are measured: the harness runs with a 64 MB young generation
 * and collects garbage before each region, so no collection runs inside
 * it and V8's used heap size grows by the bytes allocated: every object at
 * its allocated size, plus the filler V8 leaves at the end of each 256 KB
 * young-generation page an object did not fit into (a few hundred bytes a
 * page, well under 1% of a region that spans pages). Regions of `n`,
 * `2n`, `3n` and `4n` calls lie on a line `c + k * slope`, where `c` is the
 * constant cost of a region (the heap reads themselves) and `slope` the
 * bytes of `n` calls; the slope is estimated robustly (Siegel's
 * repeated median of the pairwise slopes) and divided by `n * opsPerCall`. One
 * region may stray (a one-off allocation of about 1.5 KB shows up now and
 * then); when two or more lie off the line by more than
 * {@linkcode ALLOCATION_TOLERANCE} (collections inside the regions) the
 * figure is marked inexact.
 *
 * @module
 */

import { roundPerOp } from "./_round.ts";
import {
  benchKey,
  type BenchResult,
  type ResultFile,
} from "../result/result.ts";
import { type HarnessReport, PROFILE_REGIONS } from "./harness/case_harness.ts";
import {
  harnessArgsFor,
  spawnHarness,
  type SpawnHarnessOptions,
} from "./harness/harness_process.ts";
import type { CaseRef } from "../suite/load_suite.ts";
import { type Tier, tierWarning } from "./harness/v8_status.ts";

/**
 * The resolution of a bytes-per-operation figure, as stated in result
 * files: V8 counts every allocation to the byte, and an operation's share
 * is that over `n * opsPerCall` operations.
 */
export const ALLOCATION_GRANULARITY =
  "V8 used heap bytes over regions with no collection (every allocated byte, plus page-end filler: under 1%), divided by calls x opsPerCall";

/** A profile's regions must lie on the fitted line within this fraction of their allocation (plus 64 bytes) for the figure to count as exact. */
export const ALLOCATION_TOLERANCE = 0.01;

/** Warm-up calls the profile asks for (the harness goes on while the body is not optimized). */
export const PROFILE_WARMUP_CALLS = 2000;

/**
 * A case whose cost per operation exceeds the no-op reference's by less
 * than this many nanoseconds per operation (about one cycle) probably had
 * its work removed by the JIT.
 */
export const NEAR_NOOP_NS_PER_OP = 0.25;

/** What {@linkcode profileCase} measured. */
export interface CaseProfile {
  /** Bytes allocated per operation. */
  bytesPerOp: number;
  /** Whether all regions but at most one lie on the fitted line within {@linkcode ALLOCATION_TOLERANCE} (else collections ran inside the regions). */
  bytesExact: boolean;
  /** The body's tier before and after the measured regions. */
  tierBefore: Tier;
  /** See {@linkcode CaseProfile.tierBefore}. */
  tierAfter: Tier;
  /** The driver loop's tier. */
  driverTier: Tier;
  /** Coarse nanoseconds per operation in the profile process. */
  nsPerOp: number;
  /** Coarse nanoseconds per call of the no-op reference in the same process. */
  noopNsPerCall: number;
  /** Calls per region. */
  calls: number;
  /** Warm-up calls made. */
  warmup: number;
}

/**
 * The figures of a `profile`-mode harness report, or of a `time`-mode
 * report that took the profile after its samples (its `profile`).
 *
 * @throws {RangeError} when the report has no profile (it needs three
 * heap growths and timings).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileFromReport } from "./alloc.ts";
 *
 * const p = profileFromReport({ case: "g/f x2", opsPerCall: 2, calls: 100, warmup: 2000,
 *   tierBefore: "turbofan", tierAfter: "turbofan", driverTier: "turbofan",
 *   heapGrowth: [3416, 6616, 9816, 13016], nsPerCall: 10, noopNsPerCall: 1, sink: 0 });
 * assert.equal(p.bytesPerOp, 16); // 3200 bytes more per 100 calls, 2 ops a call
 * assert.equal(p.bytesExact, true);
 * ```
 */
export function profileFromReport(report: HarnessReport): CaseProfile {
  // A time-mode report carries its profile apart from its samples.
  const r = report.profile === undefined
    ? report
    : { ...report, ...report.profile };
  if (
    r.heapGrowth.length < 3 || r.nsPerCall === undefined ||
    r.noopNsPerCall === undefined
  ) {
    throw new RangeError(
      `Cannot read a profile from the harness report of '${r.case}' as it is not from profile mode: it has ${r.heapGrowth.length} heap growth(s)`,
    );
  }
  // Region i ran PROFILE_REGIONS[i] * calls calls: growth = c + k * slope.
  // Siegel's repeated median of the pairwise slopes ignores one odd region.
  const k = r.heapGrowth.map((_, i) => PROFILE_REGIONS[i] ?? i + 1);
  const slope = medianOf(
    r.heapGrowth.map((gi, i) =>
      medianOf(
        r.heapGrowth.flatMap((gj, j) =>
          j === i ? [] : [(gj - gi) / (k[j] - k[i])]
        ),
      )
    ),
  );
  const intercept = medianOf(r.heapGrowth.map((g, i) => g - k[i] * slope));
  // Small absolute wobble (a heap read landing on a different boundary)
  // is not a collection: allow 64 bytes besides the relative tolerance.
  const fits =
    r.heapGrowth.filter((g, i) =>
      Math.abs(g - (intercept + k[i] * slope)) <=
        ALLOCATION_TOLERANCE * Math.abs(k[i] * slope) + 64
    ).length;
  return {
    bytesPerOp: Math.max(0, slope) / r.calls / r.opsPerCall,
    // One odd region (a one-off allocation inside it) is outvoted.
    bytesExact: fits >= Math.max(3, r.heapGrowth.length - 1),
    tierBefore: r.tierBefore,
    tierAfter: r.tierAfter,
    driverTier: r.driverTier,
    nsPerOp: r.nsPerCall / r.opsPerCall,
    noopNsPerCall: r.noopNsPerCall,
    calls: r.calls,
    warmup: r.warmup,
  };
}

/** Options of {@linkcode profileCase} and {@linkcode attachProfiles}. */
export interface ProfileOptions extends SpawnHarnessOptions {
  /** Warm-up calls asked for. @default {PROFILE_WARMUP_CALLS} */
  warmup?: number;
}

/**
 * Profile one case in a fresh native harness process.
 *
 * @throws {HarnessProcessError} when the process fails (the case threw, the module is broken).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profileCase } from "./alloc.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a_cases.ts`,
 *   'const keep = []; export const suite = { file: "a_bench.ts", cases: [{ group: "g", name: "pair x4", opsPerCall: 4, axes: {},' +
 *   ' body: () => { for (let i = 0; i < 4; i++) keep[i] = [i, i]; } }] };');
 * const p = await profileCase({ file: "a_bench.ts", module: `file://${dir}/a_cases.ts`, kind: "cases",
 *   case: { group: "g", name: "pair x4", opsPerCall: 4, axes: {}, body: () => {} } });
 * assert(p.bytesPerOp > 0 && p.bytesExact);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function profileCase(
  ref: CaseRef,
  options: ProfileOptions = {},
): Promise<CaseProfile> {
  const { report } = await spawnHarness({
    ...harnessArgsFor(ref),
    calls: 16,
    warmup: options.warmup ?? PROFILE_WARMUP_CALLS,
    mode: "profile",
  }, options);
  return profileFromReport(report);
}

/** The facts {@linkcode figureWarnings} judges. */
export interface WarningInput {
  /** The body's tier before the measured region. */
  tierBefore: Tier;
  /** The body's tier after it. */
  tierAfter: Tier;
  /** The driver loop's tier after it. */
  driverTier: Tier;
  /** Cost per operation above the no-op reference's cost per call spread over the ops, in the figure's unit. */
  aboveNoopPerOp?: number;
  /** Below this, `aboveNoopPerOp` is "suspiciously close" to the no-op reference. */
  nearNoopThreshold?: number;
  /** The unit of `aboveNoopPerOp`, for the message. */
  unit?: string;
  /** Whether the allocation figure is exact. @default {true} */
  bytesExact?: boolean;
}

/**
 * The warnings a measured figure deserves: the body measured
 * deoptimized, interpreted or mid-tier-up ({@linkcode tierWarning}); the
 * driver loop not optimized; the figure suspiciously close to the no-op
 * reference (the JIT probably removed the work); the allocation figure
 * inexact.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureWarnings } from "./alloc.ts";
 *
 * assert.deepEqual(figureWarnings({ tierBefore: "turbofan", tierAfter: "turbofan", driverTier: "turbofan" }), []);
 * const w = figureWarnings({ tierBefore: "turbofan", tierAfter: "turbofan", driverTier: "turbofan",
 *   aboveNoopPerOp: 0.1, nearNoopThreshold: 1, unit: "instr/op" });
 * assert.match(w[0], /no-op reference/);
 * ```
 */
export function figureWarnings(w: WarningInput): string[] {
  const out: string[] = [];
  const tier = tierWarning(w.tierBefore, w.tierAfter);
  if (tier !== undefined) out.push(tier);
  if (w.driverTier !== "turbofan") {
    out.push(`the harness loop ran in ${w.driverTier}, not turbofan`);
  }
  if (
    w.aboveNoopPerOp !== undefined && w.nearNoopThreshold !== undefined &&
    w.aboveNoopPerOp < w.nearNoopThreshold
  ) {
    out.push(
      `within ${Number(w.aboveNoopPerOp.toPrecision(2))} ${
        w.unit ?? ""
      } of the no-op reference: the JIT probably removed the work`
        .replace("  ", " "),
    );
  }
  if (w.bytesExact === false) {
    out.push(
      "allocation inexact: the regions disagreed (a collection or compilation ran inside one)",
    );
  }
  return out;
}

/** Progress of {@linkcode attachProfiles}, after each case. */
export interface ProfileProgress {
  /** 1-based index. */
  index: number;
  /** Cases to profile. */
  total: number;
  /** `group/name`. */
  case: string;
}

/**
 * Profile every bench of `result` that has a case among `cases` (joined
 * by {@linkcode benchKey}) and return a new result whose benches carry
 * `profile` (`bytesPerOp`, `tier`: the body's tier after the region,
 * `tierBefore`, `driverTier`) and, when any, `warning` (sentences joined by
 * `"; "`). A case whose profile process fails gets a `warning` saying
 * so instead; the figure itself is kept. The result's flags record the
 * allocation granularity.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachProfiles } from "./alloc.ts";
 * import { resultOf } from "../result/result.ts";
 *
 * const empty = resultOf([]);
 * const r = await attachProfiles(empty, []);
 * assert.equal(r.benches.length, 0);
 * ```
 */
export async function attachProfiles(
  result: ResultFile,
  cases: readonly CaseRef[],
  options: ProfileOptions & {
    onProgress?: (p: ProfileProgress) => void;
  } = {},
): Promise<ResultFile> {
  const byKey = new Map(
    cases.map((c) => [benchKey(c.file, c.case), c]),
  );
  const wanted = result.benches.filter((b) =>
    b.failed === undefined && byKey.has(b.key)
  );
  const profiles = new Map<string, CaseProfile | Error>();
  let index = 0;
  // One process at a time: profiles time their regions coarsely and the
  // no-op warning compares them, so they are not run beside each other.
  for (const b of wanted) {
    const id = b.key;
    if (profiles.has(id)) continue;
    try {
      profiles.set(id, await profileCase(byKey.get(id)!, options));
    } catch (e) {
      if (options.signal?.aborted) throw e;
      profiles.set(id, e instanceof Error ? e : new Error(String(e)));
    }
    options.onProgress?.({
      index: ++index,
      total: wanted.length,
      case: `${b.group}/${b.name}`,
    });
  }
  return applyProfiles(result, profiles);
}

/**
 * Give every bench of `result` whose key is in `profiles` its `profile`
 * and `warning`, as {@linkcode attachProfiles} does (a failed profile
 * becomes a warning), and record the allocation granularity in the flags.
 * `run` uses it with the profiles its timing processes took
 * ({@linkcode ./measure_case.ts}, option `profile`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyProfiles } from "./alloc.ts";
 * import type { ResultFile } from "../result/result.ts";
 *
 * const r: ResultFile = { schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {}, benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: false,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [5] }] };
 * const out = applyProfiles(r, new Map([["a_bench.ts::g::f", { bytesPerOp: 8, bytesExact: true,
 *   tierBefore: "turbofan" as const, tierAfter: "turbofan" as const, driverTier: "turbofan" as const,
 *   nsPerOp: 5, noopNsPerCall: 0.5, calls: 16, warmup: 200 }]]));
 * assert.equal(out.benches[0].profile?.bytesPerOp, 8);
 * assert.equal(out.benches[0].warning, undefined);
 * ```
 */
export function applyProfiles(
  result: ResultFile,
  profiles: ReadonlyMap<string, CaseProfile | Error>,
): ResultFile {
  const benches = result.benches.map((b): BenchResult => {
    const p = profiles.get(b.key);
    if (p === undefined) return b;
    if (p instanceof Error) {
      return {
        ...b,
        warning: `no allocation or tier: the profile process failed (${
          p.message.split("\n")[0]
        })`,
      };
    }
    // A reference case (axis "reference") is meant to be close to nothing.
    const nearNoop = b.metric === "time" && b.replicates.length > 0 &&
      b.axes?.reference === undefined;
    const warnings = figureWarnings({
      tierBefore: p.tierBefore,
      tierAfter: p.tierAfter,
      driverTier: p.driverTier,
      bytesExact: p.bytesExact,
      ...(nearNoop
        ? {
          aboveNoopPerOp: p.nsPerOp - p.noopNsPerCall / b.opsPerCall,
          nearNoopThreshold: NEAR_NOOP_NS_PER_OP,
          unit: "ns/op",
        }
        : {}),
    });
    const out: BenchResult = {
      ...b,
      profile: {
        bytesPerOp: roundPerOp(p.bytesPerOp),
        tier: p.tierAfter,
        tierBefore: p.tierBefore,
        driverTier: p.driverTier,
      },
    };
    if (warnings.length > 0) out.warning = warnings.join("; ");
    else delete out.warning;
    return out;
  });
  return {
    ...result,
    flags: { ...result.flags, allocation: ALLOCATION_GRANULARITY },
    benches,
  };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The one contract every measurement backend meets, so `run` loops over
 * backends instead of wiring each by hand.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode MeasurementBackend} | name, availability with a reason, attach to a result |
 * | {@linkcode Availability} | available, or not with a one-sentence reason |
 * | {@linkcode allocationBackend} | bytes per op and V8 tier ({@linkcode ./alloc.ts}) |
 * | {@linkcode hwCounterBackend} | cycles, instructions and branch misses per op ({@linkcode ./hw_counters.ts}) |
 * | {@linkcode attachBackends} | every backend that applies to a result's metric, in order |
 *
 * A backend adds figures to the benches of a result measured by the
 * primary engine (the timing engine, or the instruction counter); it
 * never changes the replicates. One that is unavailable is skipped and its
 * reason recorded in the result's flags under its name.
 *
 * @module
 */

import type { ResultFile } from "../result/result.ts";
import type { CaseRef } from "../suite/load_suite.ts";
import { attachProfiles } from "./alloc.ts";
import { attachHwCounters, detectHwCounters } from "./hw_counters.ts";

/** Whether a backend can run here. */
export type Availability =
  | { available: true; description: string }
  | { available: false; reason: string };

/** What a backend is given to attach its figures. */
export interface AttachContext {
  /** The project directory (harness processes run there). */
  cwd: string;
  /** The cases the result's benches were measured from. */
  cases: readonly CaseRef[];
  /** Aborting ends the backend's processes and rejects. */
  signal?: AbortSignal;
  /** One line per case measured, e.g. `"profile 3/40 g/f"`. */
  onProgress?: (line: string) => void;
}

/** A measurement backend. */
export interface MeasurementBackend {
  /** Short name, the key of its flag in the result, e.g. `"allocation"`. */
  readonly name: string;
  /** Whether it adds figures to results of `metric`. */
  appliesTo(metric: string): boolean;
  /** Whether it can run here, and if not why. */
  availability(): Promise<Availability>;
  /** A new result whose benches carry its figures. */
  attach(result: ResultFile, context: AttachContext): Promise<ResultFile>;
}

/**
 * Bytes allocated per operation and the V8 tier of each case, from one
 * native harness process per case in `profile` mode. Applies to time
 * results (instruction results carry them already).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocationBackend } from "./backend.ts";
 *
 * assert(allocationBackend.appliesTo("time"));
 * assert.equal((await allocationBackend.availability()).available, true);
 * ```
 */
export const allocationBackend: MeasurementBackend = {
  name: "allocation",
  appliesTo: (metric) => metric === "time",
  availability: () =>
    Promise.resolve({
      available: true,
      description: "allocation and tier: one profile process per case",
    }),
  attach: (result, ctx) =>
    attachProfiles(result, ctx.cases, {
      cwd: ctx.cwd,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.onProgress?.(`profile ${p.index}/${p.total} ${p.case}`),
    }),
};

/**
 * Hardware counters through `perf stat`, for instruction results.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hwCounterBackend } from "./backend.ts";
 *
 * const hw = hwCounterBackend("/no/such/perf");
 * assert.equal((await hw.availability()).available, false);
 * ```
 */
export function hwCounterBackend(perf?: string): MeasurementBackend {
  return {
    name: "hwCounters",
    appliesTo: (metric) => metric === "instructions",
    availability: async () => {
      const s = await detectHwCounters(perf);
      return s.available
        ? { available: true, description: "perf stat" }
        : { available: false, reason: s.reason };
    },
    attach: (result, ctx) =>
      attachHwCounters(result, ctx.cases, {
        cwd: ctx.cwd,
        perf,
        signal: ctx.signal,
      }),
  };
}

/**
 * Attach every backend that applies to the result's metric (its first
 * bench's, else `flags.metric`), in order; each one's availability (its
 * description, or its reason) goes to `flags[backend.name]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachBackends, hwCounterBackend } from "./backend.ts";
 * import type { ResultFile } from "../result/result.ts";
 *
 * const r: ResultFile = { schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: { metric: "instructions" }, benches: [] };
 * const out = await attachBackends(r, [hwCounterBackend("/no/such/perf")], { cwd: Deno.cwd(), cases: [] });
 * assert.equal(typeof out.flags.hwCounters, "string");
 * ```
 */
export async function attachBackends(
  result: ResultFile,
  backends: readonly MeasurementBackend[],
  context: AttachContext,
): Promise<ResultFile> {
  const metric = result.benches[0]?.metric ?? String(result.flags.metric);
  let out = result;
  for (const b of backends) {
    if (!b.appliesTo(metric)) continue;
    const a = await b.availability();
    out = {
      ...out,
      flags: { ...out.flags, [b.name]: a.available ? a.description : a.reason },
    };
    if (a.available) out = await b.attach(out, context);
  }
  return out;
}

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
 * | {@linkcode measurementBackends} | every backend, in the order `run` attaches them |
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
import {
  attachHwCounters,
  describeHwCounters,
  detectHwCounters,
} from "./hw_counters.ts";

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
  /**
   * Lines for people: what a backend measures or why it cannot (where it
   * has such a line), then one per case measured, e.g.
   * `"profile 3/40 g/f"`.
   */
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
  /** One line for people on what it measures or why it cannot, when it has one to say. */
  describe?(availability: Availability): string;
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
    availability: () => detectHwCounters(perf),
    describe: (a) => describeHwCounters({ ...a, command: perf ?? "perf" }),
    attach: (result, ctx) =>
      attachHwCounters(result, ctx.cases, {
        cwd: ctx.cwd,
        perf,
        signal: ctx.signal,
      }),
  };
}

/** Options of {@linkcode measurementBackends}. */
export interface BackendOptions {
  /** The perf command of the hardware counters. @default {"perf"} */
  perf?: string;
  /** Whether to profile allocation and tier (`run --no-profile` and `--smoke` do not). @default {true} */
  allocation?: boolean;
}

/**
 * Every measurement backend, in the order `run` attaches them; each
 * applies to the metrics it says (see {@linkcode attachBackends}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurementBackends } from "./backend.ts";
 *
 * assert.deepEqual(measurementBackends().map((b) => b.name), ["allocation", "hwCounters"]);
 * assert.deepEqual(measurementBackends({ allocation: false }).map((b) => b.name), ["hwCounters"]);
 * ```
 */
export function measurementBackends(
  options: BackendOptions = {},
): MeasurementBackend[] {
  return [
    ...(options.allocation === false ? [] : [allocationBackend]),
    hwCounterBackend(options.perf),
  ];
}

/**
 * Attach every backend that applies to the result's metric (its first
 * bench's, else `flags.metric`), in order; each one's availability (its
 * description, or its reason) goes to `flags[backend.name]`, and its
 * {@linkcode MeasurementBackend.describe} line to `context.onProgress`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachBackends, hwCounterBackend } from "./backend.ts";
 * import { resultOf } from "../result/result.ts";
 *
 * const r = resultOf([], { flags: { metric: "instructions" } });
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
    if (b.describe !== undefined) context.onProgress?.(b.describe(a));
    if (a.available) out = await b.attach(out, context);
  }
  return out;
}

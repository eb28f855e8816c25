/**
 * The plans of `pmubench answer` (`deno task bench`): which cases to
 * measure, how many processes each, so that the question is answered
 * within the time.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode answerPlan} | the default plan (the transition table and the hot bitmap operations) or the full one (every case) |
 * | {@linkcode AnswerPlan}, {@linkcode PlanPart} | a plan: parts, each bench files, processes per case, a selection |
 * | {@linkcode selectTransitionCases}, {@linkcode selectHotBitmapCases} | the default plan's selections |
 * | {@linkcode isNativeCase} | a native (C) reference case, picked by name or `reference` axis |
 * | {@linkcode TABLE_N}, {@linkcode FILTER_N}, {@linkcode HOT_OPS} | what the default plan covers |
 *
 * Sizing (measured, see the README): one harness process costs about
 * 0.35 s of CPU (Deno start-up and module load are most of it) and two
 * run at once on 2 cores, so the default plan, 38 transition cases and
 * their 38 native references x 3 processes and 7 hot operations x 6
 * cases (5 strategies and native C) x 5 (5 so that the rank test can
 * separate strategies at alpha 0.01; 3 give the interval the table
 * prints), 438 processes, takes about 2 minutes on a quiet machine. On a
 * busier one `pmubench answer` stops starting rounds at its time budget
 * and says how many it kept.
 *
 * @module
 */

import type { CaseRef } from "./load_suite.ts";

/** One part of a plan: some bench files, measured `repeat` processes per case. */
export interface PlanPart {
  /** Shown in progress lines, e.g. `"transitions"`. */
  label: string;
  /** Bench files relative to the project; `undefined`: every bench file. */
  files?: string[];
  /** Processes (replicates) per case. */
  repeat: number;
  /** The cases to measure among those the files define; `undefined`: all. */
  select?: (refs: readonly CaseRef[]) => CaseRef[];
}

/** A plan: its name and its parts, measured one after the other. */
export interface AnswerPlan {
  /** `"default"` or `"full"` (or a test's own). */
  name: string;
  /** The parts. */
  parts: PlanPart[];
}

/** The N of the transition table. */
export const TABLE_N: readonly number[] = Object.freeze([
  0,
  4,
  6,
  8,
  11,
  16,
  32,
  64,
]);

/**
 * The N at which the default plan also measures the 300-event filter:
 * none. The filter adds its binary search to every reprogram, so it raises
 * tracked k=N, all-bits and immediate and leaves the early return alone:
 * it widens the gaps without changing the answer, and the default plan
 * cannot afford its processes on a loaded machine; `--full` measures it.
 */
export const FILTER_N: readonly number[] = Object.freeze([]);

/** The hot bitmap operations of the default plan: op, set bits, placement. */
export const HOT_OPS: readonly (readonly [string, number, string])[] = Object
  .freeze([
    ["weight", 6, "both"],
    ["isEmpty", 6, "both"],
    ["or", 6, "both"],
    ["andNot", 6, "both"],
    ["forEachSetBit", 6, "both"],
    ["forEachSetBit", 64, "both"],
    ["atomicOr+snapshotAndClear", 6, "both"],
  ]);

/** Processes per transition case in the default plan. */
export const TRANSITION_REPEAT = 3;
/** Processes per bitmap case in the default plan (and every case in the full one). */
export const STRATEGY_REPEAT = 5;

/**
 * Whether a case is a native (C) reference: its name starts with
 * `native`, or its `reference` axis is `native`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNativeCase } from "./answer_plan.ts";
 *
 * assert(isNativeCase({ name: "native x1024", axes: { reference: "native" } }));
 * assert(!isNativeCase({ name: "u64 x1024", axes: {} }));
 * ```
 */
export function isNativeCase(
  c: { name: string; axes: Record<string, unknown> },
): boolean {
  return c.name.startsWith("native") || c.axes.reference === "native";
}

/** The default strategy: the strategy of the baseline cases, else the first seen. */
function defaultStrategy(refs: readonly CaseRef[]): string | undefined {
  const withStrategy = refs.filter((r) =>
    typeof r.case.axes.strategy === "string"
  );
  const base = withStrategy.find((r) => r.case.baseline === true) ??
    withStrategy[0];
  return base === undefined ? undefined : String(base.case.axes.strategy);
}

/**
 * The transition cases of the default plan: round trips (the transition
 * plus the next VM-entry) on the default strategy at every N of
 * {@linkcode TABLE_N}: none, the early return (tracked k = 0), tracked
 * k = N, all-bits and immediate (k = 0); at {@linkcode FILTER_N} the same
 * but none with the filter; and every native reference of those groups.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectTransitionCases } from "./answer_plan.ts";
 *
 * const ref = (mechanism: string, k: number, n: number, filter = 0) => ({
 *   file: "t_bench.ts", module: "", kind: "cases" as const,
 *   case: { group: `g N=${n}`, name: `${mechanism} k=${k}`, opsPerCall: 1, baseline: mechanism === "tracked" && k === 0,
 *     axes: { scope: "round trip", N: n, k, mechanism, strategy: "u64", filter }, body: () => {} },
 * });
 * const picked = selectTransitionCases([ref("tracked", 0, 6), ref("tracked", 3, 6), ref("tracked", 6, 6), ref("none", 0, 6, 300)]);
 * assert.deepEqual(picked.map((r) => r.case.name), ["tracked k=0", "tracked k=6"]);
 * ```
 */
export function selectTransitionCases(refs: readonly CaseRef[]): CaseRef[] {
  const inScope = refs.filter((r) =>
    r.case.axes.scope === "round trip" &&
    TABLE_N.includes(Number(r.case.axes.N))
  );
  const strategy = defaultStrategy(
    inScope.filter((r) => !isNativeCase(r.case)),
  );
  return inScope.filter((r) => {
    const a = r.case.axes;
    const n = Number(a.N);
    const filtered = Number(a.filter ?? 0) > 0;
    if (filtered && !FILTER_N.includes(n)) return false;
    // A native reference has no strategy: one that names its mechanism
    // mirrors a model cell and is kept with it; one that does not stands
    // for its whole group.
    if (isNativeCase(r.case)) {
      if (a.mechanism === undefined) return true;
    } else if (a.strategy !== strategy) return false;
    const k = Number(a.k);
    switch (a.mechanism) {
      case "none":
        return !filtered && k === 0;
      case "tracked":
        return k === 0 || k === n;
      case "all-bits":
      case "immediate":
        return k === 0;
      default:
        return false;
    }
  });
}

/**
 * The bitmap cases of the default plan: every strategy (and native
 * reference) on each operation of {@linkcode HOT_OPS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectHotBitmapCases } from "./answer_plan.ts";
 *
 * const ref = (op: string, bits: number, strategy: string) => ({
 *   file: "b_bench.ts", module: "", kind: "cases" as const,
 *   case: { group: `${op} bits=${bits}`, name: strategy, opsPerCall: 1,
 *     axes: { op, bits, placement: "both", strategy }, body: () => {} },
 * });
 * const picked = selectHotBitmapCases([ref("forEachSetBit", 6, "u64"), ref("forEachSetBit", 32, "u64"), ref("intersects", 6, "u64")]);
 * assert.deepEqual(picked.map((r) => r.case.group), ["forEachSetBit bits=6"]);
 * ```
 */
export function selectHotBitmapCases(refs: readonly CaseRef[]): CaseRef[] {
  return refs.filter((r) => {
    const a = r.case.axes;
    const hot = HOT_OPS.some(([op, bits, placement]) =>
      a.op === op && a.bits === bits && a.placement === placement
    );
    return hot &&
      (typeof a.strategy === "string" || isNativeCase(r.case));
  });
}

/**
 * The plan of `pmubench answer`: by default the transition table's cases
 * ({@linkcode selectTransitionCases}, {@linkcode TRANSITION_REPEAT}
 * processes each) and the hot bitmap operations
 * ({@linkcode selectHotBitmapCases}, {@linkcode STRATEGY_REPEAT} each);
 * with `full`, every case of every bench file, {@linkcode STRATEGY_REPEAT}
 * processes each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerPlan } from "./answer_plan.ts";
 *
 * assert.deepEqual(answerPlan().parts.map((p) => p.label), ["transitions", "bitmap strategies"]);
 * assert.equal(answerPlan({ full: true }).parts[0].files, undefined);
 * ```
 */
export function answerPlan(options: {
  /** Every case of every bench file. @default {false} */
  full?: boolean;
} = {}): AnswerPlan {
  if (options.full) {
    return {
      name: "full",
      parts: [{ label: "every case", repeat: STRATEGY_REPEAT }],
    };
  }
  return {
    name: "default",
    parts: [
      {
        label: "transitions",
        files: ["bench/nested_transition_bench.ts"],
        repeat: TRANSITION_REPEAT,
        select: selectTransitionCases,
      },
      {
        label: "bitmap strategies",
        files: ["bench/bitmap_bench.ts"],
        repeat: STRATEGY_REPEAT,
        select: selectHotBitmapCases,
      },
    ],
  };
}

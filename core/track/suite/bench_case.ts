/**
 * Benchmark cases defined once, run by several runners.
 *
 * A {@linkcode BenchCase} is the unit everything measures: `deno bench`
 * (through {@linkcode registerSuite} in a `bench/*_bench.ts` file), the
 * tracking tool and the instruction counter (which call the very same
 * `body` a fixed number of times). The key history is tracked by is
 * `file + group + name`: renaming a case is a breaking change.
 *
 * @module
 */

/**
 * One benchmark case.
 *
 * @example A batched case with its sink
 * ```ts
 * import { type BenchCase, blackhole } from "./bench_case.ts";
 *
 * const words = new Uint32Array(1024).map((_, i) => i * 2654435761);
 * const popcount: BenchCase = {
 *   group: "weight",
 *   name: "Math.clz32 loop x1024",
 *   opsPerCall: 1024,
 *   axes: { strategy: "u32pair" },
 *   body: () => {
 *     let acc = 0;
 *     for (let i = 0; i < words.length; i++) acc += Math.clz32(words[i]);
 *     blackhole(acc);
 *   },
 * };
 * popcount.body();
 * ```
 */
export interface BenchCase {
  /** The question this case answers; one `Deno.bench` group. */
  readonly group: string;
  /**
   * Unique within its group. A batched case's name ends in ` x<opsPerCall>`
   * (e.g. `"u64 x1024"`); {@linkcode registerSuite} enforces it.
   */
  readonly name: string;
  /** Whether this case is its group's baseline (exactly one per group). */
  readonly baseline?: boolean;
  /** Operations performed by one call of `body`; figures are divided by it. */
  readonly opsPerCall: number;
  /** The axes this case sits on (strategy, N, k, mechanism, ...). */
  readonly axes: Readonly<Record<string, string | number | boolean>>;
  /** The measured work. Must fold its results into {@linkcode blackhole}. */
  readonly body: () => void;
}

/**
 * The cases of one `bench/*_bench.ts` file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BenchSuite } from "./bench_case.ts";
 *
 * const suite: BenchSuite = { file: "noop_bench.ts", cases: [] };
 * assert.ok(suite.cases.length === 0);
 * ```
 */
export interface BenchSuite {
  /** The bench file's base name, e.g. `"bitmap_bench.ts"`. */
  readonly file: string;
  /** Every case, in registration order. */
  readonly cases: readonly BenchCase[];
}

let sinkValue = 0;
let sinkObject: unknown = undefined;

/**
 * Keep a result alive so the JIT cannot remove the work that produced it.
 *
 * Numbers and booleans are folded into an accumulator with a data
 * dependency; anything else is stored in a module variable that
 * {@linkcode sinkDigest} reads, so the optimizer must assume it is observed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blackhole, sinkDigest } from "./bench_case.ts";
 *
 * blackhole(41);
 * blackhole(true);
 * assert.ok(typeof sinkDigest() === "number");
 * ```
 */
export function blackhole(value: unknown): void {
  if (typeof value === "number") sinkValue = (sinkValue + value) | 0;
  else if (typeof value === "boolean") {
    sinkValue = (sinkValue + (value ? 1 : 0)) | 0;
  } else sinkObject = value;
}

/**
 * A digest of everything sunk so far; runners read it after measuring so
 * the sink is observably used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sinkDigest } from "./bench_case.ts";
 *
 * assert.ok(Number.isInteger(sinkDigest()));
 * ```
 */
export function sinkDigest(): number {
  return sinkValue ^ (sinkObject === undefined ? 0 : 1);
}

/**
 * The batch size a case name declares: names of batched cases end in
 * ` x<ops>` (e.g. `"u64 x1024"`), so figures read from plain
 * `deno bench --json` output can be turned into per-operation figures.
 * Returns 1 for unbatched names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { opsPerCallFromName } from "./bench_case.ts";
 *
 * assert.ok(opsPerCallFromName("u64view x1024") === 1024);
 * assert.ok(opsPerCallFromName("early return, N=6") === 1);
 * ```
 */
export function opsPerCallFromName(name: string): number {
  const m = / x([1-9][0-9]*)$/.exec(name);
  return m === null ? 1 : Number(m[1]);
}

/**
 * Check that a case's name declares its batch the way
 * {@linkcode opsPerCallFromName} reads it.
 *
 * @throws {RangeError} when `opsPerCall` is not a positive integer or the
 * name's ` x<ops>` suffix disagrees with it.
 *
 * @example
 * ```ts
 * import { assertCaseNaming } from "./bench_case.ts";
 *
 * assertCaseNaming({ group: "g", name: "u64 x8", opsPerCall: 8, axes: {}, body: () => {} });
 * ```
 */
export function assertCaseNaming(c: BenchCase): void {
  if (!Number.isInteger(c.opsPerCall) || c.opsPerCall < 1) {
    throw new RangeError(
      `Cannot register bench '${c.group}/${c.name}' as 'opsPerCall' must be a positive integer: current value is ${c.opsPerCall}`,
    );
  }
  const declared = opsPerCallFromName(c.name);
  if (declared !== c.opsPerCall) {
    throw new RangeError(
      `Cannot register bench '${c.group}/${c.name}' as its name must end in ' x${c.opsPerCall}' to declare its batch: the name declares ${declared}`,
    );
  }
}

/** Iterations `deno bench` runs per case in smoke mode (`PMUBENCH_SMOKE=1`). */
export const SMOKE_ITERATIONS = 3;

/**
 * Register every case of a suite with `Deno.bench`, under the case's group
 * and name. With the environment variable `PMUBENCH_SMOKE=1` each case runs
 * only {@linkcode SMOKE_ITERATIONS} times (CI checks that benches run, never
 * their speed).
 *
 * @example
 * ```ts ignore
 * import { registerSuite } from "../core/track/suite/bench_case.ts";
 * import { bitmapSuite } from "./bitmap_cases.ts";
 *
 * registerSuite(bitmapSuite);
 * ```
 */
export function registerSuite(suite: BenchSuite): void {
  const smoke = readSmokeFlag();
  for (const c of suite.cases) {
    assertCaseNaming(c);
    Deno.bench({
      name: c.name,
      group: c.group,
      baseline: c.baseline ?? false,
      ...(smoke ? { n: SMOKE_ITERATIONS, warmup: 1 } : {}),
      fn: c.body,
    });
  }
}

function readSmokeFlag(): boolean {
  try {
    return Deno.env.get("PMUBENCH_SMOKE") === "1";
  } catch {
    // No --allow-env: behave as a normal run.
    return false;
  }
}

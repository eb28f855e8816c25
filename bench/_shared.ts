/**
 * What the bench suites share: the strategy selection, the per-group
 * no-op reference, a seeded PRNG for fixtures, and priming.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode selectedStrategies} | the strategies the suites build cases for (`PMUBENCH_STRATEGY`) |
 * | {@linkcode caseFilter} | which cases the suites build at all (`PMUBENCH_CASES`) |
 * | {@linkcode noopCase} | the per-group reference that shows `deno bench`'s call overhead |
 * | {@linkcode primeCases} | run every body a few times before anything is measured |
 *
 * Why priming: every case of a bench file runs in one V8 isolate, and the
 * PMU model's call sites (`tracked.isEmpty()`, `snap.findNextBit()`, the
 * mechanism's `handleNestedTransition`) are shared by every vCPU, whatever
 * strategy or mechanism it holds. Without priming, the first cases
 * measured run monomorphic, inlined code and later ones run code that has
 * since seen other bitmap classes, so a figure would depend on
 * registration order and on `--filter` (measured on this machine: the
 * early return at N=6 cost 2.3 ns per transition in a fresh isolate and
 * 17.6 ns once all five strategies had run through the model). Priming
 * every case at load makes every figure of a file see the same feedback.
 * Two environment variables measure in isolation instead, since a case
 * that is never built never runs through the model:
 *
 * - `PMUBENCH_STRATEGY=u64view` builds every case for that strategy only
 *   (the default strategy's full sweep included), as a single-strategy
 *   build would run;
 * - `PMUBENCH_CASES=<regexp>` builds only the cases whose
 *   `<group>/<name>` matches, e.g.
 *   `PMUBENCH_CASES='^nested transition N=6/early return k=0 u32pair'`
 *   measures the early return alone in its isolate (2.3 to 3.5 ns per
 *   transition here, against 20 to 40 ns in a full run).
 *
 * `pmubench run` relies on the second: it starts every measured case in a
 * process of its own with `PMUBENCH_CASES` set to that case's exact
 * `<group>/<name>` (`exactCasePattern` in `core/track/suite/load_suite.ts`),
 * so a suite must apply {@linkcode caseFilter} before building, priming or
 * running anything of a case, reference cases included.
 *
 * @module
 */

import type { BitmapStrategy } from "../core/bitmap/bitmap.ts";
import { getStrategy, strategies } from "../core/bitmap/registry.ts";
import { type BenchCase, blackhole } from "../core/track/suite/bench_case.ts";

/** Environment variable restricting the suites to some strategies: comma-separated names. */
export const STRATEGY_ENV = "PMUBENCH_STRATEGY";

/** Environment variable restricting the suites to the cases whose `<group>/<name>` matches a regexp. */
export const CASES_ENV = "PMUBENCH_CASES";

/** Body calls per case that {@linkcode primeCases} makes at load. */
export const PRIME_CALLS = 2;

/**
 * The bitmap strategies the suites build cases for, in registry order:
 * every strategy, or only those named (comma-separated) in the
 * environment variable `PMUBENCH_STRATEGY`. The first one is the suites'
 * default strategy (the one swept over every axis and used as baseline).
 * Without `--allow-env` the variable cannot be read and every strategy is
 * used.
 *
 * @param env The variable's value; read from the environment when omitted.
 * @throws {RangeError} when a listed name is no strategy (the message lists
 * the valid names) or the list is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectedStrategies } from "./_shared.ts";
 *
 * assert.deepEqual(selectedStrategies("bool,u64").map((s) => s.name), ["u64", "bool"]);
 * assert.equal(selectedStrategies("").length, 5);
 * assert.throws(() => selectedStrategies("u128"), RangeError);
 * ```
 */
export function selectedStrategies(
  env: string | undefined = readStrategyEnv(),
): readonly BitmapStrategy[] {
  if (env === undefined || env.trim() === "") return strategies;
  const wanted = new Set(
    env.split(",").map((n) => n.trim()).filter((n) => n !== ""),
  );
  for (const name of wanted) getStrategy(name);
  if (wanted.size === 0) {
    throw new RangeError(
      `Cannot select bench strategies as '${STRATEGY_ENV}' names none: current value is ${
        JSON.stringify(env)
      }`,
    );
  }
  return strategies.filter((s) => wanted.has(s.name));
}

function readStrategyEnv(): string | undefined {
  return readEnv(STRATEGY_ENV);
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // No --allow-env: build every case.
    return undefined;
  }
}

/**
 * A predicate telling the suites which cases to build: every case, or
 * only those whose `<group>/<name>` matches the regular expression in the
 * environment variable `PMUBENCH_CASES`. Suites apply it before building a
 * case, so excluded cases never run through the model and cannot change
 * the JIT feedback the others are measured under.
 *
 * @param env The variable's value; read from the environment when omitted.
 * @throws {SyntaxError} when the value is not a valid regular expression.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { caseFilter } from "./_shared.ts";
 *
 * const keep = caseFilter("^nested transition N=6/early return");
 * assert.equal(keep("nested transition N=6", "early return k=0 u32pair x256"), true);
 * assert.equal(keep("nested round trip N=6", "early return k=0 u32pair x256"), false);
 * assert.equal(caseFilter("")("any", "case"), true);
 * assert.throws(() => caseFilter("("), SyntaxError);
 * ```
 */
export function caseFilter(
  env: string | undefined = readEnv(CASES_ENV),
): (group: string, name: string) => boolean {
  if (env === undefined || env === "") return () => true;
  let re: RegExp;
  try {
    re = new RegExp(env);
  } catch (e) {
    throw new SyntaxError(
      `Cannot select bench cases as '${CASES_ENV}' must be a regular expression: current value is ${
        JSON.stringify(env)
      } (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return (group, name) => re.test(`${group}/${name}`);
}

/**
 * The reference case of a group: a body that only sinks a constant, named
 * `no-op x<ops>`. Its figure divided by `opsPerCall` is what the
 * `deno bench` call overhead adds to every per-operation figure of the
 * group, so a reader can see how much of a small figure is overhead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noopCase } from "./_shared.ts";
 * import { sinkDigest } from "../core/track/suite/bench_case.ts";
 *
 * const c = noopCase("g", 256, { scope: "handler" });
 * const before = sinkDigest();
 * c.body();
 * assert.equal(c.name, "no-op x256");
 * assert.notEqual(sinkDigest(), before);
 * ```
 */
export function noopCase(
  group: string,
  opsPerCall: number,
  axes: Readonly<Record<string, string | number | boolean>>,
): BenchCase {
  return {
    group,
    name: `no-op x${opsPerCall}`,
    opsPerCall,
    axes: { ...axes, reference: "no-op" },
    // Sink a non-zero constant so even the reference changes the digest.
    body: () => blackhole(1),
  };
}

/**
 * Call every case's body {@linkcode PRIME_CALLS} times, in order, so the
 * JIT has seen every strategy and mechanism at every shared call site
 * before `deno bench` measures anything (see the module doc). Returns the
 * cases, for chaining.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { primeCases } from "./_shared.ts";
 *
 * let calls = 0;
 * primeCases([{ group: "g", name: "c", opsPerCall: 1, axes: {}, body: () => calls++ }]);
 * assert.equal(calls, 2);
 * ```
 */
export function primeCases<T extends readonly BenchCase[]>(cases: T): T {
  for (let round = 0; round < PRIME_CALLS; round++) {
    for (const c of cases) c.body();
  }
  return cases;
}

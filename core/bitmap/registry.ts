/**
 * The one place that maps strategy names to {@linkcode BitmapStrategy}
 * objects. Everything else (the PMU model, the CLI, the benches) asks here
 * by name and then only talks to the {@linkcode Bitmap64} contract.
 *
 * | strategy | storage | atomicity |
 * | --- | --- | --- |
 * | `u32pair` | two int32 fields: bits 31:0 (GP), bits 63:32 (fixed); shared: `Uint32Array(2)` | 32-bit word |
 * | `u64` | `BigUint64Array(1)`, `bigint` ops | 64-bit |
 * | `u64view` | 8 bytes seen as `BigUint64Array(1)` and `Uint32Array(2)` | 64-bit |
 * | `bigint` | immutable `bigint` field, replaced on change (naive) | none (not shareable) |
 * | `bool` | `Uint8Array(64)`, one flag per bit (naive) | 8-bit flag |
 *
 * Atomicity holds for maps made with `shared: true` (or attached in a
 * worker). A map in no `SharedArrayBuffer` cannot be reached by another
 * agent, so its `atomic*` methods and `snapshotAndClear` are plain
 * read-modify-writes: V8 does not inline `Atomics` calls.
 *
 * Binary operations (`or`, `copy`, `atomicOr`, ...) take bitmaps of the
 * receiver's strategy only and throw `TypeError` otherwise. Each reads its
 * operands before testing their class, so V8 already knows the class and
 * the test costs nothing; a model never has a reason to mix
 * representations. Convert with `dst.fromBigInt(src.toBigInt())` when you
 * must.
 *
 * @module
 */

import type { Bitmap64, BitmapStrategy } from "./bitmap.ts";
import { bigintStrategy } from "./bigint.ts";
import { boolStrategy } from "./bool.ts";
import { u32pairStrategy } from "./u32pair.ts";
import { u64Strategy } from "./u64.ts";
import { u64viewStrategy } from "./u64view.ts";

/**
 * Every strategy, the bench baseline (`u32pair`) first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strategies } from "./registry.ts";
 *
 * for (const s of strategies) assert.ok(s.create().isEmpty(), s.name);
 * ```
 */
export const strategies: readonly BitmapStrategy[] = Object.freeze([
  u32pairStrategy,
  u64Strategy,
  u64viewStrategy,
  bigintStrategy,
  boolStrategy,
]);

/**
 * The names of {@linkcode strategies}, in the same order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { strategyNames } from "./registry.ts";
 *
 * assert.ok(strategyNames[0] === "u32pair");
 * ```
 */
export const strategyNames: readonly string[] = Object.freeze(
  strategies.map((s) => s.name),
);

const byName: ReadonlyMap<string, BitmapStrategy> = new Map(
  strategies.map((s) => [s.name, s]),
);

/**
 * The strategy called `name`.
 *
 * @throws {RangeError} when no strategy has that name; the message lists the
 * valid names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getStrategy } from "./registry.ts";
 *
 * assert.equal(getStrategy("u32pair").atomicity, "32-bit word");
 * assert.throws(() => getStrategy("u128"), RangeError);
 * ```
 */
export function getStrategy(name: string): BitmapStrategy {
  const s = byName.get(name);
  if (s === undefined) {
    throw new RangeError(
      `Cannot get bitmap strategy as 'name' must be one of ${
        strategyNames.map((n) => `"${n}"`).join(", ")
      }: current value is ${JSON.stringify(name)}`,
    );
  }
  return s;
}

/**
 * A new, zeroed bitmap of the strategy called `name`.
 *
 * @param name A name from {@linkcode strategyNames}.
 * @param options.shared Back the map with a `SharedArrayBuffer` so workers
 * can `attach()` to it. @default {false}
 * @throws {RangeError} when no strategy has that name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBitmap } from "./registry.ts";
 *
 * const b = createBitmap("u32pair");
 * b.fromBigInt(0x7_0000000fn);
 * assert.equal(b.weight(), 7);
 * ```
 */
export function createBitmap(
  name: string,
  options?: { shared?: boolean },
): Bitmap64 {
  return getStrategy(name).create(options);
}

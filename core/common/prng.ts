/**
 * The one seeded pseudo-random generator of pmubench (mulberry32), shared
 * by the statistics (bootstrap resampling), the PMU trace generator and the
 * bench fixtures, so a seed means the same sequence everywhere.
 *
 * `core/common/` holds the few helpers that more than one area needs and
 * that belong to none of them; it imports nothing, so every area may
 * import it without data flowing backwards. It is not part of the public
 * face (`mod.ts`).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode createRng} | seeded PRNG returning numbers in [0, 1) |
 *
 * @module
 */

/**
 * A seeded pseudo-random generator (mulberry32) returning numbers in
 * [0, 1); the same seed gives the same sequence on every machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./prng.ts";
 *
 * const a = createRng(7), b = createRng(7);
 * assert(a() === b() && a() < 1);
 * ```
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * The one rounding rule of measured per-op figures (instructions, cycles,
 * branch misses and bytes per op): four decimals. The raw figures are
 * integer counts divided by thousands of ops, so digits past the fourth
 * only carry the division, not the measurement. Internal to `measure/`.
 *
 * @module
 */

/**
 * A measured per-op figure rounded to four decimals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundPerOp } from "./_round.ts";
 *
 * assert.equal(roundPerOp(1000 / 3), 333.3333);
 * assert.equal(roundPerOp(2), 2);
 * ```
 */
export function roundPerOp(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

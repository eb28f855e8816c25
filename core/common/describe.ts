/**
 * The one way an error message shows the value it rejects, after
 * "current value is": strings quoted, bigints with their `n`, objects by
 * kind rather than `[object Object]`. Used by the bitmap core and the PMU
 * model (see `prng.ts` for why `core/common/` exists).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode describeValue} | a value as an error message shows it |
 *
 * @module
 */

import { quoteValue } from "./text.ts";

/**
 * A value as an error message shows it: `64`, `-0`, `"3"` (strings
 * quoted, so `"3"` and `3` differ; a long one cut and control characters
 * escaped, as {@linkcode quoteValue} does), `3n`, `null`, `undefined`, `true`,
 * `an array of 2`, `an object (Map)`, `a function (f)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./describe.ts";
 *
 * assert.equal(describeValue("3"), '"3"');
 * assert.equal(describeValue(3n), "3n");
 * assert.equal(describeValue({ a: 1 }), "an object (Object)");
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return quoteValue(value);
    case "bigint":
      return `${value}n`;
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "function":
      return `a function (${value.name === "" ? "anonymous" : value.name})`;
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return `an object (${
        (value as object).constructor?.name ?? "no constructor"
      })`;
    default:
      return String(value);
  }
}

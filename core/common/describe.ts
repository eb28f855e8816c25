/**
 * The one way an error message shows the value it rejects, after
 * "current value is": strings quoted, bigints with their `n`, objects by
 * kind rather than `[object Object]`. Used by the bitmap core and the PMU
 * model (see `prng.ts` for why `core/common/` exists).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode describeValue} | a value as an error message shows it |
 * | {@linkcode quoteValue} | any value as a short JSON literal (what `describeValue` shows of strings) |
 * | {@linkcode MAX_QUOTED} | how much of a quoted value is kept |
 *
 * @module
 */

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

/** Characters of a quoted value kept before it is cut (see {@linkcode quoteValue}). */
export const MAX_QUOTED = 60;

/**
 * `value` as a JSON literal for a message, cut to about `max` characters
 * (saying how long the whole was) and with every control character
 * escaped, so a 10 MB value or one holding newlines or terminal escapes
 * stays a short, single-line quotation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteValue } from "./describe.ts";
 *
 * assert.equal(quoteValue("0x1g"), '"0x1g"');
 * assert.equal(quoteValue(7), "7");
 * assert.equal(quoteValue(undefined), "undefined");
 * assert.equal(quoteValue("a\nb\u001b[31m"), '"a\\nb\\u001b[31m"');
 * assert.match(quoteValue("x".repeat(1e6)), /^"x{60}"\.\.\. \(1000000 characters\)$/);
 * ```
 */
export function quoteValue(value: unknown, max: number = MAX_QUOTED): string {
  if (typeof value === "string") {
    const cut = value.length > max;
    const shown = escapeControl(
      JSON.stringify(cut ? value.slice(0, max) : value),
    );
    return cut ? `${shown}... (${value.length} characters)` : shown;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  text = escapeControl(text);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function escapeControl(json: string): string {
  // JSON.stringify already escapes C0; DEL, C1 and the separators remain.
  return json.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

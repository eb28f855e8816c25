/**
 * Text that comes from outside (file contents, bench names, flag values)
 * made safe for messages and terminal output: bounded in length, on one
 * line, with no control characters left to act on a terminal.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode quoteValue} | a value as a short JSON literal for "current value is Z" |
 * | {@linkcode stripControl} | text with control characters replaced, for terminal and log output |
 * | {@linkcode oneLine} | a message as one bounded line |
 * | {@linkcode MAX_QUOTED}, {@linkcode MAX_MESSAGE} | the bounds |
 *
 * @module
 */

/** Characters of a quoted value kept before it is cut (see {@linkcode quoteValue}). */
export const MAX_QUOTED = 60;
/** Characters of a message kept before it is cut (see {@linkcode oneLine}). */
export const MAX_MESSAGE = 600;

// C0 controls, DEL, C1 controls (0x9b is CSI on some terminals), and the
// line and paragraph separators some viewers break lines at.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `value` as a JSON literal for a message, cut to about `max` characters
 * (saying how long the whole was) and with every control character
 * escaped, so a 10 MB value or one holding newlines or terminal escapes
 * stays a short, single-line quotation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteValue } from "./text.ts";
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

/**
 * `text` with every control character (C0, DEL, C1, U+2028/U+2029)
 * replaced by `?`: what terminal and `log` output print of names that come
 * from files, so a bench name cannot ring the bell, move the cursor or
 * split a line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripControl } from "./text.ts";
 *
 * assert.equal(stripControl("u64\u0007 x8\u001b[2J\n"), "u64? x8?[2J?");
 * ```
 */
export function stripControl(text: string): string {
  return text.replace(CONTROL, "?");
}

/**
 * A message as one line of at most about {@linkcode MAX_MESSAGE}
 * characters: line breaks become spaces, other control characters are
 * escaped, and the middle of an overlong message is cut (its start says
 * what failed, its end usually the value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneLine } from "./text.ts";
 *
 * assert.equal(oneLine("Unexpected token\n  in JSON\r\n"), "Unexpected token in JSON");
 * assert.ok(oneLine("x".repeat(1e6)).length < 700);
 * ```
 */
export function oneLine(message: string, max: number = MAX_MESSAGE): string {
  const flat = message.trim().replace(
    /\s*(?:\r\n|[\r\n\u2028\u2029])\s*/g,
    " ",
  );
  const safe = flat.replace(
    CONTROL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (safe.length <= max) return safe;
  const half = Math.floor(max / 2);
  return `${safe.slice(0, half)} ... (${
    safe.length - 2 * half
  } characters cut) ... ${safe.slice(safe.length - half)}`;
}

function escapeControl(json: string): string {
  // JSON.stringify already escapes C0; DEL, C1 and the separators remain.
  return json.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

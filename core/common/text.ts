/**
 * Text that comes from outside (file contents, bench names, flag values)
 * made safe for messages and terminal output: bounded in length, on one
 * line, with no control characters left to act on a terminal. Values
 * quoted after "current value is" are `describe.ts`'s business
 * ({@linkcode ./describe.ts}).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode stripControl} | text with control characters replaced, for terminal and log output |
 * | {@linkcode oneLine} | a message as one bounded line |
 * | {@linkcode MAX_MESSAGE} | the bound |
 *
 * @module
 */

/** Characters of a message kept before it is cut (see {@linkcode oneLine}). */
export const MAX_MESSAGE = 600;

// C0 controls, DEL, C1 controls (0x9b is CSI on some terminals), and the
// line and paragraph separators some viewers break lines at.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

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

import assert from "node:assert/strict";
import { MAX_MESSAGE, oneLine, stripControl } from "../../core/common/text.ts";

Deno.test("stripControl() replaces every control character with '?'", () => {
  assert.equal(stripControl("a\tb\u0000c\u009bd\u2029"), "a?b?c?d?");
  assert.equal(stripControl("plain | `text`"), "plain | `text`");
});

Deno.test("oneLine() flattens line breaks, escapes controls and cuts the middle", () => {
  assert.equal(oneLine("a\r\n  b\n\nc"), "a b c");
  assert.equal(oneLine("bell\u0007"), "bell\\u0007");
  const cut = oneLine(`start ${"m".repeat(10_000)} end`);
  assert.ok(cut.length <= MAX_MESSAGE + 40, String(cut.length));
  assert.ok(cut.startsWith("start m") && cut.endsWith("m end"));
  assert.match(cut, / \.\.\. \(\d+ characters cut\) \.\.\. /);
});

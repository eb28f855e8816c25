import assert from "node:assert/strict";
import {
  MAX_MESSAGE,
  MAX_QUOTED,
  oneLine,
  quoteValue,
  stripControl,
} from "../../core/common/text.ts";

Deno.test("quoteValue() quotes any value short, on one line, without control characters", async (t) => {
  await t.step("strings are JSON literals, cut with their length", () => {
    assert.equal(quoteValue("ab"), '"ab"');
    const long = quoteValue("y".repeat(MAX_QUOTED + 1));
    assert.equal(long, `"${"y".repeat(MAX_QUOTED)}"... (61 characters)`);
  });
  await t.step("control characters, DEL, C1 and U+2028 are escaped", () => {
    assert.equal(
      quoteValue("a\u0007\u007f\u009b\u2028"),
      '"a\\u0007\\u007f\\u009b\\u2028"',
    );
  });
  await t.step("other values, including ones JSON cannot hold", () => {
    assert.equal(quoteValue(null), "null");
    assert.equal(quoteValue([1, "x"]), '[1,"x"]');
    assert.equal(quoteValue(10n), "[object BigInt]");
    assert.equal(quoteValue(Symbol("s")), "Symbol(s)");
    assert.ok(quoteValue(new Array(1e5).fill(1)).length <= MAX_QUOTED + 3);
  });
});

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

import assert from "node:assert/strict";
import {
  describeValue,
  MAX_QUOTED,
  quoteValue,
} from "../../core/common/describe.ts";

Deno.test("describeValue() shows a value as error messages do", () => {
  assert.equal(describeValue(64), "64");
  assert.equal(describeValue(-0), "-0");
  assert.equal(describeValue("3"), '"3"');
  assert.equal(describeValue(3n), "3n");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue(true), "true");
  assert.equal(describeValue([1, 2]), "an array of 2");
  assert.equal(describeValue({ a: 1 }), "an object (Object)");
  assert.equal(describeValue(new Map()), "an object (Map)");
  assert.equal(
    describeValue(Object.create(null)),
    "an object (no constructor)",
  );
  assert.equal(describeValue(function f() {}), "a function (f)");
  assert.equal(describeValue(() => {}), "a function (anonymous)");
});

Deno.test("describeValue() cuts a long string and escapes control characters", () => {
  const shown = describeValue("x".repeat(10_000) + "\u0007");
  assert.ok(shown.length < 200, shown);
  assert.match(shown, /\(10001 characters\)$/);
  assert.equal(describeValue("a\u009bb"), '"a\\u009bb"');
});

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

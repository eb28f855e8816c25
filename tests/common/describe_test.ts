import assert from "node:assert/strict";
import { describeValue } from "../../core/common/describe.ts";

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

import assert from "node:assert/strict";
import {
  formatFigure,
  formatPercent,
} from "../../../core/track/present/figure.ts";

Deno.test("formatFigure() prints four significant digits without exponents or padding zeros", async (t) => {
  const cases: [number, string][] = [
    [0, "0"],
    [0.012345, "0.01235"],
    [0.5, "0.5"],
    [1.25, "1.25"],
    [12.345, "12.35"],
    [123.45, "123.5"],
    [999.94, "999.9"],
    [1234.5678, "1235"],
    [12345.6, "12346"],
    [-2.5, "-2.5"],
    [Infinity, "Infinity"],
    [NaN, "NaN"],
  ];
  for (const [x, want] of cases) {
    await t.step(`${x} -> ${want}`, () => assert.equal(formatFigure(x), want));
  }
});

Deno.test("formatFigure() scales ns/op and keeps other units", async (t) => {
  await t.step("ns, us, ms, s", () => {
    assert.equal(formatFigure(0.61412, "ns/op"), "0.6141 ns");
    assert.equal(formatFigure(999.94, "ns/op"), "999.9 ns");
    assert.equal(formatFigure(1234, "ns/op"), "1.234 us");
    assert.equal(formatFigure(2.5e6, "ns/op"), "2.5 ms");
    assert.equal(formatFigure(3e9, "ns/op"), "3 s");
  });
  await t.step("other units", () => {
    assert.equal(
      formatFigure(1234.5678, "instructions/op"),
      "1235 instructions/op",
    );
  });
});

Deno.test("formatFigure() prints a figure the same with and without its unit", () => {
  for (const x of [0.61412, 12.345, 123.45, 1234.5678]) {
    assert.equal(
      formatFigure(x, "instructions/op"),
      `${formatFigure(x)} instructions/op`,
    );
  }
});

Deno.test("formatPercent() prints a fraction in three significant digits", () => {
  assert.equal(formatPercent(0.03), "3%");
  assert.equal(formatPercent(0.01), "1%");
  assert.equal(formatPercent(0.012345), "1.23%");
  assert.equal(formatPercent(0), "0%");
});

import assert from "node:assert/strict";
import { buildMatrix } from "../../../core/track/judge/matrix.ts";
import { formatMatrix } from "../../../core/track/present/matrix_format.ts";
import { bench, result } from "../history/_history_helpers.ts";

const EVIL = "x`<img src=x>|y\n| z\u001b[2J\u0007";

function evilMatrix() {
  return buildMatrix(
    result([
      bench("a", [10, 10, 10], {
        unit: "<b>ns/op</b>",
        axes: { op: EVIL, strategy: `u64${EVIL}` },
      }),
      bench("b", [20, 20, 20], {
        unit: "<b>ns/op</b>",
        axes: { op: EVIL, strategy: "bool" },
      }),
    ]),
  );
}

Deno.test("formatMatrix() markdown escapes axis values, names and the unit", () => {
  const md = formatMatrix(evilMatrix(), "markdown");
  assert.ok(!/<(img|b)\b/.test(md), md);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(md), "no control character");
  const rows = md.split("\n").filter((l) => l.startsWith("| "));
  assert.equal(rows.length, 3, md);
  for (const row of rows) {
    // operation, two strategies, winner: 4 cells, 5 unescaped borders.
    assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
  }
});

Deno.test("formatMatrix() terminal strips control characters", () => {
  const text = formatMatrix(evilMatrix(), "terminal");
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(text), JSON.stringify(text));
  assert.match(text, /x`<img src=x>\|y\?\| z\?\[2J\?/);
});

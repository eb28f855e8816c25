import assert from "node:assert/strict";
import { roundPerOp } from "../../../core/track/measure/_round.ts";

Deno.test("roundPerOp() keeps four decimals", async (t) => {
  const cases: [number, number][] = [
    [1000 / 3, 333.3333],
    [0.00004, 0],
    [0.00005, 0.0001],
    [12, 12],
    [-1.23456, -1.2346],
  ];
  for (const [x, want] of cases) {
    await t.step(`${x} -> ${want}`, () => assert.equal(roundPerOp(x), want));
  }
});

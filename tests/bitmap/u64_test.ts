import assert from "node:assert/strict";
import { U64Bitmap, u64Strategy } from "../../core/bitmap/u64.ts";
import { registerConformance } from "./conformance.ts";

registerConformance(u64Strategy);

Deno.test("U64Bitmap keeps the map in one BigUint64Array element", () => {
  const b = new U64Bitmap(new BigUint64Array(1));
  b.setBit(63);
  b.setBit(0);
  assert.equal(b.cell[0], (1n << 63n) | 1n);
  b.clearBit(63); // ~mask is negative; the store must truncate it
  assert.equal(b.cell[0], 1n);
});

Deno.test("U64Bitmap() throws RangeError unless given exactly 1 element", () => {
  for (const n of [0, 2]) {
    assert.throws(() => new U64Bitmap(new BigUint64Array(n)), {
      name: "RangeError",
      message:
        `Cannot make a u64 bitmap as 'cell' must hold 1 element: current value holds ${n}`,
    });
  }
});

Deno.test("u64Strategy.atomicity is 64-bit", () => {
  assert.equal(u64Strategy.atomicity, "64-bit");
});

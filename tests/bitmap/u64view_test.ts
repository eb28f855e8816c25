import assert from "node:assert/strict";
import { U64ViewBitmap, u64viewStrategy } from "../../core/bitmap/u64view.ts";
import { registerConformance } from "./conformance.ts";

registerConformance(u64viewStrategy);

Deno.test("U64ViewBitmap's 32-bit and 64-bit views show the same bits", async (t) => {
  for (const i of [0, 31, 32, 63]) {
    await t.step(`bit ${i}`, () => {
      const b = new U64ViewBitmap(new ArrayBuffer(8));
      b.setBit(i); // through the 32-bit view
      assert.equal(b.cell[0], 1n << BigInt(i));
      b.fromBigInt(1n << BigInt(i)); // through the 64-bit view
      assert.equal(b.testBit(i), true);
      assert.equal(b.weight(), 1);
      assert.equal(b.findFirstBit(), i);
    });
  }
});

Deno.test("U64ViewBitmap() throws RangeError unless given an 8-byte buffer", () => {
  for (const n of [0, 4, 16]) {
    assert.throws(() => new U64ViewBitmap(new ArrayBuffer(n)), {
      name: "RangeError",
      message:
        `Cannot make a u64view bitmap as 'buffer' must be 8 bytes long: current value is ${n} bytes`,
    });
  }
});

Deno.test("u64viewStrategy.atomicity is 64-bit", () => {
  assert.equal(u64viewStrategy.atomicity, "64-bit");
});

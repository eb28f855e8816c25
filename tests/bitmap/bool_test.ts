import assert from "node:assert/strict";
import { BoolBitmap, boolStrategy } from "../../core/bitmap/bool.ts";
import { registerConformance } from "./conformance.ts";

registerConformance(boolStrategy);

Deno.test("BoolBitmap keeps one 0/1 flag per bit", () => {
  const b = new BoolBitmap(new Uint8Array(64));
  b.fromBigInt((1n << 63n) | 1n);
  assert.deepEqual(
    [...b.flags].flatMap((f, i) => (f === 1 ? [i] : [])),
    [0, 63],
  );
  assert.ok([...b.flags].every((f) => f === 0 || f === 1));
});

Deno.test("BoolBitmap() throws RangeError unless given exactly 64 flags", () => {
  for (const n of [0, 8, 65]) {
    assert.throws(() => new BoolBitmap(new Uint8Array(n)), {
      name: "RangeError",
      message:
        `Cannot make a bool bitmap as 'flags' must hold 64 bytes: current value holds ${n}`,
    });
  }
});

Deno.test("boolStrategy.atomicity is per 8-bit flag", () => {
  assert.equal(boolStrategy.atomicity, "8-bit flag");
});

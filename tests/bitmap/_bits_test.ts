import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BIT64,
  ctz32,
  LITTLE_ENDIAN,
  popcount64,
  wantsShared,
} from "../../core/bitmap/_bits.ts";

Deno.test("ctz32() returns the index of the lowest set bit", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffffffff }), (x) => {
      const bits = x.toString(2);
      assert.equal(ctz32(x), bits.length - 1 - bits.lastIndexOf("1"));
    }),
  );
  assert.equal(ctz32(0x80000000), 31);
});

Deno.test("BIT64[i] is 1n << i", () => {
  assert.equal(BIT64.length, 64);
  BIT64.forEach((b, i) => assert.equal(b, 1n << BigInt(i)));
});

Deno.test("LITTLE_ENDIAN matches the host", () => {
  const view = new DataView(new Uint16Array([1]).buffer);
  assert.equal(LITTLE_ENDIAN, view.getUint8(0) === 1);
});

Deno.test("wantsShared() is true only for shared: true", () => {
  assert.equal(wantsShared(undefined), false);
  assert.equal(wantsShared({}), false);
  assert.equal(wantsShared({ shared: false }), false);
  assert.equal(wantsShared({ shared: true }), true);
});

Deno.test("popcount64() counts the set bits of both halves", () => {
  assert.equal(popcount64(0, 0), 0);
  assert.equal(popcount64(-1, -1), 64);
  assert.equal(popcount64(0xffffffff, 0xffffffff), 64);
  assert.equal(popcount64(0x80000000 | 0, 1), 2);
  let seed = 7;
  for (let k = 0; k < 2000; k++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const lo = seed;
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const hi = seed;
    const bits = (x: number) =>
      (x >>> 0).toString(2).replaceAll("0", "").length;
    assert.equal(popcount64(lo, hi), bits(lo) + bits(hi));
  }
});

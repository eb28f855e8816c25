import assert from "node:assert/strict";
import { U32PairBitmap, u32pairStrategy } from "../../core/bitmap/u32pair.ts";
import { registerConformance } from "./conformance.ts";

registerConformance(u32pairStrategy);

Deno.test("U32PairBitmap keeps bits 31:0 in word 0 and bits 63:32 in word 1", async (t) => {
  for (
    const [i, words] of [[0, [1, 0]], [31, [0x8000_0000, 0]], [32, [0, 1]], [
      63,
      [0, 0x8000_0000],
    ]] as const
  ) {
    await t.step(`bit ${i}`, () => {
      const b = new U32PairBitmap(new Uint32Array(2));
      b.setBit(i);
      assert.deepEqual([...b.words], words);
    });
  }
});

Deno.test("U32PairBitmap() throws RangeError unless given exactly 2 words", () => {
  for (const n of [0, 1, 3]) {
    assert.throws(() => new U32PairBitmap(new Uint32Array(n)), {
      name: "RangeError",
      message:
        `Cannot make a u32pair bitmap as 'words' must hold 2 words: current value holds ${n}`,
    });
  }
});

Deno.test("u32pairStrategy.atomicity is per 32-bit word", () => {
  assert.equal(u32pairStrategy.atomicity, "32-bit word");
});

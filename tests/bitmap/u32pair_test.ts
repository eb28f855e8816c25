import assert from "node:assert/strict";
import {
  SharedU32PairBitmap,
  U32PairBase,
  U32PairBitmap,
  u32pairStrategy,
} from "../../core/bitmap/u32pair.ts";
import { registerConformance } from "./conformance.ts";

registerConformance(u32pairStrategy);

const EDGES = [[0, [1, 0]], [31, [0x8000_0000, 0]], [32, [0, 1]], [
  63,
  [0, 0x8000_0000],
]] as const;

Deno.test("U32PairBitmap keeps bits 31:0 in lo and bits 63:32 in hi, as int32 words", async (t) => {
  for (const [i, words] of EDGES) {
    await t.step(`bit ${i}`, () => {
      const b = new U32PairBitmap();
      b.setBit(i);
      assert.deepEqual([b.lo >>> 0, b.hi >>> 0], words);
      // Small integers: V8 keeps int32 fields in the object.
      assert(Number.isInteger(b.lo) && (b.lo | 0) === b.lo);
      assert(Number.isInteger(b.hi) && (b.hi | 0) === b.hi);
    });
  }
  await t.step("fill() and fromBigInt() store int32 patterns too", () => {
    const b = new U32PairBitmap();
    b.fill();
    assert.deepEqual([b.lo, b.hi], [-1, -1]);
    b.fromBigInt(0xffff_ffff_8000_0000n);
    assert.deepEqual([b.lo, b.hi], [-0x8000_0000, -1]);
  });
});

Deno.test("SharedU32PairBitmap keeps bits 31:0 in word 0 and bits 63:32 in word 1", async (t) => {
  for (const [i, words] of EDGES) {
    await t.step(`bit ${i}`, () => {
      const b = new SharedU32PairBitmap(
        new Uint32Array(new SharedArrayBuffer(8)),
      );
      b.setBit(i);
      assert.deepEqual([...b.words], words);
      assert.deepEqual([b.lo >>> 0, b.hi >>> 0], words);
    });
  }
});

Deno.test("SharedU32PairBitmap() throws RangeError unless given exactly 2 words", () => {
  for (const n of [0, 1, 3]) {
    assert.throws(() => new SharedU32PairBitmap(new Uint32Array(n)), {
      name: "RangeError",
      message:
        `Cannot make a u32pair bitmap as 'words' must hold 2 words: current value holds ${n}`,
    });
  }
});

Deno.test("u32pairStrategy.create() makes field maps, and shared-memory maps only when asked", () => {
  const plain = u32pairStrategy.create();
  const shared = u32pairStrategy.create({ shared: true });
  assert(plain instanceof U32PairBitmap);
  assert(shared instanceof SharedU32PairBitmap);
  assert(shared.words.buffer instanceof SharedArrayBuffer);
  assert.equal(u32pairStrategy.bufferOf(plain), undefined);
  assert.equal(u32pairStrategy.bufferOf(shared), shared.words.buffer);
});

Deno.test("u32pair binary operations mix field and shared-memory maps", () => {
  const shared = u32pairStrategy.create({ shared: true });
  const plain = u32pairStrategy.create();
  plain.fromBigInt(0x8000_0001_0000_0003n);
  shared.fromBigInt(0x1_8000_0000n);
  const d = u32pairStrategy.create();
  d.or(plain, shared);
  assert.equal(d.toBigInt(), 0x8000_0001_8000_0003n);
  assert.equal(d.andNot(d, shared), true);
  assert.equal(d.toBigInt(), 0x8000_0000_0000_0003n);
  shared.atomicOr(plain);
  assert.equal(shared.toBigInt(), 0x8000_0001_8000_0003n);
  shared.atomicAndNot(plain);
  assert.equal(shared.toBigInt(), 0x8000_0000n);
  plain.copy(shared);
  assert.equal(plain.equals(shared), true);
  const out = u32pairStrategy.create({ shared: true });
  plain.snapshotAndClear(out);
  assert.equal(out.toBigInt(), 0x8000_0000n);
  assert.equal(plain.isEmpty(), true);
});

Deno.test("u32pair snapshotAndClear() refuses a foreign out before writing to it", () => {
  const m = u32pairStrategy.create();
  m.setBit(3);
  const foreign: Record<string, unknown> = {};
  assert.throws(
    () => m.snapshotAndClear(foreign as never),
    (e: Error) =>
      e instanceof TypeError &&
      e.message.endsWith("current value is an object (Object)"),
  );
  assert.deepEqual(Object.keys(foreign), []);
  assert.equal(m.toBigInt(), 8n);
});

Deno.test("u32pair operations name the bad operand when it is null or undefined", () => {
  const own = () => u32pairStrategy.create();
  assert.throws(() => own().or(null as never, own()), {
    name: "TypeError",
    message:
      "Cannot or as 'a' must be a u32pair bitmap like the receiver: current value is null",
  });
  assert.throws(() => own().andNot(own(), undefined as never), {
    name: "TypeError",
    message:
      "Cannot andNot as 'b' must be a u32pair bitmap like the receiver: current value is undefined",
  });
  assert.throws(() => own().intersects(null as never), /'other' .* null$/);
  assert.throws(
    () => own().atomicOr(undefined as never),
    /'src' .* undefined$/,
  );
  const shared = u32pairStrategy.create({ shared: true });
  assert.throws(() => shared.atomicAndNot(null as never), /'src' .* null$/);
  assert.throws(() => shared.snapshotAndClear(null as never), /'out' .* null$/);
  assert.throws(() => own().snapshotAndClear(null as never), /'out' .* null$/);
});

Deno.test("u32pairStrategy.atomicity is per 32-bit word", () => {
  assert.equal(u32pairStrategy.atomicity, "32-bit word");
  assert(u32pairStrategy.create() instanceof U32PairBase);
});

import assert from "node:assert/strict";
import { BigIntBitmap, bigintStrategy } from "../../core/bitmap/bigint.ts";
import { registerConformance } from "./conformance.ts";

const NOT_SHAREABLE =
  "a bigint cannot live in a SharedArrayBuffer; the TypeError it throws instead is tested in bigint_test.ts";

registerConformance(bigintStrategy, {
  skip: {
    "create({ shared: true }) gives a map that attach() views through bufferOf()":
      NOT_SHAREABLE,
    "attach() throws TypeError for an unshared buffer and RangeError for a wrong size":
      NOT_SHAREABLE,
  },
});

Deno.test("bigintStrategy.create() throws TypeError when asked for a shared map", () => {
  assert.throws(() => bigintStrategy.create({ shared: true }), {
    name: "TypeError",
    message:
      /^Cannot create a bitmap as 'options.shared' cannot be shared by a bigint bitmap.*: current value is true$/,
  });
  assert.equal(bigintStrategy.create({ shared: false }).isEmpty(), true);
});

Deno.test("bigintStrategy.attach() throws TypeError for any buffer", () => {
  for (const buffer of [new SharedArrayBuffer(8), new SharedArrayBuffer(64)]) {
    assert.throws(() => bigintStrategy.attach(buffer), {
      name: "TypeError",
      message: /'buffer' cannot be shared.*an object \(SharedArrayBuffer\)$/,
    });
  }
});

Deno.test("bigintStrategy.atomicity is none", () => {
  assert.equal(bigintStrategy.atomicity, "none");
});

Deno.test("BigIntBitmap replaces its value instead of mutating it", () => {
  const b = new BigIntBitmap();
  const before = b.value;
  b.setBit(63);
  assert.equal(before, 0n);
  assert.equal(b.value, 1n << 63n);
  b.clearBit(63);
  assert.equal(b.value, 0n); // masked: ~bit never leaves negative values
  b.fill();
  b.andNot(b, new BigIntBitmap());
  assert.equal(b.value, (1n << 64n) - 1n);
});

import assert from "node:assert/strict";
import {
  createBitmap,
  getStrategy,
  strategies,
  strategyNames,
} from "../../core/bitmap/registry.ts";

Deno.test("strategies lists every strategy once, u32pair first", () => {
  assert.deepEqual(strategyNames, [
    "u32pair",
    "u64",
    "u64view",
    "bigint",
    "bool",
  ]);
  assert.equal(new Set(strategyNames).size, strategies.length);
  assert.ok(Object.isFrozen(strategies));
  assert.ok(Object.isFrozen(strategyNames));
  for (const s of strategies) {
    assert.ok(s.description.length > 0, s.name);
    assert.ok(
      ["64-bit", "32-bit word", "8-bit flag", "none"].includes(s.atomicity),
    );
  }
});

Deno.test("getStrategy() returns the strategy of that name", () => {
  for (const s of strategies) assert.equal(getStrategy(s.name), s);
});

Deno.test("getStrategy() throws RangeError naming the unknown name and the valid ones", () => {
  assert.throws(() => getStrategy("u128"), {
    name: "RangeError",
    message:
      `Cannot get bitmap strategy as 'name' must be one of "u32pair", "u64", "u64view", "bigint", "bool": current value is "u128"`,
  });
  assert.throws(() => getStrategy("U64"), RangeError); // names are exact
});

Deno.test("createBitmap() makes an empty map of the named strategy", () => {
  for (const name of strategyNames) {
    const b = createBitmap(name);
    assert.equal(b.strategy, name);
    assert.equal(b.isEmpty(), true);
  }
  const shared = createBitmap("u64view", { shared: true });
  assert.ok(
    getStrategy("u64view").bufferOf(shared) instanceof SharedArrayBuffer,
  );
  assert.throws(() => createBitmap("nope"), RangeError);
});

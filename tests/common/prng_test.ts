import assert from "node:assert/strict";
import { createRng } from "../../core/common/prng.ts";

Deno.test("createRng() is deterministic per seed and roughly uniform on [0, 1)", () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 20_000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.notEqual(xs[0], c());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // 10 buckets of 2000 expected each; chi-square with 9 df stays below 27.9 with p > 0.001.
  const buckets = new Array(10).fill(0);
  for (const x of xs) buckets[Math.floor(x * 10)]++;
  const chi2 = buckets.reduce((acc, k) => acc + (k - 2000) ** 2 / 2000, 0);
  assert.ok(chi2 < 27.9, `chi-square ${chi2}`);
});

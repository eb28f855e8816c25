import assert from "node:assert/strict";
import fc from "fast-check";
import { createEventFilter } from "../../core/pmu/filter.ts";

Deno.test("EventFilter.isGpEventAllowed() agrees with a linear scan (binary search)", () => {
  const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 0xfffff }), { maxLength: 300 }),
      fc.array(fc.tuple(u32, u32), { maxLength: 20 }),
      fc.boolean(),
      (keys, queries, allow) => {
        const events = keys.map((k) =>
          BigInt(k & 0xffff) | (BigInt(k >>> 16) << 32n)
        );
        const f = createEventFilter(allow ? "allow" : "deny", events);
        // Random probes, plus every listed event with unrelated bits set.
        const probes = [
          ...queries,
          ...keys.map((k) => [(k & 0xffff) | (1 << 22), (k >>> 16) | 0x300]),
        ];
        for (const [lo, hi] of probes) {
          const listed = keys.includes((lo & 0xffff) | ((hi & 0xf) << 16));
          assert.equal(f.isGpEventAllowed(lo, hi), allow ? listed : !listed);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("createEventFilter() sorts, dedups and keeps events as masked keys", () => {
  const f = createEventFilter("deny", [0xc0n, 0x1_0000_0076n, 0x76, 0xc0n]);
  assert.deepEqual([...f.keys], [0x76, 0xc0, 0x1_0076]);
  assert.deepEqual(f.events(), [0x76n, 0xc0n, 0x1_0000_0076n]);
  assert.equal(f.containsKey(0x1_0076), true);
  assert.equal(f.containsKey(0x77), false);
  assert.equal(createEventFilter("allow", []).isGpEventAllowed(0x76, 0), false);
  assert.equal(createEventFilter("deny", []).isGpEventAllowed(0x76, 0), true);
});

Deno.test("createEventFilter() drops entries outside the vendor's key mask, never rejects them (SPEC c2, g19)", async (t) => {
  await t.step("AMD: 0x10000000076 (bit 40) as the only entry", () => {
    const allow = createEventFilter("allow", [0x100_0000_0076n]);
    const deny = createEventFilter("deny", [0x100_0000_0076n]);
    assert.deepEqual([allow.keys.length, deny.keys.length], [0, 0]);
    // An emptied ALLOW list denies every GP event; an emptied DENY list none.
    assert.equal(allow.isGpEventAllowed(0x0043_0076, 0), false);
    assert.equal(deny.isGpEventAllowed(0x0043_0076, 0), true);
  });
  await t.step("AMD: only the bad entries go", () => {
    const f = createEventFilter("deny", [
      0x76n,
      0x200_0000_00c0n, // bit 41
      0x43_00c2n, // EN, USR, OS
      0x1_0000_0040n, // event bits 35:32 are in the key
    ]);
    assert.deepEqual(f.events(), [0x76n, 0x1_0000_0040n]);
  });
  await t.step("Intel: the key is bits 15:0, so bits 35:32 are bad", () => {
    const f = createEventFilter("deny", [0x1_0000_0040n, 0xc0n], {
      vendor: "intel",
    });
    assert.deepEqual(f.events(), [0xc0n]);
    const amd = createEventFilter("deny", [0x1_0000_0040n, 0xc0n], {
      vendor: "amd",
    });
    assert.deepEqual(amd.events(), [0xc0n, 0x1_0000_0040n]);
  });
  await t.step("the 300-entry limit counts dropped entries too", () => {
    assert.throws(
      () => createEventFilter("deny", new Array(301).fill(1n << 63n)),
      RangeError,
    );
  });
});

Deno.test("EventFilter.isFixedEventAllowed() follows the fixed counter bitmap and the action", () => {
  const allow = createEventFilter("allow", [], { fixedCounterBitmap: 0b101 });
  const deny = createEventFilter("deny", [], { fixedCounterBitmap: 0b101 });
  assert.deepEqual([0, 1, 2].map((i) => allow.isFixedEventAllowed(i)), [
    true,
    false,
    true,
  ]);
  assert.deepEqual([0, 1, 2].map((i) => deny.isFixedEventAllowed(i)), [
    false,
    true,
    false,
  ]);
});

Deno.test("createEventFilter() rejects bad input, naming the value", async (t) => {
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "unknown action",
      () => createEventFilter("block" as "deny", []),
      RangeError,
      /'action' must be "allow" or "deny": current value is "block"/,
    ],
    [
      "events not an array",
      () => createEventFilter("deny", 5 as unknown as bigint[]),
      TypeError,
      /'events' must be an array: current value is 5/,
    ],
    [
      "too many events",
      () => createEventFilter("deny", new Array(301).fill(0n)),
      RangeError,
      /at most 300 entries: current length is 301/,
    ],
    [
      "bad fixedCounterBitmap",
      () => createEventFilter("deny", [], { fixedCounterBitmap: -1 }),
      RangeError,
      /'fixedCounterBitmap' must be an integer in \[0, 0xffffffff\]: current value is -1/,
    ],
    [
      "event not an integer",
      () => createEventFilter("deny", [1.5]),
      TypeError,
      /'events\[0\]' must be a bigint or an integer: current value is 1.5/,
    ],
    [
      "event an object",
      () => createEventFilter("deny", [{ event: 0x76 } as unknown as bigint]),
      TypeError,
      /'events\[0\]' must be a bigint or an integer: current value is an object \(Object\)$/,
    ],
    [
      "negative event",
      () => createEventFilter("deny", [0n, -1n]),
      RangeError,
      /'events\[1\]' must be in \[0, 2\^64 - 1\]: current value is -1n/,
    ],
    [
      "event beyond 64 bits",
      () => createEventFilter("deny", [1n << 64n]),
      RangeError,
      /'events\[0\]' must be in \[0, 2\^64 - 1\]: current value is 18446744073709551616n/,
    ],
    [
      "unknown vendor",
      () => createEventFilter("deny", [], { vendor: "arm" as "amd" }),
      RangeError,
      /'vendor' must be "amd" or "intel": current value is "arm"/,
    ],
  ];
  for (const [name, f, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        f,
        (e: Error) =>
          e instanceof type && message.test(e.message) &&
          e.message.startsWith("Cannot create event filter as "),
      );
    });
  }
  await t.step("300 events are fine", () => {
    assert.equal(
      createEventFilter(
        "deny",
        Array.from({ length: 300 }, (_, i) => BigInt(i)),
      ).keys.length,
      300,
    );
  });
});

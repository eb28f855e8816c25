import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amdEventselHwHi,
  eventKey,
  eventKeyOf,
  HG_BOTH,
  HG_GUEST_ONLY,
  HG_HOST_ONLY,
  HG_NONE,
  hostGuestBits,
  joinU64,
  u64Hi,
  u64Lo,
} from "../../core/pmu/eventsel.ts";
import { AMD64_RAW_EVENT_MASK_NB } from "../../core/pmu/constants.ts";

Deno.test("u64Lo()/u64Hi()/joinU64() round-trip every 64-bit value", () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
    assert.equal(joinU64(u64Lo(v), u64Hi(v)), v);
    assert.ok(u64Lo(v) >= 0 && u64Lo(v) <= 0xffff_ffff);
  }));
});

Deno.test("hostGuestBits() reads bits 41:40 only", () => {
  assert.deepEqual(
    [0n, 1n << 40n, 1n << 41n, 3n << 40n, 0xfcffn << 32n].map((v) =>
      hostGuestBits(u64Hi(v))
    ),
    [HG_NONE, HG_GUEST_ONLY, HG_HOST_ONLY, HG_BOTH, HG_NONE],
  );
});

Deno.test("eventKeyOf() equals the value masked with AMD64_RAW_EVENT_MASK_NB, packed", () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v) => {
    const m = v & AMD64_RAW_EVENT_MASK_NB;
    assert.equal(eventKeyOf(v), Number((m & 0xffffn) | ((m >> 32n) << 16n)));
    assert.equal(eventKey(u64Lo(v), u64Hi(v)), eventKeyOf(v));
  }));
});

Deno.test("amdEventselHwHi() clears HO and sets GO, keeping the other high bits", () => {
  assert.equal(amdEventselHwHi(0x0000_0200), 0x100);
  assert.equal(amdEventselHwHi(0x0000_000f), 0x10f);
  assert.equal(amdEventselHwHi(0xffff_ffff), 0xffff_fdff);
});

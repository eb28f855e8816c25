/**
 * Event-select values as two 32-bit halves, the form the model's hot paths
 * use (no `bigint`, so no allocation), and the conversions at the MSR/trace
 * boundary.
 *
 * | function | meaning |
 * | --- | --- |
 * | `u64Lo(v)` / `u64Hi(v)` / `joinU64(lo, hi)` | split / join a 64-bit `bigint` |
 * | `hostGuestBits(hi)` | bits 41:40 (HO, GO) as 0..3 |
 * | `eventKey(lo, hi)` | the event select masked with `AMD64_RAW_EVENT_MASK_NB`, packed in 20 bits |
 * | `eventKeyOf(v)` | the same for a whole 64-bit value |
 * | `amdEventselHwHi(hi)` | high half of `(data & ~HO) \| GO` (`amd_pmu_set_msr()`) |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HG_HOST_ONLY, hostGuestBits, u64Hi } from "./eventsel.ts";
 *
 * assert.equal(hostGuestBits(u64Hi(0x20000430076n)), HG_HOST_ONLY);
 * ```
 *
 * @module
 */

import {
  EVENTSEL_GUESTONLY_HI,
  EVENTSEL_HOSTONLY_HI,
  RAW_EVENT_MASK_NB_HI,
  RAW_EVENT_MASK_NB_LO,
} from "./constants.ts";

// Read through module constants on the hot path: V8 re-reads an imported
// binding on every use (its cell and a hole check), a module constant it
// folds (the tracked round trip at N=6 k=6: 1,229 -> 1,071 instructions
// per transition).
const MASK_NB_LO = RAW_EVENT_MASK_NB_LO;
const MASK_NB_HI = RAW_EVENT_MASK_NB_HI;

/** {@linkcode hostGuestBits} value: neither HO nor GO. */
export const HG_NONE = 0;
/** {@linkcode hostGuestBits} value: Guest-Only (bit 40) alone. */
export const HG_GUEST_ONLY = 1;
/** {@linkcode hostGuestBits} value: Host-Only (bit 41) alone. */
export const HG_HOST_ONLY = 2;
/** {@linkcode hostGuestBits} value: both HO and GO. */
export const HG_BOTH = 3;

/**
 * Bits 31:0 of a 64-bit value, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u64Lo } from "./eventsel.ts";
 *
 * assert.ok(u64Lo(0x1_0000_0002n) === 2);
 * ```
 */
export function u64Lo(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/**
 * Bits 63:32 of a 64-bit value, as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u64Hi } from "./eventsel.ts";
 *
 * assert.ok(u64Hi(0x1_0000_0002n) === 1);
 * ```
 */
export function u64Hi(v: bigint): number {
  return Number(BigInt.asUintN(32, v >> 32n));
}

/**
 * The unsigned 64-bit value with halves `lo` (bits 31:0) and `hi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinU64 } from "./eventsel.ts";
 *
 * assert.ok(joinU64(2, 1) === 0x1_0000_0002n);
 * ```
 */
export function joinU64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/**
 * The Host-Only/Guest-Only bits (41:40) of an event select's high half, as
 * `HO * 2 + GO`: one of {@linkcode HG_NONE}, {@linkcode HG_GUEST_ONLY},
 * {@linkcode HG_HOST_ONLY}, {@linkcode HG_BOTH}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HG_BOTH, hostGuestBits } from "./eventsel.ts";
 *
 * assert.ok(hostGuestBits(0x300) === HG_BOTH);
 * ```
 */
export function hostGuestBits(hi: number): number {
  return (hi >>> 8) & 3;
}

/**
 * The event select masked with `AMD64_RAW_EVENT_MASK_NB` (event 7:0, unit
 * mask 15:8, event 35:32), packed as `event[35:32] << 16 | umask << 8 |
 * event[7:0]`: the key the event filter sorts and searches, and what
 * `pmc_is_event_match()` compares.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventKey } from "./eventsel.ts";
 *
 * assert.ok(eventKey(0x0043_01c0, 0x1_0000_0002) === 0x2_01c0);
 * ```
 */
export function eventKey(lo: number, hi: number): number {
  return (lo & MASK_NB_LO) | ((hi & MASK_NB_HI) << 16);
}

/**
 * {@linkcode eventKey} of a whole 64-bit event select.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventKeyOf } from "./eventsel.ts";
 *
 * assert.ok(eventKeyOf(0x1_0043_0076n) === 0x1_0076);
 * ```
 */
export function eventKeyOf(v: bigint): number {
  return eventKey(u64Lo(v), u64Hi(v));
}

/**
 * `amd_pmu_set_msr()`: the hardware copy of an AMD event select always runs
 * GuestOnly=1, HostOnly=0 ("Always stuff GuestOnly=1,HostOnly=0 for mediated
 * PMCs on AMD"), so the real counter only counts while a guest runs and KVM
 * emulates L1's HO/GO wishes by toggling EN. This is the high half of
 * `(data & ~HO) | GO`; the low half is `data`'s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { amdEventselHwHi } from "./eventsel.ts";
 *
 * assert.ok(amdEventselHwHi(0x200) === 0x100); // HO becomes GO
 * ```
 */
export function amdEventselHwHi(hi: number): number {
  return ((hi & ~EVENTSEL_HOSTONLY_HI) | EVENTSEL_GUESTONLY_HI) >>> 0;
}

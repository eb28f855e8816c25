/**
 * The PMU event filter (`KVM_SET_PMU_EVENT_FILTER`): an allow or deny list
 * of events, each matched against a counter's event select masked with the
 * key mask (event select | unit mask: `AMD64_RAW_EVENT_MASK_NB` on AMD,
 * bits 15:0 on Intel), plus a bitmap of fixed counters the action applies
 * to. Entries with a bit outside the key mask can never match and are
 * dropped silently, as `convert_to_masked_filter()` does (SPEC c2, g19).
 * KVM sorts the list once and looks events up with a binary search
 * (`find_filter_index()`); the model keeps the events as sorted 20-bit keys
 * in a `Uint32Array`, so a lookup never allocates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createEventFilter } from "./filter.ts";
 *
 * const f = createEventFilter("deny", [0x76n]);
 * assert.equal(f.isGpEventAllowed(0x0043_0076, 0), false);
 * assert.equal(f.isGpEventAllowed(0x0043_00c0, 0), true);
 * ```
 *
 * @module
 */

import type { Vendor } from "./config.ts";
import { describeValue } from "../common/describe.ts";
import {
  AMD64_RAW_EVENT_MASK_NB,
  ARCH_PERFMON_EVENTSEL_EVENT,
  ARCH_PERFMON_EVENTSEL_UMASK,
  KVM_PMU_EVENT_FILTER_MAX_EVENTS,
} from "./constants.ts";
import { eventKey, eventKeyOf } from "./eventsel.ts";

/** Intel's filter key mask: `ARCH_PERFMON_EVENTSEL_EVENT | ARCH_PERFMON_EVENTSEL_UMASK`, bits 15:0. */
const INTEL_FILTER_KEY_MASK = ARCH_PERFMON_EVENTSEL_EVENT |
  ARCH_PERFMON_EVENTSEL_UMASK;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** `KVM_PMU_EVENT_ALLOW` / `KVM_PMU_EVENT_DENY`. */
export type FilterAction = "allow" | "deny";

/** Options of {@linkcode createEventFilter}. */
export interface EventFilterOptions {
  /**
   * `fixed_counter_bitmap`: bit i names Intel fixed counter i. With "allow"
   * a fixed counter counts only if its bit is set; with "deny" it is
   * blocked if its bit is set.
   * @default {0}
   */
  fixedCounterBitmap?: number;
  /**
   * CPU vendor, which sets the key mask an entry must lie within to be
   * kept (`kvm_pmu_ops.EVENTSEL_EVENT | ARCH_PERFMON_EVENTSEL_UMASK`):
   * AMD `AMD64_RAW_EVENT_MASK_NB` (event 7:0 and 35:32, unit mask 15:8),
   * Intel bits 15:0.
   * @default {"amd"}
   */
  vendor?: Vendor;
}

/**
 * An installed event filter. Build it with {@linkcode createEventFilter}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createEventFilter } from "./filter.ts";
 *
 * const f = createEventFilter("allow", [0xc0n, 0x76n], { fixedCounterBitmap: 0b001 });
 * assert.deepEqual(f.events(), [0x76n, 0xc0n]);
 * assert.equal(f.isFixedEventAllowed(0), true);
 * assert.equal(f.isFixedEventAllowed(1), false);
 * ```
 */
export class EventFilter {
  /** Whether listed events are the only ones allowed, or the ones denied. */
  declare readonly action: FilterAction;
  /** The masked events as {@linkcode eventKey} values, sorted ascending, without duplicates. */
  declare readonly keys: Uint32Array;
  /** `fixed_counter_bitmap`. */
  declare readonly fixedCounterBitmap: number;

  /** Use {@linkcode createEventFilter}, which validates its input. */
  constructor(
    action: FilterAction,
    keys: Uint32Array,
    fixedCounterBitmap: number,
  ) {
    this.action = action;
    this.keys = keys;
    this.fixedCounterBitmap = fixedCounterBitmap;
  }

  /**
   * `is_gp_event_allowed()`: whether a GP counter with this event select
   * (halves `lo`, `hi`) may count.
   */
  isGpEventAllowed(lo: number, hi: number): boolean {
    const found = this.containsKey(eventKey(lo, hi));
    return this.action === "allow" ? found : !found;
  }

  /** `is_fixed_event_allowed()`: whether Intel fixed counter `fixedIdx` may count. */
  isFixedEventAllowed(fixedIdx: number): boolean {
    const listed = ((this.fixedCounterBitmap >>> fixedIdx) & 1) === 1;
    return this.action === "allow" ? listed : !listed;
  }

  /** `find_filter_index()`: binary search of the sorted keys. */
  containsKey(key: number): boolean {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k === key) return true;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** The listed events as 64-bit event-select values, ascending. */
  events(): bigint[] {
    return Array.from(
      this.keys,
      (k) => BigInt(k & 0xffff) | (BigInt(k >>> 16) << 32n),
    );
  }
}

/**
 * Validate and install-ready an event filter, as `KVM_SET_PMU_EVENT_FILTER`
 * does: at most {@linkcode KVM_PMU_EVENT_FILTER_MAX_EVENTS} events; an
 * entry with a bit outside the vendor's key mask (see
 * {@linkcode EventFilterOptions.vendor}) can never match a guest event and
 * is dropped silently, never rejected, for backward compatibility
 * (`convert_to_masked_filter()`, SPEC c2, g19); the rest are sorted for
 * binary search. An allow list emptied so denies every GP event; an
 * emptied deny list denies none.
 *
 * @param action `"allow"` or `"deny"`.
 * @param events Event selects (`bigint` or non-negative integer), each in
 * [0, 2^64 - 1].
 * @throws {TypeError} when `events` is not an array or an entry is not an
 * integer.
 * @throws {RangeError} when `action` or `vendor` is unknown, an event is
 * outside [0, 2^64 - 1], there are too many events, or
 * `fixedCounterBitmap` is not a 32-bit unsigned integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createEventFilter } from "./filter.ts";
 *
 * // Bit 40 (Guest-Only) is outside the key mask: the entry is dropped.
 * const f = createEventFilter("allow", [0x100_0000_0076n]);
 * assert.equal(f.keys.length, 0);
 * assert.equal(f.isGpEventAllowed(0x0043_0076, 0), false); // empty allow list
 * assert.equal(createEventFilter("deny", [0x76, 0x76]).keys.length, 1);
 * assert.throws(() => createEventFilter("deny", [-1n]), RangeError);
 * ```
 */
export function createEventFilter(
  action: FilterAction,
  events: readonly (bigint | number)[],
  options: EventFilterOptions = {},
): EventFilter {
  if (action !== "allow" && action !== "deny") {
    throw new RangeError(
      `Cannot create event filter as 'action' must be "allow" or "deny": current value is ${
        describeValue(action)
      }`,
    );
  }
  if (!Array.isArray(events)) {
    throw new TypeError(
      `Cannot create event filter as 'events' must be an array: current value is ${
        describeValue(events)
      }`,
    );
  }
  if (events.length > KVM_PMU_EVENT_FILTER_MAX_EVENTS) {
    throw new RangeError(
      `Cannot create event filter as 'events' must have at most ${KVM_PMU_EVENT_FILTER_MAX_EVENTS} entries: current length is ${events.length}`,
    );
  }
  const fixedCounterBitmap = options.fixedCounterBitmap ?? 0;
  if (
    !Number.isInteger(fixedCounterBitmap) || fixedCounterBitmap < 0 ||
    fixedCounterBitmap > 0xffff_ffff
  ) {
    throw new RangeError(
      `Cannot create event filter as 'fixedCounterBitmap' must be an integer in [0, 0xffffffff]: current value is ${
        describeValue(fixedCounterBitmap)
      }`,
    );
  }
  const vendor = options.vendor ?? "amd";
  if (vendor !== "amd" && vendor !== "intel") {
    throw new RangeError(
      `Cannot create event filter as 'vendor' must be "amd" or "intel": current value is ${
        describeValue(vendor)
      }`,
    );
  }
  const keyMask = vendor === "amd"
    ? AMD64_RAW_EVENT_MASK_NB
    : INTEL_FILTER_KEY_MASK;
  const keys = new Set<number>();
  events.forEach((e, i) => {
    let v: bigint;
    if (typeof e === "bigint") v = e;
    else if (typeof e === "number" && Number.isSafeInteger(e)) v = BigInt(e);
    else {
      throw new TypeError(
        `Cannot create event filter as 'events[${i}]' must be a bigint or an integer: current value is ${
          describeValue(e)
        }`,
      );
    }
    if (v < 0n || v > U64_MAX) {
      throw new RangeError(
        `Cannot create event filter as 'events[${i}]' must be in [0, 2^64 - 1]: current value is ${
          describeValue(v)
        }`,
      );
    }
    // convert_to_masked_filter(): an entry that can never match is skipped.
    if ((v & ~keyMask) !== 0n) return;
    keys.add(eventKeyOf(v));
  });
  const sorted = Uint32Array.from(keys).sort();
  return new EventFilter(action, sorted, fixedCounterBitmap >>> 0);
}

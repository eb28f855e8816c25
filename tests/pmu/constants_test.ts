import assert from "node:assert/strict";
import {
  AMD64_EVENTSEL_GUESTONLY,
  AMD64_EVENTSEL_HOSTONLY,
  AMD64_RAW_EVENT_MASK_NB,
  ARCH_PERFMON_EVENTSEL_ENABLE,
  EFER_SVME,
  EVENTSEL_ENABLE_LO,
  EVENTSEL_GUESTONLY_HI,
  EVENTSEL_HOSTONLY_HI,
  RAW_EVENT_MASK_NB_HI,
  RAW_EVENT_MASK_NB_LO,
  X86_PMC_IDX_MAX,
} from "../../core/pmu/constants.ts";
import { u64Hi, u64Lo } from "../../core/pmu/eventsel.ts";

Deno.test("the 32-bit halves equal the halves of their 64-bit constants", () => {
  assert.deepEqual(
    [
      u64Lo(ARCH_PERFMON_EVENTSEL_ENABLE),
      u64Hi(AMD64_EVENTSEL_GUESTONLY),
      u64Hi(AMD64_EVENTSEL_HOSTONLY),
      u64Lo(AMD64_RAW_EVENT_MASK_NB),
      u64Hi(AMD64_RAW_EVENT_MASK_NB),
    ],
    [
      EVENTSEL_ENABLE_LO,
      EVENTSEL_GUESTONLY_HI,
      EVENTSEL_HOSTONLY_HI,
      RAW_EVENT_MASK_NB_LO,
      RAW_EVENT_MASK_NB_HI,
    ],
  );
});

Deno.test("SPEC (a) values", () => {
  assert.equal(AMD64_RAW_EVENT_MASK_NB, 0xf_0000_ffffn);
  assert.equal(EFER_SVME, 1 << 12);
  assert.equal(X86_PMC_IDX_MAX, 64);
});

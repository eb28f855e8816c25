/**
 * The `immediate` mechanism: Jim Mattson's v3 design (SPEC c3,
 * "Predecessor designs"), with the review's objection fixed.
 *
 * @module
 */

import { refreshGpCounters } from "../requests.ts";
import type { Vcpu } from "../vcpu.ts";
import type { Mechanism } from "./mechanism.ts";

/** Through a module constant: V8 re-reads an imported binding on every call. */
const refreshNow = refreshGpCounters;

// A class, not an object literal: see `Mechanism` (mechanism.ts) for why.
class ImmediateMechanism implements Mechanism {
  readonly name = "immediate";
  readonly description =
    "Jim's v3: on AMD, recompute every GP counter at once through reprogram_counter() (filter included), no request";
  handleNestedTransition(vcpu: Vcpu): void {
    // An SVM hook (kvm_x86_ops, implemented by svm.c only): VMX never calls it.
    if (!vcpu.pmu.isAmd) return;
    refreshNow(vcpu);
  }
}

/**
 * v3's `amd_pmu_refresh_host_guest_eventsel_hw()` hook: recompute every GP
 * counter at once, with no request. The hook is a `kvm_x86_ops` member
 * that only SVM implements (SPEC c3), so on Intel a transition does
 * nothing; on AMD it runs on every vCPU, mediated or not (one of the v3
 * review's objections). Unlike v3, it goes through the same
 * per-counter routine as `kvm_pmu_handle_event()` (`reprogram_counter()`,
 * event filter included, then `kvm_pmu_recalc_pmc_emulation()`): the v3
 * review rejected bypassing the filter, which let a denied event count
 * again after a transition. A counter whose reprogram fails is queued in
 * `reprogramPmi` with `KVM_REQ_PMU`, so the next entry retries it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { immediateMechanism } from "./immediate.ts";
 * import { createVcpu } from "../vcpu.ts";
 *
 * const vcpu = createVcpu({ mechanism: "immediate" });
 * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
 * vcpu.wrmsr(0xc0010200, 0x20000430076n); // Host-Only, EN
 * vcpu.entry();
 * vcpu.isGuestMode = true; // what enter_guest_mode() does before the hook
 * immediateMechanism.handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.eventselHw(0), 0x10000030076n); // EN off at once
 * ```
 */
export const immediateMechanism: Mechanism = Object.freeze(
  new ImmediateMechanism(),
);

/**
 * The `tracked` mechanism: the subject patch, v4 4/6, merged as
 * a02a25a65246 "Reprogram Host/Guest-Only counters on nested transitions"
 * (SPEC c3).
 *
 * @module
 */

import { KVM_REQ_PMU } from "../constants.ts";
import type { Vcpu } from "../vcpu.ts";
import type { Mechanism } from "./mechanism.ts";

/** `KVM_REQ_PMU` through a module constant (V8 re-reads an imported binding on every use). */
const REQ_PMU = KVM_REQ_PMU;

// A class, not an object literal: see `Mechanism` (mechanism.ts) for why.
class TrackedMechanism implements Mechanism {
  readonly name = "tracked";
  readonly description =
    "v4 4/6, merged as a02a25a65246: return if the tracked bitmap is empty, else one atomic OR of it into reprogramPmi and KVM_REQ_PMU";
  handleNestedTransition(vcpu: Vcpu): void {
    const pmu = vcpu.pmu;
    const tracked = pmu.reprogramPmcOnNestedTransition;
    if (tracked.isEmpty()) return;
    pmu.reprogramPmi.atomicOr(tracked);
    vcpu.makeRequest(REQ_PMU);
  }
}

/**
 * `kvm_pmu_handle_nested_transition()` (v4 4/6; a02a25a65246 does the same
 * job on `pmc_has_mode_specific_enables`, here
 * `reprogramPmcOnNestedTransition`): if the bitmap is empty return at once
 * (no atomic op, no request: the fast path); else one `atomic64_or()` of
 * it into `__reprogram_pmi` and `kvm_make_request(KVM_REQ_PMU)`. The bitmap
 * itself is left as-is: it is sticky state, changed only by event-select
 * writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trackedMechanism } from "./tracked.ts";
 * import { createVcpu } from "../vcpu.ts";
 * import { KVM_REQ_PMU } from "../constants.ts";
 *
 * const vcpu = createVcpu();
 * trackedMechanism.handleNestedTransition(vcpu); // nothing tracked: no-op
 * assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
 * vcpu.wrmsr(0xc0010204, 0x20000430076n); // counter 2: Host-Only
 * vcpu.entry();
 * trackedMechanism.handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b100n);
 * assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
 * ```
 */
export const trackedMechanism: Mechanism = Object.freeze(
  new TrackedMechanism(),
);

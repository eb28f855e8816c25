/**
 * The `all-bits` mechanism: Sean Christopherson's counter-proposal in the
 * review of v3 3/5 (SPEC c3, "Predecessor designs").
 *
 * @module
 */

import { KVM_REQ_PMU } from "../constants.ts";
import type { Vcpu } from "../vcpu.ts";
import type { Mechanism } from "./mechanism.ts";

/**
 * Set all 64 bits of `__reprogram_pmi` and raise `KVM_REQ_PMU` on every
 * transition, funnelling all processing through `kvm_pmu_handle_event()`,
 * which then skips the indexes that name no counter. The proposal also
 * returned early without a mediated PMU or when HO/GO are reserved; the
 * model sets the bits every time, as specified for this variant, so it
 * measures the cost of the design itself on every configuration (the
 * observable state is the same either way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allBitsMechanism } from "./all_bits.ts";
 * import { createVcpu } from "../vcpu.ts";
 *
 * const vcpu = createVcpu();
 * allBitsMechanism.handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0xffff_ffff_ffff_ffffn);
 * ```
 */
export const allBitsMechanism: Mechanism = Object.freeze({
  name: "all-bits",
  description:
    "Sean's v3 review: set all 64 reprogramPmi bits and KVM_REQ_PMU on every transition",
  handleNestedTransition(vcpu: Vcpu): void {
    // atomic64_set(&__reprogram_pmi, -1ull), as the filter ioctl does.
    vcpu.pmu.reprogramPmi.fill();
    vcpu.makeRequest(KVM_REQ_PMU);
  },
});

/**
 * The `all-bits` mechanism: Sean Christopherson's counter-proposal in the
 * review of v3 3/5 (SPEC c3, "Predecessor designs").
 *
 * @module
 */

import {
  EVENTSEL_GUESTONLY_HI,
  EVENTSEL_HOSTONLY_HI,
  KVM_REQ_PMU,
} from "../constants.ts";
import type { Vcpu } from "../vcpu.ts";
import type { Mechanism } from "./mechanism.ts";

// Through module constants: V8 re-reads an imported binding on every use.
const HOST_GUEST_HI = EVENTSEL_HOSTONLY_HI | EVENTSEL_GUESTONLY_HI;
const REQ_PMU = KVM_REQ_PMU;

// A class, not an object literal: see `Mechanism` (mechanism.ts) for why.
class AllBitsMechanism implements Mechanism {
  readonly name = "all-bits";
  readonly description =
    "Sean's v3 review: unless the PMU is not mediated or HO/GO are reserved, set all 64 reprogramPmi bits and KVM_REQ_PMU on every transition";
  handleNestedTransition(vcpu: Vcpu): void {
    const pmu = vcpu.pmu;
    if (!pmu.mediated) return;
    if ((pmu.reservedBitsHi & HOST_GUEST_HI) !== 0) return;
    // atomic64_set(&__reprogram_pmi, -1ull), as the filter ioctl does.
    pmu.reprogramPmi.fill();
    vcpu.makeRequest(REQ_PMU);
  }
}

/**
 * The proposal's helper, called on every transition: (1) return if the
 * vCPU has no mediated PMU; (2) return if HO/GO are reserved for it (always
 * on Intel; AMD without guest SVM); only then (3) set all 64 bits of
 * `__reprogram_pmi` and raise `KVM_REQ_PMU`, funnelling all processing
 * through `kvm_pmu_handle_event()`, which then skips the indexes that name
 * no counter (SPEC c3). On Intel and every non-mediated vCPU it thus
 * touches nothing and raises no request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allBitsMechanism } from "./all_bits.ts";
 * import { createVcpu } from "../vcpu.ts";
 *
 * const vcpu = createVcpu(); // AMD, mediated, guest SVM: HO/GO writable
 * allBitsMechanism.handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0xffff_ffff_ffff_ffffn);
 * const intel = createVcpu({ model: "gp4" });
 * allBitsMechanism.handleNestedTransition(intel);
 * assert.equal(intel.pmu.reprogramPmi.isEmpty(), true); // returned early
 * ```
 */
export const allBitsMechanism: Mechanism = Object.freeze(
  new AllBitsMechanism(),
);

/**
 * The contract every nested-transition mechanism implements: what KVM does
 * on `enter_guest_mode()`, `leave_guest_mode()` and an EFER.SVME toggle in
 * `svm_set_efer()` to keep Host-Only/Guest-Only counters right. One file
 * per mechanism; `registry.ts` is the only place that maps names to them.
 *
 * @module
 */

import type { Vcpu } from "../vcpu.ts";

/**
 * One way of handling a nested transition (the body of
 * `kvm_pmu_handle_nested_transition()` in the design it models).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getMechanism } from "./registry.ts";
 * import { createVcpu } from "../vcpu.ts";
 *
 * const vcpu = createVcpu({ mechanism: "all-bits" });
 * getMechanism("all-bits").handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.weight(), 64);
 * ```
 */
export interface Mechanism {
  /** Stable name, used in configs, traces and bench names. */
  readonly name: string;
  /** One line on the design and where it comes from. */
  readonly description: string;
  /**
   * Called after the vCPU's mode or EFER.SVME changed (the new state is
   * already visible). Must not allocate.
   */
  handleNestedTransition(vcpu: Vcpu): void;
}

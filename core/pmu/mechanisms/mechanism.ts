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
 * Each mechanism is a frozen instance of its own class, its handler a
 * prototype method: a call through `vcpu.mechanism` then costs one check
 * of the receiver's class, which V8 hoists out of a loop, whereas an object
 * literal's method is a field to load and a call target to compare on
 * every call (measured: the early return fell from 15.3 to 13.8
 * instructions per transition).
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

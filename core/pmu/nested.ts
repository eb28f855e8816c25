/**
 * Nested SVM transitions and where they call the PMU (SPEC (e)). Every
 * path that changes `is_guest_mode()` or EFER.SVME ends in
 * {@linkcode handleNestedTransition}, which runs the vCPU's mechanism; the
 * new mode and EFER are already visible when it runs.
 *
 * | function | kernel | calls the handler |
 * | --- | --- | --- |
 * | `enterGuestMode` | `enter_guest_mode()` (from `nested_svm_vmrun()`) | yes (v4: x86.h) |
 * | `leaveGuestMode` | `leave_guest_mode()` (from `nested_svm_vmexit()`) | yes (v4: x86.h) |
 * | `svmLeaveNested` | `svm_leave_nested()` (SVME clear, INIT) | via `leaveGuestMode` if in L2 |
 * | `svmSetEfer` | `svm_set_efer()` | on an SVME toggle (v4: svm.c +1), after leaving L2 if SVME was cleared there |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { enterGuestMode, svmSetEfer } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * svmSetEfer(vcpu, 0x1000);
 * enterGuestMode(vcpu);
 * svmSetEfer(vcpu, 0); // clearing SVME in L2 forces the vCPU out of L2
 * assert.equal(vcpu.isGuestMode, false);
 * ```
 *
 * @module
 */

import { EFER_SVME } from "./constants.ts";
import type { Vcpu } from "./vcpu.ts";

/**
 * `kvm_pmu_handle_nested_transition()`: run the vCPU's mechanism
 * (`tracked` is the patch, v4 4/6 as merged in a02a25a65246: early return
 * on an empty `reprogramPmcOnNestedTransition`, else OR + `KVM_REQ_PMU`). Never
 * reprograms synchronously except in the `immediate` mechanism. Does not
 * allocate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { handleNestedTransition } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * vcpu.wrmsr(0xc0010200, 0x10000430076n); // Guest-Only
 * vcpu.entry();
 * handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 1n);
 * ```
 */
export function handleNestedTransition(vcpu: Vcpu): void {
  vcpu.mechanism.handleNestedTransition(vcpu);
}

/**
 * `enter_guest_mode()`: set `HF_GUEST_MASK`, then (v4) the PMU handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { enterGuestMode } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * enterGuestMode(vcpu);
 * assert.ok(vcpu.isGuestMode);
 * ```
 */
export function enterGuestMode(vcpu: Vcpu): void {
  vcpu.isGuestMode = true;
  // The dispatch itself rather than a call of handleNestedTransition(): V8
  // re-reads a module-level function binding on every call.
  vcpu.mechanism.handleNestedTransition(vcpu);
}

/**
 * `leave_guest_mode()`: clear `HF_GUEST_MASK`, then (v4) the PMU handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { enterGuestMode, leaveGuestMode } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * enterGuestMode(vcpu);
 * leaveGuestMode(vcpu);
 * assert.ok(!vcpu.isGuestMode);
 * ```
 */
export function leaveGuestMode(vcpu: Vcpu): void {
  vcpu.isGuestMode = false;
  vcpu.mechanism.handleNestedTransition(vcpu); // as in enterGuestMode()
}

/**
 * `svm_leave_nested()`: forced exit from L2 (EFER.SVME cleared, vCPU
 * INIT); a no-op outside guest mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { svmLeaveNested } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * svmLeaveNested(vcpu);
 * assert.ok(!vcpu.isGuestMode);
 * ```
 */
export function svmLeaveNested(vcpu: Vcpu): void {
  if (vcpu.isGuestMode) leaveGuestMode(vcpu);
}

/**
 * `svm_set_efer()` for an already validated value: store EFER first (so
 * the deferred evaluation sees the new SVME), then on an SVME toggle leave
 * L2 if SVME was cleared there and call the PMU handler. Clearing SVME in
 * L2 calls the handler twice; harmless, since the OR is idempotent and
 * the request coalesces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { svmSetEfer } from "./nested.ts";
 *
 * const vcpu = createVcpu();
 * svmSetEfer(vcpu, 0x1000);
 * assert.equal(vcpu.efer, 0x1000);
 * ```
 */
export function svmSetEfer(vcpu: Vcpu, efer: number): void {
  const old = vcpu.efer;
  vcpu.efer = efer;
  if (((old ^ efer) & EFER_SVME) === 0) return;
  if ((efer & EFER_SVME) === 0) svmLeaveNested(vcpu);
  handleNestedTransition(vcpu);
}

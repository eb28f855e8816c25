/**
 * The `none` mechanism: the behaviour before the patch.
 *
 * @module
 */

import type { Vcpu } from "../vcpu.ts";
import type { Mechanism } from "./mechanism.ts";

// A class, not an object literal: see `Mechanism` (mechanism.ts) for why.
class NoneMechanism implements Mechanism {
  readonly name = "none";
  readonly description = "before the patch: nested transitions do nothing";
  handleNestedTransition(_vcpu: Vcpu): void {}
}

/**
 * No `kvm_pmu_handle_nested_transition()`: transitions do nothing: HO/GO are evaluated only when a counter is
 * reprogrammed for another reason (an event-select write, a filter change,
 * a global-control change), so a counter keeps the enablement it had in the
 * mode it was last reprogrammed in. This is the bug the patch fixes; the
 * model keeps it to show where the patch must make a difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noneMechanism } from "./none.ts";
 * import { createVcpu } from "../vcpu.ts";
 *
 * const vcpu = createVcpu({ mechanism: "none" });
 * vcpu.wrmsr(0xc0010200, 0x20000430076n);
 * vcpu.entry();
 * noneMechanism.handleNestedTransition(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
 * ```
 */
export const noneMechanism: Mechanism = Object.freeze(new NoneMechanism());

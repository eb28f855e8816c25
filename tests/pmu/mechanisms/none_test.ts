import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../../core/pmu/constants.ts";
import { noneMechanism } from "../../../core/pmu/mechanisms/none.ts";
import { createVcpu } from "../../../core/pmu/vcpu.ts";

Deno.test("noneMechanism.handleNestedTransition() changes nothing, even with tracked counters", () => {
  const vcpu = createVcpu({ mechanism: "none" });
  vcpu.wrmsr(0xc0000080, 0x1000n);
  vcpu.wrmsr(0xc0010200, 0x20000430076n);
  vcpu.entry();
  const before = vcpu.entryState();
  vcpu.isGuestMode = true;
  noneMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  assert.deepEqual(vcpu.entryState(), { ...before, guestMode: true });
});

Deno.test("mechanism none: a Host-Only counter written in L2 stays off after #VMEXIT until something else reprograms it", () => {
  const vcpu = createVcpu({ mechanism: "none" });
  vcpu.wrmsr(0xc0000080, 0x1000n);
  vcpu.wrmsr(0xc0010200, 0x20000430076n);
  vcpu.vmrun();
  vcpu.entry(); // the write's own request: evaluated in L2, so off
  assert.equal(vcpu.entryState().counting, 0n);
  vcpu.vmexit();
  vcpu.entry();
  assert.equal(vcpu.entryState().counting, 0n); // wrong: should count in L1
  vcpu.setEventFilter("deny", []); // any reprogram fixes it
  vcpu.entry();
  assert.equal(vcpu.entryState().counting, 1n);
});

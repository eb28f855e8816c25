import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../../core/pmu/constants.ts";
import { trackedMechanism } from "../../../core/pmu/mechanisms/tracked.ts";
import { createVcpu } from "../../../core/pmu/vcpu.ts";

const CTL = (i: number) => 0xc0010200 + 2 * i;

Deno.test("trackedMechanism.handleNestedTransition() returns early on an empty bitmap (SPEC c3, g5)", () => {
  const vcpu = createVcpu({ mechanism: "tracked" });
  vcpu.wrmsr(CTL(0), 0x430076n); // no HO/GO: untracked
  vcpu.entry();
  vcpu.pmu.reprogramPmi.setBit(33); // pending work that must stay as is
  trackedMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 1n << 33n);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
});

Deno.test("trackedMechanism.handleNestedTransition() ORs the bitmap, keeping pending bits, and raises KVM_REQ_PMU (SPEC c3, g6)", () => {
  const vcpu = createVcpu({ mechanism: "tracked", bitmap: "u64view" });
  vcpu.wrmsr(CTL(1), 0x20000430076n); // Host-Only
  vcpu.wrmsr(CTL(4), 0x10000430076n); // Guest-Only
  vcpu.entry();
  vcpu.pmu.reprogramPmi.setBit(2); // e.g. an overflow or a WRMSR meanwhile
  trackedMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b10110n);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
});

Deno.test("trackedMechanism.handleNestedTransition() leaves the sticky bitmap as it is", () => {
  const vcpu = createVcpu({ mechanism: "tracked" });
  vcpu.wrmsr(CTL(3), 0x20000430076n);
  for (let k = 0; k < 3; k++) {
    trackedMechanism.handleNestedTransition(vcpu);
    vcpu.entry();
    assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.toBigInt(), 0b1000n);
  }
});

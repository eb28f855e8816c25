import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../../core/pmu/constants.ts";
import { immediateMechanism } from "../../../core/pmu/mechanisms/immediate.ts";
import { createVcpu, type Vcpu } from "../../../core/pmu/vcpu.ts";

const EFER = 0xc0000080;
const CTL = (i: number) => 0xc0010200 + 2 * i;
const EN = 1n << 22n;

function l1WithCounters(): Vcpu {
  const vcpu = createVcpu({ mechanism: "immediate" });
  vcpu.wrmsr(EFER, 0x1000n);
  vcpu.wrmsr(CTL(0), 0x20000430076n); // Host-Only
  vcpu.wrmsr(CTL(1), 0x100004300c0n); // Guest-Only, instructions retired
  vcpu.entry();
  return vcpu;
}

Deno.test("immediateMechanism.handleNestedTransition() reprograms every GP counter at once, without a request", () => {
  const vcpu = l1WithCounters();
  vcpu.isGuestMode = true; // what enter_guest_mode() does first
  immediateMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.pmu.eventselHw(0) & EN, 0n);
  assert.equal(vcpu.pmu.eventselHw(1) & EN, EN);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
});

Deno.test("immediateMechanism.handleNestedTransition() recalculates the emulated-instruction bitmaps (SPEC g15)", () => {
  const vcpu = l1WithCounters();
  assert.equal(vcpu.pmu.pmcCountingInstructions.isEmpty(), true);
  vcpu.isGuestMode = true;
  immediateMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.pmu.pmcCountingInstructions.toBigInt(), 0b10n);
});

Deno.test("immediateMechanism.handleNestedTransition() goes through the event filter (the v3 review's objection)", () => {
  const vcpu = l1WithCounters();
  vcpu.setEventFilter("deny", [0xc0n]);
  vcpu.entry();
  vcpu.isGuestMode = true;
  immediateMechanism.handleNestedTransition(vcpu);
  // Guest-Only in L2 would count, but its event is denied.
  assert.equal(vcpu.pmu.eventselHw(1) & EN, 0n);
});

Deno.test("immediateMechanism.handleNestedTransition() queues a failed reprogram for the next entry", () => {
  const vcpu = l1WithCounters();
  vcpu.reprogramFault = (idx) => idx === 1;
  vcpu.isGuestMode = true;
  immediateMechanism.handleNestedTransition(vcpu);
  assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b10n);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  vcpu.reprogramFault = null;
  vcpu.entry();
  assert.equal(vcpu.pmu.eventselHw(1) & EN, EN);
});

Deno.test("immediateMechanism.handleNestedTransition() does nothing on Intel (an SVM hook)", () => {
  const vcpu = createVcpu({ model: "gp4", mechanism: "immediate" });
  vcpu.wrmsr(0x186, 0x4300c0n); // IA32_PERFEVTSEL0: instructions retired, EN
  vcpu.entry();
  const before = vcpu.entryState();
  // A reprogram that would now clear EN, if the hook ran.
  vcpu.setEventFilter("deny", [0xc0n]);
  immediateMechanism.handleNestedTransition(vcpu);
  assert.deepEqual(vcpu.entryState().eventselHw, before.eventselHw);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), true); // the filter's, left for the entry
  vcpu.entry();
  assert.equal(vcpu.entryState().eventselHw[0] & EN, 0n); // the entry applies the filter
});

import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../../core/pmu/constants.ts";
import { allBitsMechanism } from "../../../core/pmu/mechanisms/all_bits.ts";
import { createVcpu } from "../../../core/pmu/vcpu.ts";

Deno.test("allBitsMechanism.handleNestedTransition() sets all 64 pending bits and KVM_REQ_PMU when HO/GO are writable, tracked or not", () => {
  for (const model of ["perfmonv2", "legacy", "extcore"] as const) {
    const vcpu = createVcpu({ model, mechanism: "all-bits" });
    assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.isEmpty(), true);
    allBitsMechanism.handleNestedTransition(vcpu);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), (1n << 64n) - 1n, model);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  }
});

Deno.test("allBitsMechanism.handleNestedTransition() returns early without a mediated PMU or with HO/GO reserved (SPEC c3; issue 14 point 7)", async (t) => {
  const cases = [
    ["Intel (HO/GO always reserved)", { model: "gp4" }],
    ["Intel, not mediated", { model: "gp8", mediated: false }],
    ["AMD without guest SVM", { guestSvm: false }],
    ["AMD, not mediated", { mediated: false }],
    ["AMD legacy, not mediated", { model: "legacy", mediated: false }],
  ] as const;
  for (const [name, config] of cases) {
    await t.step(name, () => {
      const vcpu = createVcpu({ ...config, mechanism: "all-bits" });
      vcpu.pmu.reprogramPmi.setBit(60); // pending work stays as it was
      allBitsMechanism.handleNestedTransition(vcpu);
      assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 1n << 60n);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    });
  }
});

Deno.test("allBitsMechanism: the next entry reprograms every counter and skips the rest (SPEC g8)", () => {
  const vcpu = createVcpu({ model: "legacy", mechanism: "all-bits" });
  const seen: number[] = [];
  vcpu.reprogramFault = (idx) => (seen.push(idx), false);
  allBitsMechanism.handleNestedTransition(vcpu);
  vcpu.entry();
  assert.deepEqual(seen, [0, 1, 2, 3]);
  assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
});

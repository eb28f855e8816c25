import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../../core/pmu/constants.ts";
import { allBitsMechanism } from "../../../core/pmu/mechanisms/all_bits.ts";
import { createVcpu } from "../../../core/pmu/vcpu.ts";

Deno.test("allBitsMechanism.handleNestedTransition() sets all 64 pending bits and KVM_REQ_PMU, tracked or not", () => {
  for (const model of ["perfmonv2", "legacy", "gp4"] as const) {
    const vcpu = createVcpu({ model, mechanism: "all-bits" });
    assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.isEmpty(), true);
    allBitsMechanism.handleNestedTransition(vcpu);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), (1n << 64n) - 1n, model);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  }
});

Deno.test("allBitsMechanism: the next entry reprograms every counter and skips the rest (SPEC g8)", () => {
  const vcpu = createVcpu({ model: "gp4", mechanism: "all-bits" });
  const seen: number[] = [];
  vcpu.reprogramFault = (idx) => (seen.push(idx), false);
  allBitsMechanism.handleNestedTransition(vcpu);
  vcpu.entry();
  assert.deepEqual(seen, [0, 1, 2, 3, 32, 33, 34]);
  assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
});

import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../core/pmu/constants.ts";
import {
  enterGuestMode,
  handleNestedTransition,
  leaveGuestMode,
  svmLeaveNested,
  svmSetEfer,
} from "../../core/pmu/nested.ts";
import { createVcpu, type Vcpu } from "../../core/pmu/vcpu.ts";
import { describeRow, eventselOf, TRUTH_TABLE } from "./_truth_table.ts";

const EFER = 0xc0000080;
const CTL0 = 0xc0010200;
const SVME = 0x1000n;

/** Move the vCPU to (svme, l2) with guest-visible ops only. */
function goTo(vcpu: Vcpu, svme: boolean, l2: boolean): void {
  if (vcpu.isGuestMode && !l2) assert.equal(vcpu.vmexit().ok, true);
  if (((vcpu.efer & 0x1000) !== 0) !== svme) {
    assert.equal(vcpu.wrmsr(EFER, svme ? SVME : 0n).ok, true);
  }
  if (l2 && !vcpu.isGuestMode) assert.equal(vcpu.vmrun().ok, true);
}

function countsNow(vcpu: Vcpu): boolean {
  vcpu.entry();
  return (vcpu.entryState().counting & 1n) === 1n;
}

const STARTS = [
  { svme: false, l2: false },
  { svme: true, l2: false },
  { svme: true, l2: true },
];

Deno.test("entry() applies SPEC (d) after any path of transitions, for every equivalent mechanism", async (t) => {
  for (const semantics of ["v4", "upstream"]) {
    for (const mechanism of ["tracked", "all-bits", "immediate"]) {
      for (const r of TRUTH_TABLE) {
        for (const s of STARTS) {
          const from = `${s.svme ? "SVME=1" : "SVME=0"} ${s.l2 ? "L2" : "L1"}`;
          await t.step(
            `${semantics}/${mechanism}: ${describeRow(r)}, written in ${from}`,
            () => {
              const vcpu = createVcpu({
                model: "perfmonv2",
                semantics,
                mechanism,
              });
              goTo(vcpu, s.svme, s.l2);
              assert.equal(vcpu.wrmsr(CTL0, eventselOf(r)).ok, true);
              vcpu.entry();
              goTo(vcpu, r.svme, r.l2);
              assert.equal(
                countsNow(vcpu),
                semantics === "v4" ? r.v4 : r.upstream,
              );
            },
          );
        }
      }
    }
  }
});

Deno.test("entry() with the default semantics follows the upstream column of SPEC (d) (issue 14 point 1)", async (t) => {
  for (const mechanism of ["tracked", "all-bits", "immediate"]) {
    for (const r of TRUTH_TABLE) {
      await t.step(`${mechanism}: ${describeRow(r)}`, () => {
        const vcpu = createVcpu({ model: "perfmonv2", mechanism }); // no semantics
        assert.equal(vcpu.semantics.name, "upstream");
        assert.equal(vcpu.wrmsr(CTL0, eventselOf(r)).ok, true);
        vcpu.entry();
        goTo(vcpu, r.svme, r.l2);
        assert.equal(countsNow(vcpu), r.upstream);
        // c6 step 4: the merged kernel tracks any HO/GO bit.
        assert.equal(
          vcpu.pmu.reprogramPmcOnNestedTransition.testBit(0),
          r.ho || r.go,
        );
      });
    }
  }
});

Deno.test("entry() under mechanism none keeps the state of the last reprogram (the bug the patch fixes)", async (t) => {
  for (const semantics of ["v4", "upstream"] as const) {
    for (const r of TRUTH_TABLE) {
      for (const s of STARTS) {
        await t.step(
          `${semantics}: ${describeRow(r)} from SVME=${+s.svme} ${
            s.l2 ? "L2" : "L1"
          }`,
          () => {
            const vcpu = createVcpu({
              model: "perfmonv2",
              semantics,
              mechanism: "none",
            });
            goTo(vcpu, s.svme, s.l2);
            vcpu.wrmsr(CTL0, eventselOf(r));
            // Expected: the row of the state where the counter was written.
            const atWrite = TRUTH_TABLE.find((x) =>
              x.en === r.en && x.ho === r.ho && x.go === r.go &&
              x.svme === s.svme && x.l2 === s.l2
            )!;
            assert.equal(
              countsNow(vcpu),
              semantics === "v4" ? atWrite.v4 : atWrite.upstream,
            );
            goTo(vcpu, r.svme, r.l2);
            assert.equal(
              countsNow(vcpu),
              semantics === "v4" ? atWrite.v4 : atWrite.upstream,
            );
          },
        );
      }
    }
  }
});

Deno.test("vmrun() cannot reach L2 with EFER.SVME=0 (the unreachable row of SPEC (d))", async (t) => {
  await t.step("VMRUN with SVME clear is #UD and changes nothing", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(CTL0, 0x20000430076n);
    vcpu.entry();
    assert.deepEqual(vcpu.vmrun(), { ok: false, fault: "#UD" });
    assert.equal(vcpu.isGuestMode, false);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
  await t.step("clearing SVME in L2 leaves L2 (svm_leave_nested)", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(EFER, SVME);
    vcpu.vmrun();
    vcpu.wrmsr(EFER, 0n);
    assert.equal(vcpu.isGuestMode, false);
  });
});

Deno.test("svmSetEfer() flips tracked counters on SVME toggles (SPEC g9)", async (t) => {
  await t.step(
    "SVME 0->1 in L1 stops a Guest-Only counter (both semantics)",
    () => {
      for (const semantics of ["v4", "upstream"]) {
        const vcpu = createVcpu({ semantics });
        vcpu.wrmsr(CTL0, 0x10000430076n);
        const before = countsNow(vcpu);
        vcpu.wrmsr(EFER, SVME);
        assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
        assert.deepEqual([before, countsNow(vcpu)], [
          semantics === "v4",
          false,
        ]);
      }
    },
  );
  await t.step(
    "SVME 1->0 in L1 re-enables (v4) or keeps disabled (upstream) a Host-Only counter",
    () => {
      for (const semantics of ["v4", "upstream"]) {
        const vcpu = createVcpu({ semantics });
        vcpu.wrmsr(EFER, SVME);
        vcpu.wrmsr(CTL0, 0x20000430076n);
        assert.equal(countsNow(vcpu), true);
        vcpu.wrmsr(EFER, 0n);
        assert.equal(countsNow(vcpu), semantics === "v4");
      }
    },
  );
  await t.step(
    "SVME 1->0 in L2 leaves L2 and re-evaluates a Host-Only counter",
    () => {
      for (const semantics of ["v4", "upstream"]) {
        const vcpu = createVcpu({ semantics });
        vcpu.wrmsr(EFER, SVME);
        vcpu.wrmsr(CTL0, 0x20000430076n);
        vcpu.vmrun();
        assert.equal(countsNow(vcpu), false);
        vcpu.wrmsr(EFER, 0n);
        assert.equal(vcpu.isGuestMode, false);
        assert.equal(countsNow(vcpu), semantics === "v4");
      }
    },
  );
  await t.step("an unchanged SVME calls no handler", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    vcpu.wrmsr(EFER, SVME);
    vcpu.entry();
    vcpu.wrmsr(EFER, SVME | 0x100n); // LME only
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
});

Deno.test("VMRUN executed in L2 is a nested #VMEXIT: tracked counters are re-evaluated for L1 (SPEC e, g21)", async (t) => {
  for (const semantics of ["upstream", "v4"]) {
    for (const mechanism of ["tracked", "all-bits", "immediate", "none"]) {
      await t.step(`${semantics}/${mechanism}`, () => {
        const vcpu = createVcpu({ semantics, mechanism });
        vcpu.wrmsr(EFER, SVME);
        vcpu.wrmsr(CTL0, 0x20000430076n); // Host-Only
        assert.equal(countsNow(vcpu), true); // L1
        vcpu.vmrun();
        // mechanism none never reprograms on a transition (the bug).
        assert.equal(countsNow(vcpu), mechanism === "none"); // L2
        assert.deepEqual(vcpu.vmrun(), { ok: true }); // VMRUN in L2
        assert.equal(vcpu.isGuestMode, false);
        assert.equal(countsNow(vcpu), true); // L1 again
      });
    }
  }
  await t.step("VMRUN in L1 with SVME=0 stays #UD", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    assert.deepEqual(vcpu.vmrun(), { ok: false, fault: "#UD" });
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
});

Deno.test("VMRUN then #VMEXIT without an entry coalesce into one handleEvent (SPEC g10)", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(EFER, SVME);
  vcpu.wrmsr(CTL0, 0x20000430076n);
  vcpu.entry();
  vcpu.vmrun();
  vcpu.vmexit();
  assert.equal(vcpu.entry(), true);
  assert.equal(vcpu.entry(), false); // the request was consumed once
  assert.equal(vcpu.entryState().counting, 1n); // final state: L1, Host-Only counts
});

Deno.test("a counter with both HO and GO set across an SVME toggle differs by semantics (SPEC g11)", () => {
  const seen: Record<string, boolean[]> = {};
  for (const semantics of ["v4", "upstream"]) {
    const vcpu = createVcpu({ semantics });
    vcpu.wrmsr(EFER, SVME);
    vcpu.wrmsr(CTL0, 0x30000430076n);
    const a = countsNow(vcpu);
    vcpu.wrmsr(EFER, 0n);
    const b = countsNow(vcpu);
    vcpu.wrmsr(EFER, SVME);
    vcpu.vmrun();
    seen[semantics] = [a, b, countsNow(vcpu)];
    assert.equal(
      vcpu.pmu.reprogramPmcOnNestedTransition.testBit(0),
      semantics === "upstream",
    );
  }
  assert.deepEqual(seen, {
    v4: [true, true, true],
    upstream: [true, false, true],
  });
});

Deno.test("handleNestedTransition() runs the vCPU's mechanism", async (t) => {
  await t.step(
    "tracked with an empty bitmap: no request, reprogramPmi untouched (SPEC g5)",
    () => {
      const vcpu = createVcpu();
      vcpu.pmu.reprogramPmi.setBit(60);
      handleNestedTransition(vcpu);
      assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 1n << 60n);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    },
  );
  await t.step("none: nothing happens even with tracked counters", () => {
    const vcpu = createVcpu({ mechanism: "none" });
    vcpu.wrmsr(CTL0, 0x20000430076n);
    vcpu.entry();
    handleNestedTransition(vcpu);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
});

Deno.test("enterGuestMode() / leaveGuestMode() / svmLeaveNested() set the mode, then call the handler", async (t) => {
  await t.step("the handler sees the new mode", () => {
    const vcpu = createVcpu({ mechanism: "immediate" });
    vcpu.wrmsr(EFER, SVME);
    vcpu.wrmsr(CTL0, 0x10000430076n); // Guest-Only
    vcpu.entry();
    enterGuestMode(vcpu);
    assert.equal(vcpu.pmu.eventselHwLo[0] & (1 << 22), 1 << 22);
    leaveGuestMode(vcpu);
    assert.equal(vcpu.pmu.eventselHwLo[0] & (1 << 22), 0);
  });
  await t.step("svmLeaveNested() outside L2 calls nothing", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    svmLeaveNested(vcpu);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
  await t.step("svmSetEfer() stores EFER before calling the handler", () => {
    const vcpu = createVcpu({ mechanism: "immediate" });
    vcpu.wrmsr(CTL0, 0x20000430076n); // Host-Only
    vcpu.entry();
    svmSetEfer(vcpu, 0x1000);
    assert.equal(vcpu.pmu.eventselHwLo[0] & (1 << 22), 1 << 22); // SVME=1, L1: counts
  });
});

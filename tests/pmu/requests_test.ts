import assert from "node:assert/strict";
import { createBitmap } from "../../core/bitmap/registry.ts";
import { KVM_REQ_PMU } from "../../core/pmu/constants.ts";
import {
  handleEvent,
  pmcIsDisabledInCurrentMode,
  pmcIsGloballyEnabled,
  pmcIsLocallyEnabled,
  recalcPmcEmulation,
  reprogramCounter,
  requestCounterReprogram,
  requestCountersReprogram,
} from "../../core/pmu/requests.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";
import { describeRow, eventselOf, TRUTH_TABLE } from "./_truth_table.ts";

const EFER = 0xc0000080;
const CTL = (i: number) => 0xc0010200 + 2 * i;

Deno.test("handleEvent() clears only the snapshot; bits set meanwhile survive (SPEC g7)", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(CTL(0), 0x430076n);
  vcpu.wrmsr(CTL(1), 0x430076n);
  // A "concurrent overflow callback" sets bit 2 while counter 0 is reprogrammed.
  vcpu.reprogramFault = (idx) => {
    if (idx === 0) vcpu.pmu.reprogramPmi.setBit(2);
    return false;
  };
  assert.equal(vcpu.checkRequest(KVM_REQ_PMU), true);
  handleEvent(vcpu);
  assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b100n);
  assert.equal(vcpu.pmu.eventselHw(1) & (1n << 22n), 1n << 22n); // counter 1 processed
});

Deno.test("handleEvent() re-queues a failed reprogram without a new request (SPEC g7)", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(CTL(0), 0x430076n);
  vcpu.wrmsr(CTL(3), 0x430076n);
  vcpu.setEventFilter("deny", [0x76n]);
  vcpu.reprogramFault = (idx) => idx === 3;
  assert.equal(vcpu.entry(), true);
  assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b1000n);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  assert.equal(vcpu.pmu.eventselHw(0), 0x10000430076n & ~(1n << 22n)); // filtered
  assert.equal(vcpu.pmu.eventselHw(3), 0x10000430076n); // unchanged: failed
  // The retry needs the next KVM_REQ_PMU.
  vcpu.reprogramFault = null;
  assert.equal(vcpu.entry(), false);
  assert.equal(vcpu.pmu.reprogramPmi.testBit(3), true);
  vcpu.makeRequest(KVM_REQ_PMU);
  vcpu.entry();
  assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
  assert.equal(vcpu.pmu.eventselHw(3), 0x10000030076n);
});

Deno.test("handleEvent() skips indexes that name no counter (SPEC g8)", async (t) => {
  for (const model of ["perfmonv2", "gp4"] as const) {
    await t.step(model, () => {
      const vcpu = createVcpu({ model });
      const seen: number[] = [];
      vcpu.reprogramFault = (idx) => (seen.push(idx), false);
      vcpu.pmu.reprogramPmi.fill();
      handleEvent(vcpu);
      assert.deepEqual(
        seen,
        model === "gp4" ? [0, 1, 2, 3, 32, 33, 34] : [0, 1, 2, 3, 4, 5],
      );
      assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
    });
  }
});

Deno.test("reprogramCounter() enables eventsel_hw iff locally enabled and allowed by the filter (SPEC c5, g14)", async (t) => {
  await t.step("a denied event stays off in every mode, HO/GO or not", () => {
    for (const hg of [0n, 1n << 40n, 1n << 41n, 3n << 40n]) {
      const vcpu = createVcpu({ semantics: "upstream" });
      vcpu.wrmsr(EFER, 0x1000n);
      vcpu.setEventFilter("deny", [0x76n]);
      vcpu.wrmsr(CTL(0), 0x430076n | hg);
      for (const step of [() => {}, () => vcpu.vmrun(), () => vcpu.vmexit()]) {
        step();
        vcpu.entry();
        assert.equal(vcpu.entryState().counting, 0n, `hg ${hg}`);
      }
    }
  });
  await t.step(
    "the filter compares under AMD64_RAW_EVENT_MASK_NB (unit mask and event 35:32 matter)",
    () => {
      const vcpu = createVcpu();
      vcpu.setEventFilter("allow", [0x1_0000_01c0n]);
      vcpu.wrmsr(CTL(0), 0x1_0043_01c0n); // event 0x1c0, umask 1: allowed
      vcpu.wrmsr(CTL(1), 0x0043_01c0n); // event 0x0c0, umask 1: not listed
      vcpu.wrmsr(CTL(2), 0x1_0043_00c0n); // umask 0: not listed
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0b001n);
    },
  );
  await t.step(
    "fixed counters: the filter's fixedCounterBitmap decides",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      vcpu.wrmsr(0x38d, 0x333n);
      vcpu.setEventFilter("allow", [], { fixedCounterBitmap: 0b010 });
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0b010n << 32n);
      vcpu.setEventFilter("deny", [], { fixedCounterBitmap: 0b010 });
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0b101n << 32n);
      assert.equal(reprogramCounter(vcpu, 33), 0);
      assert.equal(vcpu.pmu.fixedCtrCtrlHw, 0x303);
    },
  );
  await t.step(
    "a fixed field without ring 0/3 is not enabled in hardware",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      vcpu.wrmsr(0x38d, 0x8n); // PMI only
      vcpu.entry();
      assert.equal(vcpu.pmu.fixedCtrCtrlHw, 0);
    },
  );
});

Deno.test("pmcIsLocallyEnabled() consults the mode only for tracked counters", () => {
  const vcpu = createVcpu({ semantics: "v4" });
  vcpu.wrmsr(EFER, 0x1000n);
  vcpu.wrmsr(CTL(0), 0x30000430076n); // both bits: untracked under v4
  vcpu.wrmsr(CTL(1), 0x10000430076n); // Guest-Only: tracked
  assert.deepEqual(
    [pmcIsLocallyEnabled(vcpu, 0), pmcIsLocallyEnabled(vcpu, 1)],
    [true, false],
  );
  assert.equal(pmcIsDisabledInCurrentMode(vcpu, 1), true);
});

Deno.test("pmcIsDisabledInCurrentMode() is false without a mediated PMU and on Intel", () => {
  const emulated = createVcpu({ mediated: false });
  emulated.wrmsr(CTL(0), 0x430076n);
  assert.equal(pmcIsDisabledInCurrentMode(emulated, 0), false);
  const intel = createVcpu({ model: "gp4" });
  intel.wrmsr(0x186, 0x430076n);
  assert.equal(pmcIsDisabledInCurrentMode(intel, 0), false);
});

Deno.test("pmcIsGloballyEnabled() is true below version 2, else the global_ctrl bit (SPEC g13)", () => {
  assert.equal(
    pmcIsGloballyEnabled(createVcpu({ model: "extcore" }).pmu, 5),
    true,
  );
  const v2 = createVcpu({ model: "synthetic", counters: 40 });
  assert.equal(pmcIsGloballyEnabled(v2.pmu, 39), true);
  v2.wrmsr(0xc0000301, 0x7f_ffff_ffffn);
  assert.equal(pmcIsGloballyEnabled(v2.pmu, 39), false);
  assert.equal(pmcIsGloballyEnabled(v2.pmu, 38), true);
  // The gate is orthogonal: eventsel_hw EN is still computed without it.
  v2.wrmsr(0xc0010200 + 2 * 39, 0x430076n);
  v2.entry();
  assert.equal(v2.entryState().counting, 1n << 39n);
});

Deno.test("pmcIsGloballyEnabled() gates every HO/GO row of SPEC (d) without touching eventsel_hw (SPEC g13)", async (t) => {
  for (const semantics of ["v4", "upstream"] as const) {
    for (const r of TRUTH_TABLE) {
      await t.step(`${semantics}: ${describeRow(r)}`, () => {
        const vcpu = createVcpu({ model: "perfmonv2", semantics });
        if (r.svme) vcpu.wrmsr(EFER, 0x1000n);
        if (r.l2) vcpu.vmrun();
        vcpu.wrmsr(CTL(0), eventselOf(r));
        vcpu.wrmsr(0xc0000301, 0x3en); // global_ctrl without counter 0
        vcpu.entry();
        const expected = semantics === "v4" ? r.v4 : r.upstream;
        // The mode/filter verdict is still computed...
        assert.equal(vcpu.entryState().counting & 1n, expected ? 1n : 0n);
        // ...but the counter counts only if also globally enabled.
        assert.equal(pmcIsGloballyEnabled(vcpu.pmu, 0), false);
        vcpu.wrmsr(0xc0000301, 0x3fn);
        vcpu.entry();
        assert.equal(pmcIsGloballyEnabled(vcpu.pmu, 0), true);
        assert.equal(vcpu.entryState().counting & 1n, expected ? 1n : 0n);
      });
    }
  }
});

Deno.test("reprogramCounter() without a mediated PMU runs a counter only when globally and locally enabled and allowed (SPEC c5, g20)", async (t) => {
  await t.step("AMD: global_ctrl gates EN in eventsel_hw", () => {
    const vcpu = createVcpu({ mediated: false });
    vcpu.wrmsr(CTL(0), 0x430076n);
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 1n);
    vcpu.wrmsr(0xc0000301, 0x3en); // clear counter 0's bit
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0x1n); // the changed bit
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 0n);
    assert.equal(vcpu.pmu.eventselHw(0), 0x10000030076n); // (data & ~HO) | GO, EN off
    vcpu.wrmsr(0xc0000301, 0x3fn); // setting the bit queues it: counts again
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 1n);
    assert.equal(vcpu.pmu.eventselHw(0), 0x10000430076n);
  });
  await t.step(
    "AMD: reserved global-control bits are dropped, no fault",
    () => {
      const vcpu = createVcpu({ mediated: false });
      assert.equal(vcpu.wrmsr(0xc0000301, 0xffff_ffff_ffff_ffc1n).ok, true);
      assert.equal(vcpu.pmu.globalCtrl, 0x1n);
    },
  );
  await t.step(
    "Intel: reserved global-control bits #GP, value unchanged",
    () => {
      const vcpu = createVcpu({ model: "gp4", mediated: false });
      assert.equal(vcpu.wrmsr(0x38f, 1n << 40n).ok, false);
      assert.equal(vcpu.pmu.globalCtrl, 0xfn);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    },
  );
  await t.step(
    "Intel: fixed counters obey their global_ctrl bit 32 + i",
    () => {
      const vcpu = createVcpu({ model: "gp4", mediated: false });
      vcpu.wrmsr(0x186, 0x4300c0n);
      vcpu.wrmsr(0x38d, 0x3n); // fixed counter 0: ring 0 and 3
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0x1n); // global_ctrl 0xf: no fixed bit
      assert.equal(vcpu.pmu.fixedCtrCtrlHw, 0);
      vcpu.wrmsr(0x38f, 0x1_0000_0000n); // fixed 0 only
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0x1_0000_0000n);
      assert.equal(vcpu.pmu.eventselHw(0), 0x0300c0n); // Intel stores data; EN off
      assert.equal(vcpu.pmu.fixedCtrCtrlHw, 0x3);
    },
  );
  await t.step("no mode check: HO/GO are reserved, so dropped", () => {
    const vcpu = createVcpu({ mediated: false });
    vcpu.wrmsr(EFER, 0x1000n);
    vcpu.wrmsr(CTL(0), 0x10000430076n); // Guest-Only asked for
    assert.equal(vcpu.pmu.eventsel(0), 0x430076n);
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 1n); // L1: counts
    vcpu.vmrun();
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 1n); // L2: counts
  });
  await t.step("the mediated PMU leaves global_ctrl to the hardware", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(CTL(0), 0x430076n);
    vcpu.wrmsr(0xc0000301, 0x3en);
    vcpu.entry();
    assert.equal(vcpu.entryState().counting, 1n);
  });
});

Deno.test("recalcPmcEmulation() follows mode changes after handleEvent (SPEC g15)", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(EFER, 0x1000n);
  vcpu.wrmsr(CTL(0), 0x100004300c0n); // Guest-Only instructions retired
  vcpu.wrmsr(CTL(1), 0x200004300c2n); // Host-Only branches retired
  vcpu.entry();
  const bits = () => [
    vcpu.pmu.pmcCountingInstructions.toBigInt(),
    vcpu.pmu.pmcCountingBranches.toBigInt(),
  ];
  assert.deepEqual(bits(), [0n, 0b10n]); // L1: the GO counter must not count
  vcpu.vmrun();
  vcpu.entry();
  assert.deepEqual(bits(), [0b1n, 0n]);
  vcpu.vmexit();
  vcpu.entry();
  assert.deepEqual(bits(), [0n, 0b10n]);
});

Deno.test("recalcPmcEmulation() ignores the filter and matches fixed counter 0 as instructions", () => {
  const vcpu = createVcpu({ model: "gp4" });
  vcpu.setEventFilter("deny", [0xc0n], { fixedCounterBitmap: 1 });
  vcpu.wrmsr(0x186, 0x4300c0n);
  vcpu.wrmsr(0x187, 0x4300c4n);
  vcpu.wrmsr(0x38d, 0x1n);
  vcpu.entry();
  assert.equal(vcpu.pmu.pmcCountingInstructions.toBigInt(), (1n << 32n) | 1n);
  assert.equal(vcpu.pmu.pmcCountingBranches.toBigInt(), 0b10n);
  vcpu.pmu.eventselLo[1] = 0;
  recalcPmcEmulation(vcpu, 1);
  assert.equal(vcpu.pmu.pmcCountingBranches.isEmpty(), true);
});

Deno.test("requestCounterReprogram() / requestCountersReprogram() set bits and raise KVM_REQ_PMU", async (t) => {
  await t.step("one counter", () => {
    const vcpu = createVcpu();
    requestCounterReprogram(vcpu, 4);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b10000n);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  });
  await t.step("an empty mask does nothing (no request)", () => {
    const vcpu = createVcpu({ bitmap: "bool" });
    requestCountersReprogram(vcpu, createBitmap("bool"));
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
  await t.step("a mask is ORed, never assigned (SPEC g6)", () => {
    const vcpu = createVcpu({ bitmap: "u64" });
    vcpu.pmu.reprogramPmi.setBit(40);
    const mask = createBitmap("u64");
    mask.fromBigInt(0b11n);
    requestCountersReprogram(vcpu, mask);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), (1n << 40n) | 0b11n);
  });
});

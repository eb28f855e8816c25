import assert from "node:assert/strict";
import { KVM_REQ_PMI, KVM_REQ_PMU } from "../../core/pmu/constants.ts";
import type { Mechanism } from "../../core/pmu/mechanisms/mechanism.ts";
import { enterGuestMode } from "../../core/pmu/nested.ts";
import {
  createVcpu,
  RESULT_GP,
  RESULT_OK,
  RESULT_UD,
  Vcpu,
} from "../../core/pmu/vcpu.ts";

const EFER = 0xc0000080;
const CTL0 = 0xc0010200;
const SVME = 0x1000n;

/** Swap the vCPU's mechanism for a spy that counts nested-transition handler calls. */
function countHandlerCalls(vcpu: Vcpu): { calls: number } {
  const seen = { calls: 0 };
  const inner = vcpu.mechanism;
  (vcpu as { mechanism: Mechanism }).mechanism = {
    name: "spy",
    description: "counts calls, then runs the vCPU's mechanism",
    handleNestedTransition(v: Vcpu): void {
      seen.calls++;
      inner.handleNestedTransition(v);
    },
  };
  return seen;
}

Deno.test("createVcpu() validates the config and wires semantics, mechanism and bitmaps by name", () => {
  const vcpu = createVcpu({
    model: "extcore",
    semantics: "upstream",
    mechanism: "immediate",
    bitmap: "bigint",
  });
  assert.ok(vcpu instanceof Vcpu);
  assert.equal(vcpu.semantics.name, "upstream");
  assert.equal(vcpu.mechanism.name, "immediate");
  assert.equal(vcpu.pmu.reprogramPmi.strategy, "bigint");
  assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.strategy, "bigint");
  assert.equal(vcpu.pmu.nrArchGpCounters, 6);
  assert.deepEqual(
    [vcpu.efer, vcpu.isGuestMode, vcpu.requests, vcpu.eventFilter],
    [0, false, 0, null],
  );
  assert.throws(() => createVcpu({ bitmap: "u128" }), RangeError);
});

Deno.test("Vcpu.wrmsr() throws only for values no guest can write", async (t) => {
  const vcpu = createVcpu();
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "msr not an integer",
      () => vcpu.wrmsr(1.5, 0n),
      TypeError,
      /^Cannot wrmsr as 'msr' must be an integer: current value is 1.5$/,
    ],
    [
      "msr a string",
      () => vcpu.wrmsr("0x10" as unknown as number, 0n),
      TypeError,
      /current value is 0x10/,
    ],
    [
      "msr beyond 32 bits",
      () => vcpu.wrmsr(2 ** 32, 0n),
      RangeError,
      /^Cannot wrmsr as 'msr' must be in \[0, 0xffffffff\]: current value is 4294967296$/,
    ],
    [
      "value not a bigint",
      () => vcpu.wrmsr(CTL0, 5 as unknown as bigint),
      TypeError,
      /^Cannot wrmsr as 'value' must be a bigint: current value is 5$/,
    ],
    [
      "value negative",
      () => vcpu.wrmsr(CTL0, -1n),
      RangeError,
      /^Cannot wrmsr as 'value' must be in \[0, 2\^64 - 1\]: current value is -1n$/,
    ],
    [
      "value beyond 64 bits",
      () => vcpu.wrmsr(CTL0, 1n << 64n),
      RangeError,
      /current value is 18446744073709551616n/,
    ],
    [
      "rdmsr of a negative msr",
      () => vcpu.rdmsr(-1),
      RangeError,
      /^Cannot rdmsr as 'msr' must be in/,
    ],
    [
      "rdmsr of NaN",
      () => vcpu.rdmsr(NaN),
      TypeError,
      /^Cannot rdmsr as 'msr' must be an integer/,
    ],
  ];
  for (const [name, f, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        f,
        (e: Error) => e instanceof type && message.test(e.message),
      );
    });
  }
  await t.step("guest faults are results, never exceptions", () => {
    assert.equal(vcpu.wrmsr(0x10, 0n), RESULT_GP);
    assert.equal(vcpu.rdmsr(0x10), RESULT_GP);
    assert.equal(vcpu.wrmsr(CTL0, 0x430076n), RESULT_OK);
  });
});

Deno.test("Vcpu.wrmsrHalves() sends EFER through kvm_valid_efer() and svm_set_efer()", async (t) => {
  await t.step("reserved EFER bits and high bits #GP", () => {
    const vcpu = createVcpu();
    assert.equal(vcpu.wrmsrHalves(EFER, 1 << 20, 0), RESULT_GP);
    assert.equal(vcpu.wrmsrHalves(EFER, 0, 1), RESULT_GP);
    assert.equal(vcpu.efer, 0);
  });
  await t.step("SVME needs guest SVM", () => {
    assert.equal(createVcpu({ guestSvm: false }).wrmsr(EFER, SVME), RESULT_GP);
    const vcpu = createVcpu({ mediated: false });
    assert.equal(vcpu.wrmsr(EFER, SVME | 0xd01n), RESULT_OK);
    assert.equal(vcpu.efer, 0x1901); // LMA ignored (SPEC g22)
  });
  await t.step("an SVME toggle reaches the mechanism", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    vcpu.wrmsr(EFER, 0x100n); // LME: no toggle
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    vcpu.wrmsr(EFER, SVME | 0x100n);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  });
  await t.step("Intel stores EFER without nested transitions", () => {
    const vcpu = createVcpu({ model: "gp4" });
    const spy = countHandlerCalls(vcpu);
    assert.equal(vcpu.wrmsr(EFER, 0xd01n), RESULT_OK);
    assert.equal(vcpu.efer, 0x901);
    assert.equal(spy.calls, 0);
  });
  await t.step(
    "LMA is not guest-writable: a written LMA is ignored (SPEC g22)",
    () => {
      for (const config of [{}, { model: "gp4" as const }]) {
        const vcpu = createVcpu(config);
        assert.equal(vcpu.wrmsr(EFER, 0x500n), RESULT_OK); // LME | LMA
        assert.deepEqual(vcpu.rdmsr(EFER), { ok: true, value: 0x100n });
        assert.equal(vcpu.wrmsr(EFER, 0x400n), RESULT_OK); // LMA alone
        assert.deepEqual(vcpu.rdmsr(EFER), { ok: true, value: 0n });
      }
    },
  );
  await t.step(
    "SVME without guest SVM: #GP, EFER unchanged, no handler call (SPEC g22)",
    () => {
      for (const config of [{ guestSvm: false }, { model: "gp4" as const }]) {
        const vcpu = createVcpu(config);
        const spy = countHandlerCalls(vcpu);
        vcpu.wrmsr(EFER, 0x100n);
        assert.equal(vcpu.wrmsr(EFER, SVME | 0x100n), RESULT_GP);
        assert.equal(vcpu.efer, 0x100);
        assert.equal(spy.calls, 0);
      }
    },
  );
});

Deno.test("Vcpu.rdmsr() reads EFER and PMU MSRs", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(EFER, SVME);
  vcpu.wrmsr(CTL0, 0x30000430076n);
  assert.deepEqual(vcpu.rdmsr(EFER), { ok: true, value: 0x1000n });
  assert.deepEqual(vcpu.rdmsr(CTL0), { ok: true, value: 0x30000430076n });
});

Deno.test("Vcpu.vmrun()/vmexit() #UD exactly when SPEC (e) says, changing nothing; VMRUN in L2 exits to L1", async (t) => {
  await t.step("vmrun with SVME clear", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    assert.equal(vcpu.vmrun(), RESULT_UD);
    assert.deepEqual([vcpu.isGuestMode, vcpu.requests], [false, 0]);
  });
  await t.step(
    "vmrun in L2 is a nested #VMEXIT to L1, not #UD (SPEC g21)",
    () => {
      const vcpu = createVcpu({ mechanism: "all-bits" });
      vcpu.wrmsr(EFER, SVME);
      assert.equal(vcpu.vmrun(), RESULT_OK);
      vcpu.entry();
      assert.equal(vcpu.vmrun(), RESULT_OK);
      assert.equal(vcpu.isGuestMode, false);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), true); // a nested transition
    },
  );
  await t.step("vmexit outside guest mode", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" });
    vcpu.wrmsr(EFER, SVME);
    vcpu.entry();
    assert.equal(vcpu.vmexit(), RESULT_UD);
    assert.equal(vcpu.requests, 0);
  });
  await t.step("the shared results are frozen", () => {
    for (const r of [RESULT_OK, RESULT_GP, RESULT_UD]) {
      assert.equal(Object.isFrozen(r), true);
    }
  });
});

Deno.test("Vcpu.makeRequest()/testRequest()/checkRequest() model kvm_make_request() and its consumer", () => {
  const vcpu = createVcpu();
  vcpu.makeRequest(KVM_REQ_PMU);
  vcpu.makeRequest(KVM_REQ_PMU); // requests coalesce
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  assert.equal(vcpu.testRequest(KVM_REQ_PMI), false);
  assert.equal(vcpu.checkRequest(KVM_REQ_PMU), true);
  assert.equal(vcpu.checkRequest(KVM_REQ_PMU), false);
  assert.equal(vcpu.requests, 0);
});

Deno.test("Vcpu.entry() runs handleEvent only when KVM_REQ_PMU is pending", () => {
  const vcpu = createVcpu();
  assert.equal(vcpu.entry(), false);
  vcpu.wrmsr(CTL0, 0x430076n);
  vcpu.pmu.reprogramPmi.setBit(63); // no counter: skipped, but cleared
  assert.equal(vcpu.entry(), true);
  assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
  assert.equal(vcpu.entry(), false);
});

Deno.test("Vcpu.entryState() reports mode, SVME, bitmaps and hardware enables", () => {
  const vcpu = createVcpu({ semantics: "upstream" });
  vcpu.wrmsr(EFER, SVME);
  vcpu.wrmsr(CTL0, 0x10000430076n); // Guest-Only
  vcpu.wrmsr(0xc0010202, 0x430076n);
  vcpu.vmrun();
  vcpu.entry();
  vcpu.pmu.reprogramPmi.setBit(40);
  assert.deepEqual(vcpu.entryState(), {
    guestMode: true,
    svme: true,
    tracked: 1n,
    reprogramPmi: 1n << 40n,
    counting: 0b11n,
    eventselHw: [
      0x10000430076n,
      0x10000430076n,
      0n,
      0n,
      0n,
      0n,
    ],
  });
  const intel = createVcpu({ model: "gp8" });
  intel.wrmsr(0x38d, 0x301n); // fixed 0 ring 0, fixed 2 ring 0 + 3
  intel.entry();
  assert.equal(intel.entryState().counting, 0b101n << 32n);
  assert.equal(intel.entryState().eventselHw.length, 8);
});

Deno.test("Vcpu.setEventFilter()/clearEventFilter() request reprogramming of all 64 bits", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(CTL0, 0x430076n);
  vcpu.entry();
  vcpu.setEventFilter("deny", [0x76n]);
  assert.equal(vcpu.pmu.reprogramPmi.weight(), 64);
  assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
  vcpu.entry();
  assert.equal(vcpu.entryState().counting, 0n);
  vcpu.clearEventFilter();
  assert.equal(vcpu.eventFilter, null);
  assert.equal(vcpu.pmu.reprogramPmi.weight(), 64);
  vcpu.entry();
  assert.equal(vcpu.entryState().counting, 1n);
  // The vCPU's vendor sets the key mask (SPEC c2): bits 35:32 count on AMD only.
  const amd = createVcpu();
  amd.setEventFilter("deny", [0x1_0000_0076n]);
  assert.equal(amd.eventFilter?.keys.length, 1);
  const intel = createVcpu({ model: "gp4" });
  intel.setEventFilter("deny", [0x1_0000_0076n]);
  assert.equal(intel.eventFilter?.keys.length, 0);
  assert.throws(() => vcpu.setEventFilter("deny", [-1n]), RangeError);
});

Deno.test("Vcpu.reset() is INIT: leaves L2 and clears EFER, keeping the PMU, its pending work and the filter (SPEC c8, g18)", async (t) => {
  for (const mechanism of ["tracked", "all-bits", "immediate"]) {
    await t.step(`in L2, ${mechanism}`, () => {
      const vcpu = createVcpu({ mechanism }); // upstream
      vcpu.wrmsr(EFER, SVME);
      vcpu.wrmsr(CTL0, 0x20000430076n); // Host-Only
      vcpu.wrmsr(0xc0010202, 0x300004300c0n); // both HO and GO
      vcpu.wrmsr(0xc0010201, 0x1234n); // counter 0
      vcpu.wrmsr(0xc0000301, 0x3n); // global_ctrl: counters 0 and 1
      vcpu.setEventFilter("deny", [0xc2n]);
      vcpu.vmrun();
      vcpu.entry();
      const filter = vcpu.eventFilter;
      vcpu.wrmsr(0xc0010204, 0x4300c2n); // pending bit 2, denied event
      vcpu.reset();
      assert.deepEqual([vcpu.isGuestMode, vcpu.efer], [false, 0]);
      assert.deepEqual(
        [0, 1, 2].map((i) => vcpu.pmu.eventsel(i)),
        [0x20000430076n, 0x300004300c0n, 0x4300c2n],
      );
      assert.deepEqual(vcpu.rdmsr(0xc0010201), { ok: true, value: 0x1234n });
      assert.equal(vcpu.pmu.globalCtrl, 0x3n);
      assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.toBigInt(), 0x3n);
      assert.equal(vcpu.pmu.reprogramPmi.testBit(2), true);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
      assert.equal(vcpu.eventFilter, filter);
      vcpu.entry();
      // L1, SVME=0: upstream disables both tracked counters; the kept filter
      // still denies counter 2.
      assert.equal(vcpu.entryState().counting, 0n);
      assert.equal(vcpu.entryState().reprogramPmi, 0n);
    });
  }
  await t.step("in L1 with SVME=0: no nested transition", () => {
    const vcpu = createVcpu({ mechanism: "all-bits" }); // would fill on any call
    vcpu.wrmsr(CTL0, 0x20000430076n);
    vcpu.entry();
    const spy = countHandlerCalls(vcpu);
    vcpu.reset();
    assert.equal(spy.calls, 0);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
    assert.equal(vcpu.pmu.eventsel(0), 0x20000430076n);
  });
  await t.step("Intel: EFER 0, the PMU kept", () => {
    const vcpu = createVcpu({ model: "gp4" });
    vcpu.wrmsr(EFER, 0x501n);
    vcpu.wrmsr(0x38d, 0x3n);
    vcpu.wrmsr(0x38f, 0x1n);
    vcpu.entry();
    vcpu.reset();
    assert.equal(vcpu.efer, 0);
    assert.deepEqual([vcpu.pmu.fixedCtrCtrl, vcpu.pmu.globalCtrl], [3, 0x1n]);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    // Guest mode on Intel only by a direct enterGuestMode() (benches): INIT
    // leaves it all the same (kvm_leave_nested()).
    enterGuestMode(vcpu);
    vcpu.reset();
    assert.equal(vcpu.isGuestMode, false);
  });
});

Deno.test("Vcpu.reprogramFault makes reprogram_counter() fail for chosen counters", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(CTL0, 0x430076n);
  const seen: number[] = [];
  vcpu.reprogramFault = (idx) => {
    seen.push(idx);
    return true;
  };
  vcpu.entry();
  assert.deepEqual(seen, [0]);
  assert.equal(vcpu.entryState().reprogramPmi, 1n);
});

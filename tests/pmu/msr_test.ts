import assert from "node:assert/strict";
import { KVM_REQ_PMU } from "../../core/pmu/constants.ts";
import { isKnownMsr, pmuGetMsr, pmuSetMsr } from "../../core/pmu/msr.ts";
import { pmcIsDisabledInCurrentMode } from "../../core/pmu/requests.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";

const CTL0 = 0xc0010200;
const EN_HO = 0x20000430076n;

Deno.test("pmuSetMsr() drops HO/GO silently when they are reserved, so transitions do nothing (SPEC g1)", async (t) => {
  for (
    const config of [
      { guestSvm: false },
      { mediated: false },
      { guestSvm: false, mediated: false },
    ]
  ) {
    await t.step(JSON.stringify(config), () => {
      const vcpu = createVcpu({ ...config, mechanism: "tracked" });
      assert.deepEqual(vcpu.wrmsr(CTL0, 0x30000430076n), { ok: true });
      assert.equal(vcpu.pmu.eventsel(0), 0x430076n);
      assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.isEmpty(), true);
      vcpu.entry();
      // Without guest SVM, SVME #GPs and VMRUN #UDs; with it (emulated
      // PMU) the transitions happen but the handler has nothing to do.
      vcpu.wrmsr(0xc0000080, 0x1000n);
      vcpu.vmrun();
      assert.equal(vcpu.isGuestMode, config.guestSvm !== false);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
      assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 1n); // counts in every mode
    });
  }
});

Deno.test("pmuSetMsr() with an unchanged value changes nothing and requests nothing (SPEC g2)", async (t) => {
  await t.step("same value", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(CTL0, EN_HO);
    vcpu.entry();
    vcpu.wrmsr(CTL0, EN_HO);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
  });
  await t.step("a value equal after dropping reserved bits", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(CTL0, EN_HO);
    vcpu.entry();
    vcpu.wrmsr(CTL0, EN_HO | (1n << 63n) | (1n << 19n));
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
    assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.testBit(0), true);
  });
});

Deno.test("pmuSetMsr() keeps the tracked bit per semantics through HO, GO, both, neither (SPEC g3)", () => {
  const seq = [1n << 41n, 1n << 40n, 3n << 40n, 0n];
  for (
    const [semantics, expected] of [
      ["v4", [true, true, false, false]],
      ["upstream", [true, true, true, false]],
    ] as const
  ) {
    const vcpu = createVcpu({ semantics });
    const seen = seq.map((hg) => {
      vcpu.wrmsr(0xc0010206, 0x430076n | hg); // counter 3
      return vcpu.pmu.reprogramPmcOnNestedTransition.testBit(3);
    });
    assert.deepEqual(seen, expected, semantics);
  }
});

Deno.test("pmuSetMsr() tracks a counter with HO/GO but EN clear, which never counts (SPEC g4)", async (t) => {
  for (
    const [semantics, hg] of [
      ["v4", 1n << 41n],
      ["v4", 1n << 40n],
      ["upstream", 1n << 41n],
      ["upstream", 3n << 40n],
    ] as const
  ) {
    await t.step(`${semantics}, HO/GO 0x${(hg >> 40n).toString(16)}`, () => {
      const vcpu = createVcpu({ semantics });
      vcpu.wrmsr(0xc0000080, 0x1000n);
      vcpu.wrmsr(CTL0, 0x30076n | hg); // EN clear
      assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.testBit(0), true);
      assert.equal(pmcIsDisabledInCurrentMode(vcpu, 0), false); // EN first
      for (
        const step of [
          () => vcpu.entry(),
          () => vcpu.vmrun(),
          () => vcpu.vmexit(),
          () => vcpu.wrmsr(0xc0000080, 0n),
        ]
      ) {
        step();
        vcpu.entry();
        assert.equal(vcpu.entryState().counting, 0n);
      }
    });
  }
});

Deno.test("pmuSetMsr() stuffs GuestOnly=1, HostOnly=0 into AMD eventsel_hw", () => {
  const vcpu = createVcpu();
  vcpu.wrmsr(CTL0, 0x20000430076n);
  assert.equal(vcpu.pmu.eventselHw(0), 0x10000430076n);
  vcpu.wrmsr(CTL0, 0x430076n);
  assert.equal(vcpu.pmu.eventselHw(0), 0x10000430076n);
});

Deno.test("pmuSetMsr() keys Guest-Only on bit 40 only, not INT_CORE_SEL bits 39:37 (SPEC g17)", () => {
  const vcpu = createVcpu({ semantics: "upstream" });
  vcpu.wrmsr(CTL0, 0x430076n | (7n << 37n));
  assert.equal(vcpu.pmu.eventsel(0), 0x430076n); // bits 39:37 reserved: dropped
  assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.isEmpty(), true);
  vcpu.wrmsr(CTL0, 0x430076n | (1n << 40n));
  assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.testBit(0), true);
});

Deno.test("pmuSetMsr() on Intel faults on reserved bits and never tracks (SPEC g16)", async (t) => {
  await t.step("HO/GO and bit 21 are reserved: #GP, nothing changes", () => {
    const vcpu = createVcpu({ model: "gp8" });
    for (const v of [0x20000430076n, 0x10000430076n, 0x630076n]) {
      assert.deepEqual(vcpu.wrmsr(0x186, v), { ok: false, fault: "#GP" });
    }
    assert.equal(vcpu.pmu.eventsel(0), 0n);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
  await t.step(
    "valid writes land in eventsel_hw unchanged; mode never disables",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      vcpu.wrmsr(0x187, 0x4300c0n);
      assert.equal(vcpu.pmu.eventselHw(1), 0x4300c0n);
      assert.equal(pmcIsDisabledInCurrentMode(vcpu, 1), false);
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 0b10n);
      assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.isEmpty(), true);
    },
  );
  await t.step("Intel EFER.SVME is reserved: #GP, so VMRUN stays #UD", () => {
    const vcpu = createVcpu({ model: "gp4" });
    assert.deepEqual(vcpu.wrmsr(0xc0000080, 0x1000n), {
      ok: false,
      fault: "#GP",
    });
    assert.deepEqual(vcpu.vmrun(), { ok: false, fault: "#UD" });
  });
});

Deno.test("pmuSetMsr()/pmuGetMsr() decode every AMD MSR layout", async (t) => {
  await t.step("K7 MSRs alias counters 0..3 on extcore", () => {
    const vcpu = createVcpu({ model: "extcore" });
    vcpu.wrmsr(0xc0010003, 0x4300c0n);
    assert.equal(pmuGetMsr(vcpu, 0xc0010206), 0x4300c0n);
    vcpu.wrmsr(0xc0010207, 0x1234n);
    assert.equal(pmuGetMsr(vcpu, 0xc0010007), 0x1234n);
  });
  await t.step("legacy has no F15H MSRs and no global MSRs", () => {
    const vcpu = createVcpu({ model: "legacy" });
    assert.equal(pmuSetMsr(vcpu, CTL0, 0, 0), 1);
    assert.equal(pmuGetMsr(vcpu, 0xc0000301), undefined);
    assert.equal(pmuSetMsr(vcpu, 0xc0000301, 0, 0), 1);
  });
  await t.step("F15H MSRs beyond the counters #GP", () => {
    const vcpu = createVcpu({ model: "perfmonv2" });
    assert.equal(pmuSetMsr(vcpu, 0xc001020c, 0, 0), 1);
    assert.equal(pmuGetMsr(vcpu, 0xc001020d), undefined);
  });
  await t.step(
    "synthetic counters use base + 2n up to n = 63, K7 aliases below 4",
    () => {
      const vcpu = createVcpu({ model: "synthetic", counters: 64 });
      vcpu.wrmsr(0xc0010200 + 2 * 63, 0x430076n);
      assert.equal(vcpu.pmu.eventsel(63), 0x430076n);
      vcpu.entry();
      assert.equal(vcpu.entryState().counting, 1n << 63n);
      const small = createVcpu({ model: "synthetic", counters: 2 });
      assert.equal(pmuSetMsr(small, 0xc0010002, 0, 0), 1);
    },
  );
  await t.step("AMD counters keep 48 bits", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(0xc0010201, 0xffff_ffff_ffff_ffffn);
    assert.equal(pmuGetMsr(vcpu, 0xc0010201), 0xffff_ffff_ffffn);
  });
  await t.step("non-PMU MSRs #GP", () => {
    assert.equal(pmuSetMsr(createVcpu(), 0x10, 0, 0), 1);
    assert.equal(pmuGetMsr(createVcpu({ model: "gp4" }), 0x10), undefined);
  });
});

Deno.test("PERF_CNTR_GLOBAL_CTL gates counting and requests reprogramming of changed bits (SPEC g13)", async (t) => {
  await t.step(
    "refresh sets the GP bits; writes drop reserved bits on AMD",
    () => {
      const vcpu = createVcpu();
      assert.equal(vcpu.rdmsr(0xc0000301).ok && vcpu.pmu.globalCtrl, 0x3fn);
      vcpu.entry();
      vcpu.wrmsr(0xc0000301, 0xffff_ffff_ffff_fffen);
      assert.equal(vcpu.pmu.globalCtrl, 0x3en);
      assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 1n); // only counter 0 changed
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
    },
  );
  await t.step("an unchanged value requests nothing", () => {
    const vcpu = createVcpu();
    vcpu.wrmsr(0xc0000301, 0x3fn);
    assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
  });
  await t.step("global status: reads, write ignored, CLR and SET", () => {
    const vcpu = createVcpu();
    assert.equal(pmuSetMsr(vcpu, 0xc0000300, 5, 0), 0);
    assert.equal(vcpu.pmu.globalStatus, 0n);
    pmuSetMsr(vcpu, 0xc0000303, 0xff, 0xffff_ffff);
    assert.equal(pmuGetMsr(vcpu, 0xc0000300), 0x3fn);
    pmuSetMsr(vcpu, 0xc0000302, 0x3, 0);
    assert.equal(pmuGetMsr(vcpu, 0xc0000300), 0x3cn);
    assert.equal(pmuGetMsr(vcpu, 0xc0000302), 0n);
    assert.equal(pmuGetMsr(vcpu, 0xc0000303), 0n);
  });
});

Deno.test("Intel fixed counters and global MSRs follow intel_pmu_set_msr()", async (t) => {
  await t.step(
    "FIXED_CTR_CTRL: reserved bits (AnyThread, beyond 3 fields) #GP",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      assert.equal(pmuSetMsr(vcpu, 0x38d, 0x4, 0), 1);
      assert.equal(pmuSetMsr(vcpu, 0x38d, 0x1000, 0), 1);
      assert.equal(pmuSetMsr(vcpu, 0x38d, 0, 1), 1);
    },
  );
  await t.step("FIXED_CTR_CTRL: only changed fields are requested", () => {
    const vcpu = createVcpu({ model: "gp4" });
    vcpu.wrmsr(0x38d, 0x0b3n);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b11n << 32n);
    vcpu.entry();
    vcpu.wrmsr(0x38d, 0x2b3n);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b100n << 32n);
    assert.equal(pmuGetMsr(vcpu, 0x38d), 0x2b3n);
  });
  await t.step(
    "counters: legacy writes sign-extend from 32 bits, fixed keep 48",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      vcpu.wrmsr(0xc1, 0x8000_0000n);
      assert.equal(pmuGetMsr(vcpu, 0xc1), 0xffff_8000_0000n);
      vcpu.wrmsr(0x30a, 0x1_2345_6789_abcdn);
      assert.equal(pmuGetMsr(vcpu, 0x30a), 0x2345_6789_abcdn);
      assert.equal(pmuGetMsr(vcpu, 0x30c), undefined); // only 3 fixed counters
    },
  );
  await t.step("GLOBAL_CTRL: reserved bits #GP; fixed bits are valid", () => {
    const vcpu = createVcpu({ model: "gp4" });
    assert.equal(pmuGetMsr(vcpu, 0x38f), 0xfn);
    assert.equal(pmuSetMsr(vcpu, 0x38f, 0x10, 0), 1);
    assert.equal(pmuSetMsr(vcpu, 0x38f, 0xf, 0x7), 0);
    assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0x7n << 32n);
  });
  await t.step(
    "GLOBAL_STATUS is read-only (#GP), OVF_CTRL clears and checks reserved bits",
    () => {
      const vcpu = createVcpu({ model: "gp4" });
      assert.equal(pmuSetMsr(vcpu, 0x38e, 0, 0), 1);
      assert.equal(pmuGetMsr(vcpu, 0x38e), 0n);
      assert.equal(pmuSetMsr(vcpu, 0x390, 0x100, 0), 1);
      assert.equal(pmuSetMsr(vcpu, 0x390, 0x1, 0), 0);
      assert.equal(pmuGetMsr(vcpu, 0x390), 0n);
    },
  );
});

Deno.test("pmuSetMsr() marks written counters in pmcInUse", () => {
  const vcpu = createVcpu({ model: "gp4" });
  vcpu.wrmsr(0x186, 0n);
  vcpu.wrmsr(0xc3, 1n);
  vcpu.wrmsr(0x38d, 0x200n);
  assert.equal(vcpu.pmu.pmcInUse.toBigInt(), (1n << 34n) | 0b101n); // counters 0, 2, fixed 2
});

Deno.test("isKnownMsr() knows every modelled MSR and nothing else", () => {
  const known = [
    0xc0000080,
    0xc0010000,
    0xc0010007,
    0xc0010200,
    0xc001027f,
    0xc0000300,
    0xc0000303,
    0xc1,
    0xc8,
    0x186,
    0x18d,
    0x309,
    0x30b,
    0x38d,
    0x390,
  ];
  const unknown = [
    0,
    0xc0010008,
    0xc0010280,
    0xc0000304,
    0xc9,
    0x18e,
    0x30c,
    0x38c,
    0x391,
  ];
  assert.deepEqual(known.filter((m) => !isKnownMsr(m)), []);
  assert.deepEqual(unknown.filter(isKnownMsr), []);
});

import assert from "node:assert/strict";
import { pmuModelOf, validateVcpuConfig } from "../../core/pmu/config.ts";
import { KvmPmu } from "../../core/pmu/pmu.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";

function pmuFor(
  config: Parameters<typeof validateVcpuConfig>[0],
  bitmap = "u32pair",
) {
  const c = validateVcpuConfig(config);
  return new KvmPmu(pmuModelOf(c), {
    bitmap,
    mediated: c.mediated,
    guestSvm: c.guestSvm,
  });
}

Deno.test("new KvmPmu() refreshes allValidPmcIdx, version and global_ctrl per model (SPEC f)", async (t) => {
  const cases = [
    ["legacy", undefined, 0xfn, 1, 0n],
    ["extcore", undefined, 0x3fn, 1, 0n],
    ["perfmonv2", undefined, 0x3fn, 2, 0x3fn],
    ["gp4", undefined, 0x7_0000_000fn, 2, 0xfn],
    ["gp8", undefined, 0x7_0000_00ffn, 2, 0xffn],
    ["synthetic", 64, 0xffff_ffff_ffff_ffffn, 2, 0xffff_ffff_ffff_ffffn],
    ["synthetic", 33, 0x1_ffff_ffffn, 2, 0x1_ffff_ffffn],
    ["synthetic", 32, 0xffff_ffffn, 2, 0xffff_ffffn],
    ["synthetic", 1, 1n, 2, 1n],
  ] as const;
  for (const [model, counters, valid, version, globalCtrl] of cases) {
    await t.step(`${model}${counters ? ` (${counters})` : ""}`, () => {
      const pmu = pmuFor({ model, counters });
      assert.equal(pmu.allValidPmcIdx.toBigInt(), valid);
      assert.equal(pmu.version, version);
      assert.equal(pmu.globalCtrl, globalCtrl);
    });
  }
});

Deno.test("new KvmPmu() un-reserves HO/GO only with guest SVM and the mediated PMU", () => {
  assert.equal(pmuFor({}).reservedBits, 0xffff_fcf0_0028_0000n);
  assert.equal(
    pmuFor({ guestSvm: false }).reservedBits,
    0xffff_fff0_0028_0000n,
  );
  assert.equal(
    pmuFor({ mediated: false }).reservedBits,
    0xffff_fff0_0028_0000n,
  );
  assert.equal(pmuFor({ model: "gp4" }).reservedBits, 0xffff_ffff_0020_0000n);
});

Deno.test("new KvmPmu() rejects an unknown bitmap strategy", () => {
  assert.throws(() => pmuFor({}, "u128"), RangeError);
});

Deno.test("KvmPmu.reset() zeroes every event select, bitmap and control (SPEC g12)", () => {
  const vcpu = createVcpu({ model: "perfmonv2", semantics: "upstream" });
  vcpu.wrmsr(0xc0000080, 0x1000n);
  for (let i = 0; i < 6; i++) vcpu.wrmsr(0xc0010200 + 2 * i, 0x300004300c0n);
  vcpu.wrmsr(0xc0010201, 99n);
  vcpu.wrmsr(0xc0000303, 0x3n);
  vcpu.pmu.reset();
  const p = vcpu.pmu;
  assert.deepEqual([
    ...p.eventselLo,
    ...p.eventselHi,
    ...p.eventselHwLo,
    ...p.eventselHwHi,
  ], new Array(24).fill(0));
  assert.deepEqual([...p.counter], new Array(6).fill(0));
  for (
    const b of [
      p.reprogramPmi,
      p.reprogramPmcOnNestedTransition,
      p.pmcCountingInstructions,
      p.pmcCountingBranches,
    ]
  ) {
    assert.equal(b.isEmpty(), true);
  }
  assert.deepEqual([p.globalCtrl, p.globalStatus], [0n, 0n]);
  assert.equal(p.allValidPmcIdx.toBigInt(), 0x3fn); // kept
  assert.equal(p.pmcInUse.toBigInt(), 0x3fn); // kvm_pmu_reset() leaves it
  p.refresh();
  assert.equal(p.globalCtrl, 0x3fn); // refresh emulates RESET of global_ctrl
  assert.equal(p.pmcInUse.toBigInt(), 0x3fn); // only kvm_pmu_init() zeroes it
});

Deno.test("KvmPmu.reset() zeroes Intel fixed control", () => {
  const vcpu = createVcpu({ model: "gp4" });
  vcpu.wrmsr(0x38d, 0x333n);
  vcpu.wrmsr(0x309, 5n);
  vcpu.entry();
  vcpu.pmu.reset();
  assert.deepEqual([
    vcpu.pmu.fixedCtrCtrl,
    vcpu.pmu.fixedCtrCtrlHw,
    vcpu.pmu.fixedCounter[0],
  ], [0, 0, 0]);
});

Deno.test("KvmPmu.eventsel()/eventselHw() reject an index that is not a GP counter", () => {
  const pmu = pmuFor({ model: "legacy" });
  assert.throws(() => pmu.eventsel(4), {
    name: "RangeError",
    message:
      "Cannot read eventsel as 'i' must be an integer in [0, 3]: current value is 4",
  });
  assert.throws(() => pmu.eventselHw(-1), RangeError);
  assert.throws(() => pmu.eventselHw(0.5), RangeError);
});

Deno.test("KvmPmu.isValidPmcIdx() matches kvm_pmc_idx_to_pmc()", () => {
  const intel = pmuFor({ model: "gp4" });
  const valid = [...Array(64).keys()].filter((i) => intel.isValidPmcIdx(i));
  assert.deepEqual(valid, [0, 1, 2, 3, 32, 33, 34]);
  const synth = pmuFor({ model: "synthetic", counters: 40 });
  assert.equal(
    [...Array(64).keys()].filter((i) => synth.isValidPmcIdx(i)).length,
    40,
  );
});

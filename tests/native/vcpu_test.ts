/**
 * Differential test of the native PMU paths: the same vCPU, copied into
 * `struct pmb_vcpu`, driven through the same nested transitions, EFER
 * toggles, event-select writes and VM-entries in C and in the model, must
 * end every step in the same state.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { loadNative } from "../../core/native/native.ts";
import {
  modelVcpuState,
  NativeVcpu,
  type NativeVcpuState,
} from "../../core/native/vcpu.ts";
import { createBitmap } from "../../core/bitmap/registry.ts";
import type { VcpuConfig } from "../../core/pmu/config.ts";
import {
  EFER_SVME,
  MSR_EFER,
  MSR_F15H_PERF_CTL0,
  MSR_K7_EVNTSEL0,
} from "../../core/pmu/constants.ts";
import {
  enterGuestMode,
  handleNestedTransition,
  leaveGuestMode,
  svmSetEfer,
} from "../../core/pmu/nested.ts";
import {
  pmcIsDisabledInCurrentMode,
  pmcIsLocallyEnabled,
  recalcPmcEmulation,
  reprogramCounter,
  requestCountersReprogram,
} from "../../core/pmu/requests.ts";
import { createVcpu, type Vcpu } from "../../core/pmu/vcpu.ts";
import { mechanismNames } from "../../core/pmu/mechanisms/registry.ts";
import { semanticsNames } from "../../core/pmu/semantics.ts";

const status = await loadNative();
const skip = status.available ? "" : ` (skipped: ${status.reason})`;
const native = status.available ? status.native : undefined;

/** The vCPU shapes of the nested suite: AMD 4 and 6, synthetic 8 and 64, Intel 8 + 3 fixed. */
const SHAPES: readonly Partial<VcpuConfig>[] = [
  { model: "legacy" },
  { model: "perfmonv2" },
  { model: "synthetic", counters: 8 },
  { model: "synthetic", counters: 64 },
  { vendor: "intel", model: "gp8" },
];

/** Events of the bench set-up, some in the filter below, some not. */
const EVENTS = [0x76n, 0xc0n, 0xc2n, 0xc4n, 0x3cn, 0x2en, 0x1_0000_00c0n];
const EN = 1n << 22n, USR = 1n << 16n, OS = 1n << 17n;
const GO = 1n << 40n, HO = 1n << 41n;

function eventselMsr(vcpu: Vcpu, i: number): number {
  return vcpu.pmu.perfCtrCore
    ? MSR_F15H_PERF_CTL0 + 2 * i
    : MSR_K7_EVNTSEL0 + i;
}

function describeShape(c: Partial<VcpuConfig>): string {
  return `${c.vendor ?? "amd"}/${c.model}${
    c.counters === undefined ? "" : c.counters
  }`;
}

/** One step applied to both sides. */
type Step =
  | { op: "enter" | "leave" | "handler" | "entry" | "handleEvent" }
  | { op: "toggleSvme" }
  | { op: "eventsel"; idx: number; event: number; hg: number; en: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(
    { op: "enter" as const },
    { op: "leave" as const },
    { op: "handler" as const },
    { op: "entry" as const },
    { op: "entry" as const },
    { op: "handleEvent" as const },
    { op: "toggleSvme" as const },
  ),
  fc.record({
    op: fc.constant("eventsel" as const),
    idx: fc.nat(63),
    event: fc.nat(EVENTS.length - 1),
    hg: fc.nat(3),
    en: fc.boolean(),
  }),
);

/** Apply a step to the model and the native vCPU alike; false when it does not apply to this vCPU. */
function apply(vcpu: Vcpu, nat: NativeVcpu, s: Step): boolean {
  const pmu = vcpu.pmu;
  switch (s.op) {
    case "enter":
      // VMRUN needs EFER.SVME; enter only from L1.
      if (vcpu.isGuestMode || (vcpu.efer & EFER_SVME) === 0) return false;
      enterGuestMode(vcpu);
      nat.enterGuestMode();
      return true;
    case "leave":
      if (!vcpu.isGuestMode) return false;
      leaveGuestMode(vcpu);
      nat.leaveGuestMode();
      return true;
    case "handler":
      handleNestedTransition(vcpu);
      nat.handleNestedTransition();
      return true;
    case "entry":
      assert.equal(nat.entry(), vcpu.entry(), "entry() handled a request");
      return true;
    case "handleEvent":
      vcpu.entry(); // the model's handleEvent needs no request either
      nat.entry();
      return true;
    case "toggleSvme": {
      if (!pmu.isAmd) return false;
      const efer = vcpu.efer ^ EFER_SVME;
      svmSetEfer(vcpu, efer);
      nat.svmSetEfer(BigInt(efer));
      return true;
    }
    case "eventsel": {
      if (!pmu.isAmd || pmu.nrArchGpCounters === 0) return false;
      const idx = s.idx % pmu.nrArchGpCounters;
      const value = EVENTS[s.event] | USR | OS | (s.en ? EN : 0n) |
        (s.hg & 1 ? GO : 0n) | (s.hg & 2 ? HO : 0n);
      assert.equal(vcpu.wrmsr(eventselMsr(vcpu, idx), value).ok, true);
      nat.amdSetEventsel(idx, value);
      return true;
    }
  }
}

/** A model vCPU as the nested bench sets it up, with random HO/GO bits. */
function setUp(
  shape: Partial<VcpuConfig>,
  mechanism: string,
  semantics: string,
  filter: boolean,
  hg: readonly number[],
): Vcpu {
  const vcpu = createVcpu({ ...shape, mechanism, semantics });
  const pmu = vcpu.pmu;
  if (pmu.isAmd) assert.equal(vcpu.wrmsr(MSR_EFER, BigInt(EFER_SVME)).ok, true);
  if (filter) {
    vcpu.setEventFilter("allow", [0x76n, 0xc0n, 0x3cn, 0x1_0000_00c0n], {
      fixedCounterBitmap: 0b101,
    });
  }
  if (pmu.isAmd) {
    for (let i = 0; i < pmu.nrArchGpCounters; i++) {
      const h = hg[i % hg.length];
      const v = EVENTS[i % EVENTS.length] | EN | USR | OS |
        (h & 1 ? GO : 0n) | (h & 2 ? HO : 0n);
      assert.equal(vcpu.wrmsr(eventselMsr(vcpu, i), v).ok, true);
    }
  } else {
    assert.equal(vcpu.wrmsr(0x186, EVENTS[1] | EN | USR).ok, true); // IA32_PERFEVTSEL0
    assert.equal(vcpu.wrmsr(0x187, EVENTS[3] | EN | OS).ok, true);
    assert.equal(vcpu.wrmsr(0x38d, 0x0bbn).ok, true); // FIXED_CTR_CTRL: 0 and 1 on, 2 ring 3
  }
  vcpu.entry();
  return vcpu;
}

function same(nat: NativeVcpu, vcpu: Vcpu, what: string): void {
  const got: NativeVcpuState = nat.state();
  assert.deepEqual(got, modelVcpuState(vcpu), what);
}

Deno.test(`NativeVcpu.fromModel() copies the whole state${skip}`, {
  ignore: native === undefined,
}, async (t) => {
  for (const shape of SHAPES) {
    await t.step(describeShape(shape), () => {
      const vcpu = setUp(shape, "tracked", "upstream", true, [0, 1, 2, 3]);
      same(NativeVcpu.fromModel(native!, vcpu), vcpu, "after the copy");
    });
  }
});

for (const shape of SHAPES) {
  Deno.test(
    `native PMU paths end every step in the model's state: ${
      describeShape(shape)
    }${skip}`,
    { ignore: native === undefined },
    async (t) => {
      for (const mechanism of mechanismNames) {
        for (const semantics of semanticsNames) {
          for (const filter of [false, true]) {
            await t.step(
              `${mechanism} ${semantics}${filter ? " filter" : ""}`,
              () => {
                fc.assert(
                  fc.property(
                    fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }),
                    fc.array(step, { maxLength: 30 }),
                    (hg, steps) => {
                      const vcpu = setUp(
                        shape,
                        mechanism,
                        semantics,
                        filter,
                        hg,
                      );
                      const nat = NativeVcpu.fromModel(native!, vcpu);
                      for (const [k, s] of steps.entries()) {
                        if (!apply(vcpu, nat, s)) continue;
                        same(
                          nat,
                          vcpu,
                          `after step ${k}: ${JSON.stringify(s)}`,
                        );
                      }
                    },
                  ),
                  { numRuns: 25, seed: 13 },
                );
              },
            );
          }
        }
      }
    },
  );
}

Deno.test(
  `native predicates agree with the model's for every counter and mode${skip}`,
  {
    ignore: native === undefined,
  },
  async (t) => {
    for (const shape of SHAPES) {
      for (const semantics of semanticsNames) {
        await t.step(`${describeShape(shape)} ${semantics}`, () => {
          const vcpu = setUp(shape, "tracked", semantics, true, [
            0,
            1,
            2,
            3,
            1,
          ]);
          for (const [svme, guest] of [[1, 0], [1, 1], [0, 0]]) {
            if (vcpu.pmu.isAmd) {
              if (vcpu.isGuestMode) leaveGuestMode(vcpu);
              svmSetEfer(vcpu, svme ? EFER_SVME : 0);
              if (guest) enterGuestMode(vcpu);
            }
            const nat = NativeVcpu.fromModel(native!, vcpu);
            const n = vcpu.pmu.nrArchGpCounters;
            for (let i = 0; i < n; i++) {
              assert.equal(
                nat.pmcIsDisabledInCurrentMode(i),
                pmcIsDisabledInCurrentMode(vcpu, i),
                `disabled ${i}`,
              );
            }
            for (let i = 0; i < 64; i++) {
              if (!vcpu.pmu.isValidPmcIdx(i)) continue;
              assert.equal(
                nat.pmcIsLocallyEnabled(i),
                pmcIsLocallyEnabled(vcpu, i),
                `enabled ${i}`,
              );
            }
            for (const e of EVENTS) {
              const eventsel = e | EN | HO;
              const filter = vcpu.eventFilter!;
              assert.equal(
                nat.isGpEventAllowed(eventsel),
                filter.isGpEventAllowed(
                  Number(eventsel & 0xffff_ffffn),
                  Number(eventsel >> 32n),
                ),
                `filter ${e}`,
              );
            }
          }
        });
      }
    }
  },
);

Deno.test(
  `native single-counter paths match reprogramCounter() and recalcPmcEmulation()${skip}`,
  {
    ignore: native === undefined,
  },
  () => {
    for (const shape of SHAPES) {
      const vcpu = setUp(shape, "none", "upstream", true, [2, 0, 1]);
      if (vcpu.pmu.isAmd) enterGuestMode(vcpu);
      const nat = NativeVcpu.fromModel(native!, vcpu);
      for (let i = 0; i < 64; i++) {
        if (!vcpu.pmu.isValidPmcIdx(i)) continue;
        assert.equal(nat.reprogramCounter(i), reprogramCounter(vcpu, i));
        nat.recalcPmcEmulation(i);
        recalcPmcEmulation(vcpu, i);
      }
      same(nat, vcpu, describeShape(shape));
    }
  },
);

Deno.test(
  `native batch entry points do what the bench bodies do, in one call${skip}`,
  {
    ignore: native === undefined,
  },
  async (t) => {
    for (const shape of SHAPES) {
      for (const mechanism of mechanismNames) {
        await t.step(`${describeShape(shape)} ${mechanism}`, () => {
          const pairs = 7;
          // Handler alone.
          let vcpu = setUp(shape, mechanism, "upstream", true, [2, 1, 0]);
          let nat = NativeVcpu.fromModel(native!, vcpu);
          const digestOf = (v: Vcpu) =>
            (v.requests ^ (v.pmu.eventselHwLo[0] ?? 0) ^ v.pmu.fixedCtrCtrlHw ^
              v.efer) >>> 0;
          for (let j = 0; j < pairs; j++) {
            enterGuestMode(vcpu);
            leaveGuestMode(vcpu);
          }
          assert.equal(nat.nestedTransitionBatch(pairs), digestOf(vcpu));
          same(nat, vcpu, "nested transition batch");
          // Round trip.
          vcpu = setUp(shape, mechanism, "upstream", true, [2, 1, 0]);
          nat = NativeVcpu.fromModel(native!, vcpu);
          let handled = 0;
          for (let j = 0; j < pairs; j++) {
            enterGuestMode(vcpu);
            if (vcpu.entry()) handled++;
            leaveGuestMode(vcpu);
            if (vcpu.entry()) handled++;
          }
          assert.equal(
            nat.nestedRoundTripBatch(pairs),
            (handled + digestOf(vcpu)) >>> 0,
          );
          same(nat, vcpu, "nested round trip batch");
          // kvm_pmu_handle_event() of a queued mask.
          const mask = 0x8000_0007_0000_00ffn;
          const m = createBitmap("u32pair");
          m.fromBigInt(mask);
          for (let r = 0; r < 3; r++) {
            requestCountersReprogram(vcpu, m);
            vcpu.entry();
          }
          assert.equal(nat.handleEventBatch(mask, 3), digestOf(vcpu));
          same(nat, vcpu, "handle event batch");
          // The mode check, the filter lookup, the emulation recalculation.
          let enabled = 0;
          for (let i = 0; i < vcpu.pmu.nrArchGpCounters; i++) {
            if (pmcIsLocallyEnabled(vcpu, i)) enabled++;
          }
          assert.equal(nat.modeCheckBatch(5), 5 * enabled);
          const eventsels = new Uint32Array(
            EVENTS.flatMap((e) => [Number(e & 0xffff_ffffn), Number(e >> 32n)]),
          );
          const allowed = EVENTS.filter((e) =>
            vcpu.eventFilter!.isGpEventAllowed(
              Number(e & 0xffff_ffffn),
              Number(e >> 32n),
            )
          ).length;
          assert.equal(nat.filterLookupBatch(eventsels), allowed);
          for (let i = 0; i < 64; i++) {
            if (vcpu.pmu.isValidPmcIdx(i)) {
              recalcPmcEmulation(vcpu, i);
            }
          }
          assert.equal(
            nat.recalcEmulationBatch(2),
            vcpu.pmu.pmcCountingInstructions.weight() +
              vcpu.pmu.pmcCountingBranches.weight(),
          );
          same(nat, vcpu, "after the predicates");
        });
      }
    }
  },
);

Deno.test(
  `NativeVcpu methods throw RangeError for bad indexes and counts${skip}`,
  {
    ignore: native === undefined,
  },
  () => {
    const vcpu = setUp({ model: "perfmonv2" }, "tracked", "upstream", false, [
      0,
    ]);
    const nat = NativeVcpu.fromModel(native!, vcpu);
    const before = nat.state();
    const bad: [string, () => unknown, RegExp][] = [
      [
        "amdSetEventsel",
        () => nat.amdSetEventsel(6, 0n),
        /'idx' must be an integer in \[0, 5\]: current value is 6$/,
      ],
      [
        "pmcIsDisabledInCurrentMode",
        () => nat.pmcIsDisabledInCurrentMode(-1),
        /current value is -1$/,
      ],
      [
        "pmcIsLocallyEnabled",
        () => nat.pmcIsLocallyEnabled(64),
        /'idx' must be an integer in \[0, 63\]/,
      ],
      [
        "reprogramCounter",
        () => nat.reprogramCounter(1.5),
        /current value is 1.5$/,
      ],
      [
        "recalcPmcEmulation",
        () => nat.recalcPmcEmulation(NaN),
        /current value is NaN$/,
      ],
      [
        "nestedTransitionBatch",
        () => nat.nestedTransitionBatch(-1),
        /'pairs' must be an integer in \[0, 2\^32 - 1\]/,
      ],
      [
        "nestedRoundTripBatch",
        () => nat.nestedRoundTripBatch(2 ** 32),
        /'pairs'/,
      ],
      ["handleEventBatch", () => nat.handleEventBatch(1n, 0.5), /'rounds'/],
      ["modeCheckBatch", () => nat.modeCheckBatch(-2), /'rounds'/],
      [
        "recalcEmulationBatch",
        () => nat.recalcEmulationBatch(Infinity),
        /'rounds'/,
      ],
      [
        "filterLookupBatch",
        () => nat.filterLookupBatch(new Uint32Array(3)),
        /two halves per event: current length is 3$/,
      ],
    ];
    for (const [what, call, message] of bad) {
      assert.throws(
        call,
        (e: Error) => e instanceof RangeError && message.test(e.message),
        what,
      );
    }
    assert.deepEqual(nat.state(), before, "a refused call changes nothing");
  },
);

Deno.test(
  `NativeVcpu.fromModel() refuses a mechanism or semantics C does not have${skip}`,
  {
    ignore: native === undefined,
  },
  () => {
    const vcpu = createVcpu({ model: "perfmonv2", semantics: "upstream" });
    Object.defineProperty(vcpu, "mechanism", {
      value: { name: "eager", description: "", handleNestedTransition() {} },
    });
    assert.throws(() => NativeVcpu.fromModel(native!, vcpu), {
      name: "RangeError",
      message:
        /must have C counterparts .*: current value is "eager" with "upstream"$/,
    });
  },
);

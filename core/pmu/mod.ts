/**
 * The KVM x86 PMU model behind pmubench: the state that "KVM: x86/pmu:
 * Re-evaluate Host-Only/Guest-Only on nested SVM transitions" (v4 4/6)
 * touches, executable, generic over the bitmap strategy, with the design
 * variants selectable by name. Domain facts: SPEC-pmu.md.
 *
 * | file | offers | kernel counterpart |
 * | --- | --- | --- |
 * | `vcpu.ts` | {@linkcode createVcpu}, {@linkcode Vcpu} (`wrmsr`, `rdmsr`, `vmrun`, `vmexit`, `entry`, `entryState`, `setEventFilter`, `reset` (INIT)) | `struct kvm_vcpu`, `kvm_set_msr()`, VM-entry |
 * | `config.ts` | {@linkcode VcpuConfig}, {@linkcode VCPU_CONFIG_FIELDS}, {@linkcode validateVcpuConfig}, {@linkcode isVcpuConfigValid}, {@linkcode overrideVcpuConfig}, PMU models | `kvm_pmu_refresh()` inputs (CPUID) |
 * | `pmu.ts` | {@linkcode KvmPmu}: bitmaps, event selects, refresh, reset | `struct kvm_pmu`, `kvm_pmu_refresh()`, `kvm_pmu_reset()` |
 * | `requests.ts` | {@linkcode handleEvent}, {@linkcode reprogramCounter}, {@linkcode requestCounterReprogram}, ... | `kvm_pmu_handle_event()`, `reprogram_counter()` |
 * | `nested.ts` | {@linkcode handleNestedTransition}, `enterGuestMode`, `leaveGuestMode`, `svmSetEfer` | `kvm_pmu_handle_nested_transition()`, `svm_set_efer()` |
 * | `semantics.ts` | `upstream` (default: the merged kernel), `v4` (inferred from its commit text) ({@linkcode getSemantics}) | `amd_pmc_is_disabled_in_current_mode()` variants |
 * | `mechanisms/` | `tracked`, `all-bits`, `immediate`, `none` ({@linkcode getMechanism}) | the patch and its predecessors |
 * | `filter.ts` | {@linkcode createEventFilter} | `KVM_SET_PMU_EVENT_FILTER` |
 * | `msr.ts` | {@linkcode pmuSetMsr}, {@linkcode pmuGetMsr}, {@linkcode isKnownMsr} | `kvm_pmu_set_msr()`, `amd_pmu_set_msr()`, `intel_pmu_set_msr()` |
 * | `eventsel.ts` / `constants.ts` | 32-bit-half helpers, MSRs, bits | `perf_event.h`, `msr-index.h` |
 * | `trace.ts` | {@linkcode replayTrace}, {@linkcode parseTrace}, {@linkcode replayOps}, {@linkcode formatRecord}, {@linkcode formatRecordsTable}, {@linkcode formatTrace} | (JSON Lines traces) |
 * | `trace_gen.ts` | {@linkcode generateTrace} (seeded workloads) | |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./mod.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2", mechanism: "tracked" });
 * vcpu.wrmsr(0xc0000080, 0x1000n);
 * vcpu.wrmsr(0xc0010200, 0x10000430076n); // Guest-Only
 * vcpu.vmrun();
 * vcpu.entry();
 * assert.equal(vcpu.entryState().counting, 1n);
 * ```
 *
 * @module
 */

// The model's bitmaps are of the bitmap core's contract; re-export the
// type so this entry point documents on its own.
export type { Bitmap64 } from "../bitmap/mod.ts";
export * from "./config.ts";
export * from "./constants.ts";
export * from "./eventsel.ts";
export * from "./filter.ts";
export * from "./mechanisms/registry.ts";
export * from "./msr.ts";
export * from "./nested.ts";
export * from "./pmu.ts";
export * from "./requests.ts";
export * from "./semantics.ts";
export * from "./trace.ts";
export * from "./trace_gen.ts";
export * from "./vcpu.ts";

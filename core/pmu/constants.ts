/**
 * Constants of the x86 PMU that the model needs, with their kernel names in
 * SCREAMING_SNAKE_CASE so a reviewer can grep the C for them (SPEC section
 * (a)). 64-bit masks are `bigint` (the public truth); the model's hot paths
 * use the `_LO`/`_HI` 32-bit halves derived here, so they never allocate.
 *
 * Sources: `arch/x86/include/asm/perf_event.h`, `msr-index.h`,
 * `kvm_host.h`, `svm/pmu.c` (see SPEC). Intel MSR numbers and the KVM
 * "instructions/branches retired" event codes are not in the SPEC: they are
 * the architectural values (SDM vol. 4 / perf's hardware event maps) and are
 * marked `[INFER]` below.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AMD64_EVENTSEL_HOST_GUEST_MASK, AMD64_EVENTSEL_HOSTONLY } from "./constants.ts";
 *
 * assert.equal(AMD64_EVENTSEL_HOSTONLY, 1n << 41n);
 * assert.equal(AMD64_EVENTSEL_HOST_GUEST_MASK, 3n << 40n);
 * ```
 *
 * @module
 */

export { X86_PMC_IDX_MAX } from "../bitmap/bitmap.ts";

/** `INTEL_PMC_IDX_FIXED` = `KVM_FIXED_PMC_BASE_IDX`: fixed counter i lives at bitmap index 32 + i. */
export const KVM_FIXED_PMC_BASE_IDX = 32;
/** `KVM_MAX_NR_INTEL_GP_COUNTERS`. */
export const KVM_MAX_NR_INTEL_GP_COUNTERS = 8;
/** `KVM_MAX_NR_AMD_GP_COUNTERS`. */
export const KVM_MAX_NR_AMD_GP_COUNTERS = 6;
/** `KVM_MAX_NR_INTEL_FIXED_COUNTERS` (= `KVM_MAX_NR_FIXED_COUNTERS`). */
export const KVM_MAX_NR_INTEL_FIXED_COUNTERS = 3;
/** `AMD64_NUM_COUNTERS`: legacy K7 counters. */
export const AMD64_NUM_COUNTERS = 4;
/** `AMD64_NUM_COUNTERS_CORE`: PerfCtrExtCore counters. */
export const AMD64_NUM_COUNTERS_CORE = 6;
/** `KVM_PMU_EVENT_FILTER_MAX_EVENTS`: most events one event filter may list. */
export const KVM_PMU_EVENT_FILTER_MAX_EVENTS = 300;

/** `KVM_REQ_PMU`: the vCPU request that makes the next VM-entry run `kvm_pmu_handle_event()`. */
export const KVM_REQ_PMU = 10;
/** `KVM_REQ_PMI` (not raised by the model; listed for completeness). */
export const KVM_REQ_PMI = 11;

// ---- event-select fields (perf_event.h) ----

/** `ARCH_PERFMON_EVENTSEL_EVENT`: bits 7:0. */
export const ARCH_PERFMON_EVENTSEL_EVENT = 0xffn;
/** `ARCH_PERFMON_EVENTSEL_UMASK`: bits 15:8. */
export const ARCH_PERFMON_EVENTSEL_UMASK = 0xff00n;
/** `ARCH_PERFMON_EVENTSEL_USR`: bit 16. */
export const ARCH_PERFMON_EVENTSEL_USR = 1n << 16n;
/** `ARCH_PERFMON_EVENTSEL_OS`: bit 17. */
export const ARCH_PERFMON_EVENTSEL_OS = 1n << 17n;
/** `ARCH_PERFMON_EVENTSEL_EDGE`: bit 18. */
export const ARCH_PERFMON_EVENTSEL_EDGE = 1n << 18n;
/** `ARCH_PERFMON_EVENTSEL_PIN_CONTROL`: bit 19. */
export const ARCH_PERFMON_EVENTSEL_PIN_CONTROL = 1n << 19n;
/** `ARCH_PERFMON_EVENTSEL_INT`: bit 20 (PMI on overflow). */
export const ARCH_PERFMON_EVENTSEL_INT = 1n << 20n;
/** `ARCH_PERFMON_EVENTSEL_ANY`: bit 21 (Intel AnyThread). */
export const ARCH_PERFMON_EVENTSEL_ANY = 1n << 21n;
/** `ARCH_PERFMON_EVENTSEL_ENABLE` (EN): bit 22. */
export const ARCH_PERFMON_EVENTSEL_ENABLE = 1n << 22n;
/** `ARCH_PERFMON_EVENTSEL_INV`: bit 23. */
export const ARCH_PERFMON_EVENTSEL_INV = 1n << 23n;
/** `ARCH_PERFMON_EVENTSEL_CMASK`: bits 31:24. */
export const ARCH_PERFMON_EVENTSEL_CMASK = 0xff000000n;
/** `AMD64_EVENTSEL_EVENT`: bits 7:0 and 35:32 (12-bit AMD event select). */
export const AMD64_EVENTSEL_EVENT = 0xffn | (0xfn << 32n);
/**
 * `AMD64_EVENTSEL_GUESTONLY` (GO): bit 40.
 *
 * WARNING: bit 40 also belongs to perf's legacy `AMD64_EVENTSEL_INT_CORE_SEL`
 * field (bits 40:37); the model keys Guest-Only on bit 40 of the guest
 * event select only (SPEC g17).
 */
export const AMD64_EVENTSEL_GUESTONLY = 1n << 40n;
/** `AMD64_EVENTSEL_HOSTONLY` (HO): bit 41. */
export const AMD64_EVENTSEL_HOSTONLY = 1n << 41n;
/** `AMD64_EVENTSEL_HOST_GUEST_MASK`: HO | GO, bits 41:40 (added by the series). */
export const AMD64_EVENTSEL_HOST_GUEST_MASK = AMD64_EVENTSEL_HOSTONLY |
  AMD64_EVENTSEL_GUESTONLY;
/**
 * `AMD64_RAW_EVENT_MASK_NB`: event bits 7:0 and 35:32 plus unit mask 15:8,
 * what "is this the same event?" compares (event filter, emulated-event
 * matching).
 */
export const AMD64_RAW_EVENT_MASK_NB = AMD64_EVENTSEL_EVENT |
  ARCH_PERFMON_EVENTSEL_UMASK;

/** Low 32 bits of `ARCH_PERFMON_EVENTSEL_ENABLE`. */
export const EVENTSEL_ENABLE_LO = 1 << 22;
/** `AMD64_EVENTSEL_GUESTONLY` within the high 32-bit half (bit 40 = hi bit 8). */
export const EVENTSEL_GUESTONLY_HI = 1 << 8;
/** `AMD64_EVENTSEL_HOSTONLY` within the high 32-bit half (bit 41 = hi bit 9). */
export const EVENTSEL_HOSTONLY_HI = 1 << 9;
/** `AMD64_RAW_EVENT_MASK_NB`, low half. */
export const RAW_EVENT_MASK_NB_LO = 0xffff;
/** `AMD64_RAW_EVENT_MASK_NB`, high half (event bits 35:32). */
export const RAW_EVENT_MASK_NB_HI = 0xf;

/**
 * AMD reserved event-select bits after `amd_pmu_refresh()`: bits 19, 21 and
 * 36..63 (`0xFFFFFFF000280000`). HO/GO (40, 41) are removed from this set
 * when the guest has SVM and the vCPU uses the mediated PMU.
 */
export const AMD64_EVENTSEL_RESERVED_BITS = 0xfffffff000280000n;
/** Common default `reserved_bits` from `kvm_pmu_refresh()`, also Intel's: bit 21 and 32..63. */
export const INTEL_EVENTSEL_RESERVED_BITS = 0xffffffff00200000n;

/** Counter width of AMD and (modelled) Intel counters: `counter_bitmask = 2^48 - 1`. */
export const PMC_COUNTER_BITS = 48;

// ---- Intel fixed counters ----

/** `INTEL_FIXED_BITS_STRIDE`: one 4-bit field per fixed counter in FIXED_CTR_CTRL. */
export const INTEL_FIXED_BITS_STRIDE = 4;
/** `INTEL_FIXED_0_KERNEL`: count in ring 0. */
export const INTEL_FIXED_0_KERNEL = 1 << 0;
/** `INTEL_FIXED_0_USER`: count in ring 3. */
export const INTEL_FIXED_0_USER = 1 << 1;
/** `INTEL_FIXED_0_ANYTHREAD` (not supported by KVM: reserved). */
export const INTEL_FIXED_0_ANYTHREAD = 1 << 2;
/** `INTEL_FIXED_0_ENABLE_PMI`. */
export const INTEL_FIXED_0_ENABLE_PMI = 1 << 3;

// ---- MSRs ----

/** `MSR_EFER`. */
export const MSR_EFER = 0xc0000080;
/** `_EFER_SCE` bit 0 (`EFER_SCE` mask). */
export const EFER_SCE = 1 << 0;
/** `EFER_LME` bit 8. */
export const EFER_LME = 1 << 8;
/** `EFER_LMA` bit 10. */
export const EFER_LMA = 1 << 10;
/** `EFER_NX` bit 11. */
export const EFER_NX = 1 << 11;
/** `EFER_SVME` bit 12: SVM enabled. */
export const EFER_SVME = 1 << 12;

/** `MSR_K7_EVNTSEL0` (legacy AMD, event selects 0..3 at +0..+3). */
export const MSR_K7_EVNTSEL0 = 0xc0010000;
/** `MSR_K7_PERFCTR0` (legacy AMD, counters 0..3 at +0..+3). */
export const MSR_K7_PERFCTR0 = 0xc0010004;
/** `MSR_F15H_PERF_CTL0`: CTLn = base + 2n. */
export const MSR_F15H_PERF_CTL0 = 0xc0010200;
/** `MSR_F15H_PERF_CTR0`: CTRn = base + 2n + 1. */
export const MSR_F15H_PERF_CTR0 = 0xc0010201;
/** `MSR_AMD64_PERF_CNTR_GLOBAL_STATUS` (PerfMonV2). */
export const MSR_AMD64_PERF_CNTR_GLOBAL_STATUS = 0xc0000300;
/** `MSR_AMD64_PERF_CNTR_GLOBAL_CTL` (PerfMonV2). */
export const MSR_AMD64_PERF_CNTR_GLOBAL_CTL = 0xc0000301;
/** `MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR` (PerfMonV2). */
export const MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR = 0xc0000302;
/** `MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET` (PerfMonV2). */
export const MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET = 0xc0000303;

/** `MSR_IA32_PERFCTR0` (Intel GP counter 0; [INFER] SDM). */
export const MSR_IA32_PERFCTR0 = 0xc1;
/** `MSR_P6_EVNTSEL0` (Intel GP event select 0; [INFER] SDM). */
export const MSR_P6_EVNTSEL0 = 0x186;
/** `MSR_CORE_PERF_FIXED_CTR0` ([INFER] SDM). */
export const MSR_CORE_PERF_FIXED_CTR0 = 0x309;
/** `MSR_CORE_PERF_FIXED_CTR_CTRL` ([INFER] SDM). */
export const MSR_CORE_PERF_FIXED_CTR_CTRL = 0x38d;
/** `MSR_CORE_PERF_GLOBAL_STATUS` ([INFER] SDM). */
export const MSR_CORE_PERF_GLOBAL_STATUS = 0x38e;
/** `MSR_CORE_PERF_GLOBAL_CTRL` ([INFER] SDM). */
export const MSR_CORE_PERF_GLOBAL_CTRL = 0x38f;
/** `MSR_CORE_PERF_GLOBAL_OVF_CTRL` ([INFER] SDM). */
export const MSR_CORE_PERF_GLOBAL_OVF_CTRL = 0x390;

// ---- events KVM counts for emulated instructions ----

/**
 * `kvm_pmu_eventsel.INSTRUCTIONS_RETIRED` (event 0xC0, unit mask 0 on both
 * vendors; [INFER] from perf's hardware event maps).
 */
export const INSTRUCTIONS_RETIRED_EVENT = 0x00c0;
/** `kvm_pmu_eventsel.BRANCH_INSTRUCTIONS_RETIRED` on AMD (0xC2; [INFER]). */
export const AMD_BRANCH_INSTRUCTIONS_RETIRED_EVENT = 0x00c2;
/** `kvm_pmu_eventsel.BRANCH_INSTRUCTIONS_RETIRED` on Intel (0xC4; [INFER]). */
export const INTEL_BRANCH_INSTRUCTIONS_RETIRED_EVENT = 0x00c4;
/**
 * The event each Intel fixed counter counts (`intel_pmu_refresh()` gives
 * fixed pmcs these eventsels): instructions, core cycles, reference cycles
 * (pseudo-encoding 0x0300). [INFER] SDM.
 */
export const INTEL_FIXED_PMC_EVENTS: readonly number[] = Object.freeze([
  0x00c0,
  0x003c,
  0x0300,
]);

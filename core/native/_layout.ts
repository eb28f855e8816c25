/**
 * The word layout of `struct pmb_vcpu` in `pmubench_native.c`: every field
 * is a u64, so a vCPU is one `BigUint64Array` and each field one index.
 * `loadNative()` checks these against `pmb_vcpu_layout()` and refuses a
 * library that disagrees. Internal: never re-exported.
 *
 * @module
 */

/** `PMB_VCPU_LAYOUT_VERSION`. */
export const VCPU_LAYOUT_VERSION = 1;

/** `X86_PMC_IDX_MAX`: GP event selects the struct has room for. */
export const MAX_GP = 64;

/** `KVM_PMU_EVENT_FILTER_MAX_EVENTS`: filter entries the struct has room for. */
export const MAX_EVENTS = 300;

/** Word index of every field, in declaration order (arrays: their first element). */
export const VCPU_LAYOUT = Object.freeze({
  efer: 0,
  isGuestMode: 1,
  requests: 2,
  isAmd: 3,
  mediated: 4,
  version: 5,
  nrArchGpCounters: 6,
  nrArchFixedCounters: 7,
  reservedBits: 8,
  semantics: 9,
  mechanism: 10,
  instructionsKey: 11,
  branchesKey: 12,
  reprogramPmi: 13,
  modeSpecific: 14,
  pmcCountingInstructions: 15,
  pmcCountingBranches: 16,
  pmcInUse: 17,
  globalCtrl: 18,
  fixedCtrCtrl: 19,
  fixedCtrCtrlHw: 20,
  eventsel: 21,
  eventselHw: 21 + MAX_GP,
  filterAction: 21 + 2 * MAX_GP,
  fixedCounterBitmap: 22 + 2 * MAX_GP,
  nevents: 23 + 2 * MAX_GP,
  events: 24 + 2 * MAX_GP,
});

/** `sizeof(struct pmb_vcpu) / 8`. */
export const VCPU_WORDS = VCPU_LAYOUT.events + MAX_EVENTS;

/** `enum pmb_mechanism`, by mechanism name (core/pmu/mechanisms/). */
export const MECHANISM_IDS: Readonly<Record<string, number>> = Object.freeze({
  none: 0,
  tracked: 1,
  "all-bits": 2,
  immediate: 3,
});

/** `enum pmb_semantics`, by semantics name (core/pmu/semantics.ts). */
export const SEMANTICS_IDS: Readonly<Record<string, number>> = Object.freeze({
  upstream: 0,
  v4: 1,
});

/** `enum pmb_filter_action`. */
export const FILTER_NONE = 0;
/** `PMB_FILTER_ALLOW` (`KVM_PMU_EVENT_ALLOW`). */
export const FILTER_ALLOW = 1;
/** `PMB_FILTER_DENY` (`KVM_PMU_EVENT_DENY`). */
export const FILTER_DENY = 2;

/**
 * Requesting and doing counter reprogramming (SPEC c2, c4, c5, c7): the
 * deferred path every mechanism but `immediate` funnels through
 * `KVM_REQ_PMU`.
 *
 * | function | kernel | what it does |
 * | --- | --- | --- |
 * | `requestCounterReprogram` | `kvm_pmu_request_counter_reprogram()` | recalc emulation bits, set one pending bit, raise `KVM_REQ_PMU` |
 * | `requestCountersReprogram` | `kvm_pmu_request_counters_reprogram()` | return if the mask is empty, else one atomic OR and `KVM_REQ_PMU` |
 * | `handleEvent` | `kvm_pmu_handle_event()` | snapshot-then-clear `reprogramPmi`, reprogram each pending counter, re-queue failures, recalc emulation bits |
 * | `reprogramCounter` | `reprogram_counter()` (mediated: `kvm_mediated_pmu_refresh_event_filter()`) | `eventsel_hw.EN = locally enabled && filter allows`, and globally enabled without a mediated PMU |
 * | `recalcPmcEmulation` | `kvm_pmu_recalc_pmc_emulation()` | the counter's bits in `pmcCountingInstructions/Branches` |
 * | `pmcIsLocallyEnabled` | `pmc_is_locally_enabled()` | EN (or fixed OS/USR), minus the HO/GO mode check |
 * | `pmcIsDisabledInCurrentMode` | `kvm_pmu_ops.pmc_is_disabled_in_current_mode` | AMD: the semantics' truth table; Intel: always false (`OPTIONAL_RET0`) |
 * | `pmcIsGloballyEnabled` | `pmc_is_globally_enabled()` | version < 2, or the counter's `global_ctrl` bit |
 *
 * None of these allocates: they walk bitmaps with `findFirstBit` /
 * `findNextBit` and read event selects as 32-bit halves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { handleEvent } from "./requests.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * vcpu.wrmsr(0xc0010200, 0x430076n); // pends counter 0, raises KVM_REQ_PMU
 * assert.equal(vcpu.pmu.reprogramPmi.testBit(0), true);
 * handleEvent(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true);
 * ```
 *
 * @module
 */

import type { Bitmap64 } from "../bitmap/bitmap.ts";
import { U32PairBitmap } from "../bitmap/u32pair.ts";
import {
  EFER_SVME,
  EVENTSEL_ENABLE_LO,
  INTEL_FIXED_0_KERNEL,
  INTEL_FIXED_0_USER,
  INTEL_FIXED_BITS_STRIDE,
  INTEL_FIXED_PMC_EVENTS,
  KVM_FIXED_PMC_BASE_IDX,
  KVM_REQ_PMU,
  X86_PMC_IDX_MAX,
} from "./constants.ts";
import { eventKey, hostGuestBits } from "./eventsel.ts";
import type { KvmPmu } from "./pmu.ts";
import type { Vcpu } from "./vcpu.ts";

// The hot paths read these through module constants: V8 re-reads an
// imported binding on every use (its cell and a hole check), but folds a
// module constant.
const ENABLE_LO = EVENTSEL_ENABLE_LO;
const SVME = EFER_SVME;
const FIXED_BASE = KVM_FIXED_PMC_BASE_IDX;
const FIXED_STRIDE = INTEL_FIXED_BITS_STRIDE;
const FIXED_ENABLED = INTEL_FIXED_0_KERNEL | INTEL_FIXED_0_USER;
const FIXED_EVENTS = INTEL_FIXED_PMC_EVENTS;
const PMC_IDX_MAX = X86_PMC_IDX_MAX;
const REQ_PMU = KVM_REQ_PMU;
const keyOfEvent = eventKey;
const hgBitsOf = hostGuestBits;
const U32Pair = U32PairBitmap;
// The same for this module's own helpers on the hot paths (a function
// declaration is a mutable binding, re-read on every call).
const reprogramWordOnce = reprogramWord;
const handleEventOnWords = handleEventByWords;
const handleEventOnU32Pair = handleEventU32Pair;
const hgDisabledAtMode = hgDisabledNow;
const isDisabledInMode = pmcIsDisabledInCurrentMode;
const isLocallyEnabled = pmcIsLocallyEnabled;
const isGloballyEnabled = pmcIsGloballyEnabled;
const recalcEmulation = recalcPmcEmulation;
const reprogramOne = reprogramCounter;

/**
 * `amd_pmc_is_disabled_in_current_mode()` (Intel: the op is absent, so
 * `false`): whether GP counter `idx`, locally enabled by EN, must not count
 * in the vCPU's current mode (EFER.SVME, `is_guest_mode()`), per the vCPU's
 * semantics. Only consulted for counters in
 * `reprogramPmcOnNestedTransition`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmcIsDisabledInCurrentMode } from "./requests.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
 * vcpu.wrmsr(0xc0010200, 0x10000430076n); // Guest-Only, EN
 * assert.equal(pmcIsDisabledInCurrentMode(vcpu, 0), true); // in L1
 * vcpu.vmrun();
 * assert.equal(pmcIsDisabledInCurrentMode(vcpu, 0), false); // in L2
 * ```
 */
export function pmcIsDisabledInCurrentMode(vcpu: Vcpu, idx: number): boolean {
  const pmu = vcpu.pmu;
  // Intel, or no mediated PMU: hgDisabledTable is 0.
  // The kernel WARNs here when EN is clear; callers check EN first.
  if ((pmu.eventselLo[idx] & ENABLE_LO) === 0) return false;
  return ((hgDisabledAtMode(vcpu) >>> hgBitsOf(pmu.eventselHi[idx])) & 1) !==
    0;
}

/**
 * The semantics' `isDisabledInCurrentMode(hg, svme, guestMode)` for the
 * vCPU's current mode, as a 4-bit mask indexed by the HO/GO bits
 * ({@linkcode hostGuestBits}): bit `hg` is set when a counter with those
 * bits must not count now. Read from `vcpu.hgDisabledTable` (the semantics
 * is fixed per vCPU, so its truth table is computed once, at creation):
 * one shift instead of a call through the semantics object, and a loop
 * over counters reads the mode once.
 */
function hgDisabledNow(vcpu: Vcpu): number {
  const mode = ((vcpu.efer & SVME) !== 0 ? 8 : 0) |
    (vcpu.isGuestMode ? 4 : 0);
  return (vcpu.hgDisabledTable >>> mode) & 0xf;
}

/**
 * `pmc_is_locally_enabled()`: a fixed counter when its FIXED_CTR_CTRL
 * field enables ring 0 or ring 3; a GP counter when EN is set and, if it is
 * in `reprogramPmcOnNestedTransition`, it is not disabled in the current
 * mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmcIsLocallyEnabled } from "./requests.ts";
 *
 * const vcpu = createVcpu({ model: "gp4" });
 * vcpu.wrmsr(0x38d, 0x2n); // fixed counter 0: ring 3
 * assert.equal(pmcIsLocallyEnabled(vcpu, 32), true);
 * assert.equal(pmcIsLocallyEnabled(vcpu, 0), false);
 * ```
 */
export function pmcIsLocallyEnabled(vcpu: Vcpu, idx: number): boolean {
  const pmu = vcpu.pmu;
  if (idx >= pmu.nrArchGpCounters) {
    const field = pmu.fixedCtrCtrl >>> ((idx - FIXED_BASE) * FIXED_STRIDE);
    return (field & FIXED_ENABLED) !== 0;
  }
  if ((pmu.eventselLo[idx] & ENABLE_LO) === 0) return false;
  if (!pmu.reprogramPmcOnNestedTransition.testBit(idx)) return true;
  return !isDisabledInMode(vcpu, idx);
}

/**
 * `pmc_is_globally_enabled()`: true below version 2, else the counter's
 * `global_ctrl` bit. On the mediated PMU an orthogonal gate: `eventsel_hw`
 * does not include it (the hardware applies the guest's global control
 * itself); without it, {@linkcode reprogramCounter} runs the perf event
 * only when it holds (SPEC c5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmcIsGloballyEnabled } from "./requests.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * vcpu.wrmsr(0xc0000301, 0x3en); // PERF_CNTR_GLOBAL_CTL without counter 0
 * assert.equal(pmcIsGloballyEnabled(vcpu.pmu, 0), false);
 * assert.equal(pmcIsGloballyEnabled(vcpu.pmu, 1), true);
 * ```
 */
export function pmcIsGloballyEnabled(pmu: KvmPmu, idx: number): boolean {
  if (pmu.version < 2) return true;
  return idx < 32
    ? ((pmu.globalCtrlLo >>> idx) & 1) === 1
    : ((pmu.globalCtrlHi >>> (idx - 32)) & 1) === 1;
}

/**
 * `kvm_pmu_recalc_pmc_emulation()`: clear counter `idx`'s bits in
 * `pmcCountingInstructions/Branches`, then set them if the counter is
 * locally enabled and its event (under `AMD64_RAW_EVENT_MASK_NB`) is
 * "instructions retired" / "branches retired". The event filter is
 * deliberately not consulted. Because local enablement depends on the
 * vCPU's mode, nested transitions must redo this: one reason the review
 * funnels them through `KVM_REQ_PMU`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * vcpu.wrmsr(0xc0010202, 0x4300c0n); // counter 1: instructions retired, EN
 * assert.equal(vcpu.pmu.pmcCountingInstructions.testBit(1), true);
 * ```
 */
export function recalcPmcEmulation(vcpu: Vcpu, idx: number): void {
  const pmu = vcpu.pmu;
  pmu.pmcCountingInstructions.clearBit(idx);
  pmu.pmcCountingBranches.clearBit(idx);
  if (!isLocallyEnabled(vcpu, idx)) return;
  const key = idx < pmu.nrArchGpCounters
    ? keyOfEvent(pmu.eventselLo[idx], pmu.eventselHi[idx])
    : FIXED_EVENTS[idx - FIXED_BASE];
  if (key === pmu.instructionsEventKey) pmu.pmcCountingInstructions.setBit(idx);
  if (key === pmu.branchesEventKey) pmu.pmcCountingBranches.setBit(idx);
}

/**
 * `kvm_pmu_request_counter_reprogram()`: recalc the counter's emulation
 * bits, set its bit in `reprogramPmi` and raise `KVM_REQ_PMU`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { requestCounterReprogram } from "./requests.ts";
 * import { KVM_REQ_PMU } from "./constants.ts";
 *
 * const vcpu = createVcpu();
 * requestCounterReprogram(vcpu, 3);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b1000n);
 * assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
 * ```
 */
export function requestCounterReprogram(vcpu: Vcpu, idx: number): void {
  recalcEmulation(vcpu, idx);
  vcpu.pmu.reprogramPmi.setBit(idx);
  vcpu.makeRequest(REQ_PMU);
}

/**
 * `kvm_pmu_request_counters_reprogram()` (was `reprogram_counters()`): if
 * `mask` is empty return; else one atomic OR of `mask` into
 * `__reprogram_pmi` (never an assignment: pending bits survive) and raise
 * `KVM_REQ_PMU`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { requestCountersReprogram } from "./requests.ts";
 * import { createBitmap } from "../bitmap/registry.ts";
 *
 * const vcpu = createVcpu();
 * vcpu.pmu.reprogramPmi.setBit(5);
 * const mask = createBitmap("u32pair");
 * mask.setBit(1);
 * requestCountersReprogram(vcpu, mask);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b100010n);
 * ```
 */
export function requestCountersReprogram(vcpu: Vcpu, mask: Bitmap64): void {
  if (mask.isEmpty()) return;
  vcpu.pmu.reprogramPmi.atomicOr(mask);
  vcpu.makeRequest(REQ_PMU);
}

/**
 * `reprogram_counter()`. On the mediated PMU
 * (`kvm_mediated_pmu_refresh_event_filter()`): for a GP counter, clear EN
 * in `eventsel_hw` and set it back iff the counter is locally enabled
 * (including the HO/GO mode check) and the event filter allows its event;
 * for an Intel fixed counter, the same on its FIXED_CTR_CTRL field of
 * `fixed_ctr_ctrl_hw`. The global-control gate is left to the hardware.
 *
 * Without a mediated PMU (the emulated, perf-based vPMU, SPEC c5, g20) the
 * perf event runs only if the counter is globally enabled (`global_ctrl`,
 * version >= 2) and locally enabled (EN, or the fixed field's OS/USR; no
 * mode check: HO/GO are reserved there) and allowed by the filter; EN in
 * `eventsel_hw` (the field in `fixed_ctr_ctrl_hw`) is set exactly when it
 * runs, i.e. when the counter counts.
 *
 * Returns 0, or nonzero when the vCPU's `reprogramFault` hook says this
 * counter's reprogram fails (standing for a failed perf_event creation on
 * the emulated path), in which case nothing changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { reprogramCounter } from "./requests.ts";
 *
 * const vcpu = createVcpu();
 * vcpu.wrmsr(0xc0010200, 0x430076n);
 * vcpu.setEventFilter("deny", [0x76n]);
 * assert.equal(reprogramCounter(vcpu, 0), 0);
 * assert.equal(vcpu.pmu.eventselHw(0), 0x10000030076n); // EN cleared
 * ```
 */
export function reprogramCounter(vcpu: Vcpu, idx: number): number {
  const fault = vcpu.reprogramFault;
  if (fault !== null && fault(idx)) return 1;
  const pmu = vcpu.pmu;
  const filter = vcpu.eventFilter;
  // Emulated path: a counter that is not globally enabled stays paused.
  const globallyEnabled = pmu.mediated || isGloballyEnabled(pmu, idx);
  if (idx < pmu.nrArchGpCounters) {
    const allowed = globallyEnabled && isLocallyEnabled(vcpu, idx) &&
      (filter === null ||
        filter.isGpEventAllowed(pmu.eventselLo[idx], pmu.eventselHi[idx]));
    const lo = pmu.eventselHwLo[idx];
    pmu.eventselHwLo[idx] = allowed
      ? (lo | ENABLE_LO) >>> 0
      : (lo & ~ENABLE_LO) >>> 0;
    return 0;
  }
  const fixedIdx = idx - FIXED_BASE;
  const shift = fixedIdx * FIXED_STRIDE;
  const allowed = globallyEnabled && isLocallyEnabled(vcpu, idx) &&
    (filter === null || filter.isFixedEventAllowed(fixedIdx));
  const field = (pmu.fixedCtrCtrl >>> shift) & 0xf;
  pmu.fixedCtrCtrlHw = ((pmu.fixedCtrCtrlHw & ~(0xf << shift)) |
    (allowed ? field << shift : 0)) >>> 0;
  return 0;
}

/**
 * `kvm_pmu_handle_event()`, run by VM-entry when `KVM_REQ_PMU` is pending:
 *
 * 1. copy `reprogramPmi` into a snapshot and atomically clear exactly the
 *    copied bits (bits set meanwhile survive for the next round);
 * 2. for each snapshot bit naming a real counter (`kvm_for_each_pmc()`
 *    skips the rest), `reprogram_counter()`; on failure set the bit again
 *    WITHOUT a new request (retried on the next `KVM_REQ_PMU`);
 * 3. (`kvm_pmu_cleanup()` of perf events is not modelled);
 * 4. `kvm_pmu_recalc_pmc_emulation()` for each snapshot counter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { handleEvent } from "./requests.ts";
 *
 * const vcpu = createVcpu();
 * vcpu.wrmsr(0xc0010200, 0x430076n);
 * vcpu.wrmsr(0xc0010202, 0x430076n);
 * vcpu.reprogramFault = (idx) => idx === 1;
 * handleEvent(vcpu);
 * assert.equal(vcpu.pmu.reprogramPmi.toBigInt(), 0b10n); // re-queued
 * ```
 */
export function handleEvent(vcpu: Vcpu): void {
  const pmi = vcpu.pmu.reprogramPmi;
  // No fault hook (every bench, most vCPUs): one pass over the words, each
  // counter's work done once. Kept this small so V8 inlines it, and the
  // u32pair step with it, into VM-entry.
  if (vcpu.reprogramFault !== null) handleEventPerCounter(vcpu, pmi);
  else if (pmi instanceof U32Pair) handleEventOnU32Pair(vcpu, pmi);
  else handleEventOnWords(vcpu, pmi);
}

/**
 * {@linkcode handleEvent} with a fault hook: the kernel's two passes, one
 * counter at a time, so a failed reprogram is set again in `reprogramPmi`.
 */
function handleEventPerCounter(vcpu: Vcpu, pmi: Bitmap64): void {
  const pmu = vcpu.pmu;
  const snap = pmu.reprogramSnapshot;
  pmi.snapshotAndClear(snap);
  for (
    let i = snap.findFirstBit();
    i < PMC_IDX_MAX;
    i = snap.findNextBit(i + 1)
  ) {
    if (!pmu.isValidPmcIdx(i)) continue;
    if (reprogramOne(vcpu, i) !== 0) pmi.setBit(i);
  }
  for (
    let i = snap.findFirstBit();
    i < PMC_IDX_MAX;
    i = snap.findNextBit(i + 1)
  ) {
    if (pmu.isValidPmcIdx(i)) recalcEmulation(vcpu, i);
  }
}

/**
 * `reprogram_counter()` then `kvm_pmu_recalc_pmc_emulation()` for every
 * GP counter at once, in index order, with no request: the body of the
 * `immediate` mechanism (Jim Mattson's v3 hook). A counter whose
 * reprogram fails (the `reprogramFault` hook) is queued in `reprogramPmi`
 * with `KVM_REQ_PMU`, so the next entry retries it. Without a fault hook
 * it takes the one-pass word walk of {@linkcode handleEvent} (the same
 * state: no reprogram can fail there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { refreshGpCounters } from "./requests.ts";
 *
 * const vcpu = createVcpu({ mechanism: "immediate" });
 * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
 * vcpu.wrmsr(0xc0010200, 0x10000430076n); // Guest-Only, EN
 * vcpu.entry();
 * assert.equal(vcpu.pmu.eventselHw(0) & 0x400000n, 0n); // L1: off
 * vcpu.isGuestMode = true;
 * refreshGpCounters(vcpu);
 * assert.equal(vcpu.pmu.eventselHw(0) & 0x400000n, 0x400000n); // L2: on
 * ```
 */
export function refreshGpCounters(vcpu: Vcpu): void {
  const pmu = vcpu.pmu;
  const n = pmu.nrArchGpCounters;
  if (vcpu.reprogramFault === null) {
    // Counters 0..n-1: the low word's first min(n, 32) bits, then the rest.
    if (n > 0) reprogramWordOnce(vcpu, n >= 32 ? -1 : ~(-1 << n), 0);
    if (n > 32) reprogramWordOnce(vcpu, n >= 64 ? -1 : ~(-1 << (n - 32)), 32);
    return;
  }
  for (let i = 0; i < n; i++) {
    if (reprogramOne(vcpu, i) !== 0) {
      pmu.reprogramPmi.setBit(i);
      vcpu.makeRequest(REQ_PMU);
    }
    recalcEmulation(vcpu, i);
  }
}

/**
 * {@linkcode handleEvent} without a fault hook: the same state as the two
 * passes (no reprogram can fail, and counter `i`'s reprogram reads nothing
 * counter `j`'s recalc writes), in one walk of the snapshot's words
 * (`lowWord()`/`highWord()`, the kernel's `bitmap_read()`) masked by
 * `allValidPmcIdx`, with local enablement computed once per counter for
 * both steps, and the emulation bitmaps written once per word
 * ({@linkcode reprogramWord}). Every map of a vCPU has the same strategy.
 * The snapshot is `snapshotAndClear()`, atomic where the map is shared.
 */
function handleEventByWords(vcpu: Vcpu, pmi: Bitmap64): void {
  const pmu = vcpu.pmu;
  const snap = pmu.reprogramSnapshot;
  pmi.snapshotAndClear(snap);
  const valid = pmu.allValidPmcIdx;
  const gpLo = snap.lowWord() & valid.lowWord();
  if (gpLo !== 0) reprogramWordOnce(vcpu, gpLo, 0);
  const validHi = snap.highWord() & valid.highWord();
  if (validHi !== 0) reprogramWordOnce(vcpu, validHi, 32);
}

/**
 * {@linkcode handleEventByWords} on an unshared `u32pair` map, its words
 * read and written as the fields they are. The same steps; kept apart
 * because V8 inlines this small form into VM-entry, where the generic one
 * (with `snapshotAndClear()` inlined into it) strains its inlining
 * budget: tracked k=6 at N=6 took 851 instructions per round trip through
 * the generic form, 822.5 through this one (all-bits at N=0: 41.5, 39.3).
 */
function handleEventU32Pair(vcpu: Vcpu, pmi: U32PairBitmap): void {
  const pmu = vcpu.pmu;
  const snap = pmu.reprogramSnapshot as U32PairBitmap;
  const valid = pmu.allValidPmcIdx as U32PairBitmap;
  const lo = pmi.lo, hi = pmi.hi;
  snap.lo = lo;
  snap.hi = hi;
  pmi.lo = 0;
  pmi.hi = 0;
  const gpLo = lo & valid.lo;
  if (gpLo !== 0) reprogramWordOnce(vcpu, gpLo, 0);
  const validHi = hi & valid.hi;
  if (validHi !== 0) reprogramWordOnce(vcpu, validHi, 32);
}

/**
 * `reprogram_counter()` then `kvm_pmu_recalc_pmc_emulation()` for each
 * counter `base + j` with bit `j` set in `pending` (a word of valid
 * indexes), as {@linkcode reprogramCounter} and
 * {@linkcode recalcPmcEmulation} do one counter at a time.
 */
function reprogramWord(vcpu: Vcpu, pending: number, base: number): void {
  const pmu = vcpu.pmu;
  const filter = vcpu.eventFilter;
  const mediated = pmu.mediated;
  const nGp = pmu.nrArchGpCounters;
  const instructionsKey = pmu.instructionsEventKey;
  const branchesKey = pmu.branchesEventKey;
  const trackedMap = pmu.reprogramPmcOnNestedTransition;
  const tracked = base === 0 ? trackedMap.lowWord() : trackedMap.highWord();
  const eventselLo = pmu.eventselLo, eventselHi = pmu.eventselHi;
  const eventselHwLo = pmu.eventselHwLo;
  // The vCPU's mode and gates do not change while its counters are
  // reprogrammed: read them once (the mode check and the gates cost about
  // 30 and 40 instructions a counter when evaluated per counter).
  const disabledByHg = hgDisabledAtMode(vcpu);
  const gated = !mediated || filter !== null;
  let countsInstructions = 0, countsBranches = 0;
  let bits = pending;
  do {
    const bit = bits & -bits;
    bits ^= bit;
    const idx = base + 31 - Math.clz32(bit);
    let locallyEnabled: boolean, allowed: boolean, key: number;
    if (idx < nGp) {
      const evLo = eventselLo[idx], evHi = eventselHi[idx];
      locallyEnabled = (evLo & ENABLE_LO) !== 0 &&
        ((tracked & bit) === 0 ||
          ((disabledByHg >>> hgBitsOf(evHi)) & 1) === 0);
      allowed = locallyEnabled &&
        (!gated ||
          ((mediated || isGloballyEnabled(pmu, idx)) &&
            (filter === null || filter.isGpEventAllowed(evLo, evHi))));
      const hw = eventselHwLo[idx];
      eventselHwLo[idx] = allowed
        ? (hw | ENABLE_LO) >>> 0
        : (hw & ~ENABLE_LO) >>> 0;
      key = locallyEnabled ? keyOfEvent(evLo, evHi) : -1;
    } else {
      const fixedIdx = idx - FIXED_BASE;
      const shift = fixedIdx * FIXED_STRIDE;
      const field = (pmu.fixedCtrCtrl >>> shift) & 0xf;
      locallyEnabled = (field & FIXED_ENABLED) !== 0;
      allowed = locallyEnabled &&
        (!gated ||
          ((mediated || isGloballyEnabled(pmu, idx)) &&
            (filter === null || filter.isFixedEventAllowed(fixedIdx))));
      pmu.fixedCtrCtrlHw = ((pmu.fixedCtrCtrlHw & ~(0xf << shift)) |
        (allowed ? field << shift : 0)) >>> 0;
      key = locallyEnabled ? FIXED_EVENTS[fixedIdx] : -1;
    }
    if (key === instructionsKey) countsInstructions |= bit;
    if (key === branchesKey) countsBranches |= bit;
  } while (bits !== 0);
  const instructions = pmu.pmcCountingInstructions;
  const branches = pmu.pmcCountingBranches;
  if (base === 0) {
    instructions.setLowWord(
      (instructions.lowWord() & ~pending) | countsInstructions,
    );
    branches.setLowWord((branches.lowWord() & ~pending) | countsBranches);
  } else {
    instructions.setHighWord(
      (instructions.highWord() & ~pending) | countsInstructions,
    );
    branches.setHighWord((branches.highWord() & ~pending) | countsBranches);
  }
}

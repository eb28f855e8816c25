/**
 * The PMU's guest MSR interface (`kvm_pmu_set_msr()` / `kvm_pmu_get_msr()`
 * and the vendor `amd_pmu_set_msr()` / `intel_pmu_set_msr()`), on 32-bit
 * halves. Results are status codes, never exceptions: 0 for success, 1 for
 * a #GP the guest would get.
 *
 * | MSRs | AMD | Intel |
 * | --- | --- | --- |
 * | event selects | K7 `0xc0010000`+i (i < 4), F15H `0xc0010200`+2i; reserved bits silently dropped | `0x186`+i; reserved bits #GP |
 * | counters | K7 `0xc0010004`+i, F15H `0xc0010201`+2i; 48 bits kept | `0xc1`+i: low 32 bits sign-extended to 48 |
 * | fixed counters / control | none | `0x309`+i / `0x38d` (reserved bits #GP) |
 * | global control | `0xc0000301` (v2; reserved bits dropped) | `0x38f` (reserved bits #GP) |
 * | global status | `0xc0000300` read; writes ignored; `0xc0000302` CLR, `0xc0000303` SET | `0x38e` read, write #GP; `0x390` OVF_CTRL clears |
 *
 * What AMD does with writes to its read-only global status and reserved
 * global-control bits, and the Intel global-status details, are not in the
 * SPEC ([INFER] from `kvm_pmu_set_msr()`: "AMD ignores writes to reserved
 * bits and read-only PMU MSRs, whereas Intel generates #GP").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmuGetMsr, pmuSetMsr } from "./msr.ts";
 *
 * const vcpu = createVcpu({ model: "gp4" });
 * assert.equal(pmuSetMsr(vcpu, 0x186, 0x430076, 0x1), 1); // bit 32 reserved: #GP
 * assert.equal(pmuSetMsr(vcpu, 0x186, 0x430076, 0), 0);
 * assert.equal(pmuGetMsr(vcpu, 0x186), 0x430076n);
 * ```
 *
 * @module
 */

import {
  INTEL_FIXED_BITS_STRIDE,
  KVM_FIXED_PMC_BASE_IDX,
  KVM_MAX_NR_INTEL_FIXED_COUNTERS,
  KVM_MAX_NR_INTEL_GP_COUNTERS,
  MSR_AMD64_PERF_CNTR_GLOBAL_CTL,
  MSR_AMD64_PERF_CNTR_GLOBAL_STATUS,
  MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR,
  MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET,
  MSR_CORE_PERF_FIXED_CTR0,
  MSR_CORE_PERF_FIXED_CTR_CTRL,
  MSR_CORE_PERF_GLOBAL_CTRL,
  MSR_CORE_PERF_GLOBAL_OVF_CTRL,
  MSR_CORE_PERF_GLOBAL_STATUS,
  MSR_EFER,
  MSR_F15H_PERF_CTL0,
  MSR_IA32_PERFCTR0,
  MSR_K7_EVNTSEL0,
  MSR_K7_PERFCTR0,
  MSR_P6_EVNTSEL0,
} from "./constants.ts";
import { amdEventselHwHi, hostGuestBits } from "./eventsel.ts";
import {
  requestCounterReprogram,
  requestCountersReprogram,
} from "./requests.ts";
import type { Vcpu } from "./vcpu.ts";

/** Highest F15H-like MSR the model knows: CTR63 of a 64-counter `synthetic` PMU. */
const F15H_LIKE_LAST = MSR_F15H_PERF_CTL0 + 2 * 64 - 1;
const TWO_32 = 0x1_0000_0000;

/**
 * Whether the model knows `msr` at all (for some configuration): EFER and
 * every PMU MSR in the module table (F15H-like MSRs up to
 * `0xc0010200 + 127` for `synthetic`). A known MSR the vCPU's
 * configuration lacks gives #GP; an unknown one is a bad trace line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isKnownMsr } from "./msr.ts";
 *
 * assert.ok(isKnownMsr(0xc0010200) && isKnownMsr(0x38f));
 * assert.ok(!isKnownMsr(0x10));
 * ```
 */
export function isKnownMsr(msr: number): boolean {
  return msr === MSR_EFER ||
    (msr >= MSR_K7_EVNTSEL0 && msr < MSR_K7_PERFCTR0 + 4) ||
    (msr >= MSR_F15H_PERF_CTL0 && msr <= F15H_LIKE_LAST) ||
    (msr >= MSR_AMD64_PERF_CNTR_GLOBAL_STATUS &&
      msr <= MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET) ||
    (msr >= MSR_IA32_PERFCTR0 &&
      msr < MSR_IA32_PERFCTR0 + KVM_MAX_NR_INTEL_GP_COUNTERS) ||
    (msr >= MSR_P6_EVNTSEL0 &&
      msr < MSR_P6_EVNTSEL0 + KVM_MAX_NR_INTEL_GP_COUNTERS) ||
    (msr >= MSR_CORE_PERF_FIXED_CTR0 &&
      msr < MSR_CORE_PERF_FIXED_CTR0 + KVM_MAX_NR_INTEL_FIXED_COUNTERS) ||
    (msr >= MSR_CORE_PERF_FIXED_CTR_CTRL &&
      msr <= MSR_CORE_PERF_GLOBAL_OVF_CTRL);
}

/**
 * `get_gp_pmc_amd()`: `idx * 2` for an event select, `idx * 2 + 1` for a
 * counter, or -1 when `msr` names no GP counter of this vCPU.
 */
function amdGpMsr(vcpu: Vcpu, msr: number): number {
  const pmu = vcpu.pmu;
  let code: number;
  if (msr >= MSR_K7_EVNTSEL0 && msr < MSR_K7_EVNTSEL0 + 4) {
    code = (msr - MSR_K7_EVNTSEL0) * 2;
  } else if (msr >= MSR_K7_PERFCTR0 && msr < MSR_K7_PERFCTR0 + 4) {
    code = (msr - MSR_K7_PERFCTR0) * 2 + 1;
  } else if (
    pmu.perfCtrCore && msr >= MSR_F15H_PERF_CTL0 && msr <= F15H_LIKE_LAST
  ) {
    // CTLn = base + 2n, CTRn = base + 2n + 1.
    code = msr - MSR_F15H_PERF_CTL0;
  } else {
    return -1;
  }
  return code >> 1 < pmu.nrArchGpCounters ? code : -1;
}

/** Intel: the same encoding as {@linkcode amdGpMsr}, fixed counters as `(32 + i) * 2 + 1`. */
function intelPmcMsr(vcpu: Vcpu, msr: number): number {
  const pmu = vcpu.pmu;
  if (msr >= MSR_P6_EVNTSEL0 && msr < MSR_P6_EVNTSEL0 + pmu.nrArchGpCounters) {
    return (msr - MSR_P6_EVNTSEL0) * 2;
  }
  if (
    msr >= MSR_IA32_PERFCTR0 && msr < MSR_IA32_PERFCTR0 + pmu.nrArchGpCounters
  ) {
    return (msr - MSR_IA32_PERFCTR0) * 2 + 1;
  }
  if (
    msr >= MSR_CORE_PERF_FIXED_CTR0 &&
    msr < MSR_CORE_PERF_FIXED_CTR0 + pmu.nrArchFixedCounters
  ) {
    return (KVM_FIXED_PMC_BASE_IDX + msr - MSR_CORE_PERF_FIXED_CTR0) * 2 + 1;
  }
  return -1;
}

/**
 * `kvm_pmu_set_msr()` then the vendor `set_msr`, for a guest-initiated
 * WRMSR of `lo`/`hi` (bits 31:0 / 63:32). Returns 0, or 1 for #GP (also
 * for an MSR that is not a PMU MSR of this vCPU). Does not allocate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmuSetMsr } from "./msr.ts";
 *
 * // Emulated (not mediated) PMU: HO/GO are reserved, so they are dropped.
 * const vcpu = createVcpu({ model: "legacy", mediated: false });
 * assert.equal(pmuSetMsr(vcpu, 0xc0010200, 0x430076, 0), 1); // no F15H MSRs
 * assert.equal(pmuSetMsr(vcpu, 0xc0010000, 0x430076, 0x300), 0);
 * assert.equal(vcpu.pmu.eventsel(0), 0x430076n);
 * ```
 */
// Keeps the kernel's positional shape (vcpu, msr, data as two 32-bit halves)
// on purpose: it mirrors kvm_pmu_set_msr() and must not allocate per WRMSR.
export function pmuSetMsr(
  vcpu: Vcpu,
  msr: number,
  lo: number,
  hi: number,
): number {
  return vcpu.pmu.isAmd
    ? amdSetMsr(vcpu, msr, lo >>> 0, hi >>> 0)
    : intelSetMsr(vcpu, msr, lo >>> 0, hi >>> 0);
}

/**
 * `kvm_pmu_get_msr()` then the vendor `get_msr`: the value a guest RDMSR
 * reads, or `undefined` for #GP.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { pmuGetMsr } from "./msr.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * assert.equal(pmuGetMsr(vcpu, 0xc0000301), 0x3fn); // GLOBAL_CTL after refresh
 * assert.equal(pmuGetMsr(vcpu, 0x38f), undefined); // Intel MSR on AMD: #GP
 * ```
 */
export function pmuGetMsr(vcpu: Vcpu, msr: number): bigint | undefined {
  const pmu = vcpu.pmu;
  const code = pmu.isAmd ? amdGpMsr(vcpu, msr) : intelPmcMsr(vcpu, msr);
  if (code >= 0) {
    const idx = code >> 1;
    if ((code & 1) === 0) return pmu.eventsel(idx);
    return BigInt(
      idx < pmu.nrArchGpCounters
        ? pmu.counter[idx]
        : pmu.fixedCounter[idx - KVM_FIXED_PMC_BASE_IDX],
    );
  }
  if (pmu.version < 2) return undefined;
  if (pmu.isAmd) {
    switch (msr) {
      case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS:
        return pmu.globalStatus;
      case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:
        return pmu.globalCtrl;
      case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
      case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
        return 0n;
    }
    return undefined;
  }
  switch (msr) {
    case MSR_CORE_PERF_FIXED_CTR_CTRL:
      return BigInt(pmu.fixedCtrCtrl);
    case MSR_CORE_PERF_GLOBAL_STATUS:
      return pmu.globalStatus;
    case MSR_CORE_PERF_GLOBAL_CTRL:
      return pmu.globalCtrl;
    case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
      return 0n;
  }
  return undefined;
}

/** `kvm_pmu_mark_pmc_in_use()`. */
function markPmcInUse(vcpu: Vcpu, idx: number): void {
  vcpu.pmu.pmcInUse.setBit(idx);
}

/**
 * `amd_pmu_set_msr()` for an event select (SPEC c6): drop reserved bits
 * silently; stop if nothing changed; store `eventsel`, stuff
 * `eventsel_hw = (data & ~HO) | GO`; update the counter's
 * `reprogramPmcOnNestedTransition` bit per the semantics (tracked even
 * with EFER.SVME=0); request its reprogram.
 */
function amdSetEventsel(vcpu: Vcpu, idx: number, lo: number, hi: number) {
  const pmu = vcpu.pmu;
  lo = (lo & ~pmu.reservedBitsLo) >>> 0;
  hi = (hi & ~pmu.reservedBitsHi) >>> 0;
  if (lo === pmu.eventselLo[idx] && hi === pmu.eventselHi[idx]) return;
  pmu.eventselLo[idx] = lo;
  pmu.eventselHi[idx] = hi;
  pmu.eventselHwLo[idx] = lo;
  pmu.eventselHwHi[idx] = amdEventselHwHi(hi);
  if (vcpu.semantics.isTracked(hostGuestBits(hi))) {
    pmu.reprogramPmcOnNestedTransition.setBit(idx);
  } else {
    pmu.reprogramPmcOnNestedTransition.clearBit(idx);
  }
  requestCounterReprogram(vcpu, idx);
}

/** `pmc_write_counter()` of a 48-bit counter. */
function counterValue(lo: number, hi: number): number {
  return (hi & 0xffff) * TWO_32 + lo;
}

/**
 * The `PERF_GLOBAL_CTRL` write common to both vendors: if the value
 * changed, store it and request reprogramming of every counter whose bit
 * flipped (`kvm_pmu_request_counters_reprogram(pmu, diff)`).
 */
function setGlobalCtrl(vcpu: Vcpu, lo: number, hi: number): void {
  const pmu = vcpu.pmu;
  const diffLo = (pmu.globalCtrlLo ^ lo) >>> 0;
  const diffHi = (pmu.globalCtrlHi ^ hi) >>> 0;
  if (diffLo === 0 && diffHi === 0) return;
  pmu.globalCtrlLo = lo;
  pmu.globalCtrlHi = hi;
  const mask = pmu.scratchMask;
  mask.zero();
  for (let i = 0; i < 32; i++) {
    if ((diffLo >>> i) & 1) mask.setBit(i);
    if ((diffHi >>> i) & 1) mask.setBit(32 + i);
  }
  requestCountersReprogram(vcpu, mask);
}

/**
 * `amd_pmu_set_msr()` for event selects and counters, and the PerfMonV2
 * global MSRs of `kvm_pmu_set_msr()`; AMD drops reserved bits instead of
 * faulting.
 */
function amdSetMsr(vcpu: Vcpu, msr: number, lo: number, hi: number): number {
  const pmu = vcpu.pmu;
  const code = amdGpMsr(vcpu, msr);
  if (code >= 0) {
    const idx = code >> 1;
    markPmcInUse(vcpu, idx);
    if ((code & 1) === 0) amdSetEventsel(vcpu, idx, lo, hi);
    else pmu.counter[idx] = counterValue(lo, hi);
    return 0;
  }
  if (pmu.version < 2) return 1;
  switch (msr) {
    case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS:
      // Per the PPR a read-only MSR; guest writes are ignored.
      return 0;
    case MSR_AMD64_PERF_CNTR_GLOBAL_CTL:
      setGlobalCtrl(
        vcpu,
        (lo & ~pmu.globalCtrlRsvdLo) >>> 0,
        (hi & ~pmu.globalCtrlRsvdHi) >>> 0,
      );
      return 0;
    case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_CLR:
      pmu.globalStatusLo = (pmu.globalStatusLo & ~lo) >>> 0;
      pmu.globalStatusHi = (pmu.globalStatusHi & ~hi) >>> 0;
      return 0;
    case MSR_AMD64_PERF_CNTR_GLOBAL_STATUS_SET:
      pmu.globalStatusLo =
        (pmu.globalStatusLo | (lo & ~pmu.globalCtrlRsvdLo)) >>>
        0;
      pmu.globalStatusHi =
        (pmu.globalStatusHi | (hi & ~pmu.globalCtrlRsvdHi)) >>>
        0;
      return 0;
  }
  return 1;
}

/**
 * `reprogram_fixed_counters()`: store the new control, and for every fixed
 * counter whose 4-bit field changed mark it in use, copy the field to the
 * hardware control and request its reprogram.
 */
function reprogramFixedCounters(vcpu: Vcpu, data: number): void {
  const pmu = vcpu.pmu;
  const old = pmu.fixedCtrCtrl;
  pmu.fixedCtrCtrl = data;
  for (let i = 0; i < pmu.nrArchFixedCounters; i++) {
    const shift = i * INTEL_FIXED_BITS_STRIDE;
    const field = (data >>> shift) & 0xf;
    if (((old >>> shift) & 0xf) === field) continue;
    const idx = KVM_FIXED_PMC_BASE_IDX + i;
    markPmcInUse(vcpu, idx);
    pmu.fixedCtrCtrlHw = ((pmu.fixedCtrCtrlHw & ~(0xf << shift)) |
      (field << shift)) >>> 0;
    requestCounterReprogram(vcpu, idx);
  }
}

/**
 * `intel_pmu_set_msr()` for event selects, counters and FIXED_CTR_CTRL,
 * and the global MSRs of `kvm_pmu_set_msr()`; Intel #GPs on reserved bits.
 */
function intelSetMsr(vcpu: Vcpu, msr: number, lo: number, hi: number): number {
  const pmu = vcpu.pmu;
  const code = intelPmcMsr(vcpu, msr);
  if (code >= 0) {
    const idx = code >> 1;
    markPmcInUse(vcpu, idx);
    if (idx >= KVM_FIXED_PMC_BASE_IDX) {
      pmu.fixedCounter[idx - KVM_FIXED_PMC_BASE_IDX] = counterValue(lo, hi);
      return 0;
    }
    if ((code & 1) === 1) {
      // Legacy PERFCTR writes are sign-extended from 32 bits.
      pmu.counter[idx] = counterValue(
        lo,
        (lo & 0x8000_0000) !== 0 ? 0xffff : 0,
      );
      return 0;
    }
    if ((lo & pmu.reservedBitsLo) !== 0 || (hi & pmu.reservedBitsHi) !== 0) {
      return 1;
    }
    if (lo === pmu.eventselLo[idx] && hi === pmu.eventselHi[idx]) return 0;
    pmu.eventselLo[idx] = lo;
    pmu.eventselHi[idx] = hi;
    pmu.eventselHwLo[idx] = lo;
    pmu.eventselHwHi[idx] = hi;
    requestCounterReprogram(vcpu, idx);
    return 0;
  }
  switch (msr) {
    case MSR_CORE_PERF_FIXED_CTR_CTRL:
      if (hi !== 0 || (lo & pmu.fixedCtrCtrlRsvd) !== 0) return 1;
      if (lo !== pmu.fixedCtrCtrl) reprogramFixedCounters(vcpu, lo);
      return 0;
    case MSR_CORE_PERF_GLOBAL_STATUS:
      return 1; // read-only
    case MSR_CORE_PERF_GLOBAL_CTRL:
      if (
        (lo & pmu.globalCtrlRsvdLo) !== 0 || (hi & pmu.globalCtrlRsvdHi) !== 0
      ) {
        return 1;
      }
      setGlobalCtrl(vcpu, lo, hi);
      return 0;
    case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
      if (
        (lo & pmu.globalCtrlRsvdLo) !== 0 || (hi & pmu.globalCtrlRsvdHi) !== 0
      ) {
        return 1;
      }
      pmu.globalStatusLo = (pmu.globalStatusLo & ~lo) >>> 0;
      pmu.globalStatusHi = (pmu.globalStatusHi & ~hi) >>> 0;
      return 0;
  }
  return 1;
}

/**
 * A vCPU with its PMU: the model's front door.
 *
 * Public API (what benches and the trace replayer use):
 *
 * | call | kernel | notes |
 * | --- | --- | --- |
 * | `createVcpu(config)` | `kvm_arch_vcpu_create()` + `kvm_pmu_refresh()` | config: vendor, model, counters (synthetic), mediated, guestSvm, semantics, mechanism, bitmap |
 * | `vcpu.wrmsr(msr, value)` / `wrmsrHalves(msr, lo, hi)` | `kvm_set_msr()`: `kvm_pmu_set_msr()`, `svm_set_efer()` | result `{ ok }` or `{ ok: false, fault: "#GP" }`; never throws for guest input |
 * | `vcpu.rdmsr(msr)` | `kvm_get_msr()` | `{ ok, value }` or `#GP` |
 * | `vcpu.vmrun()` / `vcpu.vmexit()` | `nested_svm_vmrun()` / `nested_svm_vmexit()` | VMRUN: `#UD` in L1 with SVME clear; in L2 a #VMEXIT(VMRUN) to L1. #VMEXIT: `#UD` outside L2 |
 * | `vcpu.entry()` | VM-entry: `kvm_check_request(KVM_REQ_PMU)` then `kvm_pmu_handle_event()` | allocation-free; returns whether it handled a request |
 * | `vcpu.entryState()` | (reporting) | snapshot record of what VM-entry loads |
 * | `vcpu.setEventFilter(action, events)` | `KVM_SET_PMU_EVENT_FILTER` | all 64 `reprogramPmi` bits + `KVM_REQ_PMU` |
 * | `vcpu.reset()` | INIT (`kvm_vcpu_reset()`): `svm_leave_nested()`, EFER = 0 | the PMU, its pending work and the filter stay (SPEC c8) |
 * | `vcpu.pmu` | `struct kvm_pmu` | bitmaps and per-counter event selects |
 * | `handleNestedTransition(vcpu)` (nested.ts) | `kvm_pmu_handle_nested_transition()` | the mechanism alone |
 * | `handleEvent(vcpu)` (requests.ts) | `kvm_pmu_handle_event()` | the deferred work alone |
 *
 * @example A Host-Only counter across VMRUN / #VMEXIT
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 *
 * const vcpu = createVcpu({ vendor: "amd", model: "perfmonv2", semantics: "upstream", mechanism: "tracked" });
 * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
 * vcpu.wrmsr(0xc0010200, 0x20000430076n); // PERF_CTL0: Host-Only, EN
 * vcpu.entry();
 * assert.equal(vcpu.entryState().counting, 1n); // counts in L1
 * vcpu.vmrun();
 * vcpu.entry();
 * assert.equal(vcpu.entryState().counting, 0n); // not in L2
 * vcpu.vmexit();
 * vcpu.entry();
 * assert.equal(vcpu.entryState().counting, 1n);
 * ```
 *
 * @module
 */

import { describeValue } from "../common/describe.ts";
import { pmuModelOf, validateVcpuConfig, type VcpuConfig } from "./config.ts";
import {
  EFER_LMA,
  EFER_LME,
  EFER_NX,
  EFER_SCE,
  EFER_SVME,
  EVENTSEL_ENABLE_LO,
  INTEL_FIXED_0_KERNEL,
  INTEL_FIXED_0_USER,
  INTEL_FIXED_BITS_STRIDE,
  KVM_FIXED_PMC_BASE_IDX,
  KVM_REQ_PMU,
  MSR_EFER,
} from "./constants.ts";
import { u64Hi, u64Lo } from "./eventsel.ts";
import {
  createEventFilter,
  type EventFilter,
  type EventFilterOptions,
  type FilterAction,
} from "./filter.ts";
import { getMechanism, type Mechanism } from "./mechanisms/registry.ts";
import { pmuGetMsr, pmuSetMsr } from "./msr.ts";
import { enterGuestMode, leaveGuestMode, svmSetEfer } from "./nested.ts";
import { KvmPmu } from "./pmu.ts";
import { handleEvent } from "./requests.ts";
import { getSemantics, type Semantics } from "./semantics.ts";

// VM-entry's hot path through module constants: V8 re-reads an imported
// binding on every use (its cell and a hole check), a module constant it
// folds.
const handleEventOnEntry = handleEvent;
const REQ_PMU = KVM_REQ_PMU;

/** A fault the guest would take, reported as a value. */
export type Fault = "#GP" | "#UD";

/** Result of a WRMSR: success, or #GP. */
export type WrmsrResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly fault: "#GP" };

/** Result of a RDMSR: the value, or #GP. */
export type RdmsrResult =
  | { readonly ok: true; readonly value: bigint }
  | { readonly ok: false; readonly fault: "#GP" };

/** Result of VMRUN / #VMEXIT emulation: success, or #UD. */
export type TransitionResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly fault: "#UD" };

/** The shared "success" result (results are preallocated: the hot path never allocates). */
export const RESULT_OK: { readonly ok: true } = Object.freeze({ ok: true });
/** The shared #GP result. */
export const RESULT_GP: { readonly ok: false; readonly fault: "#GP" } = Object
  .freeze({ ok: false, fault: "#GP" });
/** The shared #UD result. */
export const RESULT_UD: { readonly ok: false; readonly fault: "#UD" } = Object
  .freeze({ ok: false, fault: "#UD" });

/**
 * What a VM-entry leaves loaded, as the trace output reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 *
 * const s = createVcpu({ model: "legacy" }).entryState();
 * assert.deepEqual(s.eventselHw, [0n, 0n, 0n, 0n]);
 * ```
 */
export interface EntryState {
  /** `is_guest_mode()`. */
  guestMode: boolean;
  /** EFER.SVME. */
  svme: boolean;
  /** `reprogramPmcOnNestedTransition` (the merged kernel's `pmc_has_mode_specific_enables`). */
  tracked: bigint;
  /** `reprogramPmi` (after processing: only re-queued failures remain). */
  reprogramPmi: bigint;
  /**
   * Bit i: GP counter i's `eventsel_hw` has EN; bit 32 + i: Intel fixed
   * counter i's `fixed_ctr_ctrl_hw` field enables ring 0 or ring 3. Without
   * a mediated PMU this is exactly the set of counters that count; with
   * it, the hardware also applies `global_ctrl` (SPEC g13, g20).
   */
  counting: bigint;
  /** Every GP counter's `eventsel_hw`. */
  eventselHw: bigint[];
}

/**
 * One vCPU (`struct kvm_vcpu`, with its PMU in `vcpu->arch.pmu`). Build it
 * with {@linkcode createVcpu}. Fields are public so
 * benches and tests can inspect (and, for the fault hook, steer) the
 * model; change state through the methods so requests stay consistent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 *
 * const vcpu = createVcpu();
 * assert.deepEqual(vcpu.vmrun(), { ok: false, fault: "#UD" }); // SVME clear
 * ```
 */
export class Vcpu {
  // Fields first set in the constructor are `declare`d. A plain declaration
  // defines them as `undefined` before the constructor runs, and V8 then
  // never records their class: every read of `vcpu.pmu` or `vcpu.mechanism`
  // in optimized code paid a map check (early return 13.7 -> 8.2
  // instructions per transition). KvmPmu and EventFilter do the same.
  /** The validated, complete config. */
  declare readonly config: Readonly<VcpuConfig>;
  /** `vcpu->arch.pmu`. */
  declare readonly pmu: KvmPmu;
  /** HO/GO semantics. */
  declare readonly semantics: Semantics;
  /** Nested-transition mechanism. */
  declare readonly mechanism: Mechanism;
  /** The VM's event filter (`kvm->arch.pmu_event_filter`), `null` when none. */
  eventFilter: EventFilter | null = null;
  /** `vcpu->arch.efer` (every valid EFER bit is below bit 32). */
  efer = 0;
  /** `is_guest_mode()`: `HF_GUEST_MASK` in `hflags` (sticky fact, set by VMRUN). */
  isGuestMode = false;
  /** `vcpu->requests`: pending `KVM_REQ_*` bits (one-shot work, cleared by its consumer). */
  requests = 0;
  /**
   * Fault hook for tests: when it returns true for a counter index,
   * `reprogram_counter()` fails for that counter (as a failed perf_event
   * creation would) and `kvm_pmu_handle_event()` re-queues it.
   */
  reprogramFault: ((idx: number) => boolean) | null = null;
  /** EFER bits the guest may set (others #GP, `kvm_valid_efer()`). */
  declare readonly eferValidBits: number;
  /**
   * `pmc_is_disabled_in_current_mode()` as a truth table, computed once
   * from the semantics: bit `(svme << 3) | (guestMode << 2) | hg` is set
   * when a counter with HO/GO bits `hg` must not count in that mode. Zero
   * on Intel and without a mediated PMU, where the op never disables.
   */
  declare readonly hgDisabledTable: number;

  /**
   * Validate `config` and build the vCPU (`kvm_pmu_init()` +
   * `kvm_pmu_refresh()`). Prefer {@linkcode createVcpu}.
   *
   * @throws {TypeError | RangeError} as {@linkcode validateVcpuConfig}.
   */
  constructor(config: Partial<VcpuConfig> = {}) {
    const c = validateVcpuConfig(config);
    this.config = c;
    this.semantics = getSemantics(c.semantics);
    this.mechanism = getMechanism(c.mechanism);
    this.pmu = new KvmPmu(pmuModelOf(c), {
      bitmap: c.bitmap,
      mediated: c.mediated,
      guestSvm: c.guestSvm,
    });
    // [INFER] a minimal efer_reserved_bits: SVME only with guest SVM.
    let table = 0;
    if (this.pmu.isAmd && this.pmu.mediated) {
      for (let mode = 0; mode < 4; mode++) {
        for (let hg = 0; hg < 4; hg++) {
          const disabled = this.semantics.isDisabledInCurrentMode(
            hg,
            (mode & 2) !== 0,
            (mode & 1) !== 0,
          );
          if (disabled) table |= 1 << ((mode << 2) | hg);
        }
      }
    }
    this.hgDisabledTable = table;
    this.eferValidBits = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX |
      (c.guestSvm ? EFER_SVME : 0);
  }

  /** `kvm_make_request(req)`. */
  makeRequest(req: number): void {
    this.requests |= 1 << req;
  }

  /** `kvm_test_request(req)`: pending, without consuming it. */
  testRequest(req: number): boolean {
    return (this.requests & (1 << req)) !== 0;
  }

  /** `kvm_check_request(req)`: consume the request, returning whether it was pending. */
  checkRequest(req: number): boolean {
    const bit = 1 << req;
    if ((this.requests & bit) === 0) return false;
    this.requests &= ~bit;
    return true;
  }

  /**
   * Guest WRMSR of a 64-bit `value` (`kvm_set_msr()`); see
   * {@linkcode Vcpu.wrmsrHalves}.
   *
   * @throws {TypeError} when `msr` is not an integer or `value` not a bigint.
   * @throws {RangeError} when `msr` is outside [0, 0xffffffff] or `value`
   * outside [0, 2^64 - 1].
   */
  wrmsr(msr: number, value: bigint): WrmsrResult {
    checkMsr(msr, "wrmsr");
    if (typeof value !== "bigint") {
      throw new TypeError(
        `Cannot wrmsr as 'value' must be a bigint: current value is ${
          describeValue(value)
        }`,
      );
    }
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
      throw new RangeError(
        `Cannot wrmsr as 'value' must be in [0, 2^64 - 1]: current value is ${value}n`,
      );
    }
    return this.wrmsrHalves(msr, u64Lo(value), u64Hi(value));
  }

  /**
   * Guest WRMSR of the value with halves `lo` (bits 31:0) and `hi`
   * (bits 63:32): EFER goes through x86.c `set_efer()` (#GP for a bit KVM
   * does not support, or SVME without guest SVM; a written LMA is ignored
   * and the old LMA kept, since LMA is not guest-writable: SPEC c9
   * `wrEfer`, g22; the model has no paging, so LME may always change) to
   * `svm_set_efer()` (AMD); PMU MSRs to `kvm_pmu_set_msr()`; anything else
   * #GPs. Unchecked and allocation-free, for benches.
   */
  // Keeps WRMSR's positional shape (ECX, EAX, EDX) on purpose: the bench
  // path must not allocate an options object per write.
  wrmsrHalves(msr: number, lo: number, hi: number): WrmsrResult {
    if (msr === MSR_EFER) {
      lo >>>= 0;
      if (hi !== 0 || (lo & ~this.eferValidBits) !== 0) return RESULT_GP;
      // set_efer(): LMA is the CPU's to set, never the guest's.
      lo = ((lo & ~EFER_LMA) | (this.efer & EFER_LMA)) >>> 0;
      if (this.pmu.isAmd) svmSetEfer(this, lo);
      else this.efer = lo;
      return RESULT_OK;
    }
    return pmuSetMsr(this, msr, lo, hi) === 0 ? RESULT_OK : RESULT_GP;
  }

  /**
   * Guest RDMSR (`kvm_get_msr()`): EFER, else `kvm_pmu_get_msr()`; any
   * other MSR #GPs.
   *
   * @throws {TypeError | RangeError} when `msr` is not an integer in
   * [0, 0xffffffff].
   */
  rdmsr(msr: number): RdmsrResult {
    checkMsr(msr, "rdmsr");
    if (msr === MSR_EFER) return { ok: true, value: BigInt(this.efer) };
    const value = pmuGetMsr(this, msr);
    return value === undefined ? RESULT_GP : { ok: true, value };
  }

  /**
   * Emulated VMRUN. In L1 (`nested_svm_vmrun()` -> `enter_guest_mode()`):
   * #UD when EFER.SVME is clear. Executed in L2 it is a nested #VMEXIT to
   * L1 (`leave_guest_mode()`), never #UD: a nested VMRUN fails unless
   * vmcb12 intercepts VMRUN (`nested_vmcb_check_controls()`), so L2's VMRUN
   * is always reflected to L1 as #VMEXIT(VMRUN) (SPEC e, g21). Nested
   * virtualization beyond L2 is not modelled.
   *
   * @example VMRUN in L2 exits to L1
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVcpu } from "./vcpu.ts";
   *
   * const vcpu = createVcpu();
   * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
   * assert.equal(vcpu.vmrun().ok, true); // L1 -> L2
   * assert.equal(vcpu.vmrun().ok, true); // in L2: #VMEXIT(VMRUN) to L1
   * assert.equal(vcpu.isGuestMode, false);
   * ```
   */
  vmrun(): TransitionResult {
    if (this.isGuestMode) {
      leaveGuestMode(this);
      return RESULT_OK;
    }
    if ((this.efer & EFER_SVME) === 0) return RESULT_UD;
    enterGuestMode(this);
    return RESULT_OK;
  }

  /** Emulated #VMEXIT to L1 (`nested_svm_vmexit()` -> `leave_guest_mode()`): #UD outside guest mode. */
  vmexit(): TransitionResult {
    if (!this.isGuestMode) return RESULT_UD;
    leaveGuestMode(this);
    return RESULT_OK;
  }

  /**
   * The next VM-entry: consume `KVM_REQ_PMU` and, if it was pending, run
   * `kvm_pmu_handle_event()`. Returns whether it did. Allocation-free; use
   * {@linkcode Vcpu.entryState} to report the result.
   */
  entry(): boolean {
    if (!this.checkRequest(REQ_PMU)) return false;
    handleEventOnEntry(this);
    return true;
  }

  /** A snapshot of what VM-entry loads (allocates; for reports and tests). */
  entryState(): EntryState {
    const pmu = this.pmu;
    let counting = 0n;
    const eventselHw: bigint[] = [];
    for (let i = 0; i < pmu.nrArchGpCounters; i++) {
      eventselHw.push(pmu.eventselHw(i));
      if ((pmu.eventselHwLo[i] & EVENTSEL_ENABLE_LO) !== 0) {
        counting |= 1n << BigInt(i);
      }
    }
    for (let i = 0; i < pmu.nrArchFixedCounters; i++) {
      const field = pmu.fixedCtrCtrlHw >>> (i * INTEL_FIXED_BITS_STRIDE);
      if ((field & (INTEL_FIXED_0_KERNEL | INTEL_FIXED_0_USER)) !== 0) {
        counting |= 1n << BigInt(KVM_FIXED_PMC_BASE_IDX + i);
      }
    }
    return {
      guestMode: this.isGuestMode,
      svme: (this.efer & EFER_SVME) !== 0,
      tracked: pmu.reprogramPmcOnNestedTransition.toBigInt(),
      reprogramPmi: pmu.reprogramPmi.toBigInt(),
      counting,
      eventselHw,
    };
  }

  /**
   * `KVM_SET_PMU_EVENT_FILTER`: install a new filter (see
   * `createEventFilter`; entries outside this vendor's key mask are
   * dropped), then set all 64 bits of `__reprogram_pmi` and raise
   * `KVM_REQ_PMU`, so every counter is re-checked at the next entry.
   *
   * @throws {TypeError | RangeError} as `createEventFilter` does.
   */
  setEventFilter(
    action: FilterAction,
    events: readonly (bigint | number)[],
    options: Omit<EventFilterOptions, "vendor"> = {},
  ): void {
    this.eventFilter = createEventFilter(action, events, {
      ...options,
      vendor: this.pmu.vendor,
    });
    this.pmu.reprogramPmi.fill();
    this.makeRequest(KVM_REQ_PMU);
  }

  /** `KVM_SET_PMU_EVENT_FILTER` with no filter: remove it, and reprogram every counter. */
  clearEventFilter(): void {
    this.eventFilter = null;
    this.pmu.reprogramPmi.fill();
    this.makeRequest(KVM_REQ_PMU);
  }

  /**
   * vCPU INIT (`kvm_vcpu_reset()` with `init_event`), the only reset KVM
   * performs on a live vCPU (SPEC c8, g18): leave L2 if in it
   * (`kvm_leave_nested()` -> `svm_leave_nested()`: a nested transition),
   * then EFER = 0 through the vendor `set_efer` op, unchecked (an SVME
   * toggle when SVME was set). The PMU is left alone, as KVM stopped calling
   * `kvm_pmu_reset()` at RESET (f2f63f7ec6fd) and never called it at INIT:
   * every PMU MSR, `reprogramPmcOnNestedTransition`, pending `reprogramPmi`
   * bits and requests stay, and so does the VM's event filter. Zeroing the
   * PMU belongs to vCPU creation (`kvm_pmu_refresh()`, {@linkcode KvmPmu}).
   *
   * @example INIT in L2 leaves L2 and clears EFER, keeping the event select
   * ```ts
   * import assert from "node:assert/strict";
   * import { createVcpu } from "./vcpu.ts";
   *
   * const vcpu = createVcpu();
   * vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
   * vcpu.wrmsr(0xc0010200, 0x20000430076n); // Host-Only, EN
   * vcpu.vmrun();
   * vcpu.reset();
   * assert.deepEqual([vcpu.isGuestMode, vcpu.efer], [false, 0]);
   * assert.equal(vcpu.pmu.eventsel(0), 0x20000430076n);
   * vcpu.entry();
   * assert.equal(vcpu.entryState().counting, 0n); // upstream: SVME=0 disables it
   * ```
   */
  reset(): void {
    // kvm_leave_nested() (svm_leave_nested() on AMD): leave_guest_mode().
    if (this.isGuestMode) leaveGuestMode(this);
    if (this.pmu.isAmd) svmSetEfer(this, 0);
    else this.efer = 0;
  }
}

/**
 * Build a vCPU: validate `config` (defaults: AMD PerfMonV2, mediated PMU,
 * guest SVM, `upstream` semantics (the merged kernel), `tracked` mechanism,
 * `u32pair` bitmaps), then `kvm_pmu_init()` + `kvm_pmu_refresh()`.
 *
 * @throws {TypeError | RangeError} naming the bad config value (see
 * `validateVcpuConfig`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 *
 * const vcpu = createVcpu({ vendor: "intel", model: "gp8", mechanism: "all-bits" });
 * assert.equal(vcpu.pmu.nrArchGpCounters, 8);
 * assert.throws(() => createVcpu({ model: "gp16" as "gp8" }), RangeError);
 * ```
 */
export function createVcpu(config: Partial<VcpuConfig> = {}): Vcpu {
  return new Vcpu(config);
}

function checkMsr(msr: number, what: string): void {
  if (typeof msr !== "number" || !Number.isInteger(msr)) {
    throw new TypeError(
      `Cannot ${what} as 'msr' must be an integer: current value is ${
        String(msr)
      }`,
    );
  }
  if (msr < 0 || msr > 0xffff_ffff) {
    throw new RangeError(
      `Cannot ${what} as 'msr' must be in [0, 0xffffffff]: current value is ${msr}`,
    );
  }
}

/**
 * A vCPU for the native reference: `struct pmb_vcpu` of
 * `pmubench_native.c` held in one `BigUint64Array`, copied from a model
 * vCPU ({@linkcode NativeVcpu.fromModel}), driven through the C paths, and
 * read back in the same shape as the model ({@linkcode NativeVcpuState},
 * {@linkcode modelVcpuState}) so a test can compare the two after every
 * step.
 *
 * @module
 */

import type { Vcpu } from "../pmu/vcpu.ts";
import type { NativeReference, NativeSymbols } from "./native.ts";
import {
  FILTER_ALLOW,
  FILTER_DENY,
  FILTER_NONE,
  MAX_EVENTS,
  MAX_GP,
  MECHANISM_IDS,
  SEMANTICS_IDS,
  VCPU_LAYOUT as L,
  VCPU_WORDS,
} from "./_layout.ts";

/**
 * What both a model vCPU and a native one can report, field for field, as
 * plain values (`bigint` for 64-bit state) that `assert.deepEqual` compares.
 */
export interface NativeVcpuState {
  /** `vcpu->arch.efer`. */
  readonly efer: bigint;
  /** `is_guest_mode()`. */
  readonly isGuestMode: boolean;
  /** `vcpu->requests`. */
  readonly requests: bigint;
  /** `__reprogram_pmi`. */
  readonly reprogramPmi: bigint;
  /** `pmc_has_mode_specific_enables` (the model's `reprogramPmcOnNestedTransition`). */
  readonly modeSpecific: bigint;
  /** `pmc_counting_instructions`. */
  readonly pmcCountingInstructions: bigint;
  /** `pmc_counting_branches`. */
  readonly pmcCountingBranches: bigint;
  /** `pmc_in_use`. */
  readonly pmcInUse: bigint;
  /** `global_ctrl`. */
  readonly globalCtrl: bigint;
  /** `fixed_ctr_ctrl`. */
  readonly fixedCtrCtrl: bigint;
  /** `fixed_ctr_ctrl_hw`. */
  readonly fixedCtrCtrlHw: bigint;
  /** `gp_counters[i].eventsel`, one per GP counter. */
  readonly eventsel: readonly bigint[];
  /** `gp_counters[i].eventsel_hw`, one per GP counter. */
  readonly eventselHw: readonly bigint[];
}

/**
 * The state of a model vCPU in the shape {@linkcode NativeVcpu.state}
 * reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "../pmu/vcpu.ts";
 * import { modelVcpuState } from "./vcpu.ts";
 *
 * const vcpu = createVcpu({ model: "perfmonv2" });
 * vcpu.wrmsr(0xc0010200, 0x20000430076n); // Host-Only, EN
 * const s = modelVcpuState(vcpu);
 * assert.equal(s.modeSpecific, 1n);
 * assert.equal(s.eventselHw[0], 0x10000430076n);
 * ```
 */
export function modelVcpuState(vcpu: Vcpu): NativeVcpuState {
  const pmu = vcpu.pmu;
  const eventsel: bigint[] = [];
  const eventselHw: bigint[] = [];
  for (let i = 0; i < pmu.nrArchGpCounters; i++) {
    eventsel.push(pmu.eventsel(i));
    eventselHw.push(pmu.eventselHw(i));
  }
  return {
    efer: BigInt(vcpu.efer),
    isGuestMode: vcpu.isGuestMode,
    requests: BigInt(vcpu.requests >>> 0),
    reprogramPmi: pmu.reprogramPmi.toBigInt(),
    modeSpecific: pmu.reprogramPmcOnNestedTransition.toBigInt(),
    pmcCountingInstructions: pmu.pmcCountingInstructions.toBigInt(),
    pmcCountingBranches: pmu.pmcCountingBranches.toBigInt(),
    pmcInUse: pmu.pmcInUse.toBigInt(),
    globalCtrl: pmu.globalCtrl,
    fixedCtrCtrl: BigInt(pmu.fixedCtrCtrl >>> 0),
    fixedCtrCtrlHw: BigInt(pmu.fixedCtrCtrlHw >>> 0),
    eventsel,
    eventselHw,
  };
}

/** A packed 20-bit filter key (`eventKey()`) as the 64-bit masked event C compares. */
function keyToEvent(key: number): bigint {
  return BigInt(key & 0xffff) | (BigInt(key >>> 16) << 32n);
}

function lo32(v: bigint): number {
  return Number(v & 0xffff_ffffn);
}

function hi32(v: bigint): number {
  return Number((v >> 32n) & 0xffff_ffffn);
}

function checkIndex(i: number, max: number, action: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= max) {
    throw new RangeError(
      `Cannot ${action} as 'idx' must be an integer in [0, ${
        max - 1
      }]: current value is ${i}`,
    );
  }
}

function checkCount(n: number, what: string, action: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
    throw new RangeError(
      `Cannot ${action} as '${what}' must be an integer in [0, 2^32 - 1]: current value is ${n}`,
    );
  }
}

/**
 * One vCPU of the native reference: `struct pmb_vcpu` in
 * {@linkcode NativeVcpu.words}, every method one FFI call into the C path
 * it names. Build it from a model vCPU with
 * {@linkcode NativeVcpu.fromModel}.
 *
 * WARNING: the reprogram fault hook of the model (`reprogramFault`) has no
 * C counterpart; a native `reprogram_counter()` never fails.
 *
 * @example Same transition, same state
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNative } from "./native.ts";
 * import { modelVcpuState, NativeVcpu } from "./vcpu.ts";
 * import { createVcpu } from "../pmu/vcpu.ts";
 * import { enterGuestMode } from "../pmu/nested.ts";
 *
 * const status = await loadNative();
 * if (status.available) {
 *   const vcpu = createVcpu({ model: "perfmonv2" });
 *   vcpu.wrmsr(0xc0000080, 0x1000n); // EFER.SVME
 *   vcpu.wrmsr(0xc0010200, 0x20000430076n); // Host-Only, EN
 *   vcpu.entry();
 *   const native = NativeVcpu.fromModel(status.native, vcpu);
 *   enterGuestMode(vcpu);
 *   vcpu.entry();
 *   native.enterGuestMode();
 *   native.entry();
 *   assert.deepEqual(native.state(), modelVcpuState(vcpu));
 * }
 * ```
 */
export class NativeVcpu {
  /** `struct pmb_vcpu`, one u64 per field (layout in `_layout.ts`). */
  readonly words: BigUint64Array;
  /** The library's entry points, for bench bodies that call batches directly. */
  readonly symbols: NativeSymbols;

  /** A zeroed vCPU (no counters, `none` mechanism); prefer {@linkcode NativeVcpu.fromModel}. */
  constructor(native: NativeReference) {
    this.words = new BigUint64Array(VCPU_WORDS);
    this.symbols = native.symbols;
  }

  /**
   * A native vCPU with the whole state of a model vCPU: configuration
   * (vendor, mediated, version, counters, reserved bits, semantics,
   * mechanism), EFER, guest mode, requests, every bitmap, event selects,
   * global and fixed control, and the VM's event filter.
   *
   * @throws {RangeError} when the model's mechanism or semantics has no C
   * counterpart, or it has more GP counters or filter events than
   * `struct pmb_vcpu` holds.
   */
  static fromModel(native: NativeReference, vcpu: Vcpu): NativeVcpu {
    const v = new NativeVcpu(native);
    const w = v.words;
    const pmu = vcpu.pmu;
    const mechanism = MECHANISM_IDS[vcpu.mechanism.name];
    const semantics = SEMANTICS_IDS[vcpu.semantics.name];
    if (mechanism === undefined || semantics === undefined) {
      throw new RangeError(
        `Cannot copy a vCPU into the native reference as its mechanism and semantics must have C counterparts (${
          Object.keys(MECHANISM_IDS).join(", ")
        }; ${Object.keys(SEMANTICS_IDS).join(", ")}): current value is ${
          JSON.stringify(vcpu.mechanism.name)
        } with ${JSON.stringify(vcpu.semantics.name)}`,
      );
    }
    const nGp = pmu.nrArchGpCounters;
    if (nGp > MAX_GP) {
      throw new RangeError(
        `Cannot copy a vCPU into the native reference as it must have at most ${MAX_GP} GP counters: current value is ${nGp}`,
      );
    }
    const filter = vcpu.eventFilter;
    if (filter !== null && filter.keys.length > MAX_EVENTS) {
      throw new RangeError(
        `Cannot copy a vCPU into the native reference as its filter must have at most ${MAX_EVENTS} events: current value is ${filter.keys.length}`,
      );
    }
    w[L.efer] = BigInt(vcpu.efer);
    w[L.isGuestMode] = vcpu.isGuestMode ? 1n : 0n;
    w[L.requests] = BigInt(vcpu.requests >>> 0);
    w[L.isAmd] = pmu.isAmd ? 1n : 0n;
    w[L.mediated] = pmu.mediated ? 1n : 0n;
    w[L.version] = BigInt(pmu.version);
    w[L.nrArchGpCounters] = BigInt(nGp);
    w[L.nrArchFixedCounters] = BigInt(pmu.nrArchFixedCounters);
    w[L.reservedBits] = pmu.reservedBits;
    w[L.semantics] = BigInt(semantics);
    w[L.mechanism] = BigInt(mechanism);
    w[L.instructionsKey] = keyToEvent(pmu.instructionsEventKey);
    w[L.branchesKey] = keyToEvent(pmu.branchesEventKey);
    w[L.reprogramPmi] = pmu.reprogramPmi.toBigInt();
    w[L.modeSpecific] = pmu.reprogramPmcOnNestedTransition.toBigInt();
    w[L.pmcCountingInstructions] = pmu.pmcCountingInstructions.toBigInt();
    w[L.pmcCountingBranches] = pmu.pmcCountingBranches.toBigInt();
    w[L.pmcInUse] = pmu.pmcInUse.toBigInt();
    w[L.globalCtrl] = pmu.globalCtrl;
    w[L.fixedCtrCtrl] = BigInt(pmu.fixedCtrCtrl >>> 0);
    w[L.fixedCtrCtrlHw] = BigInt(pmu.fixedCtrCtrlHw >>> 0);
    for (let i = 0; i < nGp; i++) {
      w[L.eventsel + i] = pmu.eventsel(i);
      w[L.eventselHw + i] = pmu.eventselHw(i);
    }
    if (filter === null) w[L.filterAction] = BigInt(FILTER_NONE);
    else {
      w[L.filterAction] = BigInt(
        filter.action === "allow" ? FILTER_ALLOW : FILTER_DENY,
      );
      w[L.fixedCounterBitmap] = BigInt(filter.fixedCounterBitmap >>> 0);
      w[L.nevents] = BigInt(filter.keys.length);
      // Same order: the packed key and the masked event sort alike.
      filter.keys.forEach((k, i) => (w[L.events + i] = keyToEvent(k)));
    }
    return v;
  }

  /** Number of GP counters. */
  get nrArchGpCounters(): number {
    return Number(this.words[L.nrArchGpCounters]);
  }

  /** The state, in the shape of {@linkcode modelVcpuState}. */
  state(): NativeVcpuState {
    const w = this.words;
    const n = this.nrArchGpCounters;
    return {
      efer: w[L.efer],
      isGuestMode: w[L.isGuestMode] !== 0n,
      requests: w[L.requests],
      reprogramPmi: w[L.reprogramPmi],
      modeSpecific: w[L.modeSpecific],
      pmcCountingInstructions: w[L.pmcCountingInstructions],
      pmcCountingBranches: w[L.pmcCountingBranches],
      pmcInUse: w[L.pmcInUse],
      globalCtrl: w[L.globalCtrl],
      fixedCtrCtrl: w[L.fixedCtrCtrl],
      fixedCtrCtrlHw: w[L.fixedCtrCtrlHw],
      eventsel: Array.from(w.subarray(L.eventsel, L.eventsel + n)),
      eventselHw: Array.from(w.subarray(L.eventselHw, L.eventselHw + n)),
    };
  }

  /** `enter_guest_mode()`: set `HF_GUEST_MASK`, then the mechanism's handler. */
  enterGuestMode(): void {
    this.symbols.pmb_enter_guest_mode(this.words);
  }

  /** `leave_guest_mode()`: clear `HF_GUEST_MASK`, then the handler. */
  leaveGuestMode(): void {
    this.symbols.pmb_leave_guest_mode(this.words);
  }

  /** `kvm_pmu_handle_nested_transition()` alone, per the mechanism. */
  handleNestedTransition(): void {
    this.symbols.pmb_handle_nested_transition(this.words);
  }

  /** `svm_set_efer()` of a validated value: store it; on an SVME toggle leave L2 if cleared there, then the handler. */
  svmSetEfer(efer: bigint): void {
    this.symbols.pmb_svm_set_efer(this.words, lo32(efer), hi32(efer));
  }

  /** VM-entry: consume `KVM_REQ_PMU` and run `kvm_pmu_handle_event()`; returns whether it did. */
  entry(): boolean {
    return this.symbols.pmb_entry(this.words) !== 0;
  }

  /** `kvm_pmu_handle_event()` alone (whether or not a request is pending). */
  handleEvent(): void {
    this.symbols.pmb_handle_event(this.words);
  }

  /**
   * `amd_pmu_set_msr()` of GP counter `idx`'s event select (reserved bits
   * dropped, tracking updated, reprogram requested).
   *
   * @throws {RangeError} when `idx` is no GP counter of this vCPU.
   */
  amdSetEventsel(idx: number, value: bigint): void {
    checkIndex(idx, this.nrArchGpCounters, "set an event select");
    this.symbols.pmb_amd_set_eventsel(
      this.words,
      idx,
      lo32(value),
      hi32(value),
    );
  }

  /**
   * `amd_pmc_is_disabled_in_current_mode()` of GP counter `idx`.
   *
   * @throws {RangeError} when `idx` is no GP counter of this vCPU.
   */
  pmcIsDisabledInCurrentMode(idx: number): boolean {
    checkIndex(idx, this.nrArchGpCounters, "check a counter's mode");
    return this.symbols.pmb_pmc_is_disabled_in_current_mode(this.words, idx) !==
      0;
  }

  /**
   * `pmc_is_locally_enabled()` of counter `idx` (GP, or 32 + i for fixed
   * counter i).
   *
   * @throws {RangeError} when `idx` is not in [0, 63].
   */
  pmcIsLocallyEnabled(idx: number): boolean {
    checkIndex(idx, 64, "check a counter's local enable");
    return this.symbols.pmb_pmc_is_locally_enabled(this.words, idx) !== 0;
  }

  /** `is_gp_event_allowed()`: the filter's verdict on an event select. */
  isGpEventAllowed(eventsel: bigint): boolean {
    return this.symbols.pmb_is_gp_event_allowed(
      this.words,
      lo32(eventsel),
      hi32(eventsel),
    ) !== 0;
  }

  /**
   * The mediated `reprogram_counter()` of counter `idx`; returns 0.
   *
   * @throws {RangeError} when `idx` is not in [0, 63].
   */
  reprogramCounter(idx: number): number {
    checkIndex(idx, 64, "reprogram a counter");
    return this.symbols.pmb_reprogram_counter(this.words, idx);
  }

  /**
   * `kvm_pmu_recalc_pmc_emulation()` of counter `idx`.
   *
   * @throws {RangeError} when `idx` is not in [0, 63].
   */
  recalcPmcEmulation(idx: number): void {
    checkIndex(idx, 64, "recalculate a counter's emulation");
    this.symbols.pmb_recalc_pmc_emulation(this.words, idx);
  }

  /**
   * `pairs` x (`enter_guest_mode()`, `leave_guest_mode()`) in one FFI
   * call: the "nested transition" bench body. Returns the state digest.
   *
   * @throws {RangeError} when `pairs` is not a u32.
   */
  nestedTransitionBatch(pairs: number): number {
    checkCount(pairs, "pairs", "run nested transitions");
    return this.symbols.pmb_nested_transition_batch(this.words, pairs);
  }

  /**
   * `pairs` x (enter, VM-entry, leave, VM-entry) in one FFI call: the
   * "nested round trip" bench body. Returns the handled entries plus the
   * state digest.
   *
   * @throws {RangeError} when `pairs` is not a u32.
   */
  nestedRoundTripBatch(pairs: number): number {
    checkCount(pairs, "pairs", "run nested round trips");
    return this.symbols.pmb_nested_round_trip_batch(this.words, pairs);
  }

  /**
   * `rounds` x (queue `mask`, VM-entry): `kvm_pmu_handle_event()` alone.
   * Returns the state digest.
   *
   * @throws {RangeError} when `rounds` is not a u32.
   */
  handleEventBatch(mask: bigint, rounds: number): number {
    checkCount(rounds, "rounds", "handle events");
    return this.symbols.pmb_handle_event_batch(
      this.words,
      lo32(mask),
      hi32(mask),
      rounds,
    );
  }

  /**
   * `rounds` x `pmc_is_locally_enabled()` of every GP counter (the mode
   * check); returns how many checks said "enabled".
   *
   * @throws {RangeError} when `rounds` is not a u32.
   */
  modeCheckBatch(rounds: number): number {
    checkCount(rounds, "rounds", "check modes");
    return this.symbols.pmb_mode_check_batch(this.words, rounds);
  }

  /**
   * `is_gp_event_allowed()` of each event select in `eventsels` (two u32
   * halves per event, low first); returns how many the filter allows.
   *
   * @throws {RangeError} when `eventsels` has an odd length.
   */
  filterLookupBatch(eventsels: Uint32Array): number {
    if (eventsels.length % 2 !== 0) {
      throw new RangeError(
        `Cannot look events up as 'eventsels' must hold two halves per event: current length is ${eventsels.length}`,
      );
    }
    return this.symbols.pmb_filter_lookup_batch(
      this.words,
      eventsels,
      eventsels.length / 2,
    );
  }

  /**
   * `rounds` x `kvm_pmu_recalc_pmc_emulation()` of every counter; returns
   * the weight of both emulation bitmaps afterwards.
   *
   * @throws {RangeError} when `rounds` is not a u32.
   */
  recalcEmulationBatch(rounds: number): number {
    checkCount(rounds, "rounds", "recalculate emulation");
    return this.symbols.pmb_recalc_emulation_batch(this.words, rounds);
  }
}

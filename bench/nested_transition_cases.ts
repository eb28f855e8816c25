/**
 * The cost of one nested transition as the patch handles it, against the
 * alternatives (issue 4), on a vCPU with N counters of which k are tracked
 * (Host-Only set, so they sit in `reprogramPmcOnNestedTransition`).
 *
 * Groups (one question each; baseline: the early return on the default
 * strategy):
 *
 * | group | one transition is | shows |
 * | --- | --- | --- |
 * | `nested transition N=<n>` | `enterGuestMode()` or `leaveGuestMode()` alone: the handler | the early return, the OR + `KVM_REQ_PMU` (tracked), the fill (all-bits), the synchronous recompute (immediate) |
 * | `nested round trip N=<n>` | the transition plus the next VM-entry (`vcpu.entry()`, i.e. `kvm_pmu_handle_event()` when requested) | what each design pays per transition in total |
 * | `nested round trip N=<n> filter=300` | the same with an allow-list event filter of 300 events | the filter's binary search in every reprogram |
 *
 * Cases are named `<what> k=<k> <strategy> x256`, where `<what>` is
 * `early return` (the `tracked` mechanism with k = 0), `tracked`,
 * `all-bits`, `immediate` or `none` (the mechanism doing nothing: the
 * model's transition without PMU work), plus `no-op x256` (the
 * `deno bench` call overhead). Every call makes 256 transitions (128
 * enter/leave pairs; round trips add a VM-entry after each), so a figure
 * divided by 256 is per transition. The vCPU returns to L1 at the end of
 * every call; pending bits that handler-only cases leave coalesce (OR-ing
 * bits already pending is what KVM does when several transitions happen
 * before an entry), so every call does the same work.
 *
 * The N axis ({@linkcode counterSetups}):
 *
 * | N | vCPU | HO/GO | note |
 * | --- | --- | --- | --- |
 * | 0 | `synthetic` with 0 counters | no | a vCPU without counters (as with `enable_pmu=0`): every bitmap empty, the early return is all there is |
 * | 4 | AMD `legacy` (K7 MSRs, version 1) | yes | |
 * | 6 | AMD `perfmonv2` | yes | the common AMD case |
 * | 8 | `synthetic`, 8 GP counters | yes | AMD semantics on Intel's GP count: not reachable in KVM |
 * | 11 | Intel `gp8` (8 GP + 3 fixed) | no | Intel has no HO/GO: k = 0 only, the early return is all the patch ever costs there |
 * | 16, 32, 64 | `synthetic` | yes | not reachable in KVM; shows how the bitmap paths scale |
 *
 * Transitions go through `enterGuestMode` /
 * `leaveGuestMode` (what `nested_svm_vmrun()` / `nested_svm_vmexit()` call)
 * rather than `vcpu.vmrun()`, so the same path serves Intel, where the
 * model has no VMX emulation; their #UD checks are left out of every
 * figure alike.
 *
 * Which cases exist: the default strategy (the first selected, normally
 * `u32pair`) runs every N with k over 0, 1, N/2, N (all-bits and immediate
 * at k = 0 and k = N; with the filter: early return, tracked k = N,
 * all-bits and immediate at k = 0); every other strategy runs the hot
 * paths at N = 6 and N = 11, so `deno bench --filter u64view` compares
 * strategies on the real workload. All cases are primed at load (see
 * `_shared.ts`): figures include V8's polymorphic dispatch over every
 * strategy and mechanism; `PMUBENCH_STRATEGY=<name>` measures one strategy
 * alone.
 *
 * @module
 */

import type { VcpuConfig } from "../core/pmu/config.ts";
import {
  AMD64_EVENTSEL_HOSTONLY,
  ARCH_PERFMON_EVENTSEL_ENABLE,
  ARCH_PERFMON_EVENTSEL_OS,
  ARCH_PERFMON_EVENTSEL_USR,
  EFER_SVME,
  INTEL_FIXED_0_KERNEL,
  INTEL_FIXED_0_USER,
  INTEL_FIXED_BITS_STRIDE,
  MSR_CORE_PERF_FIXED_CTR_CTRL,
  MSR_EFER,
  MSR_F15H_PERF_CTL0,
  MSR_K7_EVNTSEL0,
  MSR_P6_EVNTSEL0,
} from "../core/pmu/constants.ts";
import { enterGuestMode, leaveGuestMode } from "../core/pmu/nested.ts";
import { createVcpu, type Vcpu } from "../core/pmu/vcpu.ts";
import { loadNative, NativeVcpu } from "../core/native/mod.ts";
import {
  type BenchCase,
  type BenchSuite,
  blackhole,
} from "../core/track/suite/bench_case.ts";
import {
  caseFilter,
  noopCase,
  primeCases,
  selectedStrategies,
} from "./_shared.ts";

/** Transitions per body call. */
export const TRANSITIONS_PER_CALL = 256;
/** Events in the filter of the `filter=300` groups (`KVM_PMU_EVENT_FILTER_MAX_EVENTS`). */
export const FILTER_EVENTS = 300;

/** One point of the N axis: a vCPU shape with N counters. */
export interface CounterSetup {
  /** Counters (valid bitmap indexes): GP plus fixed. */
  readonly n: number;
  /** Short model label for axes, e.g. `"amd-perfmonv2"`. */
  readonly model: string;
  /** What `createVcpu` gets (mechanism and bitmap are added per case). */
  readonly config: Readonly<Partial<VcpuConfig>>;
  /** Whether counters can carry HO/GO (AMD), i.e. whether k > 0 exists. */
  readonly hostGuest: boolean;
  /** Not reachable in KVM (more counters than any real vCPU has). */
  readonly synthetic: boolean;
}

const synthetic = (n: number): CounterSetup => ({
  n,
  model: `synthetic-${n}`,
  config: { model: "synthetic", counters: n },
  hostGuest: true,
  synthetic: true,
});

/**
 * The N axis, ascending (see the module table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterSetups } from "./nested_transition_cases.ts";
 *
 * assert.deepEqual(counterSetups.map((s) => s.n), [0, 4, 6, 8, 11, 16, 32, 64]);
 * ```
 */
export const counterSetups: readonly CounterSetup[] = Object.freeze([
  {
    n: 0,
    model: "no-counters",
    config: { model: "synthetic", counters: 0 },
    hostGuest: false,
    synthetic: false,
  },
  {
    n: 4,
    model: "amd-legacy",
    config: { model: "legacy" },
    hostGuest: true,
    synthetic: false,
  },
  {
    n: 6,
    model: "amd-perfmonv2",
    config: { model: "perfmonv2" },
    hostGuest: true,
    synthetic: false,
  },
  synthetic(8),
  {
    n: 11,
    model: "intel-gp8",
    config: { vendor: "intel", model: "gp8" },
    hostGuest: false,
    synthetic: false,
  },
  synthetic(16),
  synthetic(32),
  synthetic(64),
]);

/** What one transition includes. */
export type Scope = "handler" | "round trip";

/** Everything that defines one case. */
export interface NestedCaseSpec {
  /** Handler only, or handler plus the next VM-entry. */
  readonly scope: Scope;
  /** The vCPU shape (N). */
  readonly setup: CounterSetup;
  /** Mechanism name (`tracked`, `all-bits`, `immediate`, `none`). */
  readonly mechanism: string;
  /** Counters with Host-Only set (tracked), the lowest k GP counters. */
  readonly k: number;
  /** Bitmap strategy name. */
  readonly strategy: string;
  /** Whether a 300-event allow-list filter is installed. */
  readonly filter: boolean;
  /** Whether the case is its group's baseline (the default strategy's early return). */
  readonly baseline: boolean;
}

/**
 * The group of a case: `nested transition N=<n>`,
 * `nested round trip N=<n>` or `nested round trip N=<n> filter=300`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nestedGroupName } from "./nested_transition_cases.ts";
 *
 * assert.equal(nestedGroupName("round trip", 6, true), "nested round trip N=6 filter=300");
 * ```
 */
export function nestedGroupName(
  scope: Scope,
  n: number,
  filter: boolean,
): string {
  const what = scope === "handler" ? "transition" : "round trip";
  return `nested ${what} N=${n}${filter ? ` filter=${FILTER_EVENTS}` : ""}`;
}

/**
 * The name of a case: `<what> k=<k> <strategy> x256`, `<what>` being
 * `early return` for `tracked` with k = 0, else the mechanism.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterSetups, nestedCaseName } from "./nested_transition_cases.ts";
 *
 * const spec = { scope: "handler", setup: counterSetups[1], mechanism: "tracked", k: 3, strategy: "u32pair", filter: false, baseline: false } as const;
 * assert.equal(nestedCaseName(spec), "tracked k=3 u32pair x256");
 * assert.equal(nestedCaseName({ ...spec, k: 0 }), "early return k=0 u32pair x256");
 * ```
 */
export function nestedCaseName(spec: NestedCaseSpec): string {
  const what = spec.mechanism === "tracked" && spec.k === 0
    ? "early return"
    : spec.mechanism;
  return `${what} k=${spec.k} ${spec.strategy} x${TRANSITIONS_PER_CALL}`;
}

/** The k axis of a setup: 0, 1, N/2, N (distinct; only 0 without HO/GO). */
function kValues(setup: CounterSetup): number[] {
  if (!setup.hostGuest) return [0];
  return [...new Set([0, 1, Math.floor(setup.n / 2), setup.n])];
}

/** N values at which every strategy (not only the default) runs. */
export const STRATEGY_SWEEP_N: readonly number[] = Object.freeze([6, 11]);

/**
 * Every case spec, grouped and in registration order, for the given
 * strategies (the first is the default, swept over every N; the others
 * run at {@linkcode STRATEGY_SWEEP_N}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nestedCaseSpecs } from "./nested_transition_cases.ts";
 *
 * const specs = nestedCaseSpecs(["u32pair", "u64"]);
 * assert(specs.some((s) => s.strategy === "u64" && s.setup.n === 6));
 * assert(!specs.some((s) => s.strategy === "u64" && s.setup.n === 64));
 * ```
 */
export function nestedCaseSpecs(
  strategyNames: readonly string[],
): NestedCaseSpec[] {
  const specs: NestedCaseSpec[] = [];
  type Pick = [mechanism: string, k: number];
  for (const setup of counterSetups) {
    const ks = kValues(setup);
    const kMax = ks[ks.length - 1];
    const early: Pick = ["tracked", 0];
    const tracked: Pick[] = ks.filter((k) => k > 0).map((k) => ["tracked", k]);
    const trackedHalf = tracked.slice(1, 2); // k = N/2
    const trackedAll: Pick[] = kMax > 0 ? [["tracked", kMax]] : [];
    const full: Pick[] = [["all-bits", 0], ["immediate", 0]];
    const fullAll: Pick[] = kMax > 0
      ? [["all-bits", kMax], ["immediate", kMax]]
      : [];
    const none: Pick = ["none", 0];
    const groups: [Scope, boolean, (isDefault: boolean) => Pick[]][] = [
      // Handler only: the early return against the OR and the alternatives.
      [
        "handler",
        false,
        (isDefault) =>
          isDefault
            ? [none, early, ...tracked, ...full]
            : [early, ...trackedHalf],
      ],
      // Round trip: what each design pays per transition in total.
      [
        "round trip",
        false,
        (isDefault) =>
          isDefault
            ? [none, early, ...tracked, ...full, ...fullAll]
            : [early, ...tracked, ...full],
      ],
      // With the filter: its lookup in every reprogram.
      [
        "round trip",
        true,
        (isDefault) =>
          isDefault
            ? [early, ...trackedAll, ...full]
            : [early, ...trackedAll, ["all-bits", 0]],
      ],
    ];
    for (const [scope, filter, picks] of groups) {
      strategyNames.forEach((strategy, index) => {
        const isDefault = index === 0;
        if (!isDefault && !STRATEGY_SWEEP_N.includes(setup.n)) return;
        for (const [mechanism, k] of picks(isDefault)) {
          specs.push({
            scope,
            setup,
            mechanism,
            k,
            strategy,
            filter,
            baseline: isDefault && mechanism === "tracked" && k === 0,
          });
        }
      });
    }
  }
  return specs;
}

const EVENTS: readonly bigint[] = [0x76n, 0xc0n, 0xc2n, 0xc4n, 0x3cn, 0x2en];
const COUNTING = ARCH_PERFMON_EVENTSEL_ENABLE | ARCH_PERFMON_EVENTSEL_USR |
  ARCH_PERFMON_EVENTSEL_OS;

/**
 * The 300 events of the filter: every event the cases program (so counters
 * keep counting under the allow list) plus unit-mask variants nobody
 * programs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filterEvents } from "./nested_transition_cases.ts";
 *
 * assert.equal(new Set(filterEvents()).size, 300);
 * ```
 */
export function filterEvents(): bigint[] {
  const events = new Set<bigint>(EVENTS);
  for (let e = 0x100; events.size < FILTER_EVENTS; e++) events.add(BigInt(e));
  return [...events];
}

function eventselMsr(vcpu: Vcpu, i: number): number {
  const pmu = vcpu.pmu;
  if (!pmu.isAmd) return MSR_P6_EVNTSEL0 + i;
  return pmu.perfCtrCore ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_K7_EVNTSEL0 + i;
}

function wrmsrOrThrow(vcpu: Vcpu, msr: number, value: bigint): void {
  const r = vcpu.wrmsr(msr, value);
  if (!r.ok) {
    throw new RangeError(
      `Cannot set up nested bench vCPU as WRMSR 0x${
        msr.toString(16)
      } faulted: value is 0x${value.toString(16)}`,
    );
  }
}

/**
 * A vCPU for `spec`, in L1 with nothing pending: EFER.SVME set (AMD), the
 * filter installed if asked, every GP counter counting (the lowest k with
 * Host-Only set), every fixed counter counting, then one VM-entry.
 *
 * @throws {RangeError} when k is not an integer in [0, GP counters], k > 0
 * on a vCPU without HO/GO, or the config is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterSetups, setUpVcpu } from "./nested_transition_cases.ts";
 *
 * const vcpu = setUpVcpu({ scope: "round trip", setup: counterSetups[1], mechanism: "tracked", k: 2, strategy: "u64", filter: false, baseline: false });
 * assert.equal(vcpu.pmu.reprogramPmcOnNestedTransition.toBigInt(), 0b11n);
 * ```
 */
export function setUpVcpu(spec: NestedCaseSpec): Vcpu {
  const vcpu = createVcpu({
    ...spec.setup.config,
    mechanism: spec.mechanism,
    bitmap: spec.strategy,
  });
  const pmu = vcpu.pmu;
  const nGp = pmu.nrArchGpCounters;
  if (
    !Number.isInteger(spec.k) || spec.k < 0 || spec.k > nGp ||
    (spec.k > 0 && !spec.setup.hostGuest)
  ) {
    throw new RangeError(
      `Cannot set up nested bench vCPU as 'k' must be an integer in [0, ${
        spec.setup.hostGuest ? nGp : 0
      }] for ${spec.setup.model}: current value is ${spec.k}`,
    );
  }
  // EFER.SVME: without it HO/GO are ignored (v4) and transitions change nothing.
  if (pmu.isAmd) wrmsrOrThrow(vcpu, MSR_EFER, BigInt(EFER_SVME));
  if (spec.filter) {
    vcpu.setEventFilter("allow", filterEvents(), {
      fixedCounterBitmap: (1 << pmu.nrArchFixedCounters) - 1,
    });
  }
  for (let i = 0; i < nGp; i++) {
    const hostOnly = i < spec.k ? AMD64_EVENTSEL_HOSTONLY : 0n;
    wrmsrOrThrow(
      vcpu,
      eventselMsr(vcpu, i),
      EVENTS[i % EVENTS.length] | COUNTING | hostOnly,
    );
  }
  let fixed = 0;
  for (let i = 0; i < pmu.nrArchFixedCounters; i++) {
    fixed |= (INTEL_FIXED_0_KERNEL | INTEL_FIXED_0_USER) <<
      (i * INTEL_FIXED_BITS_STRIDE);
  }
  if (fixed !== 0) {
    wrmsrOrThrow(vcpu, MSR_CORE_PERF_FIXED_CTR_CTRL, BigInt(fixed));
  }
  vcpu.entry();
  return vcpu;
}

/** A case with the vCPU it drives (tests inspect the vCPU). */
export interface BuiltNestedCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** The vCPU its body drives. */
  readonly vcpu: Vcpu;
}

/** Something of the state every body touches, so the sink depends on it. */
function stateDigest(vcpu: Vcpu): number {
  const pmu = vcpu.pmu;
  // EFER keeps the digest non-zero on a vCPU without counters (N = 0).
  return vcpu.requests ^ (pmu.eventselHwLo[0] ?? 0) ^ pmu.fixedCtrCtrlHw ^
    vcpu.efer;
}

const PAIRS = TRANSITIONS_PER_CALL / 2;

// The transitions through module constants, as a C caller calls a known
// function: V8 re-reads an imported binding on every call (its cell and a
// hole check), but folds a module constant (early return 20.8 -> 13.8
// instructions per transition).
const enter = enterGuestMode;
const leave = leaveGuestMode;

/**
 * Build the case for `spec` on a fresh vCPU ({@linkcode setUpVcpu}).
 *
 * @throws {RangeError} as {@linkcode setUpVcpu}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNestedCase, counterSetups } from "./nested_transition_cases.ts";
 *
 * const { benchCase, vcpu } = buildNestedCase({ scope: "handler", setup: counterSetups[1], mechanism: "tracked", k: 0, strategy: "u32pair", filter: false, baseline: true });
 * benchCase.body();
 * assert.equal(vcpu.pmu.reprogramPmi.isEmpty(), true); // the early return touched nothing
 * ```
 */
export function buildNestedCase(spec: NestedCaseSpec): BuiltNestedCase {
  const vcpu = setUpVcpu(spec);
  const body = spec.scope === "handler"
    ? () => {
      for (let j = 0; j < PAIRS; j++) {
        enter(vcpu);
        leave(vcpu);
      }
      blackhole(stateDigest(vcpu));
    }
    : () => {
      // Count the entries that ran kvm_pmu_handle_event().
      let handled = 0;
      for (let j = 0; j < PAIRS; j++) {
        enter(vcpu);
        if (vcpu.entry()) handled++;
        leave(vcpu);
        if (vcpu.entry()) handled++;
      }
      blackhole(handled + stateDigest(vcpu));
    };
  const benchCase: BenchCase = {
    group: nestedGroupName(spec.scope, spec.setup.n, spec.filter),
    name: nestedCaseName(spec),
    baseline: spec.baseline,
    opsPerCall: TRANSITIONS_PER_CALL,
    axes: specAxes(spec, { strategy: spec.strategy }),
    body,
  };
  return { benchCase, vcpu };
}

// The axes of a model case (with its strategy) or of its native
// reference (with `reference`), in the order reports list them.
function specAxes(
  spec: NestedCaseSpec,
  which: { strategy: string } | { reference: "native" },
): Record<string, string | number | boolean> {
  return {
    scope: spec.scope,
    N: spec.setup.n,
    k: spec.k,
    mechanism: spec.mechanism,
    ...("strategy" in which ? { strategy: which.strategy } : {}),
    filter: spec.filter ? FILTER_EVENTS : 0,
    model: spec.setup.model,
    synthetic: spec.setup.synthetic,
    ...("reference" in which ? { reference: which.reference } : {}),
  };
}

/** The native reference of this process, or why there is none. */
const nativeStatus = await loadNative();

/**
 * Why this process has no `native ...` nested cases (no C compiler, the
 * build failed, no `--allow-ffi`, ...), or `undefined` when it has them.
 * The bench file prints it in one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeUnavailableReason, suite } from "./nested_transition_cases.ts";
 *
 * const natives = suite.cases.filter((c) => c.axes.reference === "native");
 * assert.equal(natives.length > 0, nativeUnavailableReason === undefined);
 * ```
 */
export const nativeUnavailableReason: string | undefined =
  nativeStatus.available ? undefined : nativeStatus.reason;

/**
 * The name of a case's native reference: `native <what> k=<k> x256`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { counterSetups, nativeNestedCaseName } from "./nested_transition_cases.ts";
 *
 * const spec = { scope: "round trip", setup: counterSetups[1], mechanism: "tracked", k: 0, strategy: "u32pair", filter: false, baseline: true } as const;
 * assert.equal(nativeNestedCaseName(spec), "native early return k=0 x256");
 * ```
 */
export function nativeNestedCaseName(spec: NestedCaseSpec): string {
  const what = spec.mechanism === "tracked" && spec.k === 0
    ? "early return"
    : spec.mechanism;
  return `native ${what} k=${spec.k} x${TRANSITIONS_PER_CALL}`;
}

/** A native nested case with the vCPU it runs on. */
export interface BuiltNativeNestedCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** The C vCPU its body runs (the model vCPU of `spec`, copied). */
  readonly native: NativeVcpu;
}

/**
 * The native reference of `spec`: the model vCPU {@linkcode setUpVcpu}
 * builds, copied into C, and the same body (pairs of transitions, with a
 * VM-entry after each in round trips) as one FFI call per body, the loop
 * in C. Axis `reference: "native"`, no strategy; `undefined` when this
 * process has no native reference ({@linkcode nativeUnavailableReason}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNativeNestedCase, counterSetups } from "./nested_transition_cases.ts";
 *
 * const built = buildNativeNestedCase({ scope: "round trip", setup: counterSetups[1], mechanism: "tracked", k: 2, strategy: "u32pair", filter: false, baseline: false });
 * if (built !== undefined) {
 *   assert.equal(built.benchCase.name, "native tracked k=2 x256");
 *   built.benchCase.body();
 *   assert.equal(built.native.state().reprogramPmi, 0n); // every entry handled it
 * }
 * ```
 */
export function buildNativeNestedCase(
  spec: NestedCaseSpec,
): BuiltNativeNestedCase | undefined {
  if (!nativeStatus.available) return undefined;
  const native = NativeVcpu.fromModel(nativeStatus.native, setUpVcpu(spec));
  const body = spec.scope === "handler"
    ? () => blackhole(native.nestedTransitionBatch(PAIRS))
    : () => blackhole(native.nestedRoundTripBatch(PAIRS));
  const benchCase: BenchCase = {
    group: nestedGroupName(spec.scope, spec.setup.n, spec.filter),
    name: nativeNestedCaseName(spec),
    opsPerCall: TRANSITIONS_PER_CALL,
    axes: specAxes(spec, { reference: "native" }),
    body,
  };
  return { benchCase, native };
}

function buildSuite(): BenchSuite {
  const names = selectedStrategies().map((s) => s.name);
  const keep = caseFilter();
  const cases: BenchCase[] = [];
  let group = "";
  for (const spec of nestedCaseSpecs(names)) {
    const g = nestedGroupName(spec.scope, spec.setup.n, spec.filter);
    if (g !== group) {
      group = g;
      const noop = noopCase(g, TRANSITIONS_PER_CALL, {
        scope: spec.scope,
        N: spec.setup.n,
        filter: spec.filter ? FILTER_EVENTS : 0,
        model: spec.setup.model,
      });
      if (keep(g, noop.name)) cases.push(noop);
    }
    // Filter before building: a vCPU that is never built never runs the model.
    if (keep(g, nestedCaseName(spec))) {
      cases.push(buildNestedCase(spec).benchCase);
    }
    // One native reference per (mechanism, k): with the first strategy.
    if (spec.strategy === names[0] && keep(g, nativeNestedCaseName(spec))) {
      const native = buildNativeNestedCase(spec);
      if (native !== undefined) cases.push(native.benchCase);
    }
  }
  return { file: "nested_transition_bench.ts", cases: primeCases(cases) };
}

/**
 * The suite `nested_transition_bench.ts` registers (primed at load).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { suite } from "./nested_transition_cases.ts";
 *
 * assert(suite.cases.some((c) => c.group === "nested round trip N=11" && c.name === "all-bits k=0 u32pair x256"));
 * ```
 */
export const suite: BenchSuite = buildSuite();

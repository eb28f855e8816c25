/**
 * Whole scenarios replayed from seeded traces (issue 4), reported per
 * nested transition.
 *
 * | group | trace (`generateTrace`, seed {@linkcode TRACE_SEED}, AMD `perfmonv2`) |
 * | --- | --- |
 * | `workload host-only` | L1 runs perf with Host-Only counters (3 of 6) while L2 exits at a high rate: VMRUN, entry, #VMEXIT, entry, 8 exits per burst, L1 reading and re-arming a counter between bursts |
 * | `workload guest-only` | the same loop with Guest-Only counters (L1 profiling L2) |
 * | `workload filter-mix` | counters with HO, GO, both and neither, a 300-event filter installed at the start and replaced every 4 bursts |
 *
 * Each trace is cut right after the VM-entry that follows its
 * {@linkcode TRACE_TRANSITIONS}th transition (VMRUN or #VMEXIT), so it ends
 * in L1 with nothing pending, then printed as JSON Lines and parsed back
 * once, outside the bodies. A body replays the whole trace on one vCPU, so
 * a figure divided by 512 is the cost per transition of the whole
 * scenario, L1's MSR work included. Replaying the trace again leaves the
 * vCPU where the previous replay did (the trace re-programs every counter
 * and, for filter-mix, re-installs its filter): every call does the same
 * work after the first, which priming at load makes.
 *
 * Cases, named `<mechanism> <strategy> x512`: every mechanism on the
 * default strategy (baseline: `tracked`), `tracked` on every other
 * strategy, `no-op x512`, and `<mechanism> <strategy> replayOps x512`,
 * the same trace through `replayOps()` / `applyTraceOp()`, which build an
 * output record (`entryState()`, hex strings) at every entry: what
 * `pmubench replay` pays, mostly formatting. The other cases replay with
 * the vCPU's own methods (`wrmsrHalves` with pre-split values, `vmrun`,
 * `vmexit`, `entry`, `setEventFilter`, `reset`) and no records.
 *
 * @module
 */

import type { VcpuConfig } from "../core/pmu/config.ts";
import { u64Hi, u64Lo } from "../core/pmu/eventsel.ts";
import type { FilterAction } from "../core/pmu/filter.ts";
import {
  formatTrace,
  parseTrace,
  replayOps,
  type TraceOp,
} from "../core/pmu/trace.ts";
import { generateTrace, type Workload } from "../core/pmu/trace_gen.ts";
import { createVcpu, type Vcpu } from "../core/pmu/vcpu.ts";
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

/** The workloads the suite replays, one group each. */
export const benchWorkloads: readonly Workload[] = Object.freeze([
  "host-only",
  "guest-only",
  "filter-mix",
]);
/** Transitions (VMRUN + #VMEXIT ops) per trace, i.e. per body call. */
export const TRACE_TRANSITIONS = 512;
/** Seed of every trace. */
export const TRACE_SEED = 1;
/** L2 exits per L1 perf burst. */
export const EXITS_PER_BURST = 8;
/** Events per filter in `filter-mix` (`KVM_PMU_EVENT_FILTER_MAX_EVENTS`). */
export const WORKLOAD_FILTER_EVENTS = 300;
/** Mechanisms run on the default strategy. */
const MECHANISMS: readonly string[] = [
  "tracked",
  "all-bits",
  "immediate",
  "none",
];

/** A parsed workload trace. */
export interface WorkloadTrace {
  /** Its workload. */
  readonly workload: Workload;
  /** The config line of the trace (mechanism and bitmap are set per case). */
  readonly config: Readonly<Partial<VcpuConfig>>;
  /** The ops, as parsed from the trace text. */
  readonly ops: readonly TraceOp[];
  /** VMRUN and #VMEXIT ops among them: {@linkcode TRACE_TRANSITIONS}. */
  readonly transitions: number;
}

/**
 * The trace of `workload`: generated, cut after the entry following the
 * 512th transition, printed with `formatTrace` and parsed back with
 * `parseTrace`.
 *
 * @throws {RangeError} when the generated trace holds fewer transitions
 * than needed or does not end its last transition with an entry.
 * @throws {SyntaxError} when the printed trace does not parse back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadTrace } from "./workload_cases.ts";
 *
 * const t = workloadTrace("guest-only");
 * assert.equal(t.transitions, 512);
 * assert.equal(t.ops.at(-1)?.op, "entry");
 * ```
 */
export function workloadTrace(workload: Workload): WorkloadTrace {
  // Enough ops for the transitions: 4 ops per exit plus L1's work per burst.
  const length = TRACE_TRANSITIONS * 4;
  const generated = generateTrace({
    seed: TRACE_SEED,
    length,
    workload,
    config: { model: "perfmonv2" },
    exitsPerBurst: EXITS_PER_BURST,
    ...(workload === "filter-mix"
      ? { filterEvents: WORKLOAD_FILTER_EVENTS }
      : {}),
  });
  let transitions = 0;
  let end = -1;
  for (let i = 0; i < generated.ops.length && end < 0; i++) {
    const op = generated.ops[i].op;
    if (op === "vmrun" || op === "vmexit") transitions++;
    if (transitions === TRACE_TRANSITIONS) {
      if (generated.ops[i + 1]?.op !== "entry") {
        throw new RangeError(
          `Cannot cut ${workload} trace as transition ${transitions} (op ${
            i + 1
          }) is not followed by an entry: next op is ${
            JSON.stringify(generated.ops[i + 1]?.op)
          }`,
        );
      }
      end = i + 2;
    }
  }
  if (end < 0) {
    throw new RangeError(
      `Cannot cut ${workload} trace as its ${length} ops hold ${transitions} transitions: need ${TRACE_TRANSITIONS}`,
    );
  }
  const { mechanism: _m, bitmap: _b, ...config } = generated.config;
  const parsed = parseTrace(formatTrace(config, generated.ops.slice(0, end)));
  if (parsed.error !== null) {
    throw new SyntaxError(
      `Cannot parse the ${workload} trace back: line ${parsed.error.line}: ${parsed.error.message}`,
    );
  }
  return {
    workload,
    config: parsed.config ?? config,
    ops: parsed.ops,
    transitions,
  };
}

const WRMSR = 0;
const RDMSR = 1;
const VMRUN = 2;
const VMEXIT = 3;
const ENTRY = 4;
const FILTER = 5;
const RESET = 6;

interface FilterArgs {
  action: FilterAction;
  events: bigint[];
  options: { fixedCounterBitmap?: number };
}

/** A trace as flat arrays, so replay neither allocates nor splits bigints. */
interface CompiledTrace {
  kinds: Uint8Array;
  msrs: Uint32Array;
  lo: Uint32Array;
  hi: Uint32Array;
  filters: (FilterArgs | null)[];
}

function compile(ops: readonly TraceOp[]): CompiledTrace {
  const n = ops.length;
  const t: CompiledTrace = {
    kinds: new Uint8Array(n),
    msrs: new Uint32Array(n),
    lo: new Uint32Array(n),
    hi: new Uint32Array(n),
    filters: new Array(n).fill(null),
  };
  ops.forEach((op, i) => {
    switch (op.op) {
      case "wrmsr":
        t.kinds[i] = WRMSR;
        t.msrs[i] = op.msr;
        t.lo[i] = u64Lo(op.value);
        t.hi[i] = u64Hi(op.value);
        break;
      case "rdmsr":
        t.kinds[i] = RDMSR;
        t.msrs[i] = op.msr;
        break;
      case "vmrun":
        t.kinds[i] = VMRUN;
        break;
      case "vmexit":
        t.kinds[i] = VMEXIT;
        break;
      case "entry":
        t.kinds[i] = ENTRY;
        break;
      case "filter":
        t.kinds[i] = FILTER;
        t.filters[i] = {
          action: op.action,
          events: op.events,
          options: op.fixedCounterBitmap === undefined
            ? {}
            : { fixedCounterBitmap: op.fixedCounterBitmap },
        };
        break;
      case "reset":
        t.kinds[i] = RESET;
        break;
    }
  });
  return t;
}

/**
 * Replay `trace` on `vcpu` once through the vCPU's methods, without output
 * records; returns the number of ops that succeeded (WRMSR, RDMSR,
 * VMRUN, #VMEXIT without a fault) plus the entries that handled a request.
 * This is what a workload body does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayLean, workloadTrace } from "./workload_cases.ts";
 * import { createVcpu } from "../core/pmu/vcpu.ts";
 *
 * const t = workloadTrace("host-only");
 * const vcpu = createVcpu(t.config);
 * assert(replayLean(vcpu, t) > 512);
 * assert.equal(vcpu.isGuestMode, false);
 * ```
 */
export function replayLean(vcpu: Vcpu, trace: WorkloadTrace): number {
  return makeReplay(vcpu, compile(trace.ops))();
}

function makeReplay(vcpu: Vcpu, t: CompiledTrace): () => number {
  const { kinds, msrs, lo, hi, filters } = t;
  const n = kinds.length;
  return () => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      switch (kinds[i]) {
        case WRMSR:
          if (vcpu.wrmsrHalves(msrs[i], lo[i], hi[i]).ok) acc++;
          break;
        case RDMSR:
          if (vcpu.rdmsr(msrs[i]).ok) acc++;
          break;
        case VMRUN:
          if (vcpu.vmrun().ok) acc++;
          break;
        case VMEXIT:
          if (vcpu.vmexit().ok) acc++;
          break;
        case ENTRY:
          if (vcpu.entry()) acc++;
          break;
        case FILTER: {
          const f = filters[i]!;
          vcpu.setEventFilter(f.action, f.events, f.options);
          break;
        }
        case RESET:
          vcpu.reset();
          break;
      }
    }
    return acc;
  };
}

/** How a case replays its trace. */
export type ReplayKind = "lean" | "replayOps";

/** Everything that defines one workload case. */
export interface WorkloadCaseSpec {
  /** The trace. */
  readonly trace: WorkloadTrace;
  /** Mechanism name. */
  readonly mechanism: string;
  /** Bitmap strategy name. */
  readonly strategy: string;
  /** Through the vCPU's methods, or through `replayOps()` with records. */
  readonly replay: ReplayKind;
  /** Whether the case is its group's baseline. */
  readonly baseline: boolean;
}

/** A case with the vCPU it drives (tests inspect it). */
export interface BuiltWorkloadCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** The vCPU its body replays on. */
  readonly vcpu: Vcpu;
}

/**
 * The group of a workload: `workload <name>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadGroupName } from "./workload_cases.ts";
 *
 * assert.equal(workloadGroupName("host-only"), "workload host-only");
 * ```
 */
export function workloadGroupName(workload: Workload): string {
  return `workload ${workload}`;
}

/**
 * The name of a case: `<mechanism> <strategy>[ replayOps] x<transitions>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadCaseName, workloadTrace } from "./workload_cases.ts";
 *
 * const trace = workloadTrace("host-only");
 * assert.equal(
 *   workloadCaseName({ trace, mechanism: "tracked", strategy: "bool", replay: "replayOps", baseline: false }),
 *   "tracked bool replayOps x512",
 * );
 * ```
 */
export function workloadCaseName(spec: WorkloadCaseSpec): string {
  const via = spec.replay === "lean" ? "" : " replayOps";
  return `${spec.mechanism} ${spec.strategy}${via} x${spec.trace.transitions}`;
}

/**
 * Build the case for `spec` on a fresh vCPU of the trace's config.
 *
 * @throws {TypeError | RangeError} when the mechanism or strategy name is
 * unknown (as `createVcpu`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildWorkloadCase, workloadTrace } from "./workload_cases.ts";
 *
 * const trace = workloadTrace("filter-mix");
 * const { benchCase } = buildWorkloadCase({ trace, mechanism: "all-bits", strategy: "u64", replay: "lean", baseline: false });
 * assert.equal(benchCase.name, "all-bits u64 x512");
 * assert.equal(benchCase.group, "workload filter-mix");
 * ```
 */
export function buildWorkloadCase(spec: WorkloadCaseSpec): BuiltWorkloadCase {
  const { trace } = spec;
  const vcpu = createVcpu({
    ...trace.config,
    mechanism: spec.mechanism,
    bitmap: spec.strategy,
  });
  let body: () => void;
  if (spec.replay === "lean") {
    const replay = makeReplay(vcpu, compile(trace.ops));
    body = () => blackhole(replay() + vcpu.requests);
  } else {
    const ops = trace.ops;
    body = () => blackhole(replayOps(vcpu, ops).length);
  }
  const benchCase: BenchCase = {
    group: workloadGroupName(trace.workload),
    name: workloadCaseName(spec),
    baseline: spec.baseline,
    opsPerCall: trace.transitions,
    axes: {
      workload: trace.workload,
      mechanism: spec.mechanism,
      strategy: spec.strategy,
      replay: spec.replay,
      ops: trace.ops.length,
    },
    body,
  };
  return { benchCase, vcpu };
}

/**
 * Every case spec, grouped by workload, for the given strategies (the
 * first is the default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadCaseSpecs } from "./workload_cases.ts";
 *
 * const specs = workloadCaseSpecs(["u32pair", "bool"]);
 * assert.equal(specs.filter((s) => s.baseline).length, 3);
 * ```
 */
export function workloadCaseSpecs(
  strategyNames: readonly string[],
): WorkloadCaseSpec[] {
  const specs: WorkloadCaseSpec[] = [];
  const [first, ...others] = strategyNames;
  for (const workload of benchWorkloads) {
    const trace = workloadTrace(workload);
    for (const mechanism of MECHANISMS) {
      specs.push({
        trace,
        mechanism,
        strategy: first,
        replay: "lean",
        baseline: mechanism === "tracked",
      });
    }
    for (const strategy of others) {
      specs.push({
        trace,
        mechanism: "tracked",
        strategy,
        replay: "lean",
        baseline: false,
      });
    }
    specs.push({
      trace,
      mechanism: "tracked",
      strategy: first,
      replay: "replayOps",
      baseline: false,
    });
  }
  return specs;
}

function buildSuite(): BenchSuite {
  const keep = caseFilter();
  const cases: BenchCase[] = [];
  let group = "";
  const names = selectedStrategies().map((s) => s.name);
  for (const spec of workloadCaseSpecs(names)) {
    const g = workloadGroupName(spec.trace.workload);
    if (g !== group) {
      group = g;
      const noop = noopCase(g, spec.trace.transitions, {
        workload: spec.trace.workload,
      });
      if (keep(g, noop.name)) cases.push(noop);
    }
    // Filter before building: a vCPU that is never built never runs the model.
    if (keep(g, workloadCaseName(spec))) {
      cases.push(buildWorkloadCase(spec).benchCase);
    }
  }
  return { file: "workload_bench.ts", cases: primeCases(cases) };
}

/**
 * The suite `workload_bench.ts` registers (primed at load).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { suite } from "./workload_cases.ts";
 *
 * assert(suite.cases.some((c) => c.group === "workload host-only" && c.baseline));
 * ```
 */
export const suite: BenchSuite = buildSuite();

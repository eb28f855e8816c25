/**
 * Seeded trace generator: the same options and seed always give the same
 * trace, for property tests and for benches that need realistic
 * workloads.
 *
 * | workload | what the guest does |
 * | --- | --- |
 * | `random` | any op, valid or not (faults included, filter entries KVM drops too), for property tests |
 * | `host-only` | L1 runs perf with Host-Only counters while L2 exits at a high rate (VMRUN, entry, #VMEXIT, entry, ...), L1 reading and re-arming its counters between bursts |
 * | `guest-only` | L1 profiles L2 with Guest-Only counters across the same exit loop |
 * | `filter-mix` | counters with HO, GO, both and neither, an event filter installed and replaced periodically, plus the exit loop |
 *
 * The nested workloads need an AMD vCPU with guest SVM; `random` works for
 * every config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTrace } from "./trace_gen.ts";
 * import { createVcpu } from "./vcpu.ts";
 * import { replayOps } from "./trace.ts";
 *
 * const t = generateTrace({ seed: 7, length: 200, workload: "host-only" });
 * assert.equal(t.ops.length, 200);
 * const records = replayOps(createVcpu(t.config), t.ops);
 * assert.ok(records.every((r) => !("fault" in r))); // a clean workload
 * ```
 *
 * @module
 */

import { createRng } from "../common/prng.ts";
import { pmuModelOf, validateVcpuConfig, type VcpuConfig } from "./config.ts";
import {
  EFER_LMA,
  EFER_LME,
  EFER_NX,
  EFER_SCE,
  EFER_SVME,
  MSR_AMD64_PERF_CNTR_GLOBAL_CTL,
  MSR_AMD64_PERF_CNTR_GLOBAL_STATUS,
  MSR_CORE_PERF_FIXED_CTR0,
  MSR_CORE_PERF_FIXED_CTR_CTRL,
  MSR_CORE_PERF_GLOBAL_CTRL,
  MSR_CORE_PERF_GLOBAL_STATUS,
  MSR_EFER,
  MSR_F15H_PERF_CTL0,
  MSR_IA32_PERFCTR0,
  MSR_K7_EVNTSEL0,
  MSR_K7_PERFCTR0,
  MSR_P6_EVNTSEL0,
} from "./constants.ts";
import type { TraceOp } from "./trace.ts";

/** A workload name; see the module table. */
export type Workload = "random" | "host-only" | "guest-only" | "filter-mix";

/** Every workload name. */
export const workloadNames: readonly Workload[] = Object.freeze([
  "random",
  "host-only",
  "guest-only",
  "filter-mix",
]);

/** Options of {@linkcode generateTrace}. */
export interface GenerateTraceOptions {
  /** PRNG seed (any 32-bit integer). @default {1} */
  seed?: number;
  /** Number of ops. @default {1000} */
  length?: number;
  /** What the guest does. @default {"random"} */
  workload?: Workload;
  /**
   * vCPU config of the trace (validated; defaults as `createVcpu`). The
   * nested workloads need vendor `amd`, `mediated` and `guestSvm`.
   * @default {{}}
   */
  config?: Partial<VcpuConfig>;
  /**
   * Nested workloads: how many GP counters carry HO/GO bits (the rest count
   * plainly or stay off). Clamped to the counter count.
   * @default {half the GP counters, rounded up}
   */
  hostGuestCounters?: number;
  /** Nested workloads: L2 exits (VMRUN/#VMEXIT pairs) per L1 perf burst. @default {8} */
  exitsPerBurst?: number;
  /** `filter-mix`: events in each installed filter (at most 300). @default {32} */
  filterEvents?: number;
}

/** What {@linkcode generateTrace} returns. */
export interface GeneratedTrace {
  /** The validated config to build the vCPU with. */
  config: VcpuConfig;
  /** The ops, `length` of them. */
  ops: TraceOp[];
}

/** Events the generator programs: AMD/Intel cycles, instructions, branches, and an AMD 12-bit event. */
const EVENTS: readonly bigint[] = [
  0x76n,
  0xc0n,
  0xc2n,
  0xc4n,
  0x3cn,
  0x1_0000_0040n,
  0x2en,
];
const EN = 1n << 22n;
const USR_OS = 3n << 16n;
const GO = 1n << 40n;
const HO = 1n << 41n;
const EFER_LONG_MODE = BigInt(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);

/**
 * Generate a trace. Deterministic in `options`.
 *
 * @throws {RangeError} when `length` is not a non-negative integer, the
 * workload is unknown, a nested workload is asked of a vCPU without AMD
 * guest SVM on a mediated PMU, or `filterEvents` is outside [0, 300].
 * @throws {TypeError | RangeError} when `config` is invalid (as
 * `validateVcpuConfig`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTrace } from "./trace_gen.ts";
 *
 * const a = generateTrace({ seed: 3, length: 50 });
 * const b = generateTrace({ seed: 3, length: 50 });
 * assert.deepEqual(a, b);
 * ```
 */
export function generateTrace(
  options: GenerateTraceOptions = {},
): GeneratedTrace {
  const config = validateVcpuConfig(options.config ?? {});
  const length = options.length ?? 1000;
  if (!Number.isInteger(length) || length < 0) {
    throw new RangeError(
      `Cannot generate trace as 'length' must be a non-negative integer: current value is ${length}`,
    );
  }
  const workload = options.workload ?? "random";
  if (!workloadNames.includes(workload)) {
    throw new RangeError(
      `Cannot generate trace as 'workload' must be one of ${
        workloadNames.map((w) => `"${w}"`).join(", ")
      }: current value is ${JSON.stringify(workload)}`,
    );
  }
  const filterEvents = options.filterEvents ?? 32;
  if (
    !Number.isInteger(filterEvents) || filterEvents < 0 || filterEvents > 300
  ) {
    throw new RangeError(
      `Cannot generate trace as 'filterEvents' must be an integer in [0, 300]: current value is ${filterEvents}`,
    );
  }
  const rand = createRng(options.seed ?? 1);
  const g = new Gen(config, rand);
  if (workload === "random") g.random(length);
  else {
    if (config.vendor !== "amd" || !config.guestSvm || !config.mediated) {
      throw new RangeError(
        `Cannot generate trace as workload "${workload}" needs vendor "amd" with guestSvm and mediated: current config is ${
          JSON.stringify(config)
        }`,
      );
    }
    const n = g.nGp;
    const k = Math.min(
      n,
      Math.max(0, options.hostGuestCounters ?? Math.ceil(n / 2)),
    );
    g.nested(length, workload, k, options.exitsPerBurst ?? 8, filterEvents);
  }
  return { config, ops: g.ops.slice(0, length) };
}

class Gen {
  readonly ops: TraceOp[] = [];
  readonly nGp: number;
  readonly nFixed: number;
  readonly version: number;
  readonly amd: boolean;
  readonly perfCtrCore: boolean;

  constructor(readonly config: VcpuConfig, readonly rand: () => number) {
    const m = pmuModelOf(config);
    this.nGp = m.nrGpCounters;
    this.nFixed = m.nrFixedCounters;
    this.version = m.version;
    this.amd = m.vendor === "amd";
    this.perfCtrCore = m.perfCtrCore;
  }

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  eventselMsr(i: number): number {
    if (!this.amd) return MSR_P6_EVNTSEL0 + i;
    return this.perfCtrCore ? MSR_F15H_PERF_CTL0 + 2 * i : MSR_K7_EVNTSEL0 + i;
  }

  counterMsr(i: number): number {
    if (!this.amd) return MSR_IA32_PERFCTR0 + i;
    return this.perfCtrCore
      ? MSR_F15H_PERF_CTL0 + 2 * i + 1
      : MSR_K7_PERFCTR0 + i;
  }

  globalCtrlMsr(): number {
    return this.amd
      ? MSR_AMD64_PERF_CNTR_GLOBAL_CTL
      : MSR_CORE_PERF_GLOBAL_CTRL;
  }

  wr(msr: number, value: bigint): void {
    this.ops.push({ op: "wrmsr", msr, value });
  }

  push(op: TraceOp): void {
    this.ops.push(op);
  }

  randomEventsel(): bigint {
    let v = this.pick(EVENTS) | (this.chance(0.2) ? 0x100n : 0n);
    if (this.chance(0.75)) v |= EN;
    if (this.chance(0.8)) v |= USR_OS;
    v |= BigInt(this.int(4)) << 40n; // HO/GO: none, GO, HO, both
    if (this.chance(0.05)) v |= 1n << BigInt(this.int(64)); // maybe a reserved bit
    return v;
  }

  randomFilter(nEvents: number): TraceOp {
    const events: bigint[] = [];
    for (let i = 0; i < nEvents; i++) {
      let e = this.chance(0.5)
        ? this.pick(EVENTS)
        : BigInt(this.int(0x100)) | (BigInt(this.int(4)) << 8n);
      // Now and then a bit outside the filter's key mask (bits 35:32 are
      // inside it on AMD only): KVM drops such an entry (SPEC g19).
      if (this.chance(0.15)) e |= 1n << BigInt(16 + this.int(48));
      events.push(e);
    }
    return {
      op: "filter",
      action: this.chance(0.5) ? "allow" : "deny",
      events,
      ...(this.chance(0.3) ? { fixedCounterBitmap: this.int(8) } : {}),
    };
  }

  /** Any op, valid or not. */
  random(length: number): void {
    while (this.ops.length < length) {
      const r = this.rand();
      if (r < 0.28) {
        // One past the last counter now and then, to provoke #GP (staying
        // within the MSR ranges the trace format knows).
        const limit = this.amd ? (this.perfCtrCore ? 64 : 4) : 8;
        const i = this.int(Math.min(this.nGp + 1, limit));
        this.wr(this.eventselMsr(i), this.randomEventsel());
      } else if (r < 0.36) {
        const v = this.pick([
          0n,
          BigInt(EFER_SVME),
          EFER_LONG_MODE | BigInt(EFER_SVME),
          EFER_LONG_MODE,
          1n << 20n, // reserved: #GP
        ]);
        this.wr(MSR_EFER, v);
      } else if (r < 0.48) this.push({ op: "vmrun" });
      else if (r < 0.60) this.push({ op: "vmexit" });
      else if (r < 0.80) this.push({ op: "entry" });
      else if (r < 0.86) {
        const i = this.int(this.nGp);
        this.push({
          op: "rdmsr",
          msr: this.chance(0.5) ? this.eventselMsr(i) : this.counterMsr(i),
        });
      } else if (r < 0.89) this.push(this.randomFilter(this.int(6)));
      else if (r < 0.94) {
        if (this.amd || this.chance(0.5)) {
          const bits = BigInt(this.int(1 << Math.min(this.nGp, 30)));
          this.wr(
            this.globalCtrlMsr(),
            this.chance(0.1) ? bits | (1n << 63n) : bits,
          );
        } else {
          this.wr(MSR_CORE_PERF_FIXED_CTR_CTRL, BigInt(this.int(0x1000)));
        }
      } else if (r < 0.96) {
        const i = this.int(this.nGp);
        this.wr(this.counterMsr(i), BigInt(this.int(0x1_0000_0000)) << 20n);
      } else if (r < 0.97 && !this.amd) {
        this.wr(MSR_CORE_PERF_FIXED_CTR0 + this.int(this.nFixed), 0x1234n);
      } else if (r < 0.975) {
        this.push({
          op: "rdmsr",
          msr: this.amd
            ? MSR_AMD64_PERF_CNTR_GLOBAL_STATUS
            : MSR_CORE_PERF_GLOBAL_STATUS,
        });
      } else this.push({ op: "reset" });
    }
  }

  /** The nested workloads: setup, then L2 exit bursts with L1 perf work between. */
  nested(
    length: number,
    workload: Exclude<Workload, "random">,
    k: number,
    exitsPerBurst: number,
    filterEvents: number,
  ): void {
    const hg = (i: number): bigint => {
      if (i >= k) return 0n;
      if (workload === "host-only") return HO;
      if (workload === "guest-only") return GO;
      return [HO, GO, HO | GO][i % 3];
    };
    const program = (i: number): bigint =>
      EVENTS[i % EVENTS.length] | USR_OS | EN | hg(i);
    this.wr(MSR_EFER, EFER_LONG_MODE | BigInt(EFER_SVME));
    if (workload === "filter-mix") {
      this.push(this.filterFor(filterEvents, program));
    }
    for (let i = 0; i < this.nGp; i++) this.wr(this.eventselMsr(i), program(i));
    this.push({ op: "entry" });
    let burst = 0;
    while (this.ops.length < length) {
      for (let e = 0; e < exitsPerBurst && this.ops.length < length; e++) {
        this.push({ op: "vmrun" });
        this.push({ op: "entry" });
        this.push({ op: "vmexit" });
        this.push({ op: "entry" });
      }
      burst++;
      // L1's perf work between bursts: read a counter, re-arm another.
      const i = this.int(this.nGp);
      this.push({ op: "rdmsr", msr: this.counterMsr(i) });
      if (this.chance(0.5)) {
        this.wr(this.eventselMsr(i), program(i) & ~EN);
        this.wr(this.counterMsr(i), 0n);
        this.wr(this.eventselMsr(i), program(i));
      }
      if (workload === "filter-mix" && burst % 4 === 0) {
        this.push(this.filterFor(filterEvents, program));
      }
      this.push({ op: "entry" });
    }
  }

  /** A filter of `n` events that allows (or does not deny) about half the programmed ones. */
  filterFor(n: number, program: (i: number) => bigint): TraceOp {
    const allow = this.chance(0.5);
    const events: bigint[] = [];
    for (let i = 0; i < this.nGp && events.length < n; i++) {
      if (this.chance(0.5)) events.push(program(i) & 0xf_0000_ffffn);
    }
    while (events.length < n) {
      events.push(BigInt(0x100 + this.int(0xe00)) & 0xfffn);
    }
    return { op: "filter", action: allow ? "allow" : "deny", events };
  }
}

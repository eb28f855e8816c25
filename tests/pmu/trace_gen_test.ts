import assert from "node:assert/strict";
import { formatRecord, replayOps, type TraceOp } from "../../core/pmu/trace.ts";
import {
  generateTrace,
  type Workload,
  workloadNames,
} from "../../core/pmu/trace_gen.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";

const NESTED: Workload[] = ["host-only", "guest-only", "filter-mix"];

function hostGuestBitsOf(op: TraceOp): bigint | null {
  if (op.op !== "wrmsr" || op.msr < 0xc0010200 || op.msr > 0xc001027f) {
    return null;
  }
  if ((op.msr & 1) === 1) return null; // a counter, not an event select
  return (op.value >> 40n) & 3n;
}

Deno.test("generateTrace() is deterministic in its options", () => {
  for (const workload of workloadNames) {
    const a = generateTrace({ seed: 42, length: 300, workload });
    assert.deepEqual(generateTrace({ seed: 42, length: 300, workload }), a);
    assert.notDeepEqual(
      generateTrace({ seed: 43, length: 300, workload }).ops,
      a.ops,
      workload,
    );
  }
});

Deno.test("generateTrace() returns exactly `length` ops and the validated config", () => {
  for (const workload of workloadNames) {
    for (const length of [0, 1, 7, 500]) {
      const t = generateTrace({ seed: 1, length, workload });
      assert.equal(t.ops.length, length, `${workload} ${length}`);
      assert.equal(t.config.model, "perfmonv2");
      assert.equal(Object.isFrozen(t.config), true);
    }
  }
  assert.equal(generateTrace().ops.length, 1000);
});

Deno.test("generateTrace() random workload exercises every op, faults included", () => {
  for (const model of ["perfmonv2", "legacy", "gp4"] as const) {
    const t = generateTrace({ seed: 5, length: 3000, config: { model } });
    const ops = new Set(t.ops.map((o) => o.op));
    assert.deepEqual(
      [...ops].sort(),
      ["entry", "filter", "rdmsr", "reset", "vmexit", "vmrun", "wrmsr"],
    );
    const records = replayOps(createVcpu(t.config), t.ops);
    const faults = new Set(
      records.flatMap((r) => ("fault" in r ? [r.fault] : [])),
    );
    assert.deepEqual([...faults].sort(), ["#GP", "#UD"], model);
  }
});

Deno.test("generateTrace() nested workloads are clean and set the HO/GO bits they name", async (t) => {
  for (const workload of NESTED) {
    await t.step(workload, () => {
      const g = generateTrace({ seed: 9, length: 2000, workload });
      const records = replayOps(createVcpu(g.config), g.ops);
      assert.deepEqual(records.filter((r) => "fault" in r), []);
      const kinds = new Set(
        g.ops.map(hostGuestBitsOf).filter((x) => x !== null),
      );
      const expected = {
        "host-only": [0n, 2n],
        "guest-only": [0n, 1n],
        "filter-mix": [0n, 1n, 2n, 3n],
      }[workload as Exclude<Workload, "random">];
      assert.deepEqual([...kinds].sort(), expected);
      assert.equal(
        g.ops.some((o) => o.op === "filter"),
        workload === "filter-mix",
      );
      // L2 exits at a high rate: many VMRUN/#VMEXIT pairs.
      assert.ok(g.ops.filter((o) => o.op === "vmrun").length > 300);
    });
  }
});

Deno.test("generateTrace() hostGuestCounters: 0 keeps the tracked bitmap empty (the early-return path)", () => {
  const g = generateTrace({
    seed: 3,
    length: 400,
    workload: "host-only",
    hostGuestCounters: 0,
  });
  const records = replayOps(createVcpu(g.config), g.ops);
  for (const r of records) {
    if ("tracked" in r) assert.equal(r.tracked, "0x0");
  }
  const all = generateTrace({
    seed: 3,
    length: 400,
    workload: "host-only",
    hostGuestCounters: 99, // clamped to the 6 counters
  });
  const last = replayOps(createVcpu(all.config), all.ops).findLast((r) =>
    "tracked" in r
  );
  assert.ok(last !== undefined && "tracked" in last);
  assert.equal(last.tracked, "0x3f");
});

Deno.test("generateTrace() exitsPerBurst sets how many L2 exits run between L1 perf work", () => {
  for (const exitsPerBurst of [1, 8]) {
    const g = generateTrace({
      seed: 2,
      length: 600,
      workload: "guest-only",
      exitsPerBurst,
    });
    // Count VMRUNs between consecutive rdmsr ops (the L1 perf work).
    const runs: number[] = [];
    let n = 0;
    for (const op of g.ops) {
      if (op.op === "vmrun") n++;
      if (op.op === "rdmsr") {
        runs.push(n);
        n = 0;
      }
    }
    assert.ok(runs.length > 5);
    assert.ok(runs.every((r) => r === exitsPerBurst), `${runs}`);
  }
});

Deno.test("generateTrace() filter-mix installs filters of filterEvents events", () => {
  const g = generateTrace({
    seed: 11,
    length: 2000,
    workload: "filter-mix",
    filterEvents: 300,
  });
  const filters = g.ops.filter((o) => o.op === "filter");
  assert.ok(filters.length >= 2);
  for (const f of filters) assert.equal(f.events.length, 300);
  // The traces replay as text too (every event is within the filter mask).
  const records = replayOps(createVcpu(g.config), g.ops).map(formatRecord);
  assert.ok(records.length > 0);
});

Deno.test("generateTrace() rejects bad options, naming the value", async (t) => {
  const cases: [string, Parameters<typeof generateTrace>[0], RegExp][] = [
    ["negative length", { length: -1 }, /'length' .*current value is -1/],
    ["fractional length", { length: 2.5 }, /current value is 2.5/],
    [
      "unknown workload",
      { workload: "idle" as Workload },
      /'workload' must be one of "random", .*: current value is "idle"/,
    ],
    [
      "filterEvents above 300",
      { filterEvents: 301 },
      /'filterEvents' must be an integer in \[0, 300\]: current value is 301/,
    ],
    [
      "nested workload on Intel",
      { workload: "host-only", config: { model: "gp4" } },
      /workload "host-only" needs vendor "amd" with guestSvm and mediated/,
    ],
    [
      "nested workload without guest SVM",
      { workload: "guest-only", config: { guestSvm: false } },
      /workload "guest-only" needs/,
    ],
    [
      "nested workload without the mediated PMU",
      { workload: "filter-mix", config: { mediated: false } },
      /workload "filter-mix" needs/,
    ],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => generateTrace(options),
        (e: Error) =>
          e instanceof RangeError && message.test(e.message) &&
          e.message.startsWith("Cannot generate trace as "),
      );
    });
  }
  await t.step("an invalid config throws as validateVcpuConfig", () => {
    assert.throws(
      () => generateTrace({ config: { model: "gp16" as "gp8" } }),
      /Cannot create vCPU as 'model'/,
    );
  });
});

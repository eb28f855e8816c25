import assert from "node:assert/strict";
import {
  guardPlan,
  type PlanSlot,
  runPlan,
} from "../../../core/track/measure/run_plan.ts";
import type {
  BenchResult,
  TimedProcess,
} from "../../../core/track/result/result.ts";

Deno.test("runPlan() throws RangeError on a plan without parts", async () => {
  await assert.rejects(
    () => runPlan(Deno.cwd(), { name: "empty", parts: [] }),
    (e) =>
      e instanceof RangeError &&
      /Cannot run plan 'empty' .*current value is 0 parts/.test(e.message),
  );
});

Deno.test("runPlan() gathers every part into one result with its plan", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a_bench.ts`, 'Deno.bench("a", () => {});');
    await Deno.writeTextFile(`${dir}/b_bench.ts`, 'Deno.bench("b", () => {});');
    const r = await runPlan(dir, {
      name: "two",
      parts: [
        { label: "a", files: ["a_bench.ts"], repeat: 1 },
        { label: "b", files: ["b_bench.ts"], repeat: 2 },
      ],
    }, { smoke: true });
    assert.deepEqual(r.benches.map((b) => [b.name, b.replicates.length]), [[
      "a",
      1,
    ], ["b", 2]]);
    assert.equal(r.flags.parts, "a x1, b x2");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPlan() starts no round past the budget and records the rounds kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a_bench.ts`, 'Deno.bench("a", () => {});');
    const r = await runPlan(dir, {
      name: "budget",
      parts: [{ label: "a", files: ["a_bench.ts"], repeat: 3 }],
    }, { smoke: true, budgetSeconds: 0 });
    assert.equal(r.benches[0].replicates.length, 1);
    assert.equal(r.flags.parts, "a x1/3");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPlan() adds up the guard's re-runs of every round", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a_bench.ts`, 'Deno.bench("a", () => {});');
    const r = await runPlan(dir, {
      name: "guarded",
      parts: [{ label: "a", files: ["a_bench.ts"], repeat: 2 }],
    });
    // Two rounds, two runs: each says how many it re-ran (usually none).
    assert.equal(typeof r.flags.reruns, "number");
    const b = r.benches[0];
    assert.equal(b.replicates.length, 2);
    assert.equal(
      (b.discarded ?? []).length,
      r.flags.reruns,
      "every re-run left its slow process in discarded",
    );
    // The rounds are corrected for CPU speed once, against both rounds'
    // probes: the reference is their 10% quantile.
    const probes = b.timing!.map((p) => p.cpuProbeNs!).sort((x, y) => x - y);
    const reference = probes[0] + 0.1 * (probes[1] - probes[0]);
    assert.equal(r.flags.speedReferenceNs, Number(reference.toPrecision(6)));
    b.timing!.forEach((p, i) =>
      assert.equal(b.replicates[i], p.estimate * p.speedFactor!)
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A timed process with estimate `e` and CPU probe `probe`. */
const proc = (e: number, probe = 100): TimedProcess => ({
  estimate: e,
  cpuProbeNs: probe,
  batch: 1,
  sampleCount: 1,
  tierBefore: "turbofan",
  tierAfter: "turbofan",
  warmup: 1,
  explicitTiming: false,
  samples: [e],
});

/** A gathered bench of key `key` with those processes. */
const bench = (key: string, procs: TimedProcess[]): BenchResult => ({
  key,
  file: "f",
  group: "",
  name: key,
  baseline: false,
  metric: "time",
  unit: "ns/op",
  opsPerCall: 1,
  replicates: procs.map((p) => p.estimate),
  timing: procs,
});

Deno.test("guardPlan() is the throttle guard over every round of a plan", async (t) => {
  /**
   * Runs guardPlan; a new process measures its case's first estimate at
   * probe 100. Returns the slots asked for, per pass.
   */
  const guard = async (perPart: BenchResult[][]) => {
    const asked: PlanSlot[][] = [];
    const n = await guardPlan(perPart, {
      perProbe: true,
      measure: (slots) => {
        asked.push([...slots]);
        return Promise.resolve(
          slots.map((s) => proc(perPart[s.part][s.bench].timing![0].estimate)),
        );
      },
    });
    return { n, asked };
  };
  await t.step(
    "outliers on both sides, each part's cases on their own",
    async () => {
      const x = bench("x", [10, 10.1, 9.9, 12, 10, 10].map((e) => proc(e)));
      const y = bench("y", [5, 4.5, 5, 5.05].map((e) => proc(e)));
      const x2 = bench("x", [12, 12.1, 11.9, 12].map((e) => proc(e)));
      const { n, asked } = await guard([[x, y], [x2]]);
      assert.deepEqual(asked[0], [
        { part: 0, bench: 0, index: 3 },
        { part: 0, bench: 1, index: 1 },
      ]);
      assert.equal(n, 2);
      assert.deepEqual(x.replicates, [10, 10.1, 9.9, 10, 10, 10]);
      assert.deepEqual(y.replicates, [5, 5, 5, 5.05]);
      assert.deepEqual(y.discarded!.map((p) => p.estimate), [4.5]);
      assert.equal(x2.discarded, undefined);
    },
  );
  await t.step(
    "a slowed CPU is re-run for its probe, not judged as a sibling",
    async () => {
      // Index 3's CPU ran 1.3x slow and its small body hardly slowed: per
      // unit of probe it would read fast and pull the median down.
      const x = bench("x", [proc(10), proc(10), proc(10), proc(10.2, 130)]);
      const { asked } = await guard([[x]]);
      assert.deepEqual(asked, [[{ part: 0, bench: 0, index: 3 }]]);
      assert.deepEqual(x.timing!.map((p) => p.cpuProbeNs), [
        100,
        100,
        100,
        100,
      ]);
    },
  );
  await t.step(
    "a bench with a failed process, or a process without a probe, is left alone",
    async () => {
      const failed = bench("x", [10, 10, 30].map((e) => proc(e)));
      failed.replicates = [10, 10];
      const unprobed = bench("y", [proc(10), proc(10), proc(10), {
        ...proc(30),
        cpuProbeNs: undefined,
      }]);
      const { n } = await guard([[failed, unprobed]]);
      assert.equal(n, 0);
    },
  );
  await t.step("a re-run that fails keeps the old process", async () => {
    const x = bench("x", [10, 10, 10, 13].map((e) => proc(e)));
    const n = await guardPlan([[x]], {
      measure: (slots) =>
        Promise.resolve(slots.map(() => new Error("past the budget"))),
    });
    assert.equal(n, 0);
    assert.deepEqual(x.replicates, [10, 10, 10, 13]);
  });
});

Deno.test("runPlan() measures again a process far from its case's other rounds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // While the marker exists, a process does 3 times the work.
    await Deno.writeTextFile(`${dir}/slow`, "");
    await Deno.writeTextFile(
      `${dir}/w_bench.ts`,
      `let work = 2000;
try { Deno.statSync(new URL("./slow", import.meta.url)); work = 6000; } catch { /* normal */ }
let sink = 0;
Deno.bench("mix", () => {
  let h = sink | 0;
  for (let i = 0; i < work; i++) h = Math.imul(h ^ i, 0x9e3779b1) >>> 0;
  sink = h;
});
`,
    );
    let measured = 0;
    const r = await runPlan(dir, {
      name: "outlier",
      parts: [{ label: "w", files: ["w_bench.ts"], repeat: 3 }],
    }, {
      // Probes are left out of it (a tolerance no probe reaches): under
      // load a sibling's slowed probe would leave too few to judge.
      throttleTolerance: 100,
      // Only the first round's process is slow.
      onProgress: () => {
        if (++measured === 1) Deno.removeSync(`${dir}/slow`);
      },
    });
    const b = r.benches[0];
    assert.equal(b.replicates.length, 3);
    const discarded = (b.discarded ?? []).map((p) => p.estimate);
    const kept = b.timing!.map((p) => p.estimate);
    const slowest = Math.max(...discarded);
    assert(
      discarded.length >= 1 && slowest > 2 * Math.max(...kept),
      `the slow process went to discarded: kept ${kept}, discarded ${discarded}`,
    );
    assert(Number(r.flags.reruns) >= 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

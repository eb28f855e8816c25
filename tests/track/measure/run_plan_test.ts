import assert from "node:assert/strict";
import {
  outliersOfPlan,
  runPlan,
} from "../../../core/track/measure/run_plan.ts";

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

Deno.test("outliersOfPlan() judges each part's cases over every round", async (t) => {
  const bench = (key: string, estimates: number[], probes?: number[]) => ({
    key,
    replicates: estimates,
    timing: estimates.map((estimate, i) => ({
      estimate,
      cpuProbeNs: probes?.[i] ?? 100,
    })),
  });
  await t.step("both sides of the median, each part on its own", () => {
    const perPart = [
      [bench("x", [10, 10.1, 9.9, 12, 10]), bench("y", [5, 4.5, 5, 5.05])],
      [bench("x", [12, 12.1, 11.9, 12])],
    ];
    assert.deepEqual(outliersOfPlan(perPart), [
      { part: 0, bench: 0, index: 3 },
      { part: 0, bench: 1, index: 1 },
    ]);
  });
  await t.step("per unit of probe: a process slow with its CPU is none", () => {
    const perPart = [[bench("x", [10, 10, 10.6, 10], [100, 100, 106, 100])]];
    assert.deepEqual(outliersOfPlan(perPart), [{
      part: 0,
      bench: 0,
      index: 2,
    }]);
    assert.deepEqual(outliersOfPlan(perPart, { perProbe: true }), []);
  });
  await t.step(
    "a process whose probe read slow is neither judged nor a sibling",
    () => {
      // Index 3's CPU ran 1.3x slow and its few-instruction body hardly
      // slowed: per unit of probe it reads fast, but it is the probe's case.
      const slow = [[bench("x", [10, 10, 10, 10.2], [100, 100, 100, 130])]];
      assert.deepEqual(outliersOfPlan(slow, { perProbe: true }), []);
      // Two of four slowed: the other two are too few to judge each other.
      const two = [[bench("x", [10, 12, 10.2, 10.1], [100, 100, 130, 140])]];
      assert.deepEqual(outliersOfPlan(two, { perProbe: true }), []);
    },
  );
  await t.step("at most a quarter of the processes, and at most `most`", () => {
    const perPart = [[bench("x", [10, 20, 10, 30, 10, 10, 10, 10])]];
    assert.deepEqual(outliersOfPlan(perPart), [
      { part: 0, bench: 0, index: 1 },
      { part: 0, bench: 0, index: 3 },
    ]);
    assert.deepEqual(outliersOfPlan(perPart, { most: 1 }), [
      { part: 0, bench: 0, index: 3 },
    ]);
    assert.deepEqual(outliersOfPlan(perPart, { most: 0 }), []);
  });
  await t.step("a bench with a failed process is not judged", () => {
    const b = bench("x", [10, 10, 30]);
    assert.deepEqual(
      outliersOfPlan([[{ ...b, replicates: [10, 10] }]]),
      [],
    );
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

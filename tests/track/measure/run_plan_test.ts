import assert from "node:assert/strict";
import { runPlan } from "../../../core/track/measure/run_plan.ts";

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

import assert from "node:assert/strict";
import {
  CHECK_NOISE_BY_METRIC,
  checkResult,
  DEFAULT_CHECK_WINDOW,
  poolResults,
} from "../../../core/track/judge/check.ts";
import { DEFAULT_NOISE } from "../../../core/track/judge/compare.ts";
import { bench, result } from "../history/_history_helpers.ts";

const around = (m: number, spread = 0.005) =>
  [-2, -1, 0, 1, 2].map((i) => m * (1 + i * spread));

Deno.test("CHECK_NOISE_BY_METRIC holds 3% for time and 1% for instructions", () => {
  assert.equal(CHECK_NOISE_BY_METRIC.time, 0.03);
  assert.equal(CHECK_NOISE_BY_METRIC.instructions, 0.01);
  assert.ok(Object.isFrozen(CHECK_NOISE_BY_METRIC));
  assert.equal(DEFAULT_CHECK_WINDOW, 5);
});

Deno.test("poolResults() concatenates replicates per (key, metric), oldest first", () => {
  const r1 = result(
    [
      bench("f", [1, 2]),
      bench("f", [100], { metric: "instructions", unit: "instructions/op" }),
      bench("old only", [7]),
    ],
    {},
    "2025-01-01T00:00:00.000Z",
  );
  const r2 = result(
    [
      bench("new only", [9]),
      bench("f", [3], {
        processes: [{ n: 1, min: 3, avg: 3, p75: 3, p99: 3 }],
      }),
      bench("f", [101], { metric: "instructions", unit: "instructions/op" }),
    ],
    { commit: "b".repeat(40) },
    "2025-01-02T00:00:00.000Z",
  );
  const pooled = poolResults([r1, r2]);
  assert.deepEqual(
    pooled.benches.map((b) => [b.key, b.metric, b.replicates]),
    [
      ["a_bench.ts::g::new only", "time", [9]],
      ["a_bench.ts::g::f", "time", [1, 2, 3]],
      ["a_bench.ts::g::f", "instructions", [100, 101]],
      ["a_bench.ts::g::old only", "time", [7]],
    ],
  );
  // The newest run's processes template collects only runs that have them.
  assert.equal(pooled.benches[1].processes?.length, 1);
  assert.equal(pooled.date, "2025-01-02T00:00:00.000Z");
  assert.equal(pooled.env.commit, "b".repeat(40));
});

Deno.test("poolResults() leaves out runs whose unit for a bench differs from the newest", () => {
  const pooled = poolResults([
    result([bench("f", [1000], { unit: "ps/op" })]),
    result([bench("f", [1.1])]),
    result([bench("f", [1.2])]),
  ]);
  assert.deepEqual(pooled.benches[0].replicates, [1.1, 1.2]);
  assert.equal(pooled.benches[0].unit, "ns/op");
});

Deno.test("poolResults() throws RangeError for an empty window", () => {
  assert.throws(
    () => poolResults([]),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot pool results as 'runs' must hold at least one result: current length is 0",
  );
});

Deno.test("checkResult() flags a clear slowdown against the pooled window", () => {
  const window = [1, 2, 3].map(() =>
    result([bench("f", around(100)), bench("g", around(50))])
  );
  const c = checkResult(
    result([bench("f", around(120)), bench("g", around(50))]),
    window,
  );
  assert.equal(c.base.benches[0].replicates.length, 15);
  assert.deepEqual(c.comparison.rows.map((r) => r.verdict), [
    "regressed",
    "unchanged",
  ]);
  assert.deepEqual(c.regressions.map((r) => r.key), ["a_bench.ts::g::f"]);
  assert.equal(c.comparison.comparisons, 2);
  assert.equal(c.comparison.expectedFalseAlarms, 0.02);
});

Deno.test("checkResult() judges each metric with its own noise band", async (t) => {
  // +2%: inside the 3% band of time, outside the 1% band of instructions.
  const window = [1, 2, 3].map(() =>
    result([
      bench("f", around(100, 0.001)),
      bench("f", around(1000, 0.0001), {
        metric: "instructions",
        unit: "instructions/op",
      }),
    ])
  );
  const head = result([
    bench("f", around(102, 0.001)),
    bench("f", around(1020, 0.0001), {
      metric: "instructions",
      unit: "instructions/op",
    }),
  ]);
  await t.step("defaults: time unchanged, instructions regressed", () => {
    const c = checkResult(head, window);
    assert.deepEqual(
      c.comparison.rows.map((r) => [r.metric, r.verdict]),
      [["time", "unchanged"], ["instructions", "regressed"]],
    );
    assert.deepEqual(c.noiseByMetric, { time: 0.03, instructions: 0.01 });
    assert.equal(c.comparison.noise, 0.03);
  });
  await t.step("one number for every metric", () => {
    const c = checkResult(head, window, { noise: 0.005 });
    assert.deepEqual(c.comparison.rows.map((r) => r.verdict), [
      "regressed",
      "regressed",
    ]);
  });
  await t.step("a map; metrics it lacks fall back to the defaults", () => {
    const c = checkResult(head, window, { noise: { instructions: 0.05 } });
    assert.deepEqual(c.noiseByMetric, { time: 0.03, instructions: 0.05 });
    assert.equal(c.regressions.length, 0);
  });
  await t.step("an unknown metric uses DEFAULT_NOISE", () => {
    const w = [
      result([bench("f", [1, 2, 3], { metric: "bytes", unit: "B/op" })]),
    ];
    const c = checkResult(
      result([bench("f", [1, 2, 3], { metric: "bytes", unit: "B/op" })]),
      w,
    );
    assert.equal(c.noiseByMetric.bytes, DEFAULT_NOISE);
  });
});

Deno.test("checkResult() reports a metric on one side only as added or removed", () => {
  const window = [result([bench("f", around(100))])];
  const head = result([
    bench("f", around(100)),
    bench("f", [12, 12, 12], {
      metric: "instructions",
      unit: "instructions/op",
    }),
  ]);
  const c = checkResult(head, window);
  assert.deepEqual(
    c.comparison.rows.map((r) => [r.metric, r.verdict, r.head]),
    [["time", "unchanged", 100], ["instructions", "added", 12]],
  );
  assert.deepEqual(c.comparison.rows[1].headRange, [12, 12]);
  const back = checkResult(window[0], [head]);
  assert.deepEqual(
    back.comparison.rows.map((r) => [r.metric, r.verdict]),
    [["time", "unchanged"], ["instructions", "removed"]],
  );
  assert.equal(back.comparison.comparisons, 1);
});

Deno.test("checkResult() refuses inputs it cannot judge", async (t) => {
  const window = [result([bench("f", [1, 2, 3])])];
  await t.step("disjoint bench sets", () => {
    assert.throws(
      () =>
        checkResult(result([bench("other", [1, 2, 3])]), window, {
          headName: "head.json",
          baseName: "main: run #1",
        }),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message ===
          "Cannot check 'head.json' against main: run #1 as they share no bench: 'head.json' has 1 ('a_bench.ts::g::other' (time)) and main: run #1 has 1 ('a_bench.ts::g::f' (time))",
    );
  });
  await t.step("a failed head bench", () => {
    assert.throws(
      () =>
        checkResult(
          result([bench("f", [], { failed: "boom\nat x" })]),
          window,
          { headName: "h.json" },
        ),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message ===
          "Cannot check 'h.json' as bench 'a_bench.ts::g::f' failed: boom",
    );
  });
  await t.step("a head bench without replicates", () => {
    assert.throws(
      () => checkResult(result([bench("f", [])]), window),
      /Cannot check 'head' as bench 'a_bench\.ts::g::f' has no replicates/,
    );
  });
  await t.step("an empty window", () => {
    assert.throws(
      () => checkResult(window[0], []),
      /'runs' must hold at least one result/,
    );
  });
  await t.step("an alpha out of range (from compareResults)", () => {
    assert.throws(
      () => checkResult(window[0], window, { alpha: 2 }),
      /'alpha' must be in \(0, 1\)/,
    );
  });
});

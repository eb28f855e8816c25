import assert from "node:assert/strict";
import {
  CHECK_NOISE_BY_METRIC,
  checkResult,
  DEFAULT_CHECK_WINDOW,
  MIN_CHECK_RUNS,
  runLevels,
} from "../../../core/track/judge/check.ts";
import {
  compareResults,
  DEFAULT_NOISE,
} from "../../../core/track/judge/compare.ts";
import { formatComparison } from "../../../core/track/present/compare_format.ts";
import { bench, result } from "../history/_history_helpers.ts";

const around = (m: number, spread = 0.005) =>
  [-2, -1, 0, 1, 2].map((i) => m * (1 + i * spread));

Deno.test("CHECK_NOISE_BY_METRIC holds 3% for time and 1% for instructions", () => {
  assert.equal(CHECK_NOISE_BY_METRIC.time, 0.03);
  assert.equal(CHECK_NOISE_BY_METRIC.instructions, 0.01);
  assert.ok(Object.isFrozen(CHECK_NOISE_BY_METRIC));
  assert.equal(DEFAULT_CHECK_WINDOW, 5);
});

Deno.test("MIN_CHECK_RUNS is 3: two degrees of freedom bound the run-to-run spread", () => {
  assert.equal(MIN_CHECK_RUNS, 3);
});

Deno.test("runLevels() takes one median per run and (key, metric), oldest first", () => {
  const r1 = result([
    bench("f", [1, 2, 30]),
    bench("f", [100], { metric: "instructions", unit: "instructions/op" }),
    bench("old only", [7]),
    bench("broken", [], { failed: "boom" }),
  ]);
  const r2 = result([
    bench("new only", [9]),
    bench("f", [3, 4]),
    bench("f", [101], { metric: "instructions", unit: "instructions/op" }),
  ]);
  assert.deepEqual(
    runLevels([r1, r2]).map((l) => [l.bench.key, l.bench.metric, l.levels]),
    [
      ["a_bench.ts::g::new only", "time", [9]],
      ["a_bench.ts::g::f", "time", [2, 3.5]],
      ["a_bench.ts::g::f", "instructions", [100, 101]],
      ["a_bench.ts::g::old only", "time", [7]],
    ],
  );
});

Deno.test("runLevels() leaves out runs whose unit for a bench differs from the newest", () => {
  const [f] = runLevels([
    result([bench("f", [1000], { unit: "ps/op" })]),
    result([bench("f", [1.1])]),
    result([bench("f", [1.2])]),
  ]);
  assert.deepEqual(f.levels, [1.1, 1.2]);
  assert.equal(f.bench.unit, "ns/op");
});

Deno.test("checkResult() passes the same code measured at another load (runs are the units)", async (t) => {
  // Three recorded runs of the same code, each at its own machine load:
  // the replicates of a run agree closely, the runs do not.
  const levels = [100, 131, 162];
  const window = levels.map((m) => result([bench("f", around(m, 0.004))]));
  // A fourth run of the same code, at yet another load.
  const head = result([bench("f", around(183, 0.004))]);
  await t.step("pooling the replicates would have cried wolf", () => {
    const pooled = result([
      bench("f", window.flatMap((r) => r.benches[0].replicates)),
    ]);
    assert.equal(compareResults(pooled, head).rows[0].verdict, "regressed");
  });
  await t.step("judged on the runs' levels: unchanged", () => {
    const c = checkResult(head, window);
    const [row] = c.comparison.rows;
    assert.equal(row.verdict, "unchanged");
    assert.equal(row.runs, 3);
    assert.ok(row.pValue! > 0.01, `p ${row.pValue}`);
    assert.ok(row.ci![0] < 1 && row.ci![1] > 1.3, `ci ${row.ci}`);
    assert.equal(c.regressions.length, 0);
  });
  await t.step("a real slowdown against steady runs still fails", () => {
    const steady = [100, 101, 99, 100.5].map((m) =>
      result([bench("f", around(m))])
    );
    const c = checkResult(result([bench("f", around(115))]), steady);
    assert.equal(c.comparison.rows[0].verdict, "regressed");
    assert.ok(c.comparison.rows[0].ci![0] > 1.03);
  });
});

Deno.test("checkResult() passes a stochastic bench with fewer than MIN_CHECK_RUNS runs as insufficient history", () => {
  const window = [100, 101].map((m) => result([bench("f", around(m))]));
  const c = checkResult(result([bench("f", around(300))]), window);
  const [row] = c.comparison.rows;
  assert.equal(row.verdict, "insufficient history");
  assert.equal(row.pValue, undefined);
  assert.equal(row.ci, undefined);
  assert.match(
    row.flags[0],
    /insufficient history: 2 runs of this bench, 3 needed/,
  );
  assert.equal(c.regressions.length, 0);
  assert.deepEqual(c.insufficient.map((r) => r.key), ["a_bench.ts::g::f"]);
  assert.equal(c.comparison.comparisons, 0);
  assert.match(
    formatComparison(c.comparison, "terminal"),
    /0 compared: .*; 1 passed with insufficient history\./,
  );
});

Deno.test("checkResult() flags a clear slowdown against runs at steady levels", () => {
  const window = [100, 101, 99].map((m) =>
    result([bench("f", around(m)), bench("g", around(m / 2))])
  );
  const c = checkResult(
    result([bench("f", around(120)), bench("g", around(50))]),
    window,
  );
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
  const window = [99, 100, 101].map((m) => result([bench("f", around(m))]));
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
  const back = checkResult(window[0], [head, head, head]);
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
      /the window must hold at least one run: current length is 0/,
    );
  });
  await t.step("results of different metrics say so", () => {
    assert.throws(
      () =>
        checkResult(
          result([bench("f", [1], { metric: "instructions" })]),
          window,
        ),
      /as they hold different metrics: 'the window' has time and 'head' has instructions/,
    );
  });
  await t.step("a noise band out of range", () => {
    assert.throws(
      () => checkResult(window[0], window, { noise: 1.5 }),
      /'noise' must be in \[0, 1\): current value is 1.5$/,
    );
    assert.throws(
      () => checkResult(window[0], window, { noise: { time: -1 } }),
      /current value is -1 for metric 'time'/,
    );
  });
  await t.step("an alpha out of range", () => {
    assert.throws(
      () => checkResult(window[0], window, { alpha: 2 }),
      /'alpha' must be in \(0, 1\)/,
    );
  });
});

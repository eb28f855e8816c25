import assert from "node:assert/strict";
import {
  compareResults,
  DEFAULT_NOISE_BY_METRIC,
} from "../../../core/track/judge/compare.ts";
import { formatComparison } from "../../../core/track/present/compare_format.ts";
import { checkResult } from "../../../core/track/judge/check.ts";
import type {
  BenchResult,
  ResultFile,
} from "../../../core/track/result/result.ts";
import { resultOf } from "../_result_helpers.ts";

function bench(
  metric: string,
  replicates: number[],
  extra?: BenchResult["extra"],
): BenchResult {
  return {
    key: "b_bench.ts::g::u64 x8",
    file: "b_bench.ts",
    group: "g",
    name: "u64 x8",
    baseline: false,
    metric,
    unit: metric === "time" ? "ns/op" : "instr/op",
    opsPerCall: 8,
    replicates,
    ...(extra === undefined ? {} : { extra }),
  };
}

const result = (...benches: BenchResult[]): ResultFile => resultOf(benches);

Deno.test("compareResults() judges instruction counts by their 1% band, with one replicate a side", async (t) => {
  await t.step("the defaults: time 3%, instructions 1%", () => {
    assert.equal(DEFAULT_NOISE_BY_METRIC.time, 0.03);
    assert.equal(DEFAULT_NOISE_BY_METRIC.instructions, 0.01);
  });
  await t.step(
    "+2%: regressed (a rank test could never say so with 1 vs 1)",
    () => {
      const c = compareResults(
        result(bench("instructions", [100])),
        result(bench("instructions", [102])),
      );
      assert.equal(c.rows[0].verdict, "regressed");
      assert.equal(c.noise, 0.01);
      assert(!c.rows[0].flags.some((f) => f.startsWith("too few replicates")));
    },
  );
  await t.step("-2%: improved; +0.5%: unchanged", () => {
    const down = compareResults(
      result(bench("instructions", [100])),
      result(bench("instructions", [98])),
    );
    assert.equal(down.rows[0].verdict, "improved");
    const small = compareResults(
      result(bench("instructions", [100])),
      result(bench("instructions", [100.5])),
    );
    assert.equal(small.rows[0].verdict, "unchanged");
  });
  await t.step("time +2% with one replicate a side stays unchanged", () => {
    const c = compareResults(
      result(bench("time", [100])),
      result(bench("time", [110])),
    );
    assert.equal(c.rows[0].verdict, "unchanged");
  });
  await t.step(
    "replicates that do not repeat are flagged and the test must speak",
    () => {
      const c = compareResults(
        result(bench("instructions", [100, 100.5])),
        result(bench("instructions", [110, 111])),
      );
      assert(
        c.rows[0].flags.some((f) => f.startsWith("not repeatable")),
        c.rows[0].flags.join(),
      );
      assert.equal(c.rows[0].verdict, "unchanged"); // 2 vs 2 cannot reach alpha
    },
  );
  await t.step("one --noise for every metric still overrides", () => {
    const c = compareResults(
      result(bench("instructions", [100])),
      result(bench("instructions", [102])),
      { noise: 0.05 },
    );
    assert.equal(c.rows[0].verdict, "unchanged");
  });
});

Deno.test("compareResults() reports each metric's band and rejects bad ones", async (t) => {
  const base = result(
    bench("instructions", [100]),
    bench("time", [10, 10, 10, 10, 10]),
  );
  await t.step("two metrics, two bands", () => {
    const c = compareResults(base, base);
    assert.deepEqual(c.noiseByMetric, { instructions: 0.01, time: 0.03 });
    const text = formatComparison(c, "terminal");
    assert.match(text, /Expected false alarms: 1 comparison x alpha/);
    assert.match(text, /95% CI lies outside the noise band \+\/-3%/);
    assert.match(
      text,
      /instructions repeat, so the change is exact .* outside the noise band \+\/-1%/,
    );
  });
  await t.step("a per-metric map", () => {
    const c = compareResults(base, base, { noise: { instructions: 0.002 } });
    assert.deepEqual(c.noiseByMetric, { instructions: 0.002, time: 0.03 });
  });
  await t.step("a band out of range: RangeError naming the metric", () => {
    assert.throws(
      () => compareResults(base, base, { noise: { instructions: 1.5 } }),
      /current value is 1.5 for metric 'instructions'/,
    );
    assert.throws(
      () => compareResults(base, base, { noise: -1 }),
      /'noise' must be in \[0, 1\)/,
    );
  });
});

Deno.test("compareResults() carries allocation, tier and warnings into the rows and tables", () => {
  const c = compareResults(
    result(bench("instructions", [100], { bytesPerOp: 0, tier: "turbofan" })),
    result(
      bench("instructions", [100], {
        bytesPerOp: 16,
        tier: "interpreted",
        warning: "measured unoptimized (interpreted)",
      }),
    ),
  );
  const row = c.rows[0];
  assert.deepEqual(row.bytesPerOp, [0, 16]);
  assert.equal(row.tier, "interpreted");
  assert(row.flags.includes("head: measured unoptimized (interpreted)"));
  const text = formatComparison(c, "terminal");
  assert.match(text, /B\/op +tier/);
  assert.match(text, /0 -> 16 +interpreted/);
  assert.match(formatComparison(c, "markdown"), /\| B\/op \| tier \|/);
});

Deno.test("checkResult() gates on instruction counts with their 1% band", () => {
  const window = [
    result(bench("instructions", [100])),
    result(bench("instructions", [100])),
  ];
  const c = checkResult(result(bench("instructions", [101.5])), window);
  assert.equal(c.noiseByMetric.instructions, 0.01);
  assert.equal(c.regressions.length, 1);
  const ok = checkResult(result(bench("instructions", [100.4])), window);
  assert.equal(ok.regressions.length, 0);
});

Deno.test("compareResults() gives a deterministic metric's exact change, without p-value or interval", async (t) => {
  const c = compareResults(
    result(bench("instructions", [1000, 1000, 1000])),
    result(bench("instructions", [1052, 1052, 1052])),
  );
  const [row] = c.rows;
  await t.step("the row: ratio, verdict, no test", () => {
    assert.equal(row.verdict, "regressed");
    assert.equal(row.ratio, 1.052);
    assert.equal(row.pValue, undefined);
    assert.equal(row.ci, undefined);
    assert.equal(c.expectedFalseAlarms, 0);
  });
  await t.step("the table: exact change, no p, no false-alarm line", () => {
    const text = formatComparison(c, "terminal");
    assert.match(text, /\+5\.20% exact/);
    assert.doesNotMatch(text, /1\.0000|Expected false alarms/);
    assert.match(text, /instructions repeat, so the change is exact/);
  });
  await t.step("replicates that do not repeat are tested again", () => {
    const d = compareResults(
      result(bench("instructions", [1000, 1100, 1000])),
      result(bench("instructions", [1000, 1000, 1000])),
    );
    assert.notEqual(d.rows[0].pValue, undefined);
    assert.match(d.rows[0].flags.join(), /not repeatable/);
  });
});

Deno.test("compareResults() says so when the two results hold different metrics", () => {
  assert.throws(
    () =>
      compareResults(
        result(bench("time", [10, 11])),
        result(bench("instructions", [1000])),
        { baseName: "t.json", headName: "i.json" },
      ),
    (e: unknown) =>
      e instanceof RangeError &&
      /'t\.json' with 'i\.json' as they hold different metrics: 't\.json' has time and 'i\.json' has instructions for the same 1 bench/
        .test(e.message) &&
      !/share no bench/.test(e.message),
  );
});

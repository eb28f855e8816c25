import assert from "node:assert/strict";
import {
  compareResults,
  DEFAULT_ALPHA,
  HIGH_SPREAD_CV,
} from "../../../core/track/judge/compare.ts";
import {
  type BenchResult,
  readResultFile,
} from "../../../core/track/result/result.ts";
import { createRng } from "../../../core/common/prng.ts";
import { resultOf, timeBench } from "../_result_helpers.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

const bench = timeBench;

const result = resultOf;

/** Log-normal replicates: median `center`, multiplicative spread about `cv`. */
function draw(
  rng: () => number,
  n: number,
  center: number,
  cv: number,
): number[] {
  return Array.from({ length: n }, () => {
    // Box-Muller from the seeded generator.
    const z = Math.sqrt(-2 * Math.log(1 - rng())) *
      Math.cos(2 * Math.PI * rng());
    return center * Math.exp(cv * z);
  });
}

Deno.test("compareResults() gives each verdict on the fixture pair", async () => {
  const base = await readResultFile(`${testdata}result_base.json`);
  const head = await readResultFile(`${testdata}result_head.json`);
  const c = compareResults(base, head);
  const verdicts = Object.fromEntries(c.rows.map((r) => [r.key, r.verdict]));
  assert.deepEqual(verdicts, {
    "bitmap_bench.ts::weight::u64 x1024": "regressed",
    "bitmap_bench.ts::weight::u32pair x1024": "unchanged",
    "bitmap_bench.ts::weight::bigint x1024": "improved",
    "bitmap_bench.ts::iterate::bool x64": "removed",
    "bitmap_bench.ts::iterate::u64view x64": "added",
  });
  const u64 = c.rows[0];
  assert.equal(u64.base, 100.2); // median of 100, 101, 99.5, 100.5, 100.2
  assert.equal(u64.head, 110.4);
  assert.ok(Math.abs(u64.ratio! - 110.4 / 100.2) < 1e-12);
  assert.ok(
    u64.ci![0] > 1.03 && u64.ci![0] <= u64.ratio! && u64.ratio! <= u64.ci![1],
  );
  assert.ok(Math.abs(u64.pValue! - 2 / 252) < 1e-12);
  assert.equal(c.comparisons, 3);
  assert.ok(Math.abs(c.expectedFalseAlarms - 3 * DEFAULT_ALPHA) < 1e-15);
  assert.equal(c.rows[3].head, undefined);
  assert.equal(c.rows[4].base, undefined);
  assert.deepEqual(c.rows[4].headRange, [29.9, 30.3]);
});

Deno.test("compareResults() calls a change only when significant AND outside the noise band", async (t) => {
  const b = [100, 100.1, 100.2, 100.3, 100.4];
  const plus2 = b.map((x) => x * 1.02);
  await t.step(
    "a clean 2% shift is significant but inside the 3% band: unchanged",
    () => {
      const row =
        compareResults(result([bench("f", b)]), result([bench("f", plus2)]))
          .rows[0];
      assert.ok(row.pValue! < 0.01);
      assert.equal(row.verdict, "unchanged");
    },
  );
  await t.step("with --noise 1% the same shift regresses", () => {
    const row =
      compareResults(result([bench("f", b)]), result([bench("f", plus2)]), {
        noise: 0.01,
      }).rows[0];
    assert.equal(row.verdict, "regressed");
  });
  await t.step(
    "a large but overlapping shift is not significant: unchanged",
    () => {
      const head = [150, 160, 99, 170, 180];
      const row =
        compareResults(result([bench("f", b)]), result([bench("f", head)]))
          .rows[0];
      assert.ok(row.pValue! >= 0.01);
      assert.equal(row.verdict, "unchanged");
    },
  );
  await t.step("a looser alpha lets 4 vs 4 total separation count", () => {
    const four = compareResults(
      result([bench("f", [1, 1.01, 1.02, 1.03])]),
      result([bench("f", [2, 2.01, 2.02, 2.03])]),
    );
    assert.equal(four.rows[0].verdict, "unchanged");
    const loose = compareResults(
      result([bench("f", [1, 1.01, 1.02, 1.03])]),
      result([bench("f", [2, 2.01, 2.02, 2.03])]),
      { alpha: 0.05 },
    );
    assert.equal(loose.rows[0].verdict, "regressed");
  });
});

Deno.test("compareResults() flags benches whose replicates cannot be trusted", async (t) => {
  const flagsOf = (base: number[], head: number[]) =>
    compareResults(result([bench("f", base)]), result([bench("f", head)]))
      .rows[0].flags;
  await t.step("too few replicates to ever reach alpha", () => {
    const flags = flagsOf([1, 1.1, 1.2, 1.3], [1, 1.1, 1.2, 1.3]);
    assert.ok(
      flags.some((f) =>
        f.startsWith("too few replicates (4 vs 4: smallest p 0.029")
      ),
      flags.join(),
    );
  });
  await t.step("five replicates a side are enough", () => {
    assert.deepEqual(
      flagsOf([1, 1.01, 1.02, 1.03, 1.04], [1, 1.01, 1.02, 1.03, 1.04]),
      [],
    );
  });
  await t.step("bimodal head", () => {
    const flags = flagsOf([10, 10.1, 10.2, 10.1, 10], [
      10,
      10.1,
      10.2,
      15,
      15.1,
    ]);
    assert.ok(flags.includes("bimodal (head)"), flags.join());
  });
  await t.step(`high spread above cv ${HIGH_SPREAD_CV * 100}%`, () => {
    const flags = flagsOf([10, 14, 8, 12, 6], [10, 10.1, 10.2, 10.1, 10]);
    assert.ok(
      flags.some((f) => /^high-spread \(cv \d+%, base\)$/.test(f)),
      flags.join(),
    );
  });
  await t.step("a zero in the base gives no ratio", () => {
    const row = compareResults(
      result([bench("f", [0, 0, 0, 0, 0])]),
      result([bench("f", [1, 1, 1, 1, 1])]),
    ).rows[0];
    assert.ok(row.flags.includes("zero in base: no ratio"));
    assert.equal(row.ratio, undefined);
    assert.equal(row.verdict, "unchanged");
  });
  await t.step("a changed unit", () => {
    const row = compareResults(
      result([bench("f", [1, 1, 1, 1, 1])]),
      result([bench("f", [1, 1, 1, 1, 1], { unit: "ms/op" })]),
    ).rows[0];
    assert.ok(row.flags.includes("unit changed (ns/op -> ms/op)"));
  });
});

Deno.test("compareResults() matches benches by key and metric", () => {
  const base = result([
    bench("f", [1, 1, 1, 1, 1]),
    bench("f", [10, 10, 10, 10, 10], {
      metric: "instructions",
      unit: "instructions/op",
    }),
  ]);
  const head = result([
    bench("f", [1, 1, 1, 1, 1], {
      metric: "instructions",
      unit: "instructions/op",
    }),
  ]);
  const c = compareResults(base, head);
  assert.deepEqual(c.rows.map((r) => [r.metric, r.verdict]), [[
    "time",
    "removed",
  ], ["instructions", "improved"]]);
  assert.equal(c.comparisons, 1);
});

Deno.test("compareResults() is deterministic for a seed", () => {
  const base = result([bench("f", [100, 103, 98, 101, 99])]);
  const head = result([bench("f", [104, 101, 99, 107, 102])]);
  assert.deepEqual(
    compareResults(base, head, { seed: 4 }),
    compareResults(base, head, { seed: 4 }),
  );
});

Deno.test("compareResults() rejects bad options and unusable results", async (t) => {
  const ok = result([bench("f", [1, 1, 1, 1, 1])]);
  await t.step("alpha outside (0, 1)", () => {
    assert.throws(
      () => compareResults(ok, ok, { alpha: 0 }),
      /'alpha' must be in \(0, 1\): current value is 0/,
    );
  });
  await t.step("negative noise", () => {
    assert.throws(
      () => compareResults(ok, ok, { noise: -0.1 }),
      /'noise' must be in \[0, 1\)/,
    );
  });
  await t.step("disjoint bench sets, naming both results", () => {
    const other = result([bench("g", [1, 1, 1, 1, 1])]);
    assert.throws(
      () =>
        compareResults(ok, other, { baseName: "a.json", headName: "b.json" }),
      /Cannot compare 'a.json' with 'b.json' as they share no bench: 'a.json' has 1 \('sim_bench.ts::g::f'\)/,
    );
  });
  await t.step("a failed bench", () => {
    const failed = result([
      bench("f", [], { failed: "Uncaught Error: boom\n  at x" }),
    ]);
    assert.throws(
      () => compareResults(ok, failed, { headName: "h.json" }),
      /Cannot compare 'h.json' as bench 'sim_bench.ts::g::f' failed: Uncaught Error: boom$/,
    );
  });
  await t.step("a bench without replicates", () => {
    assert.throws(
      () => compareResults(result([bench("f", [])]), ok),
      /bench 'sim_bench.ts::g::f' has no replicates/,
    );
  });
  await t.step("two empty results compare to nothing", () => {
    assert.equal(compareResults(result([]), result([])).comparisons, 0);
  });
});

// The binomial bound: a count of Binomial(n, p) outside mean +/- 4.5 sd has probability < 1e-5.
function binomialBounds(n: number, p: number): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [mean - 4.5 * sd, mean + 4.5 * sd];
}

Deno.test("compareResults() on a simulated A/A comparison flags about alpha of the benches", () => {
  // 4000 benches, 10 replicates a side, all drawn from one log-normal (cv 5%).
  // The exact 10-vs-10 test at alpha 0.01 has a true size of 0.0089 (discreteness), inside the bound.
  const rng = createRng(2024);
  const n = 4000;
  const base: BenchResult[] = [];
  const head: BenchResult[] = [];
  for (let i = 0; i < n; i++) {
    base.push(bench(`b${i}`, draw(rng, 10, 100, 0.05)));
    head.push(bench(`b${i}`, draw(rng, 10, 100, 0.05)));
  }
  const c = compareResults(result(base), result(head), { resamples: 200 });
  const significant = c.rows.filter((r) => r.pValue! < c.alpha).length;
  const flagged =
    c.rows.filter((r) => r.verdict === "regressed" || r.verdict === "improved")
      .length;
  const [lo, hi] = binomialBounds(n, c.alpha);
  assert.ok(
    significant >= lo && significant <= hi,
    `${significant} significant of ${n}, bound [${lo}, ${hi}]`,
  );
  assert.ok(flagged <= significant && flagged <= hi, `${flagged} false alarms`);
  assert.equal(c.expectedFalseAlarms, n * c.alpha);
});

Deno.test("compareResults() catches a simulated 10% shift", async (t) => {
  await t.step(
    "5 replicates a side, cv 1%: nearly every bench regresses",
    () => {
      const rng = createRng(7);
      const base: BenchResult[] = [];
      const head: BenchResult[] = [];
      for (let i = 0; i < 300; i++) {
        base.push(bench(`b${i}`, draw(rng, 5, 100, 0.01)));
        head.push(bench(`b${i}`, draw(rng, 5, 110, 0.01)));
      }
      const c = compareResults(result(base), result(head), { resamples: 500 });
      const caught = c.rows.filter((r) => r.verdict === "regressed").length;
      assert.ok(caught >= 0.95 * 300, `${caught}/300 caught`);
      assert.equal(c.rows.filter((r) => r.verdict === "improved").length, 0);
    },
  );
  await t.step(
    "10 replicates a side, cv 3%: most benches regress, a 10% speed-up improves",
    () => {
      const rng = createRng(8);
      const base: BenchResult[] = [];
      const slower: BenchResult[] = [];
      const faster: BenchResult[] = [];
      for (let i = 0; i < 200; i++) {
        base.push(bench(`b${i}`, draw(rng, 10, 100, 0.03)));
        slower.push(bench(`b${i}`, draw(rng, 10, 110, 0.03)));
        faster.push(bench(`b${i}`, draw(rng, 10, 90, 0.03)));
      }
      const up = compareResults(result(base), result(slower), {
        resamples: 500,
      });
      const down = compareResults(result(base), result(faster), {
        resamples: 500,
      });
      const regressed = up.rows.filter((r) => r.verdict === "regressed").length;
      const improved = down.rows.filter((r) => r.verdict === "improved").length;
      assert.ok(regressed >= 0.8 * 200, `${regressed}/200 regressed`);
      assert.ok(improved >= 0.8 * 200, `${improved}/200 improved`);
    },
  );
});

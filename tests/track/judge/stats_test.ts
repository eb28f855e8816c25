import assert from "node:assert/strict";
import { createRng } from "../../../core/common/prng.ts";
import {
  assertSortedSamples,
  BOOTSTRAP_MAX_SAMPLE,
  bootstrapRatioCi,
  coefficientOfVariation,
  EXACT_MAX_TOTAL,
  isBimodal,
  mannWhitneyU,
  maxOf,
  mean,
  median,
  medianInterval,
  minimumPValue,
  minOf,
  normalCdf,
  quantile,
  sortSamples,
  standardDeviation,
  studentTQuantile,
  studentTTwoSidedP,
  thinSamples,
} from "../../../core/track/judge/stats.ts";

Deno.test("assertSortedSamples() accepts ascending finite samples and rejects the rest", async (t) => {
  await t.step("accepts ties", () => {
    const xs = [1, 1, 2];
    assertSortedSamples(xs);
    assert.equal(median(xs), 1);
  });
  await t.step("rejects an empty array", () => {
    assert.throws(() => assertSortedSamples([]), RangeError);
  });
  await t.step("rejects NaN and infinities", () => {
    assert.throws(() => assertSortedSamples([1, NaN]), /samples\[1\] is NaN/);
    assert.throws(() => assertSortedSamples([Infinity]), RangeError);
  });
  await t.step("rejects a descent, naming both values", () => {
    assert.throws(
      () => assertSortedSamples([1, 3, 2]),
      /samples\[2\] = 2 < samples\[1\] = 3/,
    );
  });
});

Deno.test("sortSamples() sorts numerically, not as strings, without mutating", () => {
  const xs = [10, 9, 100];
  assert.deepEqual([...sortSamples(xs)], [9, 10, 100]);
  assert.deepEqual(xs, [10, 9, 100]);
});

Deno.test("quantile() interpolates like R's type 7 and rejects q outside [0, 1]", async (t) => {
  const s = sortSamples([1, 2, 3, 4, 10]);
  await t.step("ends are min and max", () => {
    assert.equal(quantile(s, 0), 1);
    assert.equal(quantile(s, 1), 10);
  });
  await t.step("h = (n - 1) q, interpolated", () => {
    assert.equal(quantile(s, 0.25), 2); // h = 1
    assert.ok(Math.abs(quantile(s, 0.9) - 7.6) < 1e-12); // h = 3.6: 4 + 0.6 * 6
  });
  await t.step("throws for q = 1.5 and NaN", () => {
    assert.throws(
      () => quantile(s, 1.5),
      /'q' must be in \[0, 1\]: current value is 1.5/,
    );
    assert.throws(() => quantile(s, NaN), RangeError);
  });
});

Deno.test("median() takes the middle value or the mean of the two middle values", () => {
  assert.equal(median(sortSamples([3, 1, 2])), 2);
  assert.equal(median(sortSamples([4, 1, 3, 2])), 2.5);
  assert.equal(median(sortSamples([7])), 7);
});

Deno.test("mean(), standardDeviation() and coefficientOfVariation() match hand computations", async (t) => {
  await t.step("mean of 1, 2, 6 is 3", () => assert.equal(mean([1, 2, 6]), 3));
  await t.step("mean of nothing throws", () => {
    assert.throws(() => mean([]), /at least one value/);
  });
  await t.step("sample sd of 2,4,4,4,5,5,7,9 is sqrt(32/7)", () => {
    assert.ok(
      Math.abs(
        standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]) - Math.sqrt(32 / 7),
      ) < 1e-12,
    );
  });
  await t.step(
    "one value has sd 0",
    () => assert.equal(standardDeviation([5]), 0),
  );
  await t.step("cv of 9, 11 is sqrt(2)/10", () => {
    assert.ok(
      Math.abs(coefficientOfVariation([9, 11]) - Math.SQRT2 / 10) < 1e-12,
    );
  });
  await t.step(
    "cv of a zero mean is 0",
    () => assert.equal(coefficientOfVariation([-1, 1]), 0),
  );
});

Deno.test("bootstrapRatioCi() brackets the ratio of medians, reproducibly", async (t) => {
  const base = sortSamples([100, 101, 99, 100, 102]);
  const head = sortSamples([110, 111, 109, 110, 112]);
  await t.step("the same seed gives the same interval", () => {
    assert.deepEqual(
      bootstrapRatioCi(base, head, { seed: 9 }),
      bootstrapRatioCi(base, head, { seed: 9 }),
    );
  });
  await t.step(
    "the interval contains the point ratio and lies within the extreme ratios",
    () => {
      const [lo, hi] = bootstrapRatioCi(base, head, { resamples: 2000 });
      assert.ok(lo <= 1.1 && 1.1 <= hi);
      assert.ok(lo >= 109 / 102 && hi <= 112 / 99);
    },
  );
  await t.step("constant samples give a zero-width interval", () => {
    const [lo, hi] = bootstrapRatioCi(
      sortSamples([100, 100, 100]),
      sortSamples([110, 110]),
      { resamples: 50 },
    );
    assert.ok(Math.abs(lo - 1.1) < 1e-12 && Math.abs(hi - 1.1) < 1e-12);
  });
  await t.step(
    "covers a known ratio about 95% of the time (n = 21, 200 trials)",
    () => {
      const rng = createRng(5);
      let covered = 0;
      for (let trial = 0; trial < 200; trial++) {
        // Uniform noise around 100 and 120: true ratio of medians 1.2.
        const b = sortSamples(
          Array.from({ length: 21 }, () => 100 * (0.9 + 0.2 * rng())),
        );
        const h = sortSamples(
          Array.from({ length: 21 }, () => 120 * (0.9 + 0.2 * rng())),
        );
        const [lo, hi] = bootstrapRatioCi(b, h, {
          resamples: 1000,
          seed: trial,
        });
        if (lo <= 1.2 && 1.2 <= hi) covered++;
      }
      // Binomial(200, 0.95) is below 175 with probability < 1e-4; the percentile bootstrap may undercover a little.
      assert.ok(covered >= 175, `covered ${covered}/200`);
    },
  );
  await t.step(
    "throws for resamples 0, level 1 and a non-positive base",
    () => {
      assert.throws(
        () => bootstrapRatioCi(base, head, { resamples: 0 }),
        /'resamples' must be a positive integer: current value is 0/,
      );
      assert.throws(
        () => bootstrapRatioCi(base, head, { level: 1 }),
        /'level' must be in \(0, 1\)/,
      );
      assert.throws(
        () => bootstrapRatioCi(sortSamples([0, 1]), head),
        /every base sample must be positive: smallest is 0/,
      );
    },
  );
});

Deno.test("mannWhitneyU() matches hand-computed U and p-values", async (t) => {
  await t.step("5 vs 5 total separation: U = 0, exact p = 2/252", () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.equal(r.u, 0);
    assert.equal(r.method, "exact");
    assert.ok(Math.abs(r.p - 2 / 252) < 1e-15);
    assert.ok(r.p < 0.01, "5 replicates a side can reach alpha 0.01");
  });
  await t.step("reversed samples give U = m n and the same p", () => {
    const r = mannWhitneyU([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]);
    assert.equal(r.u, 25);
    assert.ok(Math.abs(r.p - 2 / 252) < 1e-15);
  });
  await t.step("2 vs 3 without ties: U = 1, p = 2 * 2/10", () => {
    // Orderings of 2 x among 5: U takes 0..6 with counts 1,1,2,2,2,1,1.
    const r = mannWhitneyU([1, 3], [2, 4, 5]);
    assert.equal(r.u, 1);
    assert.ok(Math.abs(r.p - 0.4) < 1e-15);
  });
  await t.step(
    "4 vs 4 with ties: midranks, U = 2.5, exact p = 2 * 7/70",
    () => {
      // Pooled 1 2 2 2 3 3 4 5 -> ranks 1, 3, 3, 3, 5.5, 5.5, 7, 8; x = {1, 2, 2, 3} sums to 12.5.
      // Splits of 4 ranks summing to <= 12.5: {1,3,3,3} once and {1,3,3,5.5} 3 * 2 = 6 ways.
      const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5]);
      assert.equal(r.u, 2.5);
      assert.equal(r.method, "exact");
      assert.ok(Math.abs(r.p - 0.2) < 1e-15);
    },
  );
  await t.step(
    "the same data by the normal approximation with tie and continuity correction",
    () => {
      // var = mn/12 (N + 1 - sum(t^3 - t) / (N (N - 1))) = 16/12 (9 - 30/56); z = (|2.5 - 8| - 0.5) / sqrt(var).
      const z = 5 / Math.sqrt((16 / 12) * (9 - 30 / 56));
      const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 5], { method: "normal" });
      assert.equal(r.method, "normal");
      assert.ok(Math.abs(z - 1.4883514) < 1e-6);
      assert.ok(Math.abs(r.p - 0.1366582) < 1e-6, `p ${r.p}`);
    },
  );
  await t.step("everything tied gives p = 1 by both methods", () => {
    assert.equal(mannWhitneyU([3, 3, 3], [3, 3]).p, 1);
    assert.equal(mannWhitneyU([3, 3, 3], [3, 3], { method: "normal" }).p, 1);
  });
  await t.step(
    "auto switches to the normal approximation above EXACT_MAX_TOTAL",
    () => {
      const half = EXACT_MAX_TOTAL / 2 + 1;
      const x = Array.from({ length: half }, (_, i) => i);
      const y = Array.from({ length: half }, (_, i) => i + 0.5);
      assert.equal(mannWhitneyU(x, y).method, "normal");
      assert.equal(
        mannWhitneyU(x.slice(0, 10), y.slice(0, 10)).method,
        "exact",
      );
    },
  );
  await t.step("exact and normal agree closely for 20 vs 20", () => {
    const rng = createRng(3);
    const x = Array.from({ length: 20 }, () => rng());
    const y = Array.from({ length: 20 }, () => rng() + 0.2);
    const e = mannWhitneyU(x, y, { method: "exact" }).p;
    const n = mannWhitneyU(x, y, { method: "normal" }).p;
    assert.ok(Math.abs(e - n) < 0.01, `exact ${e} normal ${n}`);
  });
  await t.step("throws for an empty or non-finite sample", () => {
    assert.throws(
      () => mannWhitneyU([], [1]),
      /'x' must hold at least one value/,
    );
    assert.throws(() => mannWhitneyU([1], [2, Infinity]), /y\[1\] is Infinity/);
  });
});

Deno.test("minimumPValue() is 2 / C(m + n, m), capped at 1", async (t) => {
  await t.step("5 vs 5 reaches 0.0079 < 0.01; 4 vs 4 only 0.029", () => {
    assert.ok(Math.abs(minimumPValue(5, 5) - 2 / 252) < 1e-15);
    assert.ok(Math.abs(minimumPValue(4, 4) - 2 / 70) < 1e-15);
  });
  await t.step(
    "1 vs 1 can never be significant",
    () => assert.equal(minimumPValue(1, 1), 1),
  );
  await t.step(
    "agrees with the exact test on total separation (6 vs 3)",
    () => {
      const p = mannWhitneyU([1, 2, 3, 4, 5, 6], [7, 8, 9]).p;
      assert.ok(Math.abs(p - minimumPValue(6, 3)) < 1e-15);
    },
  );
  await t.step("throws for m = 0 and n = 1.5", () => {
    assert.throws(
      () => minimumPValue(0, 5),
      /'m' must be a positive integer: current value is 0/,
    );
    assert.throws(
      () => minimumPValue(5, 1.5),
      /'n' must be a positive integer/,
    );
  });
});

Deno.test("isBimodal() flags two clusters and nothing else", async (t) => {
  await t.step("two tight clusters far apart", () => {
    assert.ok(isBimodal(sortSamples([10, 10.1, 10.2, 15, 15.1])));
  });
  await t.step("one outlier is not a mode", () => {
    assert.ok(!isBimodal(sortSamples([10, 10.1, 10.2, 10.3, 15])));
  });
  await t.step("a uniform spread has no dominant gap", () => {
    assert.ok(!isBimodal(sortSamples([10, 11, 12, 13, 14, 15])));
  });
  await t.step("a gap below 2% of the median does not count", () => {
    assert.ok(!isBimodal(sortSamples([100, 100, 100.5, 100.5])));
  });
  await t.step("fewer than 4 samples cannot show two clusters", () => {
    assert.ok(!isBimodal(sortSamples([1, 100, 101])));
  });
  await t.step(
    "the largest gap must be the split, not a lone outlier's",
    () => {
      assert.ok(!isBimodal(sortSamples([10, 10.1, 12, 12.1, 40])));
    },
  );
});

Deno.test("normalCdf() matches tabulated values", () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013499) < 1e-7);
  assert.ok(Math.abs(normalCdf(2.575829) - 0.995) < 1e-6);
});

Deno.test("medianInterval() picks the order statistics with the asked-for coverage", async (t) => {
  await t.step("one replicate: a point, coverage 0", () => {
    assert.deepEqual(medianInterval([4]), {
      median: 4,
      lo: 4,
      hi: 4,
      coverage: 0,
      n: 1,
    });
  });
  await t.step("five replicates: the range at 93.75%", () => {
    assert.deepEqual(medianInterval([5, 1, 4, 2, 3]), {
      median: 3,
      lo: 1,
      hi: 5,
      coverage: 0.9375,
      n: 5,
    });
  });
  await t.step("six replicates: the range reaches 96.9%", () => {
    const m = medianInterval([1, 2, 3, 4, 5, 6]);
    assert.equal(m.median, 3.5);
    assert.equal(m.coverage, 1 - 2 / 64);
  });
  await t.step("ten replicates: x(2)..x(9) at 97.9%", () => {
    const m = medianInterval([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual([m.lo, m.hi], [2, 9]);
    assert.ok(Math.abs(m.coverage - (1 - 2 * 11 / 1024)) < 1e-12);
  });
  await t.step("a lower level narrows the interval", () => {
    const m = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5);
    assert.ok(m.hi - m.lo < 7 && m.coverage >= 0.5);
  });
  await t.step("throws RangeError on no replicates or a bad level", () => {
    assert.throws(
      () => medianInterval([]),
      /'replicates' must hold at least one value: current length is 0/,
    );
    assert.throws(
      () => medianInterval([1], 1),
      /'level' must be in \(0, 1\): current value is 1/,
    );
  });
});

Deno.test("maxOf() and minOf() take any number of values, where a spread overflows the stack", () => {
  const xs = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 500_000);
  assert.throws(() => Math.max(...xs), RangeError);
  assert.equal(maxOf(xs), 499_999);
  assert.equal(minOf(xs), 0);
  assert.equal(maxOf([]), -Infinity);
  assert.equal(minOf([]), Infinity);
  assert.ok(Number.isNaN(maxOf([1, NaN, 2])), "NaN wins, as in Math.max");
});

Deno.test("thinSamples() keeps both extremes and evenly spaced order statistics", async (t) => {
  await t.step("a small sample is returned as it is", () => {
    const s = sortSamples([1, 2, 3]);
    assert.equal(thinSamples(s, 3), s);
  });
  await t.step("a large one is cut to max values, still ascending", () => {
    const s = sortSamples(Array.from({ length: 10_001 }, (_, i) => i / 10));
    const t2 = thinSamples(s);
    assert.equal(t2.length, BOOTSTRAP_MAX_SAMPLE);
    assert.equal(t2[0], 0);
    assert.equal(t2[t2.length - 1], 1000);
    assertSortedSamples(t2);
    assert.ok(Math.abs(median(t2) - median(s)) < 1e-9);
  });
  await t.step("max below 2 is refused", () => {
    assert.throws(
      () => thinSamples(sortSamples([1, 2, 3]), 1),
      /Cannot thin samples as 'max' must be an integer >= 2: current value is 1/,
    );
  });
});

Deno.test("bootstrapRatioCi() on 130,000 replicates a side resamples a thinned sample", () => {
  const base = sortSamples(
    Array.from({ length: 130_000 }, (_, i) => 100 + (i % 97) / 10),
  );
  const head = sortSamples(base.map((x) => x * 1.1));
  const [lo, hi] = bootstrapRatioCi(base, head, { resamples: 500 });
  const ratio = median(head) / median(base);
  assert.ok(lo <= ratio && ratio <= hi, `${lo} <= ${ratio} <= ${hi}`);
  assert.ok(hi - lo < 0.05, `${lo}..${hi}`);
  // The same as resampling the thinned samples directly: nothing else is drawn.
  assert.deepEqual(
    bootstrapRatioCi(thinSamples(base), thinSamples(head), { resamples: 500 }),
    [lo, hi],
  );
});

Deno.test("studentTTwoSidedP() matches tabulated t quantiles", async (t) => {
  // Two-sided tail probabilities from standard t tables.
  const table: [number, number, number][] = [
    [12.706205, 1, 0.05],
    [4.302653, 2, 0.05],
    [9.924843, 2, 0.01],
    [2.776445, 4, 0.05],
    [2.228139, 10, 0.05],
    [1.959964, 1e7, 0.05],
  ];
  for (const [x, df, p] of table) {
    await t.step(`t=${x}, df=${df} -> p=${p}`, () => {
      assert.ok(Math.abs(studentTTwoSidedP(x, df) - p) < 1e-6);
      assert.ok(Math.abs(studentTTwoSidedP(-x, df) - p) < 1e-6);
      assert.ok(Math.abs(studentTQuantile(p, df) - x) < 1e-5 * x);
    });
  }
  await t.step("t = 0 gives 1, an infinite t gives 0", () => {
    assert.equal(studentTTwoSidedP(0, 2), 1);
    assert.equal(studentTTwoSidedP(Infinity, 2), 0);
  });
});

Deno.test("studentTTwoSidedP() and studentTQuantile() throw RangeError on bad arguments", () => {
  assert.throws(() => studentTTwoSidedP(1, 0), RangeError);
  assert.throws(() => studentTTwoSidedP(NaN, 3), /'df' must be positive/);
  assert.throws(() => studentTQuantile(0, 3), /'p' must be in \(0, 1\)/);
  assert.throws(() => studentTQuantile(0.05, -1), RangeError);
});

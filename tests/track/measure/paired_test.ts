import assert from "node:assert/strict";
import {
  comparePaired,
  measurePair,
  pairedLook,
  plannedLooks,
} from "../../../core/track/measure/paired.ts";
import {
  type CaseRef,
  loadCases,
} from "../../../core/track/suite/load_suite.ts";
import { createRng } from "../../../core/common/prng.ts";

/** Two trees with a plain bench file `w_bench.ts` whose "mix" body runs `work[i]` iterations. */
async function pairOfTrees(
  work: [number, number],
): Promise<{ dirs: string[]; refs: CaseRef[] }> {
  const dirs: string[] = [];
  const refs: CaseRef[] = [];
  for (const n of work) {
    const dir = await Deno.makeTempDir({ prefix: "pmubench-paired-test-" });
    await Deno.writeTextFile(
      `${dir}/w_bench.ts`,
      `let sink = 0;
Deno.bench("mix", () => {
  let h = sink | 0;
  for (let i = 0; i < ${n}; i++) h = Math.imul(h ^ i, 0x9e3779b1) >>> 0;
  sink = h;
});
`,
    );
    dirs.push(dir);
    refs.push((await loadCases(dir, ["w_bench.ts"]))[0]);
  }
  return { dirs, refs };
}

async function removeAll(dirs: string[]): Promise<void> {
  for (const d of dirs) await Deno.remove(d, { recursive: true });
}

const fast = { blocks: 20, maxProcesses: 8, seconds: 600, seed: 7 };

Deno.test("comparePaired() calls a head doing 1.5x the work regressed", async () => {
  const { dirs, refs } = await pairOfTrees([2000, 3000]);
  try {
    const r = await comparePaired(refs[0], refs[1], fast);
    assert.equal(r.look.verdict, "regressed", JSON.stringify(r.look));
    assert(r.processes.length >= 4 && r.processes.length % 2 === 0);
    // Import order alternates between the processes of a pair.
    assert.notEqual(r.processes[0].first, r.processes[1].first);
    assert.equal(r.looks, plannedLooks(4, 8));
  } finally {
    await removeAll(dirs);
  }
});

Deno.test("comparePaired() does not flag an A/A comparison with a fixed seed", async () => {
  const { dirs, refs } = await pairOfTrees([2000, 2000]);
  try {
    const progress: number[] = [];
    const r = await comparePaired(refs[0], refs[1], {
      ...fast,
      onProgress: (p) => progress.push(p.process.logRatio),
    });
    assert(
      r.look.verdict === "unchanged" || r.look.verdict === "undecided",
      JSON.stringify(r.look),
    );
    assert.equal(r.seed, 7);
    assert.equal(progress.length, r.processes.length);
  } finally {
    await removeAll(dirs);
  }
});

Deno.test("comparePaired() with its budget spent after two processes measures a third, in turn, and decides nothing", async () => {
  const { dirs, refs } = await pairOfTrees([2000, 2000]);
  try {
    const looks: boolean[] = [];
    const r = await comparePaired(refs[0], refs[1], {
      ...fast,
      seconds: 0.001,
      onProgress: (p) => looks.push(p.look !== undefined),
    });
    assert.equal(r.budgetSpent, true);
    assert.equal(r.processes.length, 3);
    assert.deepEqual(looks, [false, false, true]);
    assert.equal(r.processes[2].first, r.processes[0].first);
    assert.notEqual(r.processes[1].first, r.processes[0].first);
    assert.equal(r.look.processes, 3);
    assert.equal(r.look.verdict, "undecided");
  } finally {
    await removeAll(dirs);
  }
});

Deno.test("measurePair() rejects two different cases", async () => {
  const { dirs, refs } = await pairOfTrees([10, 10]);
  try {
    const other = { ...refs[1], case: { ...refs[1].case, name: "other" } };
    await assert.rejects(
      measurePair(refs[0], other),
      (e) => e instanceof RangeError && /must be the same case/.test(e.message),
    );
  } finally {
    await removeAll(dirs);
  }
});

Deno.test("comparePaired() rejects a bad design", async () => {
  const { dirs, refs } = await pairOfTrees([10, 10]);
  try {
    for (
      const bad of [
        { minProcesses: 2 },
        { maxProcesses: 3 },
        { alpha: 0 },
      ]
    ) {
      await assert.rejects(
        comparePaired(refs[0], refs[1], bad),
        (e) => e instanceof RangeError && /Cannot plan/.test(e.message),
      );
    }
  } finally {
    await removeAll(dirs);
  }
});

Deno.test("pairedLook() verdicts follow the interval", async (t) => {
  const design = { alpha: 0.05, looks: 9, equivalence: 0.02 };
  await t.step("above 0: regressed", () => {
    assert.equal(
      pairedLook([0.05, 0.051, 0.049, 0.05], design).verdict,
      "regressed",
    );
  });
  await t.step("below 0: improved", () => {
    assert.equal(
      pairedLook([-0.05, -0.051, -0.049, -0.05], design).verdict,
      "improved",
    );
  });
  await t.step("inside +-equivalence: unchanged", () => {
    assert.equal(
      pairedLook([0.001, -0.001, 0, 0.0005], design).verdict,
      "unchanged",
    );
  });
  await t.step(
    "inside +-equivalence though it excludes 0: unchanged, not a flag",
    () => {
      // What an A/A comparison of two trees read once: a real -0.03%
      // (different paths), far inside the band, with a tiny spread.
      const l = pairedLook([-0.0003, -0.00035, -0.00033, -0.00034], design);
      assert(l.high < 0, "the interval excludes 0");
      assert.equal(l.verdict, "unchanged");
    },
  );
  await t.step("wide: undecided", () => {
    const l = pairedLook([0.1, -0.1, 0.05, -0.02], design);
    assert.equal(l.verdict, "undecided");
    assert(l.low < 0 && l.high > 0 && l.detectable > 0);
  });
  await t.step("more looks, wider interval", () => {
    const xs = [0.03, 0.05, 0.04, 0.06];
    const one = pairedLook(xs, { ...design, looks: 1 });
    const nine = pairedLook(xs, design);
    assert(nine.high - nine.low > one.high - one.low);
  });
  await t.step("one process throws", () => {
    assert.throws(() => pairedLook([0.1], design), RangeError);
  });
});

Deno.test("pairedLook() with import orders takes their effect out", async (t) => {
  const design = { alpha: 0.05, looks: 9, equivalence: 0.02 };
  const alternate = (k: number) =>
    Array.from({ length: k }, (_, i) => i % 2 === 0 ? "base" : "head") as (
      | "base"
      | "head"
    )[];
  await t.step("an order effect alone is no change", () => {
    // The revision imported second runs 4% slower, and nothing else differs.
    const xs = [0.04, -0.04, 0.041, -0.039, 0.039, -0.041, 0.04, -0.04];
    const plain = pairedLook(xs, design);
    const l = pairedLook(xs, design, alternate(xs.length));
    assert.equal(plain.verdict, "undecided", "the spread holds the order");
    assert.equal(l.verdict, "unchanged");
    assert(Math.abs(l.logRatio) < 1e-9);
    assert(Math.abs(l.orderEffect! - 0.04) < 1e-9);
    assert.equal(l.degreesOfFreedom, xs.length - 2);
    assert(l.high - l.low < (plain.high - plain.low) / 10);
  });
  await t.step("a change under an order effect is found", () => {
    const xs = [0.09, 0.01, 0.091, 0.011, 0.089, 0.009];
    const l = pairedLook(xs, design, alternate(xs.length));
    assert.equal(l.verdict, "regressed");
    assert(Math.abs(l.logRatio - 0.05) < 1e-3);
  });
  await t.step("unequal counts: the mean of the orders' means", () => {
    const l = pairedLook([0.1, 0.12, 0.0], design, ["base", "base", "head"]);
    assert(Math.abs(l.logRatio - 0.055) < 1e-9);
    assert.equal(l.degreesOfFreedom, 1);
  });
  await t.step("without both orders, or under three processes, throws", () => {
    for (
      const [xs, firsts] of [
        [[0.1, 0.2, 0.3], ["base", "base", "base"]],
        [[0.1, 0.2], ["base", "head"]],
        [[0.1, 0.2, 0.3], ["base", "head"]],
      ] as [number[], ("base" | "head")[]][]
    ) {
      assert.throws(
        () => pairedLook(xs, design, firsts),
        (e) => e instanceof RangeError && /import order/.test(e.message),
      );
    }
  });
});

Deno.test("the sequential design decides through an import-order effect", () => {
  // Simulated processes through the design's looks (4, 6, ..., 20): a
  // change d, an order effect of 3% (+ when the base is imported first),
  // normal noise of 0.6% per process. The same draws go through both rules.
  const design = { alpha: 0.05, looks: 9, equivalence: 0.02 };
  const rng = createRng(2026);
  const gauss = () =>
    Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const run = (d: number, withOrders: boolean, draws: number[]) => {
    const xs: number[] = [];
    const firsts: ("base" | "head")[] = [];
    for (let k = 1; k <= 20; k++) {
      const first = k % 2 === 1 ? "base" : "head";
      xs.push(d + (first === "base" ? 0.03 : -0.03) + 0.006 * draws[k - 1]);
      firsts.push(first);
      if (k >= 4 && k % 2 === 0) {
        const l = withOrders
          ? pairedLook(xs, design, firsts)
          : pairedLook(xs, design);
        if (l.verdict !== "undecided") return l.verdict;
      }
    }
    return "undecided";
  };
  const tally = (d: number, withOrders: boolean, runs: number[][]) => {
    const n: Record<string, number> = {};
    for (const draws of runs) {
      const v = run(d, withOrders, draws);
      n[v] = (n[v] ?? 0) + 1;
    }
    return n;
  };
  const runs = Array.from(
    { length: 200 },
    () => Array.from({ length: 20 }, gauss),
  );
  // Taken out: no change reads unchanged, +5% regressed, every time.
  assert.deepEqual(tally(0, true, runs), { unchanged: 200 });
  assert.deepEqual(tally(0.05, true, runs), { regressed: 200 });
  // Left in the spread (one-sample t on the figures): no change stays
  // undecided, however many processes.
  assert((tally(0, false, runs).undecided ?? 0) >= 190);
});

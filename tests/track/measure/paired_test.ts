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
      const bad of [{ minProcesses: 1 }, { maxProcesses: 3 }, { alpha: 0 }]
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

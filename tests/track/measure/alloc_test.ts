import assert from "node:assert/strict";
import {
  attachProfiles,
  figureWarnings,
  NEAR_NOOP_NS_PER_OP,
  profileCase,
  profileFromReport,
} from "../../../core/track/measure/alloc.ts";
import type { HarnessReport } from "../../../core/track/measure/harness/case_harness.ts";
import { loadCases } from "../../../core/track/suite/load_suite.ts";
import { resultOf } from "../_result_helpers.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

const report = (
  heapGrowth: number[],
  extra: Partial<HarnessReport> = {},
): HarnessReport => ({
  case: "g/f x4",
  opsPerCall: 4,
  calls: 100,
  warmup: 2000,
  tierBefore: "turbofan",
  tierAfter: "turbofan",
  driverTier: "turbofan",
  heapGrowth,
  nsPerCall: 40,
  noopNsPerCall: 1,
  sink: 0,
  ...extra,
});

Deno.test("profileFromReport() turns heap growths into bytes per op", async (t) => {
  await t.step("the slope of growth against calls, per op", () => {
    const p = profileFromReport(report([1000, 4200, 7400, 10600]));
    assert.equal(p.bytesPerOp, 8); // 3200 bytes per 100 calls of 4 ops
    assert.equal(p.bytesExact, true);
    assert.equal(p.nsPerOp, 10);
  });
  await t.step("no allocation: 0, exact despite a small wobble", () => {
    const p = profileFromReport(report([2656, 2656, 2624, 2624]));
    assert.equal(p.bytesPerOp, 0);
    assert.equal(p.bytesExact, true);
  });
  await t.step("one odd region (a one-off compilation) is outvoted", () => {
    const p = profileFromReport(report([4152, 2640, 2640, 2640]));
    assert.equal(p.bytesPerOp, 0);
    assert.equal(p.bytesExact, true);
  });
  await t.step("an odd region in the middle is outvoted too", () => {
    const p = profileFromReport(report([392, 1904, 392, 392]));
    assert.equal(p.bytesPerOp, 0);
    assert.equal(p.bytesExact, true);
  });
  await t.step("collections inside two regions: inexact", () => {
    const p = profileFromReport(report([1000, 4200, 500, 9000]));
    assert.equal(p.bytesExact, false);
  });
  await t.step("a count-mode report: RangeError", () => {
    assert.throws(
      () => profileFromReport(report([1000], { nsPerCall: undefined })),
      /not from profile mode/,
    );
  });
});

Deno.test("figureWarnings() names every reason to distrust a figure", async (t) => {
  const ok = {
    tierBefore: "turbofan",
    tierAfter: "turbofan",
    driverTier: "turbofan",
  } as const;
  await t.step("optimized throughout, far from the no-op: none", () => {
    assert.deepEqual(
      figureWarnings({ ...ok, aboveNoopPerOp: 5, nearNoopThreshold: 1 }),
      [],
    );
  });
  await t.step("interpreted, deoptimized, driver not optimized", () => {
    assert.match(
      figureWarnings({
        ...ok,
        tierBefore: "interpreted",
        tierAfter: "interpreted",
      })[0],
      /unoptimized \(interpreted\)/,
    );
    assert.match(
      figureWarnings({ ...ok, tierAfter: "none" })[0],
      /deoptimized/,
    );
    assert.match(
      figureWarnings({ ...ok, driverTier: "baseline" })[0],
      /harness loop ran in baseline/,
    );
  });
  await t.step("close to the no-op reference", () => {
    const [w] = figureWarnings({
      ...ok,
      aboveNoopPerOp: 0.1,
      nearNoopThreshold: NEAR_NOOP_NS_PER_OP,
      unit: "ns/op",
    });
    assert.match(w, /within 0.1 ns\/op of the no-op reference/);
  });
  await t.step("inexact allocation", () => {
    assert.match(
      figureWarnings({ ...ok, bytesExact: false })[0],
      /allocation inexact/,
    );
  });
});

Deno.test("profileCase() measures allocation exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a_bench.ts`, "");
    // Each op stores a fresh two-element array: a JSArray and its backing store.
    await Deno.writeTextFile(
      `${dir}/a_cases.ts`,
      `const keep: unknown[] = [];
export const suite = { file: "a_bench.ts", cases: [
  { group: "g", name: "pair x4", opsPerCall: 4, axes: {}, body: () => { for (let i = 0; i < 4; i++) keep[i] = [i, i + 1]; } },
  { group: "g", name: "none x4", opsPerCall: 4, axes: {}, body: () => { for (let i = 0; i < 4; i++) keep[i] = i; } },
] };`,
    );
    const [pair, none] = await loadCases(dir, ["a_bench.ts"]);
    const p = await profileCase(pair, { cwd: dir });
    const q = await profileCase(none, { cwd: dir });
    assert(p.bytesExact && q.bytesExact);
    assert.equal(q.bytesPerOp, 0);
    // A JSArray plus a FixedArray of 2: at least 32 bytes, a whole number of
    // 8-byte words up to the page-end filler (well under 1%).
    const words = Math.round(p.bytesPerOp / 8);
    assert(words >= 4, String(p.bytesPerOp));
    assert(
      Math.abs(p.bytesPerOp - words * 8) < 0.01 * p.bytesPerOp,
      String(p.bytesPerOp),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("attachProfiles() puts bytes, tier and warnings beside each figure", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bench`);
    await Deno.copyFile(
      `${testdata}tiny_cases.ts`,
      `${dir}/bench/tiny_cases.ts`,
    );
    await Deno.writeTextFile(`${dir}/bench/tiny_bench.ts`, "");
    const bench = (name: string) => ({
      key: `tiny_bench.ts::tiny::${name}`,
      file: "tiny_bench.ts",
      group: "tiny",
      name,
      baseline: false,
      metric: "time",
      unit: "ns/op",
      opsPerCall: name === "sum x8" ? 8 : 1,
      replicates: [1, 2],
    });
    const result = resultOf([
      bench("sum x8"),
      bench("not in the cases module"),
    ]);
    const r = await attachProfiles(
      result,
      await loadCases(dir, ["bench/tiny_bench.ts"]),
      { cwd: dir },
    );
    assert.equal(r.benches[0].profile?.bytesPerOp, 0);
    assert.equal(typeof r.benches[0].profile?.tier, "string");
    assert.equal(r.benches[1].profile, undefined);
    assert.match(String(r.flags.allocation), /V8 used heap bytes/);

    // A case that throws: the figure stays, a warning says why there is no profile.
    await Deno.writeTextFile(
      `${dir}/bench/tiny_cases.ts`,
      `export const suite = { file: "tiny_bench.ts", cases: [{ group: "tiny", name: "sum x8", opsPerCall: 8, axes: {}, body: () => { throw new Error("boom"); } }] };`,
    );
    // A fresh path: the module above was cached under the old one in this process.
    await Deno.rename(
      `${dir}/bench/tiny_cases.ts`,
      `${dir}/bench/boom_cases.ts`,
    );
    const boom = {
      ...result,
      benches: [{
        ...bench("sum x8"),
        key: "boom_bench.ts::tiny::sum x8",
        file: "boom_bench.ts",
      }],
    };
    const b = await attachProfiles(
      boom,
      await loadCases(dir, ["bench/boom_bench.ts"]),
      { cwd: dir },
    );
    assert.match(
      String(b.benches[0].warning),
      /the profile process failed .*boom/,
    );
    assert.deepEqual(b.benches[0].replicates, [1, 2]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

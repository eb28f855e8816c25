import assert from "node:assert/strict";
import {
  attachBackends,
  hwCounterBackend,
  type MeasurementBackend,
  measurementBackends,
} from "../../../core/track/measure/backend.ts";
import type { ResultFile } from "../../../core/track/result/result.ts";
import { resultOf } from "../_result_helpers.ts";

/** A backend that records its calls and marks the result's flags when it attaches. */
function fake(
  name: string,
  metric: string,
  available: boolean,
  calls: string[],
): MeasurementBackend {
  return {
    name,
    appliesTo: (m) => m === metric,
    availability: () =>
      Promise.resolve(
        available
          ? { available: true, description: `${name} here` }
          : { available: false, reason: `${name} missing` },
      ),
    attach: (result: ResultFile) => {
      calls.push(name);
      return Promise.resolve({
        ...result,
        flags: { ...result.flags, [`${name}Attached`]: true },
      });
    },
    describe: (a) => `${name}: ${a.available ? a.description : a.reason}`,
  };
}

Deno.test("attachBackends() attaches the available backends that apply, in order", async (t) => {
  const r = { ...resultOf([]), flags: { metric: "time" } };
  await t.step("applies, available: attached, described, flagged", async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const out = await attachBackends(r, [
      fake("a", "time", true, calls),
      fake("b", "instructions", true, calls),
      fake("c", "time", false, calls),
      fake("d", "time", true, calls),
    ], { cwd: ".", cases: [], onProgress: (l) => lines.push(l) });
    assert.deepEqual(calls, ["a", "d"]);
    assert.deepEqual(lines, ["a: a here", "c: c missing", "d: d here"]);
    assert.equal(out.flags.a, "a here");
    assert.equal(out.flags.b, undefined);
    assert.equal(out.flags.c, "c missing");
    assert.equal(out.flags.aAttached, true);
    assert.equal(out.flags.cAttached, undefined);
  });
  await t.step("the first bench's metric wins over flags.metric", async () => {
    const calls: string[] = [];
    const withBench = resultOf([{
      key: "a_bench.ts::g::f",
      file: "a_bench.ts",
      group: "g",
      name: "f",
      baseline: false,
      metric: "instructions",
      unit: "instr/op",
      opsPerCall: 1,
      replicates: [1],
    }]);
    await attachBackends({ ...withBench, flags: { metric: "time" } }, [
      fake("t", "time", true, calls),
      fake("i", "instructions", true, calls),
    ], { cwd: ".", cases: [] });
    assert.deepEqual(calls, ["i"]);
  });
});

Deno.test("measurementBackends() lists every backend, allocation unless switched off", () => {
  assert.deepEqual(measurementBackends().map((b) => b.name), [
    "allocation",
    "hwCounters",
  ]);
  const [alloc, hw] = measurementBackends();
  assert(alloc.appliesTo("time") && !alloc.appliesTo("instructions"));
  assert(hw.appliesTo("instructions") && !hw.appliesTo("time"));
  assert.deepEqual(
    measurementBackends({ allocation: false }).map((b) => b.name),
    ["hwCounters"],
  );
});

Deno.test("hwCounterBackend() says in one line why counters are unavailable", async () => {
  const hw = hwCounterBackend("/nonexistent/perf");
  const a = await hw.availability();
  assert.equal(a.available, false);
  assert.match(
    hw.describe?.(a) ?? "",
    /^hardware counters: unavailable, '\/nonexistent\/perf' is not installed/,
  );
});

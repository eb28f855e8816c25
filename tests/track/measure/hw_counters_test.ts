import assert from "node:assert/strict";
import {
  attachHwCounters,
  countCaseHw,
  describeHwCounters,
  detectHwCounters,
  parsePerfStat,
} from "../../../core/track/measure/hw_counters.ts";
import { loadCases } from "../../../core/track/suite/load_suite.ts";
import { resultOf } from "../_result_helpers.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

Deno.test("parsePerfStat() reads counts and perf's words for missing ones", () => {
  const text = [
    "# started on Mon",
    "",
    "<not supported>,,cycles:u,0,100.00,,",
    "123456,,instructions:u,1000,100.00,,",
    "<not counted>,,branch-misses,0,0.00,,",
  ].join("\n");
  assert.deepEqual(parsePerfStat(text), [
    { event: "cycles", value: null, note: "<not supported>" },
    { event: "instructions", value: 123456 },
    { event: "branch-misses", value: null, note: "<not counted>" },
  ]);
  assert.deepEqual(parsePerfStat("garbage"), []);
});

Deno.test("detectHwCounters() says why counters are unavailable", async (t) => {
  await t.step("perf missing", async () => {
    const s = await detectHwCounters("/nonexistent/perf");
    assert.equal(s.available, false);
    assert.match(
      describeHwCounters(s),
      /^hardware counters: unavailable, '\/nonexistent\/perf' is not installed/,
    );
    assert.equal(describeHwCounters(s).split("\n").length, 1);
  });
  await t.step(
    "perf that cannot count: a fake perf answering <not supported>",
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        const fake = `${dir}/perf`;
        await Deno.writeTextFile(
          fake,
          "#!/bin/sh\necho '<not supported>,,cycles:u,0,100.00,,' >&2\necho '<not supported>,,instructions:u,0,100.00,,' >&2\n",
        );
        await Deno.chmod(fake, 0o755);
        const s = await detectHwCounters(fake);
        assert.equal(s.available, false);
        assert(
          !s.available &&
            /exposes no hardware counters.*cycles <not supported>/.test(
              s.reason,
            ),
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
  await t.step("perf that fails outright", async () => {
    const s = await detectHwCounters("false");
    assert(!s.available && /failed \(exit code 1\)/.test(s.reason));
  });
  await t.step(
    "this machine: whatever it is, the line is one sentence and claims nothing it did not count",
    async () => {
      const s = await detectHwCounters();
      const line = describeHwCounters(s);
      assert.equal(line.split("\n").length, 1);
      if (!s.available) {
        assert.match(line, /no cycle or branch-miss figures are reported/);
      }
    },
  );
  await t.step("an available status is described as measured", () => {
    assert.match(
      describeHwCounters({
        available: true,
        command: "perf",
        description: "perf stat",
      }),
      /cycles, instructions, branch-misses per op/,
    );
  });
});

Deno.test("countCaseHw() and attachHwCounters() never invent figures", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/tiny_cases.ts`);
    await Deno.writeTextFile(`${dir}/tiny_bench.ts`, "");
    const cases = await loadCases(dir, ["tiny_bench.ts"]);
    await t.step("calls must be a positive integer", async () => {
      await assert.rejects(
        countCaseHw(cases[0], 0),
        /'calls' must be a positive integer/,
      );
    });
    const s = await detectHwCounters();
    if (!s.available) {
      await t.step(
        "where perf cannot count: RangeError naming the event",
        async () => {
          await assert.rejects(
            countCaseHw(cases[0], 16, { cwd: dir }),
            /perf reported cycles <not supported>|not installed|failed/,
          );
        },
      );
    }
    await t.step(
      "a failing count becomes a warning, the figure stays, no counter fields appear",
      async () => {
        const result = resultOf([{
          key: "tiny_bench.ts::tiny::sum x8",
          file: "tiny_bench.ts",
          group: "tiny",
          name: "sum x8",
          baseline: true,
          metric: "instructions",
          unit: "instr/op",
          opsPerCall: 8,
          replicates: [9.25],
          count: { calls: 16, warmupCalls: 2000, instructionsPerCall: 74 },
          warning: "earlier",
        }]);
        const r = await attachHwCounters(result, cases, {
          cwd: dir,
          perf: "/nonexistent/perf",
        });
        assert.match(
          String(r.benches[0].warning),
          /^earlier; no hardware counters \(/,
        );
        assert.equal(r.benches[0].hw, undefined);
        assert.deepEqual(r.benches[0].replicates, [9.25]);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import {
  benchKey,
  countOf,
  hwCountersOf,
  isFailed,
  parseResultText,
  profileOf,
  readResultFile,
  RESULT_SCHEMA,
  resultFromDenoBench,
  resultOf,
  serializeResult,
  validateResultValue,
  warningOf,
  writeResultFile,
} from "../../../core/track/result/result.ts";

import { bench } from "../history/_history_helpers.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;
const read = (name: string) => Deno.readTextFileSync(`${testdata}${name}`);

Deno.test("benchKey() joins file, group and name with '::'", () => {
  assert.equal(
    benchKey("a_bench.ts", { group: "g", name: "n x2" }),
    "a_bench.ts::g::n x2",
  );
  assert.equal(
    benchKey("a_bench.ts", { group: "", name: "n" }),
    "a_bench.ts::::n",
  );
});

Deno.test("parseResultText() reads a pmubench result and round-trips it", async (t) => {
  const text = read("result_base.json");
  const r = parseResultText(text, "result_base.json");
  await t.step("fields come through", () => {
    assert.equal(r.schema, RESULT_SCHEMA);
    assert.equal(r.env.cores, 2);
    assert.equal(r.benches.length, 4);
    assert.deepEqual(r.benches[0].replicates, [100, 101, 99.5, 100.5, 100.2]);
    assert.equal(r.flags.filter, null);
  });
  await t.step("serializeResult() then parse gives the same value", () => {
    assert.deepEqual(parseResultText(serializeResult(r), "again"), r);
  });
  await t.step("unknown fields (from later versions) survive", () => {
    const data = JSON.parse(text);
    data.note = "kept";
    data.benches[0].tier = "turbofan";
    const back = parseResultText(
      serializeResult(parseResultText(JSON.stringify(data), "x")),
      "y",
    );
    assert.equal((back as unknown as Record<string, unknown>).note, "kept");
    assert.equal(
      (back.benches[0] as unknown as Record<string, unknown>).tier,
      "turbofan",
    );
  });
  await t.step(
    "serializeResult() writes identity before figures and raw processes last",
    () => {
      const out = serializeResult({
        ...r,
        benches: [{
          ...r.benches[0],
          processes: [{ n: 1, min: 1, avg: 1, p75: 1, p99: 1 }],
          axes: { s: "u64" },
        }],
      });
      const b = JSON.parse(out).benches[0];
      assert.deepEqual(Object.keys(b), [
        "key",
        "file",
        "group",
        "name",
        "baseline",
        "metric",
        "unit",
        "opsPerCall",
        "replicates",
        "axes",
        "processes",
      ]);
      assert.ok(out.endsWith("}\n"));
    },
  );
});

Deno.test("isFailed() tells a failed bench by its 'failed' field, as every version wrote it", async (t) => {
  const text = serializeResult(resultOf([
    bench("f", [2], { axes: { s: "u64" }, failed: "boom\nat x" }),
    bench("ok", [1]),
  ], { date: "2025-01-01T00:00:00.000Z" }));
  await t.step(
    "on disk: a 'failed' string after the axes, nothing else",
    () => {
      const [failed, ok] = JSON.parse(text).benches;
      assert.deepEqual(Object.keys(failed).slice(-3), [
        "replicates",
        "axes",
        "failed",
      ]);
      assert.equal(failed.failed, "boom\nat x");
      assert.equal("failed" in ok, false);
    },
  );
  await t.step("read back: narrowed by isFailed(), replicates kept", () => {
    const [failed, ok] = parseResultText(text, "r.json").benches;
    assert(failed !== undefined && isFailed(failed));
    assert.equal(failed.failed.split("\n")[0], "boom");
    assert.deepEqual(failed.replicates, [2]);
    assert(ok !== undefined && !isFailed(ok));
    assert.equal(ok.failed, undefined);
  });
});

Deno.test("parseResultText() converts plain 'deno bench --json' output", async (t) => {
  const r = parseResultText(read("deno_bench.json"), "deno_bench.json", {
    date: "2025-02-03T00:00:00.000Z",
  });
  const raw = JSON.parse(read("deno_bench.json"));
  await t.step(
    "one replicate per bench, avg divided by the name's batch",
    () => {
      const sum = r.benches.find((b) => b.name === "sum x8")!;
      assert.equal(sum.key, "tiny_bench.ts::tiny::sum x8");
      assert.equal(sum.opsPerCall, 8);
      assert.deepEqual(sum.replicates, [raw.benches[0].results[0].ok.avg / 8]);
      assert.equal(sum.processes![0].n, raw.benches[0].results[0].ok.n);
      assert.equal(sum.baseline, true);
    },
  );
  await t.step("the runtime string gives version, arch and OS", () => {
    assert.equal(r.env.deno, "2.9.6");
    assert.equal(r.env.arch, "x86_64");
    assert.equal(r.env.os, "linux");
    assert.equal(r.env.cpu, "AMD EPYC");
    assert.equal(r.env.commit, null);
    assert.equal(r.origin, "deno bench --json");
    assert.equal(r.date, "2025-02-03T00:00:00.000Z");
  });
  await t.step("a failed bench keeps its message and has no replicate", () => {
    const f = parseResultText(read("deno_bench_failed.json"), "f.json");
    assert.equal(f.benches[1].failed, "Uncaught Error: boom");
    assert.deepEqual(f.benches[1].replicates, []);
  });
  await t.step("a null group becomes ''", () => {
    const g = resultFromDenoBench({
      version: 1,
      runtime: "x",
      benches: [{
        origin: "file:///a_bench.ts",
        group: null,
        name: "n",
        results: [{ ok: { n: 1, min: 1, avg: 2, p75: 1, p99: 1 } }],
      }],
    }, "s");
    assert.equal(g.benches[0].key, "a_bench.ts::::n");
    assert.equal(g.env.deno, "x");
  });
});

Deno.test("readResultFile() dates converted output by the file's modification time", async () => {
  const path = `${testdata}deno_bench.json`;
  const r = await readResultFile(path);
  assert.equal(r.date, (await Deno.stat(path)).mtime!.toISOString());
});

Deno.test("writeResultFile() creates parent directories", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = parseResultText(read("result_head.json"), "h");
    await writeResultFile(`${dir}/x/y/r.json`, r);
    assert.deepEqual(await readResultFile(`${dir}/x/y/r.json`), r);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseResultText() rejects text that is not JSON with a SyntaxError naming the source", async (t) => {
  await t.step("truncated", () => {
    assert.throws(
      () => parseResultText(read("truncated.json.txt"), "cut.json"),
      {
        name: "SyntaxError",
        message:
          "Cannot read result 'cut.json' as it is truncated: the JSON stops after 400 characters",
      },
    );
  });
  await t.step("empty", () => {
    assert.throws(() => parseResultText("  \n", "e.json"), {
      name: "SyntaxError",
      message: "Cannot read result 'e.json' as it is empty",
    });
  });
  await t.step("garbage", () => {
    assert.throws(
      () => parseResultText("hello", "g.json"),
      /Cannot read result 'g.json' as it is not JSON \(/,
    );
  });
});

Deno.test("parseResultText() rejects JSON of another shape with a TypeError naming the source", async (t) => {
  await t.step("another tool's output", () => {
    assert.throws(
      () => parseResultText(read("foreign.json"), "hyperfine.json"),
      {
        name: "TypeError",
        message:
          "Cannot read result 'hyperfine.json' as it is neither a pmubench result (schema 'pmubench-result/1') nor 'deno bench --json' output: current value is an object with keys results",
      },
    );
  });
  await t.step("an object without keys", () => {
    assert.throws(
      () => parseResultText("{}", "o.json"),
      /current value is an object with keys \(none\)/,
    );
  });
  await t.step("not an object", () => {
    assert.throws(
      () => parseResultText("[1, 2]", "a.json"),
      /neither a pmubench result nor 'deno bench --json' output: current value is an array of 2/,
    );
  });
  await t.step("a newer schema", () => {
    assert.throws(
      () => parseResultText('{"schema": "pmubench-result/2"}', "n.json"),
      /its schema 'pmubench-result\/2' is not supported/,
    );
  });
});

Deno.test("parseResultText() names the bad field of a pmubench result", async (t) => {
  const good = JSON.parse(read("result_base.json"));
  // deno-lint-ignore no-explicit-any
  type Data = any;
  const cases: [string, (d: Data) => void, RegExp][] = [
    [
      "date not a string",
      (d) => (d.date = 5),
      /'date' must be a string: current value is 5/,
    ],
    [
      "date not a date",
      (d) => (d.date = "yesterday"),
      /'date' must be an ISO 8601 date/,
    ],
    [
      "env missing",
      (d) => delete d.env,
      /'env' must be an object: current value is undefined/,
    ],
    ["env.deno", (d) => (d.env.deno = 2), /'env.deno' must be a string/],
    [
      "env.cores",
      (d) => (d.env.cores = "two"),
      /'env.cores' must be a finite number >= 0/,
    ],
    [
      "env.commit",
      (d) => (d.env.commit = 1),
      /'env.commit' must be a string or null/,
    ],
    [
      "env.dirty",
      (d) => (d.env.dirty = "no"),
      /'env.dirty' must be a boolean or null/,
    ],
    [
      "flags",
      (d) => (d.flags = []),
      /'flags' must be an object: current value is an array of 0/,
    ],
    [
      "flag value",
      (d) => (d.flags.files = ["a"]),
      /'flags.files' must be a string, number or boolean/,
    ],
    [
      "benches",
      (d) => (d.benches = {}),
      /'benches' must be an array: current value is an object \(Object\)/,
    ],
    [
      "bench",
      (d) => (d.benches[1] = null),
      /'benches\[1\]' must be an object: current value is null/,
    ],
    [
      "key mismatch",
      (d) => (d.benches[0].key = "x"),
      /'benches\[0\].key' must be 'bitmap_bench.ts::weight::u64 x1024'/,
    ],
    [
      "baseline",
      (d) => (d.benches[0].baseline = "yes"),
      /'benches\[0\].baseline' must be a boolean/,
    ],
    [
      "duplicate",
      (d) => (d.benches[1] = d.benches[0]),
      /'benches\[1\].key' must be unique per metric/,
    ],
    [
      "opsPerCall",
      (d) => (d.benches[0].opsPerCall = 0.5),
      /'benches\[0\].opsPerCall' must be a positive integer: current value is 0.5/,
    ],
    [
      "replicates",
      (d) => (d.benches[0].replicates = "1,2"),
      /'benches\[0\].replicates' must be an array/,
    ],
    [
      "replicate",
      (d) => (d.benches[0].replicates[1] = -1),
      /'benches\[0\].replicates\[1\]' must be a finite number >= 0: current value is -1/,
    ],
    [
      "a subnormal replicate",
      (d) => (d.benches[0].replicates[1] = 5e-324),
      /'benches\[0\].replicates\[1\]' must be 0 or within \[1e-9, 1000000000000000\]: current value is 5e-324/,
    ],
    [
      "a replicate too large for a ratio",
      (d) => (d.benches[0].replicates[1] = 1e300),
      /'benches\[0\].replicates\[1\]' must be 0 or within \[1e-9, 1000000000000000\]: current value is 1e\+300/,
    ],
    [
      "fractional cores",
      (d) => (d.env.cores = 2.5),
      /'env.cores' must be a non-negative integer: current value is 2.5/,
    ],
    [
      "axes",
      (d) => (d.benches[0].axes = { n: null }),
      /'benches\[0\].axes.n' must be a string, number or boolean: current value is null/,
    ],
    [
      "processes",
      (d) => (d.benches[0].processes = 1),
      /'benches\[0\].processes' must be an array/,
    ],
    [
      "process",
      (d) => (d.benches[0].processes = ["x"]),
      /'benches\[0\].processes\[0\]' must be an object/,
    ],
    [
      "process field",
      (
        d,
      ) => (d.benches[0].processes = [{
        n: 1,
        min: 1,
        avg: "x",
        p75: 1,
        p99: 1,
      }]),
      /'benches\[0\].processes\[0\].avg' must be a finite number/,
    ],
    [
      "failed",
      (d) => (d.benches[0].failed = true),
      /'benches\[0\].failed' must be a string/,
    ],
    [
      "extra",
      (d) => (d.benches[0].extra = 3),
      /'benches\[0\].extra' must be an object/,
    ],
    ["origin", (d) => (d.origin = 3), /'origin' must be a string/],
  ];
  for (const [label, mutate, message] of cases) {
    await t.step(label, () => {
      const d = structuredClone(good);
      mutate(d);
      assert.throws(
        () => parseResultText(JSON.stringify(d), "r.json"),
        (e: unknown) => {
          // Out-of-range figures are RangeErrors, every other shape a TypeError.
          const range = /must be 0 or within/.test(String(message));
          assert.ok(
            e instanceof (range ? RangeError : TypeError),
            `${label}: ${e}`,
          );
          assert.match(e.message, /^Cannot read result 'r.json' as /);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});

Deno.test("resultFromDenoBench() names the bad field of 'deno bench --json' output", async (t) => {
  const good = JSON.parse(read("deno_bench.json"));
  // deno-lint-ignore no-explicit-any
  type Data = any;
  const cases: [string, (d: Data) => Data, RegExp][] = [
    [
      "top level",
      () => 7,
      /'\(top level\)' must be an object: current value is 7/,
    ],
    ["benches", (d) => ({ ...d, benches: "x" }), /'benches' must be an array/],
    [
      "bench",
      (d) => ((d.benches[0] = 1), d),
      /'benches\[0\]' must be an object/,
    ],
    [
      "origin",
      (d) => (delete d.benches[0].origin, d),
      /'benches\[0\].origin' must be a string/,
    ],
    [
      "name",
      (d) => ((d.benches[0].name = 1), d),
      /'benches\[0\].name' must be a string/,
    ],
    [
      "group",
      (d) => ((d.benches[0].group = 1), d),
      /'benches\[0\].group' must be a string/,
    ],
    [
      "results",
      (d) => ((d.benches[0].results = []), d),
      /'benches\[0\].results' must be a non-empty array/,
    ],
    [
      "result",
      (d) => ((d.benches[0].results = [{ skipped: true }]), d),
      /'benches\[0\].results\[0\]' must hold 'ok' or 'failed'/,
    ],
    [
      "figure",
      (d) => ((d.benches[0].results[0].ok.avg = null), d),
      /'benches\[0\].results\[0\].ok.avg' must be a finite number >= 0: current value is null/,
    ],
  ];
  for (const [label, mutate, message] of cases) {
    await t.step(label, () => {
      const d = mutate(structuredClone(good));
      assert.throws(() => resultFromDenoBench(d, "out.json"), (e: unknown) => {
        assert.ok(e instanceof TypeError);
        assert.match(
          e.message,
          /^Cannot read 'deno bench --json' output 'out.json' as /,
        );
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

Deno.test("validateResultValue() checks an already parsed result like a file", () => {
  const good = parseResultText(read("result_base.json"), "r.json");
  assert.deepEqual(validateResultValue(good, "h.db (run 1)"), good);
  assert.throws(
    () => validateResultValue([], "h.db (run 1)"),
    /^TypeError: Cannot read result 'h.db \(run 1\)' as it must be an object: current value is an array of 0$/,
  );
  assert.throws(
    () => validateResultValue({ ...good, benches: [1] }, "h.db (run 1)"),
    /'benches\[0\]' must be an object: current value is 1/,
  );
});

Deno.test("profileOf(), countOf(), hwCountersOf(), warningOf() read typed fields and older files' extra", async (t) => {
  const typed = {
    profile: { bytesPerOp: 16, tier: "turbofan", driverTier: "turbofan" },
    count: { calls: 64, warmupCalls: 2000, instructionsPerCall: 80 },
    hw: { cyclesPerOp: 3, hwInstructionsPerOp: 9, branchMissesPerOp: 0.5 },
    warning: "w",
  };
  await t.step("typed fields win", () => {
    const b = { ...typed, extra: { bytesPerOp: 1, tier: "maglev" } };
    assert.equal(profileOf(b), typed.profile);
    assert.equal(countOf(b), typed.count);
    assert.equal(hwCountersOf(b), typed.hw);
    assert.equal(warningOf(b), "w");
  });
  await t.step("an older file's extra", () => {
    const extra = {
      bytesPerOp: 8,
      tier: "maglev",
      tierBefore: "baseline",
      calls: 32,
      warmupCalls: 100,
      instructionsPerCall: 7,
      cyclesPerOp: 1,
      hwInstructionsPerOp: 2,
      branchMissesPerOp: 0,
      warning: "old",
    };
    assert.deepEqual(profileOf({ extra }), {
      bytesPerOp: 8,
      tier: "maglev",
      tierBefore: "baseline",
    });
    assert.deepEqual(countOf({ extra }), {
      calls: 32,
      warmupCalls: 100,
      instructionsPerCall: 7,
    });
    assert.deepEqual(hwCountersOf({ extra }), {
      cyclesPerOp: 1,
      hwInstructionsPerOp: 2,
      branchMissesPerOp: 0,
    });
    assert.equal(warningOf({ extra }), "old");
  });
  await t.step("nothing", () => {
    assert.equal(profileOf({ extra: { other: 1 } }), undefined);
    assert.equal(countOf({}), undefined);
    assert.equal(hwCountersOf({ extra: { cyclesPerOp: 1 } }), undefined);
    assert.equal(warningOf({ extra: { warning: 3 } }), undefined);
  });
});

Deno.test("parseResultText() validates the typed figures", async (t) => {
  const base = JSON.parse(
    await Deno.readTextFile(
      new URL("../../testdata/track/result_base.json", import.meta.url),
    ),
  );
  const withBench = (patch: Record<string, unknown>) =>
    JSON.stringify({
      ...base,
      benches: [{ ...base.benches[0], ...patch }],
    });
  await t.step("round trip", () => {
    const text = withBench({
      profile: { bytesPerOp: 0, tier: "turbofan" },
      timing: [{
        estimate: 1,
        batch: 64,
        sampleCount: 3,
        tierBefore: "turbofan",
        tierAfter: "turbofan",
        warmup: 2000,
        explicitTiming: false,
        samples: [1, 1, 2],
      }],
      warning: "w",
    });
    const r = parseResultText(text, "r.json");
    assert.equal(r.benches[0].profile?.tier, "turbofan");
    assert.equal(r.benches[0].timing?.[0].batch, 64);
    assert.equal(r.benches[0].warning, "w");
    assert.deepEqual(parseResultText(serializeResult(r), "again"), r);
  });
  await t.step("a mistyped figure: TypeError naming the field", () => {
    assert.throws(
      () => parseResultText(withBench({ profile: { bytesPerOp: "x" } }), "r"),
      {
        name: "TypeError",
        message: /'benches\[0\]\.profile\.bytesPerOp' must be a finite number/,
      },
    );
    assert.throws(
      () => parseResultText(withBench({ timing: {} }), "r"),
      /'benches\[0\]\.timing' must be an array/,
    );
    assert.throws(
      () => parseResultText(withBench({ hw: 3 }), "r"),
      /'benches\[0\]\.hw' must be an object/,
    );
    assert.throws(
      () => parseResultText(withBench({ warning: 3 }), "r"),
      /'benches\[0\]\.warning' must be a string/,
    );
  });
});

Deno.test("writeResultFile() replaces the file atomically and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = await readResultFile(
      new URL("../../testdata/track/result_base.json", import.meta.url)
        .pathname,
    );
    const path = `${dir}/r.json`;
    await Deno.writeTextFile(path, "old");
    await writeResultFile(path, base);
    assert.equal(
      (await readResultFile(path)).benches.length,
      base.benches.length,
    );
    const names = await Array.fromAsync(Deno.readDir(dir), (e) => e.name);
    assert.deepEqual(names, ["r.json"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
    // A directory in the way: the write fails and leaves nothing behind.
    await Deno.mkdir(`${dir}/d.json`);
    await assert.rejects(writeResultFile(`${dir}/d.json`, base));
    const after = await Array.fromAsync(Deno.readDir(dir), (e) => e.name);
    assert.deepEqual(after.sort(), ["d.json", "r.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

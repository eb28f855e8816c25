import assert from "node:assert/strict";
import {
  findCase,
  HARNESS_MARKER,
  harnessArgv,
  NOOP_CASE,
  parseHarnessArgv,
  readHarnessReport,
  runHarness,
} from "../../../../core/track/measure/harness/case_harness.ts";
import {
  CLIENT_REQUEST_CODE,
  openClientRequests,
  RUNNING_ON_VALGRIND,
} from "../../../../core/track/measure/harness/callgrind_request.ts";
import {
  HarnessProcessError,
  listCases,
  matchesFilter,
  spawnHarness,
} from "../../../../core/track/measure/harness/harness_process.ts";

const testdata = new URL("../../../testdata/track/", import.meta.url).pathname;
const tinyCases =
  new URL("../../../testdata/track/tiny_cases.ts", import.meta.url)
    .href;

Deno.test("parseHarnessArgv() reads back harnessArgv() and rejects bad arguments", async (t) => {
  const args = {
    module: "file:///w/bench/a_cases.ts",
    group: "g=1",
    name: "u64 x8",
    calls: 64,
    warmup: 0,
    mode: "profile" as const,
  };
  await t.step("round trip, with and without perf control", () => {
    assert.deepEqual(parseHarnessArgv(harnessArgv(args)), args);
    const withPerf = {
      ...args,
      mode: "count" as const,
      perfControl: "/t/ctl,/t/ack",
    };
    assert.deepEqual(parseHarnessArgv(harnessArgv(withPerf)), withPerf);
  });
  await t.step("unknown argument: TypeError", () => {
    assert.throws(() => parseHarnessArgv(["--bogus=1"]), TypeError);
    assert.throws(() => parseHarnessArgv(["positional"]), TypeError);
  });
  await t.step("calls < 1 or warmup < 0: RangeError", () => {
    const argv = harnessArgv(args);
    assert.throws(
      () => parseHarnessArgv([...argv, "--calls=0"]),
      /--calls must be an integer >= 1/,
    );
    assert.throws(
      () => parseHarnessArgv([...argv, "--warmup=-1"]),
      RangeError,
    );
  });
  await t.step("unknown mode: RangeError", () => {
    assert.throws(
      () => parseHarnessArgv([...harnessArgv(args), "--mode=fast"]),
      /--mode must be count or profile/,
    );
  });
  await t.step("missing module: TypeError", () => {
    assert.throws(
      () =>
        parseHarnessArgv(
          harnessArgv(args).filter((a) => !a.startsWith("--module=")),
        ),
      /--module= is missing/,
    );
  });
});

Deno.test("readHarnessReport() finds the marked line and rejects anything else", async (t) => {
  await t.step("finds it among other output", () => {
    const r = readHarnessReport(
      `hello\n${HARNESS_MARKER}{"case":"g/f"}\nbye\n`,
    );
    assert.equal(r.case, "g/f");
  });
  await t.step("no marker: SyntaxError quoting the output", () => {
    assert.throws(() => readHarnessReport("oops"), /starts 'oops'/);
    assert.throws(() => readHarnessReport(""), /was empty/);
  });
  await t.step("malformed JSON: SyntaxError", () => {
    assert.throws(
      () => readHarnessReport(`${HARNESS_MARKER}{"case":`),
      /JSON is malformed/,
    );
  });
});

Deno.test("findCase() finds a case by group and name", async (t) => {
  const c = { group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} };
  await t.step("from the suite export or any suite-shaped export", () => {
    assert.equal(
      findCase({ suite: { file: "a", cases: [c] } }, "g", "f", "m"),
      c,
    );
    assert.equal(
      findCase({ other: { file: "a", cases: [c] } }, "g", "f", "m"),
      c,
    );
  });
  await t.step("no suite: TypeError naming the module", () => {
    assert.throws(
      () => findCase({ x: 1 }, "g", "f", "m.ts"),
      /'m.ts' exports no BenchSuite/,
    );
  });
  await t.step("no such case: RangeError", () => {
    assert.throws(
      () => findCase({ suite: { file: "a", cases: [c] } }, "g", "nope", "m.ts"),
      /Cannot find case 'g\/nope' in 'm.ts'/,
    );
  });
});

Deno.test("runHarness() refuses a process without the natives and gc flags", async () => {
  // deno test starts V8 without --allow-natives-syntax / --expose-gc.
  await assert.rejects(
    runHarness({
      module: "",
      group: "",
      name: "",
      calls: 1,
      warmup: 0,
      mode: "profile",
    }),
    /--allow-natives-syntax and --expose-gc/,
  );
  assert.equal(NOOP_CASE.opsPerCall, 1);
});

Deno.test("openClientRequests() answers 0 outside Valgrind and refuses other platforms", async (t) => {
  await t.step("the code is the valgrind.h preamble and returns", () => {
    assert.equal(CLIENT_REQUEST_CODE.length, 28);
    assert.equal(CLIENT_REQUEST_CODE[CLIENT_REQUEST_CODE.length - 1], 0xc3);
  });
  if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
    await t.step("natively: RUNNING_ON_VALGRIND is 0", () => {
      const request = openClientRequests();
      assert.equal(request(RUNNING_ON_VALGRIND), 0n);
    });
  }
  await t.step("another platform: RangeError", () => {
    assert.throws(
      () => openClientRequests({ os: "darwin", arch: "aarch64" }),
      /written for x86-64 Linux: this is aarch64 darwin/,
    );
  });
});

Deno.test("matchesFilter() follows deno bench --filter", async (t) => {
  await t.step("substring and /regexp/", () => {
    assert(matchesFilter("u64view x1024", "view"));
    assert(!matchesFilter("u64 x1024", "view"));
    assert(matchesFilter("u64 x1024", "/^u64 /"));
    assert(matchesFilter("x", ""));
  });
  await t.step("invalid regexp: SyntaxError", () => {
    assert.throws(
      () => matchesFilter("x", "/(/"),
      /not a valid regular expression/,
    );
  });
});

Deno.test("listCases() reads X_cases.ts beside X_bench.ts", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/tiny_cases.ts`);
    await Deno.writeTextFile(`${dir}/tiny_bench.ts`, "");
    await Deno.writeTextFile(`${dir}/lone_bench.ts`, "");
    await t.step(
      "cases, filtered; bench files without cases are skipped",
      async () => {
        const all = await listCases(dir, [
          "tiny_bench.ts",
          "lone_bench.ts",
          "notes.md",
        ]);
        assert.deepEqual(all.map((c) => c.case.name), ["sum x8", "product"]);
        assert.equal(all[0].file, "tiny_bench.ts");
        const some = await listCases(dir, ["tiny_bench.ts"], "prod");
        assert.deepEqual(some.map((c) => c.case.name), ["product"]);
      },
    );
    await t.step("a cases module without a suite: TypeError", async () => {
      await Deno.writeTextFile(`${dir}/bad_bench.ts`, "");
      await Deno.writeTextFile(`${dir}/bad_cases.ts`, "export const x = 1;");
      await assert.rejects(
        listCases(dir, ["bad_bench.ts"]),
        /exports no BenchSuite/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawnHarness() runs a case in a fresh process and reports failures", async (t) => {
  await t.step("profile mode: tiers, heap growths, coarse times", async () => {
    const { report } = await spawnHarness({
      module: tinyCases,
      group: "tiny",
      name: "sum x8",
      calls: 16,
      warmup: 200,
      mode: "profile",
    });
    assert.equal(report.case, "tiny/sum x8");
    assert.equal(report.opsPerCall, 8);
    assert.equal(report.heapGrowth.length, 4);
    assert(report.warmup >= 200);
    assert(report.calls >= 16);
    assert.equal(report.driverTier, "turbofan");
    assert(
      ["interpreted", "baseline", "maglev", "turbofan", "none"].includes(
        report.tierAfter,
      ),
    );
  });
  await t.step(
    "count mode outside Valgrind: one region, onValgrind false",
    async () => {
      const { report } = await spawnHarness({
        module: tinyCases,
        group: "tiny",
        name: "sum x8",
        calls: 32,
        warmup: 100,
        mode: "count",
      });
      assert.equal(report.onValgrind, false);
      assert.equal(report.heapGrowth.length, 1);
    },
  );
  await t.step(
    "a missing case: HarnessProcessError quoting the harness's error",
    async () => {
      await assert.rejects(
        spawnHarness({
          module: tinyCases,
          group: "tiny",
          name: "nope",
          calls: 1,
          warmup: 0,
          mode: "profile",
        }),
        (e) =>
          e instanceof HarnessProcessError &&
          /exited with code 1/.test(e.message) &&
          /Cannot find case 'tiny\/nope'/.test(e.message),
      );
    },
  );
  await t.step(
    "a wrapper that prints no report: HarnessProcessError",
    async () => {
      await assert.rejects(
        spawnHarness(
          {
            module: "",
            group: "",
            name: "",
            calls: 1,
            warmup: 0,
            mode: "profile",
          },
          { wrapper: ["sh", "-c", "true"] },
        ),
        (e) =>
          e instanceof HarnessProcessError &&
          /no 'PMUBENCH_HARNESS' line/.test(e.message),
      );
    },
  );
});

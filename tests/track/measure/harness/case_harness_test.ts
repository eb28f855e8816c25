import assert from "node:assert/strict";
import {
  calibrateBatch,
  HARNESS_MARKER,
  harnessArgv,
  NOOP_CASE,
  parseHarnessArgv,
  PROFILE_REGIONS,
  PROFILE_START_CALLS,
  readHarnessReport,
  runHarness,
  SAMPLE_MIN_NS,
  SAMPLE_TIMER_FACTOR,
  sampleTargetNs,
} from "../../../../core/track/measure/harness/case_harness.ts";
import {
  CLIENT_REQUEST_CODE,
  openClientRequests,
  RUNNING_ON_VALGRIND,
} from "../../../../core/track/measure/harness/callgrind_request.ts";
import {
  HarnessProcessError,
  runProcessGroup,
  spawnHarness,
} from "../../../../core/track/measure/harness/harness_process.ts";

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
      /--mode must be count, profile, time or paired/,
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

Deno.test("spawnHarness() time mode calibrates a batch and returns the samples", async () => {
  const { report } = await spawnHarness({
    module: tinyCases,
    group: "tiny",
    name: "sum x8",
    calls: 9,
    warmup: 200,
    mode: "time",
  });
  const t = report.time!;
  assert.equal(t.samples.length, 9);
  assert.equal(t.sampleCount, 9);
  assert(t.samples.every((x) => x > 0));
  // A body of a few ns must be batched far beyond one call per sample.
  assert(t.batch >= 64, `batch ${t.batch}`);
  assert(t.timerResolutionNs > 0);
  assert.equal(t.explicitTiming, false);
  assert.equal(report.driverTier, "turbofan");
});

Deno.test("spawnHarness() time mode takes the allocation profile after the samples when asked", async () => {
  const args = {
    module: tinyCases,
    group: "tiny",
    name: "sum x8",
    calls: 5,
    warmup: 100,
    mode: "time" as const,
    profile: true,
  };
  assert.deepEqual(parseHarnessArgv(harnessArgv(args)), args);
  const { report } = await spawnHarness({
    module: tinyCases,
    group: "tiny",
    name: "sum x8",
    calls: 5,
    warmup: 100,
    mode: "time",
    profile: true,
  });
  assert.equal(report.time!.sampleCount, 5);
  const p = report.profile!;
  assert.equal(p.heapGrowth.length, PROFILE_REGIONS.length);
  // Regions of at most PROFILE_START_CALLS calls (no growth in time mode),
  // timed by the samples, and nothing allocated by the sum.
  assert(p.calls >= 1 && p.calls <= PROFILE_START_CALLS);
  assert.equal(p.nsPerCall, Math.min(...report.time!.samples));
  assert.equal(new Set(p.heapGrowth).size, 1);
});

Deno.test("spawnHarness() time mode stops warming up a slow body at its time budget", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-slow-" });
  try {
    // 5 ms a call: one warm-up chunk outlasts the budget.
    await Deno.writeTextFile(
      `${dir}/slow_bench.ts`,
      `let s = 0; Deno.bench("slow", () => { const t = performance.now(); while (performance.now() - t < 5) s++; });`,
    );
    const { report } = await spawnHarness({
      module: `file://${dir}/slow_bench.ts`,
      kind: "bench",
      group: "",
      name: "slow",
      calls: 3,
      warmup: 1000,
      mode: "time",
    }, { cwd: dir });
    assert(
      report.warmup < 1000,
      `warm-up stopped at the budget: ${report.warmup} calls`,
    );
    assert(report.time!.batch === 1 && report.time!.sampleCount === 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sampleTargetNs() keeps samples at least SAMPLE_MIN_NS long and timer-dominated cost negligible", () => {
  assert.equal(
    sampleTargetNs({ resolutionNs: 90, costNs: 200 }),
    SAMPLE_MIN_NS,
  );
  assert.equal(
    sampleTargetNs({ resolutionNs: 1000, costNs: 200 }),
    SAMPLE_TIMER_FACTOR * 1000,
  );
});

Deno.test("calibrateBatch() doubles until a batch lasts the target", async (t) => {
  await t.step("fast body: many calls", () => {
    const seen: number[] = [];
    const n = calibrateBatch((calls) => {
      seen.push(calls);
      return calls * 10;
    }, 1000);
    assert.equal(n, 128);
    assert.equal(seen[0], 1);
  });
  await t.step("slow body: one call", () => {
    assert.equal(calibrateBatch(() => 5000, 1000), 1);
  });
  await t.step("a preempted timing does not stop the doubling early", () => {
    let n = 0;
    // Every other timing is hit by a 1 ms preemption.
    const b = calibrateBatch(
      (calls) => calls * 10 + (n++ % 2 === 0 ? 1e6 : 0),
      1000,
    );
    assert.equal(b, 128);
  });
});

Deno.test("runProcessGroup() ends the whole group on abort", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const abort = new AbortController();
    const run = runProcessGroup("sh", [
      "-c",
      `sleep 60 & echo $! > ${dir}/pid; wait`,
    ], { signal: abort.signal });
    let pid = "";
    for (let i = 0; i < 100 && pid === ""; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pid = await Deno.readTextFile(`${dir}/pid`).catch(() => "");
    }
    assert.notEqual(pid, "", "the grandchild started");
    abort.abort();
    await assert.rejects(run);
    // The grandchild (not the direct child) is gone too: kill -0 fails.
    let alive = true;
    for (let i = 0; i < 40 && alive; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const st = await new Deno.Command("sh", {
        args: [
          "-c",
          `kill -0 ${pid.trim()} 2>/dev/null && ! grep -q '^State:.*Z' /proc/${pid.trim()}/status`,
        ],
      }).output();
      alive = st.success;
    }
    assert.equal(alive, false, "the grandchild was killed with its group");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseHarnessArgv() reads and checks paired mode's arguments", async (t) => {
  const args = {
    module: "file:///a/w_bench.ts",
    headModule: "file:///b/w_bench.ts",
    group: "",
    name: "mix",
    calls: 10,
    warmup: 100,
    mode: "paired" as const,
    first: "head" as const,
    start: "base" as const,
  };
  await t.step("round trip", () => {
    assert.deepEqual(parseHarnessArgv(harnessArgv(args)), args);
  });
  await t.step("paired without --head-module", () => {
    const { headModule: _, ...rest } = args;
    assert.throws(
      () => parseHarnessArgv(harnessArgv(rest)),
      (e) =>
        e instanceof TypeError && /--head-module= is missing/.test(e.message),
    );
  });
  await t.step("a side that is neither base nor head", () => {
    assert.throws(
      () => parseHarnessArgv([...harnessArgv(args), "--first=both"]),
      (e) =>
        e instanceof RangeError &&
        /--first must be base or head/.test(e.message),
    );
  });
});

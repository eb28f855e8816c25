import assert from "node:assert/strict";
import {
  BenchProcessError,
  caseRatios,
  correctForSpeed,
  defaultResultPath,
  discoverBenchFiles,
  enrichFromCases,
  mergeReplicates,
  OUTLIER_MIN_REPLICATES,
  OUTLIER_TOLERANCE,
  outlierSlots,
  rerunThrottled,
  runBenches,
  runBenchProcess,
  runTargets,
  SPEED_NOTE,
  THROTTLE_NOTE,
  THROTTLE_PASS_SHARE,
  THROTTLE_REFERENCE_QUANTILE,
  THROTTLE_RERUNS,
  THROTTLE_TOLERANCE,
  throttledSlots,
} from "../../../core/track/measure/runner.ts";
import {
  isFailed,
  parseResultText,
  type ResultFile,
  type TimedProcess,
} from "../../../core/track/result/result.ts";
import { resultOf, timeBench } from "../_result_helpers.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

/** A scratch project with the tiny suite copied to bench/. */
async function tinyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-runner-test-" });
  await Deno.mkdir(`${dir}/bench`);
  await Deno.copyFile(`${testdata}tiny_bench.ts`, `${dir}/bench/tiny_bench.ts`);
  await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/bench/tiny_cases.ts`);
  return dir;
}

/** A stand-in for `deno`: a shell script that prints `stdout` and `stderr` and exits with `code`. */
async function fakeDeno(
  dir: string,
  stdout: string,
  stderr = "",
  code = 0,
): Promise<string> {
  const path = `${dir}/fake-deno-${Math.random().toString(36).slice(2)}.sh`;
  await Deno.writeTextFile(`${path}.out`, stdout);
  await Deno.writeTextFile(`${path}.err`, stderr);
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ncat '${path}.out'\ncat '${path}.err' >&2\nexit ${code}\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("discoverBenchFiles() lists the bench files, sorted", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("no bench file: none", async () => {
      assert.deepEqual(await discoverBenchFiles(dir), []);
    });
    await t.step("only *_bench.ts files, sorted", async () => {
      await Deno.mkdir(`${dir}/bench`);
      for (const f of ["z_bench.ts", "a_bench.ts", "a_cases.ts", "notes.md"]) {
        await Deno.writeTextFile(`${dir}/bench/${f}`, "");
      }
      assert.deepEqual(await discoverBenchFiles(dir), [
        "bench/a_bench.ts",
        "bench/z_bench.ts",
      ]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() measures every case in its own processes (harness engine)", async () => {
  const dir = await tinyProject();
  try {
    const seen: string[] = [];
    const r = await runBenches(dir, {
      repeat: 2,
      samples: 7,
      jobs: 1,
      // The process count is the point here; the guard may add re-runs.
      throttleGuard: false,
      onProgress: (p) => seen.push(`${p.index}/${p.total} ${p.case}`),
    });
    // Round by round: every case once, then every case again.
    assert.deepEqual(seen, [
      "1/4 tiny/sum x8",
      "2/4 tiny/product",
      "3/4 tiny/sum x8",
      "4/4 tiny/product",
    ]);
    assert.deepEqual(r.benches.map((b) => b.key), [
      "tiny_bench.ts::tiny::sum x8",
      "tiny_bench.ts::tiny::product",
    ]);
    const sum = r.benches[0];
    assert.equal(sum.replicates.length, 2);
    assert.equal(sum.timing!.length, 2);
    // Replicates are the estimates at the run's usual CPU speed.
    assert.deepEqual(
      sum.replicates,
      sum.timing!.map((p) => p.estimate * p.speedFactor!),
    );
    for (const p of sum.timing!) {
      assert.equal(p.samples.length, 7);
      assert(p.cpuProbeNs! > 0, `the CPU probe is recorded: ${p.cpuProbeNs}`);
      assert(p.batch >= 64, `a body of a few ns is batched: ${p.batch}`);
      assert.equal(p.tierBefore, "turbofan");
    }
    assert.equal(sum.opsPerCall, 8);
    assert.deepEqual(sum.axes, { kind: "sum", variant: "one" });
    assert.equal(r.flags.engine, "harness");
    assert.equal(r.flags.statistic, "min");
    assert.equal(r.flags.samples, 7);
    assert.equal(r.flags.files, "bench/tiny_bench.ts");
    assert.equal(r.flags.filter, null);
    assert.ok("cases" in r.flags && "strategy" in r.flags);
    assert.equal(r.env.commit, null);
    assert.deepEqual(parseResultText(JSON.stringify(r), "r"), r);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() runs jobs processes at once, keeps replicates in round order and takes the profile in round one", async () => {
  const dir = await tinyProject();
  try {
    const seen: string[] = [];
    const r = await runBenches(dir, {
      repeat: 3,
      samples: 5,
      jobs: 2,
      profile: true,
      throttleGuard: false,
      onProgress: (p) => seen.push(`${p.index}/${p.total} ${p.case}`),
    });
    // Completion order may vary; every process is reported once, numbered.
    assert.deepEqual(seen.map((l) => l.split(" ")[0]), [
      "1/6",
      "2/6",
      "3/6",
      "4/6",
      "5/6",
      "6/6",
    ]);
    assert.deepEqual(
      seen.map((l) => l.slice(l.indexOf(" ") + 1)).sort(),
      [
        "tiny/product",
        "tiny/product",
        "tiny/product",
        "tiny/sum x8",
        "tiny/sum x8",
        "tiny/sum x8",
      ],
    );
    assert.equal(r.flags.jobs, 2);
    for (const b of r.benches) {
      assert.equal(b.replicates.length, 3);
      assert.deepEqual(
        b.replicates,
        b.timing!.map((p) => p.estimate * p.speedFactor!),
      );
      // The profile came from the first process: the sums allocate nothing.
      assert.equal(b.profile?.bytesPerOp, 0);
      assert.equal(typeof b.profile?.tier, "string");
    }
    assert.match(String(r.flags.allocation), /V8 used heap bytes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() measures a plain Deno.bench file with no cases module and no deno.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-plain-" });
  try {
    await Deno.writeTextFile(
      `${dir}/plain_bench.ts`,
      `let s = 0;
Deno.bench("sum", () => { for (let i = 0; i < 64; i++) s = (s + i) | 0; });
Deno.bench({ name: "timed part", group: "g", fn(b) { const a = [1, 2, 3]; b.start(); for (const x of a) s = (s + x) | 0; b.end(); } });
Deno.bench({ name: "ignored", ignore: true, fn() { throw new Error("never run"); } });
`,
    );
    const r = await runBenches(dir, { repeat: 2, samples: 5 });
    assert.deepEqual(r.benches.map((b) => b.key), [
      "plain_bench.ts::::sum",
      "plain_bench.ts::g::timed part",
    ]);
    for (const b of r.benches) {
      assert.equal(b.failed, undefined);
      assert.equal(b.replicates.length, 2);
      assert(b.replicates.every((x) => x > 0));
      assert.equal(b.opsPerCall, 1);
    }
    assert.equal(r.benches[0].timing![0].explicitTiming, false);
    assert.equal(r.benches[1].timing![0].explicitTiming, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() keeps a case whose process fails, with failed set", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-fail-" });
  try {
    await Deno.writeTextFile(
      `${dir}/f_bench.ts`,
      `Deno.bench("ok", () => {});
Deno.bench("boom", () => { throw new Error("boom"); });
`,
    );
    const r = await runBenches(dir, { repeat: 1, samples: 3 });
    const boom = r.benches.find((b) => b.name === "boom");
    assert(boom !== undefined && isFailed(boom));
    assert.match(boom.failed, /boom/);
    assert.deepEqual(boom.replicates, []);
    assert.equal(r.benches.find((b) => b.name === "ok")!.failed, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() with the deno-bench engine reads one deno bench process per replicate", async () => {
  const dir = await tinyProject();
  // A bench that fails unless PMUBENCH_SMOKE=1 reached its process. (How
  // many iterations deno bench runs in smoke mode depends on timing: it
  // switches to batches of thousands of calls for fast bodies on a loaded
  // machine, so the iteration count cannot tell.)
  await Deno.writeTextFile(
    `${dir}/bench/probe_bench.ts`,
    `Deno.bench("smoke probe", () => {
      if (Deno.env.get("PMUBENCH_SMOKE") !== "1") throw new Error("not in smoke mode");
    });\n`,
  );
  try {
    const seen: string[] = [];
    const r = await runBenches(dir, {
      repeat: 2,
      smoke: true,
      engine: "deno-bench",
      onProgress: (p) => seen.push(`${p.index}/${p.total}`),
    });
    assert.deepEqual(seen, ["1/2", "2/2"]);
    const sum = r.benches.find((b) => b.name === "sum x8")!;
    assert.equal(sum.replicates.length, 2);
    assert.equal(sum.processes!.length, 2);
    const probe = r.benches.find((b) => b.name === "smoke probe")!;
    assert.equal(probe.failed, undefined, probe.failed);
    assert.equal(probe.replicates.length, 2);
    assert.deepEqual(sum.replicates, sum.processes!.map((p) => p.avg / 8));
    assert.deepEqual(sum.axes, { kind: "sum", variant: "one" });
    assert.equal(r.flags.engine, "deno-bench");
    assert.equal(r.flags.smoke, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runTargets() interleaves targets A B A B and keeps their results apart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await fakeDeno(
      dir,
      await Deno.readTextFile(`${testdata}deno_bench.json`),
    );
    const order: string[] = [];
    const [ra, rb] = await runTargets([
      { label: "a", cwd: dir, files: ["x_bench.ts"] },
      { label: "b", cwd: dir, files: ["x_bench.ts"] },
    ], {
      repeat: 3,
      engine: "deno-bench",
      denoPath: a,
      onProgress: (p) => order.push(`${p.index}${p.label}`),
      flags: { command: "ab" },
    });
    assert.deepEqual(order, ["1a", "2b", "3a", "4b", "5a", "6b"]);
    assert.equal(ra.benches[0].replicates.length, 3);
    assert.equal(rb.benches[1].replicates.length, 3);
    assert.equal(ra.flags.command, "ab");
    assert.equal(ra.env.cpu !== "", true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runTargets() rejects a bad repeat and a tree without benches", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("repeat 0", async () => {
      await assert.rejects(
        runTargets([{ label: "x", cwd: dir }], { repeat: 0 }),
        {
          name: "RangeError",
          message:
            "Cannot run benches as 'repeat' must be a positive integer: current value is 0",
        },
      );
    });
    await t.step("jobs 0", async () => {
      await assert.rejects(
        runTargets([{ label: "x", cwd: dir }], { jobs: 0 }),
        {
          name: "RangeError",
          message:
            "Cannot run benches as 'jobs' must be a positive integer: current value is 0",
        },
      );
    });
    await t.step("no bench files", async () => {
      await assert.rejects(runTargets([{ label: "base", cwd: dir }]), {
        name: "RangeError",
        message:
          `Cannot run benches of 'base' as '${dir}' has no bench files (*_bench.ts, *.bench.ts, bench.ts)`,
      });
      await assert.rejects(
        runBenches(dir, { label: "" }),
        /^RangeError: Cannot run benches as /,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenchProcess() turns a bad process into one BenchProcessError", async (t) => {
  const dir = await Deno.makeTempDir();
  const target = { label: "head", cwd: dir, files: ["x_bench.ts"] };
  try {
    await t.step("a real type error: no JSON, stderr tail quoted", async () => {
      await Deno.writeTextFile(
        `${dir}/bad_bench.ts`,
        'const x: number = "s";\nDeno.bench("x", () => {});\n',
      );
      const e = await runBenchProcess({ ...target, files: ["bad_bench.ts"] }, {
        processName: "process 2/5 (head)",
      })
        .then(() => undefined, (e) => e);
      assert.ok(e instanceof BenchProcessError);
      assert.match(
        e.message,
        /^process 2\/5 \(head\) in '.+' exited with code 1 and printed no JSON; its standard error ends: .*TS2322/,
      );
      assert.ok(!e.message.includes("Stack backtrace"));
      assert.ok(!e.message.includes("\n"));
    });
    await t.step("output that is not JSON", async () => {
      const fake = await fakeDeno(dir, "Benchmarking...\n", "boom\n", 0);
      await assert.rejects(
        runBenchProcess(target, { denoPath: fake }),
        /bench process \(head\) in '.+' exited with code 0 and printed something other than JSON; its standard error ends: boom$/,
      );
    });
    await t.step("a crash with nothing on stderr", async () => {
      const fake = await fakeDeno(dir, "", "", 139);
      await assert.rejects(
        runBenchProcess(target, { denoPath: fake }),
        /exited with code 139 and printed no JSON; its standard error ends: \(nothing\)$/,
      );
    });
    await t.step("a long stderr is cut to its tail", async () => {
      const fake = await fakeDeno(dir, "", "x".repeat(5000) + "END", 1);
      const e = await runBenchProcess(target, { denoPath: fake }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(e.message.endsWith("END") && e.message.length < 1000);
    });
    await t.step("JSON of the wrong shape", async () => {
      const fake = await fakeDeno(
        dir,
        '{"version": 1, "benches": [{"origin": 3}]}',
      );
      await assert.rejects(
        runBenchProcess(target, { denoPath: fake }),
        (e: unknown) => {
          assert.ok(e instanceof BenchProcessError);
          assert.match(
            e.message,
            /'standard output of bench process \(head\)' as 'benches\[0\].origin' must be a string/,
          );
          return true;
        },
      );
    });
    await t.step("an aborted signal rejects without running", async () => {
      await assert.rejects(
        runBenchProcess(target, { signal: AbortSignal.abort() }),
      );
    });
    await t.step("failed benches are data, not errors", async () => {
      const fake = await fakeDeno(
        dir,
        await Deno.readTextFile(`${testdata}deno_bench_failed.json`),
        "error: Bench failed",
        1,
      );
      const r = await runBenchProcess(target, { denoPath: fake });
      assert.equal(r.benches[1].failed, "Uncaught Error: boom");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mergeReplicates() keeps process order and the first failure", () => {
  const one = (avg: number | null): ResultFile =>
    parseResultText(
      JSON.stringify({
        version: 1,
        runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu",
        cpu: "c",
        benches: [{
          origin: "file:///p/bench/a_bench.ts",
          group: "g",
          name: "f x2",
          baseline: false,
          results: [
            avg === null
              ? { failed: { message: "boom" } }
              : { ok: { n: 1, min: avg, avg, p75: avg, p99: avg } },
          ],
        }],
      }),
      "p",
      { date: "2025-01-01T00:00:00.000Z" },
    );
  const r = mergeReplicates([one(10), one(null), one(14)], {
    date: "d",
    env: one(1).env,
    flags: {},
  });
  assert.equal(r.benches.length, 1);
  assert.deepEqual(r.benches[0].replicates, [5, 7]);
  assert.deepEqual(r.benches[0].processes!.map((p) => p.avg), [10, 14]);
  assert.equal(r.benches[0].failed, "boom");
  assert.equal(r.date, "d");
});

Deno.test("enrichFromCases() rejects a cases module without a suite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/x_cases.ts`,
      "export const notASuite = 1;\n",
    );
    const r = parseResultText(
      await Deno.readTextFile(`${testdata}deno_bench.json`),
      "r",
    );
    await Deno.writeTextFile(`${dir}/x_bench.ts`, "");
    await assert.rejects(
      enrichFromCases(r, { cwd: dir, files: ["x_bench.ts"] }),
      {
        name: "TypeError",
        message:
          `Cannot read cases module '${dir}/x_cases.ts' as it exports no BenchSuite (expected 'export const suite: BenchSuite')`,
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("enrichFromCases() takes opsPerCall and axes from the cases module", async () => {
  const r = parseResultText(
    await Deno.readTextFile(`${testdata}deno_bench.json`),
    "r",
  );
  const e = await enrichFromCases(r, {
    cwd: testdata,
    files: ["tiny_bench.ts", "other.ts"],
  });
  const product = e.benches.find((b) => b.name === "product")!;
  assert.deepEqual(product.axes, { kind: "product", variant: "one" });
  assert.equal(product.opsPerCall, 1);
  assert.equal(r.benches[0].axes, undefined, "the input is not mutated");
});

Deno.test("defaultResultPath() names the file by date and short commit", async (t) => {
  await t.step("clean", () => {
    assert.equal(
      defaultResultPath({
        date: "2025-03-04T05:06:07.890Z",
        env: { commit: "abcdef0123", dirty: false },
      }),
      ".pmubench/results/2025-03-04T05-06-07Z-abcdef0.json",
    );
  });
  await t.step("outside git", () => {
    assert.equal(
      defaultResultPath({
        date: "2025-03-04T05:06:07.890Z",
        env: { commit: null, dirty: null },
      }),
      ".pmubench/results/2025-03-04T05-06-07Z-nogit.json",
    );
  });
});

Deno.test("throttledSlots() picks the processes whose CPU ran slow", async (t) => {
  await t.step(
    "above the tolerance over the reference, failed ones never",
    () => {
      const edge = 100 * (1 + THROTTLE_TOLERANCE);
      assert.deepEqual(
        throttledSlots([100, edge, edge + 1, undefined, 190], {
          reference: 100,
        }),
        [2, 4],
      );
    },
  );
  await t.step(
    `the reference is the run's ${THROTTLE_REFERENCE_QUANTILE} quantile, not one freak fast probe`,
    () => {
      // Twenty processes at 100-109 and one at 60: none of the twenty is
      // slow, though all are against the one.
      const probes = [
        60,
        ...Array.from({ length: 20 }, (_, i) => 100 + i % 10),
      ];
      assert.deepEqual(throttledSlots(probes), []);
      assert.equal(throttledSlots(probes, { reference: 60 }).length, 20);
      assert.deepEqual(throttledSlots([...probes, 150]), [21]);
    },
  );
  await t.step("at most `most`, the slowest, in slot order", () => {
    assert.deepEqual(
      throttledSlots([100, 150, 300, 200, 120], { reference: 100, most: 2 }),
      [2, 3],
    );
  });
  await t.step("nothing measured: nothing to re-run", () => {
    assert.deepEqual(throttledSlots([undefined, undefined]), []);
  });
});

/** A fake process: its CPU probe and an id to follow it. */
interface FakeProcess {
  cpuProbeNs: number;
  id: string;
}

/** Fake processes with these probes, ids a, b, c, ... and empty discard lists. */
function fakeRun(probes: readonly number[]): {
  outcomes: (FakeProcess | Error)[];
  discarded: FakeProcess[][];
} {
  return {
    outcomes: probes.map((cpuProbeNs, i) => ({
      cpuProbeNs,
      id: String.fromCharCode(97 + i),
    })),
    discarded: probes.map(() => []),
  };
}

Deno.test("rerunThrottled() replaces slow processes and keeps them", async (t) => {
  await t.step(
    "a slow process is measured again and kept in discarded",
    async () => {
      const { outcomes, discarded } = fakeRun([100, 180, 103, 101]);
      const calls: string[] = [];
      const redone = await rerunThrottled(outcomes, {
        discarded,
        measure: (slots, notes) => {
          calls.push(`${slots.join()}: ${notes.join()}`);
          return Promise.resolve(
            slots.map((s) => ({ cpuProbeNs: 102, id: `${s}'` })),
          );
        },
      });
      assert.deepEqual(redone, [1]);
      // The reference is the 10% quantile of 100, 101, 103, 180: 100.3.
      assert.deepEqual(calls, ["1: re-run: CPU probe 1.79x the run's usual"]);
      assert.deepEqual(outcomes.map((o) => (o as FakeProcess).id), [
        "a",
        "1'",
        "c",
        "d",
      ]);
      assert.deepEqual(discarded[1], [{ cpuProbeNs: 180, id: "b" }]);
      assert.deepEqual(discarded[0], []);
    },
  );
  await t.step(
    `at most ${THROTTLE_RERUNS} passes while the CPU stays slow`,
    async () => {
      const { outcomes, discarded } = fakeRun([100, 200, 100, 100]);
      let passes = 0;
      const redone = await rerunThrottled(outcomes, {
        discarded,
        // The CPU stays slow: every re-run is as slow as the first.
        measure: (slots) => {
          passes++;
          return Promise.resolve(
            slots.map(() => ({ cpuProbeNs: 200, id: `p${passes}` })),
          );
        },
      });
      assert.equal(passes, THROTTLE_RERUNS);
      assert.deepEqual(redone, Array(THROTTLE_RERUNS).fill(1));
      assert.equal(discarded[1].length, THROTTLE_RERUNS);
      assert.equal((outcomes[1] as FakeProcess).id, `p${THROTTLE_RERUNS}`);
    },
  );
  await t.step("a failed re-run leaves the slow process in place", async () => {
    const { outcomes, discarded } = fakeRun([100, 200, 100, 100]);
    const redone = await rerunThrottled(outcomes, {
      discarded,
      measure: (slots) =>
        Promise.resolve(slots.map(() => new Error("crashed"))),
    });
    assert.deepEqual(redone, []);
    assert.equal((outcomes[1] as FakeProcess).id, "b");
    assert.deepEqual(discarded[1], []);
  });
  await t.step(
    "each pass re-runs at most its share of the processes, slowest first",
    async () => {
      const probes = [100, 300, 150, 250, 200, 100, 100, 100];
      const { outcomes, discarded } = fakeRun(probes);
      const seen: number[][] = [];
      await rerunThrottled(outcomes, {
        discarded,
        measure: (slots) => {
          seen.push([...slots]);
          return Promise.resolve(
            slots.map(() => ({ cpuProbeNs: 100, id: "new" })),
          );
        },
      });
      const most = Math.floor(probes.length * THROTTLE_PASS_SHARE);
      assert.deepEqual(seen[0], [1, 3].slice(0, most));
      assert(seen.every((s) => s.length <= most));
    },
  );
});

Deno.test("outlierSlots() picks processes far over or under their case's median", async (t) => {
  await t.step("above the tolerance over the case's median, per case", () => {
    const edge = 10 * (1 + OUTLIER_TOLERANCE);
    const cases = ["a", "a", "a", "a", "b", "b", "b"];
    assert.deepEqual(
      outlierSlots([10, edge, 10, 9.6, 100, 130, 100], cases),
      [5],
    );
    assert.deepEqual(
      outlierSlots([10, edge * 1.001, 10, 9.6, 100, 101, 100], cases),
      [1],
    );
  });
  await t.step(
    `cases of fewer than ${OUTLIER_MIN_REPLICATES} processes that ran are not judged`,
    () => {
      const few = Array(OUTLIER_MIN_REPLICATES - 1).fill("a");
      const estimates = few.map((_, i) => 10 * (i + 1));
      assert.deepEqual(outlierSlots(estimates, few), []);
      assert.deepEqual(
        outlierSlots([...estimates, undefined], [...few, "a"]),
        [],
        "a failed process is not a sibling",
      );
      assert(
        caseRatios([...estimates, undefined], [...few, "a"]).every(
          Number.isNaN,
        ),
      );
    },
  );
  await t.step("below the case's median by the same factor", () => {
    const edge = 10 / (1 + OUTLIER_TOLERANCE);
    const cases = ["a", "a", "a", "a", "a"];
    assert.deepEqual(outlierSlots([10, edge, 10, 10.1, 9.9], cases), []);
    assert.deepEqual(
      outlierSlots([10, edge * 0.999, 10, 10.1, 9.9], cases),
      [1],
    );
  });
  await t.step("at most `most`, the furthest out, in slot order", () => {
    const cases = Array(6).fill("a");
    assert.deepEqual(
      outlierSlots([10, 13, 10, 12, 10, 14], cases, { most: 2 }),
      [1, 5],
    );
    // 7.5 is 1/0.75 = 1.33x out, further than 13's 1.3x.
    assert.deepEqual(
      outlierSlots([10, 13, 10, 7.5, 10, 10], cases, { most: 1 }),
      [3],
    );
  });
});

Deno.test("rerunThrottled() with cases re-runs outliers after slow probes", async (t) => {
  /** Processes of one case: probes and estimates. */
  const run = (probes: number[], estimates: number[]) => ({
    outcomes: probes.map((
      cpuProbeNs,
      i,
    ): FakeProcess & { estimate: number } | Error => ({
      cpuProbeNs,
      estimate: estimates[i],
      id: String.fromCharCode(97 + i),
    })),
    discarded: probes.map((): (FakeProcess & { estimate: number })[] => []),
    cases: probes.map(() => "x"),
  });
  for (
    const [side, estimate, note] of [
      ["over", 11.7, "1.16x"],
      ["under", 9.3, "0.93x"],
    ] as const
  ) {
    await t.step(
      `an outlier ${side} its case's median with a normal probe is measured again`,
      async () => {
        const { outcomes, discarded, cases } = run(
          [100, 100, 100, 100],
          [10, 10.1, estimate, 10],
        );
        const calls: string[] = [];
        const redone = await rerunThrottled(outcomes, {
          discarded,
          cases,
          measure: (slots, notes) => {
            calls.push(`${slots.join()}: ${notes.join()}`);
            return Promise.resolve(
              slots.map((s) => ({
                cpuProbeNs: 100,
                estimate: 10.05,
                id: `${s}'`,
              })),
            );
          },
        });
        assert.deepEqual(redone, [2]);
        assert.deepEqual(calls, [
          `2: re-run: estimate ${note} its case's median`,
        ]);
        assert.deepEqual(discarded[2].map((p) => p.id), ["c"]);
      },
    );
  }
  await t.step(
    "a process whose probe read slow is neither judged nor a sibling",
    async () => {
      // 12 processes, a pass re-runs at most 3. Case a: slots 2 and 3 ran
      // on a slowed CPU and their bodies hardly slowed, so per unit of
      // probe they read 0.68-0.7 of slots 0 and 1. As siblings they would
      // pull a's median down and make 0 and 1 look 1.18x slow.
      const probes = [100, 100, 150, 150, ...Array(8).fill(100)];
      const estimates = [10, 10, 10.2, 10.5, ...Array(8).fill(20)];
      const outcomes = probes.map((cpuProbeNs, i) => ({
        cpuProbeNs,
        estimate: estimates[i],
      }));
      const seen: string[][] = [];
      await rerunThrottled(outcomes, {
        discarded: outcomes.map(() => []),
        cases: probes.map((_, i) => i < 4 ? "a" : "b"),
        perProbe: true,
        measure: (slots, notes) => {
          seen.push(notes.map((n, i) => `${slots[i]} ${n.split(" ")[1]}`));
          return Promise.resolve(
            slots.map(() => ({ cpuProbeNs: 100, estimate: 10 })),
          );
        },
      });
      assert.deepEqual(seen, [["2 CPU", "3 CPU"]]);
    },
  );
  await t.step("without cases, estimates are not judged", async () => {
    const { outcomes, discarded } = run([100, 100, 100, 100], [10, 10, 20, 10]);
    const redone = await rerunThrottled(outcomes, {
      discarded,
      measure: () => Promise.reject(new Error("nothing is slow")),
    });
    assert.deepEqual(redone, []);
  });
  await t.step(
    "slow probes fill the pass first; outliers take what is left",
    async () => {
      // 8 processes: a pass re-runs at most 2. Slot 1's probe is slow,
      // slots 3 and 5 are outliers, 5 the further out.
      const { outcomes, discarded, cases } = run(
        [100, 150, 100, 100, 100, 100, 100, 100],
        [10, 10, 10, 11, 10, 13, 10, 10],
      );
      const seen: string[] = [];
      await rerunThrottled(outcomes, {
        discarded,
        cases,
        measure: (slots, notes) => {
          seen.push(
            slots.map((s, i) =>
              `${s} ${notes[i].split(":")[1].trim().split(" ")[0]}`
            ).join(", "),
          );
          return Promise.resolve(
            slots.map(() => ({ cpuProbeNs: 100, estimate: 10, id: "new" })),
          );
        },
      });
      assert.deepEqual(seen, ["1 CPU, 5 estimate", "3 estimate"]);
    },
  );
});

/** A timing process with this estimate and probe (the other fields filler). */
function timed(estimate: number, cpuProbeNs?: number): TimedProcess {
  return {
    estimate,
    batch: 1,
    sampleCount: 1,
    tierBefore: "turbofan",
    tierAfter: "turbofan",
    warmup: 0,
    explicitTiming: false,
    samples: [estimate],
    ...(cpuProbeNs === undefined ? {} : { cpuProbeNs }),
  };
}

/** A one-bench time result of these processes. */
function timedResult(name: string, timing: TimedProcess[]): ResultFile {
  const bench = timeBench(name, timing.map((p) => p.estimate), { timing });
  return { ...resultOf([bench]), flags: { repeat: timing.length } };
}

Deno.test("correctForSpeed() scales every replicate to the run's usual CPU speed", async (t) => {
  await t.step("one reference over every result, raw estimates kept", () => {
    // Probes 100 (x9) and 110: the 10% quantile of all ten is 100.
    const a = timedResult("a", [timed(10, 100), timed(11, 110)]);
    const b = timedResult("b", [
      ...Array.from({ length: 7 }, () => timed(20, 100)),
      timed(21, 105),
    ]);
    const [ca, cb] = correctForSpeed([a, b]);
    for (const c of [ca, cb]) {
      assert.equal(c.flags.speedCorrection, SPEED_NOTE);
      assert.equal(c.flags.speedReferenceNs, 100);
      assert.equal(c.flags.repeat, 2 - (c === ca ? 0 : -6), "flags kept");
    }
    assert.deepEqual(ca.benches[0].replicates, [10, 10]);
    assert.deepEqual(ca.benches[0].timing!.map((p) => p.estimate), [10, 11]);
    assert.deepEqual(ca.benches[0].timing!.map((p) => p.speedFactor), [
      1,
      100 / 110,
    ]);
    assert.equal(cb.benches[0].replicates[7], 20);
    assert.deepEqual(a.benches[0].replicates, [10, 11], "input unchanged");
    assert.deepEqual(
      parseResultText(JSON.stringify(ca), "ca"),
      ca,
      "the result file stays valid",
    );
  });
  await t.step("results without probes come back as they were", () => {
    const old = timedResult("old", [timed(10), timed(12)]);
    const [c] = correctForSpeed([old]);
    assert.deepEqual(c, old);
    const noTiming = {
      ...old,
      benches: [{ ...old.benches[0], timing: undefined }],
    };
    assert.deepEqual(correctForSpeed([noTiming])[0], noTiming);
  });
  await t.step(
    "processes still on a slowed CPU get a warning, corrected or not",
    () => {
      // Probes 100 x4 and 130: the reference is 100, 130 is past 1.1x.
      const slowOne = timedResult("slow", [
        timed(10, 100),
        timed(10, 100),
        timed(10, 100),
        timed(10, 100),
        timed(14, 130),
      ]);
      slowOne.benches[0].warning = "measured unoptimized";
      const [c] = correctForSpeed([slowOne]);
      assert.match(
        c.benches[0].warning!,
        /^measured unoptimized; 1 of 5 processes ran on a CPU the host had slowed \(CPU probe up to 1\.30x the run's usual\) even after the throttle guard's re-runs: the figure is corrected/,
      );
      const [raw] = correctForSpeed([slowOne], { correct: false });
      assert.deepEqual(raw.benches[0].replicates, [10, 10, 10, 10, 14]);
      assert.equal(raw.benches[0].timing![4].speedFactor, undefined);
      assert.deepEqual(raw.flags, slowOne.flags);
      assert.match(raw.benches[0].warning!, /the figure may be high$/);
      const [fine] = correctForSpeed([
        timedResult("fine", [timed(10, 100), timed(10, 110)]),
      ]);
      assert.equal(fine.benches[0].warning, undefined, "110 is not past 1.1x");
    },
  );
  await t.step("a process without a probe keeps its estimate", () => {
    const [c] = correctForSpeed([
      timedResult("mixed", [
        timed(10, 100),
        timed(12),
        timed(22, 200),
        timed(10, 100),
        timed(10, 100),
      ]),
    ]);
    // The reference is the 10% quantile of 100, 100, 100 and 200: 100.
    assert.deepEqual(c.benches[0].replicates, [10, 12, 11, 10, 10]);
    assert.equal(c.benches[0].timing![1].speedFactor, undefined);
  });
});

Deno.test("runBenches() records the CPU probe and the guard in the result", async () => {
  const dir = await tinyProject();
  try {
    const r = await runBenches(dir, { repeat: 1, samples: 5, jobs: 1 });
    assert.equal(r.flags.throttleGuard, THROTTLE_NOTE);
    assert.equal(typeof r.flags.reruns, "number");
    assert.equal(r.flags.speedCorrection, SPEED_NOTE);
    assert(Number(r.flags.speedReferenceNs) > 0);
    for (const b of r.benches) {
      // Re-runs replace processes; the replicates stay one per round.
      assert.equal(b.replicates.length, 1);
      for (const p of [...b.timing!, ...(b.discarded ?? [])]) {
        assert(p.cpuProbeNs! > 0);
      }
    }
    assert.deepEqual(parseResultText(JSON.stringify(r), "r"), r);
    const off = await runBenches(dir, {
      repeat: 1,
      samples: 5,
      jobs: 1,
      throttleGuard: false,
      speedCorrection: false,
    });
    assert.equal(off.flags.throttleGuard, undefined);
    assert(off.benches.every((b) => b.discarded === undefined));
    assert.equal(off.flags.speedCorrection, undefined);
    for (const b of off.benches) {
      assert.deepEqual(b.replicates, b.timing!.map((p) => p.estimate));
      assert(b.timing!.every((p) => p.speedFactor === undefined));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBenches() re-runs the processes the guard picks and keeps the slow ones", async () => {
  const dir = await tinyProject();
  try {
    const notes: string[] = [];
    // A tolerance of -0.99 makes every process "slow": the guard re-runs
    // the most it may, a quarter of the 8 processes in each of its passes.
    const r = await runBenches(dir, {
      repeat: 4,
      samples: 5,
      jobs: 2,
      throttleTolerance: -0.99,
      onProgress: (p) => {
        if (p.note !== undefined) notes.push(p.note);
      },
    });
    const most = Math.floor(8 * THROTTLE_PASS_SHARE);
    assert.equal(notes.length, most * THROTTLE_RERUNS);
    assert(
      notes.every((n) =>
        /^re-run: CPU probe \d+\.\d\dx the run's usual/.test(n)
      ),
      notes.join("; "),
    );
    assert.equal(r.flags.reruns, notes.length);
    const discarded = r.benches.flatMap((b) => b.discarded ?? []);
    assert.equal(discarded.length, notes.length);
    for (const b of r.benches) {
      assert.equal(b.replicates.length, 4, "re-runs replace, never add");
      assert.deepEqual(
        b.replicates,
        b.timing!.map((p) => p.estimate * p.speedFactor!),
      );
    }
    // Where the re-runs were pinned, the note names the CPU and every
    // process that ran there says so.
    const pinned = notes.map((n) => /, on CPU (\d+)$/.exec(n)?.[1]);
    if (pinned.every((c) => c !== undefined)) {
      assert(
        r.benches.some((b) =>
          b.timing!.some((p) => String(p.cpu) === pinned[0])
        ),
      );
    }
    assert.deepEqual(parseResultText(JSON.stringify(r), "r"), r);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

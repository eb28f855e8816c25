import assert from "node:assert/strict";
import {
  callgrindArgv,
  chooseCalls,
  countCase,
  detectValgrind,
  MIN_CALLS,
  parseCallgrindDump,
  readRegionCount,
  runInstructionCounts,
  TARGET_OPS,
  ValgrindUnavailableError,
} from "../../../core/track/measure/instructions.ts";
import { loadCases } from "../../../core/track/suite/load_suite.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;
const valgrind = await detectValgrind();

/** A scratch project with the tiny suite in bench/. */
async function tinyProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-instr-test-" });
  await Deno.mkdir(`${dir}/bench`);
  await Deno.copyFile(`${testdata}tiny_bench.ts`, `${dir}/bench/tiny_bench.ts`);
  await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/bench/tiny_cases.ts`);
  return dir;
}

const dump = (thread: number, trigger: string, n: number, events = "Ir") =>
  `# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\nthread: ${thread}\ndesc: Trigger: ${trigger}\nevents: ${events}\ntotals: ${n}\n`;

Deno.test("parseCallgrindDump() reads totals, trigger and thread, and rejects other text", async (t) => {
  await t.step("a client-request dump", () => {
    assert.deepEqual(parseCallgrindDump(dump(1, "Client Request", 42), "f"), {
      instructions: 42,
      trigger: "Client Request",
      thread: 1,
    });
  });
  await t.step("summary: when there is no totals: line", () => {
    const text = dump(2, "Program termination", 0).replace(
      /^totals: 0$/m,
      "summary: 77",
    );
    assert.equal(parseCallgrindDump(text, "f").instructions, 77);
  });
  await t.step("not callgrind output: SyntaxError naming the file", () => {
    assert.throws(
      () => parseCallgrindDump("{}", "x.json"),
      /'x.json' as it is not callgrind output/,
    );
  });
  await t.step("no total: SyntaxError", () => {
    assert.throws(
      () => parseCallgrindDump("creator: callgrind-3.19.0\nevents: Ir\n", "f"),
      /no 'totals:' or 'summary:' line/,
    );
  });
  await t.step("another first event: SyntaxError", () => {
    assert.throws(
      () => parseCallgrindDump(dump(1, "Client Request", 1, "Dr"), "f"),
      /'Dr', not Ir/,
    );
  });
});

Deno.test("readRegionCount() takes the largest client-request dump", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("no client-request dump: RangeError", async () => {
      await Deno.writeTextFile(
        `${dir}/callgrind.out-01`,
        dump(1, "Program termination", 9),
      );
      await assert.rejects(
        readRegionCount(dir),
        /holds no dump written by a client request/,
      );
    });
    await t.step(
      "the main thread's count, not idle threads' or the final dump's",
      async () => {
        await Deno.writeTextFile(
          `${dir}/callgrind.out.1-01`,
          dump(1, "Client Request", 5000),
        );
        await Deno.writeTextFile(
          `${dir}/callgrind.out.1-03`,
          dump(3, "Client Request", 7),
        );
        assert.equal(await readRegionCount(dir), 5000);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chooseCalls() depends only on the batch and the allocation", async (t) => {
  await t.step("TARGET_OPS operations, as a power of two", () => {
    assert.equal(chooseCalls(1, 0), TARGET_OPS);
    assert.equal(chooseCalls(256, 0), 256);
    assert.equal(chooseCalls(1024, 0), 64);
    assert.equal(chooseCalls(100, 0), 512); // 655.36 rounds down
  });
  await t.step(
    "fewer calls when 2N calls would allocate past the budget, never below MIN_CALLS",
    () => {
      assert.equal(chooseCalls(1, 1000), 8192);
      assert.equal(chooseCalls(1, 1e9), MIN_CALLS);
      assert.equal(chooseCalls(1 << 20, 0), MIN_CALLS);
    },
  );
  await t.step("bad input: RangeError", () => {
    assert.throws(
      () => chooseCalls(0, 0),
      /'opsPerCall' must be a positive integer/,
    );
    assert.throws(() => chooseCalls(1.5, 0), RangeError);
    assert.throws(() => chooseCalls(1, -1), /'bytesPerCall' must be >= 0/);
    assert.throws(() => chooseCalls(1, NaN), RangeError);
  });
});

Deno.test("detectValgrind() and the missing-Valgrind error", async (t) => {
  await t.step(
    "a missing command: unavailable, and runInstructionCounts says so in one sentence",
    async () => {
      const s = await detectValgrind("/nonexistent/valgrind");
      assert.deepEqual(s, {
        available: false,
        command: "/nonexistent/valgrind",
        reason: "no such file",
      });
      const dir = await tinyProject();
      try {
        await assert.rejects(
          runInstructionCounts(dir, { valgrind: "/nonexistent/valgrind" }),
          (e) =>
            e instanceof ValgrindUnavailableError &&
            e.message.includes("apt-get install valgrind") &&
            !e.message.includes("\n"),
        );
        await assert.rejects(
          runInstructionCounts(dir, { valgrind: "no-such-valgrind-command" }),
          /not found on PATH/,
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
  await t.step("a command that is not Valgrind: unavailable", async () => {
    const s = await detectValgrind("true");
    assert.equal(s.available, false);
  });
  await t.step({
    name: "an installed Valgrind: available, its version as the description",
    ignore: !valgrind.available,
    fn: async () => {
      const s = await detectValgrind();
      assert(s.available);
      assert.match(s.description, /^valgrind-\d+\.\d+/);
      assert.equal(s.command, "valgrind");
    },
  });
  await t.step(
    "callgrindArgv() instruments nothing until asked and separates threads",
    () => {
      const argv = callgrindArgv("valgrind", "/t/out");
      assert.deepEqual(argv.slice(0, 2), ["valgrind", "--tool=callgrind"]);
      for (
        const flag of [
          "--instr-atstart=no",
          "--separate-threads=yes",
          "--smc-check=all-non-file",
        ]
      ) {
        assert(argv.includes(flag), flag);
      }
    },
  );
});

Deno.test("runInstructionCounts() and countCase() reject bad options", async (t) => {
  const dir = await tinyProject();
  try {
    await t.step("repeat and jobs must be positive integers", async () => {
      await assert.rejects(
        runInstructionCounts(dir, { repeat: 0 }),
        /'repeat' must be a positive integer/,
      );
      await assert.rejects(
        runInstructionCounts(dir, { jobs: 1.5 }),
        /'jobs' must be a positive integer/,
      );
    });
    await t.step("calls must be a positive integer", async () => {
      await assert.rejects(
        countCase("noop", 0),
        /'calls' must be a positive integer/,
      );
    });
    if (valgrind.available) {
      await t.step(
        "no bench files / no matching case: RangeError",
        async () => {
          const empty = await Deno.makeTempDir();
          try {
            await assert.rejects(
              runInstructionCounts(empty),
              /has no bench\/\*_bench.ts files/,
            );
          } finally {
            await Deno.remove(empty, { recursive: true });
          }
          await assert.rejects(
            runInstructionCounts(dir, { filter: "nothing-like-this" }),
            /no case matched the filter/,
          );
          await Deno.writeTextFile(`${dir}/bench/lone_bench.ts`, "");
          await assert.rejects(
            runInstructionCounts(dir, { files: ["bench/lone_bench.ts"] }),
            /no cases module .* defines a case/,
          );
        },
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "countCase() gives the same instructions per op in two runs of the same case (within 0.1%)",
  ignore: !valgrind.available,
  // Why it may be ignored: without Valgrind there is no instruction counter;
  // .ci/run installs it, so CI runs this test.
  async fn() {
    const dir = await tinyProject();
    try {
      const [ref] = await loadCases(dir, ["bench/tiny_bench.ts"], {
        filter: "sum",
      });
      const calls = chooseCalls(ref.case.opsPerCall, 0);
      // Both runs at once: counts do not depend on load.
      const [a, b] = await Promise.all([
        countCase(ref, calls, { cwd: dir }),
        countCase(ref, calls, { cwd: dir }),
      ]);
      assert.equal(a.calls, calls);
      assert(
        a.counts[1] > a.counts[0],
        `I(2N) ${a.counts[1]} > I(N) ${a.counts[0]}`,
      );
      assert(a.instructionsPerOp > 0);
      const diff = Math.abs(a.instructionsPerOp - b.instructionsPerOp) /
        a.instructionsPerOp;
      assert(
        diff <= 0.001,
        `runs differ by ${
          (diff * 100).toFixed(4)
        }%: ${a.instructionsPerOp} vs ${b.instructionsPerOp} instr/op`,
      );
      assert.equal(a.tierBefore, "turbofan");
      assert.equal(a.driverTier, "turbofan");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

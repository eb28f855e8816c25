import assert from "node:assert/strict";
import { assertBadInput, cli } from "./_cli_helpers.ts";
import { detectValgrind } from "../../core/track/measure/instructions.ts";
import { readResultFile } from "../../core/track/result/result.ts";

const testdata = new URL("../testdata/track/", import.meta.url).pathname;
const cliPath = new URL("../../core/cli.ts", import.meta.url).pathname;
const valgrind = await detectValgrind();

async function tinyProject(): Promise<string> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "pmubench-run-instr-test-" }),
  );
  await Deno.mkdir(`${dir}/bench`);
  await Deno.copyFile(`${testdata}tiny_bench.ts`, `${dir}/bench/tiny_bench.ts`);
  await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/bench/tiny_cases.ts`);
  return dir;
}

Deno.test("pmubench run --metric instructions without Valgrind: one sentence, exit 2", async (t) => {
  const dir = await tinyProject();
  try {
    await t.step("--valgrind naming a missing binary", async () => {
      assertBadInput(
        await cli([
          "run",
          "--metric",
          "instructions",
          "--cwd",
          dir,
          "--valgrind",
          "/nonexistent/valgrind",
        ]),
        "run",
        /Cannot count instructions as '\/nonexistent\/valgrind' is not available \(no such file\): install Valgrind/,
      );
    });
    await t.step("a PATH without valgrind, in a real process", async () => {
      // deno is started by its absolute path; only valgrind is missing from PATH.
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          cliPath,
          "run",
          "--metric",
          "instructions",
          "--cwd",
          dir,
        ],
        env: { PATH: "/nonexistent", NO_COLOR: "1" },
        clearEnv: false,
        // Its own cwd: a test that chdirs in this process (report_test.ts,
        // run in parallel) may leave the inherited one deleted.
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 2, err);
      assert.equal(new TextDecoder().decode(out.stdout), "");
      assert.equal(err.trimEnd().split("\n").length, 1, err);
      assert.match(
        err,
        /^pmubench run: Cannot count instructions as 'valgrind' is not available \(not found on PATH\)/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run: bad metric flags are usage errors", async (t) => {
  const dir = await tinyProject();
  try {
    await t.step("an unknown metric", async () => {
      assertBadInput(
        await cli(["run", "--metric", "cycles", "--cwd", dir]),
        "run",
        /--metric must be one of time, instructions: current value is 'cycles'/,
      );
    });
    await t.step("instruction-only flags with the time metric", async () => {
      assertBadInput(
        await cli(["run", "--valgrind", "v", "--cwd", dir]),
        "run",
        /--valgrind applies only/,
      );
    });
    await t.step("--jobs out of range", async () => {
      assertBadInput(
        await cli([
          "run",
          "--metric",
          "instructions",
          "--jobs",
          "0",
          "--cwd",
          dir,
        ]),
        "run",
        /--jobs must be an integer/,
      );
    });
    await t.step("--jobs applies to time too, and is checked", async () => {
      assertBadInput(
        await cli(["run", "--jobs", "0", "--cwd", dir]),
        "run",
        /--jobs must be an integer/,
      );
    });
    await t.step("--help describes the metric", async () => {
      const r = await cli(["run", "--help"]);
      assert.match(
        r.out,
        /--metric instructions: each case under Valgrind's callgrind/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "pmubench run --metric instructions writes instr/op with allocation and tier",
  ignore: !valgrind.available,
  // Why it may be ignored: without Valgrind there is nothing to count with;
  // .ci/run installs it. About 20 s: the no-op reference and one case.
  async fn() {
    const dir = await tinyProject();
    try {
      const out = `${dir}/i.json`;
      const r = await cli([
        "run",
        "--metric",
        "instructions",
        "--filter",
        "sum",
        "--jobs",
        "2",
        "--cwd",
        dir,
        "--out",
        out,
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.err,
        /^count 1\/2 \(reference\)\/no-op: [\d.]+ instr\/op/m,
      );
      assert.match(r.err, /^count 2\/2 tiny\/sum x8: [\d.]+ instr\/op/m);
      assert.match(r.err, /^hardware counters: /m);
      assert.match(
        r.out,
        /^tiny_bench.ts::tiny::sum x8 +[\d.]+ instr\/op +0\.0% +1 +0 +turbofan$/m,
      );
      const result = await readResultFile(out);
      const [b] = result.benches;
      assert.equal(b.metric, "instructions");
      assert.equal(b.unit, "instr/op");
      assert.equal(b.replicates.length, 1);
      assert(b.replicates[0] > 0);
      assert.equal(b.profile?.tier, "turbofan");
      assert.equal(b.profile?.bytesPerOp, 0);
      assert.equal(typeof b.count?.calls, "number");
      assert.equal(typeof result.flags.noopInstructionsPerCall, "number");
      assert.equal(result.flags.metric, "instructions");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "pmubench run --metric instructions counts a plain Deno.bench file (no cases module, no deno.json)",
  ignore: !valgrind.available,
  // Why it may be ignored: without Valgrind there is no instruction counter.
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "pmubench-run-plain-instr-" }),
    );
    try {
      await Deno.writeTextFile(
        `${dir}/plain_bench.ts`,
        `let s = 0;
Deno.bench("sum 64", () => { for (let i = 0; i < 64; i++) s = (s + i) | 0; });
`,
      );
      const out = `${dir}/r.json`;
      const r = await cli([
        "run",
        "--metric",
        "instructions",
        "--ops-per-call",
        "64",
        "--cwd",
        dir,
        "--out",
        out,
      ]);
      assert.equal(r.code, 0, r.err);
      const [b] = (await readResultFile(out)).benches;
      assert.equal(b.key, "plain_bench.ts::::sum 64");
      assert.equal(b.opsPerCall, 64);
      // A few instructions per addition, never the hundreds a whole call costs.
      assert(b.replicates[0] > 1 && b.replicates[0] < 50, String(b.replicates));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

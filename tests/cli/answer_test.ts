import assert from "node:assert/strict";
import { assertBadInput, cli } from "./_cli_helpers.ts";
import { readResultFile } from "../../core/track/result/result.ts";

const project =
  new URL("../testdata/track/answer_project/bench/", import.meta.url)
    .pathname;

async function scratchProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-answer-" });
  await Deno.mkdir(`${dir}/bench`);
  for await (const e of Deno.readDir(project)) {
    await Deno.copyFile(`${project}${e.name}`, `${dir}/bench/${e.name}`);
  }
  return dir;
}

Deno.test("answerCommand prints the transition table and the ranking within 100 lines", async () => {
  const dir = await scratchProject();
  try {
    const run = await cli(["answer", "--smoke", "--cwd", dir]);
    assert.equal(run.code, 0, run.err);
    const lines = run.out.trimEnd().split("\n");
    assert.ok(lines.length <= 100, `${lines.length} lines`);
    // The table: a header with every mechanism, a row per N of the plan.
    const header = lines.find((l) => l.startsWith("N (vCPU)"));
    assert.ok(header !== undefined, run.out);
    for (
      const c of [
        "early return",
        "tracked k=N",
        "all-bits",
        "immediate",
        "none",
      ]
    ) {
      assert.ok(header.includes(c), header);
    }
    assert.ok(lines.some((l) => l.startsWith("0 no-counters ")), run.out);
    assert.ok(lines.some((l) => l.startsWith("4 amd-legacy ")), run.out);
    // The ranking: the hot operation, not the other one.
    assert.ok(
      lines.some((l) => l.startsWith("op=forEachSetBit bits=6 placement=both")),
      run.out,
    );
    assert.ok(!run.out.includes("op=intersects"), run.out);
    // Progress went to standard error, a line per process: 4 cases x 3 + 2 x 5.
    assert.equal(
      run.err.trimEnd().split("\n").filter((l) => l.startsWith("run ")).length,
      22,
    );
    // The result and the report exist where the answer says.
    const resultPath = /^Result: (.+)$/m.exec(run.out)?.[1];
    const reportPath = /^Report: (.+)$/m.exec(run.out)?.[1];
    assert.ok(resultPath !== undefined && reportPath !== undefined, run.out);
    const result = await readResultFile(resultPath);
    assert.equal(result.flags.plan, "default");
    assert.ok(!result.benches.some((b) => b.name.startsWith("tracked k=2")));
    const html = await Deno.readTextFile(reportPath);
    assert.ok(html.includes("<svg"), "the report has charts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("answerCommand rejects positional arguments", async () => {
  assertBadInput(
    await cli(["answer", "x"]),
    "answer",
    /no positional arguments/,
  );
});

Deno.test("answerCommand fails with exit 2 when the plan finds no case", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pmubench-answer-empty-" });
  try {
    await Deno.mkdir(`${dir}/bench`);
    for (const f of ["nested_transition_bench.ts", "bitmap_bench.ts"]) {
      await Deno.writeTextFile(
        `${dir}/bench/${f}`,
        'Deno.bench("plain", () => {});',
      );
    }
    assertBadInput(
      await cli(["answer", "--smoke", "--cwd", dir]),
      "answer",
      /Cannot answer as the plan 'default' found no case/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

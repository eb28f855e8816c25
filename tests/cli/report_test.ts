import assert from "node:assert/strict";
import {
  DEFAULT_REPORT_HISTORY,
  DEFAULT_REPORT_PATH,
  defaultReportBranch,
} from "../../core/cli/report.ts";
import { openHistory } from "../../core/track/history/history.ts";
import {
  bench,
  fixture,
  result,
  tempDir,
} from "../track/history/_history_helpers.ts";
import { assertBadInput, cli, cliIn } from "./_cli_helpers.ts";

const count = (text: string, needle: string) => text.split(needle).length - 1;

Deno.test("pmubench report writes one HTML file from results and the history", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  for (let i = 1; i <= 3; i++) {
    assert.equal(
      (await cli(["record", fixture(`run-${i}.json`), "--db", db])).code,
      0,
    );
  }
  const out = `${dir.path}/sub/report.html`;
  const run = await cli([
    "report",
    fixture("report-input.json"),
    fixture("run-1.json"),
    "--db",
    db,
    "--out",
    out,
    "--history",
    "2",
    "--title",
    "nightly",
  ]);
  assert.equal(run.code, 0, run.err);
  assert.match(
    run.out,
    new RegExp(
      `^wrote '${out}' \\(\\d+ KiB\\): 2 results, 3 transition, 6 strategy and 2 history charts \\(2 runs of 'main' from '${db}'\\)\\n$`,
    ),
  );
  const html = await Deno.readTextFile(out);
  assert.ok(html.includes("<title>nightly</title>"));
  assert.equal(count(html, 'data-chart="history"'), 2, "one per metric");
  assert.ok(html.includes("From <code>" + db + "</code>: 2 runs"));
  assert.ok(html.includes("pmubench report " + fixture("report-input.json")));
  const tmpLeft = [...Deno.readDirSync(`${dir.path}/sub`)].map((e) => e.name);
  assert.deepEqual(tmpLeft, ["report.html"], "no temporary file left");
});

Deno.test("pmubench report works without a history, noting absent sections", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/r.html`;
  const run = await cli(["report", fixture("disjoint.json"), "--out", out]);
  assert.equal(run.code, 0, run.err);
  assert.match(
    run.out,
    /1 result, 0 transition, 0 strategy and 0 history charts\n$/,
  );
  const html = await Deno.readTextFile(out);
  assert.ok(html.includes("No transition benches in this result"));
  assert.ok(!html.includes("History of branch"));
});

Deno.test("pmubench report defaults to .pmubench/ in the current directory", async () => {
  await using dir = await tempDir();
  assert.equal(
    (await cliIn(dir.path, ["record", fixture("run-1.json")])).code,
    0,
  );
  const run = await cliIn(dir.path, ["report"]);
  assert.equal(run.code, 0, run.err);
  assert.match(
    run.out,
    /^wrote '\.pmubench\/report\.html' .*0 results, .* 2 history charts \(1 runs of 'main' from '\.pmubench\/history\.db'\)/,
  );
  assert.ok((await Deno.stat(`${dir.path}/${DEFAULT_REPORT_PATH}`)).isFile);
  assert.equal(DEFAULT_REPORT_HISTORY, 30);
});

Deno.test("pmubench report rejects bad input with one sentence and exit 2", async (t) => {
  await using dir = await tempDir();
  const out = `${dir.path}/r.html`;
  const cases: [string, string[], RegExp][] = [
    [
      "truncated JSON",
      [fixture("truncated.json")],
      /Cannot read result '.*truncated\.json' as it is truncated/,
    ],
    [
      "another tool's JSON",
      [fixture("other-tool.json")],
      /Cannot read result '.*other-tool\.json' as it is neither/,
    ],
    [
      "a failed bench",
      [fixture("failed.json")],
      /Cannot report on '.*failed\.json' as 1 bench failed, first 'bitmap_bench\.ts::weight::u32pair x1024': TypeError/,
    ],
    [
      "nothing to report",
      ["--db", `${dir.path}/none.db`],
      /Cannot read history '.*none\.db' as it does not exist/,
    ],
    [
      "a missing history with --branch",
      [fixture("run-1.json"), "--branch", "main"],
      /--branch needs a history database, and '\.pmubench\/history\.db' does not exist/,
    ],
    ["an unwritable --out", [
      fixture("run-1.json"),
      "--out",
      "/proc/pmubench-report.html",
    ], /Cannot write report '\/proc\/pmubench-report\.html': /],
    [
      "a bad --history",
      [fixture("run-1.json"), "--history", "0"],
      /--history must be an integer in \[1, 100000\]: current value is '0'/,
    ],
    [
      "stdin twice",
      ["-", "-"],
      /Cannot read more than one result from standard input/,
    ],
  ];
  for (const [name, args, message] of cases) {
    await t.step(name, async () => {
      assertBadInput(
        await cli([
          "report",
          ...args,
          ...(args.includes("--out") ? [] : ["--out", out]),
        ]),
        "report",
        message,
      );
      await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
    });
  }
  await t.step("no inputs at all", async () => {
    // In a directory without .pmubench/history.db (a child process: a
    // chdir would move every test module running in parallel).
    assertBadInput(
      await cliIn(dir.path, ["report", "--out", out]),
      "report",
      /Nothing to report: name result files, or record runs into '\.pmubench\/history\.db' first/,
    );
  });
});

Deno.test("defaultReportBranch() prefers main, else the newest run's branch", async () => {
  await using dir = await tempDir();
  using h = openHistory(`${dir.path}/h.db`);
  assert.equal(defaultReportBranch(h), undefined);
  h.record(result([bench("f", [1])], { branch: "a" }));
  h.record(result([bench("f", [1])], { branch: "b" }));
  assert.equal(defaultReportBranch(h), "b");
  h.record(result([bench("f", [1])], { branch: "main" }));
  h.record(result([bench("f", [1])], { branch: "c" }));
  assert.equal(defaultReportBranch(h), "main");
});

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DEFAULT_LOG_LIMIT, formatRunTable } from "../../core/cli/log.ts";
import type { RunSummary } from "../../core/track/history/history.ts";
import { fixture, tempDir } from "../track/history/_history_helpers.ts";
import { assertBadInput, cli } from "./_cli_helpers.ts";

async function historyWithRuns(dir: string): Promise<string> {
  const db = `${dir}/h.db`;
  for (
    const [f, branch] of [["run-1.json", "main"], ["run-2.json", "dev"], [
      "run-3.json",
      "main",
    ]]
  ) {
    const run = await cli([
      "record",
      fixture(f),
      "--db",
      db,
      "--branch",
      branch,
    ]);
    assert.equal(run.code, 0, run.err);
  }
  return db;
}

Deno.test("pmubench log lists runs newest first as a table", async () => {
  await using dir = await tempDir();
  const db = await historyWithRuns(dir.path);
  const run = await cli(["log", "--db", db]);
  assert.equal(run.code, 0, run.err);
  const lines = run.out.trimEnd().split("\n");
  assert.match(
    lines[0],
    /^run +measured \(UTC\) +branch +commit +dirty +benches +metrics +deno +source$/,
  );
  assert.equal(lines.length, 4);
  assert.match(
    lines[1],
    /^ {2}3 +2025-06-03 10:00 +main +a0db61b9439f +no +4 +instructions,time +2\.9\.6 +.*run-3\.json$/,
  );
  assert.match(lines[3], /^ {2}1 /);
});

Deno.test("pmubench log --branch, --limit and --format json", async (t) => {
  await using dir = await tempDir();
  const db = await historyWithRuns(dir.path);
  await t.step("--branch filters", async () => {
    const run = await cli([
      "log",
      "--db",
      db,
      "--branch",
      "dev",
      "--format",
      "json",
    ]);
    const runs = JSON.parse(run.out) as RunSummary[];
    assert.deepEqual(runs.map((r) => [r.id, r.branch]), [[2, "dev"]]);
    assert.equal(runs[0].commit, "f502094ca8b73070c93e67af3b9c8946e3ba08f9");
  });
  await t.step("--limit keeps the newest", async () => {
    const run = await cli([
      "log",
      "--db",
      db,
      "--limit",
      "2",
      "--format",
      "json",
    ]);
    assert.deepEqual((JSON.parse(run.out) as RunSummary[]).map((r) => r.id), [
      3,
      2,
    ]);
  });
  await t.step("a branch without runs says so", async () => {
    const run = await cli(["log", "--db", db, "--branch", "nope"]);
    assert.equal(run.code, 0);
    assert.equal(run.out, `no runs in '${db}' on branch 'nope'\n`);
    assert.equal(
      (await cli(["log", "--db", db, "--branch", "nope", "--format", "json"]))
        .out,
      "[]\n",
    );
  });
  assert.equal(DEFAULT_LOG_LIMIT, 20);
});

Deno.test("pmubench log rejects bad usage and unusable databases with exit 2", async (t) => {
  await using dir = await tempDir();
  const db = await historyWithRuns(dir.path);
  const text = `${dir.path}/text.db`;
  await Deno.writeTextFile(text, "plain text, not SQLite\n".repeat(40));
  const cases: [string, string[], RegExp][] = [
    [
      "a missing database",
      ["--db", `${dir.path}/none.db`],
      /Cannot read history '.*none\.db' as it does not exist: record a result first/,
    ],
    [
      "not a database",
      ["--db", text],
      /Cannot open history '.*text\.db' as it is not a SQLite database/,
    ],
    [
      "a bad limit",
      ["--db", db, "--limit", "0"],
      /--limit must be an integer in \[1, .*current value is '0'/,
    ],
    [
      "a bad format",
      ["--db", db, "--format", "csv"],
      /--format must be one of table, json: current value is 'csv'/,
    ],
    [
      "a positional argument",
      ["--db", db, "extra"],
      /log takes no positional arguments: current value is 'extra'/,
    ],
  ];
  for (const [name, args, message] of cases) {
    await t.step(
      name,
      async () => assertBadInput(await cli(["log", ...args]), "log", message),
    );
  }
  await t.step("locked out by an exclusive connection", async () => {
    const holder = new DatabaseSync(db);
    holder.exec("PRAGMA locking_mode = EXCLUSIVE");
    holder.exec("BEGIN EXCLUSIVE");
    try {
      assertBadInput(
        await cli(["log", "--db", db, "--busy-timeout", "10"]),
        "log",
        /Cannot open history '.*h\.db' as another connection holds a lock on it/,
      );
    } finally {
      holder.exec("COMMIT");
      holder.close();
    }
    assert.equal((await cli(["log", "--db", db])).code, 0);
  });
});

Deno.test("formatRunTable() aligns columns and marks unknown dirtiness", () => {
  const base: RunSummary = {
    id: 7,
    branch: "main",
    commit: "0123456789abcdef0123",
    dirty: null,
    date: "2025-06-01T10:00:00.000Z",
    recordedAt: "2025-06-01T11:00:00.000Z",
    source: "r.json",
    benches: 12,
    metrics: ["time"],
    deno: "2.9.6",
    cpu: "c",
  };
  const text = formatRunTable([base, {
    ...base,
    id: 10,
    dirty: true,
    branch: "feature/x",
  }]);
  const lines = text.trimEnd().split("\n");
  assert.equal(
    new Set(lines.slice(1).map((l) => l.indexOf("2025"))).size,
    1,
    "dates line up",
  );
  assert.equal(lines[0].indexOf("measured"), lines[1].indexOf("2025"));
  assert.match(lines[1], /^ {2}7 .* \? /);
  assert.match(lines[2], /^ 10 .*feature\/x .* yes /);
});

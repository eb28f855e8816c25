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

const CLI = new URL("../../core/cli.ts", import.meta.url).pathname;

/**
 * Run the real CLI as a user who cannot write `dir`: as root (who writes
 * anywhere) through `setpriv` as nobody, else as ourselves.
 */
async function cliAsReader(
  args: string[],
  denoDir: string,
): Promise<{ code: number; out: string; err: string }> {
  const asRoot = Deno.uid() === 0;
  const argv = [Deno.execPath(), "run", "-A", CLI, ...args];
  const { code, stdout, stderr } = await new Deno.Command(
    asRoot ? "setpriv" : argv[0],
    {
      args: asRoot
        ? ["--reuid=65534", "--regid=65534", "--clear-groups", ...argv]
        : argv.slice(1),
      env: { DENO_DIR: denoDir, NO_COLOR: "1" },
      cwd: denoDir,
      stdout: "piped",
      stderr: "piped",
    },
  ).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout), err: text.decode(stderr) };
}

Deno.test({
  name:
    "pmubench log, check and report read a history in a read-only directory",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await using dir = await tempDir();
    const ro = `${dir.path}/ro`;
    await Deno.mkdir(ro);
    const db = await historyWithRuns(ro);
    const denoDir = `${dir.path}/deno`;
    await Deno.mkdir(denoDir);
    await Deno.chmod(denoDir, 0o777);
    await Deno.chmod(db, 0o444);
    await Deno.chmod(ro, 0o555);
    await Deno.chmod(dir.path, 0o755);
    try {
      const log = await cliAsReader(["log", "--db", db], denoDir);
      assert.equal(log.code, 0, log.err);
      assert.equal(log.out.trimEnd().split("\n").length, 4, log.out);
      const check = await cliAsReader(
        ["check", fixture("run-4.json"), "--db", db, "--no-fail"],
        denoDir,
      );
      assert.equal(check.code, 0, check.err);
      assert.match(check.out, /bitmap_bench\.ts::/);
      const report = await cliAsReader(
        ["report", "--db", db, "--out", `${denoDir}/r.html`],
        denoDir,
      );
      assert.equal(report.code, 0, report.err);
      assert.match(report.out, /history charts/);
      // Nothing was written beside the history.
      const names = [];
      for await (const e of Deno.readDir(ro)) names.push(e.name);
      assert.deepEqual(names, ["h.db"]);
    } finally {
      await Deno.chmod(ro, 0o755);
    }
  },
});

Deno.test("pmubench log, check and report refuse a tampered history row with one sentence", async (t) => {
  await using dir = await tempDir();
  const cases: [string, string, RegExp][] = [
    [
      "replicates that are not JSON",
      "UPDATE bench_values SET replicates_json = '[1,' WHERE run_id = 1 AND ord = 0",
      /Cannot read result '.*h\.db \(run 1\)' as 'benches\[0\]\.replicates' must hold JSON: current value is "\[1,"$/,
    ],
    [
      "a replicate that is a string",
      `UPDATE bench_values SET replicates_json = '[1,"toString"]' WHERE run_id = 1 AND ord = 0`,
      /Cannot read result '.*h\.db \(run 1\)' as 'benches\[0\]\.replicates\[1\]' must be a finite number >= 0: current value is "toString"$/,
    ],
    [
      "a subnormal replicate",
      "UPDATE bench_values SET replicates_json = '[5e-324]' WHERE run_id = 1 AND ord = 0",
      /'benches\[0\]\.replicates\[0\]' must be 0 or within \[1e-9, 1000000000000000\]: current value is 5e-324$/,
    ],
    [
      "an env that is not an object",
      "UPDATE runs SET env_json = '[]' WHERE id = 1",
      /Cannot read result '.*h\.db \(run 1\)' as 'env' must be an object: current value is an array of 0$/,
    ],
    [
      "a key that does not match its parts",
      "UPDATE bench_values SET name = 'other' WHERE run_id = 1 AND ord = 0",
      /'benches\[0\]\.key' must be '.*::other' \(file::group::name\)/,
    ],
  ];
  for (const [label, sql, message] of cases) {
    await t.step(label, async () => {
      const sub = `${dir.path}/${label.replaceAll(" ", "-")}`;
      await Deno.mkdir(sub);
      const db = await historyWithRuns(sub);
      const raw = new DatabaseSync(db);
      raw.exec(sql);
      raw.close();
      for (
        const [command, args] of [
          ["check", ["check", fixture("run-4.json"), "--window", "5"]],
          ["report", ["report", "--out", `${sub}/r.html`]],
        ] as const
      ) {
        assertBadInput(
          await cli([...args, "--db", db]),
          command,
          message,
        );
      }
    });
  }
  await t.step(
    "log refuses a run whose env is not JSON",
    async () => {
      const sub = `${dir.path}/env`;
      await Deno.mkdir(sub);
      const db = await historyWithRuns(sub);
      const raw = new DatabaseSync(db);
      raw.exec("UPDATE runs SET env_json = 'nope' WHERE id = 1");
      raw.close();
      assertBadInput(
        await cli(["log", "--db", db]),
        "log",
        /Cannot read result '.*h\.db \(run 1\)' as 'env' must hold JSON: current value is "nope"$/,
      );
    },
  );
});

Deno.test("formatRunTable() strips terminal escapes and bells from branches and sources", () => {
  const text = formatRunTable([{
    id: 1,
    branch: "main\u001b[2J\u0007",
    commit: "0123456789abcdef0123456789abcdef01234567",
    dirty: false,
    date: "2025-06-01T10:00:00.000Z",
    recordedAt: "2025-06-01T11:00:00.000Z",
    source: "r.json\nfake row",
    benches: 1,
    metrics: ["time"],
    deno: "2.9.6",
    cpu: "c",
  }]);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(text), JSON.stringify(text));
  assert.equal(text.trimEnd().split("\n").length, 2);
  assert.match(text, /main\?\[2J\? .* r\.json\?fake row$/m);
});

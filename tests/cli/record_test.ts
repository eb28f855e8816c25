import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { asUsageError, openHistoryFlag } from "../../core/cli/record.ts";
import { HistoryError } from "../../core/track/history/history.ts";
import { fixture, tempDir } from "../track/history/_history_helpers.ts";
import { assertBadInput, cli, snapshotRuns } from "./_cli_helpers.ts";

const CLI = new URL("../../core/cli.ts", import.meta.url).pathname;

Deno.test("pmubench record stores a result under the branch and commit of its env", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  const run = await cli(["record", fixture("run-1.json"), "--db", db]);
  assert.equal(run.code, 0, run.err);
  assert.equal(
    run.out,
    `recorded run 1 into '${db}': '${
      fixture("run-1.json")
    }', 4 benches (instructions, time) on main at bc3f17288b85\n`,
  );
  assert.equal(run.err, "");
  const [summary] = snapshotRuns(db);
  assert.equal(summary.commit, "bc3f17288b8556e34db1e3d674a726d7533b2138");
});

Deno.test("pmubench record --branch/--commit override the env; --commit resolves revisions", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  await t.step("a full hash is taken as is (lowercased)", async () => {
    const run = await cli([
      "record",
      fixture("no-commit.json"),
      "--db",
      db,
      "--branch",
      "ci",
      "--commit",
      "ABCDEF0123456789ABCDEF0123456789ABCDEF01",
    ]);
    assert.equal(run.code, 0, run.err);
    assert.equal(
      snapshotRuns(db)[0].commit,
      "abcdef0123456789abcdef0123456789abcdef01",
    );
    assert.equal(snapshotRuns(db)[0].branch, "ci");
  });
  await t.step(
    "HEAD resolves through git in the current directory",
    async () => {
      const git = await new Deno.Command("git", {
        args: ["rev-parse", "HEAD"],
        stdout: "piped",
        stderr: "null",
      }).output()
        .catch(() => undefined);
      if (git === undefined || git.code !== 0) return; // Not in a git checkout: nothing to resolve.
      const head = new TextDecoder().decode(git.stdout).trim();
      const run = await cli([
        "record",
        fixture("no-commit.json"),
        "--db",
        db,
        "--branch",
        "ci",
        "--commit",
        "HEAD",
      ]);
      assert.equal(run.code, 0, run.err);
      assert.equal(snapshotRuns(db)[0].commit, head);
    },
  );
});

Deno.test("pmubench record warns about a dirty tree on stderr and still records", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  const text = (await Deno.readTextFile(fixture("run-1.json"))).replace(
    '"dirty": false',
    '"dirty": true',
  );
  const run = await cli(["record", "-", "--db", db], text);
  assert.equal(run.code, 0, run.err);
  assert.match(
    run.err,
    /^pmubench record: warning: 'standard input' was measured on a dirty tree/,
  );
  assert.equal(snapshotRuns(db)[0].source, "standard input");
});

Deno.test("pmubench record rejects bad input with one sentence, exit 2, and changes nothing", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  assert.equal(
    (await cli(["record", fixture("run-1.json"), "--db", db])).code,
    0,
  );
  const before = snapshotRuns(db);
  const cases: [string, string[], RegExp][] = [
    [
      "truncated JSON",
      [fixture("truncated.json")],
      /Cannot read result '.*truncated\.json' as it is truncated/,
    ],
    [
      "another tool's JSON",
      [fixture("other-tool.json")],
      /Cannot read result '.*other-tool\.json' as it is neither a pmubench result/,
    ],
    [
      "a failed bench",
      [fixture("failed.json")],
      /Cannot record '.*failed\.json' as 1 bench failed, first 'bitmap_bench\.ts::weight::u32pair x1024': TypeError/,
    ],
    [
      "no git commit",
      [fixture("no-commit.json")],
      /Cannot record '.*no-commit\.json' as it names no git commit \(env\.commit is null.*pass --commit REV$/,
    ],
    [
      "no branch",
      [fixture("no-commit.json"), "--commit", "a".repeat(40)],
      /Cannot record '.*no-commit\.json' as it names no branch .*pass --branch NAME$/,
    ],
    [
      "an unknown revision",
      [fixture("run-1.json"), "--commit", "no-such-rev-xyz"],
      /Cannot record '.*run-1\.json' as --commit 'no-such-rev-xyz' names no commit/,
    ],
    [
      "an empty branch",
      [fixture("run-1.json"), "--branch", " "],
      /--branch must not be empty/,
    ],
    [
      "a missing file",
      [`${dir.path}/nope.json`],
      /Cannot read result '.*nope\.json': no such file/,
    ],
    [
      "a directory as result",
      [dir.path],
      /Cannot read result '.*': it is a directory/,
    ],
    [
      "two results",
      [fixture("run-1.json"), fixture("run-2.json")],
      /record needs exactly one result file: current value is 2/,
    ],
    [
      "a bad busy timeout",
      [fixture("run-1.json"), "--busy-timeout", "1.5"],
      /--busy-timeout must be an integer/,
    ],
    [
      "an unknown flag",
      [fixture("run-1.json"), "--bogus"],
      /Unknown option '--bogus'/,
    ],
  ];
  for (const [name, args, message] of cases) {
    await t.step(name, async () => {
      assertBadInput(
        await cli(["record", ...args, "--db", db]),
        "record",
        message,
      );
      assert.deepEqual(snapshotRuns(db), before);
    });
  }
});

Deno.test("pmubench record refuses an unusable database and leaves it as it was", async (t) => {
  await using dir = await tempDir();
  await t.step("not a SQLite file", async () => {
    const db = `${dir.path}/text.db`;
    await Deno.writeTextFile(db, "not sqlite\n".repeat(50));
    assertBadInput(
      await cli(["record", fixture("run-1.json"), "--db", db]),
      "record",
      new RegExp(`Cannot open history '${db}' as it is not a SQLite database`),
    );
    assert.equal(await Deno.readTextFile(db), "not sqlite\n".repeat(50));
  });
  await t.step(
    "a database that keeps nothing: '', ':memory:', file: URIs",
    async () => {
      for (const db of ["", ":memory:", `file:${dir.path}/uri.db`]) {
        assertBadInput(
          await cli(["record", fixture("run-1.json"), "--db", db]),
          "record",
          /as it names no file \(.*\): give a file path/,
        );
      }
      await assert.rejects(Deno.stat(`${dir.path}/uri.db`));
    },
  );
  await t.step("locked by another connection", async () => {
    const db = `${dir.path}/locked.db`;
    assert.equal(
      (await cli(["record", fixture("run-1.json"), "--db", db])).code,
      0,
    );
    const before = snapshotRuns(db);
    const holder = new DatabaseSync(db);
    holder.exec("BEGIN EXCLUSIVE");
    try {
      assertBadInput(
        await cli([
          "record",
          fixture("run-2.json"),
          "--db",
          db,
          "--busy-timeout",
          "25",
        ]),
        "record",
        new RegExp(
          `Cannot record '.*run-2\\.json' into history '${db}' as another connection holds a lock on it \\(still busy after \\d+ waits of 25 ms\\)$`,
        ),
      );
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    assert.deepEqual(snapshotRuns(db), before);
  });
});

Deno.test("pmubench record run as concurrent processes: every record lands", async () => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  const files = ["run-1.json", "run-2.json", "run-3.json"];
  const outs = await Promise.all(
    files.map((f) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", CLI, "record", fixture(f), "--db", db],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output()
    ),
  );
  for (const out of outs) {
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(
      new TextDecoder().decode(out.stdout),
      /^recorded run [123] into /,
    );
  }
  const runs = snapshotRuns(db);
  assert.deepEqual(runs.map((r) => r.id), [3, 2, 1]);
  assert.deepEqual(runs.map((r) => r.source.split("/").pop()).sort(), files);
  assert.ok(runs.every((r) => r.benches === 4));
});

Deno.test("openHistoryFlag() and asUsageError() turn history problems into usage errors", async () => {
  await using dir = await tempDir();
  assert.throws(
    () => openHistoryFlag({ db: `${dir.path}/none.db` }, false),
    (e: unknown) =>
      e instanceof Error && e.name === "UsageError" &&
      /does not exist: record a result first/.test(e.message),
  );
  assert.throws(
    () =>
      openHistoryFlag({ db: `${dir.path}/x.db`, "busy-timeout": "x" }, true),
    /--busy-timeout/,
  );
  const plain = new RangeError("x");
  assert.equal(asUsageError(plain), plain);
  assert.equal(
    (asUsageError(new HistoryError("m", { kind: "io", path: "p" })) as Error)
      .message,
    "m",
  );
});

Deno.test("pmubench record --help prints its usage", async () => {
  const run = await cli(["record", "--help"]);
  assert.equal(run.code, 0);
  assert.match(run.out, /^Usage: pmubench record RESULT \[options\]/);
  assert.match((await cli(["--help"])).out, /record +store a result file/);
});

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  BUSY_RETRIES,
  HISTORY_APPLICATION_ID,
  HISTORY_SCHEMA_VERSION,
  HistoryError,
  openHistory,
} from "../../../core/track/history/history.ts";
import { readResultFile } from "../../../core/track/result/result.ts";
import {
  bench,
  commitHash,
  fixture,
  result,
  tempDir,
} from "./_history_helpers.ts";

const HISTORY_MODULE =
  new URL("../../../core/track/history/history.ts", import.meta.url)
    .href;

function countRows(path: string): { runs: number; values: number } {
  const db = new DatabaseSync(path);
  try {
    const runs = Number(db.prepare("SELECT count(*) AS n FROM runs").get()!.n);
    const values = Number(
      db.prepare("SELECT count(*) AS n FROM bench_values").get()!.n,
    );
    return { runs, values };
  } finally {
    db.close();
  }
}

Deno.test("openHistory() creates a stamped WAL database with its parent directory", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/nested/dir/history.db`;
  openHistory(path).close();
  const db = new DatabaseSync(path);
  try {
    assert.equal(
      db.prepare("PRAGMA user_version").get()!.user_version,
      HISTORY_SCHEMA_VERSION,
    );
    assert.equal(
      db.prepare("PRAGMA application_id").get()!.application_id,
      HISTORY_APPLICATION_ID,
    );
    assert.equal(db.prepare("PRAGMA journal_mode").get()!.journal_mode, "wal");
  } finally {
    db.close();
  }
  // Reopening an existing history changes nothing and works read-only.
  openHistory(path, { create: false }).close();
});

Deno.test("History.record() round-trips every field through loadRun()", async () => {
  await using dir = await tempDir();
  const r = await readResultFile(fixture("run-1.json"));
  r.benches[0].processes = [{ n: 10, min: 1, avg: 2, p75: 2, p99: 3 }];
  r.benches[0].extra = { bytes: 8, tier: "turbofan" };
  r.origin = "deno bench --json";
  using h = openHistory(`${dir.path}/h.db`);
  const run = h.record(r, {
    source: "run-1.json",
    now: new Date("2025-07-01T00:00:00.000Z"),
  });
  assert.equal(run.id, 1);
  assert.equal(run.branch, "main");
  assert.equal(run.commit, r.env.commit);
  assert.equal(run.recordedAt, "2025-07-01T00:00:00.000Z");
  assert.equal(run.benches, 4);
  assert.deepEqual(run.metrics, ["instructions", "time"]);
  const back = h.loadRun(run.id);
  assert.deepEqual(back.result, r);
  assert.deepEqual(back.summary, run);
});

Deno.test("History.record() takes branch and commit from options over the result's env", async () => {
  await using dir = await tempDir();
  using h = openHistory(`${dir.path}/h.db`);
  const r = result([bench("f", [1, 2])], { commit: null, branch: null });
  const run = h.record(r, { branch: "release", commit: commitHash(7) });
  assert.equal(run.branch, "release");
  assert.equal(run.commit, commitHash(7));
  const back = h.loadRun(run.id).result;
  assert.equal(back.env.branch, "release");
  assert.equal(back.env.commit, commitHash(7));
});

Deno.test("History.record() refuses results it cannot file, writing nothing", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/h.db`;
  using h = openHistory(path);
  h.record(result([bench("f", [1])]));
  const cases: [string, () => unknown, RegExp, ErrorConstructor][] = [
    [
      "no commit",
      () =>
        h.record(result([bench("f", [1])], { commit: null }), {
          source: "x.json",
        }),
      /Cannot record 'x\.json' as it names no git commit/,
      TypeError,
    ],
    [
      "no branch",
      () =>
        h.record(result([bench("f", [1])], { branch: null }), {
          source: "x.json",
        }),
      /Cannot record 'x\.json' as it names no branch/,
      TypeError,
    ],
    [
      "no benches",
      () => h.record(result([]), { source: "x.json" }),
      /Cannot record 'x\.json' as it holds no benches/,
      RangeError,
    ],
    [
      "a failed bench",
      () =>
        h.record(
          result([bench("f", [1]), bench("g", [], { failed: "boom\nstack" })]),
          {
            source: "x.json",
          },
        ),
      /Cannot record 'x\.json' as 1 bench failed, first 'a_bench\.ts::g::g': boom$/,
      RangeError,
    ],
    [
      "a bench without replicates",
      () => h.record(result([bench("f", [])]), { source: "x.json" }),
      /bench 'a_bench\.ts::g::f' has no replicates/,
      RangeError,
    ],
  ];
  for (const [name, f, message, type] of cases) {
    await t.step(name, () => {
      assert.throws(
        f,
        (e: unknown) => e instanceof type && message.test((e as Error).message),
      );
      assert.deepEqual(countRows(path), { runs: 1, values: 1 });
    });
  }
});

Deno.test("History.record() leaves nothing behind when interrupted mid-transaction", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/h.db`;
  const r = await readResultFile(fixture("run-1.json"));
  {
    using h = openHistory(path);
    h.record(r);
  }
  const before = countRows(path);
  await t.step("by an exception from the fault hook", () => {
    using h = openHistory(path);
    assert.throws(
      () =>
        h.record(r, {
          onRowWritten: (i) => {
            if (i === 2) throw new Error("injected fault after row 2");
          },
        }),
      /injected fault after row 2/,
    );
    assert.deepEqual(countRows(path), before);
    assert.equal(h.listRuns().length, 1);
    // The connection is usable again: no transaction was left open.
    h.record(r);
    assert.equal(h.listRuns().length, 2);
  });
  const afterStep = countRows(path);
  await t.step("by the process exiting half way through", async () => {
    // The child dies inside the transaction, without COMMIT or ROLLBACK:
    // SQLite must discard the uncommitted WAL frames on the next open.
    const code = `
      import { openHistory } from ${JSON.stringify(HISTORY_MODULE)};
      const r = JSON.parse(await Deno.readTextFile(${
      JSON.stringify(fixture("run-1.json"))
    }));
      const h = openHistory(${JSON.stringify(path)});
      h.record(r, { onRowWritten: (i) => { if (i === 1) Deno.exit(7); } });
    `;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", code],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 7, new TextDecoder().decode(out.stderr));
    assert.deepEqual(countRows(path), afterStep);
    using h = openHistory(path);
    assert.equal(h.listRuns().length, 2);
  });
});

Deno.test("openHistory() creates the schema safely under many concurrent first opens", async () => {
  // Eight agents open the same fresh paths at once, so that one commits the
  // schema while the others read the file's header. Before the header was
  // read in one transaction, about 2% of these opens took the new file for
  // another application's database.
  await using dir = await tempDir();
  const paths = Array.from({ length: 200 }, (_, i) => `${dir.path}/h${i}.db`);
  const workers = Array.from(
    { length: 8 },
    () =>
      new Worker(new URL("./_history_open_worker.ts", import.meta.url), {
        type: "module",
      }),
  );
  try {
    const failures = await Promise.all(
      workers.map((w) =>
        new Promise<string[]>((resolve, reject) => {
          w.onmessage = (e: MessageEvent<string[]>) => resolve(e.data);
          w.onerror = (e) => reject(new Error(e.message));
          w.postMessage({ paths });
        })
      ),
    );
    assert.deepEqual(failures.flat(), []);
  } finally {
    for (const w of workers) w.terminate();
  }
  for (const path of paths) {
    using h = openHistory(path, { create: false });
    assert.deepEqual(h.listRuns(), []);
  }
});

Deno.test("History.record() from several processes at once: every record lands", async () => {
  await using dir = await tempDir();
  // A fresh path: the writers also race to create the schema.
  const path = `${dir.path}/h.db`;
  const writers = 4;
  const code = (n: number) => `
    import { openHistory } from ${JSON.stringify(HISTORY_MODULE)};
    const r = JSON.parse(await Deno.readTextFile(${
    JSON.stringify(fixture("run-1.json"))
  }));
    const h = openHistory(${JSON.stringify(path)});
    for (let i = 0; i < 3; i++) h.record(r, { commit: ${
    JSON.stringify(commitHash(n))
  }, source: "writer ${n}" });
    h.close();
  `;
  const outs = await Promise.all(
    Array.from(
      { length: writers },
      (_, n) =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", "--quiet", code(n)],
          stdout: "piped",
          stderr: "piped",
        }).output(),
    ),
  );
  for (const out of outs) {
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  }
  assert.deepEqual(countRows(path), {
    runs: writers * 3,
    values: writers * 3 * 4,
  });
  using h = openHistory(path);
  const runs = h.listRuns();
  assert.equal(new Set(runs.map((r) => r.id)).size, writers * 3);
  for (let n = 0; n < writers; n++) {
    assert.equal(runs.filter((r) => r.commit === commitHash(n)).length, 3);
  }
});

Deno.test("History.record() reports a locked database as a HistoryError and writes nothing", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/h.db`;
  {
    using h = openHistory(path);
    h.record(result([bench("f", [1])]));
  }
  const holder = new DatabaseSync(path);
  holder.exec("BEGIN EXCLUSIVE");
  try {
    using h = openHistory(path, { busyTimeoutMs: 20 });
    assert.throws(
      () => h.record(result([bench("f", [2])]), { source: "x.json" }),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "locked" && e.path === path &&
        e.message ===
          `Cannot record 'x.json' into history '${path}' as another connection holds a lock on it (still busy after ${
            BUSY_RETRIES + 1
          } waits of 20 ms)`,
    );
  } finally {
    holder.exec("ROLLBACK");
    holder.close();
  }
  assert.deepEqual(countRows(path), { runs: 1, values: 1 });
});

Deno.test("openHistory() reports a reader locked out by an exclusive connection", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/h.db`;
  openHistory(path).close();
  const holder = new DatabaseSync(path);
  holder.exec("PRAGMA locking_mode = EXCLUSIVE");
  holder.exec("BEGIN EXCLUSIVE");
  try {
    assert.throws(
      () => openHistory(path, { create: false, busyTimeoutMs: 10 }),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "locked" &&
        e.message.startsWith(
          `Cannot open history '${path}' as another connection holds a lock on it`,
        ),
    );
  } finally {
    holder.exec("COMMIT");
    holder.close();
  }
});

Deno.test("openHistory() names what is wrong with a file it cannot use", async (t) => {
  await using dir = await tempDir();
  await t.step("a missing file with create: false", () => {
    const path = `${dir.path}/none.db`;
    assert.throws(
      () => openHistory(path, { create: false }),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "missing" &&
        e.message ===
          `Cannot read history '${path}' as it does not exist: record a result first`,
    );
  });
  await t.step("a text file", async () => {
    const path = `${dir.path}/text.db`;
    const text = "this is not a database\n".repeat(100);
    await Deno.writeTextFile(path, text);
    assert.throws(
      () => openHistory(path),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "not-a-database" &&
        e.message.startsWith(
          `Cannot open history '${path}' as it is not a SQLite database`,
        ),
    );
    assert.equal(await Deno.readTextFile(path), text);
  });
  await t.step("another application's SQLite database", () => {
    const path = `${dir.path}/other.db`;
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE notes (x)");
    db.close();
    assert.throws(
      () => openHistory(path),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "not-a-history" &&
        /another application, not a pmubench history/.test(
          (e as Error).message,
        ),
    );
  });
  await t.step("a foreign application_id", () => {
    const path = `${dir.path}/foreign-id.db`;
    const db = new DatabaseSync(path);
    db.exec("PRAGMA application_id = 1234");
    db.close();
    assert.throws(
      () => openHistory(path),
      (e: unknown) => e instanceof HistoryError && e.kind === "not-a-history",
    );
  });
  await t.step("our schema version without our stamp", () => {
    const path = `${dir.path}/unstamped.db`;
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${HISTORY_SCHEMA_VERSION}`);
    db.close();
    assert.throws(
      () => openHistory(path),
      (e: unknown) => e instanceof HistoryError && e.kind === "not-a-history",
    );
  });
  await t.step("a newer schema", () => {
    const path = `${dir.path}/newer.db`;
    openHistory(path).close();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${HISTORY_SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => openHistory(path),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "newer-schema" &&
        /written by a newer pmubench \(schema 2; this version reads 1\)/.test(
          (e as Error).message,
        ),
    );
  });
  await t.step("an empty file with create: false", async () => {
    const path = `${dir.path}/empty.db`;
    await Deno.writeFile(path, new Uint8Array());
    assert.throws(
      () => openHistory(path, { create: false }),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "not-a-history" &&
        /holds no runs yet/.test((e as Error).message),
    );
    assert.equal((await Deno.stat(path)).size, 0);
  });
  await t.step("a directory", () => {
    assert.throws(
      () => openHistory(dir.path),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "cannot-open" &&
        /is not a regular file/.test((e as Error).message),
    );
  });
  await t.step("a parent that is a file", async () => {
    const file = `${dir.path}/plain`;
    await Deno.writeTextFile(file, "x");
    assert.throws(
      () => openHistory(`${file}/h.db`),
      (e: unknown) =>
        e instanceof HistoryError && e.kind === "cannot-open" &&
        e.message.startsWith(
          `Cannot open history '${file}/h.db' as it cannot be read:`,
        ),
    );
  });
  // /proc refuses new files and directories even to root.
  const linux = Deno.build.os === "linux";
  await t.step({
    name: "a directory that cannot be made (linux /proc)",
    ignore: !linux,
    fn: () => {
      assert.throws(
        () => openHistory("/proc/pmubench-no-such-dir/h.db"),
        (e: unknown) =>
          e instanceof HistoryError && e.kind === "cannot-open" &&
          /as its directory cannot be made/.test((e as Error).message),
      );
    },
  });
  await t.step({
    name: "a file SQLite cannot create (linux /proc)",
    ignore: !linux,
    fn: () => {
      assert.throws(
        () => openHistory("/proc/pmubench-history.db"),
        (e: unknown) =>
          e instanceof HistoryError && e.kind === "cannot-open" &&
          /cannot be opened for writing \(unable to open database file/.test(
            (e as Error).message,
          ),
      );
    },
  });
  await t.step(
    "a name that is no file: '', ':memory:', file: URIs",
    async () => {
      // In a child process whose directory is dir: relative names resolve
      // there, and a chdir here would move every test module running in
      // parallel in this process.
      const paths = [
        "",
        " ",
        ":memory:",
        "file:h.db",
        `file://${dir.path}/u.db`,
      ];
      const code = `
        import { openHistory, HistoryError } from ${
        JSON.stringify(HISTORY_MODULE)
      };
        const out = [];
        for (const path of ${JSON.stringify(paths)}) {
          try { openHistory(path); out.push("opened"); }
          catch (e) { out.push(e instanceof HistoryError ? e.kind + ": " + e.message : String(e)); }
        }
        Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(out)));
      `;
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", code],
        cwd: dir.path,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      const seen: string[] = JSON.parse(new TextDecoder().decode(run.stdout));
      paths.forEach((path, i) => {
        assert.ok(
          seen[i].startsWith(
            `cannot-open: Cannot open history '${path}' as it names no file`,
          ),
          seen[i],
        );
      });
      // Nothing was created, not even a 'file:' folder.
      const left = [];
      for await (const e of Deno.readDir(dir.path)) left.push(e.name);
      assert.ok(!left.some((n) => n.startsWith("file")), left.join(" "));
    },
  );
  await t.step("a bad busy timeout", () => {
    assert.throws(
      () => openHistory(`${dir.path}/h.db`, { busyTimeoutMs: -1 }),
      /'busyTimeoutMs' must be a non-negative integer: current value is -1/,
    );
  });
});

Deno.test("History.listRuns() lists newest first, filtered by branch and limited", async () => {
  await using dir = await tempDir();
  using h = openHistory(`${dir.path}/h.db`);
  for (let i = 1; i <= 5; i++) {
    h.record(
      result([bench("f", [i])], {
        branch: i % 2 === 0 ? "dev" : "main",
        commit: commitHash(i),
      }),
    );
  }
  assert.deepEqual(h.listRuns().map((r) => r.id), [5, 4, 3, 2, 1]);
  assert.deepEqual(h.listRuns({ branch: "main" }).map((r) => r.id), [5, 3, 1]);
  assert.deepEqual(h.listRuns({ branch: "main", limit: 2 }).map((r) => r.id), [
    5,
    3,
  ]);
  assert.deepEqual(h.listRuns({ branch: "none" }), []);
  assert.deepEqual(h.branches(), ["dev", "main"]);
  assert.throws(
    () => h.listRuns({ limit: 0 }),
    /'limit' must be a positive integer: current value is 0/,
  );
});

Deno.test("History.lastRuns() returns the window oldest first, leaving out a commit", async () => {
  await using dir = await tempDir();
  using h = openHistory(`${dir.path}/h.db`);
  for (let i = 1; i <= 6; i++) {
    h.record(
      result([bench("f", [i])], { commit: commitHash(i === 6 ? 5 : i) }),
    );
  }
  h.record(
    result([bench("f", [99])], { branch: "dev", commit: commitHash(9) }),
  );
  assert.deepEqual(h.lastRuns("main", 3).map((r) => r.summary.id), [4, 5, 6]);
  assert.deepEqual(
    h.lastRuns("main", 3, { excludeCommit: commitHash(5) }).map((r) =>
      r.summary.id
    ),
    [2, 3, 4],
  );
  assert.deepEqual(
    h.lastRuns("main", 2).map((r) => r.result.benches[0].replicates[0]),
    [5, 6],
  );
  assert.deepEqual(h.lastRuns("nope", 5), []);
  assert.throws(
    () => h.lastRuns("main", 0),
    /'count' must be a positive integer: current value is 0/,
  );
});

Deno.test("History.loadRun() throws RangeError for an unknown id", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/h.db`;
  using h = openHistory(path);
  assert.throws(
    () => h.loadRun(42),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        `Cannot load run 42 from history '${path}' as no run has this id`,
  );
});

Deno.test("History.close() is idempotent and reads after it fail as HistoryError", async () => {
  await using dir = await tempDir();
  const h = openHistory(`${dir.path}/h.db`);
  h.close();
  h.close();
  assert.throws(
    () => h.listRuns(),
    (e: unknown) => e instanceof HistoryError && e.kind === "io",
  );
});

Deno.test("HistoryError carries its kind and path", () => {
  const e = new HistoryError("Cannot write history 'h.db'", {
    kind: "locked",
    path: "h.db",
  });
  assert.equal(e.name, "HistoryError");
  assert.equal(e.kind, "locked");
  assert.equal(e.path, "h.db");
  assert.ok(e instanceof Error);
});

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DEFAULT_CHECK_BRANCH, describeWindow } from "../../core/cli/check.ts";
import { fixture, tempDir } from "../track/history/_history_helpers.ts";
import { assertBadInput, cli } from "./_cli_helpers.ts";

async function recordBaseRuns(db: string): Promise<void> {
  for (let i = 1; i <= 4; i++) {
    const run = await cli(["record", fixture(`run-${i}.json`), "--db", db]);
    assert.equal(run.code, 0, run.err);
  }
}

Deno.test("history round trip: record -> log -> check", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  await recordBaseRuns(db);
  await t.step("log shows the four runs", async () => {
    const run = await cli(["log", "--db", db, "--format", "json"]);
    assert.deepEqual(JSON.parse(run.out).map((r: { id: number }) => r.id), [
      4,
      3,
      2,
      1,
    ]);
  });
  await t.step("an unchanged head passes (exit 0)", async () => {
    const run = await cli(["check", fixture("head-same.json"), "--db", db]);
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      /^main: last 4 runs \(#1-#4, bc3f172\.\.7b1a238\) -> .*head-same\.json\n/,
    );
    assert.match(
      run.out,
      /4 compared: 0 regressed, 0 improved, 4 unchanged; 0 added, 0 removed\./,
    );
    assert.match(
      run.out,
      /Noise band per metric: time \+\/-3%, instructions \+\/-1%\./,
    );
  });
  await t.step("a 25% slower bench fails the check (exit 1)", async () => {
    const run = await cli([
      "check",
      fixture("head-regressed.json"),
      "--db",
      db,
    ]);
    assert.equal(run.code, 1, run.err);
    assert.match(
      run.out,
      /bitmap_bench\.ts::weight::u32pair x1024 .* \+2[45]\.\d% .* regressed/,
    );
    assert.match(run.out, /4 compared: 1 regressed, 0 improved, 3 unchanged/);
  });
  await t.step("--no-fail reports but exits 0", async () => {
    const run = await cli([
      "check",
      fixture("head-regressed.json"),
      "--db",
      db,
      "--no-fail",
    ]);
    assert.equal(run.code, 0);
    assert.match(run.out, /1 regressed/);
  });
  await t.step("a wide --noise band absorbs the change", async () => {
    const run = await cli([
      "check",
      fixture("head-regressed.json"),
      "--db",
      db,
      "--noise",
      "30%",
    ]);
    assert.equal(run.code, 0);
    assert.doesNotMatch(
      run.out,
      /Noise band per metric/,
      "one band for all: no per-metric line",
    );
  });
  await t.step(
    "recording the head and checking it again leaves its own commit out",
    async () => {
      assert.equal(
        (await cli([
          "record",
          fixture("head-regressed.json"),
          "--db",
          db,
          "--branch",
          "main",
        ])).code,
        0,
      );
      const run = await cli([
        "check",
        fixture("head-regressed.json"),
        "--db",
        db,
        "--format",
        "json",
      ]);
      assert.equal(run.code, 1);
      const json = JSON.parse(run.out);
      assert.deepEqual(json.window.map((w: { id: number }) => w.id), [
        1,
        2,
        3,
        4,
      ]);
    },
  );
});

Deno.test("pmubench check output formats", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  await recordBaseRuns(db);
  await t.step("markdown for a CI step summary", async () => {
    const run = await cli([
      "check",
      fixture("head-regressed.json"),
      "--db",
      db,
      "--format",
      "markdown",
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.out,
      /^### pmubench: `main: last 4 runs \(#1-#4, bc3f172\.\.7b1a238\)` -> `.*head-regressed\.json`\n/,
    );
    assert.match(
      run.out,
      /\| `bitmap_bench\.ts::weight::u32pair x1024` \| .* \| \*\*regressed\*\* \|/,
    );
    assert.match(
      run.out,
      /\nNoise band per metric: time \+\/-3%, instructions \+\/-1%\.\n$/,
    );
  });
  await t.step("json with the window and the noise per metric", async () => {
    const run = await cli([
      "check",
      fixture("head-regressed.json"),
      "--db",
      db,
      "--format",
      "json",
      "--window",
      "3",
    ]);
    assert.equal(run.code, 1);
    const json = JSON.parse(run.out);
    assert.equal(json.branch, "main");
    assert.deepEqual(json.window.map((w: { id: number }) => w.id), [2, 3, 4]);
    assert.deepEqual(json.noiseByMetric, { time: 0.03, instructions: 0.01 });
    assert.deepEqual(json.insufficientHistory, []);
    assert.equal(json.rows.length, 4);
    const regressed = json.rows.find((r: { verdict: string }) =>
      r.verdict === "regressed"
    );
    assert.equal(regressed.key, "bitmap_bench.ts::weight::u32pair x1024");
    assert.equal(regressed.runs, 3);
    assert.equal(json.head, fixture("head-regressed.json"));
  });
  await t.step(
    "two runs cannot bound the noise of time: insufficient history, exit 0",
    async () => {
      const run = await cli([
        "check",
        fixture("head-regressed.json"),
        "--db",
        db,
        "--window",
        "2",
      ]);
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /3 passed with insufficient history/);
      assert.match(
        run.out,
        /Insufficient history: 3 benches of a stochastic metric have fewer than 3 runs of main/,
      );
    },
  );
  await t.step("bmf", async () => {
    const run = await cli([
      "check",
      fixture("head-same.json"),
      "--db",
      db,
      "--format",
      "bmf",
    ]);
    assert.equal(run.code, 0);
    assert.ok(
      "latency" in JSON.parse(run.out)["bitmap_bench.ts::weight::u64 x1024"],
    );
  });
});

Deno.test("pmubench check rejects bad input with one sentence and exit 2", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  await recordBaseRuns(db);
  const text = `${dir.path}/text.db`;
  await Deno.writeTextFile(text, "plain text, not SQLite\n".repeat(40));
  const cases: [string, string[], RegExp][] = [
    [
      "truncated JSON",
      [fixture("truncated.json"), "--db", db],
      /Cannot read result '.*truncated\.json' as it is truncated/,
    ],
    [
      "another tool's JSON",
      [fixture("other-tool.json"), "--db", db],
      /Cannot read result '.*other-tool\.json' as it is neither/,
    ],
    [
      "a failed bench",
      [fixture("failed.json"), "--db", db],
      /Cannot check '.*failed\.json' as bench 'bitmap_bench\.ts::weight::u32pair x1024' failed: TypeError/,
    ],
    [
      "disjoint bench sets",
      [fixture("disjoint.json"), "--db", db],
      /Cannot check '.*disjoint\.json' against main: last 4 runs .* as they share no bench: '.*disjoint\.json' has 1 \('other_bench\.ts::g::something else' \(time\)\)/,
    ],
    [
      "not a database",
      [fixture("head-same.json"), "--db", text],
      /Cannot open history '.*text\.db' as it is not a SQLite database/,
    ],
    [
      "a bad window",
      [fixture("head-same.json"), "--db", db, "--window", "0"],
      /--window must be an integer in \[1, 10000\]: current value is '0'/,
    ],
    [
      "a bad format",
      [fixture("head-same.json"), "--db", db, "--format", "html"],
      /--format must be one of terminal, markdown, json, bmf: current value is 'html'/,
    ],
    [
      "no result",
      ["--db", db],
      /check needs exactly one result file: current value is 0/,
    ],
  ];
  for (const [name, args, message] of cases) {
    await t.step(
      name,
      async () =>
        assertBadInput(await cli(["check", ...args]), "check", message),
    );
  }
  await t.step("locked out by an exclusive connection", async () => {
    const holder = new DatabaseSync(db);
    holder.exec("PRAGMA locking_mode = EXCLUSIVE");
    holder.exec("BEGIN EXCLUSIVE");
    try {
      assertBadInput(
        await cli([
          "check",
          fixture("head-same.json"),
          "--db",
          db,
          "--busy-timeout",
          "10",
        ]),
        "check",
        /Cannot open history '.*h\.db' as another connection holds a lock on it/,
      );
    } finally {
      holder.exec("COMMIT");
      holder.close();
    }
  });
});

Deno.test("pmubench check bootstraps with exit 0 when there is nothing to judge against", async (t) => {
  await using dir = await tempDir();
  const db = `${dir.path}/h.db`;
  await t.step("no database yet (a CI cache miss)", async () => {
    const run = await cli(["check", fixture("head-same.json"), "--db", db]);
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      /^Bootstrapping: history '.*h\.db' does not exist yet, so '.*head-same\.json' has nothing to be judged against and passes\./,
    );
  });
  await recordBaseRuns(db);
  await t.step("a branch without runs", async () => {
    const run = await cli([
      "check",
      fixture("head-same.json"),
      "--db",
      db,
      "--branch",
      "dev",
      "--format",
      "markdown",
    ]);
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      /^### pmubench: bootstrapping\n\nBootstrapping: history '.*h\.db' holds no runs of branch 'dev' other than of its own commit [0-9a-f]{12}, so/,
    );
  });
  await t.step("json says so too", async () => {
    const run = await cli([
      "check",
      fixture("head-same.json"),
      "--db",
      db,
      "--branch",
      "dev",
      "--format",
      "json",
    ]);
    assert.equal(run.code, 0);
    assert.equal(JSON.parse(run.out).status, "bootstrapping");
  });
});

Deno.test("describeWindow() names the runs of the window", () => {
  assert.equal(describeWindow("main", []), "main: no runs");
  assert.equal(DEFAULT_CHECK_BRANCH, "main");
});

Deno.test("pmubench check --help lists the per-metric noise defaults", async () => {
  const run = await cli(["check", "--help"]);
  assert.equal(run.code, 0);
  assert.match(run.out, /time 3%, instructions 1%/);
});

/** The pmubench commands of the README's CI recipe, by step name. */
async function readmeRecipe(): Promise<
  { yaml: string; steps: Map<string, string> }
> {
  const readme = await Deno.readTextFile(
    new URL("../../README.md", import.meta.url),
  );
  const marker = readme.indexOf("<!-- ci-recipe:");
  assert.ok(marker >= 0, "the README marks its CI recipe");
  const start = readme.indexOf("```yaml\n", marker) + "```yaml\n".length;
  const yaml = readme.slice(start, readme.indexOf("```", start));
  const steps = new Map<string, string>();
  let name = "";
  for (const line of yaml.split("\n")) {
    const n = line.match(/^\s+- name: (.*)$/);
    if (n !== null) name = n[1];
    const r = line.match(/^\s+run: (deno task pmubench .*)$/);
    if (r !== null) steps.set(name, r[1]);
  }
  return { yaml, steps };
}

/** One recipe command as in-process CLI arguments, on `head` and `db`. */
function recipeArgs(command: string, head: string, db: string): string[] {
  const [words] = command.split(" >> ");
  const args = words.trim().split(/\s+/).slice(3); // drop "deno task pmubench"
  return [...args.map((a) => a === "out/head.json" ? head : a), "--db", db];
}

Deno.test("the README's CI recipe passes from its first run and gates afterwards", async (t) => {
  const { yaml, steps } = await readmeRecipe();
  await t.step(
    "the workflow restores and saves the history, summarises, records on main only",
    () => {
      assert.match(
        yaml,
        /uses: actions\/cache\/restore@v4\n\s+with:\n\s+path: \.pmubench\/history\.db/,
      );
      assert.match(
        yaml,
        /uses: actions\/cache\/save@v4\n\s+with:\n\s+path: \.pmubench\/history\.db/,
      );
      assert.match(
        steps.get("Check against main")!,
        />> "\$GITHUB_STEP_SUMMARY"$/,
      );
      assert.match(
        yaml,
        /- name: Record \(main only\)\n\s+if: github\.ref == 'refs\/heads\/main'\n/,
      );
      assert.match(
        yaml,
        /- name: Save the history \(main only\)\n\s+if: github\.ref == 'refs\/heads\/main'\n/,
      );
    },
  );
  await using dir = await tempDir();
  const db = `${dir.path}/.pmubench/history.db`;
  const summary = `${dir.path}/summary.md`;
  const check = async (head: string) => {
    const run = await cli(
      recipeArgs(steps.get("Check against main")!, head, db),
    );
    await Deno.writeTextFile(summary, run.out, { append: true });
    return run;
  };
  const record = (head: string) =>
    cli(recipeArgs(steps.get("Record (main only)")!, head, db));
  await t.step(
    "first run, a pull request on a cache miss: exit 0, bootstrapping",
    async () => {
      const run = await check(fixture("run-1.json"));
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /^### pmubench: bootstrapping\n/);
      assert.match(await Deno.readTextFile(summary), /does not exist yet/);
    },
  );
  await t.step("first run on main: check exits 0, then record", async () => {
    assert.equal((await check(fixture("run-1.json"))).code, 0);
    const rec = await record(fixture("run-1.json"));
    assert.equal(rec.code, 0, rec.err);
  });
  await t.step(
    "the same commit again: its own run is left out, still bootstrapping",
    async () => {
      const run = await check(fixture("run-1.json"));
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /other than of its own commit/);
    },
  );
  await t.step(
    "the next commits: insufficient history for time, exact instructions, exit 0",
    async () => {
      const run = await check(fixture("run-2.json"));
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /passed with insufficient history/);
      assert.match(run.out, /exact/);
      for (const r of ["run-2.json", "run-3.json", "run-4.json"]) {
        assert.equal((await record(fixture(r))).code, 0);
      }
    },
  );
  await t.step(
    "with four runs recorded, a 25% slowdown fails the job",
    async () => {
      const run = await check(fixture("head-regressed.json"));
      assert.equal(run.code, 1, run.err);
      assert.match(run.out, /\*\*regressed\*\*/);
      const same = await check(fixture("head-same.json"));
      assert.equal(same.code, 0, same.out);
    },
  );
});

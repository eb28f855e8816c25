import assert from "node:assert/strict";
import { detectValgrind } from "../../core/track/measure/instructions.ts";

const cliPath = new URL("../../core/cli.ts", import.meta.url).pathname;

/**
 * A project whose one bench writes `<dir>/marker` (its process's pid) on
 * its first call, and whose warm-up keeps the process busy for minutes
 * (only under Valgrind, if asked: the native profile process stays quick).
 */
async function slowProject(underValgrindOnly: boolean): Promise<string> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "pmubench-signal-test-" }),
  );
  const guard = underValgrindOnly
    ? `(Deno.env.get("LD_PRELOAD") ?? "").includes("vgpreload")`
    : "true";
  await Deno.writeTextFile(
    `${dir}/slow_bench.ts`,
    `let marked = false;
let s = 0;
Deno.bench("slow", () => {
  if (!(${guard})) return;
  if (!marked) {
    marked = true;
    Deno.writeTextFileSync("${dir}/marker", String(Deno.pid));
  }
  const end = Date.now() + 50;
  while (Date.now() < end) s++;
});
`,
  );
  return dir;
}

async function waitFor(path: string, seconds: number): Promise<string> {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const t = await Deno.readTextFile(path);
      if (t !== "") return t;
    } catch {
      // Not yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`'${path}' never appeared`);
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

async function interruptRun(
  args: string[],
  dir: string,
  signal: Deno.Signal,
  env: Record<string, string> = {},
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cliPath, "run", "--cwd", dir, ...args],
    env: { NO_COLOR: "1", ...env },
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const benchPid = Number(await waitFor(`${dir}/marker`, 120));
  child.kill(signal);
  const out = await child.output();
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    gone = !(await isAlive(benchPid));
    if (!gone) await new Promise((r) => setTimeout(r, 100));
  }
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    benchGone: gone,
  };
}

async function noResults(dir: string): Promise<string[]> {
  try {
    return await Array.fromAsync(
      Deno.readDir(`${dir}/.pmubench/results`),
      (e) => e.name,
    );
  } catch {
    return [];
  }
}

Deno.test("pmubench run ends its children, writes nothing and exits 128+n on SIGINT, SIGTERM, SIGHUP", async (t) => {
  for (
    const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
      ["SIGHUP", 129],
    ] as const
  ) {
    await t.step(signal, async () => {
      const dir = await slowProject(false);
      try {
        const r = await interruptRun(["--repeat", "1"], dir, signal);
        assert.equal(r.code, code, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `interrupted by ${signal}; children ended, nothing written`,
          ),
        );
        assert.equal(r.benchGone, true, "the harness process was ended");
        assert.deepEqual(await noResults(dir), []);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});

const valgrind = await detectValgrind();

Deno.test({
  name:
    "pmubench run --metric instructions removes valgrind's temporary directory on SIGINT",
  ignore: !valgrind.available,
  // Why it may be ignored: without Valgrind nothing runs under callgrind.
  async fn() {
    const dir = await slowProject(true);
    const tmp = await Deno.makeTempDir({ prefix: "pmubench-signal-tmp-" });
    try {
      const r = await interruptRun(
        ["--metric", "instructions"],
        dir,
        "SIGINT",
        { TMPDIR: tmp },
      );
      assert.equal(r.code, 130, r.stderr);
      assert.equal(r.benchGone, true, "valgrind's process was ended");
      const left = await Array.fromAsync(Deno.readDir(tmp), (e) => e.name);
      assert.deepEqual(
        left.filter((n) => n.startsWith("pmubench-")),
        [],
        "the callgrind temporary directory was removed",
      );
      assert.deepEqual(await noResults(dir), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("pmubench ab ends its children, removes its worktree and exits 130 on SIGINT", async () => {
  const dir = await slowProject(false);
  try {
    const git = async (...args: string[]) => {
      const out = await new Deno.Command("git", {
        args: ["-C", dir, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout);
    };
    await git("init", "-q", "-b", "main");
    await git("add", "slow_bench.ts");
    await git(
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@t",
      "commit",
      "-q",
      "-m",
      "slow",
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        cliPath,
        "ab",
        "--base",
        "HEAD",
        "--cwd",
        dir,
      ],
      env: { NO_COLOR: "1" },
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const benchPid = Number(await waitFor(`${dir}/marker`, 120));
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 130, stderr);
    assert.match(
      stderr,
      /interrupted by SIGINT; children ended, removing the temporary worktree/,
    );
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = !(await isAlive(benchPid));
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(gone, true, "the harness process was ended");
    const worktrees = (await git("worktree", "list")).trim().split("\n");
    assert.equal(worktrees.length, 1, worktrees.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

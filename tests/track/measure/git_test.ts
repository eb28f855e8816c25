import assert from "node:assert/strict";
import {
  addWorktree,
  readGitState,
  resolveRevision,
} from "../../../core/track/measure/git.ts";

async function sh(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/** A scratch repository with two commits of `file.txt` ("one", then "two") on branch `main`. */
async function scratchRepo(): Promise<string> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "pmubench-git-test-" }),
  );
  await sh(dir, "init", "-q", "-b", "main");
  await Deno.writeTextFile(`${dir}/file.txt`, "one\n");
  await sh(dir, "add", "file.txt");
  await sh(dir, "commit", "-q", "-m", "one");
  await Deno.writeTextFile(`${dir}/file.txt`, "two\n");
  await sh(dir, "commit", "-q", "-am", "two");
  return dir;
}

Deno.test("readGitState() reports commit, dirty flag and branch", async (t) => {
  const dir = await scratchRepo();
  try {
    await t.step("clean on a branch", async () => {
      const s = await readGitState(dir);
      assert.equal(s.commit, await sh(dir, "rev-parse", "HEAD"));
      assert.equal(s.dirty, false);
      assert.equal(s.branch, "main");
    });
    await t.step("an untracked file leaves it clean", async () => {
      await Deno.writeTextFile(`${dir}/new.txt`, "x");
      assert.equal((await readGitState(dir)).dirty, false);
    });
    await t.step("a modified tracked file makes it dirty", async () => {
      await Deno.writeTextFile(`${dir}/file.txt`, "three\n");
      assert.equal((await readGitState(dir)).dirty, true);
    });
    await t.step("detached HEAD has no branch", async () => {
      await sh(dir, "checkout", "-q", "-f", "--detach", "HEAD~1");
      assert.equal((await readGitState(dir)).branch, null);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readGitState() gives nulls outside a repository", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(await readGitState(dir), {
      commit: null,
      dirty: null,
      branch: null,
    });
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("resolveRevision() resolves revisions and names the missing ones", async (t) => {
  const dir = await scratchRepo();
  const outside = await Deno.makeTempDir();
  try {
    await t.step("HEAD~1 is the parent", async () => {
      assert.equal(
        await resolveRevision(dir, "HEAD~1"),
        await sh(dir, "rev-parse", "HEAD^"),
      );
    });
    await t.step("an unknown revision", async () => {
      await assert.rejects(resolveRevision(dir, "HEAD~5"), {
        name: "RangeError",
        message:
          `Cannot resolve git revision 'HEAD~5' in '${dir}': no such commit`,
      });
    });
    await t.step("a revision that looks like a flag", async () => {
      await assert.rejects(resolveRevision(dir, "--all"), /no such commit/);
    });
    await t.step("outside a repository", async () => {
      await assert.rejects(
        resolveRevision(outside, "HEAD"),
        /is not inside a git repository/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside);
  }
});

Deno.test("addWorktree() checks a revision out in a temporary directory and remove() deletes it", async (t) => {
  const dir = await scratchRepo();
  try {
    await t.step(
      "the worktree holds the old revision; the main tree is untouched",
      async () => {
        const wt = await addWorktree(dir, "HEAD~1");
        try {
          assert.equal(await Deno.readTextFile(`${wt.path}/file.txt`), "one\n");
          assert.equal(await Deno.readTextFile(`${dir}/file.txt`), "two\n");
          assert.equal(wt.commit, await sh(dir, "rev-parse", "HEAD~1"));
          assert.equal(
            (await sh(dir, "worktree", "list")).split("\n").length,
            2,
          );
        } finally {
          await wt.remove();
        }
        await assert.rejects(Deno.stat(wt.path), Deno.errors.NotFound);
        assert.equal((await sh(dir, "worktree", "list")).split("\n").length, 1);
        await wt.remove(); // twice is harmless
      },
    );
    await t.step("an unknown revision creates nothing", async () => {
      await assert.rejects(addWorktree(dir, "no-such-branch"), RangeError);
      assert.equal((await sh(dir, "worktree", "list")).split("\n").length, 1);
    });
    await t.step(
      "a git failure is reported with git's message and leaves no directory",
      async () => {
        // A file where git keeps its worktree records makes 'worktree add' fail.
        const gitDir = `${dir}/.git`;
        await Deno.remove(`${gitDir}/worktrees`, { recursive: true }).catch(
          () => {},
        );
        await Deno.writeTextFile(`${gitDir}/worktrees`, "");
        const e = await addWorktree(dir, "HEAD").then(
          () => undefined,
          (e) => e,
        );
        assert.ok(e instanceof Error);
        const m = /^Cannot create a worktree of 'HEAD' at '(.+)': .+/.exec(
          e.message,
        );
        assert.ok(m !== null, e.message);
        await assert.rejects(Deno.stat(m[1]), Deno.errors.NotFound);
        await Deno.remove(`${gitDir}/worktrees`);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

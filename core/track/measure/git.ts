/**
 * The git facts a result records and the worktrees `ab` measures in.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode readGitState} | commit, dirty flag and branch of a directory (nulls outside git) |
 * | {@linkcode resolveRevision} | a revision (`HEAD~1`, a tag, a hash) to its full commit hash |
 * | {@linkcode addWorktree} | a detached temporary worktree at a revision, with `remove()` |
 *
 * Every function runs the `git` on `PATH`.
 *
 * @module
 */

import { runTool } from "../../common/run_tool.ts";

/** The git state of a working tree. */
export interface GitState {
  /** Full hash of `HEAD`, `null` outside a repository. */
  commit: string | null;
  /** Whether tracked files differ from `HEAD` (untracked files are ignored), `null` outside a repository. */
  dirty: boolean | null;
  /** The checked-out branch, `null` when detached or outside a repository. */
  branch: string | null;
}

/** A temporary worktree; call {@linkcode Worktree.remove} in a `finally`. */
export interface Worktree {
  /** Absolute path of the worktree. */
  path: string;
  /** Full hash of the commit checked out. */
  commit: string;
  /** Remove the worktree and its directory; safe to call twice. */
  remove(): Promise<void>;
}

interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

async function git(cwd: string, args: string[]): Promise<GitOutput> {
  const out = await runTool("git", { args, cwd });
  if (!out.started) {
    const why = out.missing ? "command not found" : out.reason;
    return { code: 127, stdout: "", stderr: `git: ${why}` };
  }
  return {
    code: out.code,
    stdout: out.stdout.trim(),
    stderr: out.stderr.trim(),
  };
}

/**
 * Commit, dirty flag and branch of the working tree at `cwd`; all `null`
 * when `cwd` is not inside a git repository (or git is missing).
 *
 * Untracked files do not make a tree dirty: result files and scratch
 * files would otherwise mark every run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readGitState } from "./git.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const state = await readGitState(dir);
 * assert(state.commit === null && state.dirty === null);
 * await Deno.remove(dir);
 * ```
 */
export async function readGitState(cwd: string): Promise<GitState> {
  const head = await git(cwd, ["rev-parse", "--verify", "--quiet", "HEAD"]);
  if (head.code !== 0 || head.stdout === "") {
    return { commit: null, dirty: null, branch: null };
  }
  const status = await git(cwd, [
    "status",
    "--porcelain",
    "--untracked-files=no",
  ]);
  const branch = await git(cwd, ["symbolic-ref", "--short", "-q", "HEAD"]);
  return {
    commit: head.stdout,
    dirty: status.code === 0 ? status.stdout !== "" : null,
    branch: branch.code === 0 && branch.stdout !== "" ? branch.stdout : null,
  };
}

/**
 * The full commit hash `rev` names in the repository at `cwd`.
 *
 * @throws {RangeError} when `rev` names no commit there (or `cwd` is not in
 * a repository); the message names both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRevision } from "./git.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(resolveRevision(dir, "HEAD"), RangeError);
 * await Deno.remove(dir);
 * ```
 */
export async function resolveRevision(
  cwd: string,
  rev: string,
): Promise<string> {
  // "--end-of-options" keeps a revision like "--help" from reading as a flag.
  const r = await git(cwd, [
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${rev}^{commit}`,
  ]);
  if (r.code !== 0 || r.stdout === "") {
    const inRepo = (await git(cwd, ["rev-parse", "--git-dir"])).code === 0;
    throw new RangeError(
      inRepo
        ? `Cannot resolve git revision '${rev}' in '${cwd}': no such commit`
        : `Cannot resolve git revision '${rev}' as '${cwd}' is not inside a git repository`,
    );
  }
  return r.stdout;
}

/**
 * Check out `rev` detached in a new temporary directory
 * (`git worktree add --detach`), sharing the repository at `cwd`.
 *
 * @throws {RangeError} when `rev` names no commit (see {@linkcode resolveRevision}).
 * @throws {Error} when git cannot create the worktree; the message holds git's own.
 *
 * @example
 * ```ts ignore
 * import { addWorktree } from "./git.ts";
 *
 * const wt = await addWorktree(Deno.cwd(), "HEAD~1");
 * try {
 *   console.log(wt.path, wt.commit);
 * } finally {
 *   await wt.remove();
 * }
 * ```
 */
export async function addWorktree(cwd: string, rev: string): Promise<Worktree> {
  const commit = await resolveRevision(cwd, rev);
  const path = await Deno.makeTempDir({ prefix: "pmubench-worktree-" });
  const add = await git(cwd, ["worktree", "add", "--detach", path, commit]);
  if (add.code !== 0) {
    await Deno.remove(path, { recursive: true }).catch(() => {});
    throw new Error(
      `Cannot create a worktree of '${rev}' at '${path}': ${add.stderr}`,
    );
  }
  let removed = false;
  return {
    path,
    commit,
    async remove() {
      if (removed) return;
      removed = true;
      await git(cwd, ["worktree", "remove", "--force", path]);
      // If git refused (e.g. the directory was already half gone), clean up by hand.
      await Deno.remove(path, { recursive: true }).catch(() => {});
      await git(cwd, ["worktree", "prune"]);
    },
  };
}

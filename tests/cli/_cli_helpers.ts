// In-process CLI runs and the checks every bad-input case shares.

import assert from "node:assert/strict";
import { main } from "../../core/cli.ts";
import { bufferIo } from "../../core/cli/command.ts";
import {
  openHistory,
  type RunSummary,
} from "../../core/track/history/history.ts";

/** What one in-process `pmubench` call produced. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Run `pmubench args...` in-process. */
export async function cli(args: string[], stdin = ""): Promise<CliRun> {
  const io = bufferIo(stdin);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const CLI = new URL("../../core/cli.ts", import.meta.url).pathname;

/**
 * Run `pmubench args...` as a child process in `cwd`. For tests of the
 * defaults relative to the current directory: `Deno.chdir` would change
 * the directory of every test module running in parallel in this process.
 */
export async function cliIn(cwd: string, args: string[]): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", CLI, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    out: dec.decode(out.stdout),
    err: dec.decode(out.stderr),
  };
}

/**
 * Assert the bad-input contract: exit 2, nothing on stdout, exactly one
 * line on stderr naming the command and matching `message`, no stack trace.
 */
export function assertBadInput(
  run: CliRun,
  command: string,
  message: RegExp,
): void {
  assert.equal(run.code, 2, `exit code; stderr: ${run.err}`);
  assert.equal(run.out, "");
  assert.match(run.err, new RegExp(`^pmubench ${command}: `));
  assert.equal(run.err.trimEnd().split("\n").length, 1, `one line: ${run.err}`);
  assert.ok(!/\n\s+at /.test(run.err), "no stack trace");
  assert.ok(!run.err.includes("unexpected error"), run.err);
  assert.match(run.err.trimEnd(), message);
}

/** Every run of a history, for before/after comparisons. */
export function snapshotRuns(path: string): RunSummary[] {
  using h = openHistory(path, { create: false });
  return h.listRuns();
}

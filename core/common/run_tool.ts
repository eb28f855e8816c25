/**
 * The one way pmubench runs an outside tool to the end (a compiler, `git`,
 * `valgrind --version`, `perf stat`, `mkfifo`): its output captured as
 * text, and a binary that is missing or not executable reported as a value
 * rather than thrown, so each caller says in its own words what is
 * missing. Long-lived children with process groups and signals are
 * `core/track/measure/harness/harness_process.ts`'s business, not this.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode runTool} | run a command to its end, capture standard output and error |
 * | {@linkcode ToolRun} | what it ran, or why it could not start |
 *
 * @module
 */

/** Options of {@linkcode runTool}. */
export interface RunToolOptions {
  /** The arguments. @default {[]} */
  args?: readonly string[];
  /** The working directory. @default {Deno.cwd()} */
  cwd?: string;
}

/**
 * What {@linkcode runTool} did: the tool ran (whatever its exit code), or
 * it could not start because the binary is missing or not executable.
 */
export type ToolRun =
  | {
    /** The tool ran to its end. */
    started: true;
    /** Its exit code. */
    code: number;
    /** Whether it exited with code 0. */
    success: boolean;
    /** Its standard output, decoded as UTF-8. */
    stdout: string;
    /** Its standard error, decoded as UTF-8. */
    stderr: string;
  }
  | {
    /** The tool did not start. */
    started: false;
    /** Whether the binary does not exist (else it is not executable). */
    missing: boolean;
    /** Why, in a few words: `"not found on PATH"`, `"no such file"` or `"not executable"`. */
    reason: string;
    /** The error the spawn raised, for callers that quote it. */
    error: Error;
  };

/**
 * Run `command` to its end with standard input closed, capturing standard
 * output and error as text.
 *
 * @throws {Error} any spawn error other than a missing or non-executable
 * binary (those are reported in the result), e.g. `Deno.errors.NotFound`
 * when `cwd` is no directory.
 *
 * @example A tool that runs, and one that does not exist
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTool } from "./run_tool.ts";
 *
 * const ok = await runTool(Deno.execPath(), { args: ["--version"] });
 * assert(ok.started && ok.success && ok.stdout.startsWith("deno "));
 * const missing = await runTool("/nonexistent/tool");
 * assert(!missing.started && missing.missing && missing.reason === "no such file");
 * ```
 */
export async function runTool(
  command: string,
  options: RunToolOptions = {},
): Promise<ToolRun> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(command, {
      args: [...(options.args ?? [])],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    // A missing working directory raises NotFound too: that is no missing tool.
    if (e instanceof Deno.errors.NotFound && await isDirectory(options.cwd)) {
      return {
        started: false,
        missing: true,
        reason: command.includes("/") ? "no such file" : "not found on PATH",
        error: e,
      };
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      return {
        started: false,
        missing: false,
        reason: "not executable",
        error: e,
      };
    }
    throw e;
  }
  const text = new TextDecoder();
  return {
    started: true,
    code: out.code,
    success: out.success,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

async function isDirectory(path: string | undefined): Promise<boolean> {
  if (path === undefined) return true;
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

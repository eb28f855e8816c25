/**
 * The parent side of the case harness ({@linkcode ./case_harness.ts}):
 * start one fresh harness process per measurement, natively or under a
 * wrapper (Valgrind, perf).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode spawnHarness}, {@linkcode HarnessProcessError} | one harness process for one case, its report and raw output |
 * | {@linkcode harnessArgsFor} | the harness arguments that name a {@linkcode CaseRef} |
 * | {@linkcode runProcessGroup} | a child in its own process group, killed as a group on abort |
 *
 * Cases are found with the one suite loader, {@linkcode ../../suite/load_suite.ts}.
 * Every harness process builds only its own case: it is started with
 * `PMUBENCH_CASES` set to the exact pattern of that case
 * ({@linkcode exactCasePattern}), which the suites honour before building
 * anything, so no other strategy's, mechanism's or case's fixture is built
 * or primed in it.
 * | {@linkcode HARNESS_PATH} | where the harness script lives |
 *
 * @module
 */

import { type CaseRef, exactCasePattern } from "../../suite/load_suite.ts";
import {
  HARNESS_V8_FLAGS,
  type HarnessArgs,
  harnessArgv,
  type HarnessReport,
  readHarnessReport,
  TIMING_V8_FLAGS,
} from "./case_harness.ts";

/** The harness script, beside this module. */
export const HARNESS_PATH: string =
  new URL("./case_harness.ts", import.meta.url)
    .href;

/**
 * A harness process failed: it exited non-zero, was killed, or printed no
 * report. The message names the case and quotes the end of its standard
 * error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HarnessProcessError } from "./harness_process.ts";
 *
 * const e = new HarnessProcessError("harness for 'g/f' exited with code 1");
 * assert.ok(e.name === "HarnessProcessError");
 * ```
 */
export class HarnessProcessError extends Error {
  /** @param message which case, what happened, the tail of standard error */
  constructor(message: string) {
    super(message);
    this.name = "HarnessProcessError";
  }
}

/** Options of {@linkcode spawnHarness}. */
export interface SpawnHarnessOptions {
  /** Directory the process runs in (its `deno.json` applies). @default {Deno.cwd()} */
  cwd?: string;
  /** The `deno` binary. @default {Deno.execPath()} */
  denoPath?: string;
  /** A command the `deno` process runs under, e.g. `["valgrind", "--tool=callgrind"]`. @default {[]} */
  wrapper?: readonly string[];
  /** Aborting kills the process's group and rejects. @default {undefined} */
  signal?: AbortSignal;
}

/** What {@linkcode spawnHarness} returns. */
export interface HarnessRun {
  /** The harness's report. */
  report: HarnessReport;
  /** The process's standard error (a wrapper's own output lands here). */
  stderr: string;
}

/**
 * The harness arguments that name `ref` (module, kind, group, name, and
 * for a plain bench file's case its `opsPerCall`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { harnessArgsFor } from "./harness_process.ts";
 *
 * const ref = { file: "a_bench.ts", module: "file:///w/a_cases.ts", kind: "cases" as const,
 *   case: { group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} } };
 * assert.deepEqual(harnessArgsFor(ref), { module: "file:///w/a_cases.ts", kind: "cases", group: "g", name: "f" });
 * ```
 */
export function harnessArgsFor(
  ref: CaseRef,
): {
  module: string;
  kind: CaseRef["kind"];
  group: string;
  name: string;
  opsPerCall?: number;
} {
  return {
    module: ref.module,
    kind: ref.kind,
    group: ref.case.group,
    name: ref.case.name,
    // A plain bench file declares no opsPerCall: the child needs the one given.
    ...(ref.kind === "bench" ? { opsPerCall: ref.case.opsPerCall } : {}),
  };
}

/** The output of {@linkcode runProcessGroup}. */
export interface GroupOutput {
  /** Whether it exited with code 0. */
  success: boolean;
  /** Its exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** Standard output. */
  stdout: Uint8Array;
  /** Standard error. */
  stderr: Uint8Array;
}

/** How long a process group gets between SIGTERM and SIGKILL when aborted. */
export const KILL_GRACE_MS = 500;

/**
 * Run a command to completion in its own process group (so that whatever
 * it starts, e.g. Valgrind's or perf's own children, belongs to the group)
 * and collect its output. Aborting `signal` sends SIGTERM to the whole
 * group, then SIGKILL after {@linkcode KILL_GRACE_MS}, waits for the
 * process, and rejects with the abort reason.
 *
 * @throws {Deno.errors.NotFound} when `cmd` does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runProcessGroup } from "./harness_process.ts";
 *
 * const out = await runProcessGroup("sh", ["-c", "echo hi"]);
 * assert.equal(new TextDecoder().decode(out.stdout), "hi\n");
 * const abort = new AbortController();
 * const slow = runProcessGroup("sh", ["-c", "sleep 30 & sleep 30"], { signal: abort.signal });
 * abort.abort();
 * await assert.rejects(slow);
 * ```
 */
export async function runProcessGroup(
  cmd: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<GroupOutput> {
  options.signal?.throwIfAborted();
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own process group (setpgid), so the whole group can be ended.
    detached: true,
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killGroup = () => {
    const send = (sig: Deno.Signal) => {
      try {
        Deno.kill(-child.pid, sig);
      } catch {
        // The group is gone already.
      }
    };
    send("SIGTERM");
    timer = setTimeout(() => send("SIGKILL"), KILL_GRACE_MS);
  };
  options.signal?.addEventListener("abort", killGroup, { once: true });
  try {
    const out = await child.output();
    options.signal?.throwIfAborted();
    return {
      success: out.success,
      code: out.code,
      signal: out.signal,
      stdout: out.stdout,
      stderr: out.stderr,
    };
  } finally {
    options.signal?.removeEventListener("abort", killGroup);
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** How much of a failed harness's standard error an error message quotes. */
export const HARNESS_STDERR_TAIL = 400;

/**
 * Start one harness process for `args` (under `wrapper` if given) and read
 * its report. The process runs in its own process group
 * ({@linkcode runProcessGroup}) with `PMUBENCH_CASES` set to the exact
 * pattern of the case, so it builds nothing else.
 *
 * @throws {HarnessProcessError} when it exits non-zero or prints no report.
 * @throws {Deno.errors.NotFound} when the wrapper's or deno's binary does not exist.
 *
 * @example The no-op reference, natively
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnHarness } from "./harness_process.ts";
 *
 * const { report } = await spawnHarness({ module: "", group: "", name: "", calls: 100, warmup: 100, mode: "profile" });
 * assert.equal(report.case, "(reference)/no-op");
 * ```
 */
export async function spawnHarness(
  args: HarnessArgs,
  options: SpawnHarnessOptions = {},
): Promise<HarnessRun> {
  const deno = options.denoPath ?? Deno.execPath();
  const argv = [
    deno,
    "run",
    "--allow-all",
    "--no-prompt",
    `--v8-flags=${
      (args.mode === "time" || args.mode === "paired"
        ? TIMING_V8_FLAGS
        : HARNESS_V8_FLAGS).join(",")
    }`,
    HARNESS_PATH,
    ...harnessArgv(args),
  ];
  const wrapper = options.wrapper ?? [];
  const [cmd, ...rest] = wrapper.length > 0 ? [...wrapper, ...argv] : argv;
  const env: Record<string, string> = { NO_COLOR: "1" };
  // Build only this case in the child (the suites honour PMUBENCH_CASES).
  if (args.module !== "") {
    env.PMUBENCH_CASES = exactCasePattern(args.group, args.name);
  }
  const out = await runProcessGroup(cmd, rest, {
    cwd: options.cwd,
    env,
    signal: options.signal,
  });
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const stderr = dec.decode(out.stderr);
  const what = `harness for '${args.module === "" ? "no-op" : args.group}/${
    args.module === "" ? "reference" : args.name
  }'`;
  if (!out.success) {
    const how = out.signal !== null
      ? `was killed by ${out.signal}`
      : `exited with code ${out.code}`;
    throw new HarnessProcessError(
      `${what} ${how}; its standard error ends: ${stderrTail(stderr)}`,
    );
  }
  try {
    return { report: readHarnessReport(stdout), stderr };
  } catch (e) {
    throw new HarnessProcessError(
      `${what}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * The end of a failed child's standard error, on one line, as an error
 * message quotes it: valgrind's `==pid==` lines, JavaScript stack frames and
 * Deno's native backtrace left out (the error itself is what matters, and
 * frames grow with the path's depth), at most `maxChars` characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stderrTail } from "./harness_process.ts";
 *
 * const err = "==1== Callgrind\nerror: boom\n    at f (file:///x.ts:1:1)\nStack backtrace:\n 0: <unknown>";
 * assert.equal(stderrTail(err), "error: boom");
 * assert.equal(stderrTail(""), "(nothing)");
 * assert.equal(stderrTail("a\nb".repeat(10), 5), "... | ba | b");
 * ```
 */
export function stderrTail(
  stderr: string,
  maxChars: number = HARNESS_STDERR_TAIL,
): string {
  const text = stderr.split("\n").filter((l) =>
    !/^==\d+==/.test(l) && !/^\s+at /.test(l)
  ).join("\n").split("Stack backtrace:")[0].trim();
  if (text === "") return "(nothing)";
  const t = text.length > maxChars ? "..." + text.slice(-maxChars) : text;
  return t.replace(/\s*\n\s*/g, " | ");
}

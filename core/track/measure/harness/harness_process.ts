/**
 * The parent side of the case harness ({@linkcode ./case_harness.ts}):
 * find the cases of a project's suites, and start one fresh harness
 * process per measurement, natively or under a wrapper (Valgrind, perf).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode listCases}, {@linkcode CaseRef} | every case of `bench/X_cases.ts` beside each `X_bench.ts`, filtered like `deno bench --filter` |
 * | {@linkcode matchesFilter} | the `deno bench --filter` rule (substring, or `/regexp/`) |
 * | {@linkcode spawnHarness}, {@linkcode HarnessProcessError} | one harness process, its report and raw output |
 * | {@linkcode HARNESS_PATH} | where the harness script lives |
 *
 * @module
 */

import type { BenchCase, BenchSuite } from "../../suite/bench_case.ts";
import {
  HARNESS_V8_FLAGS,
  type HarnessArgs,
  harnessArgv,
  type HarnessReport,
  readHarnessReport,
} from "./case_harness.ts";

/** The harness script, beside this module. */
export const HARNESS_PATH: string =
  new URL("./case_harness.ts", import.meta.url)
    .href;

/** One case and where it is defined. */
export interface CaseRef {
  /** The bench file's base name, e.g. `"bitmap_bench.ts"` (the result's `file`). */
  file: string;
  /** File URL of the cases module that defines it. */
  module: string;
  /** The case (its body is not called by the parent). */
  case: BenchCase;
}

/**
 * Whether a case name passes a `deno bench --filter` pattern: a pattern
 * written `/.../` is a regular expression, anything else a substring.
 *
 * @throws {SyntaxError} when a `/.../` pattern is not a valid regular expression.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchesFilter } from "./harness_process.ts";
 *
 * assert(matchesFilter("u64 x8", "u64"));
 * assert(matchesFilter("u64 x8", "/^u6\\d/"));
 * assert(!matchesFilter("bool x8", "u64"));
 * assert(matchesFilter("anything", undefined));
 * ```
 */
export function matchesFilter(
  name: string,
  filter: string | undefined,
): boolean {
  if (filter === undefined || filter === "") return true;
  if (filter.length >= 2 && filter.startsWith("/") && filter.endsWith("/")) {
    let re: RegExp;
    try {
      re = new RegExp(filter.slice(1, -1));
    } catch (e) {
      throw new SyntaxError(
        `Cannot filter benches as '${filter}' is not a valid regular expression: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
    return re.test(name);
  }
  return name.includes(filter);
}

/**
 * The cases of the suites behind `files` (`bench/X_bench.ts`, relative to
 * `cwd`): each `X_cases.ts` beside them is imported and its `suite` read.
 * Bench files without a cases module are skipped (the harness needs a
 * case's body, which only the cases module gives).
 *
 * @throws {TypeError} when a cases module exports no {@linkcode BenchSuite}.
 * @throws {SyntaxError} as {@linkcode matchesFilter}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listCases } from "./harness_process.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a_bench.ts`, "");
 * await Deno.writeTextFile(`${dir}/a_cases.ts`,
 *   'export const suite = { file: "a_bench.ts", cases: [{ group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} }] };');
 * const cases = await listCases(dir, ["a_bench.ts"]);
 * assert.equal(cases[0].case.name, "f");
 * assert.equal(cases[0].file, "a_bench.ts");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listCases(
  cwd: string,
  files: readonly string[],
  filter?: string,
): Promise<CaseRef[]> {
  const out: CaseRef[] = [];
  for (const f of files) {
    if (!f.endsWith("_bench.ts")) continue;
    const rel = f.replace(/_bench\.ts$/, "_cases.ts");
    const path = rel.startsWith("/") ? rel : `${cwd.replace(/\/$/, "")}/${rel}`;
    try {
      await Deno.stat(path);
    } catch {
      continue;
    }
    const module = fileUrl(path);
    const mod = await import(module);
    const suite = findSuite(mod);
    if (suite === undefined) {
      throw new TypeError(
        `Cannot read cases module '${path}' as it exports no BenchSuite (expected 'export const suite: BenchSuite')`,
      );
    }
    const file = f.split("/").pop()!;
    for (const c of suite.cases) {
      if (matchesFilter(c.name, filter)) out.push({ file, module, case: c });
    }
  }
  return out;
}

function findSuite(mod: Record<string, unknown>): BenchSuite | undefined {
  const isSuite = (v: unknown): v is BenchSuite =>
    typeof v === "object" && v !== null &&
    Array.isArray((v as BenchSuite).cases);
  if (isSuite(mod.suite)) return mod.suite;
  return Object.values(mod).find(isSuite);
}

function fileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`)
    .href;
}

/**
 * A harness process failed: it exited non-zero, was killed, or printed no
 * report. The message names the case and quotes the end of its standard
 * error.
 *
 * @example
 * ```ts
 * import { HarnessProcessError } from "./harness_process.ts";
 *
 * const e = new HarnessProcessError("harness for 'g/f' exited with code 1");
 * console.assert(e.name === "HarnessProcessError");
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
  /** Aborting kills the process and rejects. @default {undefined} */
  signal?: AbortSignal;
}

/** What {@linkcode spawnHarness} returns. */
export interface HarnessRun {
  /** The harness's report. */
  report: HarnessReport;
  /** The process's standard error (a wrapper's own output lands here). */
  stderr: string;
}

/** How much of a failed harness's standard error an error message quotes. */
export const HARNESS_STDERR_TAIL = 400;

/**
 * Start one harness process for `args` (under `wrapper` if given) and read
 * its report.
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
    `--v8-flags=${HARNESS_V8_FLAGS.join(",")}`,
    HARNESS_PATH,
    ...harnessArgv(args),
  ];
  const wrapper = options.wrapper ?? [];
  const [cmd, ...rest] = wrapper.length > 0 ? [...wrapper, ...argv] : argv;
  const out = await new Deno.Command(cmd, {
    args: rest,
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).output();
  options.signal?.throwIfAborted();
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
      `${what} ${how}; its standard error ends: ${tail(stderr)}`,
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

function tail(stderr: string): string {
  // Valgrind prefixes its own lines with ==pid==, and stack frames
  // ("    at f (file:...)") grow with the path's depth: the case's error is
  // what matters.
  const text = stderr.split("\n").filter((l) =>
    !/^==\d+==/.test(l) && !/^\s+at /.test(l)
  ).join("\n").split("Stack backtrace:")[0].trim();
  if (text === "") return "(nothing)";
  const t = text.length > HARNESS_STDERR_TAIL
    ? "..." + text.slice(-HARNESS_STDERR_TAIL)
    : text;
  return t.replace(/\s*\n\s*/g, " | ");
}

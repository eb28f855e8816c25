/**
 * `pmubench run`: the suites as R fresh `deno bench --json` processes, one
 * replicate each, written to one self-describing result file.
 *
 * @module
 */

import { formatFigure } from "../track/compare_format.ts";
import type { ResultFile } from "../track/result.ts";
import { writeResultFile } from "../track/result.ts";
import {
  BenchProcessError,
  DEFAULT_REPEAT,
  defaultResultPath,
  runBenches,
  type RunProgress,
} from "../track/runner.ts";
import { coefficientOfVariation, median, sortSamples } from "../track/stats.ts";
import { parseNumberFlag } from "./compare.ts";
import {
  type Command,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  parseFlags,
  UsageError,
} from "./command.ts";

/** Flags shared by `run` and `ab`. */
export const RUN_FLAGS = {
  repeat: { type: "string" },
  filter: { type: "string" },
  smoke: { type: "boolean" },
  cwd: { type: "string" },
} as const;

/** Help lines of {@linkcode RUN_FLAGS}. */
export const RUN_FLAGS_HELP =
  `  --repeat R       bench processes (replicates) per tree (default ${DEFAULT_REPEAT})
  --filter X       only benches whose name matches X (passed to 'deno bench --filter')
  --smoke          PMUBENCH_SMOKE=1: a few iterations per case; checks that benches run, measures nothing
  --cwd DIR        the project directory (default: the current directory)`;

/**
 * A progress line for standard error, e.g. `"run 3/5 (base) 12.4s"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProgress } from "./run.ts";
 *
 * assert.equal(formatProgress({ index: 3, total: 5, label: "base", seconds: 12.43 }), "run 3/5 (base) 12.4s\n");
 * ```
 */
export function formatProgress(p: RunProgress): string {
  const label = p.label === "" ? "" : ` (${p.label})`;
  return `run ${p.index}/${p.total}${label} ${p.seconds.toFixed(1)}s\n`;
}

/**
 * A short per-bench summary of a result: median per op, spread, replicates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeResult } from "./run.ts";
 *
 * const text = summarizeResult({
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {},
 *   benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [10, 11, 12] }],
 * });
 * assert.match(text, /a_bench.ts::g::f +11.00 ns/);
 * ```
 */
export function summarizeResult(r: ResultFile): string {
  const rows = [["bench", "median", "cv", "replicates"]];
  for (const b of r.benches) {
    if (b.failed !== undefined || b.replicates.length === 0) {
      rows.push([b.key, "FAILED", "", String(b.replicates.length)]);
      continue;
    }
    const s = sortSamples(b.replicates);
    rows.push([
      b.key,
      formatFigure(median(s), b.unit),
      `${(coefficientOfVariation(s) * 100).toFixed(1)}%`,
      String(s.length),
    ]);
  }
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  return rows.map((row) =>
    row.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
      .join("  ")
  ).join("\n") + "\n";
}

/**
 * Report benches that failed in a result; returns whether there were any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportFailures } from "./run.ts";
 * import { bufferIo } from "./command.ts";
 *
 * const io = bufferIo();
 * assert.equal(reportFailures({ benches: [] }, "x.json", io), false);
 * ```
 */
export function reportFailures(
  r: Pick<ResultFile, "benches">,
  path: string,
  io: Io,
): boolean {
  const failed = r.benches.filter((b) => b.failed !== undefined);
  for (const b of failed) {
    io.stderr(`bench '${b.key}' failed: ${b.failed!.split("\n")[0]}\n`);
  }
  if (failed.length > 0) {
    io.stderr(
      `${failed.length} bench(es) failed; the result was written to '${path}' but compare will reject it\n`,
    );
  }
  return failed.length > 0;
}

/** `pmubench run`. */
export const runCommand: Command = {
  name: "run",
  summary: "run the bench suites as R fresh processes and write a result file",
  help: `Usage: pmubench run [FILES...] [options]

Run the bench suites (default: every bench/*_bench.ts) as R fresh
'deno bench --json' processes, each one replicate: a bench's replicate is the
per-operation mean of one process ('avg' per call divided by the case's
opsPerCall). Writes one self-describing result file (Deno/V8/TypeScript
versions, CPU, OS, git commit and dirty flag, flags, date, per bench the
per-process figures) and prints a summary and the file's path. A progress line
per process goes to standard error.

Options:
${RUN_FLAGS_HELP}
  --out FILE       where to write (default: .pmubench/results/<date>-<shortsha>.json
                   under the project directory)
  -h, --help       show this help

Exit codes: 0 ok, 2 bad usage, a bench process that crashed, or a bench that failed.
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...RUN_FLAGS,
      out: { type: "string" },
    });
    const repeat = parseNumberFlag("repeat", values.repeat, {
      min: 1,
      max: 1000,
      integer: true,
    }) ?? DEFAULT_REPEAT;
    const cwd = await projectDir(values.cwd);
    let result: ResultFile;
    try {
      result = await runBenches(cwd, {
        files: positionals.length > 0 ? positionals : undefined,
        repeat,
        filter: values.filter,
        smoke: values.smoke === true,
        label: "",
        onProgress: (p) => io.stderr(formatProgress(p)),
      });
    } catch (e) {
      if (e instanceof BenchProcessError) {
        io.stderr(`pmubench run: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
    if (result.benches.length === 0) {
      throw new UsageError(
        values.filter === undefined
          ? `Cannot write a result as the bench files in '${cwd}' registered no bench`
          : `Cannot write a result as no bench matched --filter '${values.filter}'`,
      );
    }
    const out = values.out ?? `${cwd}/${defaultResultPath(result)}`;
    await writeResultFile(out, result);
    io.stdout(summarizeResult(result));
    io.stdout(`wrote ${out}\n`);
    return reportFailures(result, out, io) ? EXIT_USAGE : EXIT_OK;
  },
};

/**
 * The project directory a command works in: `dir` when given (it must
 * exist), else the current directory.
 *
 * @throws {UsageError} when `dir` is not a directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectDir } from "./run.ts";
 *
 * assert.equal(await projectDir(undefined), Deno.cwd());
 * await assert.rejects(projectDir("/no/such/dir"), /--cwd/);
 * ```
 */
export async function projectDir(dir: string | undefined): Promise<string> {
  if (dir === undefined) return Deno.cwd();
  try {
    if ((await Deno.stat(dir)).isDirectory) return await Deno.realPath(dir);
  } catch {
    // Reported below as one sentence.
  }
  throw new UsageError(
    `--cwd must name a directory: current value is '${dir}'`,
  );
}

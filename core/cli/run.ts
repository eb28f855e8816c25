/**
 * `pmubench run`: the suites as R fresh `deno bench --json` processes, one
 * replicate each, written to one self-describing result file.
 *
 * @module
 */

import { formatFigure } from "../track/present/figure.ts";
import type { ResultFile } from "../track/result/result.ts";
import { writeResultFile } from "../track/result/result.ts";
import {
  BenchProcessError,
  DEFAULT_REPEAT,
  defaultResultPath,
  runBenches,
  type RunProgress,
} from "../track/measure/runner.ts";
import {
  coefficientOfVariation,
  median,
  sortSamples,
} from "../track/judge/stats.ts";
import { attachProfiles } from "../track/measure/alloc.ts";
import {
  type CountProgress,
  runInstructionCounts,
  ValgrindUnavailableError,
} from "../track/measure/instructions.ts";
import {
  attachHwCounters,
  describeHwCounters,
  detectHwCounters,
} from "../track/measure/hw_counters.ts";
import { listCases } from "../track/measure/harness/harness_process.ts";
import { HarnessProcessError } from "../track/measure/harness/harness_process.ts";
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
 * A progress line for one instruction count, e.g.
 * `"count 2/3 tiny/sum x8: 9.25 instr/op 10.6s"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCountProgress } from "./run.ts";
 *
 * assert.equal(formatCountProgress({ index: 2, total: 3, case: "tiny/sum x8", seconds: 10.61, instructionsPerOp: 9.25 }),
 *   "count 2/3 tiny/sum x8: 9.25 instr/op 10.6s\n");
 * ```
 */
export function formatCountProgress(p: CountProgress): string {
  const figure = p.instructionsPerOp === undefined
    ? "FAILED"
    : `${Number(p.instructionsPerOp.toPrecision(6))} instr/op`;
  return `count ${p.index}/${p.total} ${p.case}: ${figure} ${
    p.seconds.toFixed(1)
  }s\n`;
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
 * assert.match(text, /a_bench.ts::g::f +11 ns/);
 * ```
 */
export function summarizeResult(r: ResultFile): string {
  const profile = r.benches.some((b) =>
    b.extra?.bytesPerOp !== undefined || b.extra?.tier !== undefined
  );
  const rows = [[
    "bench",
    "median",
    "cv",
    "replicates",
    ...(profile ? ["B/op", "tier"] : []),
  ]];
  const warnings: string[] = [];
  for (const b of r.benches) {
    const extra = profile
      ? [
        b.extra?.bytesPerOp === undefined ? "" : String(b.extra.bytesPerOp),
        String(b.extra?.tier ?? ""),
      ]
      : [];
    if (typeof b.extra?.warning === "string") {
      warnings.push(`${b.key}: ${b.extra.warning}`);
    }
    if (b.failed !== undefined || b.replicates.length === 0) {
      rows.push([b.key, "FAILED", "", String(b.replicates.length), ...extra]);
      continue;
    }
    const s = sortSamples(b.replicates);
    rows.push([
      b.key,
      formatFigure(median(s), b.unit),
      `${(coefficientOfVariation(s) * 100).toFixed(1)}%`,
      String(s.length),
      ...extra,
    ]);
  }
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  const table =
    rows.map((row) =>
      row.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
        .join("  ").trimEnd()
    ).join("\n") + "\n";
  return warnings.length === 0
    ? table
    : `${table}Warnings:\n${warnings.map((w) => `  ${w}\n`).join("")}`;
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

/** The metrics `run --metric` measures. */
export const RUN_METRICS = ["time", "instructions"] as const;

/** `pmubench run`. */
export const runCommand: Command = {
  name: "run",
  summary:
    "run the bench suites (time, or instruction counts under callgrind) and write a result file",
  help: `Usage: pmubench run [FILES...] [options]

Run the bench suites (default: every bench/*_bench.ts) and write one
self-describing result file (Deno/V8/TypeScript versions, CPU, OS, git commit
and dirty flag, flags, date, per bench the per-process figures); print a
summary and the file's path. Progress lines go to standard error.

--metric time (default): R fresh 'deno bench --json' processes, each one
replicate: a bench's replicate is the per-operation mean of one process ('avg'
per call divided by the case's opsPerCall). Then each case with a cases module
(X_cases.ts beside X_bench.ts) is profiled once in a fresh harness process:
bytes allocated per op (V8 heap statistics, no collection in the region), the
V8 tier its body ran in, and warnings (measured deoptimized or interpreted,
suspiciously close to the no-op reference).

--metric instructions: each case under Valgrind's callgrind, twice, with N and
2N calls of the same body in a fresh process each, warmed up to Turbofan
before the counted region; the figure is (I(2N) - I(N)) / N / opsPerCall
instructions per op (unit instr/op), so start-up, compilation and harness
cancel. Counts repeat (two runs agree within 0.1%), so one replicate is the
default; compare, record and check judge them with a 1% noise band. Needs
valgrind (Debian: apt-get install valgrind). Hardware counters (cycles,
instructions, branch misses per op) are added where perf can read them; where
it cannot, one line says so.

Options:
  --metric M       time (default) or instructions
${RUN_FLAGS_HELP}
                   (instructions: default 1; each replicate is a fresh N/2N pair)
  --jobs J         instructions: cases counted at once (default 1; counts do not depend on load)
  --valgrind CMD   instructions: the valgrind command (default: valgrind on PATH)
  --perf CMD       instructions: the perf command for hardware counters (default: perf on PATH)
  --no-profile     time: skip the allocation and tier profile
  --out FILE       where to write (default: .pmubench/results/<date>-<shortsha>.json
                   under the project directory)
  -h, --help       show this help

Exit codes: 0 ok, 2 bad usage, valgrind missing, a bench process that crashed,
or a bench that failed.
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...RUN_FLAGS,
      out: { type: "string" },
      metric: { type: "string" },
      jobs: { type: "string" },
      valgrind: { type: "string" },
      perf: { type: "string" },
      "no-profile": { type: "boolean" },
    });
    const metric = values.metric ?? "time";
    if (!(RUN_METRICS as readonly string[]).includes(metric)) {
      throw new UsageError(
        `--metric must be one of ${
          RUN_METRICS.join(", ")
        }: current value is '${metric}'`,
      );
    }
    const instructions = metric === "instructions";
    for (const f of ["jobs", "valgrind", "perf"] as const) {
      if (!instructions && values[f] !== undefined) {
        throw new UsageError(
          `--${f} applies only to --metric instructions: current metric is '${metric}'`,
        );
      }
    }
    const repeat = parseNumberFlag("repeat", values.repeat, {
      min: 1,
      max: 1000,
      integer: true,
    }) ?? (instructions ? 1 : DEFAULT_REPEAT);
    const jobs = parseNumberFlag("jobs", values.jobs, {
      min: 1,
      max: 64,
      integer: true,
    }) ?? 1;
    const cwd = await projectDir(values.cwd);
    const files = positionals.length > 0 ? positionals : undefined;
    let result: ResultFile;
    try {
      if (instructions) {
        result = await runInstructionCounts(cwd, {
          files,
          repeat,
          jobs,
          filter: values.filter,
          valgrind: values.valgrind,
          onProgress: (p) => io.stderr(formatCountProgress(p)),
        });
        const hw = await detectHwCounters(values.perf);
        io.stderr(describeHwCounters(hw) + "\n");
        result.flags.hwCounters = hw.available ? "perf stat" : hw.reason;
        if (hw.available) {
          const cases = await listCases(
            cwd,
            result.flags.files === null
              ? []
              : String(result.flags.files).split(","),
            values.filter,
          );
          result = await attachHwCounters(result, cases, {
            cwd,
            perf: values.perf,
          });
        }
      } else {
        result = await runBenches(cwd, {
          files,
          repeat,
          filter: values.filter,
          smoke: values.smoke === true,
          label: "",
          onProgress: (p) => io.stderr(formatProgress(p)),
        });
        if (
          values["no-profile"] !== true && values.smoke !== true &&
          result.benches.length > 0
        ) {
          result = await attachProfiles(
            result,
            cwd,
            String(result.flags.files ?? "").split(",").filter((f) => f !== ""),
            {
              cwd,
              onProgress: (p) =>
                io.stderr(`profile ${p.index}/${p.total} ${p.case}\n`),
            },
          );
        }
      }
    } catch (e) {
      if (
        e instanceof BenchProcessError || e instanceof ValgrindUnavailableError
      ) {
        io.stderr(`pmubench run: ${e.message}\n`);
        return EXIT_USAGE;
      }
      if (e instanceof HarnessProcessError) {
        io.stderr(`pmubench run: ${e.message.split("\n")[0]}\n`);
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

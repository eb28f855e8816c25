/**
 * `pmubench run`: every case in R fresh processes of the timing engine
 * (or under callgrind), one replicate each, written atomically to one
 * self-describing result file. SIGINT, SIGTERM and SIGHUP end the
 * children's process groups, remove their temporary files, write nothing
 * and exit 130, 143 or 129.
 *
 * @module
 */

import { formatFigure } from "../track/present/figure.ts";
import {
  isFailed,
  profileOf,
  type ResultFile,
  warningOf,
  writeResultFile,
} from "../track/result/result.ts";
import {
  BenchProcessError,
  claimResultPath,
  DEFAULT_REPEAT,
  defaultJobs,
  defaultResultPath,
  type Engine,
  ENGINES,
  OUTLIER_TOLERANCE,
  runBenches,
  type RunProgress,
  THROTTLE_REFERENCE_QUANTILE,
  THROTTLE_RERUNS,
  THROTTLE_TOLERANCE,
} from "../track/measure/runner.ts";
import { type Statistic, STATISTICS } from "../track/measure/measure_case.ts";
import {
  coefficientOfVariation,
  median,
  sortSamples,
} from "../track/judge/stats.ts";
import {
  type CountProgress,
  runInstructionCounts,
  ValgrindUnavailableError,
} from "../track/measure/instructions.ts";
import {
  attachBackends,
  measurementBackends,
} from "../track/measure/backend.ts";
import {
  expandBenchPaths,
  loadCases,
  SuiteLoadError,
} from "../track/suite/load_suite.ts";
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
  engine: { type: "string" },
  samples: { type: "string" },
  statistic: { type: "string" },
  "ops-per-call": { type: "string" },
  "no-throttle-guard": { type: "boolean" },
  "no-speed-correction": { type: "boolean" },
} as const;

/** Help lines of {@linkcode RUN_FLAGS}. */
export const RUN_FLAGS_HELP =
  `  --repeat R       processes (replicates) per case and tree (default ${DEFAULT_REPEAT})
  --filter X       only cases whose name matches X (deno bench --filter rules: substring or /regexp/)
  --smoke          a few calls per case; checks that benches run, measures nothing
  --cwd DIR        the project directory (default: the current directory)
  --engine E       time: harness (default; one process per case, samples timed by the engine)
                   or deno-bench (one 'deno bench --json' process per replicate, its 'avg')
  --samples S      harness engine: samples per process (default 101)
  --statistic T    harness engine: per-process estimate, ${
    STATISTICS.join(", ")
  } (default min)
  --ops-per-call K operations per call of cases from plain bench files (default 1)
  --no-throttle-guard
                   harness engine: keep processes whose CPU ran slow (by default each
                   process whose CPU probe took over ${
    1 + THROTTLE_TOLERANCE
  }x the run's ${THROTTLE_REFERENCE_QUANTILE * 100}% quantile,
                   or whose estimate is over ${
    1 + OUTLIER_TOLERANCE
  }x its case's median or under it by as much, is measured again,
                   at most ${THROTTLE_RERUNS} passes, the replaced one kept under 'discarded')
  --no-speed-correction
                   harness engine: replicates are the raw estimates (by default each is
                   scaled by the run's ${
    THROTTLE_REFERENCE_QUANTILE * 100
  }% quantile CPU probe over its process's
                   probe, timing[].speedFactor: the figure at the run's usual CPU speed)`;

/** The engine options of {@linkcode RUN_FLAGS}, read and checked. */
export interface EngineFlags {
  /** `--engine`. */
  engine: Engine;
  /** `--samples`. */
  samples?: number;
  /** `--statistic`. */
  statistic?: Statistic;
  /** `--ops-per-call`. */
  opsPerCall?: number;
  /** `false` with `--no-throttle-guard`. */
  throttleGuard?: boolean;
  /** `false` with `--no-speed-correction`. */
  speedCorrection?: boolean;
}

/**
 * Read `--engine`, `--samples`, `--statistic`, `--ops-per-call`,
 * `--no-throttle-guard` and `--no-speed-correction`.
 *
 * @throws {UsageError} when one is not one of its values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readEngineFlags } from "./run.ts";
 *
 * assert.deepEqual(readEngineFlags({ samples: "51" }), { engine: "harness", samples: 51 });
 * assert.throws(() => readEngineFlags({ engine: "x" }), /--engine must be one of/);
 * ```
 */
export function readEngineFlags(
  values: {
    engine?: string;
    samples?: string;
    statistic?: string;
    "ops-per-call"?: string;
    "no-throttle-guard"?: boolean;
    "no-speed-correction"?: boolean;
  },
): EngineFlags {
  const engine = values.engine ?? "harness";
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new UsageError(
      `--engine must be one of ${
        ENGINES.join(", ")
      }: current value is '${engine}'`,
    );
  }
  const statistic = values.statistic;
  if (
    statistic !== undefined &&
    !(STATISTICS as readonly string[]).includes(statistic)
  ) {
    throw new UsageError(
      `--statistic must be one of ${
        STATISTICS.join(", ")
      }: current value is '${statistic}'`,
    );
  }
  const samples = parseNumberFlag("samples", values.samples, {
    min: 1,
    max: 100000,
    integer: true,
  });
  const opsPerCall = parseNumberFlag("ops-per-call", values["ops-per-call"], {
    min: 1,
    max: 2 ** 30,
    integer: true,
  });
  return {
    engine: engine as Engine,
    ...(samples === undefined ? {} : { samples }),
    ...(statistic === undefined ? {} : { statistic: statistic as Statistic }),
    ...(opsPerCall === undefined ? {} : { opsPerCall }),
    ...(values["no-throttle-guard"] === true ? { throttleGuard: false } : {}),
    ...(values["no-speed-correction"] === true
      ? { speedCorrection: false }
      : {}),
  };
}

/**
 * A progress line for standard error: `"run 3/5 (base) 12.4s"`, and with
 * the timing engine the case, the time elapsed and an estimate of the
 * time left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProgress } from "./run.ts";
 *
 * assert.equal(formatProgress({ index: 3, total: 5, label: "base", seconds: 12.43 }), "run 3/5 (base) 12.4s\n");
 * assert.equal(formatProgress({ index: 3, total: 50, label: "", seconds: 0.43, case: "g/f", elapsed: 75, remaining: 1250 }),
 *   "run 3/50 g/f 0.4s, 1m15s elapsed, ~20m50s left\n");
 * assert.equal(formatProgress({ index: 51, total: 52, label: "", seconds: 0.5, case: "g/f", elapsed: 80, remaining: 2, note: "re-run: CPU probe 1.62x the run's usual" }),
 *   "run 51/52 g/f [re-run: CPU probe 1.62x the run's usual] 0.5s, 1m20s elapsed, ~2s left\n");
 * ```
 */
export function formatProgress(p: RunProgress): string {
  const label = p.label === "" ? "" : ` (${p.label})`;
  const what = (p.case === undefined ? "" : ` ${p.case}`) +
    (p.note === undefined ? "" : ` [${p.note}]`);
  const times = p.elapsed === undefined || p.case === undefined
    ? ""
    : `, ${duration(p.elapsed)} elapsed${
      p.remaining === undefined ? "" : `, ~${duration(p.remaining)} left`
    }`;
  return `run ${p.index}/${p.total}${label}${what} ${
    p.seconds.toFixed(1)
  }s${times}\n`;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60
    ? `${s}s`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** The signals `run` and `ab` end cleanly on, and the exit code of each (128 + its number). */
export const INTERRUPT_EXIT_CODES: Readonly<Record<string, number>> = Object
  .freeze({ SIGINT: 130, SIGTERM: 143, SIGHUP: 129 });

/**
 * Listen for SIGINT, SIGTERM and SIGHUP while `work` runs: the first one
 * aborts the signal `work` receives (which ends the children's process
 * groups). Resolves to `work`'s value, or to `{ interrupted: "SIGINT" }`
 * (etc.) when a signal came, whatever `work` then threw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whileInterruptible } from "./run.ts";
 *
 * assert.equal(await whileInterruptible(() => Promise.resolve(7)), 7);
 * ```
 */
export async function whileInterruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | { interrupted: Deno.Signal }> {
  const abort = new AbortController();
  let received: Deno.Signal | undefined;
  const listeners: [Deno.Signal, () => void][] = [];
  for (const sig of Object.keys(INTERRUPT_EXIT_CODES) as Deno.Signal[]) {
    const on = () => {
      if (received === undefined) {
        received = sig;
        abort.abort(new Error(`interrupted by ${sig}`));
      }
    };
    try {
      Deno.addSignalListener(sig, on);
      listeners.push([sig, on]);
    } catch {
      // Not supported here (e.g. Windows has no SIGHUP): the default applies.
    }
  }
  try {
    const value = await work(abort.signal);
    if (received !== undefined) return { interrupted: received };
    return value;
  } catch (e) {
    if (received !== undefined) return { interrupted: received };
    throw e;
  } finally {
    for (const [sig, on] of listeners) Deno.removeSignalListener(sig, on);
  }
}

/**
 * Whether a {@linkcode whileInterruptible} outcome is an interruption.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInterrupted } from "./run.ts";
 *
 * assert(isInterrupted({ interrupted: "SIGINT" }));
 * assert(!isInterrupted(3));
 * ```
 */
export function isInterrupted(
  x: unknown,
): x is { interrupted: Deno.Signal } {
  return typeof x === "object" && x !== null && "interrupted" in x;
}

/**
 * What a measuring command does with an error of its measurement: a bench
 * process that failed, a suite that does not load, a harness that broke or
 * a missing Valgrind is bad input, said in one sentence (a harness's first
 * line only) with exit 2; anything else is rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurementErrorExit } from "./run.ts";
 * import { bufferIo } from "./command.ts";
 * import { SuiteLoadError } from "../track/suite/load_suite.ts";
 *
 * const io = bufferIo();
 * const e = new SuiteLoadError("x_bench.ts", new SyntaxError("bad"));
 * assert.equal(measurementErrorExit("run", e, io), 2);
 * assert.equal(io.err(), "pmubench run: Cannot load bench module 'x_bench.ts': SyntaxError: bad\n");
 * assert.throws(() => measurementErrorExit("run", new TypeError("bug"), io), TypeError);
 * ```
 */
export function measurementErrorExit(
  command: string,
  e: unknown,
  io: Io,
): number {
  if (
    e instanceof BenchProcessError || e instanceof ValgrindUnavailableError ||
    e instanceof SuiteLoadError
  ) {
    io.stderr(`pmubench ${command}: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof HarnessProcessError) {
    io.stderr(`pmubench ${command}: ${e.message.split("\n")[0]}\n`);
    return EXIT_USAGE;
  }
  throw e;
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
 * import { resultOf } from "../track/result/result.ts";
 *
 * const text = summarizeResult(resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f",
 *   baseline: true, metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [10, 11, 12] }]));
 * assert.match(text, /a_bench.ts::g::f +11 ns/);
 * assert.doesNotMatch(text, /Note:/);
 * const corrected = summarizeResult({ ...resultOf([]), flags: { reruns: 2, speedCorrection: "...", speedReferenceNs: 6573 } });
 * assert.match(corrected, /^Note: the throttle guard measured 2 processes again/m);
 * assert.match(corrected, /^Note: figures are at the run's usual CPU speed \(reference probe 6573 ns;/m);
 * ```
 */
export function summarizeResult(r: ResultFile): string {
  const profile = r.benches.some((b) => profileOf(b) !== undefined);
  const rows = [[
    "bench",
    "median",
    "cv",
    "replicates",
    ...(profile ? ["B/op", "tier"] : []),
  ]];
  const warnings: string[] = [];
  for (const b of r.benches) {
    const p = profileOf(b);
    const extra = profile
      ? [p === undefined ? "" : String(p.bytesPerOp), p?.tier ?? ""]
      : [];
    const warning = warningOf(b);
    if (warning !== undefined) warnings.push(`${b.key}: ${warning}`);
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
  // What made the figures, where the engine did more than time processes.
  const notes: string[] = [];
  if (Number(r.flags.reruns ?? 0) > 0) {
    notes.push(
      `the throttle guard measured ${r.flags.reruns} processes again (the replaced ones are under 'discarded')`,
    );
  }
  if (r.flags.speedCorrection !== undefined) {
    notes.push(
      `figures are at the run's usual CPU speed (reference probe ${r.flags.speedReferenceNs} ns; raw estimates in timing[].estimate; --no-speed-correction turns this off)`,
    );
  }
  const noted = table + notes.map((n) => `Note: ${n}\n`).join("");
  return warnings.length === 0
    ? noted
    : `${noted}Warnings:\n${warnings.map((w) => `  ${w}\n`).join("")}`;
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
  const failed = r.benches.filter(isFailed);
  for (const b of failed) {
    io.stderr(`bench '${b.key}' failed: ${b.failed.split("\n")[0]}\n`);
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

Run the bench suites (default: every bench file of the project) and write one
self-describing result file (Deno/V8/TypeScript versions, CPU, OS, git commit
and dirty flag, flags, date, per bench the per-process figures); print a
summary and the file's path. Progress lines go to standard error.

Bench files are found as 'deno bench' finds them (*_bench.ts, *.bench.ts,
bench.ts; deno.json bench.include/exclude). A file X_bench.ts with a companion
X_cases.ts gives its cases from the suite it exports; any other bench file's
Deno.bench registrations are collected and measured the same way.

--metric time (default): every case R times, each in a fresh process in which
only that case is built, warmed up to Turbofan and timed: samples of a batch
of calls calibrated against the timer, reduced to one estimate per process
(the fastest sample, as preemption only adds time; see --statistic). The
result records the selection (--filter, PMUBENCH_CASES, PMUBENCH_STRATEGY),
the engine, the statistic, and per process the batch, the tier and the
samples. Each case's first process also takes its profile after its samples: bytes
allocated per op (V8 heap statistics, no collection in the region), the
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
  --repeat with --metric instructions: default 1 (each replicate is a fresh N/2N pair)
  --jobs J         processes at once: time, default the number of cores (each still
                   measures one case alone); instructions, default 1
  --valgrind CMD   instructions: the valgrind command (default: valgrind on PATH)
  --perf CMD       instructions: the perf command for hardware counters (default: perf on PATH)
  --no-profile     time: skip the allocation and tier profile
  --out FILE       where to write (default: .pmubench/results/<date>-<shortsha>.json
                   under the project directory)
  -h, --help       show this help

Exit codes: 0 ok, 2 bad usage, valgrind missing, a bench process that crashed,
or a bench that failed; 130, 143, 129 on SIGINT, SIGTERM, SIGHUP (children
ended, temporary files removed, nothing written).
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
    for (const f of ["valgrind", "perf"] as const) {
      if (!instructions && values[f] !== undefined) {
        throw new UsageError(
          `--${f} applies only to --metric instructions: current metric is '${metric}'`,
        );
      }
    }
    const engine = readEngineFlags(values);
    const repeat = parseNumberFlag("repeat", values.repeat, {
      min: 1,
      max: 1000,
      integer: true,
    }) ?? (instructions ? 1 : DEFAULT_REPEAT);
    const jobs = parseNumberFlag("jobs", values.jobs, {
      min: 1,
      max: 64,
      integer: true,
    }) ?? (instructions ? 1 : defaultJobs());
    const cwd = await projectDir(values.cwd);
    const files = positionals.length > 0
      ? await expandBenchPaths(cwd, positionals)
      : undefined;
    const outcome = await whileInterruptible(async (signal) => {
      let result: ResultFile;
      if (instructions) {
        result = await runInstructionCounts(cwd, {
          files,
          repeat,
          jobs,
          filter: values.filter,
          opsPerCall: engine.opsPerCall,
          valgrind: values.valgrind,
          signal,
          onProgress: (p) => io.stderr(formatCountProgress(p)),
        });
      } else {
        result = await runBenches(cwd, {
          files,
          repeat,
          filter: values.filter,
          smoke: values.smoke === true,
          label: "",
          signal,
          jobs,
          // The allocation profile comes from each case's first timing
          // process, after its samples: no extra process per case.
          profile: values["no-profile"] !== true,
          ...engine,
          onProgress: (p) => io.stderr(formatProgress(p)),
        });
      }
      const backends = measurementBackends({
        perf: values.perf,
        // Time results carry their profile from each case's first timing
        // process already: no allocation backend, no extra process.
        allocation: false,
      });
      if (
        result.benches.length > 0 && backends.some((b) => b.appliesTo(metric))
      ) {
        const cases = await loadCases(
          cwd,
          String(result.flags.files ?? "").split(",").filter((f) => f !== ""),
          { filter: values.filter, opsPerCall: engine.opsPerCall },
        );
        result = await attachBackends(result, backends, {
          cwd,
          cases,
          signal,
          onProgress: (line) => io.stderr(`${line}\n`),
        });
      }
      return result;
    }).catch((e) => measurementErrorExit("run", e, io));
    if (typeof outcome === "number") return outcome;
    if (isInterrupted(outcome)) {
      io.stderr(
        `pmubench run: interrupted by ${outcome.interrupted}; children ended, nothing written\n`,
      );
      return INTERRUPT_EXIT_CODES[outcome.interrupted];
    }
    const result = outcome;
    if (result.benches.length === 0) {
      throw new UsageError(
        values.filter === undefined
          ? `Cannot write a result as the bench files in '${cwd}' registered no bench`
          : `Cannot write a result as no bench matched --filter '${values.filter}'`,
      );
    }
    const out = values.out ??
      await claimResultPath(`${cwd}/${defaultResultPath(result)}`);
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

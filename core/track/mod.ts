/**
 * Tracking: turn repeated benchmark runs into verdicts. The folders follow
 * the data, which flows one way:
 *
 * ```text
 * suite (case definition) -> measure -> result (file) -> judge -> history -> present
 * ```
 *
 * | stage | export | offers |
 * | --- | --- | --- |
 * | `suite/` | {@linkcode registerSuite}, {@linkcode BenchSuite}, {@linkcode BenchCase}, {@linkcode blackhole}, {@linkcode loadCases}, {@linkcode CaseRef}, {@linkcode discoverBenchFiles} | define each case once and register it with `Deno.bench`; the one loader that finds cases in a `*_cases.ts` module or a plain `Deno.bench` file |
 * | `measure/` | {@linkcode runBenches}, {@linkcode RunOptions}, {@linkcode measureCase}, {@linkcode CaseMeasurement} | the engine: each case alone in fresh processes, timed by calibrated batches, one replicate per process |
 * | `result/` | {@linkcode ResultFile}, {@linkcode BenchResult} (measured or {@linkcode isFailed}), {@linkcode resultOf}, {@linkcode readResultFile}, {@linkcode parseResultText}, {@linkcode writeResultFile}, {@linkcode serializeResult}, {@linkcode benchKey} | the self-describing result file every later stage reads |
 * | `judge/` | {@linkcode compareResults}, {@linkcode checkResult}, {@linkcode buildMatrix}, {@linkcode medianInterval} | verdicts with statistics: base against head, head against a window of runs, winners per operation |
 * | `history/` | {@linkcode openHistory}, {@linkcode History} | record runs under a branch and a commit (SQLite) |
 * | `present/` | {@linkcode formatComparison}, {@linkcode formatMatrix}, {@linkcode renderReport} | terminal, Markdown, JSON and HTML forms of the verdicts |
 *
 * Everything here returns data and never prints; the `pmubench` command
 * line (`./cli`) is the thin layer that does.
 *
 * @example Compare two runs and print the verdict as Markdown
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareResults, formatComparison, type ResultFile, resultOf } from "./mod.ts";
 *
 * const run = (replicates: number[]): ResultFile =>
 *   resultOf([{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates }]);
 * const c = compareResults(run([100, 101, 99, 100, 102]), run([110, 111, 109, 110, 112]));
 * assert.equal(c.rows[0].verdict, "regressed");
 * assert.match(formatComparison(c, "markdown"), /regressed/);
 * ```
 *
 * @module
 */

export {
  type BenchCase,
  type BenchSuite,
  blackhole,
  registerSuite,
} from "./suite/bench_case.ts";
export {
  type CaseRef,
  discoverBenchFiles,
  loadCases,
  type LoadCasesOptions,
} from "./suite/load_suite.ts";
export {
  type CaseMeasurement,
  type CaseProfile,
  measureCase,
  type MeasureCaseOptions,
  type SpawnHarnessOptions,
  type Statistic,
  STATISTICS,
  type Tier,
} from "./measure/measure_case.ts";
export {
  comparePaired,
  measurePair,
  type MeasurePairOptions,
  PAIRED_DEFAULTS,
  type PairedComparison,
  type PairedLook,
  pairedLook,
  type PairedOptions,
  type PairedVerdict,
  type PairMeasurement,
  plannedLooks,
} from "./measure/paired.ts";
export {
  type Engine,
  ENGINES,
  runBenches,
  type RunOptions,
  type RunProgress,
} from "./measure/runner.ts";
export {
  type BenchFields,
  benchKey,
  type BenchProfile,
  type BenchResult,
  type FailedBench,
  type HwCounterFigures,
  type InstructionCount,
  isFailed,
  type MeasuredBench,
  type ParseResultOptions,
  parseResultText,
  type ProcessFigures,
  readResultFile,
  RESULT_SCHEMA,
  type ResultEnv,
  type ResultFile,
  resultOf,
  type ResultOfOptions,
  serializeResult,
  type TimedProcess,
  writeResultFile,
} from "./result/result.ts";
export {
  type CompareOptions,
  compareResults,
  type Comparison,
  type ComparisonRow,
  type Verdict,
} from "./judge/compare.ts";
export {
  type CheckOptions,
  type CheckResult,
  checkResult,
} from "./judge/check.ts";
export {
  buildMatrix,
  type CellStanding,
  type Crossover,
  type Matrix,
  type MatrixCell,
  type MatrixOptions,
  type MatrixRow,
} from "./judge/matrix.ts";
export { type MedianInterval, medianInterval } from "./judge/stats.ts";
export {
  type History,
  type LastRunsOptions,
  type ListRunsOptions,
  openHistory,
  type OpenHistoryOptions,
  type RecordedRun,
  type RecordOptions,
  type RunSummary,
} from "./history/history.ts";
export {
  COMPARISON_FORMATS,
  type ComparisonFormat,
  formatComparison,
  type FormatOptions,
} from "./present/compare_format.ts";
export {
  formatMatrix,
  MATRIX_FORMATS,
  type MatrixFormat,
} from "./present/matrix_format.ts";
export {
  renderReport,
  type ReportHistory,
  type ReportOptions,
  type ReportSource,
} from "./present/report.ts";

/**
 * `pmubench answer` (`deno task bench`): measure the default plan (or
 * every case with `--full`) with the isolated engine, write the result and
 * the HTML report, and print the answer: the transition table and the
 * strategy ranking.
 *
 * @module
 */

import { answerPlan } from "../track/suite/answer_plan.ts";
import { runPlan } from "../track/measure/run_plan.ts";
import { formatAnswer } from "../track/present/answer_format.ts";
import { renderReport } from "../track/present/report.ts";
import { type ResultFile, writeResultFile } from "../track/result/result.ts";
import {
  claimResultPath,
  defaultResultPath,
  OUTLIER_TOLERANCE,
} from "../track/measure/runner.ts";
import {
  formatProgress,
  INTERRUPT_EXIT_CODES,
  isInterrupted,
  measurementErrorExit,
  projectDir,
  reportFailures,
  whileInterruptible,
} from "./run.ts";
import { writeAtomically } from "./report.ts";
import { parseNumberFlag } from "./compare.ts";
import {
  type Command,
  EXIT_OK,
  EXIT_USAGE,
  parseFlags,
  UsageError,
} from "./command.ts";

/** Seconds of measuring after which `answer` starts no further round (the default plan). */
export const ANSWER_BUDGET_SECONDS = 240;

/** Where `answer` writes its HTML report, relative to the project. */
export const ANSWER_REPORT_PATH = ".pmubench/answer.html";

/**
 * The load averages of `/proc/loadavg` (`"13.51 14.01 15.35"`), or
 * `undefined` where there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLoadAverage } from "./answer.ts";
 *
 * const load = await readLoadAverage();
 * assert(load === undefined || /^\d/.test(load));
 * ```
 */
export async function readLoadAverage(): Promise<string | undefined> {
  try {
    const text = await Deno.readTextFile("/proc/loadavg");
    return text.split(" ").slice(0, 3).join(" ");
  } catch {
    return undefined;
  }
}

/** `pmubench answer`. */
export const answerCommand: Command = {
  name: "answer",
  summary:
    "measure the default plan and print the answer: the transition table and the strategy ranking",
  help: `Usage: pmubench answer [options]

Answer the question (what one nested transition costs under each mechanism,
against N; which bitmap strategy is fastest on the hot operations) in one
command: 'deno task bench' runs it.

The default plan measures, each case alone in fresh processes of the timing
engine (as 'pmubench run' does): round trips (a transition plus the next
VM-entry) at N = 0, 4, 6, 8, 11, 16, 32, 64 for none, the early return
(tracked, k=0), tracked k=N, all-bits and immediate on the default strategy,
3 processes each; every bitmap strategy on the hot operations (weight,
isEmpty, or, andNot and forEachSetBit at 6 bits, forEachSetBit at 64,
atomicOr + snapshotAndClear), 5 processes each (the fewest
with which the rank test can separate two strategies at alpha 0.01); and
every native (C) reference case of those groups when the suites define
them. Round by round (every case once, then again): no round is started that
would end past the budget (--budget, default ${ANSWER_BUDGET_SECONDS} s), so on a busy machine
cases keep fewer processes, and the answer says how many. After the last
round, each process whose CPU probe read slow against every round's, or
whose figure lies far from its case's other rounds (per unit of its CPU
probe, over or under their median by more than ${
    1 + OUTLIER_TOLERANCE
  }x), is measured again, within the budget.

It writes the result (.pmubench/results/...) and the HTML report
(${ANSWER_REPORT_PATH}: cost against N, a line per mechanism; the matrix),
then prints the transition table (per N: ns per transition, the interval of
the median, the ratio to the early return, the native figure where there is
one) and per hot operation the fastest strategy, marked only where the
difference is significant, with C's figure and the fastest's ratio to it,
and the crossovers. Progress goes to standard error. The raw 'deno bench'
tables are one command away: deno bench -A.

Options:
  --full        every case of every bench file, 5 processes each, no budget
                (long: about an hour)
  --budget S    seconds of measuring after which no round starts (default
                ${ANSWER_BUDGET_SECONDS}; 0: none)
  --smoke       a few calls per case: checks the plan runs, measures nothing
  --cwd DIR     the project directory (default: the current directory)
  --report F    where to write the HTML report (default ${ANSWER_REPORT_PATH})
  -h, --help    show this help

Exit codes: 0 ok, 2 bad usage, a bench that failed or a suite that does not
load; 130/143/129 interrupted (nothing written).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      full: { type: "boolean" },
      smoke: { type: "boolean" },
      cwd: { type: "string" },
      report: { type: "string" },
      budget: { type: "string" },
    });
    if (positionals.length > 0) {
      throw new UsageError(
        `answer takes no positional arguments: current value is '${
          positionals.join(" ")
        }'`,
      );
    }
    const budget =
      parseNumberFlag("budget", values.budget, { min: 0, max: 86400 }) ??
        (values.full === true ? 0 : ANSWER_BUDGET_SECONDS);
    const cwd = await projectDir(values.cwd);
    const plan = answerPlan({ full: values.full === true });
    const started = performance.now();
    const outcome = await whileInterruptible((signal) =>
      runPlan(cwd, plan, {
        smoke: values.smoke === true,
        ...(budget > 0 ? { budgetSeconds: budget } : {}),
        signal,
        onProgress: (p) => io.stderr(formatProgress(p)),
      })
    ).catch((e) => measurementErrorExit("answer", e, io));
    if (typeof outcome === "number") return outcome;
    if (isInterrupted(outcome)) {
      io.stderr(
        `pmubench answer: interrupted by ${outcome.interrupted}; children ended, nothing written\n`,
      );
      return INTERRUPT_EXIT_CODES[outcome.interrupted];
    }
    const result: ResultFile = outcome;
    const seconds = (performance.now() - started) / 1000;
    if (result.benches.length === 0) {
      throw new UsageError(
        `Cannot answer as the plan '${plan.name}' found no case in '${cwd}'`,
      );
    }
    const resultPath = await claimResultPath(
      `${cwd}/${defaultResultPath(result)}`,
    );
    await writeResultFile(resultPath, result);
    const command = ["pmubench", "answer", ...args].join(" ");
    const reportPath = values.report ?? `${cwd}/${ANSWER_REPORT_PATH}`;
    await writeAtomically(
      reportPath,
      renderReport({ results: [{ name: resultPath, result }] }, {
        title: "pmubench answer",
        command,
      }),
    );
    io.stdout(formatAnswer(result, {
      command,
      resultPath,
      reportPath,
      load: await readLoadAverage(),
      seconds,
    }));
    return reportFailures(result, resultPath, io) ? EXIT_USAGE : EXIT_OK;
  },
};

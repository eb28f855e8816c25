/**
 * `pmubench check RESULT`: judge a result against the last runs of a
 * branch in the history database, each run one unit; exit 1 on a
 * significant regression, 0 while bootstrapping (no runs yet).
 *
 * @module
 */

import {
  CHECK_NOISE_BY_METRIC,
  checkResult,
  DEFAULT_CHECK_WINDOW,
  MIN_CHECK_RUNS,
} from "../track/judge/check.ts";
import { formatComparison } from "../track/present/compare_format.ts";
import { formatPercent } from "../track/present/figure.ts";
import {
  DEFAULT_HISTORY_PATH,
  type RecordedRun,
} from "../track/history/history.ts";
import {
  type Command,
  EXIT_OK,
  EXIT_REGRESSION,
  parseFlags,
  UsageError,
} from "./command.ts";
import {
  COMPARE_FLAGS,
  parseNumberFlag,
  readCompareFlags,
  readResultArg,
} from "./compare.ts";
import {
  asUsageError,
  HISTORY_FLAGS,
  HISTORY_FLAGS_HELP,
  openHistoryFlag,
} from "./record.ts";

/** The branch `check` compares against when not told. */
export const DEFAULT_CHECK_BRANCH = "main";

const NOISE_DEFAULTS = Object.entries(CHECK_NOISE_BY_METRIC).map(([m, n]) =>
  `${m} ${n * 100}%`
).join(", ");

/**
 * How the window of runs is named in headers, e.g.
 * `"main: last 4 runs (#1-#4, bc3f172..7b1a238)"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeWindow } from "./check.ts";
 *
 * assert.equal(describeWindow("main", []), "main: no runs");
 * ```
 */
export function describeWindow(
  branch: string,
  runs: readonly RecordedRun[],
): string {
  if (runs.length === 0) return `${branch}: no runs`;
  const first = runs[0].summary;
  const last = runs[runs.length - 1].summary;
  return runs.length === 1
    ? `${branch}: run #${first.id} (${first.commit.slice(0, 7)})`
    : `${branch}: last ${runs.length} runs (#${first.id}-#${last.id}, ${
      first.commit.slice(0, 7)
    }..${last.commit.slice(0, 7)})`;
}

/**
 * What `check` prints when the branch has no run to compare with (the
 * first run of a CI recipe, or only runs of the head's own commit): it is
 * bootstrapping, and passes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapText } from "./check.ts";
 *
 * const text = bootstrapText("terminal", { headName: "r.json", branch: "main", path: "h.db", commit: null });
 * assert.match(text, /^Bootstrapping: history 'h.db' holds no runs of branch 'main'/);
 * assert.equal(JSON.parse(bootstrapText("json", { headName: "r.json", branch: "main", path: "h.db", commit: null })).status, "bootstrapping");
 * ```
 */
export function bootstrapText(
  format: string,
  o: {
    headName: string;
    branch: string;
    path: string;
    commit: string | null;
    missing?: boolean;
  },
): string {
  const others = o.commit === null
    ? ""
    : ` other than of its own commit ${o.commit.slice(0, 12)}`;
  const sentence = `Bootstrapping: history '${o.path}' ${
    o.missing === true
      ? "does not exist yet"
      : `holds no runs of branch '${o.branch}'${others}`
  }, so '${o.headName}' has nothing to be judged against and passes. Record runs of '${o.branch}' (pmubench record) to start gating; time needs ${MIN_CHECK_RUNS} runs to bound its run-to-run noise.`;
  switch (format) {
    case "json":
      return JSON.stringify(
        {
          status: "bootstrapping",
          head: o.headName,
          branch: o.branch,
          history: o.path,
          message: sentence,
        },
        null,
        2,
      ) + "\n";
    case "bmf":
      return "{}\n";
    case "markdown":
      return `### pmubench: bootstrapping\n\n${sentence}\n`;
    default:
      return sentence + "\n";
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** `pmubench check`. */
export const checkCommand: Command = {
  name: "check",
  summary:
    "compare a result with the last runs of a branch; exit 1 on a regression",
  help: `Usage: pmubench check RESULT [options]

Compare RESULT with a window of the last runs of a branch in the history
database, each run one unit (the replicates of different runs are never
pooled: a run recorded at another machine load sits wholly above or below).
Time: the median of each window run gives the history's level and its
run-to-run spread; RESULT's median is one more run, judged by Student's t
(p-value and 95% prediction interval of the ratio). A bench with fewer than
${MIN_CHECK_RUNS} runs in the window passes as "insufficient history".
Instruction counts repeat: the exact change from the runs' median, judged by
the band alone. A change counts when p < alpha and its interval lies outside
the metric's noise band (${NOISE_DEFAULTS}). Runs of RESULT's own commit are
left out of the window, so checking a result that is already recorded still
compares it with its predecessors. With no run to compare with (a CI
recipe's first run, with no database yet or no runs of the branch), check
says it is bootstrapping and exits 0.

Options:
${HISTORY_FLAGS_HELP}
  --branch NAME      the branch whose runs form the base (default ${DEFAULT_CHECK_BRANCH})
  --window N         how many of its last runs to compare with (default ${DEFAULT_CHECK_WINDOW})
  --format F         terminal (default), markdown, json or bmf
  --alpha A          significance level of the Mann-Whitney U test (default 0.01)
  --noise N          one noise band for every metric, a fraction or a percentage
                     (default per metric: ${NOISE_DEFAULTS})
  --resamples N      bootstrap resamples (default 10000)
  --seed N           bootstrap seed (default 1)
  --no-fail          exit 0 even when a bench regressed (bad input still exits 2)
  -h, --help         show this help

Exit codes: 0 no bench regressed (or nothing to compare with yet), 1 a bench
regressed, 2 bad usage or input (unreadable, malformed or foreign file,
failed benches, no bench in common with the window, unusable or locked
database).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...HISTORY_FLAGS,
      ...COMPARE_FLAGS,
      branch: { type: "string" },
      window: { type: "string" },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        `check needs exactly one result file: current value is ${positionals.length}`,
      );
    }
    const path = positionals[0];
    const headName = path === "-" ? "standard input" : path;
    const { options, format } = readCompareFlags(values);
    const window = parseNumberFlag("window", values.window, {
      min: 1,
      max: 10_000,
      integer: true,
    }) ?? DEFAULT_CHECK_WINDOW;
    const branch = values.branch ?? DEFAULT_CHECK_BRANCH;
    const head = await readResultArg(path, io);
    const dbPath = values.db ?? DEFAULT_HISTORY_PATH;
    if (!exists(dbPath)) {
      // A CI cache miss: no history yet is nothing to judge against, not bad input.
      io.stdout(bootstrapText(format, {
        headName,
        branch,
        path: dbPath,
        commit: null,
        missing: true,
      }));
      return EXIT_OK;
    }
    using history = openHistoryFlag(values, false);
    let runs: RecordedRun[];
    try {
      runs = history.lastRuns(
        branch,
        window,
        head.env.commit === null ? {} : { excludeCommit: head.env.commit },
      );
    } catch (e) {
      throw asUsageError(e);
    }
    if (runs.length === 0) {
      // The first run of a CI recipe: nothing to judge yet, so pass and say so.
      io.stdout(bootstrapText(format, {
        headName,
        branch,
        path: history.path,
        commit: head.env.commit,
      }));
      return EXIT_OK;
    }
    const baseName = describeWindow(branch, runs);
    const c = checkResult(head, runs.map((r) => r.result), {
      ...options,
      headName,
      baseName,
    });
    let text = formatComparison(c.comparison, format, { baseName, headName });
    const metrics = Object.entries(c.noiseByMetric);
    if (format === "json") {
      text = JSON.stringify(
        {
          ...JSON.parse(text),
          branch,
          window: runs.map((r) => ({
            id: r.summary.id,
            commit: r.summary.commit,
            date: r.summary.date,
          })),
          noiseByMetric: c.noiseByMetric,
          insufficientHistory: c.insufficient.map((r) => r.key),
        },
        null,
        2,
      ) + "\n";
    } else if (format === "terminal" || format === "markdown") {
      const gap = format === "markdown" ? "\n" : "";
      if (new Set(metrics.map(([, n]) => n)).size > 1) {
        // The formatter prints one band; say which metric got which.
        text += `${gap}Noise band per metric: ${
          metrics.map(([m, n]) => `${m} +/-${formatPercent(n)}`).join(", ")
        }.\n`;
      }
      if (c.insufficient.length > 0) {
        text += `${gap}Insufficient history: ${c.insufficient.length} bench${
          c.insufficient.length === 1 ? "" : "es"
        } of a stochastic metric have fewer than ${MIN_CHECK_RUNS} runs of ${branch} to bound the run-to-run noise, and pass unjudged.\n`;
      }
    }
    io.stdout(text);
    return c.regressions.length > 0 && values["no-fail"] !== true
      ? EXIT_REGRESSION
      : EXIT_OK;
  },
};

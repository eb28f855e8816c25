/**
 * `pmubench check RESULT`: compare a result with the pooled last runs of a
 * branch in the history database; exit 1 on a significant regression.
 *
 * @module
 */

import {
  CHECK_NOISE_BY_METRIC,
  checkResult,
  DEFAULT_CHECK_WINDOW,
} from "../track/judge/check.ts";
import { formatComparison } from "../track/present/compare_format.ts";
import { formatPercent } from "../track/present/figure.ts";
import type { RecordedRun } from "../track/history/history.ts";
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
 * How the pooled window is named in headers, e.g.
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

/** `pmubench check`. */
export const checkCommand: Command = {
  name: "check",
  summary:
    "compare a result with the last runs of a branch; exit 1 on a regression",
  help: `Usage: pmubench check RESULT [options]

Compare RESULT with a window of the last runs of a branch in the history
database. The window's replicates are pooled per bench and metric into one
base, then compared as 'pmubench compare' does: ratio of medians, bootstrap
95% CI, Mann-Whitney U p-value, verdict. Each metric has its own noise band
(${NOISE_DEFAULTS}). Runs of RESULT's own commit are left out of the
window, so checking a result that is already recorded still compares it with
its predecessors.

Options:
${HISTORY_FLAGS_HELP}
  --branch NAME      the branch whose runs form the base (default ${DEFAULT_CHECK_BRANCH})
  --window N         how many of its last runs to pool (default ${DEFAULT_CHECK_WINDOW})
  --format F         terminal (default), markdown, json or bmf
  --alpha A          significance level of the Mann-Whitney U test (default 0.01)
  --noise N          one noise band for every metric, a fraction or a percentage
                     (default per metric: ${NOISE_DEFAULTS})
  --resamples N      bootstrap resamples (default 10000)
  --seed N           bootstrap seed (default 1)
  --no-fail          exit 0 even when a bench regressed (bad input still exits 2)
  -h, --help         show this help

Exit codes: 0 no bench regressed, 1 a bench regressed, 2 bad usage or input
(unreadable, malformed or foreign file, failed benches, no bench in common
with the window, no runs of the branch, unusable or locked database).
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
      throw new UsageError(
        `Cannot check '${headName}' as history '${history.path}' holds no runs of branch '${branch}'${
          head.env.commit === null
            ? ""
            : ` other than of its own commit ${head.env.commit.slice(0, 12)}`
        }: record one first, or pick another with --branch`,
      );
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
        },
        null,
        2,
      ) + "\n";
    } else if (
      (format === "terminal" || format === "markdown") &&
      new Set(metrics.map(([, n]) => n)).size > 1
    ) {
      // The formatter prints one band; say which metric got which.
      text += `${format === "markdown" ? "\n" : ""}Noise band per metric: ${
        metrics.map(([m, n]) => `${m} +/-${formatPercent(n)}`)
          .join(", ")
      }.\n`;
    }
    io.stdout(text);
    return c.regressions.length > 0 && values["no-fail"] !== true
      ? EXIT_REGRESSION
      : EXIT_OK;
  },
};

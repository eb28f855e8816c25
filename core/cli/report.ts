/**
 * `pmubench report [RESULT...]`: one self-contained HTML file with inline
 * SVG charts of result files and of the history database.
 *
 * @module
 */

import {
  DEFAULT_HISTORY_PATH,
  type History,
} from "../track/history/history.ts";
import {
  historyCharts,
  renderReport,
  type ReportHistory,
  type ReportSource,
  strategyPanels,
  transitionPanels,
} from "../track/present/report.ts";
import { type Command, EXIT_OK, parseFlags, UsageError } from "./command.ts";
import { parseNumberFlag, readResultArg } from "./compare.ts";
import {
  asUsageError,
  HISTORY_FLAGS,
  HISTORY_FLAGS_HELP,
  openHistoryFlag,
} from "./record.ts";

/** Where `report` writes when no `--out` is given. */
export const DEFAULT_REPORT_PATH = ".pmubench/report.html";
/** How many of a branch's last runs the history charts show by default. */
export const DEFAULT_REPORT_HISTORY = 30;

/**
 * The branch whose history a report charts when none is named: `main` if
 * it has runs, else the branch of the newest run; `undefined` for an empty
 * history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultReportBranch } from "./report.ts";
 * import { openHistory } from "../track/history/history.ts";
 *
 * const dir = await Deno.makeTempDir();
 * using h = openHistory(`${dir}/h.db`);
 * assert.equal(defaultReportBranch(h), undefined);
 * ```
 */
export function defaultReportBranch(history: History): string | undefined {
  const branches = history.branches();
  if (branches.includes("main")) return "main";
  return history.listRuns({ limit: 1 })[0]?.branch;
}

/** `pmubench report`. */
export const reportCommand: Command = {
  name: "report",
  summary:
    "write one self-contained HTML report with SVG charts of results and history",
  help: `Usage: pmubench report [RESULT...] [options]

Write one self-contained HTML file (inline CSS and SVG, no scripts, no
external assets) with, for each RESULT file:
  - cost per transition against N for each mechanism and strategy (benches
    whose axes carry N, mechanism and strategy), with 95% intervals;
  - strategy comparison per operation (benches whose axes carry op and
    strategy);
  - the strategy matrix (operations x strategies, and x mechanisms where
    benches carry one): cost, interval, ratio to the row's best, significant
    winners and crossovers, with bytes per op and tier per cell;
  - a table of every bench, with bytes per op, tier and warnings;
and, from the history database, each bench's median over the recorded
commits of one branch.

Options:
${
    HISTORY_FLAGS_HELP.replace(
      `(default ${DEFAULT_HISTORY_PATH})`,
      `(default ${DEFAULT_HISTORY_PATH}, when it exists)`,
    )
  }
  --branch NAME      the branch whose history to chart (default main, else the
                     branch of the newest run)
  --history N        chart the last N runs of that branch (default ${DEFAULT_REPORT_HISTORY})
  --out FILE         where to write the report (default ${DEFAULT_REPORT_PATH})
  --title TEXT       the page title (default "pmubench report")
  -h, --help         show this help

Exit codes: 0 written, 2 bad usage or input (nothing to report, unreadable,
malformed or foreign files, failed benches, unusable or locked database).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...HISTORY_FLAGS,
      branch: { type: "string" },
      history: { type: "string" },
      out: { type: "string" },
      title: { type: "string" },
    });
    const limit = parseNumberFlag("history", values.history, {
      min: 1,
      max: 100_000,
      integer: true,
    }) ?? DEFAULT_REPORT_HISTORY;
    if (positionals.filter((p) => p === "-").length > 1) {
      throw new UsageError(
        "Cannot read more than one result from standard input: name files",
      );
    }
    const results: ReportSource[] = [];
    for (const path of positionals) {
      const result = await readResultArg(path, io);
      const name = path === "-" ? "standard input" : path;
      const failed = result.benches.filter((b) =>
        b.failed !== undefined || b.replicates.length === 0
      );
      if (failed.length > 0) {
        throw new UsageError(
          `Cannot report on '${name}' as ${failed.length} bench${
            failed.length === 1 ? "" : "es"
          } failed, first '${failed[0].key}': ${
            (failed[0].failed ?? "no replicates").split("\n")[0]
          }`,
        );
      }
      results.push({ name, result });
    }
    const dbPath = values.db ?? DEFAULT_HISTORY_PATH;
    const useDb = values.db !== undefined || await isFile(dbPath);
    let history: ReportHistory | undefined;
    if (useDb) {
      using h = openHistoryFlag(values, false);
      try {
        const branch = values.branch ?? defaultReportBranch(h) ?? "main";
        history = {
          path: h.path,
          branch,
          runs: h.lastRuns(branch, limit),
        };
      } catch (e) {
        throw asUsageError(e);
      }
    } else if (values.branch !== undefined) {
      throw new UsageError(
        `--branch needs a history database, and '${dbPath}' does not exist: record a result first or pass --db`,
      );
    }
    if (results.length === 0 && history === undefined) {
      throw new UsageError(
        `Nothing to report: name result files, or record runs into '${dbPath}' first`,
      );
    }
    const out = values.out ?? DEFAULT_REPORT_PATH;
    const html = renderReport({ results, history }, {
      ...(values.title === undefined ? {} : { title: values.title }),
      command: ["pmubench", "report", ...args].join(" "),
    });
    await writeAtomically(out, html);
    const charts = {
      transition: results.reduce(
        (a, s) => a + transitionPanels(s.result).length,
        0,
      ),
      strategy: results.reduce(
        (a, s) => a + strategyPanels(s.result).length,
        0,
      ),
      history: history === undefined ? 0 : historyCharts(history.runs).length,
    };
    io.stdout(
      `wrote '${out}' (${
        Math.ceil(html.length / 1024)
      } KiB): ${results.length} result${
        results.length === 1 ? "" : "s"
      }, ${charts.transition} transition, ${charts.strategy} strategy and ${charts.history} history chart${
        charts.history === 1 ? "" : "s"
      }${
        history === undefined
          ? ""
          : ` (${history.runs.length} runs of '${history.branch}' from '${history.path}')`
      }\n`,
    );
    return EXIT_OK;
  },
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Write through a temporary file and rename, so a failed run leaves no half report.
 *
 * @throws {UsageError} when the file cannot be written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAtomically } from "./report.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeAtomically(`${dir}/r/a.html`, "<p>");
 * assert.equal(await Deno.readTextFile(`${dir}/r/a.html`), "<p>");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeAtomically(
  path: string,
  text: string,
): Promise<void> {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
  const tmp = `${path}.${Deno.pid}.tmp`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new UsageError(
      `Cannot write report '${path}': ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

/**
 * `pmubench log`: list the runs recorded in the history database.
 *
 * @module
 */

import type { RunSummary } from "../track/history/history.ts";
import { type Command, EXIT_OK, parseFlags, UsageError } from "./command.ts";
import { parseNumberFlag } from "./compare.ts";
import { maxOf } from "../track/judge/stats.ts";
import { stripControl } from "../common/text.ts";
import {
  asUsageError,
  HISTORY_FLAGS,
  HISTORY_FLAGS_HELP,
  openHistoryFlag,
} from "./record.ts";

/** Runs `log` lists when no `--limit` is given. */
export const DEFAULT_LOG_LIMIT = 20;

/**
 * Runs as a plain-text table, newest first as given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRunTable } from "./log.ts";
 *
 * const text = formatRunTable([{ id: 1, branch: "main", commit: "0123456789abcdef", dirty: false,
 *   date: "2025-06-01T10:00:00.000Z", recordedAt: "2025-06-01T11:00:00.000Z", source: "r.json",
 *   benches: 4, metrics: ["time"], deno: "2.9.6", cpu: "c" }]);
 * assert.match(text, /^run +measured/);
 * assert.match(text, /0123456789ab/);
 * ```
 */
export function formatRunTable(runs: readonly RunSummary[]): string {
  const header = [
    "run",
    "measured (UTC)",
    "branch",
    "commit",
    "dirty",
    "benches",
    "metrics",
    "deno",
    "source",
  ];
  const rows = runs.map((r) => [
    String(r.id),
    r.date.replace("T", " ").slice(0, 16),
    r.branch,
    r.commit.slice(0, 12),
    r.dirty === null ? "?" : r.dirty ? "yes" : "no",
    String(r.benches),
    r.metrics.join(","),
    r.deno,
    r.source,
  ]);
  // Branches and sources come from the history: nothing may act on a terminal.
  const all = [header, ...rows.map((r) => r.map(stripControl))];
  const widths = header.map((_, i) => maxOf(all.map((r) => r[i].length)));
  const right = new Set([0, 5]);
  return all.map((r) =>
    r.map((c, i) => right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))
      .join("  ").trimEnd()
  ).join("\n") + "\n";
}

/** `pmubench log`. */
export const logCommand: Command = {
  name: "log",
  summary: "list the runs recorded in the history database",
  help: `Usage: pmubench log [options]

List the runs recorded in the history database, newest first.

Options:
${HISTORY_FLAGS_HELP}
  --branch NAME      only runs of this branch
  --limit N          at most N runs (default ${DEFAULT_LOG_LIMIT})
  --format F         table (default) or json
  -h, --help         show this help

Exit codes: 0 ok, 2 bad usage or an unusable database (missing, not a
pmubench history, locked).
`,
  run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...HISTORY_FLAGS,
      branch: { type: "string" },
      limit: { type: "string" },
      format: { type: "string" },
    });
    if (positionals.length > 0) {
      throw new UsageError(
        `log takes no positional arguments: current value is '${
          positionals[0]
        }'`,
      );
    }
    const format = values.format ?? "table";
    if (format !== "table" && format !== "json") {
      throw new UsageError(
        `--format must be one of table, json: current value is '${format}'`,
      );
    }
    const limit = parseNumberFlag("limit", values.limit, {
      min: 1,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
    }) ?? DEFAULT_LOG_LIMIT;
    using history = openHistoryFlag(values, false);
    let runs: RunSummary[];
    try {
      runs = history.listRuns({
        limit,
        ...(values.branch === undefined ? {} : { branch: values.branch }),
      });
    } catch (e) {
      throw asUsageError(e);
    }
    if (format === "json") {
      io.stdout(JSON.stringify(runs, null, 2) + "\n");
    } else if (runs.length === 0) {
      io.stdout(
        stripControl(
          `no runs in '${history.path}'${
            values.branch === undefined ? "" : ` on branch '${values.branch}'`
          }`,
        ) + "\n",
      );
    } else {
      io.stdout(formatRunTable(runs));
    }
    return Promise.resolve(EXIT_OK);
  },
};

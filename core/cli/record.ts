/**
 * `pmubench record RESULT`: store a result file in the history database
 * under a branch and a commit. Also holds the flag handling the history
 * commands (`record`, `log`, `check`, `report`) share.
 *
 * @module
 */

import { resolveRevision } from "../track/measure/git.ts";
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_HISTORY_PATH,
  type History,
  HistoryError,
  openHistory,
} from "../track/history/history.ts";
import { type Command, EXIT_OK, parseFlags, UsageError } from "./command.ts";
import { parseNumberFlag, readResultArg } from "./compare.ts";
import { stripControl } from "../common/text.ts";

/** Flags every history command takes. */
export const HISTORY_FLAGS = {
  db: { type: "string" },
  "busy-timeout": { type: "string" },
} as const;

/** Help lines of {@linkcode HISTORY_FLAGS}. */
export const HISTORY_FLAGS_HELP =
  `  --db PATH          the history database (default ${DEFAULT_HISTORY_PATH})
  --busy-timeout MS  how long to wait for another process's lock on it (default ${DEFAULT_BUSY_TIMEOUT_MS})`;

/**
 * Open the history a command names with {@linkcode HISTORY_FLAGS}; a
 * database that cannot be used becomes a {@linkcode UsageError} whose
 * message names the file.
 *
 * @throws {UsageError} when `--busy-timeout` is not a non-negative integer
 * or the database is missing (unless `create`), unreadable, foreign or
 * locked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openHistoryFlag } from "./record.ts";
 *
 * const dir = await Deno.makeTempDir();
 * assert.throws(() => openHistoryFlag({ db: `${dir}/none.db` }, false), /does not exist/);
 * openHistoryFlag({ db: `${dir}/new.db` }, true).close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openHistoryFlag(
  values: { db?: string; "busy-timeout"?: string },
  create: boolean,
): History {
  const busyTimeoutMs = parseNumberFlag(
    "busy-timeout",
    values["busy-timeout"],
    { min: 0, max: 3_600_000, integer: true },
  ) ?? DEFAULT_BUSY_TIMEOUT_MS;
  try {
    return openHistory(values.db ?? DEFAULT_HISTORY_PATH, {
      create,
      busyTimeoutMs,
    });
  } catch (e) {
    throw asUsageError(e);
  }
}

/**
 * Turn a {@linkcode HistoryError} into a {@linkcode UsageError} (exit 2,
 * one sentence); anything else passes through unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asUsageError } from "./record.ts";
 * import { HistoryError } from "../track/history/history.ts";
 *
 * const e = asUsageError(new HistoryError("locked", { kind: "locked", path: "h.db" }));
 * assert.ok(e instanceof Error && e.name === "UsageError");
 * ```
 */
export function asUsageError(e: unknown): unknown {
  return e instanceof HistoryError ? new UsageError(e.message) : e;
}

const FULL_HASH = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** `pmubench record`. */
export const recordCommand: Command = {
  name: "record",
  summary:
    "store a result file in the history database under a branch and commit",
  help: `Usage: pmubench record RESULT [options]

Store RESULT (a file written by 'pmubench run', or 'deno bench --json' output;
'-' reads standard input) in the history database, under a branch and a commit.
The database is created when missing. The record is one transaction: it lands
whole or not at all, and concurrent records wait for each other.

Options:
${HISTORY_FLAGS_HELP}
  --branch NAME      branch to record under (default: the result's env.branch)
  --commit REV       commit to record under: a full hash, or any revision git
                     resolves in the current directory, e.g. HEAD
                     (default: the result's env.commit)
  -h, --help         show this help

Exit codes: 0 recorded, 2 bad usage or input (unreadable, malformed or foreign
file, failed benches, no commit or branch known, unusable or locked database);
nothing is recorded then.
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...HISTORY_FLAGS,
      branch: { type: "string" },
      commit: { type: "string" },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        `record needs exactly one result file: current value is ${positionals.length}`,
      );
    }
    const path = positionals[0];
    const source = path === "-" ? "standard input" : path;
    if (values.branch !== undefined && values.branch.trim() === "") {
      throw new UsageError("--branch must not be empty");
    }
    const result = await readResultArg(path, io);
    let commit = values.commit;
    if (commit !== undefined && !FULL_HASH.test(commit)) {
      try {
        commit = await resolveRevision(Deno.cwd(), commit);
      } catch (e) {
        throw new UsageError(
          `Cannot record '${source}' as --commit '${commit}' names no commit: ${
            e instanceof Error ? e.message : String(e)
          }`,
        );
      }
    }
    if (commit === undefined && result.env.commit === null) {
      throw new UsageError(
        `Cannot record '${source}' as it names no git commit (env.commit is null, measured outside git?): pass --commit REV`,
      );
    }
    if (values.branch === undefined && result.env.branch === null) {
      throw new UsageError(
        `Cannot record '${source}' as it names no branch (env.branch is null, e.g. a detached HEAD in CI): pass --branch NAME`,
      );
    }
    using history = openHistoryFlag(values, true);
    let run;
    try {
      run = history.record(result, {
        source,
        ...(values.branch === undefined ? {} : { branch: values.branch }),
        ...(commit === undefined ? {} : { commit: commit.toLowerCase() }),
      });
    } catch (e) {
      throw asUsageError(e);
    }
    if (result.env.dirty === true) {
      io.stderr(
        `pmubench record: warning: '${source}' was measured on a dirty tree; its figures may not match commit ${
          run.commit.slice(0, 12)
        }\n`,
      );
    }
    io.stdout(
      stripControl(
        `recorded run ${run.id} into '${history.path}': '${source}', ${run.benches} bench${
          run.benches === 1 ? "" : "es"
        } (${run.metrics.join(", ")}) on ${run.branch} at ${
          run.commit.slice(0, 12)
        }`,
      ) + "\n",
    );
    return EXIT_OK;
  },
};

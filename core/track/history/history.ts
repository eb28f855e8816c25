/**
 * The embedded run history: result files recorded under a branch and a
 * commit in one SQLite database (`node:sqlite`), so `check` can pool the
 * last runs of a branch into a base and `report` can chart each bench over
 * commits.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode openHistory} | open (and create or migrate) a history database |
 * | {@linkcode History} | record, list and load runs |
 * | {@linkcode HistoryError} | a database that cannot be used, as a value with a `kind` |
 * | {@linkcode DEFAULT_HISTORY_PATH}, {@linkcode DEFAULT_BUSY_TIMEOUT_MS}, {@linkcode BUSY_RETRIES} | tunables |
 * | {@linkcode HISTORY_SCHEMA_VERSION}, {@linkcode HISTORY_APPLICATION_ID} | what the file is stamped with |
 *
 * Every write is one `BEGIN IMMEDIATE` transaction in WAL mode: a record
 * lands whole or not at all (a process killed mid-write leaves an
 * uncommitted WAL tail that SQLite discards), and concurrent writers queue
 * on the busy timeout instead of failing.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import {
  isFailed,
  type ResultEnv,
  type ResultFile,
  validateResultValue,
} from "../result/result.ts";
import { quoteValue } from "../../common/describe.ts";

/** Where the history lives when no path is given. */
export const DEFAULT_HISTORY_PATH = ".pmubench/history.db";
/** How long one statement waits for another writer's lock, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** How many times a write that still found the database busy is retried. */
export const BUSY_RETRIES = 3;
/** `PRAGMA user_version` of the schema this version writes. */
export const HISTORY_SCHEMA_VERSION = 1;
/** `PRAGMA application_id` stamped on every history file: ASCII "PMUB". */
export const HISTORY_APPLICATION_ID = 0x504d5542;

const SCHEMA = `
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  branch      TEXT NOT NULL,
  commit_sha  TEXT NOT NULL,
  dirty       INTEGER,
  date        TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  source      TEXT NOT NULL,
  origin      TEXT,
  env_json    TEXT NOT NULL,
  flags_json  TEXT NOT NULL
);
CREATE INDEX runs_by_branch ON runs (branch, id);
CREATE TABLE bench_values (
  run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  ord             INTEGER NOT NULL,
  key             TEXT NOT NULL,
  metric          TEXT NOT NULL,
  unit            TEXT NOT NULL,
  file            TEXT NOT NULL,
  grp             TEXT NOT NULL,
  name            TEXT NOT NULL,
  baseline        INTEGER NOT NULL,
  ops_per_call    INTEGER NOT NULL,
  axes_json       TEXT,
  replicates_json TEXT NOT NULL,
  processes_json  TEXT,
  extra_json      TEXT,
  PRIMARY KEY (run_id, key, metric)
);
CREATE INDEX bench_values_by_key ON bench_values (key, metric, run_id);
`;

/** Why a history database cannot be used. */
export type HistoryErrorKind =
  | "missing"
  | "cannot-open"
  | "not-a-database"
  | "not-a-history"
  | "newer-schema"
  | "locked"
  | "io";

/** Options of {@linkcode HistoryError}. */
export interface HistoryErrorOptions {
  /** What went wrong. */
  kind: HistoryErrorKind;
  /** The database file. */
  path: string;
}

/**
 * A history database that cannot be opened, read or written. The message
 * is one sentence naming the file; `kind` says what to do about it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HistoryError } from "./history.ts";
 *
 * const e = new HistoryError("Cannot write history 'h.db' as another process holds its lock", { kind: "locked", path: "h.db" });
 * assert.ok(e.kind === "locked" && e.path === "h.db");
 * ```
 */
export class HistoryError extends Error {
  /** What went wrong. */
  readonly kind: HistoryErrorKind;
  /** The database file. */
  readonly path: string;
  /**
   * @param message one sentence naming the file
   * @param options what went wrong, and the database file
   */
  constructor(message: string, options: HistoryErrorOptions) {
    super(message);
    this.name = "HistoryError";
    this.kind = options.kind;
    this.path = options.path;
  }
}

/** Options of {@linkcode openHistory}. */
export interface OpenHistoryOptions {
  /**
   * Create the file (and its parent directory) when it does not exist;
   * when false, a missing file is a {@linkcode HistoryError} of kind
   * `"missing"` and nothing is written to an existing file that holds no
   * history yet.
   *
   * @default {true}
   */
  create?: boolean;
  /**
   * How long a statement waits for another connection's lock, in ms,
   * before the database counts as locked.
   *
   * @default {5000}
   */
  busyTimeoutMs?: number;
}

/** One recorded run, without its figures. */
export interface RunSummary {
  /** Row id; increases in recording order. */
  id: number;
  /** The branch it was recorded under. */
  branch: string;
  /** The full commit hash it was recorded under. */
  commit: string;
  /** Whether the tree was dirty when measured, `null` when unknown. */
  dirty: boolean | null;
  /** When the measurement started (the result's `date`). */
  date: string;
  /** When it was recorded, ISO 8601. */
  recordedAt: string;
  /** The file it was recorded from. */
  source: string;
  /** Number of (bench, metric) rows. */
  benches: number;
  /** The metrics it holds, sorted. */
  metrics: string[];
  /** Deno version it was measured with. */
  deno: string;
  /** CPU it was measured on. */
  cpu: string;
}

/** A recorded run with its figures, as a result file. */
export interface RecordedRun {
  /** The run's summary. */
  summary: RunSummary;
  /** The result, with `env.branch`/`env.commit` as recorded. */
  result: ResultFile;
}

/** Options of {@linkcode History.record}. */
export interface RecordOptions {
  /** The branch to record under. @default {result.env.branch} */
  branch?: string;
  /** The full commit hash to record under. @default {result.env.commit} */
  commit?: string;
  /** How the result is named in messages and in `source`. @default {"result"} */
  source?: string;
  /** The recording time. @default {new Date()} */
  now?: Date;
  /**
   * Called inside the transaction after each bench row is written, with
   * its index; throwing aborts the record and rolls everything back. Tests
   * use it to interrupt a record half way.
   *
   * @default {undefined}
   */
  onRowWritten?: (index: number) => void;
}

/** Options of {@linkcode History.listRuns}. */
export interface ListRunsOptions {
  /** Only runs of this branch. @default {undefined} (every branch) */
  branch?: string;
  /** At most this many runs, newest first. @default {undefined} (all) */
  limit?: number;
}

/** Options of {@linkcode History.lastRuns}. */
export interface LastRunsOptions {
  /** Leave out runs of this commit (the head being checked). @default {undefined} */
  excludeCommit?: string;
}

/**
 * Open the history database at `path`, creating it and its schema when
 * needed (WAL journal, busy timeout set). With `create: false` nothing is
 * written, and a history in a read-only directory is still read.
 *
 * @throws {HistoryError} when `path` names no file (`""`, `":memory:"`, a
 * `file:` URI: SQLite would keep nothing), the file is missing (with
 * `create: false`), cannot be opened, is not a SQLite database, is another application's
 * database, was written by a newer schema, or stays locked.
 * @throws {RangeError} when `busyTimeoutMs` is not a non-negative integer.
 *
 * @example Record a result, list it, load it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { openHistory } from "./history.ts";
 * import type { ResultFile } from "../result/result.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const result: ResultFile = {
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "c", cores: 2, os: "linux", arch: "x86_64",
 *     commit: "0123456789abcdef0123456789abcdef01234567", dirty: false, branch: "main" },
 *   flags: {},
 *   benches: [{ key: "a_bench.ts::g::f", file: "a_bench.ts", group: "g", name: "f", baseline: true,
 *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [10, 11] }],
 * };
 * {
 *   using history = openHistory(`${dir}/history.db`);
 *   const run = history.record(result, { source: "a.json" });
 *   assert.ok(history.listRuns({ branch: "main" })[0].id === run.id);
 *   assert.ok(history.loadRun(run.id).result.benches[0].replicates[1] === 11);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openHistory(
  path: string,
  options: OpenHistoryOptions = {},
): History {
  const create = options.create ?? true;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(
      `Cannot open history '${path}' as 'busyTimeoutMs' must be a non-negative integer: current value is ${busyTimeoutMs}`,
    );
  }
  refuseNonFile(path);
  let exists = true;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) {
      throw new HistoryError(
        `Cannot open history '${path}' as it is not a regular file`,
        { kind: "cannot-open", path },
      );
    }
  } catch (e) {
    if (e instanceof HistoryError) throw e;
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new HistoryError(
        `Cannot open history '${path}' as it cannot be read: ${messageOf(e)}`,
        { kind: "cannot-open", path },
      );
    }
    exists = false;
  }
  if (!exists) {
    if (!create) {
      throw new HistoryError(
        `Cannot read history '${path}' as it does not exist: record a result first`,
        { kind: "missing", path },
      );
    }
    const dir = parentDir(path);
    if (dir !== "") {
      try {
        Deno.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new HistoryError(
          `Cannot create history '${path}' as its directory cannot be made: ${
            messageOf(e)
          }`,
          { kind: "cannot-open", path },
        );
      }
    }
  }
  try {
    return connect(path, path, { create, busyTimeoutMs });
  } catch (e) {
    // A reader (create: false) of a history in a read-only directory: WAL
    // mode needs its -shm file, which cannot be made there, so SQLite
    // refuses even a read-only connection. Nobody can write such a file,
    // so read it as immutable, unless a WAL still holds committed records
    // that only a writable directory lets SQLite fold back in.
    if (
      create || !(e instanceof HistoryError) || e.kind !== "cannot-open" ||
      hasWalContent(path)
    ) {
      throw e;
    }
    return connect(immutableUri(path), path, { create, busyTimeoutMs });
  }
}

function connect(
  target: string,
  path: string,
  { create, busyTimeoutMs }: { create: boolean; busyTimeoutMs: number },
): History {
  const immutable = target !== path;
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(target, {
      timeout: busyTimeoutMs,
      ...(immutable ? { readOnly: true } : {}),
    });
  } catch (e) {
    throw classify(e, path, busyTimeoutMs, "open");
  }
  try {
    prepareSchema(db, path, { create, busyTimeoutMs });
  } catch (e) {
    db.close();
    throw e instanceof HistoryError
      ? e
      : classify(e, path, busyTimeoutMs, "open");
  }
  return new History(db, { path, busyTimeoutMs });
}

function hasWalContent(path: string): boolean {
  try {
    return Deno.statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/** `path` as an SQLite URI opened read-only and immutable (no locks, no -shm). */
function immutableUri(path: string): string {
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const encoded = absolute.split("/").map(encodeURIComponent).join("/");
  return `file:${encoded}?immutable=1`;
}

/**
 * An open history database. Close it with {@linkcode History.close}, or
 * hold it with `using`.
 */
export class History {
  #db: DatabaseSync;
  #busyTimeoutMs: number;
  /** The database file. */
  readonly path: string;

  /**
   * Use {@linkcode openHistory}; this constructor takes an already
   * prepared connection.
   *
   * @param db a connection whose schema is in place
   * @param options the database file and the busy timeout `db` was opened
   * with (default {@linkcode DEFAULT_BUSY_TIMEOUT_MS}), for messages
   */
  constructor(
    db: DatabaseSync,
    options: { path: string; busyTimeoutMs?: number },
  ) {
    this.#db = db;
    this.path = options.path;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  }

  /**
   * Store `result` as one run under a branch and commit, in one
   * transaction; returns the new run.
   *
   * @throws {TypeError} when no branch or commit is given and the result
   * names none (e.g. measured outside git, or on a detached HEAD).
   * @throws {RangeError} when the result holds no benches, a bench failed
   * or has no replicates.
   * @throws {HistoryError} when the database stays locked or a write fails;
   * nothing is written then.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openHistory } from "./history.ts";
   * import type { ResultFile } from "../result/result.ts";
   *
   * const dir = await Deno.makeTempDir();
   * const r: ResultFile = {
   *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
   *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "c", cores: 2, os: "linux", arch: "x86_64",
   *     commit: null, dirty: null, branch: null },
   *   flags: {},
   *   benches: [{ key: "a_bench.ts::::f", file: "a_bench.ts", group: "", name: "f", baseline: false,
   *     metric: "time", unit: "ns/op", opsPerCall: 1, replicates: [3] }],
   * };
   * using h = openHistory(`${dir}/h.db`);
   * const run = h.record(r, { branch: "main", commit: "abc1234" });
   * assert.ok(run.branch === "main" && run.benches === 1);
   * ```
   */
  record(result: ResultFile, options: RecordOptions = {}): RunSummary {
    const source = options.source ?? "result";
    const branch = options.branch ?? result.env.branch;
    const commit = options.commit ?? result.env.commit;
    if (commit === null || commit === "") {
      throw new TypeError(
        `Cannot record '${source}' as it names no git commit (env.commit is null) and none was given`,
      );
    }
    if (branch === null || branch === "") {
      throw new TypeError(
        `Cannot record '${source}' as it names no branch (env.branch is null, e.g. a detached HEAD) and none was given`,
      );
    }
    assertRecordable(result, source);
    const recordedAt = (options.now ?? new Date()).toISOString();
    const env: ResultEnv = { ...result.env, branch, commit };
    const id = this.#write(() => {
      const run = this.#db.prepare(
        `INSERT INTO runs (branch, commit_sha, dirty, date, recorded_at, source, origin, env_json, flags_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        branch,
        commit,
        result.env.dirty === null ? null : result.env.dirty ? 1 : 0,
        result.date,
        recordedAt,
        source,
        result.origin ?? null,
        JSON.stringify(env),
        JSON.stringify(result.flags),
      );
      const runId = Number(run.lastInsertRowid);
      const insert = this.#db.prepare(
        `INSERT INTO bench_values (run_id, ord, key, metric, unit, file, grp, name, baseline,
           ops_per_call, axes_json, replicates_json, processes_json, extra_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      result.benches.forEach((b, i) => {
        insert.run(
          runId,
          i,
          b.key,
          b.metric,
          b.unit,
          b.file,
          b.group,
          b.name,
          b.baseline ? 1 : 0,
          b.opsPerCall,
          jsonOrNull(b.axes),
          JSON.stringify(b.replicates),
          jsonOrNull(b.processes),
          jsonOrNull(b.extra),
        );
        options.onRowWritten?.(i);
      });
      return runId;
    }, `record '${source}' into`);
    return this.#summary(id);
  }

  /**
   * Recorded runs, newest first.
   *
   * @throws {RangeError} when `limit` is not a positive integer.
   * @throws {HistoryError} when the database cannot be read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openHistory } from "./history.ts";
   *
   * const dir = await Deno.makeTempDir();
   * using h = openHistory(`${dir}/h.db`);
   * assert.ok(h.listRuns({ branch: "main", limit: 5 }).length === 0);
   * ```
   */
  listRuns(options: ListRunsOptions = {}): RunSummary[] {
    const limit = options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(
        `Cannot list runs of history '${this.path}' as 'limit' must be a positive integer: current value is ${limit}`,
      );
    }
    const where = options.branch === undefined ? "" : "WHERE branch = ?";
    const args: (string | number)[] = options.branch === undefined
      ? []
      : [options.branch];
    if (limit !== undefined) args.push(limit);
    const ids = this.#read(() =>
      this.#db.prepare(
        `SELECT id FROM runs ${where} ORDER BY id DESC ${
          limit === undefined ? "" : "LIMIT ?"
        }`,
      ).all(...args).map((r) => Number(r.id))
    );
    return ids.map((id) => this.#summary(id));
  }

  /**
   * The branches that have runs, sorted.
   *
   * @throws {HistoryError} when the database cannot be read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openHistory } from "./history.ts";
   *
   * const dir = await Deno.makeTempDir();
   * using h = openHistory(`${dir}/h.db`);
   * assert.ok(h.branches().length === 0);
   * ```
   */
  branches(): string[] {
    return this.#read(() =>
      this.#db.prepare("SELECT DISTINCT branch FROM runs ORDER BY branch")
        .all().map((r) => String(r.branch))
    );
  }

  /**
   * One run with its figures.
   *
   * @throws {RangeError} when no run has this id.
   * @throws {HistoryError} when the database cannot be read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openHistory } from "./history.ts";
   *
   * const dir = await Deno.makeTempDir();
   * using h = openHistory(`${dir}/h.db`);
   * try {
   *   h.loadRun(1);
   * } catch (e) {
   *   assert.ok(e instanceof RangeError);
   * }
   * ```
   */
  loadRun(id: number): RecordedRun {
    const summary = this.#summary(id);
    const source = `${this.path} (run ${id})`;
    const raw = this.#read(() => {
      const run = this.#db.prepare(
        "SELECT env_json, flags_json, date, origin FROM runs WHERE id = ?",
      ).get(id)!;
      const rows = this.#db.prepare(
        `SELECT key, metric, unit, file, grp, name, baseline, ops_per_call, axes_json,
           replicates_json, processes_json, extra_json
         FROM bench_values WHERE run_id = ? ORDER BY ord`,
      ).all(id);
      const column = (v: unknown, field: string) =>
        v === null ? undefined : parseColumn(v, source, field);
      const benches = rows.map((r, i) => ({
        key: r.key,
        file: r.file,
        group: r.grp,
        name: r.name,
        baseline: r.baseline === 1 || r.baseline === 1n
          ? true
          : r.baseline === 0 || r.baseline === 0n
          ? false
          : r.baseline,
        metric: r.metric,
        unit: r.unit,
        opsPerCall: typeof r.ops_per_call === "bigint"
          ? Number(r.ops_per_call)
          : r.ops_per_call,
        replicates: parseColumn(
          r.replicates_json,
          source,
          `benches[${i}].replicates`,
        ),
        axes: column(r.axes_json, `benches[${i}].axes`),
        processes: column(r.processes_json, `benches[${i}].processes`),
        extra: column(r.extra_json, `benches[${i}].extra`),
      }));
      return {
        date: run.date,
        env: parseColumn(run.env_json, source, "env"),
        flags: parseColumn(run.flags_json, source, "flags"),
        benches,
        ...(run.origin === null ? {} : { origin: run.origin }),
      };
    });
    // Rows are checked like a result file: a tampered row is one sentence.
    const result = validateResultValue(raw, source);
    for (const b of result.benches) {
      for (const k of ["axes", "processes", "extra"] as const) {
        if (b[k] === undefined) delete b[k];
      }
    }
    return { summary, result };
  }

  /**
   * The last `count` runs of `branch` in recording order (oldest first),
   * with their figures: the window `check` pools into a base.
   *
   * @throws {RangeError} when `count` is not a positive integer.
   * @throws {HistoryError} when the database cannot be read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openHistory } from "./history.ts";
   *
   * const dir = await Deno.makeTempDir();
   * using h = openHistory(`${dir}/h.db`);
   * assert.ok(h.lastRuns("main", 5).length === 0);
   * ```
   */
  lastRuns(
    branch: string,
    count: number,
    options: LastRunsOptions = {},
  ): RecordedRun[] {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(
        `Cannot read runs of history '${this.path}' as 'count' must be a positive integer: current value is ${count}`,
      );
    }
    const exclude = options.excludeCommit;
    const ids = this.#read(() =>
      this.#db.prepare(
        `SELECT id FROM runs WHERE branch = ? ${
          exclude === undefined ? "" : "AND commit_sha <> ?"
        } ORDER BY id DESC LIMIT ?`,
      ).all(...(exclude === undefined ? [branch] : [branch, exclude]), count)
        .map((r) => Number(r.id))
    );
    return ids.reverse().map((id) => this.loadRun(id));
  }

  /**
   * Close the connection; safe to call twice.
   *
   * @example
   * ```ts
   * import { openHistory } from "./history.ts";
   *
   * const dir = await Deno.makeTempDir();
   * const h = openHistory(`${dir}/h.db`);
   * h.close();
   * h.close();
   * ```
   */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Same as {@linkcode History.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #summary(id: number): RunSummary {
    return this.#read(() => {
      const r = this.#db.prepare(
        `SELECT id, branch, commit_sha, dirty, date, recorded_at, source, env_json,
           (SELECT count(*) FROM bench_values WHERE run_id = runs.id) AS benches,
           (SELECT group_concat(metric, ' ') FROM
              (SELECT DISTINCT metric FROM bench_values WHERE run_id = runs.id ORDER BY metric)) AS metrics
         FROM runs WHERE id = ?`,
      ).get(id);
      if (r === undefined) {
        throw new RangeError(
          `Cannot load run ${id} from history '${this.path}' as no run has this id`,
        );
      }
      const env = parseColumn(
        r.env_json,
        `${this.path} (run ${id})`,
        "env",
      ) as Partial<ResultEnv> | null;
      return {
        id: Number(r.id),
        branch: String(r.branch),
        commit: String(r.commit_sha),
        dirty: r.dirty === null ? null : Number(r.dirty) === 1,
        date: String(r.date),
        recordedAt: String(r.recorded_at),
        source: String(r.source),
        benches: Number(r.benches),
        metrics: r.metrics === null ? [] : String(r.metrics).split(" "),
        deno: typeof env?.deno === "string" ? env.deno : "?",
        cpu: typeof env?.cpu === "string" ? env.cpu : "?",
      };
    });
  }

  #read<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (
        e instanceof RangeError || e instanceof TypeError ||
        e instanceof HistoryError
      ) {
        throw e;
      }
      throw classify(e, this.path, this.#busyTimeoutMs, "read");
    }
  }

  /**
   * Run `f` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up
   * front, so a concurrent writer waits on the busy timeout at BEGIN rather
   * than failing later on a lock upgrade. Still busy after the timeout:
   * retry a few times, then report the database as locked.
   */
  #write<T>(f: () => T, what: string): T {
    for (let attempt = 0;; attempt++) {
      try {
        this.#db.exec("BEGIN IMMEDIATE");
      } catch (e) {
        if (isBusy(e) && attempt < BUSY_RETRIES) continue;
        throw classify(e, this.path, this.#busyTimeoutMs, "write", what);
      }
      try {
        const value = f();
        this.#db.exec("COMMIT");
        return value;
      } catch (e) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        if (isBusy(e) && attempt < BUSY_RETRIES) continue;
        if (isSqliteError(e)) {
          throw classify(e, this.path, this.#busyTimeoutMs, "write", what);
        }
        throw e;
      }
    }
  }
}

function prepareSchema(
  db: DatabaseSync,
  path: string,
  { create, busyTimeoutMs }: { create: boolean; busyTimeoutMs: number },
): void {
  // A garbage file fails here with "file is not a database".
  const { version, appId, tables } = withBusyRetry(() => readHeader(db));
  if (appId !== 0 && appId !== HISTORY_APPLICATION_ID) {
    throw notAHistory(path);
  }
  if (version > HISTORY_SCHEMA_VERSION) {
    throw new HistoryError(
      `Cannot open history '${path}' as it was written by a newer pmubench (schema ${version}; this version reads ${HISTORY_SCHEMA_VERSION})`,
      { kind: "newer-schema", path },
    );
  }
  if (version === HISTORY_SCHEMA_VERSION) {
    if (appId !== HISTORY_APPLICATION_ID) throw notAHistory(path);
    if (create) setWal(db, busyTimeoutMs);
    return;
  }
  // user_version 0: a new file, or somebody else's database.
  if (tables > 0) throw notAHistory(path);
  if (!create) {
    throw new HistoryError(
      `Cannot read history '${path}' as it holds no runs yet: record a result first`,
      { kind: "not-a-history", path },
    );
  }
  setWal(db, busyTimeoutMs);
  withBusyRetry(() => {
    db.exec("BEGIN IMMEDIATE");
    try {
      // Another process may have created the schema while we waited.
      const now = Number(db.prepare("PRAGMA user_version").get()!.user_version);
      if (now === 0) {
        if (userTables(db) > 0) throw notAHistory(path);
        db.exec(SCHEMA);
        db.exec(`PRAGMA application_id = ${HISTORY_APPLICATION_ID}`);
        db.exec(`PRAGMA user_version = ${HISTORY_SCHEMA_VERSION}`);
      }
      db.exec("COMMIT");
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  });
}

/**
 * Read the schema version, application id and table count in one read
 * transaction. Read one by one, a process that opens the file while another
 * commits the schema between two reads sees version 0 beside the new tables
 * and takes the file for another application's database.
 */
function readHeader(
  db: DatabaseSync,
): { version: number; appId: number; tables: number } {
  db.exec("BEGIN");
  try {
    const version = Number(
      db.prepare("PRAGMA user_version").get()!.user_version,
    );
    const appId = Number(
      db.prepare("PRAGMA application_id").get()!.application_id,
    );
    const tables = userTables(db);
    db.exec("COMMIT");
    return { version, appId, tables };
  } catch (e) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw e;
  }
}

function setWal(db: DatabaseSync, busyTimeoutMs: number): void {
  // Persistent once set; a no-op on later opens. WAL lets readers run
  // while a record is in progress. Switching the journal mode answers
  // "database is locked" at once, without the busy handler, while another
  // connection opening the new file holds a lock: wait and retry here, for
  // at most the busy timeout.
  const deadline = Date.now() + busyTimeoutMs;
  for (let pauseMs = 1;; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      const mode = db.prepare("PRAGMA journal_mode").get()!.journal_mode;
      if (mode !== "wal") db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    }
  }
}

function userTables(db: DatabaseSync): number {
  return Number(
    db.prepare(
      "SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
    ).get()!.n,
  );
}

function withBusyRetry<T>(f: () => T): T {
  for (let attempt = 0;; attempt++) {
    try {
      return f();
    } catch (e) {
      if (!isBusy(e) || attempt >= BUSY_RETRIES) throw e;
    }
  }
}

/**
 * SQLite reads `""` and `":memory:"` as a database that vanishes on close,
 * and `file:` as a URI: a record there would succeed and keep nothing.
 */
function refuseNonFile(path: string): void {
  const why = path.trim() === ""
    ? "it is empty"
    : path === ":memory:"
    ? "SQLite keeps ':memory:' in memory only"
    : /^file:/i.test(path)
    ? "SQLite reads 'file:' as a URI, not as a file name"
    : null;
  if (why !== null) {
    throw new HistoryError(
      `Cannot open history '${path}' as it names no file (${why}): give a file path such as ${DEFAULT_HISTORY_PATH}`,
      { kind: "cannot-open", path },
    );
  }
}

function notAHistory(path: string): HistoryError {
  return new HistoryError(
    `Cannot open history '${path}' as it is a SQLite database of another application, not a pmubench history`,
    { kind: "not-a-history", path },
  );
}

function assertRecordable(result: ResultFile, source: string): void {
  if (result.benches.length === 0) {
    throw new RangeError(`Cannot record '${source}' as it holds no benches`);
  }
  const failed = result.benches.filter(isFailed);
  if (failed.length > 0) {
    const first = failed[0];
    throw new RangeError(
      `Cannot record '${source}' as ${failed.length} bench${
        failed.length === 1 ? "" : "es"
      } failed, first '${first.key}': ${first.failed.split("\n")[0]}`,
    );
  }
  const empty = result.benches.find((b) => b.replicates.length === 0);
  if (empty !== undefined) {
    throw new RangeError(
      `Cannot record '${source}' as bench '${empty.key}' has no replicates`,
    );
  }
}

/** A JSON column of a row, as a value; a tampered one is a TypeError naming the run and field. */
function parseColumn(v: unknown, source: string, field: string): unknown {
  try {
    if (typeof v !== "string") throw new SyntaxError("not text");
    return JSON.parse(v);
  } catch {
    throw new TypeError(
      `Cannot read result '${source}' as '${field}' must hold JSON: current value is ${
        quoteValue(typeof v === "string" ? v : String(v))
      }`,
    );
  }
}

function jsonOrNull(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

function parentDir(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i <= 0 ? "" : path.slice(0, i);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isSqliteError(e: unknown): boolean {
  return e instanceof Error &&
    (e as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

function isBusy(e: unknown): boolean {
  return isSqliteError(e) &&
    /database is locked|database is busy|database table is locked/.test(
      messageOf(e),
    );
}

function classify(
  e: unknown,
  path: string,
  busyTimeoutMs: number,
  op: "open" | "read" | "write",
  what = op === "write" ? "write" : op,
): HistoryError {
  const msg = messageOf(e);
  const verb = op === "write"
    ? `Cannot ${what} history`
    : `Cannot ${op} history`;
  if (isBusy(e)) {
    return new HistoryError(
      `${verb} '${path}' as another connection holds a lock on it (still busy after ${
        BUSY_RETRIES + 1
      } waits of ${busyTimeoutMs} ms)`,
      { kind: "locked", path },
    );
  }
  if (/file is not a database|malformed/.test(msg)) {
    return new HistoryError(
      `${verb} '${path}' as it is not a SQLite database (${msg})`,
      { kind: "not-a-database", path },
    );
  }
  if (/unable to open|readonly|read-only|permission/i.test(msg)) {
    return new HistoryError(
      `${verb} '${path}' as it cannot be opened for ${
        op === "read" ? "reading" : "writing"
      } (${msg})`,
      { kind: "cannot-open", path },
    );
  }
  return new HistoryError(`${verb} '${path}': ${msg}`, { kind: "io", path });
}

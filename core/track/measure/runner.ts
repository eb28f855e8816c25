/**
 * Run bench suites as separate `deno bench --json` processes and gather
 * one replicate per process.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode runBenches} | R processes of one tree, merged into one {@linkcode ResultFile} |
 * | {@linkcode runTargets} | several trees (e.g. base and head), processes interleaved A B A B |
 * | {@linkcode runBenchProcess} | one process, one replicate |
 * | {@linkcode mergeReplicates} | per-process results into one result |
 * | {@linkcode enrichFromCases} | `opsPerCall` and axes from `bench/X_cases.ts` |
 * | {@linkcode discoverBenchFiles} | the default suite set, `bench/*_bench.ts` |
 * | {@linkcode defaultResultPath} | `.pmubench/results/<date>-<shortsha>.json` |
 * | {@linkcode BenchProcessError} | a bench process crashed or printed no JSON |
 *
 * The library never prints: progress goes to an `onProgress` callback.
 *
 * @module
 */

import type { BenchCase, BenchSuite } from "../suite/bench_case.ts";
import { readEnvironment } from "./environment.ts";
import {
  type BenchResult,
  RESULT_SCHEMA,
  type ResultEnv,
  type ResultFile,
  resultFromDenoBench,
} from "../result/result.ts";

/** Processes (replicates) per tree when none are given. */
export const DEFAULT_REPEAT = 5;
/** How much of a failed process's standard error an error message quotes. */
export const STDERR_TAIL_CHARS = 600;

/** One tree to measure. */
export interface BenchTarget {
  /** Shown in progress and error messages, e.g. `"base"`. */
  label: string;
  /** Directory `deno bench` runs in (its `deno.json` applies). */
  cwd: string;
  /** Bench files relative to `cwd`; default {@linkcode discoverBenchFiles}. */
  files?: string[];
}

/** Reported after every process. */
export interface RunProgress {
  /** 1-based index of the process among all processes of the call. */
  index: number;
  /** Processes in the whole call. */
  total: number;
  /** The target's label. */
  label: string;
  /** Wall-clock seconds the process took. */
  seconds: number;
}

/** Options of {@linkcode runBenches} and {@linkcode runTargets}. */
export interface RunOptions {
  /** Processes per target. @default {DEFAULT_REPEAT} */
  repeat?: number;
  /** Passed to `deno bench --filter`. @default {undefined} (every bench) */
  filter?: string;
  /** Run each case only a few iterations (`PMUBENCH_SMOKE=1`): checks that benches run, measures nothing. @default {false} */
  smoke?: boolean;
  /** The `deno` binary to spawn. @default {Deno.execPath()} */
  denoPath?: string;
  /** Aborting kills the running process and rejects. @default {undefined} */
  signal?: AbortSignal;
  /** Called after every process. @default {undefined} */
  onProgress?: (progress: RunProgress) => void;
  /** Extra entries for the result's `flags`. @default {{}} */
  flags?: Record<string, string | number | boolean | null>;
}

/**
 * A bench process crashed, failed type-checking or printed something other
 * than `deno bench --json` output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BenchProcessError } from "./runner.ts";
 *
 * const e = new BenchProcessError("process 1/5 (run) exited with code 1");
 * assert(e.name === "BenchProcessError");
 * ```
 */
export class BenchProcessError extends Error {
  /**
   * Make the error.
   *
   * @param message which process, what it did, and the tail of its standard error
   */
  constructor(message: string) {
    super(message);
    this.name = "BenchProcessError";
  }
}

/**
 * The default suite set: every `bench/*_bench.ts` under `cwd`, sorted,
 * relative to `cwd`. (Listing them keeps fixtures elsewhere in the tree,
 * e.g. `tests/testdata/`, out of a run.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { discoverBenchFiles } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/bench`);
 * await Deno.writeTextFile(`${dir}/bench/a_bench.ts`, "");
 * await Deno.writeTextFile(`${dir}/bench/a_cases.ts`, "");
 * assert((await discoverBenchFiles(dir)).join() === "bench/a_bench.ts");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function discoverBenchFiles(cwd: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const e of Deno.readDir(`${cwd}/bench`)) {
      if (e.isFile && e.name.endsWith("_bench.ts")) {
        files.push(`bench/${e.name}`);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return files.sort();
}

/**
 * Run one `deno bench --allow-all --json` process and read its output as
 * a one-replicate result (benches that failed carry `failed`).
 *
 * @throws {BenchProcessError} when the process prints no valid
 * `deno bench --json` output (crash, type error, no bench modules); the
 * message names the process and quotes the tail of its standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBenchProcess } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop x2", () => {});');
 * const r = await runBenchProcess({ label: "demo", cwd: dir, files: ["t_bench.ts"] }, { smoke: true });
 * assert(r.benches[0].key === "t_bench.ts::::noop x2" && r.benches[0].opsPerCall === 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runBenchProcess(
  target: BenchTarget,
  options: RunOptions & { processName?: string } = {},
): Promise<ResultFile> {
  const files = target.files ?? await discoverBenchFiles(target.cwd);
  const name = options.processName ?? `bench process (${target.label})`;
  const args = ["bench", "--allow-all", "--json"];
  if (options.filter !== undefined) args.push("--filter", options.filter);
  args.push(...files);
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (options.smoke) env.PMUBENCH_SMOKE = "1";
  const out = await new Deno.Command(options.denoPath ?? Deno.execPath(), {
    args,
    cwd: target.cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: options.signal,
  }).output();
  options.signal?.throwIfAborted();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    report = undefined;
  }
  if (report === undefined) {
    const how = out.signal !== null
      ? `was killed by ${out.signal}`
      : `exited with code ${out.code}`;
    const what = stdout.trim() === ""
      ? "printed no JSON"
      : "printed something other than JSON";
    throw new BenchProcessError(
      `${name} in '${target.cwd}' ${how} and ${what}; its standard error ends: ${
        stderrTail(dec.decode(out.stderr))
      }`,
    );
  }
  try {
    return resultFromDenoBench(report, `standard output of ${name}`);
  } catch (e) {
    throw new BenchProcessError(e instanceof Error ? e.message : String(e));
  }
}

function stderrTail(stderr: string): string {
  // RUST_BACKTRACE adds a useless native backtrace after the real message.
  const text = stderr.split("Stack backtrace:")[0].trim();
  if (text === "") return "(nothing)";
  const tail = text.length > STDERR_TAIL_CHARS
    ? "..." + text.slice(-STDERR_TAIL_CHARS)
    : text;
  return tail.replace(/\s*\n\s*/g, " | ");
}

/**
 * Merge one-replicate results (one per process, in process order) into
 * one result: per bench, replicates and raw figures in process order; a
 * bench that failed in any process keeps the first failure in `failed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeReplicates } from "./runner.ts";
 * import { parseResultText } from "../result/result.ts";
 *
 * const one = (avg: number) => parseResultText(JSON.stringify({
 *   version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c",
 *   benches: [{ origin: "file:///b/a_bench.ts", group: null, name: "f", baseline: false,
 *     results: [{ ok: { n: 1, min: avg, max: avg, avg, p75: avg, p99: avg } }] }],
 * }), "p", { date: "2025-01-01T00:00:00.000Z" });
 * const r = mergeReplicates([one(10), one(12)], { date: "2025-01-01T00:00:00.000Z", env: one(0).env, flags: { repeat: 2 } });
 * assert(r.benches[0].replicates.join() === "10,12");
 * ```
 */
export function mergeReplicates(
  runs: readonly ResultFile[],
  meta: Pick<ResultFile, "date" | "env" | "flags">,
): ResultFile {
  const merged = new Map<string, BenchResult>();
  for (const run of runs) {
    for (const b of run.benches) {
      const id = `${b.key}\u0000${b.metric}`;
      let m = merged.get(id);
      if (m === undefined) {
        m = { ...b, replicates: [], processes: [] };
        delete m.failed;
        merged.set(id, m);
      }
      m.replicates.push(...b.replicates);
      m.processes!.push(...(b.processes ?? []));
      if (b.failed !== undefined && m.failed === undefined) m.failed = b.failed;
    }
  }
  return {
    schema: RESULT_SCHEMA,
    date: meta.date,
    env: meta.env,
    flags: meta.flags,
    benches: [...merged.values()],
  };
}

/**
 * Take `opsPerCall` and `axes` from the cases module beside each bench
 * file (`X_bench.ts` <-> `X_cases.ts` exporting `suite: BenchSuite`),
 * matching cases by group and name, and recompute the per-op replicates
 * from the raw figures. Benches without a cases module keep the batch
 * their name declares (` x<ops>`). Returns a new result.
 *
 * @throws {TypeError} when a cases module exists but exports no suite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { enrichFromCases } from "./runner.ts";
 * import { parseResultText } from "../result/result.ts";
 *
 * const r = parseResultText(JSON.stringify({ version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c", benches: [] }), "p");
 * const same = await enrichFromCases(r, Deno.cwd(), []);
 * assert(same.benches.length === 0);
 * ```
 */
export async function enrichFromCases(
  result: ResultFile,
  cwd: string,
  files: readonly string[],
): Promise<ResultFile> {
  const byFile = new Map<string, Map<string, BenchCase>>();
  for (const f of files) {
    if (!f.endsWith("_bench.ts")) continue;
    const casesPath = absolute(cwd, f.replace(/_bench\.ts$/, "_cases.ts"));
    try {
      await Deno.stat(casesPath);
    } catch {
      continue;
    }
    const mod = await import(pathToFileUrl(casesPath));
    const suite = findSuite(mod);
    if (suite === undefined) {
      throw new TypeError(
        `Cannot read cases module '${casesPath}' as it exports no BenchSuite (expected 'export const suite: BenchSuite')`,
      );
    }
    const cases = new Map<string, BenchCase>();
    for (const c of suite.cases) cases.set(`${c.group}\u0000${c.name}`, c);
    byFile.set(f.split("/").pop()!, cases);
  }
  const benches = result.benches.map((b): BenchResult => {
    const c = byFile.get(b.file)?.get(`${b.group}\u0000${b.name}`);
    if (c === undefined) return b;
    const out: BenchResult = {
      ...b,
      opsPerCall: c.opsPerCall,
      axes: { ...c.axes },
    };
    if (b.processes !== undefined && b.metric === "time") {
      out.replicates = b.processes.map((p) => p.avg / c.opsPerCall);
    }
    return out;
  });
  return { ...result, benches };
}

function findSuite(mod: Record<string, unknown>): BenchSuite | undefined {
  const isSuite = (v: unknown): v is BenchSuite =>
    typeof v === "object" && v !== null &&
    Array.isArray((v as BenchSuite).cases) &&
    typeof (v as BenchSuite).file === "string";
  if (isSuite(mod.suite)) return mod.suite;
  return Object.values(mod).find(isSuite);
}

function absolute(cwd: string, path: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

function pathToFileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`)
    .href;
}

/**
 * Measure several trees in one call, interleaving their processes
 * (`A B A B ...`, `repeat` rounds) so that drift of the machine hits every
 * tree alike. Returns one merged, enriched result per target, in target
 * order, each with its own git state.
 *
 * @throws {RangeError} when `repeat` is not a positive integer or a target
 * has no bench files.
 * @throws {BenchProcessError} as {@linkcode runBenchProcess}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTargets } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop", () => {});');
 * const t = { cwd: dir, files: ["t_bench.ts"] };
 * const seen: string[] = [];
 * const [a, b] = await runTargets([{ label: "a", ...t }, { label: "b", ...t }], {
 *   repeat: 1, smoke: true, onProgress: (p) => seen.push(p.label),
 * });
 * assert(seen.join() === "a,b" && a.benches.length === 1 && b.benches.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runTargets(
  targets: readonly BenchTarget[],
  options: RunOptions = {},
): Promise<ResultFile[]> {
  const repeat = options.repeat ?? DEFAULT_REPEAT;
  if (!Number.isInteger(repeat) || repeat < 1) {
    throw new RangeError(
      `Cannot run benches as 'repeat' must be a positive integer: current value is ${repeat}`,
    );
  }
  const date = new Date().toISOString();
  const resolved: Required<BenchTarget>[] = [];
  for (const t of targets) {
    const files = t.files ?? await discoverBenchFiles(t.cwd);
    if (files.length === 0) {
      const of = t.label === "" ? "" : ` of '${t.label}'`;
      throw new RangeError(
        `Cannot run benches${of} as '${t.cwd}' has no bench/*_bench.ts files`,
      );
    }
    resolved.push({ ...t, files });
  }
  const envs: ResultEnv[] = [];
  for (const t of resolved) envs.push(await readEnvironment(t.cwd));
  const runs: ResultFile[][] = resolved.map(() => []);
  const total = repeat * resolved.length;
  let index = 0;
  for (let round = 0; round < repeat; round++) {
    for (let i = 0; i < resolved.length; i++) {
      const t = resolved[i];
      index++;
      const started = performance.now();
      const processName = `process ${index}/${total}${
        t.label === "" ? "" : ` (${t.label})`
      }`;
      runs[i].push(await runBenchProcess(t, { ...options, processName }));
      options.onProgress?.({
        index,
        total,
        label: t.label,
        seconds: (performance.now() - started) / 1000,
      });
    }
  }
  const out: ResultFile[] = [];
  for (let i = 0; i < resolved.length; i++) {
    const t = resolved[i];
    const env = envs[i];
    if (env.cpu === "") env.cpu = runs[i][0]?.env.cpu ?? "";
    const flags: ResultFile["flags"] = {
      repeat,
      filter: options.filter ?? null,
      smoke: options.smoke ?? false,
      metric: "time",
      files: t.files.join(","),
      ...options.flags,
    };
    const merged = mergeReplicates(runs[i], { date, env, flags });
    out.push(await enrichFromCases(merged, t.cwd, t.files));
  }
  return out;
}

/**
 * Run the suites of `cwd` as `repeat` fresh `deno bench --json` processes,
 * one replicate each.
 *
 * @throws {RangeError} / {BenchProcessError} as {@linkcode runTargets}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBenches } from "./runner.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("noop", () => {});');
 * const r = await runBenches(dir, { files: ["t_bench.ts"], repeat: 2, smoke: true });
 * assert(r.benches[0].replicates.length === 2 && r.flags.repeat === 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runBenches(
  cwd: string,
  options: RunOptions & { files?: string[]; label?: string } = {},
): Promise<ResultFile> {
  const [r] = await runTargets(
    [{ label: options.label ?? "run", cwd, files: options.files }],
    options,
  );
  return r;
}

/**
 * Where `run` writes a result by default:
 * `.pmubench/results/<date>-<shortsha>[-dirty].json` (relative to the
 * working directory), with `nogit` outside a repository.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultResultPath } from "./runner.ts";
 *
 * const p = defaultResultPath({ date: "2025-03-04T05:06:07.890Z", env: { commit: "0123456789abcdef", dirty: true } });
 * assert(p === ".pmubench/results/2025-03-04T05-06-07Z-0123456-dirty.json");
 * ```
 */
export function defaultResultPath(
  r: { date: string; env: Pick<ResultEnv, "commit" | "dirty"> },
): string {
  const stamp = r.date.replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
  const sha = r.env.commit === null ? "nogit" : r.env.commit.slice(0, 7);
  return `.pmubench/results/${stamp}-${sha}${r.env.dirty ? "-dirty" : ""}.json`;
}

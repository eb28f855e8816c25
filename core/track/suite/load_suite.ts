/**
 * The one suite loader: which bench files a project has, which cases they
 * define, and how to find one case again. The runner, the harness child and
 * the CLI all load suites through this module.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode discoverBenchFiles} | bench files as `deno bench` finds them (`*_bench.ts`, `*.bench.ts`, `bench.ts`; `deno.json` `bench.include`/`exclude`) |
 * | {@linkcode loadCases}, {@linkcode CaseRef} | every case of some bench files, filtered like `deno bench --filter` |
 * | {@linkcode loadModuleCases} | the cases of one module (what the harness child calls) |
 * | {@linkcode findSuite}, {@linkcode isSuite} | the {@linkcode BenchSuite} a cases module exports |
 * | {@linkcode collectBenchRegistrations}, {@linkcode BenchRegistration} | the `Deno.bench` calls a plain bench file makes, as cases |
 * | {@linkcode findCase} | one case by group and name |
 * | {@linkcode matchesFilter} | the `deno bench --filter` rule (substring, or `/regexp/`) |
 * | {@linkcode exactCasePattern} | the `PMUBENCH_CASES` value that builds one case only |
 * | {@linkcode SuiteLoadError} | a bench or cases module failed to load (syntax error, throw at top level) |
 *
 * Two kinds of bench file are understood. A file `X_bench.ts` with a
 * `X_cases.ts` companion exporting a {@linkcode BenchSuite} gives its cases
 * (with `opsPerCall` and axes) from the suite; any other bench file is
 * imported with `Deno.bench` replaced by a collector, and each registration
 * becomes a case whose `opsPerCall` is 1 (or the explicit option) and
 * whose body calls the registered function with a bench context (so
 * `b.start()` / `b.end()` work). `ignore`d registrations are dropped, and
 * when any registration says `only`, only those are kept, as `deno bench`
 * does.
 *
 * @module
 */

import type { BenchCase, BenchSuite } from "./bench_case.ts";

/**
 * A bench or cases module could not be imported: its message names the
 * module and quotes the first line of the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SuiteLoadError } from "./load_suite.ts";
 *
 * const e = new SuiteLoadError("file:///w/a_bench.ts", new SyntaxError("Unexpected token"));
 * assert.equal(e.message, "Cannot load bench module 'file:///w/a_bench.ts': SyntaxError: Unexpected token");
 * ```
 */
export class SuiteLoadError extends Error {
  /**
   * Make the error.
   *
   * @param module the module's URL
   * @param cause what importing it threw
   */
  constructor(module: string, cause: unknown) {
    const why = cause instanceof Error
      ? `${cause.name}: ${cause.message}`
      : String(cause);
    super(`Cannot load bench module '${module}': ${why.split("\n")[0]}`, {
      cause,
    });
    this.name = "SuiteLoadError";
  }
}

async function importModule(module: string): Promise<Record<string, unknown>> {
  try {
    return await import(module);
  } catch (e) {
    throw new SuiteLoadError(module, e);
  }
}

/** One case and where it is defined. */
export interface CaseRef {
  /** The bench file's base name, e.g. `"bitmap_bench.ts"` (the result's `file`). */
  file: string;
  /** File URL of the module that defines it: the cases module, or the bench file itself. */
  module: string;
  /** `"cases"`: `module` exports a {@linkcode BenchSuite}; `"bench"`: `module` registers `Deno.bench` calls. */
  kind: "cases" | "bench";
  /** The case (its body is not called by the parent). */
  case: BenchCase;
}

/** Options of {@linkcode loadCases}. */
export interface LoadCasesOptions {
  /** Only cases whose name passes this `deno bench --filter` pattern. @default {undefined} */
  filter?: string;
  /** Operations per call of cases from plain bench files (which declare none). @default {1} */
  opsPerCall?: number;
}

/**
 * Whether a value is shaped like a {@linkcode BenchSuite}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSuite } from "./load_suite.ts";
 *
 * assert(isSuite({ file: "a_bench.ts", cases: [] }));
 * assert(!isSuite({ cases: 3 }));
 * ```
 */
export function isSuite(v: unknown): v is BenchSuite {
  return typeof v === "object" && v !== null &&
    Array.isArray((v as BenchSuite).cases) &&
    typeof (v as BenchSuite).file === "string";
}

/**
 * The suite a cases module exports: its `suite` export, else the first
 * export shaped like one.
 *
 * @throws {TypeError} when the module exports no suite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findSuite } from "./load_suite.ts";
 *
 * assert.equal(findSuite({ other: { file: "a_bench.ts", cases: [] } }, "a_cases.ts").file, "a_bench.ts");
 * assert.throws(() => findSuite({}, "a_cases.ts"), TypeError);
 * ```
 */
export function findSuite(
  mod: Record<string, unknown>,
  source: string,
): BenchSuite {
  if (isSuite(mod.suite)) return mod.suite;
  const found = Object.values(mod).find(isSuite);
  if (found === undefined) {
    throw new TypeError(
      `Cannot read cases module '${source}' as it exports no BenchSuite (expected 'export const suite: BenchSuite')`,
    );
  }
  return found;
}

/**
 * Whether a case name passes a `deno bench --filter` pattern: a pattern
 * written `/.../` is a regular expression, anything else a substring.
 *
 * @throws {SyntaxError} when a `/.../` pattern is not a valid regular expression.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchesFilter } from "./load_suite.ts";
 *
 * assert(matchesFilter("u64 x8", "u64"));
 * assert(matchesFilter("u64 x8", "/^u6\\d/"));
 * assert(!matchesFilter("bool x8", "u64"));
 * assert(matchesFilter("anything", undefined));
 * ```
 */
export function matchesFilter(
  name: string,
  filter: string | undefined,
): boolean {
  if (filter === undefined || filter === "") return true;
  if (filter.length >= 2 && filter.startsWith("/") && filter.endsWith("/")) {
    let re: RegExp;
    try {
      re = new RegExp(filter.slice(1, -1));
    } catch (e) {
      throw new SyntaxError(
        `Cannot filter benches as '${filter}' is not a valid regular expression: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
    return re.test(name);
  }
  return name.includes(filter);
}

/**
 * The `PMUBENCH_CASES` value that makes the suites build exactly one case:
 * `^<group>/<name>$` with every special character escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactCasePattern } from "./load_suite.ts";
 *
 * const re = new RegExp(exactCasePattern("weight bits=6 in=both", "u64 x1024"));
 * assert(re.test("weight bits=6 in=both/u64 x1024"));
 * assert(!re.test("weight bits=6 in=both/u64 x10240"));
 * ```
 */
export function exactCasePattern(group: string, name: string): string {
  return `^${`${group}/${name}`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`;
}

/** One `Deno.bench` call, normalized. */
export interface BenchRegistration {
  /** The bench's name. */
  name: string;
  /** Its group, `""` if none. */
  group: string;
  /** Whether it is its group's baseline. */
  baseline: boolean;
  /** `only: true`. */
  only: boolean;
  /** `ignore: true`. */
  ignore: boolean;
  /** The registered function. */
  fn: (b: BenchTiming) => unknown;
}

/**
 * The context a plain bench function receives, as `Deno.BenchContext`:
 * `start()` and `end()` bracket the part to time. The engine reads
 * {@linkcode BenchTiming.explicitNs} after each call when the function used
 * them.
 */
export interface BenchTiming {
  /** The bench's name. */
  readonly name: string;
  /** Start the timed part. */
  start(): void;
  /** End the timed part. */
  end(): void;
  /** Nanoseconds between `start()` and `end()` summed since the last reset, `-1` when never called. */
  explicitNs: number;
}

type AnyFn = (b: BenchTiming) => unknown;

function normalizeRegistration(args: unknown[]): BenchRegistration {
  let name = "";
  let fn: AnyFn | undefined;
  let opts: Record<string, unknown> = {};
  const [a, b, c] = args;
  if (typeof a === "string") {
    name = a;
    if (typeof b === "function") fn = b as AnyFn;
    else {
      opts = (b ?? {}) as Record<string, unknown>;
      fn = c as AnyFn;
    }
  } else if (typeof a === "function") {
    fn = a as AnyFn;
    name = fn.name;
  } else {
    opts = (a ?? {}) as Record<string, unknown>;
    fn = (typeof b === "function" ? b : opts.fn) as AnyFn | undefined;
    name = typeof opts.name === "string" ? opts.name : fn?.name ?? "";
  }
  if (typeof fn !== "function" || name === "") {
    throw new TypeError(
      `Cannot collect a Deno.bench registration as it needs a name and a function: current value is the name ${
        JSON.stringify(name)
      } with a ${typeof fn}`,
    );
  }
  return {
    name,
    group: typeof opts.group === "string" ? opts.group : "",
    baseline: opts.baseline === true,
    only: opts.only === true,
    ignore: opts.ignore === true,
    fn,
  };
}

/**
 * Run `load` (which imports a bench file) with `Deno.bench` replaced by a
 * collector, and return the registrations it made, minus `ignore`d ones;
 * when any is `only`, only those. `Deno.bench` is restored afterwards.
 *
 * @throws {TypeError} when a registration has no name or no function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectBenchRegistrations } from "./load_suite.ts";
 *
 * const regs = await collectBenchRegistrations(() => {
 *   Deno.bench("plain", () => {});
 *   Deno.bench({ name: "skipped", ignore: true, fn: () => {} });
 *   Deno.bench("grouped", { group: "g", baseline: true }, () => {});
 * });
 * assert.deepEqual(regs.map((r) => `${r.group}/${r.name}`), ["/plain", "g/grouped"]);
 * ```
 */
export async function collectBenchRegistrations(
  load: () => unknown,
): Promise<BenchRegistration[]> {
  const regs: BenchRegistration[] = [];
  const ns = Deno as unknown as { bench: unknown };
  const original = ns.bench;
  ns.bench = (...args: unknown[]) => {
    regs.push(normalizeRegistration(args));
  };
  try {
    await load();
  } finally {
    ns.bench = original;
  }
  const kept = regs.filter((r) => !r.ignore);
  return kept.some((r) => r.only) ? kept.filter((r) => r.only) : kept;
}

/**
 * A bench context whose `start()`/`end()` accumulate into `explicitNs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchTiming } from "./load_suite.ts";
 *
 * const t = benchTiming("f");
 * assert.equal(t.explicitNs, -1);
 * t.start();
 * t.end();
 * assert(t.explicitNs >= 0);
 * ```
 */
export function benchTiming(name: string): BenchTiming {
  let startedAt = 0;
  const t: BenchTiming = {
    name,
    explicitNs: -1,
    start() {
      startedAt = performance.now();
    },
    end() {
      const now = performance.now();
      t.explicitNs = (t.explicitNs < 0 ? 0 : t.explicitNs) +
        (now - startedAt) * 1e6;
    },
  };
  return t;
}

/** Options of {@linkcode registrationCase}. */
export interface RegistrationCaseOptions {
  /** The `b` every call of the registration's `fn` receives (see {@linkcode benchTiming}). */
  timing: BenchTiming;
  /** Operations per call: a plain bench file declares none, so the caller says. */
  opsPerCall: number;
}

/**
 * A registration as a case: the body calls `fn` with `timing` (shared, so
 * the engine can read the explicitly timed part) and sinks what it returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchTiming, registrationCase } from "./load_suite.ts";
 *
 * let calls = 0;
 * const c = registrationCase({ name: "f", group: "", baseline: false, only: false, ignore: false, fn: () => { calls++; } }, { timing: benchTiming("f"), opsPerCall: 1 });
 * c.body();
 * assert.equal(calls, 1);
 * assert.equal(c.opsPerCall, 1);
 * ```
 */
export function registrationCase(
  r: BenchRegistration,
  options: RegistrationCaseOptions,
): BenchCase {
  const { timing, opsPerCall } = options;
  const fn = r.fn;
  const body = () => {
    fn(timing);
  };
  explicitTimings.set(body, () => {
    const ns = timing.explicitNs;
    timing.explicitNs = -1;
    return ns;
  });
  return {
    group: r.group,
    name: r.name,
    baseline: r.baseline,
    opsPerCall,
    axes: {},
    body,
  };
}

const explicitTimings = new WeakMap<() => void, () => number>();

/**
 * For a body made by {@linkcode registrationCase}: a function returning
 * (and resetting) the nanoseconds its `b.start()`/`b.end()` timed since the
 * last read, `-1` when the function never called them. `undefined` for
 * other bodies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchTiming, explicitTimingOf, registrationCase } from "./load_suite.ts";
 *
 * const c = registrationCase({ name: "f", group: "", baseline: false, only: false, ignore: false,
 *   fn: (b) => { b.start(); b.end(); } }, { timing: benchTiming("f"), opsPerCall: 1 });
 * c.body();
 * assert(explicitTimingOf(c.body)!() >= 0);
 * assert.equal(explicitTimingOf(c.body)!(), -1);
 * assert.equal(explicitTimingOf(() => {}), undefined);
 * ```
 */
export function explicitTimingOf(
  body: () => void,
): (() => number) | undefined {
  return explicitTimings.get(body);
}

// A file URL as the path a reader knows; other URLs as they are.
function displayPath(module: string): string {
  return module.startsWith("file://")
    ? decodeURIComponent(new URL(module).pathname)
    : module;
}

function fileUrl(path: string): string {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`)
    .href;
}

function absolute(cwd: string, path: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

const registrationsByModule = new Map<string, Promise<BenchRegistration[]>>();

/**
 * The cases of one module: a cases module's suite (`kind` `"cases"`), or
 * the registrations of a plain bench file (`kind` `"bench"`). A bench
 * file's registrations are collected once per process (a module runs
 * once), so later calls return the same functions.
 *
 * @throws {TypeError} as {@linkcode findSuite} and {@linkcode collectBenchRegistrations}.
 * @throws {SuiteLoadError} when the module cannot be imported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModuleCases } from "./load_suite.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p_bench.ts`, 'Deno.bench("noop x2", () => {});');
 * const cases = await loadModuleCases(`file://${dir}/p_bench.ts`, "bench");
 * assert.equal(cases[0].name, "noop x2");
 * assert.equal(cases[0].opsPerCall, 1); // never guessed from the name
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadModuleCases(
  module: string,
  kind: "cases" | "bench",
  options: { opsPerCall?: number } = {},
): Promise<BenchCase[]> {
  if (kind === "cases") {
    return [
      ...findSuite(await importModule(module), displayPath(module)).cases,
    ];
  }
  let regs = registrationsByModule.get(module);
  if (regs === undefined) {
    regs = collectBenchRegistrations(() => importModule(module));
    registrationsByModule.set(module, regs);
  }
  const opsPerCall = options.opsPerCall ?? 1;
  return (await regs).map((r) =>
    registrationCase(r, { timing: benchTiming(r.name), opsPerCall })
  );
}

/**
 * Every case of the bench files `files` (relative to `cwd`): from the
 * `X_cases.ts` companion of an `X_bench.ts` when there is one, else from
 * the file's own `Deno.bench` registrations. Cases keep file order, then
 * registration order.
 *
 * @throws {TypeError} when a cases module exports no suite.
 * @throws {SyntaxError} as {@linkcode matchesFilter}.
 * @throws {SuiteLoadError} when a module cannot be imported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCases } from "./load_suite.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a_bench.ts`, "");
 * await Deno.writeTextFile(`${dir}/a_cases.ts`,
 *   'export const suite = { file: "a_bench.ts", cases: [{ group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} }] };');
 * const cases = await loadCases(dir, ["a_bench.ts"]);
 * assert.equal(cases[0].case.name, "f");
 * assert.equal(cases[0].kind, "cases");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadCases(
  cwd: string,
  files: readonly string[],
  options: LoadCasesOptions = {},
): Promise<CaseRef[]> {
  const out: CaseRef[] = [];
  for (const f of files) {
    const file = f.split("/").pop()!;
    let module = fileUrl(absolute(cwd, f));
    let kind: CaseRef["kind"] = "bench";
    if (f.endsWith("_bench.ts")) {
      const companion = absolute(cwd, f.replace(/_bench\.ts$/, "_cases.ts"));
      if (await exists(companion)) {
        module = fileUrl(companion);
        kind = "cases";
      }
    }
    const cases = await loadModuleCases(module, kind, options);
    for (const c of cases) {
      if (matchesFilter(c.name, options.filter)) {
        out.push({ file, module, kind, case: c });
      }
    }
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** What {@linkcode findCase} looks for, and where. */
export interface FindCaseQuery {
  /** The case's group. */
  group: string;
  /** The case's name. */
  name: string;
  /** Where `cases` came from, for the error message (a module path or URL). */
  source: string;
}

/**
 * One case among `cases` by group and name.
 *
 * @throws {RangeError} when there is no such case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findCase } from "./load_suite.ts";
 *
 * const cases = [{ group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} }];
 * assert.equal(findCase(cases, { group: "g", name: "f", source: "a_cases.ts" }).name, "f");
 * assert.throws(() => findCase(cases, { group: "g", name: "h", source: "a_cases.ts" }), RangeError);
 * ```
 */
export function findCase(
  cases: readonly BenchCase[],
  wanted: FindCaseQuery,
): BenchCase {
  const { group, name, source } = wanted;
  const c = cases.find((x) => x.group === group && x.name === name);
  if (c === undefined) {
    throw new RangeError(
      `Cannot find case '${group}/${name}' in '${source}': it has ${cases.length} other case(s)`,
    );
  }
  return c;
}

const BENCH_FILE =
  /(^|\/)(bench\.(ts|tsx|js|mjs|jsx|mts)|[^/]*[._]bench\.(ts|tsx|js|mjs|jsx|mts))$/;
const SKIP_DIRS = new Set(["node_modules", ".git"]);

/**
 * The bench files of a project as `deno bench` finds them: `bench.ts`,
 * `*_bench.ts` and `*.bench.ts` (and the same with `.js`, `.mjs`, `.tsx`,
 * `.jsx`, `.mts`), under the `bench.include` paths of `cwd/deno.json` (or
 * `deno.jsonc`; default: all of `cwd`), minus its `bench.exclude` and
 * top-level `exclude` paths, hidden directories and `node_modules`. Sorted,
 * relative to `cwd`.
 *
 * @throws {SyntaxError} when `deno.json` is not JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { discoverBenchFiles } from "./load_suite.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/bench`);
 * await Deno.writeTextFile(`${dir}/bench/a_bench.ts`, "");
 * await Deno.writeTextFile(`${dir}/bench/a_cases.ts`, "");
 * await Deno.writeTextFile(`${dir}/b.bench.ts`, "");
 * assert.deepEqual(await discoverBenchFiles(dir), ["b.bench.ts", "bench/a_bench.ts"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function discoverBenchFiles(cwd: string): Promise<string[]> {
  const config = await readBenchConfig(cwd);
  const norm = (p: string) => p.replace(/^\.\//, "").replace(/\/$/, "");
  const include = config.include.map(norm);
  const exclude = config.exclude.map(norm);
  const under = (rel: string, p: string) =>
    p === "" || p === "." || rel === p || rel.startsWith(`${p}/`);
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(absolute(cwd, rel || ".")));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (exclude.some((p) => under(path, p))) continue;
      if (e.isDirectory) {
        if (!e.name.startsWith(".") && !SKIP_DIRS.has(e.name)) await walk(path);
      } else if (e.isFile && BENCH_FILE.test(path)) {
        if (include.length === 0 || include.some((p) => under(path, p))) {
          files.push(path);
        }
      }
    }
  };
  await walk("");
  return files.sort();
}

/**
 * Bench paths as `deno bench` takes them: a file stays as given; a
 * directory becomes the bench files {@linkcode discoverBenchFiles} finds
 * under it (relative to `cwd`, sorted).
 *
 * @throws {RangeError} when a directory holds no bench file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandBenchPaths } from "./load_suite.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/bench`);
 * await Deno.writeTextFile(`${dir}/bench/a_bench.ts`, "");
 * await Deno.writeTextFile(`${dir}/bench/a_cases.ts`, "");
 * assert.deepEqual(await expandBenchPaths(dir, ["bench/", "x_bench.ts"]), ["bench/a_bench.ts", "x_bench.ts"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function expandBenchPaths(
  cwd: string,
  paths: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  let all: string[] | undefined;
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = (await Deno.stat(absolute(cwd, path))).isDirectory;
    } catch {
      // Not there: left for the loader to report.
    }
    if (!isDirectory) {
      out.push(path);
      continue;
    }
    all ??= await discoverBenchFiles(cwd);
    const dir = path.replace(/^\.\//, "").replace(/\/+$/, "");
    const under = all.filter((f) =>
      dir === "" || dir === "." || f.startsWith(`${dir}/`)
    );
    if (under.length === 0) {
      throw new RangeError(
        `Cannot run the benches of '${path}' as it holds no bench file (*_bench.ts, *.bench.ts, bench.ts): current value is an empty directory`,
      );
    }
    out.push(...under);
  }
  return out;
}

async function readBenchConfig(
  cwd: string,
): Promise<{ include: string[]; exclude: string[] }> {
  for (const name of ["deno.json", "deno.jsonc"]) {
    let text: string;
    try {
      text = await Deno.readTextFile(absolute(cwd, name));
    } catch {
      continue;
    }
    let data: Record<string, unknown>;
    try {
      // deno.jsonc may carry comments; strip whole-line ones.
      data = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
    } catch (e) {
      throw new SyntaxError(
        `Cannot read '${absolute(cwd, name)}' as it is not JSON: ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    }
    const bench = (data.bench ?? {}) as Record<string, unknown>;
    const strings = (v: unknown) =>
      Array.isArray(v)
        ? v.filter((x): x is string => typeof x === "string")
        : [];
    return {
      include: strings(bench.include),
      exclude: [...strings(bench.exclude), ...strings(data.exclude)],
    };
  }
  return { include: [], exclude: [] };
}

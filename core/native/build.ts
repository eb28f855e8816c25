/**
 * Building the native reference: compile `pmubench_native.c` with the
 * system C compiler into a shared library, cached by a hash of the source,
 * the compiler and its flags, so only the first run after a change pays
 * for the compiler.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode buildNative} | the library's path, building it when the cache lacks it, or why it cannot be built |
 * | {@linkcode NativeBuild} | its result: `{ ok: true, path, cached }` or `{ ok: false, reason }` |
 * | {@linkcode NATIVE_CFLAGS} | the compiler flags (`-O2 -shared -fPIC -fno-semantic-interposition`) |
 * | {@linkcode NATIVE_SOURCE} | where the C source lives |
 * | {@linkcode defaultNativeCacheDir} | `.pmubench/native/` of this checkout |
 *
 * Failing to build is a value, never an exception or a message on the
 * console: the benches run without their native cases and say why in one
 * line.
 *
 * @module
 */

import { runTool, type ToolRun } from "../common/run_tool.ts";

/**
 * Flags every build uses: optimise as a kernel build would, and make a
 * loadable library. `-fno-semantic-interposition` lets the compiler inline
 * one exported function into another (as the kernel's `static inline` and
 * LTO do); without it every call between exported functions of a `-fPIC`
 * library goes through the PLT (the native early return cost 26.5
 * instructions per transition instead of 17.5).
 */
export const NATIVE_CFLAGS: readonly string[] = Object.freeze([
  "-O2",
  "-shared",
  "-fPIC",
  "-fno-semantic-interposition",
]);

/** The C source of the native reference, beside this module. */
export const NATIVE_SOURCE: URL = new URL(
  "./pmubench_native.c",
  import.meta.url,
);

/**
 * The cache directory of this checkout: `.pmubench/native/` at the
 * project root (two levels above this module), `undefined` when the module
 * was not loaded from a file (then nothing can be built next to it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultNativeCacheDir } from "./build.ts";
 *
 * assert.match(defaultNativeCacheDir() ?? "", /\.pmubench[\\/]native$/);
 * ```
 */
export function defaultNativeCacheDir(): string | undefined {
  const url = new URL("../../.pmubench/native", import.meta.url);
  return url.protocol === "file:"
    ? decodeURIComponent(url.pathname)
    : undefined;
}

/** What {@linkcode buildNative} did. */
export type NativeBuild =
  | {
    /** The library exists. */
    readonly ok: true;
    /** Its path. */
    readonly path: string;
    /** Whether it came from the cache (no compiler ran). */
    readonly cached: boolean;
  }
  | {
    /** No library. */
    readonly ok: false;
    /** One sentence: why (no compiler, the compiler failed, no permission, ...). */
    readonly reason: string;
  };

/** Options of {@linkcode buildNative}. */
export interface NativeBuildOptions {
  /**
   * The C compiler command.
   * @default {the CC environment variable, else "cc"}
   */
  compiler?: string;
  /**
   * Where built libraries are cached.
   * @default {defaultNativeCacheDir()}
   */
  cacheDir?: string;
  /**
   * The C source to build (tests pass a broken one).
   * @default {NATIVE_SOURCE}
   */
  source?: URL;
}

/** File name suffix of a shared library on this OS. */
function librarySuffix(): string {
  switch (Deno.build.os) {
    case "darwin":
      return "dylib";
    case "windows":
      return "dll";
    default:
      return "so";
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function readCompilerEnv(): string | undefined {
  try {
    const cc = Deno.env.get("CC");
    return cc === undefined || cc.trim() === "" ? undefined : cc.trim();
  } catch {
    return undefined; // no --allow-env: the default compiler
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * The native reference library: its cached path when one was built from
 * the same source, compiler and flags, else a fresh build
 * (`<compiler> -O2 -shared -fPIC -fno-semantic-interposition -o <lib> pmubench_native.c`, written to a
 * temporary name and renamed, so concurrent builds never see half a
 * library). Never throws and never prints: every failure comes back as
 * `{ ok: false, reason }`.
 *
 * Needs read and write access to the cache directory, read access to the
 * source and permission to run the compiler.
 *
 * @example Build (or find) the library
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNative } from "./build.ts";
 *
 * const built = await buildNative();
 * if (built.ok) assert.match(built.path, /pmubench_native-[0-9a-f]{16}\./);
 * else assert.equal(typeof built.reason, "string");
 * ```
 *
 * @example Without a compiler: a reason, no exception
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNative } from "./build.ts";
 *
 * const built = await buildNative({ compiler: "no-such-cc-pmubench" });
 * assert.equal(built.ok, false);
 * ```
 */
export async function buildNative(
  options: NativeBuildOptions = {},
): Promise<NativeBuild> {
  const compiler = options.compiler ?? readCompilerEnv() ?? "cc";
  const source = options.source ?? NATIVE_SOURCE;
  const cacheDir = options.cacheDir ?? defaultNativeCacheDir();
  if (source.protocol !== "file:") {
    return {
      ok: false,
      reason:
        `the C source is not a local file (${source.href}), so there is nothing to compile`,
    };
  }
  if (cacheDir === undefined) {
    return {
      ok: false,
      reason:
        "pmubench was not loaded from a local checkout, so there is no .pmubench/native/ to build into",
    };
  }
  let text: string;
  try {
    text = await Deno.readTextFile(source);
  } catch (e) {
    return {
      ok: false,
      reason: `cannot read the C source ${source.pathname}: ${
        describeError(e)
      }`,
    };
  }
  const hash = await sha256Hex(
    [compiler, ...NATIVE_CFLAGS, Deno.build.target, text].join("\0"),
  );
  const path = `${cacheDir}/pmubench_native-${
    hash.slice(0, 16)
  }.${librarySuffix()}`;
  try {
    if (await exists(path)) return { ok: true, path, cached: true };
    await Deno.mkdir(cacheDir, { recursive: true });
  } catch (e) {
    return {
      ok: false,
      reason: `cannot use the cache directory ${cacheDir}: ${describeError(e)}`,
    };
  }
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const args = [
    ...NATIVE_CFLAGS,
    "-o",
    tmp,
    decodeURIComponent(source.pathname),
  ];
  let out: ToolRun;
  try {
    out = await runTool(compiler, { args });
  } catch (e) {
    return {
      ok: false,
      reason: `cannot run the C compiler '${compiler}': ${describeError(e)}`,
    };
  }
  if (!out.started) {
    return {
      ok: false,
      reason: out.missing
        ? `no C compiler: '${compiler}' is ${out.reason} (set CC to use another)`
        : `cannot run the C compiler '${compiler}': ${
          describeError(out.error)
        }`,
    };
  }
  if (!out.success) {
    await Deno.remove(tmp).catch(() => {});
    // The first "error" line says why; "In function ..." context does not.
    const lines = out.stderr.split("\n")
      .filter((l) => l.trim() !== "");
    const firstError = lines.find((l) => /\berror\b/i.test(l)) ?? lines[0] ??
      "no message";
    return {
      ok: false,
      reason: `'${compiler} ${
        NATIVE_CFLAGS.join(" ")
      }' exited with code ${out.code}: ${firstError.trim()}`,
    };
  }
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    return {
      ok: false,
      reason: `cannot move the built library into ${cacheDir}: ${
        describeError(e)
      }`,
    };
  }
  return { ok: true, path, cached: false };
}

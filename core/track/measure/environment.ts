/**
 * The runtime, machine and git state a result is measured with.
 *
 * @module
 */

import { readGitState } from "./git.ts";
import type { ResultEnv } from "../result/result.ts";

/**
 * The CPU model name: `model name` from `/proc/cpuinfo` on Linux, `""`
 * where that file is missing or unreadable (the runner then falls back on
 * the `cpu` that `deno bench --json` reports).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCpuModel } from "./environment.ts";
 *
 * assert(typeof (await readCpuModel()) === "string");
 * ```
 */
export async function readCpuModel(): Promise<string> {
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    return m === null ? "" : m[1].trim();
  } catch {
    return "";
  }
}

/**
 * Deno, V8 and TypeScript versions of the running `deno` (the same binary
 * `run` spawns), CPU, cores, OS and architecture, and the git state of
 * `cwd`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readEnvironment } from "./environment.ts";
 *
 * const env = await readEnvironment(Deno.cwd());
 * assert(env.deno === Deno.version.deno && env.cores >= 1);
 * ```
 */
export async function readEnvironment(cwd: string): Promise<ResultEnv> {
  const git = await readGitState(cwd);
  let release = "";
  try {
    release = Deno.osRelease();
  } catch {
    // Needs --allow-sys; the OS name alone still says enough.
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    cpu: await readCpuModel(),
    cores: navigator.hardwareConcurrency ?? 0,
    os: release === "" ? Deno.build.os : `${Deno.build.os} ${release}`,
    arch: Deno.build.arch,
    ...git,
  };
}

// Shared by the history, check, report and CLI tests: small result files
// built in memory, and paths to the checked-in fixtures.

import {
  type BenchResult,
  type ResultFile,
  resultOf,
} from "../../../core/track/result/result.ts";
import { timeBench } from "../_result_helpers.ts";

/** The checked-in fixtures of tests/testdata/track/history/. */
export const FIXTURES =
  new URL("../../testdata/track/history/", import.meta.url)
    .pathname;

/** A path inside {@linkcode FIXTURES}. */
export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/** A bench with the given replicates (time, ns/op unless told). */
export function bench(
  name: string,
  replicates: number[],
  more: Partial<BenchResult> = {},
): BenchResult {
  return timeBench(name, replicates, { file: "a_bench.ts", ...more });
}

/** A result holding `benches`, on `main` at a fake commit unless told. */
export function result(
  benches: BenchResult[],
  env: Partial<ResultFile["env"]> = {},
  date = "2025-06-01T10:00:00.000Z",
): ResultFile {
  return resultOf(benches, {
    date,
    env: {
      deno: "2.9.6",
      v8: "15.0",
      typescript: "6.0",
      cpu: "test cpu",
      cores: 2,
      os: "linux",
      arch: "x86_64",
      commit: "a".repeat(40),
      dirty: false,
      branch: "main",
      ...env,
    },
    flags: { repeat: 5 },
  });
}

/** A 40-hex-digit fake commit hash from a small number. */
export function commitHash(n: number): string {
  return n.toString(16).padStart(40, "0");
}

/** A fresh temporary directory, removed by the returned disposer. */
export async function tempDir(): Promise<
  { path: string } & AsyncDisposable
> {
  const path = await Deno.makeTempDir({ prefix: "pmubench-history-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

// Test fixtures shared by the tracking tests: a result file around benches.
import {
  type BenchResult,
  type ResultFile,
  resultOf as resultAround,
} from "../../core/track/result/result.ts";

/** A minimal valid result file (fixed date and environment) holding `benches`. */
export function resultOf(benches: BenchResult[]): ResultFile {
  return resultAround(benches, {
    date: "2025-01-01T00:00:00.000Z",
    env: { deno: "2.9.6", cores: 2, os: "linux", arch: "x86_64" },
  });
}

/** A time bench `sim_bench.ts::g::<name>` with these replicates (and `extra` fields). */
export function timeBench(
  name: string,
  replicates: number[],
  extra: Partial<BenchResult> = {},
): BenchResult {
  return {
    key: `sim_bench.ts::g::${name}`,
    file: "sim_bench.ts",
    group: "g",
    name,
    baseline: false,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 1,
    replicates,
    ...extra,
  };
}

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

/** A bench with the given replicates: time, ns/op, `sim_bench.ts`, group `g`, unless `more` says otherwise. */
export function timeBench(
  name: string,
  replicates: number[],
  more: Partial<BenchResult> = {},
): BenchResult {
  const file = more.file ?? "sim_bench.ts";
  const group = more.group ?? "g";
  return {
    key: `${file}::${group}::${name}`,
    file,
    group,
    name,
    baseline: false,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 1,
    replicates,
    ...more,
  };
}

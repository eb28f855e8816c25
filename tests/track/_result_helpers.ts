// Test fixtures shared by the tracking tests: a result file around benches.
import type {
  BenchResult,
  ResultFile,
} from "../../core/track/result/result.ts";

/** A minimal valid result file (fixed date and environment) holding `benches`. */
export function resultOf(benches: BenchResult[]): ResultFile {
  return {
    schema: "pmubench-result/1",
    date: "2025-01-01T00:00:00.000Z",
    env: {
      deno: "2.9.6",
      v8: "",
      typescript: "",
      cpu: "",
      cores: 2,
      os: "linux",
      arch: "x86_64",
      commit: null,
      dirty: null,
      branch: null,
    },
    flags: {},
    benches,
  };
}

/**
 * pmubench: what the KVM x86 PMU pays on every nested SVM transition to
 * honour the AMD Host-Only/Guest-Only event-select bits, and which 64-bit
 * bitmap representation makes that bookkeeping cheapest.
 *
 * | area | what it offers |
 * | --- | --- |
 * | bitmaps (`core/bitmap/`) | the {@linkcode Bitmap64} contract, strategies, registry, `%*pb`/`%*pbl` |
 * | benchmark cases (`core/track/suite/bench_case.ts`) | {@linkcode BenchCase}, {@linkcode blackhole}, {@linkcode registerSuite} |
 * | the suite loader (`core/track/suite/load_suite.ts`) | {@linkcode loadCases}, {@linkcode CaseRef}, {@linkcode discoverBenchFiles} |
 * | the timing engine (`core/track/measure/measure_case.ts`) | {@linkcode measureCase}, {@linkcode CaseMeasurement} |
 *
 * @example
 * ```ts
 * import { X86_PMC_IDX_MAX } from "./mod.ts";
 *
 * console.assert(X86_PMC_IDX_MAX === 64);
 * ```
 *
 * @module
 */

export * from "./core/bitmap/bitmap.ts";
export * from "./core/bitmap/registry.ts";
export * from "./core/bitmap/u32pair.ts";
export * from "./core/bitmap/u64.ts";
export * from "./core/bitmap/u64view.ts";
export * from "./core/bitmap/bigint.ts";
export * from "./core/bitmap/bool.ts";
export * from "./core/bitmap/format.ts";
export * from "./core/track/suite/bench_case.ts";
export * from "./core/track/result/result.ts";
export * from "./core/track/judge/stats.ts";
export * from "./core/track/judge/compare.ts";
export * from "./core/track/present/compare_format.ts";
export * from "./core/track/measure/runner.ts";
export * from "./core/track/suite/load_suite.ts";
export * from "./core/track/measure/measure_case.ts";
export * from "./core/track/measure/git.ts";
export * from "./core/track/measure/environment.ts";
export * from "./core/pmu/mod.ts";

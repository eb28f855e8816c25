/**
 * pmubench: what the KVM x86 PMU pays on every nested SVM transition to
 * honour the AMD Host-Only/Guest-Only event-select bits, and which 64-bit
 * bitmap representation makes that bookkeeping cheapest.
 *
 * | area | what it offers |
 * | --- | --- |
 * | bitmaps (`core/bitmap/`) | the {@linkcode Bitmap64} contract, strategies, registry, `%*pb`/`%*pbl` |
 * | benchmark cases (`core/track/bench_case.ts`) | {@linkcode BenchCase}, {@linkcode blackhole}, {@linkcode registerSuite} |
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
export * from "./core/track/bench_case.ts";

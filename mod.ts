/**
 * pmubench: what the KVM x86 PMU pays on every nested SVM transition to
 * honour the AMD Host-Only/Guest-Only event-select bits, and which 64-bit
 * bitmap representation makes that bookkeeping cheapest.
 *
 * | area | entry point | what it offers |
 * | --- | --- | --- |
 * | bitmaps (`core/bitmap/`) | `./bitmap` | the {@linkcode Bitmap64} contract (`bitmap.h` for 64 bits), strategies by name ({@linkcode createBitmap}), `%*pb`/`%*pbl` text ({@linkcode formatBitmapList}) |
 * | the PMU model (`core/pmu/`) | `./pmu` | a vCPU with its PMU ({@linkcode createVcpu}), nested transitions ({@linkcode handleNestedTransition}), semantics and mechanisms by name, traces ({@linkcode replayTrace}) |
 * | tracking (`core/track/`) | `./track` | bench cases ({@linkcode registerSuite}), runs ({@linkcode runBenches}), result files ({@linkcode readResultFile}), verdicts ({@linkcode compareResults}, {@linkcode checkResult}, {@linkcode buildMatrix}), history ({@linkcode openHistory}), reports ({@linkcode formatComparison}, {@linkcode renderReport}) |
 * | the command line (`core/cli.ts`) | `./cli` | `pmubench run`, `compare`, `ab`, `record`, `log`, `check`, `report`, `matrix`, `replay` |
 *
 * This module re-exports the public faces of the first three areas; each
 * is also its own entry point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu, X86_PMC_IDX_MAX } from "./mod.ts";
 *
 * assert.equal(X86_PMC_IDX_MAX, 64);
 * const vcpu = createVcpu({ model: "perfmonv2", mechanism: "tracked", bitmap: "u32pair" });
 * assert.equal(vcpu.entryState().counting, 0n);
 * ```
 *
 * @module
 */

export * from "./core/bitmap/mod.ts";
export * from "./core/pmu/mod.ts";
export * from "./core/track/mod.ts";

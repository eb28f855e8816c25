/**
 * Loading the native reference through Deno FFI: the symbol table of
 * `pmubench_native.c`, {@linkcode loadNative} (build or find the library,
 * open it, check the C struct layout), and {@linkcode NativeReference}, the
 * open library.
 *
 * @module
 */

import { buildNative, type NativeBuildOptions } from "./build.ts";
import { VCPU_LAYOUT, VCPU_LAYOUT_VERSION, VCPU_WORDS } from "./_layout.ts";

/**
 * Every entry point of `pmubench_native.c` with its FFI signature. Each
 * batch entry point loops in C over `n` maps (or `pairs` / `rounds`) and
 * returns a `u32` folded from every element: one FFI call per batch, a
 * number result, no `bigint`.
 *
 * `buffer` parameters take typed arrays: bitmaps as `BigUint64Array` (one
 * map per element), a vCPU as the `BigUint64Array` of a
 * {@linkcode NativeVcpu}.
 */
export const NATIVE_SYMBOLS = {
  // Part 1: bitmap.h / find.h / atomic64 for one u64 per map.
  pmb_bitmap_empty_batch: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_bitmap_weight_batch: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_for_each_set_bit_batch: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_find_next_bit_batch: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_bitmap_intersects_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_or_batch: {
    parameters: ["buffer", "buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_andnot_batch: {
    parameters: ["buffer", "buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_or_inplace_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_andnot_inplace_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_atomic64_or_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_atomic64_or_snapshot_batch: {
    parameters: ["buffer", "buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_test_and_set_clear_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_to_arr64_batch: {
    parameters: ["buffer", "u32", "u32", "u32"],
    result: "u32",
  },
  pmb_bitmap_from_arr64_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_bitmap_print_list_batch: {
    parameters: ["buffer", "u32", "buffer"],
    result: "u32",
  },
  // Part 2: the KVM PMU paths over struct pmb_vcpu.
  pmb_vcpu_layout: { parameters: ["buffer"], result: "u32" },
  pmb_pmc_is_disabled_in_current_mode: {
    parameters: ["buffer", "u32"],
    result: "u32",
  },
  pmb_pmc_is_locally_enabled: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_is_gp_event_allowed: {
    parameters: ["buffer", "u32", "u32"],
    result: "u32",
  },
  pmb_recalc_pmc_emulation: { parameters: ["buffer", "u32"], result: "void" },
  pmb_reprogram_counter: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_handle_event: { parameters: ["buffer"], result: "void" },
  pmb_handle_nested_transition: { parameters: ["buffer"], result: "void" },
  pmb_enter_guest_mode: { parameters: ["buffer"], result: "void" },
  pmb_leave_guest_mode: { parameters: ["buffer"], result: "void" },
  pmb_svm_set_efer: { parameters: ["buffer", "u32", "u32"], result: "void" },
  pmb_entry: { parameters: ["buffer"], result: "u32" },
  pmb_amd_set_eventsel: {
    parameters: ["buffer", "u32", "u32", "u32"],
    result: "u32",
  },
  pmb_nested_transition_batch: {
    parameters: ["buffer", "u32"],
    result: "u32",
  },
  pmb_nested_round_trip_batch: {
    parameters: ["buffer", "u32"],
    result: "u32",
  },
  pmb_handle_event_batch: {
    parameters: ["buffer", "u32", "u32", "u32"],
    result: "u32",
  },
  pmb_mode_check_batch: { parameters: ["buffer", "u32"], result: "u32" },
  pmb_filter_lookup_batch: {
    parameters: ["buffer", "buffer", "u32"],
    result: "u32",
  },
  pmb_recalc_emulation_batch: { parameters: ["buffer", "u32"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The callable entry points of an open native library. */
export type NativeSymbols = Deno.DynamicLibrary<
  typeof NATIVE_SYMBOLS
>["symbols"];

/** Bytes `pmb_bitmap_print_list_batch` may write into its text buffer (`PMB_PRINT_LIST_MAX`). */
export const PRINT_LIST_MAX = 192;

/**
 * The open native reference library.
 *
 * @example Count empty maps in C
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNative } from "./native.ts";
 *
 * const status = await loadNative();
 * if (status.available) {
 *   const maps = new BigUint64Array([0n, 5n, 0n]);
 *   assert.equal(status.native.symbols.pmb_bitmap_empty_batch(maps, maps.length), 2);
 * }
 * ```
 */
export class NativeReference {
  /** Path of the shared library. */
  readonly path: string;
  /** Whether the library came from the cache (no compiler ran in this process). */
  readonly cached: boolean;
  /** The entry points; bench bodies call these directly. */
  readonly symbols: NativeSymbols;

  /** Use {@linkcode loadNative}, which builds, opens and checks the library. */
  constructor(path: string, cached: boolean, symbols: NativeSymbols) {
    this.path = path;
    this.cached = cached;
    this.symbols = symbols;
  }
}

/** What {@linkcode loadNative} found. */
export type NativeStatus =
  | {
    /** The native reference is loaded. */
    readonly available: true;
    /** The open library. */
    readonly native: NativeReference;
  }
  | {
    /** No native reference in this process. */
    readonly available: false;
    /** One sentence: why (no compiler, build failed, no --allow-ffi, ...). */
    readonly reason: string;
  };

const loaded = new Map<string, Promise<NativeStatus>>();

/**
 * The native reference, built when needed (see `buildNative`), opened with
 * `Deno.dlopen` and checked against the struct layout this module expects.
 * One library per process and options: later calls return the same
 * promise. Never throws, never prints: when anything is missing the status
 * says why in one sentence, and callers go on without native cases.
 *
 * Needs `--allow-ffi`, and to build: `--allow-read`, `--allow-write` (the
 * cache) and `--allow-run` (the compiler).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNative } from "./native.ts";
 *
 * const status = await loadNative();
 * if (status.available) {
 *   const maps = new BigUint64Array([0b1011n]);
 *   assert.equal(status.native.symbols.pmb_bitmap_weight_batch(maps, 1), 3);
 * } else {
 *   assert.match(status.reason, /./);
 * }
 * ```
 */
export function loadNative(
  options: NativeBuildOptions = {},
): Promise<NativeStatus> {
  const key = JSON.stringify([
    options.compiler,
    options.cacheDir,
    options.source?.href,
  ]);
  let status = loaded.get(key);
  if (status === undefined) {
    status = open(options);
    loaded.set(key, status);
  }
  return status;
}

async function open(options: NativeBuildOptions): Promise<NativeStatus> {
  const built = await buildNative(options);
  if (!built.ok) return { available: false, reason: built.reason };
  let lib: Deno.DynamicLibrary<typeof NATIVE_SYMBOLS>;
  try {
    lib = Deno.dlopen(built.path, NATIVE_SYMBOLS);
  } catch (e) {
    const why = e instanceof Deno.errors.NotCapable ||
        e instanceof Deno.errors.PermissionDenied
      ? "needs --allow-ffi"
      : e instanceof Error
      ? e.message
      : String(e);
    return {
      available: false,
      reason: `cannot load the native reference ${built.path}: ${why}`,
    };
  }
  const mismatch = checkLayout(lib.symbols);
  if (mismatch !== undefined) {
    lib.close();
    return { available: false, reason: mismatch };
  }
  return {
    available: true,
    native: new NativeReference(built.path, built.cached, lib.symbols),
  };
}

/** Compare `pmb_vcpu_layout()` with `_layout.ts`; a sentence when they differ. */
function checkLayout(symbols: NativeSymbols): string | undefined {
  const out = new Uint32Array(64);
  const count = symbols.pmb_vcpu_layout(out);
  const expected = [
    VCPU_LAYOUT_VERSION,
    VCPU_WORDS,
    ...Object.values(VCPU_LAYOUT),
  ];
  const got = Array.from(out.subarray(0, count));
  if (
    got.length !== expected.length || got.some((v, i) => v !== expected[i])
  ) {
    return `the C struct pmb_vcpu (layout ${
      got.join(",")
    }) does not match core/native/_layout.ts (${
      expected.join(",")
    }): rebuild after editing both together`;
  }
  return undefined;
}

/**
 * The native reference: a small C implementation (`pmubench_native.c`) of
 * the hot paths the TypeScript core runs, built at bench time with the
 * system C compiler (`cc -O2 -shared -fPIC -fno-semantic-interposition`, cached by source hash under
 * `.pmubench/native/`) and called through Deno FFI with the batch loop
 * inside C. Benches register its figures as `native ...` reference cases
 * beside the strategies, in the same process; differential tests run the
 * same operations on both sides and compare the state.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode loadNative} | build (or find), open and check the library; `{ available: true, native }` or `{ available: false, reason }` (one sentence; never throws, never prints) |
 * | {@linkcode NativeReference} | the open library: `path`, `cached`, `symbols` (every C entry point) |
 * | {@linkcode NATIVE_SYMBOLS}, {@linkcode NativeSymbols} | the entry points and their FFI signatures |
 * | {@linkcode NativeVcpu} | `struct pmb_vcpu` in a `BigUint64Array`, built from a model vCPU, one method per C path |
 * | {@linkcode modelVcpuState}, {@linkcode NativeVcpuState} | the comparable state of a model vCPU (what `NativeVcpu.state()` returns) |
 * | {@linkcode buildNative}, {@linkcode NativeBuild} | the build step alone (tests, tools) |
 * | {@linkcode NATIVE_CFLAGS}, {@linkcode NATIVE_SOURCE}, {@linkcode defaultNativeCacheDir} | how and from what it is built, and where it goes |
 * | {@linkcode PRINT_LIST_MAX} | bytes of text `pmb_bitmap_print_list_batch` may write |
 *
 * Bitmap entry points (one `u64` per map, maps as `BigUint64Array`; each
 * returns the `u32` the matching `bench/_bitmap_bodies.ts` body sinks):
 *
 * | symbol (args) | kernel | returns |
 * | --- | --- | --- |
 * | `pmb_bitmap_empty_batch(maps, n)` | `bitmap_empty()` | empty maps |
 * | `pmb_bitmap_weight_batch(maps, n)` | `bitmap_weight()` (POPCNT when the CPU has it, as `hweight64`) | sum of weights |
 * | `pmb_for_each_set_bit_batch(maps, n)` | `for_each_set_bit()` | sum of bit + 1 |
 * | `pmb_find_next_bit_batch(maps, n)` | `find_first_bit()`/`find_next_bit()` | sum of bit + 1 |
 * | `pmb_bitmap_intersects_batch(a, b, n)` | `bitmap_intersects()` | intersecting pairs |
 * | `pmb_bitmap_or_batch(dst, a, b, n)` | `bitmap_or()` | lowest bit of the last dst |
 * | `pmb_bitmap_andnot_batch(dst, a, b, n)` | `bitmap_andnot()` | non-empty results |
 * | `pmb_bitmap_or_inplace_batch(dst, src, n)` | `bitmap_or(dst, dst, src)` | lowest bit of the last dst |
 * | `pmb_bitmap_andnot_inplace_batch(dst, src, n)` | `bitmap_andnot(dst, dst, src)` | lowest bit of the last dst |
 * | `pmb_atomic64_or_batch(dst, src, n)` | `atomic64_or()` (locked) | lowest bit of the last dst |
 * | `pmb_atomic64_or_snapshot_batch(pending, out, src, n)` | `atomic64_or()` + `kvm_pmu_handle_event()` steps 1-2 | lowest bit of the last out |
 * | `pmb_test_and_set_clear_batch(maps, bits: Uint8Array, n)` | `__test_and_set_bit()` + `__test_and_clear_bit()` | 2 per map |
 * | `pmb_bitmap_to_arr64_batch(maps, n, probeLo, probeHi)` | `bitmap_to_arr64()` | maps equal to the probe |
 * | `pmb_bitmap_from_arr64_batch(dst, values, n)` | `bitmap_from_arr64()` | lowest bit of the last dst |
 * | `pmb_bitmap_print_list_batch(maps, n, text: Uint8Array)` | `"%*pbl"` | total text length (the last text stays in `text`) |
 *
 * PMU entry points, for the nested-transition suite (first argument: a
 * {@linkcode NativeVcpu}'s `words`; {@linkcode NativeVcpu} wraps each with
 * argument checks). Semantics are the model's (`upstream` by default,
 * `v4` selectable), mechanisms `none`, `tracked`, `all-bits`, `immediate`:
 *
 * | symbol | `NativeVcpu` method | kernel |
 * | --- | --- | --- |
 * | `pmb_handle_nested_transition` | `handleNestedTransition()` | `kvm_pmu_handle_nested_transition()` per mechanism |
 * | `pmb_enter_guest_mode` / `pmb_leave_guest_mode` | `enterGuestMode()` / `leaveGuestMode()` | `enter_guest_mode()` / `leave_guest_mode()` |
 * | `pmb_svm_set_efer` | `svmSetEfer(efer)` | `svm_set_efer()` |
 * | `pmb_entry` | `entry()` | VM-entry: `kvm_check_request(KVM_REQ_PMU)` |
 * | `pmb_handle_event` | `handleEvent()` | `kvm_pmu_handle_event()` with the mediated `reprogram_counter()` |
 * | `pmb_reprogram_counter` | `reprogramCounter(idx)` | `kvm_mediated_pmu_refresh_event_filter()` |
 * | `pmb_pmc_is_disabled_in_current_mode` | `pmcIsDisabledInCurrentMode(idx)` | the mode check (HO/GO vs EFER.SVME and guest mode) |
 * | `pmb_pmc_is_locally_enabled` | `pmcIsLocallyEnabled(idx)` | `pmc_is_locally_enabled()` |
 * | `pmb_is_gp_event_allowed` | `isGpEventAllowed(eventsel)` | the filter lookup (`find_filter_index()`) |
 * | `pmb_recalc_pmc_emulation` | `recalcPmcEmulation(idx)` | `kvm_pmu_recalc_pmc_emulation()` |
 * | `pmb_amd_set_eventsel` | `amdSetEventsel(idx, value)` | `amd_pmu_set_msr()` of an event select |
 * | `pmb_nested_transition_batch(v, pairs)` | `nestedTransitionBatch(pairs)` | the "nested transition" body: pairs x (enter, leave) |
 * | `pmb_nested_round_trip_batch(v, pairs)` | `nestedRoundTripBatch(pairs)` | the "nested round trip" body: pairs x (enter, entry, leave, entry) |
 * | `pmb_handle_event_batch(v, maskLo, maskHi, rounds)` | `handleEventBatch(mask, rounds)` | rounds x (queue mask, entry) |
 * | `pmb_mode_check_batch(v, rounds)` | `modeCheckBatch(rounds)` | rounds x the mode check of every GP counter |
 * | `pmb_filter_lookup_batch(v, eventsels, n)` | `filterLookupBatch(eventsels)` | the filter lookup of n event selects |
 * | `pmb_recalc_emulation_batch(v, rounds)` | `recalcEmulationBatch(rounds)` | rounds x the emulation recalculation of every counter |
 *
 * To add a native case to a suite: `const status = await loadNative();` at
 * the top of the cases module; when `status.available`, build a
 * `NativeVcpu.fromModel(status.native, vcpu)` from the very vCPU (or
 * fixture) the strategy cases use and register a case named
 * `native x<batch>` with `axes.reference: "native"` whose body calls one
 * batch entry point and sinks its result; when not, the bench file prints
 * `status.reason` in one line and registers nothing native.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNative } from "./mod.ts";
 *
 * const status = await loadNative();
 * if (status.available) {
 *   const maps = new BigUint64Array([0n, 1n << 63n]);
 *   assert.equal(status.native.symbols.pmb_bitmap_empty_batch(maps, 2), 1);
 * } else {
 *   assert.equal(typeof status.reason, "string");
 * }
 * ```
 *
 * @module
 */

export * from "./build.ts";
export * from "./native.ts";
export * from "./vcpu.ts";

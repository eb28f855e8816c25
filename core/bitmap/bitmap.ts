/**
 * The 64-bit bitmap contract (`X86_PMC_IDX_MAX` bits), mirroring the
 * kernel's `bitmap.h`, `find.h` and the `atomic64_t` union behind
 * `__reprogram_pmi`, specialised to `nbits = 64`.
 *
 * KVM tracks all counters in 64-bit bitmaps, with general purpose counters
 * mapped to bits 31:0 and fixed counters mapped to bits 63:32. Every
 * strategy (storage representation) implements {@linkcode Bitmap64}; the PMU
 * model only ever talks to this interface and never asks which strategy it
 * holds.
 *
 * | operation | kernel counterpart | meaning |
 * | --- | --- | --- |
 * | `isEmpty()` | `bitmap_empty` | no bit set |
 * | `weight()` | `bitmap_weight` | number of set bits |
 * | `setBit(i)` / `clearBit(i)` | `__set_bit` / `__clear_bit` | set / clear one bit |
 * | `testBit(i)` | `test_bit` | is bit i set? |
 * | `testAndSetBit(i)` / `testAndClearBit(i)` | `__test_and_set_bit` / `__test_and_clear_bit` | old value, then set / clear |
 * | `or(a, b)` / `xor(a, b)` | `bitmap_or` / `bitmap_xor` | this = a op b |
 * | `and(a, b)` / `andNot(a, b)` | `bitmap_and` / `bitmap_andnot` | this = a & b / a & ~b, returns `this` is non-empty |
 * | `intersects(o)` | `bitmap_intersects` | (this & o) != 0 |
 * | `equals(o)` / `isSubsetOf(o)` | `bitmap_equal` / `bitmap_subset` | comparisons |
 * | `findFirstBit()` / `findNextBit(off)` | `find_first_bit` / `find_next_bit` | lowest set index (>= off), 64 when none |
 * | `forEachSetBit(fn)` | `for_each_set_bit` | ascending iteration |
 * | `zero()` / `fill()` / `copy(src)` | `bitmap_zero` / `bitmap_fill` / `bitmap_copy` | whole-map stores |
 * | `atomicOr(src)` | `atomic64_or` | this |= src, atomically |
 * | `atomicAndNot(src)` | `atomic64_andnot` | this &= ~src, atomically |
 * | `snapshotAndClear(out)` | `kvm_pmu_handle_event()` steps 1-2 | out = this; this &= ~out |
 * | `toBigInt()` / `fromBigInt(v)` | `bitmap_to_arr64` / `bitmap_from_arr64` | conversion |
 *
 * Printing and parsing in the kernel's `%*pb` / `%*pbl` forms live in
 * `format.ts` and work on every strategy through `toBigInt`/`fromBigInt`.
 *
 * @module
 */

/** Number of bits in every PMU bitmap: `X86_PMC_IDX_MAX` in the kernel. */
export const X86_PMC_IDX_MAX = 64;

/**
 * How much of an atomic operation a strategy guarantees.
 *
 * - `"64-bit"`: the whole map changes in one `Atomics` operation
 *   (`atomic64_or` exactly).
 * - `"32-bit word"`: each 32-bit half changes in its own `Atomics`
 *   operation. This is still enough for OR/ANDNOT of independent bits:
 *   every bit lives in exactly one word and the operations are bitwise, so
 *   no bit can be lost, only the two halves may be observed at different
 *   moments.
 * - `"8-bit flag"`: every bit is its own byte, changed by its own `Atomics`
 *   operation; the same argument applies bit by bit.
 * - `"none"`: the atomic methods are ordinary read-modify-write (the
 *   storage cannot be shared between agents).
 *
 * The guarantee is for maps in shared memory (`create({ shared: true })`,
 * `attach()`). On a map nobody else can reach, every strategy does the
 * `atomic*` methods as plain read-modify-writes.
 */
export type Atomicity = "64-bit" | "32-bit word" | "8-bit flag" | "none";

/**
 * A mutable 64-bit bitmap. The receiver is always the destination, like the
 * first argument of the kernel's `bitmap_*()` helpers.
 *
 * WARNING: bit indexes must be integers in [0, 63]; every method that takes
 * one throws `RangeError` naming the bad value otherwise. `findNextBit`
 * accepts offsets in [0, 64] (64 returns 64, as `find_next_bit` does).
 *
 * @example Set, test and iterate
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBitmap } from "./registry.ts";
 *
 * const b = createBitmap("u32pair");
 * b.setBit(0);
 * b.setBit(33);
 * const seen: number[] = [];
 * b.forEachSetBit((i) => seen.push(i));
 * assert.deepEqual(seen, [0, 33]);
 * assert.equal(b.findNextBit(1), 33);
 * ```
 */
export interface Bitmap64 {
  /** Name of the strategy that made this bitmap (e.g. `"u32pair"`). */
  readonly strategy: string;

  /** `bitmap_empty()`: true when no bit is set. */
  isEmpty(): boolean;
  /** `bitmap_weight()`: the number of set bits. */
  weight(): number;
  /** `__set_bit()`: set bit `i`. */
  setBit(i: number): void;
  /** `__clear_bit()`: clear bit `i`. */
  clearBit(i: number): void;
  /** `test_bit()`: whether bit `i` is set. */
  testBit(i: number): boolean;
  /** `__test_and_set_bit()`: set bit `i`, returning its old value. */
  testAndSetBit(i: number): boolean;
  /** `__test_and_clear_bit()`: clear bit `i`, returning its old value. */
  testAndClearBit(i: number): boolean;

  /** `bitmap_or()`: this = a | b. */
  or(a: Bitmap64, b: Bitmap64): void;
  /** `bitmap_and()`: this = a & b; returns whether the result is non-empty. */
  and(a: Bitmap64, b: Bitmap64): boolean;
  /** `bitmap_andnot()`: this = a & ~b; returns whether the result is non-empty. */
  andNot(a: Bitmap64, b: Bitmap64): boolean;
  /** `bitmap_xor()`: this = a ^ b. */
  xor(a: Bitmap64, b: Bitmap64): void;
  /** `bitmap_intersects()`: whether this & other is non-empty. */
  intersects(other: Bitmap64): boolean;
  /** `bitmap_equal()`: same bits set. */
  equals(other: Bitmap64): boolean;
  /** `bitmap_subset()`: every bit of this is set in other. */
  isSubsetOf(other: Bitmap64): boolean;

  /** `find_first_bit()`: lowest set index, or 64 when empty. */
  findFirstBit(): number;
  /** `find_next_bit()`: lowest set index >= offset, or 64 when none. */
  findNextBit(offset: number): number;
  /** `for_each_set_bit()`: call `fn` for each set index, ascending. */
  forEachSetBit(fn: (i: number) => void): void;

  /** `bitmap_zero()`. */
  zero(): void;
  /** `bitmap_fill()`: set all 64 bits. */
  fill(): void;
  /** `bitmap_copy()`: this = src. */
  copy(src: Bitmap64): void;

  /** `atomic64_or()`: this |= src, atomic as {@linkcode BitmapStrategy.atomicity} says. */
  atomicOr(src: Bitmap64): void;
  /** `atomic64_andnot()`: this &= ~src, atomic as {@linkcode BitmapStrategy.atomicity} says. */
  atomicAndNot(src: Bitmap64): void;
  /**
   * `kvm_pmu_handle_event()` steps 1-2: copy this into `out`, then atomically
   * clear exactly the copied bits, so bits set concurrently after the copy
   * survive for the next round.
   */
  snapshotAndClear(out: Bitmap64): void;

  /** `bitmap_read(map, 0, 32)`: bits 31:0 as an int32 bit pattern. */
  lowWord(): number;
  /** `bitmap_read(map, 32, 32)`: bits 63:32 as an int32 bit pattern. */
  highWord(): number;
  /** `bitmap_write(map, value, 0, 32)`: set bits 31:0 to the low 32 bits of `value` (a plain store, not atomic). */
  setLowWord(value: number): void;
  /** `bitmap_write(map, value, 32, 32)`: set bits 63:32 to the low 32 bits of `value` (a plain store, not atomic). */
  setHighWord(value: number): void;

  /** The map as an unsigned 64-bit `bigint`. */
  toBigInt(): bigint;
  /** Replace the map's contents with the low 64 bits of a non-negative `v`. */
  fromBigInt(v: bigint): void;
}

/**
 * A bitmap strategy: a named way of storing 64 bits, and the factory for its
 * bitmaps. The registry (`registry.ts`) is the only place that maps names to
 * strategies.
 *
 * @example Make a bitmap shared between workers
 * ```ts
 * import assert from "node:assert/strict";
 * import { getStrategy } from "./registry.ts";
 *
 * const s = getStrategy("u64");
 * const a = s.create({ shared: true });
 * a.setBit(63);
 * const again = s.attach(s.bufferOf(a)!); // what a worker does
 * assert.equal(again.testBit(63), true);
 * ```
 */
export interface BitmapStrategy {
  /** Short stable name, used on command lines, in traces and bench names. */
  readonly name: string;
  /** One line on how the bits are stored. */
  readonly description: string;
  /** What the `atomic*` methods guarantee. */
  readonly atomicity: Atomicity;
  /** A new, zeroed bitmap; `shared: true` backs it with a `SharedArrayBuffer` where the strategy can. */
  create(options?: { shared?: boolean }): Bitmap64;
  /**
   * The `SharedArrayBuffer` behind a bitmap made with `shared: true`, to post
   * to a worker; `undefined` when the strategy cannot share.
   */
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined;
  /** A bitmap viewing a buffer from {@linkcode BitmapStrategy.bufferOf}. */
  attach(buffer: SharedArrayBuffer): Bitmap64;
}

/**
 * The `u32pair` strategy: two 32-bit words, bits 31:0 (KVM's general
 * purpose counters) in `lo` and bits 63:32 (the fixed counters) in `hi`.
 * Every operation is plain 32-bit integer arithmetic that V8 keeps in
 * registers without allocating; the bench baseline.
 *
 * Two classes share one implementation ({@linkcode U32PairBase}), chosen
 * by `create()`:
 *
 * - {@linkcode U32PairBitmap}, every map nobody else can see: the words are
 *   two int32 fields of the object. V8 stores them as small integers in
 *   the object itself, so reading a word is one load, with no typed array
 *   whose length and data pointer must be fetched and bounds-checked
 *   first. The `atomic*` methods are plain read-modify-writes: no other
 *   agent can reach the map, so there is nothing to be atomic against.
 * - {@linkcode SharedU32PairBitmap}, a map made with `shared: true` or
 *   attached in a worker: the words are a `Uint32Array(2)` over a
 *   `SharedArrayBuffer`, and the `atomic*` methods use `Atomics`.
 *
 * Atomicity (shared maps): `"32-bit word"`. `atomicOr`/`atomicAndNot` do
 * one `Atomics` operation per non-zero word. That is enough for the
 * `__reprogram_pmi` union: every bit lives in exactly one word and
 * OR/ANDNOT are bitwise, so two agents touching different bits (or the
 * same bit in the same direction) can never lose one; an observer may only
 * see the two halves change at different moments.
 *
 * Binary operations take any `u32pair` map (either class) and throw
 * `TypeError` for any other strategy's. They read their operands' words
 * before testing the class: V8 then already knows each operand's class
 * from the loads, so the `instanceof` test folds away instead of walking
 * the prototype chain on every call.
 *
 * @module
 */

import type { Atomicity, Bitmap64, BitmapStrategy } from "./bitmap.ts";
import {
  badBitIndexError,
  badOffsetError,
  checkBigInt64,
  checkSharedBuffer,
  ctz32,
  foreignBitmapError,
  LITTLE_ENDIAN,
  popcount64,
  snapshotIntoSelfError,
  throwBufferOfForeign,
  wantsShared,
} from "./_bits.ts";

const NAME = "u32pair";
const BYTES = 8;

// Hot helpers through module constants: V8 folds a module const, but
// re-reads an imported binding on every call (hole and target checks,
// about 5 instructions, and the loop around it is no longer peeled).
const popcount = popcount64;
const ffs32 = ctz32;

/** One 8-byte scratch buffer seen as a u64 and as two u32 words, for the bigint conversions. */
const SCRATCH = new ArrayBuffer(BYTES);
const SCRATCH_U64 = new BigUint64Array(SCRATCH);
const SCRATCH_WORDS = new Uint32Array(SCRATCH);
/** Scratch word holding bits 31:0 (1 on a big-endian host). */
const LO = LITTLE_ENDIAN ? 0 : 1;
/** Scratch word holding bits 63:32. */
const HI = 1 - LO;

/** The TypeError for the first of `a`, `b` that is no `u32pair` map. */
function foreignOperand(action: string, a: unknown, b?: unknown): TypeError {
  return a instanceof U32PairBase
    ? foreignBitmapError(action, "b", NAME, b)
    : foreignBitmapError(action, "a", NAME, a);
}

/**
 * What both `u32pair` classes share: every operation, written against the
 * two words `lo` (bits 31:0) and `hi` (bits 63:32), each an int32 bit
 * pattern. Not constructed directly: `u32pairStrategy.create()` makes
 * {@linkcode U32PairBitmap} or {@linkcode SharedU32PairBitmap}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U32PairBase, u32pairStrategy } from "./u32pair.ts";
 *
 * assert(u32pairStrategy.create() instanceof U32PairBase);
 * assert(u32pairStrategy.create({ shared: true }) instanceof U32PairBase);
 * ```
 */
export abstract class U32PairBase implements Bitmap64 {
  /** Bits 31:0 (GP counters) as an int32 bit pattern. */
  abstract lo: number;
  /** Bits 63:32 (fixed counters) as an int32 bit pattern. */
  abstract hi: number;

  /** Always `"u32pair"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    return (this.lo | this.hi) === 0;
  }

  weight(): number {
    return popcount(this.lo, this.hi);
  }

  setBit(i: number): void {
    // One mask test rejects fractions, negatives, NaN and i > 63.
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("set bit", i);
    }
    // `1 << i` only uses i's low 5 bits: the bit within word i >>> 5.
    if (i < 32) this.lo |= 1 << i;
    else this.hi |= 1 << i;
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("clear bit", i);
    }
    if (i < 32) this.lo &= ~(1 << i);
    else this.hi &= ~(1 << i);
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test bit", i);
    }
    return ((i < 32 ? this.lo : this.hi) & (1 << i)) !== 0;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and set bit", i);
    }
    const m = 1 << i;
    if (i < 32) {
      const old = this.lo;
      this.lo = old | m;
      return (old & m) !== 0;
    }
    const old = this.hi;
    this.hi = old | m;
    return (old & m) !== 0;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and clear bit", i);
    }
    const m = 1 << i;
    if (i < 32) {
      const old = this.lo;
      this.lo = old & ~m;
      return (old & m) !== 0;
    }
    const old = this.hi;
    this.hi = old & ~m;
    return (old & m) !== 0;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const x = a as U32PairBase, y = b as U32PairBase;
      lo = x.lo | y.lo;
      hi = x.hi | y.hi;
    } catch {
      throw foreignOperand("or", a, b); // null or undefined
    }
    if (!(a instanceof U32PairBase) || !(b instanceof U32PairBase)) {
      throw foreignOperand("or", a, b);
    }
    this.lo = lo;
    this.hi = hi;
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    let lo: number, hi: number;
    try {
      const x = a as U32PairBase, y = b as U32PairBase;
      lo = x.lo & y.lo;
      hi = x.hi & y.hi;
    } catch {
      throw foreignOperand("and", a, b);
    }
    if (!(a instanceof U32PairBase) || !(b instanceof U32PairBase)) {
      throw foreignOperand("and", a, b);
    }
    this.lo = lo;
    this.hi = hi;
    return (lo | hi) !== 0;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    let lo: number, hi: number;
    try {
      const x = a as U32PairBase, y = b as U32PairBase;
      lo = x.lo & ~y.lo;
      hi = x.hi & ~y.hi;
    } catch {
      throw foreignOperand("andNot", a, b);
    }
    if (!(a instanceof U32PairBase) || !(b instanceof U32PairBase)) {
      throw foreignOperand("andNot", a, b);
    }
    this.lo = lo;
    this.hi = hi;
    return (lo | hi) !== 0;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const x = a as U32PairBase, y = b as U32PairBase;
      lo = x.lo ^ y.lo;
      hi = x.hi ^ y.hi;
    } catch {
      throw foreignOperand("xor", a, b);
    }
    if (!(a instanceof U32PairBase) || !(b instanceof U32PairBase)) {
      throw foreignOperand("xor", a, b);
    }
    this.lo = lo;
    this.hi = hi;
  }

  intersects(other: Bitmap64): boolean {
    let any: number;
    try {
      const y = other as U32PairBase;
      any = (this.lo & y.lo) | (this.hi & y.hi);
    } catch {
      throw foreignBitmapError("intersect", "other", NAME, other);
    }
    if (!(other instanceof U32PairBase)) {
      throw foreignBitmapError("intersect", "other", NAME, other);
    }
    return any !== 0;
  }

  equals(other: Bitmap64): boolean {
    let same: boolean;
    try {
      const y = other as U32PairBase;
      same = this.lo === y.lo && this.hi === y.hi;
    } catch {
      throw foreignBitmapError("compare", "other", NAME, other);
    }
    if (!(other instanceof U32PairBase)) {
      throw foreignBitmapError("compare", "other", NAME, other);
    }
    return same;
  }

  isSubsetOf(other: Bitmap64): boolean {
    let extra: number;
    try {
      const y = other as U32PairBase;
      extra = (this.lo & ~y.lo) | (this.hi & ~y.hi);
    } catch {
      throw foreignBitmapError("check subset", "other", NAME, other);
    }
    if (!(other instanceof U32PairBase)) {
      throw foreignBitmapError("check subset", "other", NAME, other);
    }
    return extra === 0;
  }

  findFirstBit(): number {
    const lo = this.lo;
    if (lo !== 0) return ffs32(lo);
    const hi = this.hi;
    return hi !== 0 ? 32 + ffs32(hi) : 64;
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throw badOffsetError(offset);
    if (offset < 32) {
      // Drop the bits below offset, as find_next_bit()'s first-word mask does.
      const lo = this.lo & (-1 << offset);
      if (lo !== 0) return ffs32(lo);
      const hi = this.hi;
      return hi !== 0 ? 32 + ffs32(hi) : 64;
    }
    if (offset === 64) return 64;
    const hi = this.hi & (-1 << offset); // shift count is offset - 32 (mod 32)
    return hi !== 0 ? 32 + ffs32(hi) : 64;
  }

  forEachSetBit(fn: (i: number) => void): void {
    // Visit set bits only: isolate the lowest with x & -x, then drop it.
    let x = this.lo;
    while (x !== 0) {
      const low = x & -x;
      fn(31 - Math.clz32(low));
      x ^= low;
    }
    x = this.hi;
    while (x !== 0) {
      const low = x & -x;
      fn(63 - Math.clz32(low));
      x ^= low;
    }
  }

  zero(): void {
    this.lo = 0;
    this.hi = 0;
  }

  fill(): void {
    this.lo = -1;
    this.hi = -1;
  }

  copy(src: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const s = src as U32PairBase;
      lo = s.lo;
      hi = s.hi;
    } catch {
      throw foreignBitmapError("copy", "src", NAME, src);
    }
    if (!(src instanceof U32PairBase)) {
      throw foreignBitmapError("copy", "src", NAME, src);
    }
    this.lo = lo;
    this.hi = hi;
  }

  /**
   * `atomic64_or()`. On a map nobody else can see ({@linkcode U32PairBitmap})
   * a plain `|=` of each word: there is no other agent to be atomic
   * against. {@linkcode SharedU32PairBitmap} overrides it with `Atomics`.
   */
  atomicOr(src: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const s = src as U32PairBase;
      lo = s.lo;
      hi = s.hi;
    } catch {
      throw foreignBitmapError("atomicOr", "src", NAME, src);
    }
    if (!(src instanceof U32PairBase)) {
      throw foreignBitmapError("atomicOr", "src", NAME, src);
    }
    this.lo |= lo;
    this.hi |= hi;
  }

  /** `atomic64_andnot()`; plain on an unshared map, as {@linkcode U32PairBase.atomicOr}. */
  atomicAndNot(src: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const s = src as U32PairBase;
      lo = s.lo;
      hi = s.hi;
    } catch {
      throw foreignBitmapError("atomicAndNot", "src", NAME, src);
    }
    if (!(src instanceof U32PairBase)) {
      throw foreignBitmapError("atomicAndNot", "src", NAME, src);
    }
    this.lo &= ~lo;
    this.hi &= ~hi;
  }

  /** `kvm_pmu_handle_event()` steps 1-2; plain on an unshared map, as {@linkcode U32PairBase.atomicOr}. */
  snapshotAndClear(out: Bitmap64): void {
    try {
      // Read before writing: the load tells V8 out's class, so the test
      // below folds, and a foreign object is refused before any store.
      void (out as U32PairBase).lo;
    } catch {
      throw foreignBitmapError("snapshot and clear", "out", NAME, out);
    }
    if (!(out instanceof U32PairBase)) {
      throw foreignBitmapError("snapshot and clear", "out", NAME, out);
    }
    if (out === this) throw snapshotIntoSelfError(NAME);
    out.lo = this.lo;
    out.hi = this.hi;
    this.lo = 0;
    this.hi = 0;
  }

  lowWord(): number {
    return this.lo;
  }

  highWord(): number {
    return this.hi;
  }

  setLowWord(value: number): void {
    this.lo = value | 0;
  }

  setHighWord(value: number): void {
    this.hi = value | 0;
  }

  toBigInt(): bigint {
    // Through one 8-byte scratch buffer: a single BigInt is made, where
    // shifting and OR-ing halves would make four.
    SCRATCH_WORDS[LO] = this.lo;
    SCRATCH_WORDS[HI] = this.hi;
    return SCRATCH_U64[0];
  }

  fromBigInt(v: bigint): void {
    SCRATCH_U64[0] = checkBigInt64(v, "set a bitmap from a bigint");
    // `| 0`: the words stay int32, so V8 keeps the fields small integers.
    this.lo = SCRATCH_WORDS[LO] | 0;
    this.hi = SCRATCH_WORDS[HI] | 0;
  }
}

/**
 * A `u32pair` map nobody else can see: the two words are int32 fields of
 * the object (V8 small integers, no typed array). Its `atomic*` methods
 * are plain read-modify-writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U32PairBitmap } from "./u32pair.ts";
 *
 * const b = new U32PairBitmap();
 * b.setBit(32); // fixed counter 0
 * b.setBit(31);
 * assert.deepEqual([b.lo, b.hi], [-0x8000_0000, 1]); // int32 bit patterns
 * ```
 */
export class U32PairBitmap extends U32PairBase {
  /** Bits 31:0 (GP counters), an int32 bit pattern. */
  lo = 0;
  /** Bits 63:32 (fixed counters), an int32 bit pattern. */
  hi = 0;
}

/**
 * A `u32pair` map in shared memory: a `Uint32Array(2)` view of a
 * `SharedArrayBuffer` (word 0 = bits 31:0, word 1 = bits 63:32) that
 * several agents may hold. `atomicOr`, `atomicAndNot` and
 * `snapshotAndClear` use `Atomics`, one operation per non-zero word; the
 * other methods are plain loads and stores, like the kernel's `__set_bit`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedU32PairBitmap } from "./u32pair.ts";
 *
 * const b = new SharedU32PairBitmap(new Uint32Array(new SharedArrayBuffer(8)));
 * b.setBit(32);
 * assert.deepEqual([...b.words], [0, 1]);
 * ```
 */
export class SharedU32PairBitmap extends U32PairBase {
  /** `words[0]` = bits 31:0, `words[1]` = bits 63:32. */
  declare readonly words: Uint32Array;

  /**
   * View two words of shared memory.
   *
   * @throws {RangeError} when `words` does not hold exactly two words.
   */
  constructor(words: Uint32Array) {
    super();
    if (words.length !== 2) {
      throw new RangeError(
        `Cannot make a ${NAME} bitmap as 'words' must hold 2 words: current value holds ${words.length}`,
      );
    }
    this.words = words;
  }

  /** Word 0 as an int32 bit pattern. */
  get lo(): number {
    return this.words[0] | 0;
  }

  set lo(v: number) {
    this.words[0] = v;
  }

  /** Word 1 as an int32 bit pattern. */
  get hi(): number {
    return this.words[1] | 0;
  }

  set hi(v: number) {
    this.words[1] = v;
  }

  /** `atomic64_or()` on shared memory: one `Atomics.or` per non-zero word. */
  override atomicOr(src: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const s = src as U32PairBase;
      lo = s.lo;
      hi = s.hi;
    } catch {
      throw foreignBitmapError("atomicOr", "src", NAME, src);
    }
    if (!(src instanceof U32PairBase)) {
      throw foreignBitmapError("atomicOr", "src", NAME, src);
    }
    const w = this.words;
    // OR with 0 changes nothing: spare the locked instruction.
    if (lo !== 0) Atomics.or(w, 0, lo);
    if (hi !== 0) Atomics.or(w, 1, hi);
  }

  /** `atomic64_andnot()` on shared memory: one `Atomics.and` per non-zero word. */
  override atomicAndNot(src: Bitmap64): void {
    let lo: number, hi: number;
    try {
      const s = src as U32PairBase;
      lo = s.lo;
      hi = s.hi;
    } catch {
      throw foreignBitmapError("atomicAndNot", "src", NAME, src);
    }
    if (!(src instanceof U32PairBase)) {
      throw foreignBitmapError("atomicAndNot", "src", NAME, src);
    }
    const w = this.words;
    if (lo !== 0) Atomics.and(w, 0, ~lo);
    if (hi !== 0) Atomics.and(w, 1, ~hi);
  }

  /**
   * `kvm_pmu_handle_event()` steps 1-2 on shared memory: load both words
   * atomically, copy them into `out`, then clear exactly those bits with
   * `Atomics.and`, so bits other agents set meanwhile survive.
   */
  override snapshotAndClear(out: Bitmap64): void {
    if (!(out instanceof U32PairBase)) {
      throw foreignBitmapError("snapshot and clear", "out", NAME, out);
    }
    if (out === this) throw snapshotIntoSelfError(NAME);
    const w = this.words;
    const lo = Atomics.load(w, 0), hi = Atomics.load(w, 1);
    out.lo = lo | 0;
    out.hi = hi | 0;
    // kvm_pmu_handle_event(): clear only the snapshot, so bits set meanwhile survive.
    if (lo !== 0) Atomics.and(w, 0, ~lo);
    if (hi !== 0) Atomics.and(w, 1, ~hi);
  }
}

/**
 * The `u32pair` strategy: two 32-bit words, the kernel's GP vs fixed
 * halves; int32 fields for unshared maps, a shared `Uint32Array(2)` for
 * shared ones.
 *
 * @example Share between workers
 * ```ts
 * import assert from "node:assert/strict";
 * import { u32pairStrategy } from "./u32pair.ts";
 *
 * const a = u32pairStrategy.create({ shared: true });
 * const view = u32pairStrategy.attach(u32pairStrategy.bufferOf(a)!);
 * view.setBit(40);
 * assert.equal(a.testBit(40), true);
 * assert.equal(u32pairStrategy.bufferOf(u32pairStrategy.create()), undefined);
 * ```
 */
export const u32pairStrategy: BitmapStrategy = {
  name: NAME,
  description:
    "two 32-bit words, bits 31:0 (GP counters) and 63:32 (fixed counters): int32 fields, or a Uint32Array(2) over a SharedArrayBuffer when shared",
  atomicity: "32-bit word" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    return wantsShared(options)
      ? new SharedU32PairBitmap(new Uint32Array(new SharedArrayBuffer(BYTES)))
      : new U32PairBitmap();
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (b instanceof SharedU32PairBitmap) {
      return b.words.buffer as SharedArrayBuffer;
    }
    if (!(b instanceof U32PairBase)) throwBufferOfForeign(NAME, b);
    return undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return new SharedU32PairBitmap(
      new Uint32Array(checkSharedBuffer(buffer, BYTES, NAME)),
    );
  },
};

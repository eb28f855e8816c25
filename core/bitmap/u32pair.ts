/**
 * The `u32pair` strategy: a `Uint32Array(2)` holding bits 31:0 (KVM's
 * general purpose counters) in word 0 and bits 63:32 (the fixed counters)
 * in word 1. Every operation is plain 32-bit integer arithmetic, which V8
 * keeps in registers without allocating; the bench baseline.
 *
 * Atomicity: `"32-bit word"`. `atomicOr`/`atomicAndNot` do one `Atomics`
 * operation per non-zero word. That is enough for the `__reprogram_pmi`
 * union: every bit lives in exactly one word and OR/ANDNOT are bitwise, so
 * two agents touching different bits (or the same bit in the same
 * direction) can never lose one; an observer may only see the two halves
 * change at different moments.
 *
 * @module
 */

import type { Atomicity, Bitmap64, BitmapStrategy } from "./bitmap.ts";
import {
  checkBigInt64,
  checkSharedBuffer,
  ctz32,
  popcount32,
  throwBadBitIndex,
  throwBadOffset,
  throwBufferOfForeign,
  throwForeignBitmap,
  throwSnapshotIntoSelf,
  wantsShared,
} from "./_bits.ts";

const NAME = "u32pair";
const BYTES = 8;

/**
 * A 64-bit map stored as two 32-bit words. Binary operations take only
 * other `U32PairBitmap`s (one `instanceof` check, then a monomorphic fast
 * path) and throw `TypeError` for any other strategy's bitmap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U32PairBitmap } from "./u32pair.ts";
 *
 * const b = new U32PairBitmap(new Uint32Array(2));
 * b.setBit(32); // fixed counter 0
 * assert.deepEqual([...b.words], [0, 1]);
 * ```
 */
export class U32PairBitmap implements Bitmap64 {
  /** `words[0]` = bits 31:0, `words[1]` = bits 63:32. */
  readonly words: Uint32Array;

  /**
   * Wrap two words (a fresh `Uint32Array(2)`, or a view of a shared buffer).
   *
   * @throws {RangeError} when `words` does not hold exactly two words.
   */
  constructor(words: Uint32Array) {
    if (words.length !== 2) {
      throw new RangeError(
        `Cannot make a ${NAME} bitmap as 'words' must hold 2 words: current value holds ${words.length}`,
      );
    }
    this.words = words;
  }

  /** Always `"u32pair"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    const w = this.words;
    return (w[0] | w[1]) === 0;
  }

  weight(): number {
    const w = this.words;
    return popcount32(w[0]) + popcount32(w[1]);
  }

  setBit(i: number): void {
    // One mask test rejects fractions, negatives, NaN and i > 63.
    if (typeof i !== "number" || (i & 63) !== i) throwBadBitIndex("set bit", i);
    // `1 << i` only uses i's low 5 bits: the bit within word i >>> 5.
    this.words[i >>> 5] |= 1 << i;
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("clear bit", i);
    }
    this.words[i >>> 5] &= ~(1 << i);
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test bit", i);
    }
    return (this.words[i >>> 5] & (1 << i)) !== 0;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test and set bit", i);
    }
    const w = this.words, k = i >>> 5, m = 1 << i, old = w[k];
    w[k] = old | m;
    return (old & m) !== 0;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test and clear bit", i);
    }
    const w = this.words, k = i >>> 5, m = 1 << i, old = w[k];
    w[k] = old & ~m;
    return (old & m) !== 0;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    if (!(a instanceof U32PairBitmap)) throwForeignBitmap("or", "a", NAME, a);
    if (!(b instanceof U32PairBitmap)) throwForeignBitmap("or", "b", NAME, b);
    const d = this.words, x = a.words, y = b.words;
    d[0] = x[0] | y[0];
    d[1] = x[1] | y[1];
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    if (!(a instanceof U32PairBitmap)) throwForeignBitmap("and", "a", NAME, a);
    if (!(b instanceof U32PairBitmap)) throwForeignBitmap("and", "b", NAME, b);
    const d = this.words, x = a.words, y = b.words;
    const lo = x[0] & y[0], hi = x[1] & y[1];
    d[0] = lo;
    d[1] = hi;
    return (lo | hi) !== 0;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    if (!(a instanceof U32PairBitmap)) {
      throwForeignBitmap("andNot", "a", NAME, a);
    }
    if (!(b instanceof U32PairBitmap)) {
      throwForeignBitmap("andNot", "b", NAME, b);
    }
    const d = this.words, x = a.words, y = b.words;
    const lo = x[0] & ~y[0], hi = x[1] & ~y[1];
    d[0] = lo;
    d[1] = hi;
    return (lo | hi) !== 0;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    if (!(a instanceof U32PairBitmap)) throwForeignBitmap("xor", "a", NAME, a);
    if (!(b instanceof U32PairBitmap)) throwForeignBitmap("xor", "b", NAME, b);
    const d = this.words, x = a.words, y = b.words;
    d[0] = x[0] ^ y[0];
    d[1] = x[1] ^ y[1];
  }

  intersects(other: Bitmap64): boolean {
    if (!(other instanceof U32PairBitmap)) {
      throwForeignBitmap("intersect", "other", NAME, other);
    }
    const x = this.words, y = other.words;
    return ((x[0] & y[0]) | (x[1] & y[1])) !== 0;
  }

  equals(other: Bitmap64): boolean {
    if (!(other instanceof U32PairBitmap)) {
      throwForeignBitmap("compare", "other", NAME, other);
    }
    const x = this.words, y = other.words;
    return x[0] === y[0] && x[1] === y[1];
  }

  isSubsetOf(other: Bitmap64): boolean {
    if (!(other instanceof U32PairBitmap)) {
      throwForeignBitmap("check subset", "other", NAME, other);
    }
    const x = this.words, y = other.words;
    return ((x[0] & ~y[0]) | (x[1] & ~y[1])) === 0;
  }

  findFirstBit(): number {
    const w = this.words;
    const lo = w[0];
    if (lo !== 0) return ctz32(lo);
    const hi = w[1];
    return hi !== 0 ? 32 + ctz32(hi) : 64;
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throwBadOffset(offset);
    const w = this.words;
    if (offset < 32) {
      // Drop the bits below offset, as find_next_bit()'s first-word mask does.
      const lo = w[0] & (-1 << offset);
      if (lo !== 0) return ctz32(lo);
      const hi = w[1];
      return hi !== 0 ? 32 + ctz32(hi) : 64;
    }
    if (offset === 64) return 64;
    const hi = w[1] & (-1 << offset); // shift count is offset - 32 (mod 32)
    return hi !== 0 ? 32 + ctz32(hi) : 64;
  }

  forEachSetBit(fn: (i: number) => void): void {
    const w = this.words;
    // Visit set bits only: isolate the lowest with x & -x, then drop it.
    let x = w[0];
    while (x !== 0) {
      const low = x & -x;
      fn(31 - Math.clz32(low));
      x ^= low;
    }
    x = w[1];
    while (x !== 0) {
      const low = x & -x;
      fn(63 - Math.clz32(low));
      x ^= low;
    }
  }

  zero(): void {
    const w = this.words;
    w[0] = 0;
    w[1] = 0;
  }

  fill(): void {
    const w = this.words;
    w[0] = 0xffffffff;
    w[1] = 0xffffffff;
  }

  copy(src: Bitmap64): void {
    if (!(src instanceof U32PairBitmap)) {
      throwForeignBitmap("copy", "src", NAME, src);
    }
    const d = this.words, s = src.words;
    d[0] = s[0];
    d[1] = s[1];
  }

  atomicOr(src: Bitmap64): void {
    if (!(src instanceof U32PairBitmap)) {
      throwForeignBitmap("atomicOr", "src", NAME, src);
    }
    const w = this.words, s = src.words;
    const lo = s[0], hi = s[1];
    // OR with 0 changes nothing: spare the locked instruction.
    if (lo !== 0) Atomics.or(w, 0, lo);
    if (hi !== 0) Atomics.or(w, 1, hi);
  }

  atomicAndNot(src: Bitmap64): void {
    if (!(src instanceof U32PairBitmap)) {
      throwForeignBitmap("atomicAndNot", "src", NAME, src);
    }
    const w = this.words, s = src.words;
    const lo = s[0], hi = s[1];
    if (lo !== 0) Atomics.and(w, 0, ~lo);
    if (hi !== 0) Atomics.and(w, 1, ~hi);
  }

  snapshotAndClear(out: Bitmap64): void {
    if (!(out instanceof U32PairBitmap)) {
      throwForeignBitmap("snapshot and clear", "out", NAME, out);
    }
    if (out === this) throwSnapshotIntoSelf(NAME);
    const w = this.words, o = out.words;
    const lo = Atomics.load(w, 0), hi = Atomics.load(w, 1);
    o[0] = lo;
    o[1] = hi;
    // kvm_pmu_handle_event(): clear only the snapshot, so bits set meanwhile survive.
    if (lo !== 0) Atomics.and(w, 0, ~lo);
    if (hi !== 0) Atomics.and(w, 1, ~hi);
  }

  toBigInt(): bigint {
    const w = this.words;
    return (BigInt(w[1]) << 32n) | BigInt(w[0]);
  }

  fromBigInt(v: bigint): void {
    checkBigInt64(v, "set a bitmap from a bigint");
    const w = this.words;
    w[0] = Number(v & 0xffffffffn);
    w[1] = Number(v >> 32n);
  }
}

/**
 * The `u32pair` strategy: two 32-bit words, the kernel's GP vs fixed
 * halves.
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
 * ```
 */
export const u32pairStrategy: BitmapStrategy = {
  name: NAME,
  description:
    "Uint32Array(2): word 0 = bits 31:0 (GP counters), word 1 = bits 63:32 (fixed counters)",
  atomicity: "32-bit word" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    const buffer = wantsShared(options)
      ? new SharedArrayBuffer(BYTES)
      : new ArrayBuffer(BYTES);
    return new U32PairBitmap(new Uint32Array(buffer));
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (!(b instanceof U32PairBitmap)) throwBufferOfForeign(NAME, b);
    const buffer = b.words.buffer;
    return buffer instanceof SharedArrayBuffer ? buffer : undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return new U32PairBitmap(
      new Uint32Array(checkSharedBuffer(buffer, BYTES, NAME)),
    );
  },
};

/**
 * The `u64view` strategy: an 8-byte buffer seen both as a
 * `BigUint64Array(1)` and as a `Uint32Array(2)`. Ordinary operations take
 * the 32-bit fast paths of `u32pair`; the atomic ones and the `bigint`
 * conversions use the 64-bit element, so `atomicOr` is one `atomic64_or`.
 *
 * Atomicity: `"64-bit"` for a map in a `SharedArrayBuffer`. WARNING: only
 * the `atomic*` methods and `snapshotAndClear` are safe against other
 * agents; the plain methods (32-bit halves) must not race with them, as in
 * the kernel where `__set_bit` on a shared word would be a bug too. A map
 * in a plain `ArrayBuffer` cannot be reached by another agent, so there its
 * `atomic*` methods are plain 32-bit read-modify-writes (no `Atomics` call,
 * which V8 does not inline).
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

const NAME = "u64view";
const BYTES = 8;
/** Word holding bits 31:0 in the 32-bit view (1 on a big-endian host). */
const LO = LITTLE_ENDIAN ? 0 : 1;
/** Word holding bits 63:32. */
const HI = 1 - LO;
/** XOR into `i >>> 5` to find bit i's word on this host. */
const SWAP = LO;

// Hot helpers through module constants: V8 folds a module const, but
// re-reads an imported binding on every call (see u32pair.ts).
const popcount = popcount64;
const ffs32 = ctz32;

/**
 * The 32-bit view of a `u64view` operand, or the `TypeError` naming
 * `param`. The view is read before the class test, so once V8 knows the
 * operand's class from the load the test folds away (an `instanceof` on
 * an operand of unknown class walks the prototype chain every call).
 */
function wordsOf(m: Bitmap64, action: string, param: string): Uint32Array {
  let w: Uint32Array;
  try {
    w = (m as U64ViewBitmap).words;
  } catch {
    throw foreignBitmapError(action, param, NAME, m); // null or undefined
  }
  if (!(m instanceof U64ViewBitmap)) {
    throw foreignBitmapError(action, param, NAME, m);
  }
  return w;
}

/**
 * A 64-bit map in one buffer with a 64-bit and a 32-bit view. Binary
 * operations take only other `U64ViewBitmap`s and throw `TypeError` for any
 * other strategy's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U64ViewBitmap } from "./u64view.ts";
 *
 * const b = new U64ViewBitmap(new ArrayBuffer(8));
 * b.setBit(32);
 * assert.equal(b.cell[0], 1n << 32n); // the same bytes, seen as 64 bits
 * assert.equal(b.shared, false);
 * ```
 */
export class U64ViewBitmap implements Bitmap64 {
  /** The map as one 64-bit element (atomics, conversions). */
  declare readonly cell: BigUint64Array;
  /** The same bytes as two 32-bit words, in host byte order. */
  declare readonly words: Uint32Array;
  /** Whether the buffer is a `SharedArrayBuffer`: only then do the `atomic*` methods use `Atomics`. */
  declare readonly shared: boolean;

  /**
   * View an 8-byte buffer (fresh, or shared with other agents).
   *
   * @throws {RangeError} when `buffer` is not 8 bytes long.
   */
  constructor(buffer: ArrayBuffer | SharedArrayBuffer) {
    if (buffer.byteLength !== BYTES) {
      throw new RangeError(
        `Cannot make a ${NAME} bitmap as 'buffer' must be ${BYTES} bytes long: current value is ${buffer.byteLength} bytes`,
      );
    }
    this.cell = new BigUint64Array(buffer);
    this.words = new Uint32Array(buffer);
    this.shared = buffer instanceof SharedArrayBuffer;
  }

  /** Always `"u64view"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    const w = this.words;
    return (w[0] | w[1]) === 0;
  }

  weight(): number {
    const w = this.words;
    return popcount(w[0], w[1]);
  }

  setBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("set bit", i);
    }
    this.words[(i >>> 5) ^ SWAP] |= 1 << i;
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("clear bit", i);
    }
    this.words[(i >>> 5) ^ SWAP] &= ~(1 << i);
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test bit", i);
    }
    return (this.words[(i >>> 5) ^ SWAP] & (1 << i)) !== 0;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and set bit", i);
    }
    const w = this.words, k = (i >>> 5) ^ SWAP, m = 1 << i, old = w[k];
    w[k] = old | m;
    return (old & m) !== 0;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and clear bit", i);
    }
    const w = this.words, k = (i >>> 5) ^ SWAP, m = 1 << i, old = w[k];
    w[k] = old & ~m;
    return (old & m) !== 0;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    const x = wordsOf(a, "or", "a"), y = wordsOf(b, "or", "b");
    const d = this.words;
    d[0] = x[0] | y[0];
    d[1] = x[1] | y[1];
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    const x = wordsOf(a, "and", "a"), y = wordsOf(b, "and", "b");
    const d = this.words;
    const w0 = x[0] & y[0], w1 = x[1] & y[1];
    d[0] = w0;
    d[1] = w1;
    return (w0 | w1) !== 0;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    const x = wordsOf(a, "andNot", "a"), y = wordsOf(b, "andNot", "b");
    const d = this.words;
    const w0 = x[0] & ~y[0], w1 = x[1] & ~y[1];
    d[0] = w0;
    d[1] = w1;
    return (w0 | w1) !== 0;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    const x = wordsOf(a, "xor", "a"), y = wordsOf(b, "xor", "b");
    const d = this.words;
    d[0] = x[0] ^ y[0];
    d[1] = x[1] ^ y[1];
  }

  intersects(other: Bitmap64): boolean {
    const y = wordsOf(other, "intersect", "other"), x = this.words;
    return ((x[0] & y[0]) | (x[1] & y[1])) !== 0;
  }

  equals(other: Bitmap64): boolean {
    const y = wordsOf(other, "compare", "other"), x = this.words;
    return x[0] === y[0] && x[1] === y[1];
  }

  isSubsetOf(other: Bitmap64): boolean {
    const y = wordsOf(other, "check subset", "other"), x = this.words;
    return ((x[0] & ~y[0]) | (x[1] & ~y[1])) === 0;
  }

  findFirstBit(): number {
    const w = this.words;
    const lo = w[LO];
    if (lo !== 0) return ffs32(lo);
    const hi = w[HI];
    return hi !== 0 ? 32 + ffs32(hi) : 64;
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throw badOffsetError(offset);
    const w = this.words;
    if (offset < 32) {
      const lo = w[LO] & (-1 << offset);
      if (lo !== 0) return ffs32(lo);
      const hi = w[HI];
      return hi !== 0 ? 32 + ffs32(hi) : 64;
    }
    if (offset === 64) return 64;
    const hi = w[HI] & (-1 << offset); // shift count is offset - 32 (mod 32)
    return hi !== 0 ? 32 + ffs32(hi) : 64;
  }

  forEachSetBit(fn: (i: number) => void): void {
    const w = this.words;
    let x = w[LO];
    while (x !== 0) {
      const low = x & -x;
      fn(31 - Math.clz32(low));
      x ^= low;
    }
    x = w[HI];
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
    const s = wordsOf(src, "copy", "src"), d = this.words;
    d[0] = s[0];
    d[1] = s[1];
  }

  atomicOr(src: Bitmap64): void {
    const s = wordsOf(src, "atomicOr", "src");
    if (this.shared) {
      // atomic64_or(): one locked 64-bit RMW on the same bytes.
      Atomics.or(this.cell, 0, (src as U64ViewBitmap).cell[0]);
      return;
    }
    const d = this.words;
    d[0] |= s[0];
    d[1] |= s[1];
  }

  atomicAndNot(src: Bitmap64): void {
    const s = wordsOf(src, "atomicAndNot", "src");
    if (this.shared) {
      Atomics.and(this.cell, 0, ~(src as U64ViewBitmap).cell[0]);
      return;
    }
    const d = this.words;
    d[0] &= ~s[0];
    d[1] &= ~s[1];
  }

  snapshotAndClear(out: Bitmap64): void {
    const o = wordsOf(out, "snapshot and clear", "out");
    if (out === this) throw snapshotIntoSelfError(NAME);
    if (this.shared) {
      const snap = Atomics.load(this.cell, 0);
      (out as U64ViewBitmap).cell[0] = snap;
      // kvm_pmu_handle_event(): clear only the snapshot, so bits set meanwhile survive.
      if (snap !== 0n) Atomics.and(this.cell, 0, ~snap);
      return;
    }
    const w = this.words;
    o[0] = w[0];
    o[1] = w[1];
    w[0] = 0;
    w[1] = 0;
  }

  lowWord(): number {
    return this.words[LO] | 0;
  }

  highWord(): number {
    return this.words[HI] | 0;
  }

  setLowWord(value: number): void {
    this.words[LO] = value;
  }

  setHighWord(value: number): void {
    this.words[HI] = value;
  }

  toBigInt(): bigint {
    return this.cell[0];
  }

  fromBigInt(v: bigint): void {
    this.cell[0] = checkBigInt64(v, "set a bitmap from a bigint");
  }
}

/**
 * The `u64view` strategy: 32-bit fast paths and 64-bit atomics over the
 * same 8 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u64viewStrategy } from "./u64view.ts";
 *
 * const shared = u64viewStrategy.create({ shared: true });
 * const src = u64viewStrategy.create();
 * src.fromBigInt(0xf0000000fn);
 * shared.atomicOr(src); // one 64-bit Atomics.or
 * assert.equal(shared.weight(), 8);
 * ```
 */
export const u64viewStrategy: BitmapStrategy = {
  name: NAME,
  description:
    "8-byte buffer seen as BigUint64Array(1) for atomics and Uint32Array(2) for everything else",
  atomicity: "64-bit" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    return new U64ViewBitmap(
      wantsShared(options)
        ? new SharedArrayBuffer(BYTES)
        : new ArrayBuffer(BYTES),
    );
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (!(b instanceof U64ViewBitmap)) throwBufferOfForeign(NAME, b);
    const buffer = b.cell.buffer;
    return buffer instanceof SharedArrayBuffer ? buffer : undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return new U64ViewBitmap(checkSharedBuffer(buffer, BYTES, NAME));
  },
};

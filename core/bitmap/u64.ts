/**
 * The `u64` strategy: one `BigUint64Array(1)` element, every operation done
 * in 64-bit `bigint` arithmetic on it, the closest shape to the kernel's
 * single `u64` (`atomic64_t` for `__reprogram_pmi`).
 *
 * Atomicity: `"64-bit"`. `atomicOr`/`atomicAndNot` are one
 * `Atomics.or`/`Atomics.and` on the 64-bit element, exactly `atomic64_or` /
 * `atomic64_andnot` (lock-free on x86-64: `Atomics.isLockFree(8)`).
 *
 * What this strategy measures is whether V8 lowers `BigUint64Array` loads,
 * stores and bitwise ops to machine words or materialises heap `BigInt`s:
 * results that leave the typed array (`toBigInt`, counting bits, finding
 * one) need `bigint` values and may allocate.
 *
 * @module
 */

import type { Atomicity, Bitmap64, BitmapStrategy } from "./bitmap.ts";
import {
  badBitIndexError,
  badOffsetError,
  BIT64,
  checkBigInt64,
  checkSharedBuffer,
  ctz32,
  foreignBitmapError,
  popcount64,
  snapshotIntoSelfError,
  throwBufferOfForeign,
  wantsShared,
} from "./_bits.ts";

const NAME = "u64";
const BYTES = 8;
const ALL = 0xffff_ffff_ffff_ffffn;
const LOW32 = 0xffff_ffffn;

/** `-1n << BigInt(off)` masked to 64 bits: the bits at or above `off`. */
const FROM_BIT: readonly bigint[] = Array.from(
  { length: 64 },
  (_, i) => (ALL << BigInt(i)) & ALL,
);

/** Index of the lowest set bit of a non-zero 64-bit `v`. */
function ctz64(v: bigint): number {
  const lo = Number(v & LOW32);
  return lo !== 0 ? ffs32(lo) : 32 + ffs32(Number(v >> 32n));
}

// Hot helpers through module constants: V8 folds a module const, but
// re-reads an imported binding on every call (see u32pair.ts).
const ffs32 = ctz32;
const popcount = popcount64;

/**
 * A `u64` operand, or the `TypeError` naming `param`. The element array is
 * read before the class test, so V8 knows the operand's class and folds
 * the test (an `instanceof` on an operand of unknown class walks the
 * prototype chain every call).
 */
function operand(m: Bitmap64, action: string, param: string): U64Bitmap {
  try {
    void (m as U64Bitmap).cell;
  } catch {
    throw foreignBitmapError(action, param, NAME, m); // null or undefined
  }
  if (!(m instanceof U64Bitmap)) {
    throw foreignBitmapError(action, param, NAME, m);
  }
  return m;
}

/**
 * A 64-bit map held in one `BigUint64Array` element. Binary operations take
 * only other `U64Bitmap`s and throw `TypeError` for any other strategy's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U64Bitmap } from "./u64.ts";
 *
 * const b = new U64Bitmap(new BigUint64Array(1));
 * b.setBit(63);
 * assert.equal(b.cell[0], 1n << 63n);
 * ```
 */
export class U64Bitmap implements Bitmap64 {
  /** The map: `cell[0]`. */
  declare readonly cell: BigUint64Array;
  /** Whether `cell` lives in a `SharedArrayBuffer`: only then do the `atomic*` methods use `Atomics`. */
  declare readonly shared: boolean;

  /**
   * Wrap one 64-bit element (a fresh `BigUint64Array(1)` or a view of a
   * shared buffer).
   *
   * @throws {RangeError} when `cell` does not hold exactly one element.
   */
  constructor(cell: BigUint64Array) {
    if (cell.length !== 1) {
      throw new RangeError(
        `Cannot make a ${NAME} bitmap as 'cell' must hold 1 element: current value holds ${cell.length}`,
      );
    }
    this.cell = cell;
    this.shared = cell.buffer instanceof SharedArrayBuffer;
  }

  /** Always `"u64"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    return this.cell[0] === 0n;
  }

  weight(): number {
    const v = this.cell[0];
    return popcount(Number(v & LOW32), Number(v >> 32n));
  }

  setBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("set bit", i);
    }
    this.cell[0] |= BIT64[i];
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("clear bit", i);
    }
    // The typed array store truncates ~bit's infinite leading ones to 64 bits.
    this.cell[0] &= ~BIT64[i];
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test bit", i);
    }
    return (this.cell[0] & BIT64[i]) !== 0n;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and set bit", i);
    }
    const c = this.cell, m = BIT64[i], old = c[0];
    c[0] = old | m;
    return (old & m) !== 0n;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and clear bit", i);
    }
    const c = this.cell, m = BIT64[i], old = c[0];
    c[0] = old & ~m;
    return (old & m) !== 0n;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "or", "a");
    const y = operand(b, "or", "b");
    this.cell[0] = x.cell[0] | y.cell[0];
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "and", "a");
    const y = operand(b, "and", "b");
    const v = x.cell[0] & y.cell[0];
    this.cell[0] = v;
    return v !== 0n;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "andNot", "a");
    const y = operand(b, "andNot", "b");
    // a is already in [0, 2^64), so a & ~b needs no masking.
    const v = x.cell[0] & ~y.cell[0];
    this.cell[0] = v;
    return v !== 0n;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "xor", "a");
    const y = operand(b, "xor", "b");
    this.cell[0] = x.cell[0] ^ y.cell[0];
  }

  intersects(other: Bitmap64): boolean {
    const o = operand(other, "intersect", "other");
    return (this.cell[0] & o.cell[0]) !== 0n;
  }

  equals(other: Bitmap64): boolean {
    const o = operand(other, "compare", "other");
    return this.cell[0] === o.cell[0];
  }

  isSubsetOf(other: Bitmap64): boolean {
    const o = operand(other, "check subset", "other");
    return (this.cell[0] & ~o.cell[0]) === 0n;
  }

  findFirstBit(): number {
    const v = this.cell[0];
    return v === 0n ? 64 : ctz64(v);
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throw badOffsetError(offset);
    if (offset === 64) return 64;
    const v = this.cell[0] & FROM_BIT[offset];
    return v === 0n ? 64 : ctz64(v);
  }

  forEachSetBit(fn: (i: number) => void): void {
    let v = this.cell[0];
    while (v !== 0n) {
      const low = v & -v;
      fn(ctz64(low));
      v ^= low;
    }
  }

  zero(): void {
    this.cell[0] = 0n;
  }

  fill(): void {
    this.cell[0] = ALL;
  }

  copy(src: Bitmap64): void {
    const o = operand(src, "copy", "src");
    this.cell[0] = o.cell[0];
  }

  atomicOr(src: Bitmap64): void {
    const o = operand(src, "atomicOr", "src");
    // atomic64_or(): one locked 64-bit RMW where another agent can see
    // the map; a plain |= where none can.
    if (this.shared) Atomics.or(this.cell, 0, o.cell[0]);
    else this.cell[0] |= o.cell[0];
  }

  atomicAndNot(src: Bitmap64): void {
    const o = operand(src, "atomicAndNot", "src");
    if (this.shared) Atomics.and(this.cell, 0, ~o.cell[0]);
    else this.cell[0] &= ~o.cell[0];
  }

  snapshotAndClear(out: Bitmap64): void {
    const o = operand(out, "snapshot and clear", "out");
    if (out === this) throw snapshotIntoSelfError(NAME);
    if (!this.shared) {
      o.cell[0] = this.cell[0];
      this.cell[0] = 0n;
      return;
    }
    const snap = Atomics.load(this.cell, 0);
    o.cell[0] = snap;
    // kvm_pmu_handle_event(): clear only the snapshot, so bits set meanwhile survive.
    if (snap !== 0n) Atomics.and(this.cell, 0, ~snap);
  }

  lowWord(): number {
    return Number(this.cell[0] & LOW32) | 0;
  }

  highWord(): number {
    return Number(this.cell[0] >> 32n) | 0;
  }

  setLowWord(value: number): void {
    this.cell[0] = (this.cell[0] & ~LOW32) | BigInt(value >>> 0);
  }

  setHighWord(value: number): void {
    this.cell[0] = (this.cell[0] & LOW32) | (BigInt(value >>> 0) << 32n);
  }

  toBigInt(): bigint {
    return this.cell[0];
  }

  fromBigInt(v: bigint): void {
    this.cell[0] = checkBigInt64(v, "set a bitmap from a bigint");
  }
}

/**
 * The `u64` strategy: one `BigUint64Array` element, `bigint` arithmetic,
 * 64-bit atomics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u64Strategy } from "./u64.ts";
 *
 * const b = u64Strategy.create();
 * b.fromBigInt(0b1011n);
 * assert.equal(b.findNextBit(2), 3);
 * assert.equal(u64Strategy.atomicity, "64-bit");
 * ```
 */
export const u64Strategy: BitmapStrategy = {
  name: NAME,
  description: "BigUint64Array(1): the map is one 64-bit element, bigint ops",
  atomicity: "64-bit" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    const buffer = wantsShared(options)
      ? new SharedArrayBuffer(BYTES)
      : new ArrayBuffer(BYTES);
    return new U64Bitmap(new BigUint64Array(buffer));
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (!(b instanceof U64Bitmap)) throwBufferOfForeign(NAME, b);
    const buffer = b.cell.buffer;
    return buffer instanceof SharedArrayBuffer ? buffer : undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return new U64Bitmap(
      new BigUint64Array(checkSharedBuffer(buffer, BYTES, NAME)),
    );
  },
};

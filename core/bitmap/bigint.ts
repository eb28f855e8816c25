/**
 * The `bigint` strategy, a naive baseline: the map is an immutable `bigint`
 * in `[0, 2^64)` held in a field, and every change replaces the field with
 * a new value. This is what a first TypeScript model reaches for; its
 * allocations (a new heap `BigInt` per result) are the point of measuring
 * it.
 *
 * Atomicity: `"none"`. A `bigint` cannot live in a `SharedArrayBuffer`, so
 * the map cannot be shared at all: `create({ shared: true })` and
 * `attach()` throw `TypeError` rather than silently handing out an
 * unshared map, and the `atomic*` methods are ordinary read-modify-writes
 * (correct only for a single agent).
 *
 * @module
 */

import type { Atomicity, Bitmap64, BitmapStrategy } from "./bitmap.ts";
import { describeValue } from "../common/describe.ts";
import {
  badBitIndexError,
  badOffsetError,
  BIT64,
  checkBigInt64,
  ctz32,
  foreignBitmapError,
  MASK64,
  popcount64,
  snapshotIntoSelfError,
  throwBufferOfForeign,
} from "./_bits.ts";

const NAME = "bigint";
const LOW32 = 0xffff_ffffn;

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
 * A `bigint` operand, or the `TypeError` naming `param`. The value is read
 * before the class test, so V8 knows the operand's class and folds the
 * test.
 */
function operand(m: Bitmap64, action: string, param: string): BigIntBitmap {
  try {
    void (m as BigIntBitmap).value;
  } catch {
    throw foreignBitmapError(action, param, NAME, m); // null or undefined
  }
  if (!(m instanceof BigIntBitmap)) {
    throw foreignBitmapError(action, param, NAME, m);
  }
  return m;
}

/**
 * A 64-bit map held as one immutable `bigint`. Binary operations take only
 * other `BigIntBitmap`s and throw `TypeError` for any other strategy's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BigIntBitmap } from "./bigint.ts";
 *
 * const b = new BigIntBitmap();
 * b.setBit(5);
 * assert.equal(b.value, 32n);
 * ```
 */
export class BigIntBitmap implements Bitmap64 {
  /** The map, always in `[0, 2^64)`; replaced, never mutated. */
  value: bigint = 0n;

  /** Always `"bigint"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    return this.value === 0n;
  }

  weight(): number {
    const v = this.value;
    return popcount(Number(v & LOW32), Number(v >> 32n));
  }

  setBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("set bit", i);
    }
    this.value |= BIT64[i];
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("clear bit", i);
    }
    this.value &= ~BIT64[i];
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test bit", i);
    }
    return (this.value & BIT64[i]) !== 0n;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and set bit", i);
    }
    const old = this.value, m = BIT64[i];
    this.value = old | m;
    return (old & m) !== 0n;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and clear bit", i);
    }
    const old = this.value, m = BIT64[i];
    this.value = old & ~m;
    return (old & m) !== 0n;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "or", "a");
    const y = operand(b, "or", "b");
    this.value = x.value | y.value;
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "and", "a");
    const y = operand(b, "and", "b");
    const v = x.value & y.value;
    this.value = v;
    return v !== 0n;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "andNot", "a");
    const y = operand(b, "andNot", "b");
    const v = x.value & ~y.value;
    this.value = v;
    return v !== 0n;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "xor", "a");
    const y = operand(b, "xor", "b");
    this.value = x.value ^ y.value;
  }

  intersects(other: Bitmap64): boolean {
    const o = operand(other, "intersect", "other");
    return (this.value & o.value) !== 0n;
  }

  equals(other: Bitmap64): boolean {
    const o = operand(other, "compare", "other");
    return this.value === o.value;
  }

  isSubsetOf(other: Bitmap64): boolean {
    const o = operand(other, "check subset", "other");
    return (this.value & ~o.value) === 0n;
  }

  findFirstBit(): number {
    const v = this.value;
    return v === 0n ? 64 : ctz64(v);
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throw badOffsetError(offset);
    const v = this.value >> BigInt(offset);
    return v === 0n ? 64 : offset + ctz64(v);
  }

  forEachSetBit(fn: (i: number) => void): void {
    let v = this.value;
    while (v !== 0n) {
      const low = v & -v;
      fn(ctz64(low));
      v ^= low;
    }
  }

  zero(): void {
    this.value = 0n;
  }

  fill(): void {
    this.value = MASK64;
  }

  copy(src: Bitmap64): void {
    const o = operand(src, "copy", "src");
    this.value = o.value;
  }

  atomicOr(src: Bitmap64): void {
    const o = operand(src, "atomicOr", "src");
    // Not atomic: a bigint map is never shared, so one agent owns it.
    this.value |= o.value;
  }

  atomicAndNot(src: Bitmap64): void {
    const o = operand(src, "atomicAndNot", "src");
    this.value &= ~o.value;
  }

  snapshotAndClear(out: Bitmap64): void {
    const o = operand(out, "snapshot and clear", "out");
    if (out === this) throw snapshotIntoSelfError(NAME);
    const snap = this.value;
    o.value = snap;
    this.value &= ~snap;
  }

  lowWord(): number {
    return Number(this.value & LOW32) | 0;
  }

  highWord(): number {
    return Number(this.value >> 32n) | 0;
  }

  setLowWord(value: number): void {
    this.value = (this.value & ~LOW32) | BigInt(value >>> 0);
  }

  setHighWord(value: number): void {
    this.value = (this.value & LOW32) | (BigInt(value >>> 0) << 32n);
  }

  toBigInt(): bigint {
    return this.value;
  }

  fromBigInt(v: bigint): void {
    this.value = checkBigInt64(v, "set a bitmap from a bigint");
  }
}

function throwNotShareable(
  action: string,
  param: string,
  value: unknown,
): never {
  throw new TypeError(
    `Cannot ${action} as '${param}' cannot be shared by a ${NAME} bitmap, which lives in no SharedArrayBuffer (use u32pair, u64, u64view or bool): current value is ${
      describeValue(value)
    }`,
  );
}

/**
 * The `bigint` strategy: an immutable `bigint` replaced on every change.
 * Cannot be shared between agents.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigintStrategy } from "./bigint.ts";
 *
 * const b = bigintStrategy.create();
 * b.fill();
 * assert.equal(b.weight(), 64);
 * assert.equal(bigintStrategy.bufferOf(b), undefined);
 * assert.throws(() => bigintStrategy.create({ shared: true }), TypeError);
 * ```
 */
export const bigintStrategy: BitmapStrategy = {
  name: NAME,
  description:
    "immutable bigint in [0, 2^64) replaced on every change (naive baseline, cannot be shared)",
  atomicity: "none" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    if (options?.shared === true) {
      throwNotShareable("create a bitmap", "options.shared", true);
    }
    return new BigIntBitmap();
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (!(b instanceof BigIntBitmap)) throwBufferOfForeign(NAME, b);
    return undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return throwNotShareable("attach a bitmap", "buffer", buffer);
  },
};

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
  BIT64,
  checkBigInt64,
  ctz32,
  MASK64,
  popcount32,
  throwBadBitIndex,
  throwBadOffset,
  throwBufferOfForeign,
  throwForeignBitmap,
  throwSnapshotIntoSelf,
} from "./_bits.ts";

const NAME = "bigint";
const LOW32 = 0xffff_ffffn;

/** Index of the lowest set bit of a non-zero 64-bit `v`. */
function ctz64(v: bigint): number {
  const lo = Number(v & LOW32);
  return lo !== 0 ? ctz32(lo) : 32 + ctz32(Number(v >> 32n));
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
    return popcount32(Number(v & LOW32)) + popcount32(Number(v >> 32n));
  }

  setBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) throwBadBitIndex("set bit", i);
    this.value |= BIT64[i];
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("clear bit", i);
    }
    this.value &= ~BIT64[i];
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test bit", i);
    }
    return (this.value & BIT64[i]) !== 0n;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test and set bit", i);
    }
    const old = this.value, m = BIT64[i];
    this.value = old | m;
    return (old & m) !== 0n;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throwBadBitIndex("test and clear bit", i);
    }
    const old = this.value, m = BIT64[i];
    this.value = old & ~m;
    return (old & m) !== 0n;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    if (!(a instanceof BigIntBitmap)) throwForeignBitmap("or", "a", NAME, a);
    if (!(b instanceof BigIntBitmap)) throwForeignBitmap("or", "b", NAME, b);
    this.value = a.value | b.value;
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    if (!(a instanceof BigIntBitmap)) throwForeignBitmap("and", "a", NAME, a);
    if (!(b instanceof BigIntBitmap)) throwForeignBitmap("and", "b", NAME, b);
    const v = a.value & b.value;
    this.value = v;
    return v !== 0n;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    if (!(a instanceof BigIntBitmap)) {
      throwForeignBitmap("andNot", "a", NAME, a);
    }
    if (!(b instanceof BigIntBitmap)) {
      throwForeignBitmap("andNot", "b", NAME, b);
    }
    const v = a.value & ~b.value;
    this.value = v;
    return v !== 0n;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    if (!(a instanceof BigIntBitmap)) throwForeignBitmap("xor", "a", NAME, a);
    if (!(b instanceof BigIntBitmap)) throwForeignBitmap("xor", "b", NAME, b);
    this.value = a.value ^ b.value;
  }

  intersects(other: Bitmap64): boolean {
    if (!(other instanceof BigIntBitmap)) {
      throwForeignBitmap("intersect", "other", NAME, other);
    }
    return (this.value & other.value) !== 0n;
  }

  equals(other: Bitmap64): boolean {
    if (!(other instanceof BigIntBitmap)) {
      throwForeignBitmap("compare", "other", NAME, other);
    }
    return this.value === other.value;
  }

  isSubsetOf(other: Bitmap64): boolean {
    if (!(other instanceof BigIntBitmap)) {
      throwForeignBitmap("check subset", "other", NAME, other);
    }
    return (this.value & ~other.value) === 0n;
  }

  findFirstBit(): number {
    const v = this.value;
    return v === 0n ? 64 : ctz64(v);
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throwBadOffset(offset);
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
    if (!(src instanceof BigIntBitmap)) {
      throwForeignBitmap("copy", "src", NAME, src);
    }
    this.value = src.value;
  }

  atomicOr(src: Bitmap64): void {
    if (!(src instanceof BigIntBitmap)) {
      throwForeignBitmap("atomicOr", "src", NAME, src);
    }
    // Not atomic: a bigint map is never shared, so one agent owns it.
    this.value |= src.value;
  }

  atomicAndNot(src: Bitmap64): void {
    if (!(src instanceof BigIntBitmap)) {
      throwForeignBitmap("atomicAndNot", "src", NAME, src);
    }
    this.value &= ~src.value;
  }

  snapshotAndClear(out: Bitmap64): void {
    if (!(out instanceof BigIntBitmap)) {
      throwForeignBitmap("snapshot and clear", "out", NAME, out);
    }
    if (out === this) throwSnapshotIntoSelf(NAME);
    const snap = this.value;
    out.value = snap;
    this.value &= ~snap;
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

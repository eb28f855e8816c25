/**
 * The `bool` strategy, a naive baseline: a `Uint8Array(64)` with one 0/1
 * flag per bit, every whole-map operation a 64-step loop. It is what the
 * kernel's bitmaps replace; measuring it shows what packing bits into words
 * buys.
 *
 * Atomicity: `"8-bit flag"`. `atomicOr`/`atomicAndNot` store each affected
 * flag with its own `Atomics.store`; as every bit is its own byte and the
 * operations only ever set or only ever clear, no concurrent change can be
 * lost, though other agents may see the flags change one by one.
 *
 * @module
 */

import type { Atomicity, Bitmap64, BitmapStrategy } from "./bitmap.ts";
import {
  badBitIndexError,
  badOffsetError,
  checkBigInt64,
  checkSharedBuffer,
  foreignBitmapError,
  snapshotIntoSelfError,
  throwBufferOfForeign,
  wantsShared,
} from "./_bits.ts";

const NAME = "bool";
const BYTES = 64;

/**
 * A `bool` operand, or the `TypeError` naming `param`. The flags are read
 * before the class test, so V8 knows the operand's class and folds the
 * test.
 */
function operand(m: Bitmap64, action: string, param: string): BoolBitmap {
  try {
    void (m as BoolBitmap).flags;
  } catch {
    throw foreignBitmapError(action, param, NAME, m); // null or undefined
  }
  if (!(m instanceof BoolBitmap)) {
    throw foreignBitmapError(action, param, NAME, m);
  }
  return m;
}

// The 32 flags from `base` as an int32 bit pattern, and back.
function wordOf(f: Uint8Array, base: number): number {
  let x = 0;
  for (let i = 0; i < 32; i++) x |= f[base + i] << i;
  return x;
}

function setWordOf(f: Uint8Array, base: number, value: number): void {
  for (let i = 0; i < 32; i++) f[base + i] = (value >>> i) & 1;
}

/**
 * A 64-bit map held as 64 byte-sized flags. Binary operations take only
 * other `BoolBitmap`s and throw `TypeError` for any other strategy's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BoolBitmap } from "./bool.ts";
 *
 * const b = new BoolBitmap(new Uint8Array(64));
 * b.setBit(7);
 * assert.equal(b.flags[7], 1);
 * ```
 */
export class BoolBitmap implements Bitmap64 {
  /** `flags[i]` is 1 when bit i is set, else 0. */
  declare readonly flags: Uint8Array;
  /** Whether `flags` live in a `SharedArrayBuffer`: only then do the `atomic*` methods use `Atomics`. */
  declare readonly shared: boolean;

  /**
   * Wrap 64 flags (a fresh `Uint8Array(64)` or a view of a shared buffer).
   *
   * @throws {RangeError} when `flags` does not hold exactly 64 bytes.
   */
  constructor(flags: Uint8Array) {
    if (flags.length !== BYTES) {
      throw new RangeError(
        `Cannot make a ${NAME} bitmap as 'flags' must hold 64 bytes: current value holds ${flags.length}`,
      );
    }
    this.flags = flags;
    this.shared = flags.buffer instanceof SharedArrayBuffer;
  }

  /** Always `"bool"`. */
  get strategy(): string {
    return NAME;
  }

  isEmpty(): boolean {
    const f = this.flags;
    for (let i = 0; i < 64; i++) if (f[i] !== 0) return false;
    return true;
  }

  weight(): number {
    const f = this.flags;
    let n = 0;
    for (let i = 0; i < 64; i++) n += f[i];
    return n;
  }

  setBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("set bit", i);
    }
    this.flags[i] = 1;
  }

  clearBit(i: number): void {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("clear bit", i);
    }
    this.flags[i] = 0;
  }

  testBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test bit", i);
    }
    return this.flags[i] !== 0;
  }

  testAndSetBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and set bit", i);
    }
    const f = this.flags, old = f[i];
    f[i] = 1;
    return old !== 0;
  }

  testAndClearBit(i: number): boolean {
    if (typeof i !== "number" || (i & 63) !== i) {
      throw badBitIndexError("test and clear bit", i);
    }
    const f = this.flags, old = f[i];
    f[i] = 0;
    return old !== 0;
  }

  or(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "or", "a").flags, y = operand(b, "or", "b").flags;
    const d = this.flags;
    for (let i = 0; i < 64; i++) d[i] = x[i] | y[i];
  }

  and(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "and", "a").flags, y = operand(b, "and", "b").flags;
    const d = this.flags;
    let any = 0;
    for (let i = 0; i < 64; i++) any |= d[i] = x[i] & y[i];
    return any !== 0;
  }

  andNot(a: Bitmap64, b: Bitmap64): boolean {
    const x = operand(a, "andNot", "a").flags,
      y = operand(b, "andNot", "b").flags;
    const d = this.flags;
    let any = 0;
    for (let i = 0; i < 64; i++) any |= d[i] = x[i] & (y[i] ^ 1);
    return any !== 0;
  }

  xor(a: Bitmap64, b: Bitmap64): void {
    const x = operand(a, "xor", "a").flags, y = operand(b, "xor", "b").flags;
    const d = this.flags;
    for (let i = 0; i < 64; i++) d[i] = x[i] ^ y[i];
  }

  intersects(other: Bitmap64): boolean {
    const x = this.flags, y = operand(other, "intersect", "other").flags;
    for (let i = 0; i < 64; i++) if ((x[i] & y[i]) !== 0) return true;
    return false;
  }

  equals(other: Bitmap64): boolean {
    const x = this.flags, y = operand(other, "compare", "other").flags;
    for (let i = 0; i < 64; i++) if (x[i] !== y[i]) return false;
    return true;
  }

  isSubsetOf(other: Bitmap64): boolean {
    const x = this.flags, y = operand(other, "check subset", "other").flags;
    for (let i = 0; i < 64; i++) if ((x[i] & ~y[i]) !== 0) return false;
    return true;
  }

  findFirstBit(): number {
    const f = this.flags;
    for (let i = 0; i < 64; i++) if (f[i] !== 0) return i;
    return 64;
  }

  findNextBit(offset: number): number {
    if (
      typeof offset !== "number" || (offset >>> 0) !== offset || offset > 64
    ) throw badOffsetError(offset);
    const f = this.flags;
    for (let i = offset; i < 64; i++) if (f[i] !== 0) return i;
    return 64;
  }

  forEachSetBit(fn: (i: number) => void): void {
    const f = this.flags;
    for (let i = 0; i < 64; i++) if (f[i] !== 0) fn(i);
  }

  zero(): void {
    this.flags.fill(0);
  }

  fill(): void {
    this.flags.fill(1);
  }

  copy(src: Bitmap64): void {
    const o = operand(src, "copy", "src");
    this.flags.set(o.flags);
  }

  atomicOr(src: Bitmap64): void {
    const f = this.flags, s = operand(src, "atomicOr", "src").flags;
    // Atomics only where another agent can see the map.
    if (!this.shared) {
      for (let i = 0; i < 64; i++) f[i] |= s[i];
      return;
    }
    for (let i = 0; i < 64; i++) if (s[i] !== 0) Atomics.store(f, i, 1);
  }

  atomicAndNot(src: Bitmap64): void {
    const f = this.flags, s = operand(src, "atomicAndNot", "src").flags;
    if (!this.shared) {
      for (let i = 0; i < 64; i++) f[i] &= s[i] ^ 1;
      return;
    }
    for (let i = 0; i < 64; i++) if (s[i] !== 0) Atomics.store(f, i, 0);
  }

  snapshotAndClear(out: Bitmap64): void {
    const o = operand(out, "snapshot and clear", "out").flags;
    if (out === this) throw snapshotIntoSelfError(NAME);
    const f = this.flags;
    if (!this.shared) {
      o.set(f);
      f.fill(0);
      return;
    }
    for (let i = 0; i < 64; i++) {
      const v = Atomics.load(f, i);
      o[i] = v;
      // kvm_pmu_handle_event(): clear only the snapshot; a set racing in
      // after the load finds the flag already 1, as set_bit() would.
      if (v !== 0) Atomics.store(f, i, 0);
    }
  }

  lowWord(): number {
    return wordOf(this.flags, 0);
  }

  highWord(): number {
    return wordOf(this.flags, 32);
  }

  setLowWord(value: number): void {
    setWordOf(this.flags, 0, value);
  }

  setHighWord(value: number): void {
    setWordOf(this.flags, 32, value);
  }

  toBigInt(): bigint {
    const f = this.flags;
    return (BigInt(wordOf(f, 32) >>> 0) << 32n) | BigInt(wordOf(f, 0) >>> 0);
  }

  fromBigInt(v: bigint): void {
    checkBigInt64(v, "set a bitmap from a bigint");
    const f = this.flags;
    setWordOf(f, 0, Number(v & 0xffffffffn));
    setWordOf(f, 32, Number(v >> 32n));
  }
}

/**
 * The `bool` strategy: one byte per bit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { boolStrategy } from "./bool.ts";
 *
 * const b = boolStrategy.create();
 * b.fromBigInt(0b110n);
 * assert.equal(b.findFirstBit(), 1);
 * assert.equal(boolStrategy.atomicity, "8-bit flag");
 * ```
 */
export const boolStrategy: BitmapStrategy = {
  name: NAME,
  description: "Uint8Array(64): one 0/1 flag byte per bit (naive baseline)",
  atomicity: "8-bit flag" satisfies Atomicity,
  create(options?: { shared?: boolean }): Bitmap64 {
    const buffer = wantsShared(options)
      ? new SharedArrayBuffer(BYTES)
      : new ArrayBuffer(BYTES);
    return new BoolBitmap(new Uint8Array(buffer));
  },
  bufferOf(b: Bitmap64): SharedArrayBuffer | undefined {
    if (!(b instanceof BoolBitmap)) throwBufferOfForeign(NAME, b);
    const buffer = b.flags.buffer;
    return buffer instanceof SharedArrayBuffer ? buffer : undefined;
  },
  attach(buffer: SharedArrayBuffer): Bitmap64 {
    return new BoolBitmap(
      new Uint8Array(checkSharedBuffer(buffer, BYTES, NAME)),
    );
  },
};

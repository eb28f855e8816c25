/**
 * Internals shared by the bitmap strategies: 32-bit bit tricks, the 64-bit
 * mask, and the one place that words every bitmap error message. Never
 * re-exported from `mod.ts`.
 *
 * @module
 */

import { describeValue } from "../common/describe.ts";

/** All 64 bits set: the largest value a map holds. */
export const MASK64: bigint = 0xffff_ffff_ffff_ffffn;

/** `1n << BigInt(i)` for every bit index, so bigint code needs no shift to make a mask. */
export const BIT64: readonly bigint[] = Array.from(
  { length: 64 },
  (_, i) => 1n << BigInt(i),
);

/** Whether `Uint32Array` word 0 over a `BigUint64Array` holds bits 31:0. */
export const LITTLE_ENDIAN: boolean =
  new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `hweight64()` of the two 32-bit halves of a map, as one SWAR sequence:
 * each half is reduced to per-byte counts (at most 8 each), the two are
 * added (at most 16 per byte) and a single multiply sums the bytes. The
 * `| 0` after each step tells V8 the arithmetic wraps, so it needs no
 * overflow check.
 */
export function popcount64(lo: number, hi: number): number {
  lo = (lo - ((lo >>> 1) & 0x55555555)) | 0;
  hi = (hi - ((hi >>> 1) & 0x55555555)) | 0;
  lo = ((lo & 0x33333333) + ((lo >>> 2) & 0x33333333)) | 0;
  hi = ((hi & 0x33333333) + ((hi >>> 2) & 0x33333333)) | 0;
  const bytes = (((lo + (lo >>> 4)) & 0x0f0f0f0f) +
    ((hi + (hi >>> 4)) & 0x0f0f0f0f)) | 0;
  return Math.imul(bytes, 0x01010101) >>> 24;
}

/**
 * `__ffs()`: index of the lowest set bit of a non-zero 32-bit `x`
 * (isolate it with `x & -x`, then count the zeros above it).
 */
export function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * The `RangeError` for a bad bit index. Returned rather than thrown: a hot
 * method ends in `throw badBitIndexError(...)`, so V8 knows the path ends
 * there (a call that might return would make every loop around the method
 * forget what it learnt about memory).
 */
export function badBitIndexError(action: string, i: unknown): RangeError {
  return new RangeError(
    `Cannot ${action} as 'i' must be an integer in [0, 63]: current value is ${
      describeValue(i)
    }`,
  );
}

/** The `RangeError` for a bad `findNextBit()` offset (returned, as {@linkcode badBitIndexError}). */
export function badOffsetError(offset: unknown): RangeError {
  return new RangeError(
    `Cannot find next bit as 'offset' must be an integer in [0, 64]: current value is ${
      describeValue(offset)
    }`,
  );
}

/**
 * The `TypeError` for an operand of another strategy (or not a bitmap at
 * all): binary operations only take bitmaps of the receiver's strategy.
 * Returned rather than thrown, so a hot method can end in `throw` and V8
 * knows the path ends there.
 */
export function foreignBitmapError(
  action: string,
  param: string,
  strategy: string,
  value: unknown,
): TypeError {
  return new TypeError(
    `Cannot ${action} as '${param}' must be a ${strategy} bitmap like the receiver: current value is ${
      describeBitmapArgument(value)
    }`,
  );
}

/** A bitmap of another strategy as `a u64 bitmap`, anything else as {@linkcode describeValue} shows it. */
function describeBitmapArgument(value: unknown): string {
  const strategy = typeof value === "object" && value !== null
    ? (value as { strategy?: unknown }).strategy
    : undefined;
  return typeof strategy === "string"
    ? `a ${strategy} bitmap`
    : describeValue(value);
}

/** The `RangeError` for `snapshotAndClear(out)` with `out === this` (returned, as {@linkcode badBitIndexError}). */
export function snapshotIntoSelfError(strategy: string): RangeError {
  return new RangeError(
    `Cannot snapshot and clear as 'out' must be another bitmap than the receiver: current value is the receiver (a ${strategy} bitmap)`,
  );
}

/**
 * Check a value for `fromBigInt()`: a `bigint` in [0, 2^64 - 1].
 *
 * @throws {TypeError} when `v` is not a bigint.
 * @throws {RangeError} when `v` is negative or wider than 64 bits.
 */
export function checkBigInt64(v: unknown, action: string): bigint {
  if (typeof v !== "bigint") {
    throw new TypeError(
      `Cannot ${action} as 'v' must be a bigint: current value is ${
        describeValue(v)
      }`,
    );
  }
  if (v < 0n || v > MASK64) {
    throw new RangeError(
      `Cannot ${action} as 'v' must be in [0, 2^64 - 1]: current value is ${v}n`,
    );
  }
  return v;
}

/**
 * Check a buffer handed to `attach()`: a `SharedArrayBuffer` of exactly the
 * strategy's size.
 *
 * @throws {TypeError} when `buffer` is not a `SharedArrayBuffer`.
 * @throws {RangeError} when its size is not `byteLength`.
 */
export function checkSharedBuffer(
  buffer: unknown,
  byteLength: number,
  strategy: string,
): SharedArrayBuffer {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(
      `Cannot attach a ${strategy} bitmap as 'buffer' must be a SharedArrayBuffer: current value is ${
        describeValue(buffer)
      }`,
    );
  }
  if (buffer.byteLength !== byteLength) {
    throw new RangeError(
      `Cannot attach a ${strategy} bitmap as 'buffer' must be ${byteLength} bytes long: current value is ${buffer.byteLength} bytes`,
    );
  }
  return buffer;
}

/** Throw the `TypeError` for `bufferOf()` given another strategy's bitmap. */
export function throwBufferOfForeign(strategy: string, value: unknown): never {
  throw new TypeError(
    `Cannot get the buffer of a bitmap as 'b' must be a ${strategy} bitmap: current value is ${
      describeBitmapArgument(value)
    }`,
  );
}

/** Whether `options.shared` asks for a `SharedArrayBuffer`. */
export function wantsShared(
  options: { shared?: boolean } | undefined,
): boolean {
  return options?.shared === true;
}

/**
 * The kernel's two text forms of a bitmap, for `nbits = 64`, on every
 * strategy (through `toBigInt()`) and on plain `bigint`s.
 *
 * | function | kernel counterpart | example |
 * | --- | --- | --- |
 * | {@linkcode formatBitmapHex} | `%*pb` (`bitmap_string()`) | `"00000007,0000000f"` |
 * | {@linkcode formatBitmapList} | `%*pbl` (`bitmap_list_string()`) | `"0-3,32-34"` |
 * | {@linkcode parseBitmapHex} | `bitmap_parse()` | `"7,f"` -> `0x7_0000000fn` |
 * | {@linkcode parseBitmapList} | `bitmap_parselist()` | `"0-3,32-34"` -> `0x7_0000000fn` |
 *
 * `bitmap_print_to_pagebuf()` (what sysfs shows) is the `%*pb`/`%*pbl`
 * text plus a trailing `"\n"`; both parsers stop at the first newline, so
 * that text parses back as is.
 *
 * Parse errors follow the kernel's errno: `-EINVAL` (a character or region
 * the grammar does not allow) becomes `SyntaxError`, `-EOVERFLOW` and
 * `-ERANGE` (a chunk, number or bit index too large) become `RangeError`;
 * both name the 0-based position in the text.
 *
 * @module
 */

import type { Bitmap64 } from "./bitmap.ts";
import { describeValue } from "../common/describe.ts";
import { checkBigInt64 } from "./_bits.ts";

function bitsOf(bits: Bitmap64 | bigint, action: string): bigint {
  if (typeof bits === "bigint") return checkBigInt64(bits, action);
  if (
    typeof bits !== "object" || bits === null ||
    typeof (bits as Partial<Bitmap64>).toBigInt !== "function"
  ) {
    throw new TypeError(
      `Cannot ${action} as 'bits' must be a Bitmap64 or a bigint: current value is ${
        describeValue(bits)
      }`,
    );
  }
  return bits.toBigInt();
}

/**
 * Print a map as the kernel's `%*pb` does for 64 bits: two 32-bit chunks in
 * lower-case hex, each zero-padded to 8 digits, most significant first,
 * joined by a comma.
 *
 * @param bits A bitmap of any strategy, or a `bigint` in `[0, 2^64)`.
 * @throws {TypeError} when `bits` is neither.
 * @throws {RangeError} when a `bigint` is negative or wider than 64 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBitmapHex } from "./format.ts";
 * import { createBitmap } from "./registry.ts";
 *
 * assert.equal(formatBitmapHex(0x7_0000000fn), "00000007,0000000f");
 * const b = createBitmap("u64");
 * b.setBit(63);
 * assert.equal(formatBitmapHex(b), "80000000,00000000");
 * ```
 */
export function formatBitmapHex(bits: Bitmap64 | bigint): string {
  const v = bitsOf(bits, "format bitmap as %*pb");
  const hi = Number(v >> 32n).toString(16).padStart(8, "0");
  const lo = Number(v & 0xffff_ffffn).toString(16).padStart(8, "0");
  return `${hi},${lo}`;
}

/**
 * Print a map as the kernel's `%*pbl` does: ascending decimal ranges
 * `a-b` of consecutive set bits (a lone bit as `a`), joined by commas; the
 * empty map prints `""`.
 *
 * @param bits A bitmap of any strategy, or a `bigint` in `[0, 2^64)`.
 * @throws {TypeError} when `bits` is neither.
 * @throws {RangeError} when a `bigint` is negative or wider than 64 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBitmapList } from "./format.ts";
 *
 * assert.equal(formatBitmapList(0x7_0000000fn), "0-3,32-34");
 * assert.equal(formatBitmapList(0b10100n), "2,4");
 * assert.equal(formatBitmapList(0n), "");
 * ```
 */
export function formatBitmapList(bits: Bitmap64 | bigint): string {
  const v = bitsOf(bits, "format bitmap as %*pbl");
  const words = [Number(v & 0xffff_ffffn), Number(v >> 32n)];
  const isSet = (i: number) => ((words[i >>> 5] >>> (i & 31)) & 1) === 1;
  const parts: string[] = [];
  // for_each_set_bitrange(): each run of ones as [first, last].
  for (let i = 0; i < 64; i++) {
    if (!isSet(i)) continue;
    let last = i;
    while (last + 1 < 64 && isSet(last + 1)) last++;
    parts.push(last === i ? `${i}` : `${i}-${last}`);
    i = last;
  }
  return parts.join(",");
}

/** `isspace()` of the kernel's ctype table, for ASCII. */
function isSpace(c: string): boolean {
  return c === " " || (c >= "\t" && c <= "\r");
}

/** `__end_of_region()`: commas and white space separate regions. */
function isSeparator(c: string): boolean {
  return c === "," || isSpace(c);
}

/** `hex_to_bin()`: the digit's value, or -1. */
function hexValue(c: string): number {
  if (c >= "0" && c <= "9") return c.charCodeAt(0) - 48;
  if (c >= "a" && c <= "f") return c.charCodeAt(0) - 87;
  if (c >= "A" && c <= "F") return c.charCodeAt(0) - 55;
  return -1;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function syntaxError(
  form: string,
  text: string,
  pos: number,
  expected: string,
): SyntaxError {
  return new SyntaxError(
    `Cannot parse ${form} text ${
      quote(text)
    } as position ${pos} must be ${expected}: current value is ${
      JSON.stringify(text[pos] ?? "end of text")
    }`,
  );
}

/**
 * Parse the kernel's `%*pb` hex form into a 64-bit value, with the
 * semantics of `bitmap_parse()` for `nmaskbits = 64`:
 *
 * - the text ends at the first `"\n"`;
 * - commas and white space separate chunks, and runs of them (leading,
 *   trailing, `"1,,5"`) count as one separator, so `""` and `","` are 0;
 * - chunks are read from the right: the last is bits 31:0, the one before
 *   it bits 63:32; each is 1 to 8 hex digits (either case), zero-extended;
 * - no `0x` prefix (the `x` is not a hex digit).
 *
 * One deliberate difference: the kernel silently skips a non-hex,
 * non-separator character directly left of an 8-digit chunk
 * (`"g12345678"` parses as `0x12345678` there); this throws `SyntaxError`.
 *
 * @param text The text, e.g. read from a sysfs file.
 * @returns The map as a `bigint` in `[0, 2^64)`; load it into a bitmap with
 * `fromBigInt()`.
 * @throws {SyntaxError} on a character that is not a hex digit, comma or
 * white space (`-EINVAL`), naming its position.
 * @throws {RangeError} on a chunk of more than 8 digits or a third chunk
 * (`-EOVERFLOW`), naming its position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBitmapHex } from "./format.ts";
 * import { createBitmap } from "./registry.ts";
 *
 * assert.equal(parseBitmapHex("00000007,0000000f\n"), 0x7_0000000fn);
 * assert.equal(parseBitmapHex("ff"), 0xffn);
 * const b = createBitmap("u32pair");
 * b.fromBigInt(parseBitmapHex("1,0"));
 * assert.equal(b.findFirstBit(), 32);
 * assert.throws(() => parseBitmapHex("0x12"), SyntaxError);
 * ```
 */
export function parseBitmapHex(text: string): bigint {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse %*pb text as 'text' must be a string: current value is ${
        describeValue(text)
      }`,
    );
  }
  const form = "%*pb";
  const newline = text.indexOf("\n");
  let end = (newline === -1 ? text.length : newline) - 1;
  const chunks = [0, 0];
  for (let chunk = 0;; chunk++) {
    // bitmap_find_region_reverse(): skip separators right to left.
    while (end >= 0 && isSeparator(text[end])) end--;
    if (end < 0) break;
    if (chunk === 2) {
      throw new RangeError(
        `Cannot parse ${form} text ${
          quote(text)
        } as it must have at most 2 chunks of 32 bits: current value has a third chunk ending at position ${end}`,
      );
    }
    // bitmap_get_x32_reverse(): up to 8 hex digits, least significant first.
    let value = 0;
    for (let digits = 0;; digits++) {
      const c = text[end];
      const d = hexValue(c);
      if (d < 0) {
        throw syntaxError(form, text, end, "a hex digit, ',' or white space");
      }
      value += d * 16 ** digits;
      end--;
      if (end < 0 || isSeparator(text[end])) break;
      if (digits === 7) {
        if (hexValue(text[end]) >= 0) {
          throw new RangeError(
            `Cannot parse ${form} text ${
              quote(text)
            } as the chunk ending at position ${
              end + 8
            } must have at most 8 hex digits: current value has a 9th digit at position ${end}`,
          );
        }
        throw syntaxError(form, text, end, "',' or white space after 8 digits");
      }
    }
    chunks[chunk] = value;
  }
  return (BigInt(chunks[1]) << 32n) | BigInt(chunks[0]);
}

/** One `%*pbl` region: `start[-end][:used/group]`, as `struct region`. */
interface Region {
  start: number;
  end: number;
  used: number;
  group: number;
}

/**
 * Parse the kernel's `%*pbl` list form into a 64-bit value, with the
 * semantics of `bitmap_parselist()` for `nmaskbits = 64`:
 *
 * - regions are separated by commas and/or white space;
 * - a region is `a` or `a-b` (decimal), or `all` (any case) for `0-63`;
 *   `N` stands for the last bit, 63;
 * - a range may carry `:used/group`: in every group of `group` bits from
 *   `a`, only the first `used` are set (`"0-63:1/32"` is bits 0 and 32);
 * - the text ends at the end of the string, a `"\0"`, or a `"\n"` that ends
 *   a region.
 *
 * @param text The text, e.g. `"0-3,32-34"`.
 * @returns The map as a `bigint` in `[0, 2^64)`.
 * @throws {SyntaxError} on a malformed region (`-EINVAL`): an unexpected
 * character, a missing number, `a > b`, `group` of 0 or `used > group`;
 * naming its position.
 * @throws {RangeError} on a bit index above 63 (`-ERANGE`) or a number
 * above 2^32 - 1 (`-EOVERFLOW`), naming its position.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBitmapList } from "./format.ts";
 *
 * assert.equal(parseBitmapList("0-3,32-34"), 0x7_0000000fn);
 * assert.equal(parseBitmapList("all"), 2n ** 64n - 1n);
 * assert.equal(parseBitmapList("0-63:1/32"), (1n << 32n) | 1n);
 * assert.throws(() => parseBitmapList("64"), RangeError);
 * ```
 */
export function parseBitmapList(text: string): bigint {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse %*pbl text as 'text' must be a string: current value is ${
        describeValue(text)
      }`,
    );
  }
  const form = "%*pbl";
  // The kernel reads a C string: position text.length acts as its '\0'.
  const at = (p: number): string => p < text.length ? text[p] : "\0";
  const isEndOfText = (c: string) => c === "\0" || c === "\n";
  const isEndOfRegion = (c: string) => isSeparator(c) || isEndOfText(c);

  // bitmap_getnum(): 'N' or a decimal number that fits in 32 bits.
  const readNumber = (p: number): [number, number] => {
    if (at(p) === "N") return [63, p + 1];
    let q = p;
    let n = 0;
    while (at(q) >= "0" && at(q) <= "9") {
      n = n * 10 + (at(q).charCodeAt(0) - 48);
      q++;
    }
    if (q === p) throw syntaxError(form, text, p, "a decimal number or 'N'");
    if (n > 0xffff_ffff) {
      throw new RangeError(
        `Cannot parse ${form} text ${
          quote(text)
        } as the number at position ${p} must fit in 32 bits: current value is ${
          text.slice(p, q)
        }`,
      );
    }
    return [n, q];
  };

  let lo = 0, hi = 0;
  let p = 0;
  for (;;) {
    // bitmap_find_region()
    while (isSeparator(at(p))) p++;
    if (isEndOfText(at(p))) break;
    const regionAt = p;
    const r: Region = { start: 0, end: 0, used: 0, group: 0 };
    // bitmap_parse_region()
    if (text.slice(p, p + 3).toLowerCase() === "all") {
      r.start = 0;
      r.end = 63;
      p += 3;
    } else {
      [r.start, p] = readNumber(p);
      if (isEndOfRegion(at(p))) r.end = r.start;
      else {
        if (at(p) !== "-") {
          throw syntaxError(form, text, p, "'-', ',' or white space");
        }
        [r.end, p] = readNumber(p + 1);
      }
    }
    let done = false;
    if (isEndOfRegion(at(p))) {
      r.used = r.end + 1;
      r.group = r.end + 1;
      done = isEndOfText(at(p));
    } else {
      if (at(p) !== ":") {
        throw syntaxError(form, text, p, "':', ',' or white space");
      }
      [r.used, p] = readNumber(p + 1);
      if (at(p) !== "/") throw syntaxError(form, text, p, "'/'");
      [r.group, p] = readNumber(p + 1);
    }
    // bitmap_check_region()
    if (r.start > r.end) {
      throw new SyntaxError(
        `Cannot parse ${form} text ${
          quote(text)
        } as the region at position ${regionAt} must not end before it starts: current value is ${r.start}-${r.end}`,
      );
    }
    if (r.group === 0 || r.used > r.group) {
      throw new SyntaxError(
        `Cannot parse ${form} text ${
          quote(text)
        } as the region at position ${regionAt} must have 0 < group and used <= group: current value is ${r.used}/${r.group}`,
      );
    }
    if (r.end > 63) {
      throw new RangeError(
        `Cannot parse ${form} text ${
          quote(text)
        } as the region at position ${regionAt} must end at a bit index in [0, 63]: current value is ${r.end}`,
      );
    }
    // bitmap_set_region()
    for (let s = r.start; s <= r.end; s += r.group) {
      const last = Math.min(r.end, s + r.used - 1);
      for (let i = s; i <= last; i++) {
        if (i < 32) lo |= 1 << i;
        else hi |= 1 << i;
      }
    }
    if (done) break;
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

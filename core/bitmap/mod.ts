/**
 * The 64-bit bitmap core: `bitmap.h` and `find.h` for `nbits = 64`, five
 * storage strategies behind one contract, chosen by name.
 *
 * | export | offers | kernel counterpart |
 * | --- | --- | --- |
 * | {@linkcode Bitmap64} | the contract: `setBit`, `testAndClearBit`, `or`, `andNot`, `findNextBit`, `forEachSetBit`, `atomicOr`, `snapshotAndClear`, ... | `bitmap.h`, `find.h`, `atomic64_t` |
 * | {@linkcode BitmapStrategy}, {@linkcode Atomicity} | a named way to store 64 bits, and what its atomic operations guarantee | |
 * | {@linkcode X86_PMC_IDX_MAX} | 64, the width of every bitmap | `X86_PMC_IDX_MAX` |
 * | {@linkcode createBitmap}, {@linkcode getStrategy} | a bitmap of the named strategy (`u32pair`, `u64`, `u64view`, `bigint`, `bool`) | `DECLARE_BITMAP()` |
 * | {@linkcode strategies}, {@linkcode strategyNames} | every strategy, the bench baseline first | |
 * | {@linkcode formatBitmapHex}, {@linkcode parseBitmapHex} | `%*pb` text (`00000001,00000001`) | `printk("%*pb")`, `bitmap_parse()` |
 * | {@linkcode formatBitmapList}, {@linkcode parseBitmapList} | `%*pbl` text (`0,32`) | `printk("%*pbl")`, `bitmap_parselist()` |
 *
 * The strategy classes themselves stay internal: the registry is the one
 * place that maps a name to a representation, and the model only ever
 * talks to {@linkcode Bitmap64}.
 *
 * @example Create by name, set bits, print them as the kernel does
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBitmap, formatBitmapList } from "./mod.ts";
 *
 * const b = createBitmap("u32pair");
 * b.setBit(0);
 * b.setBit(32);
 * assert.equal(formatBitmapList(b), "0,32");
 * ```
 *
 * @module
 */

export * from "./bitmap.ts";
export * from "./registry.ts";
export * from "./format.ts";

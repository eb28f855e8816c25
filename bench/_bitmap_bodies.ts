/**
 * The measured loops of `bitmap_cases.ts`, one per operation, each folding
 * its results into `blackhole`.
 *
 * WARNING: `bitmap_cases.ts` imports this module once per strategy, under
 * distinct specifiers (`./_bitmap_bodies.ts?instance=N`), so every strategy
 * gets its own copy of these functions. V8 keeps type feedback per function
 * literal, shared by every closure made from it: with one copy, the call
 * `maps[i].weight()` would see all five bitmap classes, turn megamorphic
 * and stop inlining, and every strategy would be measured through a hash
 * lookup that no single-strategy program pays (measured here: `u32pair`
 * weight x1024 took 9.7 us alone and 21.6 us after the other strategies
 * had run through the same loop). Do not import this module without a
 * query.
 *
 * @module
 */

import type { Bitmap64 } from "../core/bitmap/bitmap.ts";
import { formatBitmapList } from "../core/bitmap/format.ts";
import { blackhole } from "../core/track/suite/bench_case.ts";

/** Every operation a body exists for; each names one group prefix of the bitmap suite. */
export const bitmapOps = [
  "weight",
  "forEachSetBit",
  "findNextBit loop",
  "isEmpty",
  "intersects",
  "or",
  "andNot",
  "or in place",
  "andNot in place",
  "atomicOr",
  "atomicOr+snapshotAndClear",
  "testAndSetBit+testAndClearBit",
  "toBigInt",
  "fromBigInt",
  "formatBitmapList",
] as const;

/** One of {@linkcode bitmapOps}. */
export type BitmapOp = typeof bitmapOps[number];

/** The bitmaps and values one body works on; all arrays have the same length. */
export interface BitmapFixture {
  /** The operand carrying the case's set bits (`values`). */
  readonly maps: readonly Bitmap64[];
  /** `maps` as `bigint`s. */
  readonly values: readonly bigint[];
  /** A second operand with the same axes, other bits (binary operations). */
  readonly others: readonly Bitmap64[];
  /** Destinations (start empty; copies of `maps` for the in-place operations). */
  readonly dst: readonly Bitmap64[];
  /** Snapshot destinations (start empty). */
  readonly out: readonly Bitmap64[];
  /** Per map, a bit index that is clear in it (`testAndSetBit` restores it). */
  readonly clearBits: Uint8Array;
}

/**
 * Where the `forEachSetBit` callback folds the indexes: an `Int32Array`
 * element, which V8 loads, adds to and stores as a machine word. (A module
 * `let` costs a hole check and a small-integer re-tag per visited bit,
 * about 12 instructions that measured the variable, not the iteration.)
 */
const visited = new Int32Array(1);

/** The `forEachSetBit` callback: a module-level function, as a kernel loop body would be. */
function visit(i: number): void {
  visited[0] += i + 1;
}

/**
 * The body measuring `op` over every bitmap of `f`. Each body leaves the
 * fixture as it found it or in a fixed point reached on the first call
 * (`atomicOr` into `dst`), so every call does the same work.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeBitmapBody } from "./_bitmap_bodies.ts?instance=doc";
 * import { createBitmap } from "../core/bitmap/registry.ts";
 * import { sinkDigest } from "../core/track/suite/bench_case.ts";
 *
 * const m = createBitmap("u32pair");
 * m.fromBigInt(0b1011n);
 * const f = { maps: [m], values: [0b1011n], others: [], dst: [], out: [], clearBits: new Uint8Array([2]) };
 * const before = sinkDigest();
 * makeBitmapBody("weight", f)();
 * assert.equal((sinkDigest() - before) | 0, 3);
 * ```
 */
export function makeBitmapBody(op: BitmapOp, f: BitmapFixture): () => void {
  const { maps, values, others, dst, out, clearBits } = f;
  const n = maps.length;
  const last = n - 1;
  switch (op) {
    case "weight":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += maps[i].weight();
        blackhole(acc);
      };
    case "forEachSetBit":
      return () => {
        visited[0] = 0;
        for (let i = 0; i < n; i++) maps[i].forEachSetBit(visit);
        blackhole(visited[0]);
      };
    case "findNextBit loop":
      // for_each_set_bit() as kvm_pmu_handle_event() walks it.
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const m = maps[i];
          for (let b = m.findFirstBit(); b < 64; b = m.findNextBit(b + 1)) {
            acc += b + 1;
          }
        }
        blackhole(acc);
      };
    case "isEmpty":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (maps[i].isEmpty()) acc++;
        blackhole(acc);
      };
    case "intersects":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (maps[i].intersects(others[i])) acc++;
        blackhole(acc);
      };
    case "or":
      return () => {
        for (let i = 0; i < n; i++) dst[i].or(maps[i], others[i]);
        blackhole(dst[last].findFirstBit());
      };
    case "andNot":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          if (dst[i].andNot(maps[i], others[i])) acc++;
        }
        blackhole(acc);
      };
    case "or in place":
      // bitmap_or(dst, dst, src): dst reaches maps | others on the first call.
      return () => {
        for (let i = 0; i < n; i++) {
          const d = dst[i];
          d.or(d, others[i]);
        }
        blackhole(dst[last].findFirstBit());
      };
    case "andNot in place":
      // bitmap_andnot(dst, dst, src): a fixed point after the first call.
      return () => {
        for (let i = 0; i < n; i++) {
          const d = dst[i];
          d.andNot(d, others[i]);
        }
        blackhole(dst[last].findFirstBit());
      };
    case "atomicOr":
      // dst reaches dst == maps on the first call; OR-ing bits already
      // present is what repeated nested transitions do to __reprogram_pmi.
      return () => {
        for (let i = 0; i < n; i++) dst[i].atomicOr(maps[i]);
        blackhole(dst[last].findFirstBit());
      };
    case "atomicOr+snapshotAndClear":
      // kvm_pmu_request_counters_reprogram() then kvm_pmu_handle_event()
      // steps 1-2: the pending map is empty again after every pair.
      return () => {
        for (let i = 0; i < n; i++) {
          const pending = dst[i];
          pending.atomicOr(maps[i]);
          pending.snapshotAndClear(out[i]);
        }
        blackhole(out[last].findFirstBit());
      };
    case "testAndSetBit+testAndClearBit":
      // The bit starts clear, so the pair restores the map every time.
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          const m = maps[i];
          const b = clearBits[i];
          if (!m.testAndSetBit(b)) acc++;
          if (m.testAndClearBit(b)) acc++;
        }
        blackhole(acc);
      };
    case "toBigInt": {
      // Comparing makes the value a data dependency without more BigInt
      // arithmetic (which would allocate and dwarf the conversion).
      const probe = values[0];
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (maps[i].toBigInt() === probe) acc++;
        blackhole(acc);
      };
    }
    case "fromBigInt":
      return () => {
        for (let i = 0; i < n; i++) dst[i].fromBigInt(values[i]);
        blackhole(dst[last].findFirstBit());
      };
    case "formatBitmapList":
      // Pass the bigint so formatBitmapList()'s own call site stays
      // strategy-independent (it is shared by every instance).
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          acc += formatBitmapList(maps[i].toBigInt()).length;
        }
        blackhole(acc);
      };
  }
}

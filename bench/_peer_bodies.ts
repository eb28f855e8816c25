/**
 * The measured loops of the peer cases of `bitmap_cases.ts`: the same
 * operations as `_bitmap_bodies.ts` on bit sets from npm (TypedFastBitSet,
 * FastBitSet), through the methods those libraries offer for them, each
 * folding its results into `blackhole` exactly as the strategies' bodies
 * do (the same numbers for the same values).
 *
 * WARNING: imported once per library under distinct specifiers
 * (`./_peer_bodies.ts?peer=<name>`), for the reason `_bitmap_bodies.ts`
 * gives: one copy of these loops per library, so neither pays for the
 * other's type feedback. Do not import it without a query.
 *
 * @module
 */

import { blackhole } from "../core/track/suite/bench_case.ts";
import type { BitmapOp } from "./_bitmap_bodies.ts";

/** The methods both npm bit sets have, as these bodies call them. */
export interface PeerBitSet {
  /** The 32-bit words, bit i in word i >>> 5 (a `Uint32Array` or an array). */
  readonly words: ArrayLike<number>;
  /** Number of set bits. */
  size(): number;
  /** No bit set. */
  isEmpty(): boolean;
  /** Call `fn` for each set bit, ascending. */
  forEach(fn: (i: number) => void): void;
  /** Any bit set in both. */
  intersects(other: PeerBitSet): boolean;
  /** this |= other. */
  union(other: PeerBitSet): unknown;
  /** this &= ~other. */
  difference(other: PeerBitSet): unknown;
}

/** What one peer body works on; all arrays have the same length. */
export interface PeerFixture {
  /** The operand carrying the case's set bits. */
  readonly sets: readonly PeerBitSet[];
  /** A second operand (binary operations). */
  readonly others: readonly PeerBitSet[];
  /** In-place destinations, starting as copies of `sets`. */
  readonly dst: readonly PeerBitSet[];
}

/** The operations the peers share with the strategies. */
export const peerOps: readonly BitmapOp[] = [
  "weight",
  "isEmpty",
  "forEachSetBit",
  "intersects",
  "or in place",
  "andNot in place",
];

const visited = new Int32Array(1);

/** The `forEachSetBit` callback, as in `_bitmap_bodies.ts`. */
function visit(i: number): void {
  visited[0] += i + 1;
}

/** `find_first_bit()` of a peer's first 64 bits (the in-place bodies' sink). */
function lowestBit(s: PeerBitSet): number {
  const w = s.words;
  const lo = w[0] | 0, hi = (w.length > 1 ? w[1] : 0) | 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return hi !== 0 ? 63 - Math.clz32(hi & -hi) : 64;
}

/**
 * The body measuring `op` on every set of `f`, or `undefined` when the
 * peers have no counterpart of `op`.
 */
export function makePeerBody(
  op: BitmapOp,
  f: PeerFixture,
): (() => void) | undefined {
  const { sets, others, dst } = f;
  const n = sets.length;
  const last = n - 1;
  switch (op) {
    case "weight":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += sets[i].size();
        blackhole(acc);
      };
    case "isEmpty":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (sets[i].isEmpty()) acc++;
        blackhole(acc);
      };
    case "forEachSetBit":
      return () => {
        visited[0] = 0;
        for (let i = 0; i < n; i++) sets[i].forEach(visit);
        blackhole(visited[0]);
      };
    case "intersects":
      return () => {
        let acc = 0;
        for (let i = 0; i < n; i++) if (sets[i].intersects(others[i])) acc++;
        blackhole(acc);
      };
    case "or in place":
      return () => {
        for (let i = 0; i < n; i++) dst[i].union(others[i]);
        blackhole(lowestBit(dst[last]));
      };
    case "andNot in place":
      return () => {
        for (let i = 0; i < n; i++) dst[i].difference(others[i]);
        blackhole(lowestBit(dst[last]));
      };
    default:
      return undefined;
  }
}

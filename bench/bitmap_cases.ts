/**
 * Single 64-bit bitmap operations, per strategy (issue 2, "Benchmarks").
 *
 * One group per operation and bit layout, named
 * `<op> bits=<set bits> in=<placement>` (e.g. `weight bits=6 in=both`);
 * in it one case per strategy, named `<strategy> x1024`, with the first
 * strategy as baseline, plus `loop only x1024`, the same loop over the
 * fixture with no bitmap call (the floor every figure stands on: call
 * overhead plus loop), and two kinds of reference beside the strategies:
 *
 * - `native x1024`: the same operation over the same values in C
 *   (`core/native/`, one FFI call per batch, the loop in C), when the
 *   native reference could be built;
 * - the peers, `typedfastbitset x1024` and `fastbitset x1024`: the npm bit
 *   sets TypedFastBitSet 0.8.0 and FastBitSet 0.5.2 (bench-only
 *   dependencies) holding the same 64 bits, in the groups of the
 *   operations they also offer ({@linkcode peerOps}: `size()`,
 *   `isEmpty()`, `forEach()`, `intersects()`, and the in-place
 *   `union()` / `difference()` against `or in place` / `andNot in place`).
 *
 * Every call runs the operation on a fixture of {@linkcode FIXTURE_SIZE}
 * bitmaps, so figures divided by 1024 are per operation.
 *
 * Axes: set bits 0, 1, 6, 32, 64, and where they sit: `low` (bits 31:0,
 * KVM's GP counters), `high` (63:32, the fixed counters) or `both` (half
 * in each word; with one bit, a random word per bitmap). `weight` and
 * `forEachSetBit` sweep every density (iteration also every placement at 6
 * bits), `isEmpty` runs empty (the early-return check) and at 6 bits,
 * the other operations at 6 bits in both words, the realistic case. `or`
 * and `andNot` write a third map (`bitmap_or(dst, a, b)`); `or in place`
 * and `andNot in place` are the kernel's `bitmap_or(dst, dst, src)` form.
 *
 * Every strategy gets the very same bitmaps (seeded), and its own copy of
 * the loops (see `_bitmap_bodies.ts`), so no strategy pays for another's
 * type feedback. `PMUBENCH_STRATEGY` restricts the strategies (see
 * `_shared.ts`).
 *
 * @module
 */

import type { Bitmap64, BitmapStrategy } from "../core/bitmap/bitmap.ts";
import { strategies } from "../core/bitmap/registry.ts";
import {
  loadNative,
  type NativeSymbols,
  PRINT_LIST_MAX,
} from "../core/native/mod.ts";
import { TypedFastBitSet } from "typedfastbitset";
import FastBitSet from "fastbitset";
import {
  type BenchCase,
  type BenchSuite,
  blackhole,
} from "../core/track/suite/bench_case.ts";
import { createRng } from "../core/common/prng.ts";
import type * as Bodies from "./_bitmap_bodies.ts";
import type { BitmapFixture, BitmapOp } from "./_bitmap_bodies.ts";
import type * as PeerBodies from "./_peer_bodies.ts";
import {
  type PeerBitSet,
  type PeerFixture,
  peerOps,
} from "./_peer_bodies.ts?peer=list";
import { caseFilter, primeCases, selectedStrategies } from "./_shared.ts";

/** Bitmaps per fixture, i.e. operations per body call. */
export const FIXTURE_SIZE = 1024;

/** Where the set bits of a fixture sit. */
export type Placement = "none" | "low" | "high" | "both";

/** One group of the suite: an operation on one bit layout. */
export interface BitmapGroupSpec {
  /** The operation. */
  readonly op: BitmapOp;
  /** Set bits per bitmap (0..64). */
  readonly bits: number;
  /** Where they sit (`none` exactly when `bits` is 0). */
  readonly placement: Placement;
}

const DENSITIES: readonly [number, Placement][] = [
  [0, "none"],
  [1, "both"],
  [6, "both"],
  [32, "both"],
  [64, "both"],
];
const REALISTIC: readonly [number, Placement][] = [[6, "both"]];

const PLAN: readonly [BitmapOp, readonly [number, Placement][]][] = [
  ["weight", [...DENSITIES, [32, "high"]]],
  ["forEachSetBit", [...DENSITIES, [6, "low"], [6, "high"]]],
  ["findNextBit loop", [[6, "both"], [6, "high"]]],
  ["isEmpty", [[0, "none"], [6, "both"]]],
  ["intersects", REALISTIC],
  ["or", REALISTIC],
  ["andNot", REALISTIC],
  ["or in place", REALISTIC],
  ["andNot in place", REALISTIC],
  ["atomicOr", REALISTIC],
  ["atomicOr+snapshotAndClear", REALISTIC],
  ["testAndSetBit+testAndClearBit", REALISTIC],
  ["toBigInt", REALISTIC],
  ["fromBigInt", REALISTIC],
  ["formatBitmapList", REALISTIC],
];

/**
 * Every group of the suite, in registration order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bitmapGroups, groupName } from "./bitmap_cases.ts";
 *
 * assert(bitmapGroups.some((g) => groupName(g) === "weight bits=64 in=both"));
 * ```
 */
export const bitmapGroups: readonly BitmapGroupSpec[] = PLAN.flatMap((
  [op, layouts],
) => layouts.map(([bits, placement]) => ({ op, bits, placement })));

/**
 * The group name of a spec: `<op> bits=<bits> in=<placement>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupName } from "./bitmap_cases.ts";
 *
 * assert.equal(groupName({ op: "or", bits: 6, placement: "both" }), "or bits=6 in=both");
 * ```
 */
export function groupName(g: BitmapGroupSpec): string {
  return `${g.op} bits=${g.bits} in=${g.placement}`;
}

/**
 * {@linkcode FIXTURE_SIZE} seeded 64-bit values with exactly `bits` set
 * bits placed as `placement` says. The same arguments always give the same
 * values.
 *
 * @throws {RangeError} when `bits` is not an integer in [0, 64], the
 * placement cannot hold that many bits (more than 32 in one word), or
 * `placement` is `none` with bits (or not `none` without).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fixtureValues } from "./bitmap_cases.ts";
 *
 * const v = fixtureValues(6, "high", 1);
 * assert(v.every((x) => x >> 32n !== 0n && (x & 0xffffffffn) === 0n));
 * ```
 */
export function fixtureValues(
  bits: number,
  placement: Placement,
  seed: number,
): bigint[] {
  if (!Number.isInteger(bits) || bits < 0 || bits > 64) {
    throw new RangeError(
      `Cannot make bitmap fixture as 'bits' must be an integer in [0, 64]: current value is ${bits}`,
    );
  }
  if ((bits === 0) !== (placement === "none")) {
    throw new RangeError(
      `Cannot make bitmap fixture as 'placement' must be "none" exactly when 'bits' is 0: current value is ${
        JSON.stringify(placement)
      } with ${bits} bits`,
    );
  }
  if (placement !== "both" && bits > 32) {
    throw new RangeError(
      `Cannot make bitmap fixture as one word holds at most 32 bits: current value is ${bits} bits in ${
        JSON.stringify(placement)
      }`,
    );
  }
  const key = `${bits}/${placement}/${seed}`;
  const cached = valueCache.get(key);
  if (cached !== undefined) return cached.slice();
  const rand = createRng(seed);
  const values: bigint[] = [];
  for (let m = 0; m < FIXTURE_SIZE; m++) {
    let low = 0;
    if (placement === "low") low = bits;
    else if (placement === "both") {
      low = Math.floor(bits / 2) + (bits % 2 === 1 && rand() < 0.5 ? 1 : 0);
    }
    const lo = pickWordBits(low, rand);
    const hi = pickWordBits(bits - low, rand);
    values.push((BigInt(hi) << 32n) | BigInt(lo));
  }
  valueCache.set(key, values);
  return values.slice();
}

// Every strategy's case of a group loads the same values: compute once.
const valueCache = new Map<string, readonly bigint[]>();

/** `count` distinct random bits of one 32-bit word (Fisher-Yates prefix). */
function pickWordBits(count: number, rand: () => number): number {
  const order = Array.from({ length: 32 }, (_, i) => i);
  let word = 0;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (32 - i));
    [order[i], order[j]] = [order[j], order[i]];
    word |= 1 << order[i];
  }
  return word >>> 0;
}

/** The ops that read a second operand, write `dst`, or write `out`. */
const NEEDS_OTHERS: ReadonlySet<BitmapOp> = new Set([
  "intersects",
  "or",
  "andNot",
  "or in place",
  "andNot in place",
]);
/** In-place operations: `dst` starts as a copy of `maps` and is both operand and result. */
const IN_PLACE: ReadonlySet<BitmapOp> = new Set([
  "or in place",
  "andNot in place",
]);
const NEEDS_DST: ReadonlySet<BitmapOp> = new Set([
  "or",
  "andNot",
  "or in place",
  "andNot in place",
  "atomicOr",
  "atomicOr+snapshotAndClear",
  "fromBigInt",
]);

/**
 * The fixture of one case: the group's values (seed 1) in `maps`, a second
 * operand (seed 2) in `others` when the operation reads one, destinations
 * when it writes some (empty, or copies of `maps` for the in-place
 * operations), and for every map a clear bit index.
 *
 * @throws {RangeError} as {@linkcode fixtureValues}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildFixture } from "./bitmap_cases.ts";
 * import { getStrategy } from "../core/bitmap/registry.ts";
 *
 * const f = buildFixture(getStrategy("u64"), { op: "or", bits: 6, placement: "both" });
 * assert.equal(f.maps[0].weight(), 6);
 * assert.equal(f.dst[0].isEmpty(), true);
 * ```
 */
export function buildFixture(
  strategy: BitmapStrategy,
  g: BitmapGroupSpec,
): BitmapFixture {
  const values = fixtureValues(g.bits, g.placement, 1);
  const load = (vs: readonly bigint[]): Bitmap64[] =>
    vs.map((v) => {
      const m = strategy.create();
      m.fromBigInt(v);
      return m;
    });
  const empty = (): Bitmap64[] => values.map(() => strategy.create());
  const clearBits = new Uint8Array(values.length);
  values.forEach((v, i) => {
    // Lowest clear bit (0 for a full map, which no group tests with it).
    const lo = Number(v & 0xffff_ffffn);
    const hi = Number(v >> 32n);
    const free = lo !== 0xffff_ffff ? ~lo : ~hi;
    const b = 31 - Math.clz32(free & -free);
    clearBits[i] = (lo !== 0xffff_ffff ? b : 32 + b) & 63;
  });
  return {
    maps: load(values),
    values,
    others: NEEDS_OTHERS.has(g.op)
      ? load(fixtureValues(g.bits, g.placement, 2))
      : [],
    dst: IN_PLACE.has(g.op) ? load(values) : NEEDS_DST.has(g.op) ? empty() : [],
    out: g.op === "atomicOr+snapshotAndClear" ? empty() : [],
    clearBits,
  };
}

// One module instance per strategy (see _bitmap_bodies.ts): literal
// specifiers, so `deno bench` needs no read permission to load them.
const BODY_INSTANCES: readonly (typeof Bodies)[] = [
  await import("./_bitmap_bodies.ts?instance=0"),
  await import("./_bitmap_bodies.ts?instance=1"),
  await import("./_bitmap_bodies.ts?instance=2"),
  await import("./_bitmap_bodies.ts?instance=3"),
  await import("./_bitmap_bodies.ts?instance=4"),
  await import("./_bitmap_bodies.ts?instance=5"),
  await import("./_bitmap_bodies.ts?instance=6"),
  await import("./_bitmap_bodies.ts?instance=7"),
];

function bodiesOf(strategy: BitmapStrategy): typeof Bodies {
  const slot = strategies.indexOf(strategy);
  if (slot < 0 || slot >= BODY_INSTANCES.length) {
    throw new RangeError(
      `Cannot build bitmap bench bodies for strategy "${strategy.name}" as it has no module instance: registry slot ${slot}, instances ${BODY_INSTANCES.length} (add one to BODY_INSTANCES in bench/bitmap_cases.ts)`,
    );
  }
  return BODY_INSTANCES[slot];
}

/** A case with the fixture it measures (tests inspect the fixture). */
export interface BuiltBitmapCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** What its body works on. */
  readonly fixture: BitmapFixture;
}

/**
 * The case measuring `g` on `strategy`: name `<strategy> x1024`, baseline
 * when `baseline` is set.
 *
 * @throws {RangeError} as {@linkcode fixtureValues}, or when the strategy
 * is not in the registry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildBitmapCase } from "./bitmap_cases.ts";
 * import { getStrategy } from "../core/bitmap/registry.ts";
 *
 * const { benchCase } = buildBitmapCase(getStrategy("bool"), { op: "weight", bits: 1, placement: "both" }, false);
 * assert.equal(benchCase.name, "bool x1024");
 * assert.equal(benchCase.group, "weight bits=1 in=both");
 * ```
 */
export function buildBitmapCase(
  strategy: BitmapStrategy,
  g: BitmapGroupSpec,
  baseline: boolean,
): BuiltBitmapCase {
  const fixture = buildFixture(strategy, g);
  const benchCase: BenchCase = {
    group: groupName(g),
    name: `${strategy.name} x${FIXTURE_SIZE}`,
    baseline,
    opsPerCall: FIXTURE_SIZE,
    axes: {
      op: g.op,
      bits: g.bits,
      placement: g.placement,
      strategy: strategy.name,
    },
    body: bodiesOf(strategy).makeBitmapBody(g.op, fixture),
  };
  return { benchCase, fixture };
}

const LOOP_DATA = Int32Array.from({ length: FIXTURE_SIZE }, (_, i) => i + 1);

/**
 * The group's reference: the fixture loop with no bitmap call, folding
 * 1024 integers (`loop only x1024`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loopOnlyCase } from "./bitmap_cases.ts";
 *
 * assert.equal(loopOnlyCase({ op: "isEmpty", bits: 0, placement: "none" }).name, "loop only x1024");
 * ```
 */
export function loopOnlyCase(g: BitmapGroupSpec): BenchCase {
  return {
    group: groupName(g),
    name: `loop only x${FIXTURE_SIZE}`,
    opsPerCall: FIXTURE_SIZE,
    axes: {
      op: g.op,
      bits: g.bits,
      placement: g.placement,
      reference: "loop only",
    },
    body: () => {
      let acc = 0;
      for (let i = 0; i < FIXTURE_SIZE; i++) acc += LOOP_DATA[i];
      blackhole(acc);
    },
  };
}

/** The native reference of this process, or why there is none. */
const nativeStatus = await loadNative();

/**
 * Why this process has no `native x1024` cases (no C compiler, the build
 * failed, no `--allow-ffi`, ...), or `undefined` when it has them. The
 * bench file prints it in one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeUnavailableReason, suite } from "./bitmap_cases.ts";
 *
 * const natives = suite.cases.filter((c) => c.axes.reference === "native");
 * assert.equal(natives.length > 0, nativeUnavailableReason === undefined);
 * ```
 */
export const nativeUnavailableReason: string | undefined =
  nativeStatus.available ? undefined : nativeStatus.reason;

/** The fixture of a native case: the same values as the strategies', one u64 per map. */
export interface NativeBitmapFixture {
  /** `maps` of the strategies' fixture, as u64s. */
  readonly maps: BigUint64Array;
  /** `others`, as u64s (empty when the operation reads no second operand). */
  readonly others: BigUint64Array;
  /** Destinations, starting empty (copies of `maps` for the in-place operations). */
  readonly dst: BigUint64Array;
  /** Snapshot destinations, starting empty. */
  readonly out: BigUint64Array;
  /** `values` again, as the source of `fromBigInt`. */
  readonly values: BigUint64Array;
  /** Per map, a bit clear in it. */
  readonly clearBits: Uint8Array;
  /** Where `%*pbl` text is written. */
  readonly text: Uint8Array;
}

/**
 * The native fixture of `g`: the very values {@linkcode buildFixture}
 * loads into every strategy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNativeFixture, fixtureValues } from "./bitmap_cases.ts";
 *
 * const f = buildNativeFixture({ op: "or", bits: 6, placement: "both" });
 * assert.deepEqual([...f.maps], fixtureValues(6, "both", 1));
 * assert.deepEqual([...f.others], fixtureValues(6, "both", 2));
 * ```
 */
export function buildNativeFixture(g: BitmapGroupSpec): NativeBitmapFixture {
  // The strategies' fixture, for its clear bits and operand layout.
  const f = buildFixture(strategies[0], g);
  const [maps, others, dst, out, values] = unaliasedU64Arrays([
    f.values.length,
    f.others.length,
    f.dst.length,
    f.out.length,
    f.values.length,
  ]);
  maps.set(f.values);
  others.set(f.others.map((m) => m.toBigInt()));
  dst.set(f.dst.map((m) => m.toBigInt()));
  values.set(f.values);
  return {
    maps,
    others,
    dst,
    out,
    values,
    clearBits: f.clearBits,
    text: new Uint8Array(PRINT_LIST_MAX),
  };
}

/** How far apart, modulo 4 KiB, {@linkcode unaliasedU64Arrays} puts its arrays. */
const ALIAS_SPACING_BYTES = 768;

/**
 * `BigUint64Array`s of the given lengths in one buffer, each starting
 * {@linkcode ALIAS_SPACING_BYTES} further than the one before modulo 4 KiB.
 *
 * Why: the C loops store to one array while loading the next elements of
 * the others, and a load whose address matches an in-flight store's in
 * its low 12 bits waits for it (4K aliasing). Allocated one by one, the
 * 8 KiB arrays of a fixture often came out 16 bytes apart modulo 4 KiB,
 * the destination just past an operand; native `or` then measured 0.38
 * ns/op instead of 0.31-0.33 and `andNot` 0.55-0.59 instead of 0.45-0.49,
 * a level drawn anew in every process.
 */
function unaliasedU64Arrays(lengths: readonly number[]): BigUint64Array[] {
  const page = 4096;
  const offsets: number[] = [];
  let end = 0;
  for (const n of lengths) {
    offsets.push(end);
    end += Math.ceil((n * 8) / page) * page + ALIAS_SPACING_BYTES;
  }
  const buffer = new ArrayBuffer(end);
  return lengths.map((n, i) => new BigUint64Array(buffer, offsets[i], n));
}

/**
 * The body running `op` over `f` in C: one FFI call for the whole batch,
 * its `u32` result sunk as the JavaScript bodies sink theirs (the same
 * numbers for the same values).
 */
function makeNativeBody(
  op: BitmapOp,
  f: NativeBitmapFixture,
  c: NativeSymbols,
): () => void {
  const { maps, others, dst, out, values, clearBits, text } = f;
  const n = maps.length;
  switch (op) {
    case "weight":
      return () => blackhole(c.pmb_bitmap_weight_batch(maps, n));
    case "forEachSetBit":
      return () => blackhole(c.pmb_for_each_set_bit_batch(maps, n));
    case "findNextBit loop":
      return () => blackhole(c.pmb_find_next_bit_batch(maps, n));
    case "isEmpty":
      return () => blackhole(c.pmb_bitmap_empty_batch(maps, n));
    case "intersects":
      return () => blackhole(c.pmb_bitmap_intersects_batch(maps, others, n));
    case "or":
      return () => blackhole(c.pmb_bitmap_or_batch(dst, maps, others, n));
    case "andNot":
      return () => blackhole(c.pmb_bitmap_andnot_batch(dst, maps, others, n));
    case "or in place":
      return () => blackhole(c.pmb_bitmap_or_inplace_batch(dst, others, n));
    case "andNot in place":
      return () => blackhole(c.pmb_bitmap_andnot_inplace_batch(dst, others, n));
    case "atomicOr":
      return () => blackhole(c.pmb_atomic64_or_batch(dst, maps, n));
    case "atomicOr+snapshotAndClear":
      return () =>
        blackhole(c.pmb_atomic64_or_snapshot_batch(dst, out, maps, n));
    case "testAndSetBit+testAndClearBit":
      return () =>
        blackhole(c.pmb_test_and_set_clear_batch(maps, clearBits, n));
    case "toBigInt": {
      const probe = values[0];
      const lo = Number(probe & 0xffff_ffffn), hi = Number(probe >> 32n);
      return () => blackhole(c.pmb_bitmap_to_arr64_batch(maps, n, lo, hi));
    }
    case "fromBigInt":
      return () => blackhole(c.pmb_bitmap_from_arr64_batch(dst, values, n));
    case "formatBitmapList":
      return () => blackhole(c.pmb_bitmap_print_list_batch(maps, n, text));
  }
}

/** A native case with the fixture it measures. */
export interface BuiltNativeBitmapCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** What its body works on. */
  readonly fixture: NativeBitmapFixture;
}

/**
 * The group's native reference: `g` over the same values in C, named
 * `native x1024` with axis `reference: "native"`; `undefined` when this
 * process has no native reference ({@linkcode nativeUnavailableReason}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNativeBitmapCase } from "./bitmap_cases.ts";
 *
 * const built = buildNativeBitmapCase({ op: "weight", bits: 6, placement: "both" });
 * if (built !== undefined) {
 *   assert.equal(built.benchCase.name, "native x1024");
 *   assert.equal(built.benchCase.axes.reference, "native");
 * }
 * ```
 */
export function buildNativeBitmapCase(
  g: BitmapGroupSpec,
): BuiltNativeBitmapCase | undefined {
  if (!nativeStatus.available) return undefined;
  const fixture = buildNativeFixture(g);
  const benchCase: BenchCase = {
    group: groupName(g),
    name: `native x${FIXTURE_SIZE}`,
    opsPerCall: FIXTURE_SIZE,
    axes: {
      op: g.op,
      bits: g.bits,
      placement: g.placement,
      reference: "native",
    },
    body: makeNativeBody(g.op, fixture, nativeStatus.native.symbols),
  };
  return { benchCase, fixture };
}

/** An npm bit set the suite compares the strategies with. */
export interface Peer {
  /** Case name prefix and `reference` axis, e.g. `"typedfastbitset"`. */
  readonly name: string;
  /** The package it comes from, pinned in `deno.json`. */
  readonly npm: string;
  /** An empty set with room for exactly 64 bits (two 32-bit words). */
  create(): PeerBitSet;
}

/**
 * The peers: TypedFastBitSet (words in a `Uint32Array`) and FastBitSet
 * (words in an array), each made with room for exactly two 32-bit words,
 * as 64-bit maps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peers } from "./bitmap_cases.ts";
 *
 * for (const p of peers) assert.equal(p.create().words.length, 2);
 * ```
 */
export const peers: readonly Peer[] = Object.freeze([
  {
    name: "typedfastbitset",
    npm: "typedfastbitset@0.8.0",
    create: () => new TypedFastBitSet(undefined, new Uint32Array(2)),
  },
  {
    name: "fastbitset",
    npm: "fastbitset@0.5.2",
    create: (): PeerBitSet => {
      const s = new FastBitSet();
      s.resize(63); // two words, as the other maps
      return s;
    },
  },
]);

// One module instance per peer, as for the strategies.
const PEER_BODIES: Readonly<Record<string, typeof PeerBodies>> = {
  typedfastbitset: await import("./_peer_bodies.ts?peer=typedfastbitset"),
  fastbitset: await import("./_peer_bodies.ts?peer=fastbitset"),
};

/** A peer set holding the 64-bit value `v`. */
function peerOf(peer: Peer, v: bigint): PeerBitSet {
  const s = peer.create();
  for (let i = 0; i < 64; i++) {
    if (((v >> BigInt(i)) & 1n) === 1n) {
      (s as unknown as { add(i: number): void }).add(i);
    }
  }
  return s;
}

/**
 * The peer fixture of `g`: the very values {@linkcode buildFixture} loads
 * into every strategy, as sets of `peer`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPeerFixture, peers } from "./bitmap_cases.ts";
 *
 * const f = buildPeerFixture(peers[0], { op: "weight", bits: 6, placement: "both" });
 * assert.equal(f.sets[0].size(), 6);
 * ```
 */
export function buildPeerFixture(peer: Peer, g: BitmapGroupSpec): PeerFixture {
  const values = fixtureValues(g.bits, g.placement, 1);
  const load = (vs: readonly bigint[]) =>
    Object.freeze(vs.map((v) => peerOf(peer, v)));
  return {
    sets: load(values),
    others: NEEDS_OTHERS.has(g.op)
      ? load(fixtureValues(g.bits, g.placement, 2))
      : [],
    dst: IN_PLACE.has(g.op) ? load(values) : [],
  };
}

/** A peer case with the fixture it measures. */
export interface BuiltPeerCase {
  /** The case as registered. */
  readonly benchCase: BenchCase;
  /** What its body works on. */
  readonly fixture: PeerFixture;
}

/**
 * The case measuring `g` on `peer`: name `<peer> x1024`, axis
 * `reference: <peer>`; `undefined` when the peers have no counterpart of
 * the operation (see {@linkcode peerOps}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPeerCase, peers } from "./bitmap_cases.ts";
 *
 * const c = buildPeerCase(peers[1], { op: "isEmpty", bits: 0, placement: "none" });
 * assert.equal(c?.benchCase.name, "fastbitset x1024");
 * assert.equal(buildPeerCase(peers[1], { op: "toBigInt", bits: 6, placement: "both" }), undefined);
 * ```
 */
export function buildPeerCase(
  peer: Peer,
  g: BitmapGroupSpec,
): BuiltPeerCase | undefined {
  if (!peerOps.includes(g.op)) return undefined;
  const fixture = buildPeerFixture(peer, g);
  const body = PEER_BODIES[peer.name].makePeerBody(g.op, fixture);
  if (body === undefined) return undefined;
  return {
    benchCase: {
      group: groupName(g),
      name: `${peer.name} x${FIXTURE_SIZE}`,
      opsPerCall: FIXTURE_SIZE,
      axes: {
        op: g.op,
        bits: g.bits,
        placement: g.placement,
        reference: peer.name,
      },
      body,
    },
    fixture,
  };
}

function buildSuite(): BenchSuite {
  const chosen = selectedStrategies();
  const keep = caseFilter();
  const cases: BenchCase[] = [];
  for (const g of bitmapGroups) {
    const group = groupName(g);
    chosen.forEach((s, i) => {
      if (keep(group, `${s.name} x${FIXTURE_SIZE}`)) {
        cases.push(buildBitmapCase(s, g, i === 0).benchCase);
      }
    });
    if (keep(group, `native x${FIXTURE_SIZE}`)) {
      const native = buildNativeBitmapCase(g);
      if (native !== undefined) cases.push(native.benchCase);
    }
    for (const peer of peers) {
      if (!keep(group, `${peer.name} x${FIXTURE_SIZE}`)) continue;
      const built = buildPeerCase(peer, g);
      if (built !== undefined) cases.push(built.benchCase);
    }
    const loop = loopOnlyCase(g);
    if (keep(group, loop.name)) cases.push(loop);
  }
  return { file: "bitmap_bench.ts", cases: primeCases(cases) };
}

/**
 * The suite `bitmap_bench.ts` registers (primed at load).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { suite } from "./bitmap_cases.ts";
 *
 * assert.equal(suite.file, "bitmap_bench.ts");
 * assert(suite.cases.every((c) => c.opsPerCall === 1024));
 * ```
 */
export const suite: BenchSuite = buildSuite();

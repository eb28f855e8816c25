/**
 * The one conformance suite every bitmap strategy runs (one
 * `<strategy>_test.ts` per strategy file calls {@linkcode registerConformance}).
 * Expected values come from a plain `bigint` reference model, never from
 * another strategy.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { Bitmap64, BitmapStrategy } from "../../core/bitmap/bitmap.ts";
import {
  formatBitmapHex,
  formatBitmapList,
  parseBitmapHex,
  parseBitmapList,
} from "../../core/bitmap/format.ts";
import { strategies } from "../../core/bitmap/registry.ts";

/** All 64 bits. */
export const MASK64 = (1n << 64n) - 1n;
/** The bits where word boundaries make mistakes likely. */
export const EDGE_BITS: readonly number[] = [0, 1, 30, 31, 32, 33, 62, 63];

/** Values chosen to hit each word alone, both, and the word edges. */
export const EDGE_VALUES: readonly bigint[] = [
  0n,
  1n,
  1n << 31n,
  1n << 32n,
  1n << 63n,
  0xffff_ffffn,
  0xffff_ffffn << 32n,
  MASK64,
  0x8000_0001_8000_0001n,
  0x7_0000_000fn,
  0x5555_5555_5555_5555n,
];

/** Bit indexes every bit method must reject, with why. */
export const BAD_INDEXES: readonly unknown[] = [
  -1,
  64,
  65,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 32,
  "3",
  3n,
  undefined,
  null,
];

/** The set bits of `v`, ascending: the reference for iteration. */
export function referenceBits(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) out.push(i);
  return out;
}

/** `find_next_bit()` on the reference model. */
export function referenceFindNext(v: bigint, offset: number): number {
  for (let i = offset; i < 64; i++) if ((v >> BigInt(i)) & 1n) return i;
  return 64;
}

function make(s: BitmapStrategy, v: bigint): Bitmap64 {
  const b = s.create();
  b.fromBigInt(v);
  return b;
}

/** One conformance case: a criterion every strategy must meet. */
export interface ConformanceCase {
  /** `symbol() criterion`, the test's name. */
  readonly name: string;
  /** Run against one strategy. */
  readonly run: (
    s: BitmapStrategy,
    t: Deno.TestContext,
  ) => void | Promise<void>;
}

/** Every case of the suite. */
export const conformanceCases: readonly ConformanceCase[] = [
  {
    name: "create() returns an empty map named after its strategy",
    run: (s) => {
      const b = s.create();
      assert.equal(b.strategy, s.name);
      assert.equal(b.isEmpty(), true);
      assert.equal(b.weight(), 0);
      assert.equal(b.findFirstBit(), 64);
      assert.equal(b.toBigInt(), 0n);
    },
  },
  {
    name: "setBit(), testBit() and clearBit() touch exactly bit i",
    run: async (s, t) => {
      for (const i of EDGE_BITS) {
        await t.step(`bit ${i}`, () => {
          const b = s.create();
          b.setBit(i);
          assert.equal(b.toBigInt(), 1n << BigInt(i));
          assert.equal(b.weight(), 1);
          assert.equal(b.isEmpty(), false);
          for (let j = 0; j < 64; j++) assert.equal(b.testBit(j), j === i);
          b.setBit(i); // idempotent
          assert.equal(b.weight(), 1);
          b.clearBit(i);
          assert.equal(b.isEmpty(), true);
          b.fill();
          b.clearBit(i);
          assert.equal(b.toBigInt(), MASK64 ^ (1n << BigInt(i)));
        });
      }
    },
  },
  {
    name: "testAndSetBit() and testAndClearBit() return the old value",
    run: async (s, t) => {
      for (const i of EDGE_BITS) {
        await t.step(`bit ${i}`, () => {
          const b = s.create();
          assert.equal(b.testAndSetBit(i), false);
          assert.equal(b.testAndSetBit(i), true);
          assert.equal(b.toBigInt(), 1n << BigInt(i));
          assert.equal(b.testAndClearBit(i), true);
          assert.equal(b.testAndClearBit(i), false);
          assert.equal(b.isEmpty(), true);
        });
      }
    },
  },
  {
    name: "fill() sets all 64 bits and zero() clears them",
    run: (s) => {
      const b = s.create();
      b.fill();
      assert.equal(b.toBigInt(), MASK64);
      assert.equal(b.weight(), 64);
      assert.equal(b.isEmpty(), false);
      assert.equal(b.findFirstBit(), 0);
      assert.equal(b.findNextBit(63), 63);
      b.zero();
      assert.equal(b.toBigInt(), 0n);
      assert.equal(b.isEmpty(), true);
    },
  },
  {
    name: "weight() and isEmpty() count like bitmap_weight()/bitmap_empty()",
    run: (s) => {
      for (const v of EDGE_VALUES) {
        const b = make(s, v);
        assert.equal(
          b.weight(),
          referenceBits(v).length,
          `0x${v.toString(16)}`,
        );
        assert.equal(b.isEmpty(), v === 0n);
      }
    },
  },
  {
    name: "or(), and(), andNot() and xor() write a op b into the receiver",
    run: async (s, t) => {
      for (const x of EDGE_VALUES) {
        await t.step(`a = 0x${x.toString(16)}`, () => {
          for (const y of EDGE_VALUES) {
            const a = make(s, x), b = make(s, y), d = make(s, 0x1234n);
            d.or(a, b);
            assert.equal(d.toBigInt(), x | y);
            assert.equal(d.and(a, b), (x & y) !== 0n);
            assert.equal(d.toBigInt(), x & y);
            assert.equal(d.andNot(a, b), (x & ~y) !== 0n);
            assert.equal(d.toBigInt(), x & ~y & MASK64);
            d.xor(a, b);
            assert.equal(d.toBigInt(), x ^ y);
            // Operands are left alone.
            assert.equal(a.toBigInt(), x);
            assert.equal(b.toBigInt(), y);
          }
        });
      }
      await t.step("the receiver may also be an operand", () => {
        const a = make(s, 0xf0n), b = make(s, 0x3cn);
        a.andNot(a, b);
        assert.equal(a.toBigInt(), 0xc0n);
        a.or(a, a);
        assert.equal(a.toBigInt(), 0xc0n);
        a.xor(a, a);
        assert.equal(a.isEmpty(), true);
      });
    },
  },
  {
    name: "intersects(), equals() and isSubsetOf() compare like the kernel",
    run: (s) => {
      for (const x of EDGE_VALUES) {
        for (const y of EDGE_VALUES) {
          const a = make(s, x), b = make(s, y);
          const what = `0x${x.toString(16)} vs 0x${y.toString(16)}`;
          assert.equal(a.intersects(b), (x & y) !== 0n, what);
          assert.equal(a.equals(b), x === y, what);
          assert.equal(a.isSubsetOf(b), (x & ~y) === 0n, what);
        }
      }
    },
  },
  {
    name: "findFirstBit() returns the lowest set index, 64 when empty",
    run: (s) => {
      for (const v of EDGE_VALUES) {
        assert.equal(make(s, v).findFirstBit(), referenceFindNext(v, 0));
      }
    },
  },
  {
    name:
      "findNextBit() returns the lowest set index >= offset, 64 past the last set bit",
    run: async (s, t) => {
      for (const v of EDGE_VALUES) {
        await t.step(`0x${v.toString(16)}`, () => {
          const b = make(s, v);
          for (let off = 0; off <= 64; off++) {
            assert.equal(
              b.findNextBit(off),
              referenceFindNext(v, off),
              `offset ${off}`,
            );
          }
        });
      }
    },
  },
  {
    name: "forEachSetBit() visits every set bit once, ascending",
    run: (s) => {
      for (const v of EDGE_VALUES) {
        const seen: number[] = [];
        make(s, v).forEachSetBit((i) => seen.push(i));
        assert.deepEqual(seen, referenceBits(v));
      }
    },
  },
  {
    name: "copy() makes the receiver equal to src",
    run: (s) => {
      for (const v of EDGE_VALUES) {
        const d = make(s, MASK64 ^ v), src = make(s, v);
        d.copy(src);
        assert.equal(d.toBigInt(), v);
        assert.equal(d.equals(src), true);
      }
    },
  },
  {
    name: "toBigInt() and fromBigInt() round-trip every edge value",
    run: (s) => {
      const b = s.create();
      for (const v of EDGE_VALUES) {
        b.fromBigInt(v);
        assert.equal(b.toBigInt(), v);
      }
    },
  },
  {
    name:
      "lowWord()/highWord() read and setLowWord()/setHighWord() write bits 31:0 and 63:32",
    run: (s) => {
      const b = s.create();
      for (const v of EDGE_VALUES) {
        b.fromBigInt(v);
        assert.equal(b.lowWord(), Number(v & 0xffff_ffffn) | 0);
        assert.equal(b.highWord(), Number(v >> 32n) | 0);
        for (const w of EDGE_VALUES) {
          // Write one word of w over v: the other word stays v's. The
          // value's bits above 31 are ignored, as are its signs.
          const wlo = Number(w & 0xffff_ffffn), whi = Number(w >> 32n);
          b.fromBigInt(v);
          b.setLowWord(wlo + 2 ** 32);
          assert.equal(b.toBigInt(), (v & ~0xffff_ffffn) | BigInt(wlo));
          b.fromBigInt(v);
          b.setHighWord(whi | 0);
          assert.equal(b.toBigInt(), (v & 0xffff_ffffn) | (BigInt(whi) << 32n));
        }
      }
    },
  },
  {
    name: "atomicOr() and atomicAndNot() act as |= and &= ~ for one agent",
    run: (s) => {
      for (const x of EDGE_VALUES) {
        for (const y of EDGE_VALUES) {
          const d = make(s, x), src = make(s, y);
          d.atomicOr(src);
          assert.equal(d.toBigInt(), x | y);
          d.fromBigInt(x);
          d.atomicAndNot(src);
          assert.equal(d.toBigInt(), x & ~y & MASK64);
          assert.equal(src.toBigInt(), y);
        }
      }
    },
  },
  {
    name: "snapshotAndClear() moves the map into out and leaves it empty",
    run: (s) => {
      for (const v of EDGE_VALUES) {
        const m = make(s, v), out = make(s, 0xabcn);
        m.snapshotAndClear(out);
        assert.equal(out.toBigInt(), v);
        assert.equal(m.isEmpty(), true);
      }
    },
  },
  {
    name: "bufferOf() returns undefined for an unshared map",
    run: (s) => {
      assert.equal(s.bufferOf(s.create()), undefined);
    },
  },
  {
    name:
      "create({ shared: true }) gives a map that attach() views through bufferOf()",
    run: (s) => {
      const a = s.create({ shared: true });
      const buffer = s.bufferOf(a);
      assert.ok(buffer instanceof SharedArrayBuffer);
      const view = s.attach(buffer);
      view.setBit(63);
      a.setBit(0);
      assert.equal(view.toBigInt(), (1n << 63n) | 1n);
      assert.equal(a.toBigInt(), (1n << 63n) | 1n);
      const src = s.create();
      src.fromBigInt(0xf_0000_0000n);
      view.atomicOr(src);
      assert.equal(a.weight(), 6);
      const out = s.create();
      a.snapshotAndClear(out);
      assert.equal(view.isEmpty(), true);
      assert.equal(out.weight(), 6);
    },
  },
  {
    name:
      "attach() throws TypeError for an unshared buffer and RangeError for a wrong size",
    run: (s) => {
      const size = s.bufferOf(s.create({ shared: true }))!.byteLength;
      assert.throws(
        () => s.attach(new ArrayBuffer(size) as unknown as SharedArrayBuffer),
        (e: Error) =>
          e instanceof TypeError && /SharedArrayBuffer/.test(e.message),
      );
      assert.throws(
        () => s.attach(new SharedArrayBuffer(size + 8)),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.includes(`current value is ${size + 8} bytes`),
      );
    },
  },
  {
    name:
      "bit methods throw RangeError naming a bad index and leave the map alone",
    run: async (s, t) => {
      const methods = [
        "setBit",
        "clearBit",
        "testBit",
        "testAndSetBit",
        "testAndClearBit",
      ] as const;
      for (const m of methods) {
        await t.step(m, () => {
          const b = make(s, 0x8000_0001_0000_0001n);
          for (const bad of BAD_INDEXES) {
            assert.throws(
              () => b[m](bad as number),
              (e: Error) =>
                e instanceof RangeError &&
                /'i' must be an integer in \[0, 63\]: current value is /.test(
                  e.message,
                ) &&
                e.message.endsWith(
                  typeof bad === "string"
                    ? JSON.stringify(bad)
                    : typeof bad === "bigint"
                    ? `${bad}n`
                    : String(bad),
                ),
              `${m}(${String(bad)})`,
            );
          }
          assert.equal(b.toBigInt(), 0x8000_0001_0000_0001n);
        });
      }
      await t.step("the message reads as the style guide's example", () => {
        assert.throws(() => s.create().setBit(64), {
          name: "RangeError",
          message:
            "Cannot set bit as 'i' must be an integer in [0, 63]: current value is 64",
        });
      });
    },
  },
  {
    name: "findNextBit() throws RangeError for an offset outside [0, 64]",
    run: (s) => {
      const b = s.create();
      for (const bad of [-1, 65, 0.5, NaN, "1", 1n, undefined]) {
        assert.throws(
          () => b.findNextBit(bad as number),
          (e: Error) =>
            e instanceof RangeError &&
            e.message.includes("'offset' must be an integer in [0, 64]"),
        );
      }
    },
  },
  {
    name:
      "fromBigInt() throws RangeError outside [0, 2^64) and TypeError for a non-bigint",
    run: (s) => {
      const b = make(s, 5n);
      assert.throws(() => b.fromBigInt(-1n), {
        name: "RangeError",
        message:
          "Cannot set a bitmap from a bigint as 'v' must be in [0, 2^64 - 1]: current value is -1n",
      });
      assert.throws(
        () => b.fromBigInt(1n << 64n),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.endsWith("current value is 18446744073709551616n"),
      );
      assert.throws(() => b.fromBigInt(5 as unknown as bigint), TypeError);
      assert.equal(b.toBigInt(), 5n);
    },
  },
  {
    name: "binary operations throw TypeError for another strategy's bitmap",
    run: async (s, t) => {
      const own = () => s.create();
      for (const other of strategies.filter((o) => o.name !== s.name)) {
        await t.step(`with ${other.name}`, () => {
          const f = other.create();
          const calls: [string, () => unknown][] = [
            ["a", () => own().or(f, own())],
            ["b", () => own().or(own(), f)],
            ["a", () => own().and(f, own())],
            ["b", () => own().and(own(), f)],
            ["a", () => own().andNot(f, own())],
            ["b", () => own().andNot(own(), f)],
            ["a", () => own().xor(f, own())],
            ["b", () => own().xor(own(), f)],
            ["other", () => own().intersects(f)],
            ["other", () => own().equals(f)],
            ["other", () => own().isSubsetOf(f)],
            ["src", () => own().copy(f)],
            ["src", () => own().atomicOr(f)],
            ["src", () => own().atomicAndNot(f)],
            ["out", () => own().snapshotAndClear(f)],
          ];
          for (const [param, call] of calls) {
            assert.throws(call, {
              name: "TypeError",
              message: new RegExp(
                `as '${param}' must be a ${s.name} bitmap like the receiver: current value is a ${other.name} bitmap$`,
              ),
            });
          }
          assert.throws(
            () => s.bufferOf(f),
            (e: Error) =>
              e instanceof TypeError &&
              e.message.endsWith(`a ${other.name} bitmap`),
          );
        });
      }
      await t.step("with values that are no bitmap at all", () => {
        for (const bad of [null, undefined, {}, 0n]) {
          assert.throws(() => own().or(bad as Bitmap64, own()), TypeError);
        }
      });
    },
  },
  {
    name: "snapshotAndClear() throws RangeError when out is the receiver",
    run: (s) => {
      const b = make(s, 3n);
      assert.throws(
        () => b.snapshotAndClear(b),
        (e: Error) =>
          e instanceof RangeError &&
          e.message.includes("'out' must be another"),
      );
      assert.equal(b.toBigInt(), 3n);
    },
  },
  {
    name: "%*pb and %*pbl text round-trips through the map",
    run: (s) => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: MASK64 }), (v) => {
          const b = make(s, v);
          const c = s.create();
          c.fromBigInt(parseBitmapHex(formatBitmapHex(b)));
          assert.equal(c.toBigInt(), v);
          c.fromBigInt(parseBitmapList(formatBitmapList(b)));
          assert.equal(c.toBigInt(), v);
        }),
        { numRuns: 200 },
      );
    },
  },
  {
    name:
      "every method agrees with a bigint reference model on random operation sequences",
    run: (s) => {
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 40 }), (ops) => {
          const maps = [s.create(), s.create(), s.create()];
          const ref = [0n, 0n, 0n];
          for (const op of ops) {
            const got = apply(op, maps);
            const want = applyReference(op, ref);
            assert.deepEqual(got, want, JSON.stringify(op, bigintJson));
            for (let k = 0; k < 3; k++) {
              assert.equal(
                maps[k].toBigInt(),
                ref[k],
                `map ${k} after ${op.op}`,
              );
            }
          }
        }),
        { numRuns: 300 },
      );
    },
  },
];

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

/** A random operation on maps 0..2 (`d`, `a`, `b` may coincide). */
type Operation =
  | { op: "setBit" | "clearBit" | "testBit"; d: number; i: number }
  | { op: "testAndSetBit" | "testAndClearBit"; d: number; i: number }
  | { op: "or" | "and" | "andNot" | "xor"; d: number; a: number; b: number }
  | {
    op: "intersects" | "equals" | "isSubsetOf" | "copy" | "atomicOr";
    d: number;
    a: number;
  }
  | { op: "atomicAndNot" | "snapshotAndClear"; d: number; a: number }
  | { op: "findNextBit"; d: number; i: number }
  | {
    op: "weight" | "isEmpty" | "findFirstBit" | "forEachSetBit";
    d: number;
  }
  | { op: "zero" | "fill"; d: number }
  | { op: "fromBigInt"; d: number; v: bigint };

const mapIndex = fc.integer({ min: 0, max: 2 });
const bitIndex = fc.oneof(
  fc.constantFrom(0, 31, 32, 63),
  fc.integer({ min: 0, max: 63 }),
);
const value64 = fc.oneof(
  fc.constantFrom(...EDGE_VALUES),
  fc.bigInt({ min: 0n, max: MASK64 }),
);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    op: fc.constantFrom(
      "setBit",
      "clearBit",
      "testBit",
      "testAndSetBit",
      "testAndClearBit",
    ),
    d: mapIndex,
    i: bitIndex,
  }),
  fc.record({
    op: fc.constantFrom("or", "and", "andNot", "xor"),
    d: mapIndex,
    a: mapIndex,
    b: mapIndex,
  }),
  fc.record({
    op: fc.constantFrom(
      "intersects",
      "equals",
      "isSubsetOf",
      "copy",
      "atomicOr",
      "atomicAndNot",
    ),
    d: mapIndex,
    a: mapIndex,
  }),
  // snapshotAndClear needs out !== receiver.
  fc.record({ d: mapIndex, k: fc.integer({ min: 1, max: 2 }) }).map((
    { d, k },
  ) => ({ op: "snapshotAndClear" as const, d, a: (d + k) % 3 })),
  fc.record({
    op: fc.constant("findNextBit" as const),
    d: mapIndex,
    i: fc.integer({ min: 0, max: 64 }),
  }),
  fc.record({
    op: fc.constantFrom(
      "weight",
      "isEmpty",
      "findFirstBit",
      "forEachSetBit",
      "zero",
      "fill",
    ),
    d: mapIndex,
  }),
  fc.record({
    op: fc.constant("fromBigInt" as const),
    d: mapIndex,
    v: value64,
  }),
) as fc.Arbitrary<Operation>;

function apply(op: Operation, m: Bitmap64[]): unknown {
  const d = m[op.d];
  switch (op.op) {
    case "setBit":
    case "clearBit":
    case "testBit":
    case "testAndSetBit":
    case "testAndClearBit":
      return d[op.op](op.i);
    case "findNextBit":
      return d.findNextBit(op.i);
    case "or":
    case "xor":
    case "and":
    case "andNot":
      return d[op.op](m[op.a], m[op.b]);
    case "intersects":
    case "equals":
    case "isSubsetOf":
    case "copy":
    case "atomicOr":
    case "atomicAndNot":
      return d[op.op](m[op.a]);
    case "snapshotAndClear":
      return d.snapshotAndClear(m[op.a]);
    case "weight":
    case "isEmpty":
    case "findFirstBit":
    case "zero":
    case "fill":
      return d[op.op]();
    case "forEachSetBit": {
      const seen: number[] = [];
      d.forEachSetBit((i) => seen.push(i));
      return seen;
    }
    case "fromBigInt":
      return d.fromBigInt(op.v);
  }
}

/** The same operation on plain bigints: the kernel's semantics, spelt out. */
function applyReference(op: Operation, r: bigint[]): unknown {
  const v = r[op.d];
  switch (op.op) {
    case "setBit":
      r[op.d] = v | (1n << BigInt(op.i));
      return undefined;
    case "clearBit":
      r[op.d] = v & ~(1n << BigInt(op.i));
      return undefined;
    case "testBit":
      return ((v >> BigInt(op.i)) & 1n) === 1n;
    case "testAndSetBit":
      r[op.d] = v | (1n << BigInt(op.i));
      return ((v >> BigInt(op.i)) & 1n) === 1n;
    case "testAndClearBit":
      r[op.d] = v & ~(1n << BigInt(op.i));
      return ((v >> BigInt(op.i)) & 1n) === 1n;
    case "findNextBit":
      return referenceFindNext(v, op.i);
    case "or":
      r[op.d] = r[op.a] | r[op.b];
      return undefined;
    case "xor":
      r[op.d] = r[op.a] ^ r[op.b];
      return undefined;
    case "and":
      r[op.d] = r[op.a] & r[op.b];
      return r[op.d] !== 0n;
    case "andNot":
      r[op.d] = r[op.a] & ~r[op.b] & MASK64;
      return r[op.d] !== 0n;
    case "intersects":
      return (v & r[op.a]) !== 0n;
    case "equals":
      return v === r[op.a];
    case "isSubsetOf":
      return (v & ~r[op.a]) === 0n;
    case "copy":
      r[op.d] = r[op.a];
      return undefined;
    case "atomicOr":
      r[op.d] = v | r[op.a];
      return undefined;
    case "atomicAndNot":
      r[op.d] = v & ~r[op.a] & MASK64;
      return undefined;
    case "snapshotAndClear":
      r[op.a] = v;
      r[op.d] = 0n;
      return undefined;
    case "weight":
      return referenceBits(v).length;
    case "isEmpty":
      return v === 0n;
    case "findFirstBit":
      return referenceFindNext(v, 0);
    case "forEachSetBit":
      return referenceBits(v);
    case "zero":
      r[op.d] = 0n;
      return undefined;
    case "fill":
      r[op.d] = MASK64;
      return undefined;
    case "fromBigInt":
      r[op.d] = op.v;
      return undefined;
  }
}

/**
 * Register the whole suite for `strategy`, one `Deno.test` per case.
 * `options.skip` maps case names to the reason they do not apply; a
 * skipped case still shows up, ignored, with its reason in its name, and a
 * reason for a case that does not exist is an error (so skips cannot go
 * stale silently).
 */
export function registerConformance(
  strategy: BitmapStrategy,
  options: { skip?: Readonly<Record<string, string>> } = {},
): void {
  const skip = options.skip ?? {};
  for (const name of Object.keys(skip)) {
    if (!conformanceCases.some((c) => c.name === name)) {
      throw new RangeError(
        `Cannot skip conformance case for ${strategy.name} as 'name' must name a case: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
  }
  for (const c of conformanceCases) {
    const reason = skip[c.name];
    Deno.test({
      name: `${c.name} [${strategy.name}]${
        reason === undefined ? "" : ` (skipped: ${reason})`
      }`,
      ignore: reason !== undefined,
      fn: (t) => c.run(strategy, t),
    });
  }
}

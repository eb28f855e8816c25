import assert from "node:assert/strict";
import fc from "fast-check";
import {
  formatBitmapHex,
  formatBitmapList,
  parseBitmapHex,
  parseBitmapList,
} from "../../core/bitmap/format.ts";
import { createBitmap } from "../../core/bitmap/registry.ts";
import { MASK64, referenceBits } from "./conformance.ts";

const value64 = fc.oneof(
  fc.bigInt({ min: 0n, max: MASK64 }),
  // Runs of ones, so lists have real ranges.
  fc.array(
    fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 })),
    { maxLength: 4 },
  ).map((runs) =>
    runs.reduce((v, [a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return v | (((1n << BigInt(hi - lo + 1)) - 1n) << BigInt(lo));
    }, 0n)
  ),
);

Deno.test("formatBitmapHex() prints kernel %*pb: two 8-digit chunks, high first", async (t) => {
  const cases: [bigint, string][] = [
    [0n, "00000000,00000000"],
    [0x7_0000000fn, "00000007,0000000f"],
    [0xffn, "00000000,000000ff"],
    [1n << 63n, "80000000,00000000"],
    [MASK64, "ffffffff,ffffffff"],
    [0xdeadbeef_cafef00dn, "deadbeef,cafef00d"],
  ];
  for (const [v, text] of cases) {
    await t.step(text, () => {
      assert.equal(formatBitmapHex(v), text);
      const b = createBitmap("bool");
      b.fromBigInt(v);
      assert.equal(formatBitmapHex(b), text);
    });
  }
});

Deno.test('formatBitmapList() prints kernel %*pbl ranges, empty map as ""', async (t) => {
  const cases: [bigint, string][] = [
    [0n, ""],
    [0x7_0000000fn, "0-3,32-34"],
    [1n, "0"],
    [0b101n, "0,2"],
    [0b110n, "1-2"],
    [(1n << 31n) | (1n << 32n), "31-32"],
    [1n << 63n, "63"],
    [MASK64, "0-63"],
    [0x5n << 61n, "61,63"],
  ];
  for (const [v, text] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.equal(formatBitmapList(v), text);
      const b = createBitmap("u64");
      b.fromBigInt(v);
      assert.equal(formatBitmapList(b), text);
    });
  }
});

Deno.test("format functions throw TypeError for a non-bitmap and RangeError outside 64 bits", () => {
  for (const f of [formatBitmapHex, formatBitmapList]) {
    assert.throws(() => f(-1n), RangeError);
    assert.throws(() => f(1n << 64n), RangeError);
    for (const bad of [{}, null, 5, "ff"]) {
      assert.throws(() => f(bad as bigint), {
        name: "TypeError",
        message: /'bits' must be a Bitmap64 or a bigint: current value is /,
      });
    }
  }
});

Deno.test("parseBitmapHex() follows bitmap_parse() for 64 bits", async (t) => {
  const cases: [string, bigint][] = [
    ["00000007,0000000f", 0x7_0000000fn],
    ["00000007,0000000f\n", 0x7_0000000fn],
    ["7,f", 0x7_0000000fn],
    ["ff", 0xffn],
    ["FF", 0xffn],
    ["ffffffff,ffffffff", MASK64],
    ["", 0n],
    [",", 0n],
    ["1,,5", 0x1_00000005n], // empty groups are skipped
    [" 1 5 ", 0x1_00000005n], // white space separates chunks too
    ["\t80000000,00000000 ", 1n << 63n],
    ["0,1\nthis is ignored", 1n],
  ];
  for (const [text, v] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.equal(parseBitmapHex(text), v);
    });
  }
});

Deno.test("parseBitmapHex() throws SyntaxError or RangeError naming the position", async (t) => {
  const cases: [string, ErrorConstructor, string][] = [
    [
      "0x12",
      SyntaxError,
      "position 1 must be a hex digit, ',' or white space: current value is \"x\"",
    ],
    ["12g4", SyntaxError, "position 2 must be a hex digit"],
    [
      "g12345678",
      SyntaxError,
      "position 0 must be ',' or white space after 8 digits",
    ],
    ["-1", SyntaxError, "position 0 must be a hex digit"],
    [
      "123456789",
      RangeError,
      "the chunk ending at position 8 must have at most 8 hex digits: current value has a 9th digit at position 0",
    ],
    [
      "1,2,3",
      RangeError,
      "must have at most 2 chunks of 32 bits: current value has a third chunk ending at position 0",
    ],
  ];
  for (const [text, type, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(
        () => parseBitmapHex(text),
        (e: Error) =>
          e instanceof type && e.message.includes(message) &&
          e.message.includes(JSON.stringify(text)),
      );
    });
  }
  await t.step("non-string", () => {
    assert.throws(() => parseBitmapHex(7 as unknown as string), TypeError);
  });
});

Deno.test("parseBitmapList() follows bitmap_parselist() for 64 bits", async (t) => {
  const cases: [string, bigint][] = [
    ["0-3,32-34", 0x7_0000000fn],
    ["0-3,32-34\n", 0x7_0000000fn],
    ["", 0n],
    [" , ", 0n],
    ["5", 1n << 5n],
    ["63", 1n << 63n],
    ["3-3", 1n << 3n],
    ["1 2\t3", 0b1110n],
    ["all", MASK64],
    ["ALL", MASK64],
    ["N", 1n << 63n],
    ["0-N", MASK64],
    ["0-63:1/32", (1n << 32n) | 1n],
    ["all:1/2", 0x5555_5555_5555_5555n],
    ["0-7:0/4", 0n], // nothing used per group
    ["0-9:2/4", 0b11_0011_0011n],
    ["2,2,2", 0b100n],
    ["1\n2", 0b10n], // the text ends at a newline ending a region
    ["1,\n2", 0b110n], // ...but a newline after a comma is white space, as in the kernel
    ["007", 1n << 7n],
  ];
  for (const [text, v] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.equal(parseBitmapList(text), v);
    });
  }
});

Deno.test("parseBitmapList() throws SyntaxError or RangeError naming the position", async (t) => {
  const cases: [string, ErrorConstructor, string][] = [
    ["-1", SyntaxError, "position 0 must be a decimal number or 'N'"],
    ["1x", SyntaxError, "position 1 must be '-', ',' or white space"],
    ["3-", SyntaxError, "position 2 must be a decimal number or 'N'"],
    ["5:1/2", SyntaxError, "position 1 must be '-', ',' or white space"],
    ["0-7x", SyntaxError, "position 3 must be ':', ',' or white space"],
    ["0-7:1x2", SyntaxError, "position 5 must be '/'"],
    ["0-7:1/2x", SyntaxError, "position 7 must be a decimal number or 'N'"],
    [
      "1,3-1",
      SyntaxError,
      "the region at position 2 must not end before it starts: current value is 3-1",
    ],
    [
      "0-7:1/0",
      SyntaxError,
      "the region at position 0 must have 0 < group and used <= group: current value is 1/0",
    ],
    ["0-7:5/4", SyntaxError, "current value is 5/4"],
    [
      "64",
      RangeError,
      "the region at position 0 must end at a bit index in [0, 63]: current value is 64",
    ],
    [
      "0,60-64",
      RangeError,
      "the region at position 2 must end at a bit index in [0, 63]: current value is 64",
    ],
    [
      "4294967296",
      RangeError,
      "the number at position 0 must fit in 32 bits: current value is 4294967296",
    ],
    [
      "4294967295",
      RangeError,
      "must end at a bit index in [0, 63]: current value is 4294967295",
    ],
  ];
  for (const [text, type, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(
        () => parseBitmapList(text),
        (e: Error) =>
          e instanceof type && e.message.includes(message) &&
          e.message.includes(JSON.stringify(text)),
      );
    });
  }
  await t.step("non-string", () => {
    assert.throws(() => parseBitmapList(null as unknown as string), TypeError);
  });
});

Deno.test("parseBitmapHex(formatBitmapHex(v)) === v for every 64-bit v", () => {
  fc.assert(
    fc.property(value64, (v) => {
      const text = formatBitmapHex(v);
      assert.equal(parseBitmapHex(text), v);
      assert.equal(parseBitmapHex(`${text}\n`), v); // bitmap_print_to_pagebuf()
      assert.equal(parseBitmapHex(text.toUpperCase()), v);
      // Leading zeros are optional.
      const short = text.split(",").map((c) => c.replace(/^0+(?=.)/, ""))
        .join(",");
      assert.equal(parseBitmapHex(short), v);
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseBitmapList(formatBitmapList(v)) === v for every 64-bit v", () => {
  fc.assert(
    fc.property(value64, (v) => {
      const text = formatBitmapList(v);
      assert.equal(parseBitmapList(text), v);
      assert.equal(parseBitmapList(`${text}\n`), v);
      // Every listed index is a set bit and vice versa.
      const listed = text === "" ? [] : text.split(",").flatMap((r) => {
        const [a, b = a] = r.split("-").map(Number);
        return Array.from({ length: b - a + 1 }, (_, k) => a + k);
      });
      assert.deepEqual(listed, referenceBits(v));
    }),
    { numRuns: 500 },
  );
});

Deno.test("parseBitmapList() accepts any separators and order of single bits", () => {
  const sep = fc.constantFrom(",", " ", "\t", ", ", ",,");
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 20 }),
      fc.array(sep, { minLength: 20, maxLength: 20 }),
      (bits, seps) => {
        const text = bits.map((b, k) => `${b}${seps[k]}`).join("");
        const want = bits.reduce((v, b) => v | (1n << BigInt(b)), 0n);
        assert.equal(parseBitmapList(text), want);
      },
    ),
  );
});

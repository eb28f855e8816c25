/**
 * A tiny stand-in for the bitmap suite, for the `answer` tests:
 * self-contained, the same group names and axes as `bench/bitmap_cases.ts`.
 *
 * @module
 */

let sink = 0;

function bitmapCase(op: string, bits: number, strategy: string) {
  return {
    group: `${op} bits=${bits} in=both`,
    name: `${strategy} x8`,
    baseline: strategy === "u32pair",
    opsPerCall: 8,
    axes: { op, bits, placement: "both", strategy },
    body: () => {
      for (let i = 0; i < 8; i++) sink = (sink + i + bits) | 0;
    },
  };
}

/** The suite `bitmap_bench.ts` registers. */
export const suite = {
  file: "bitmap_bench.ts",
  cases: [
    bitmapCase("forEachSetBit", 6, "u32pair"),
    bitmapCase("forEachSetBit", 6, "u64"),
    // Not a hot operation of the default plan.
    bitmapCase("intersects", 6, "u64"),
  ],
};

/** Read the sink so the work above is observable. */
export function bitmapSink(): number {
  return sink;
}

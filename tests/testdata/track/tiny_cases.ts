/**
 * A two-case suite for the tracking tests: self-contained (no imports), so
 * the tests can copy it into a scratch git repository and measure it there.
 * It mirrors the `BenchSuite` shape of `core/track/suite/bench_case.ts`.
 *
 * @module
 */

let sink = 0;

/** The suite `tiny_bench.ts` registers. */
export const suite = {
  file: "tiny_bench.ts",
  cases: [
    {
      group: "tiny",
      name: "sum x8",
      baseline: true,
      opsPerCall: 8,
      axes: { kind: "sum", variant: "one" },
      body: () => {
        let acc = 0;
        for (let i = 0; i < 8; i++) acc += i;
        sink ^= acc;
      },
    },
    {
      group: "tiny",
      name: "product",
      opsPerCall: 1,
      axes: { kind: "product", variant: "one" },
      body: () => {
        sink ^= (sink + 3) * 7;
      },
    },
  ],
};

/** Read the sink so the work above is observable. */
export function tinySink(): number {
  return sink;
}

/**
 * A tiny stand-in for the transition suite, for the `answer` tests:
 * self-contained (no imports), the same group names and axes as
 * `bench/nested_transition_cases.ts`, a trivial body per case.
 *
 * @module
 */

let sink = 0;

function transitionCase(n: number, mechanism: string, k: number) {
  const what = mechanism === "tracked" && k === 0 ? "early return" : mechanism;
  return {
    group: `nested round trip N=${n}`,
    name: `${what} k=${k} u64 x8`,
    baseline: mechanism === "tracked" && k === 0,
    opsPerCall: 8,
    axes: {
      scope: "round trip",
      N: n,
      k,
      mechanism,
      strategy: "u64",
      filter: 0,
      model: n === 0 ? "no-counters" : "amd-legacy",
      synthetic: false,
    },
    body: () => {
      for (let i = 0; i < 8; i++) sink = (sink + i * (k + 1)) | 0;
    },
  };
}

/** The suite `nested_transition_bench.ts` registers. */
export const suite = {
  file: "nested_transition_bench.ts",
  cases: [
    transitionCase(0, "tracked", 0),
    transitionCase(4, "none", 0),
    transitionCase(4, "tracked", 0),
    transitionCase(4, "tracked", 4),
    // Not in the default plan: k = N/2.
    transitionCase(4, "tracked", 2),
  ],
};

/** Read the sink so the work above is observable. */
export function transitionSink(): number {
  return sink;
}

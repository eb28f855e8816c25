// Writes nested-suite.json beside this file: the nested transition
// suite's cases (axes exactly as bench/nested_transition_cases.ts builds them)
// with hand-modelled figures in ns per transition.
// Run: PMUBENCH_STRATEGY=u32pair deno run -A tests/testdata/track/nested_suite_gen.ts
// then deno fmt it (the figures are modelled by hand: realistic shapes, not
// measurements).
import {
  FILTER_EVENTS,
  nestedCaseName,
  nestedCaseSpecs,
  nestedGroupName,
} from "../../../bench/nested_transition_cases.ts";

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const specs = nestedCaseSpecs(["u32pair", "u64view"]);
function cost(s: (typeof specs)[number]): number {
  const n = s.setup.n;
  const strat = s.strategy === "u64view" ? 1.15 : 1;
  const filt = s.filter ? 1.7 : 1;
  let handler: number;
  let entry = 0;
  switch (s.mechanism) {
    case "none":
      handler = 2.1;
      break;
    case "tracked":
      handler = s.k === 0 ? 2.6 : 4.1 + 0.05 * s.k;
      entry = s.k === 0 ? 3.2 : (14 + 6.5 * s.k) * filt;
      break;
    case "all-bits":
      handler = n === 0 ? 2.8 : 4.4;
      entry = n === 0 ? 3.4 : (14 + 6.5 * n) * filt;
      break;
    default: // immediate
      handler = n === 0 ? 3.0 : (12 + 6.8 * n) * filt;
      entry = 3.2;
  }
  if (s.mechanism === "none") entry = 3.0;
  return (s.scope === "handler" ? handler : handler + entry) * strat;
}
const benches = [];
let group = "";
for (const s of specs) {
  const g = nestedGroupName(s.scope, s.setup.n, s.filter);
  if (g !== group) {
    group = g;
    const m = 0.35;
    benches.push({
      key: `nested_transition_bench.ts::${g}::no-op x256`,
      file: "nested_transition_bench.ts",
      group: g,
      name: "no-op x256",
      baseline: false,
      metric: "time",
      unit: "ns/op",
      opsPerCall: 256,
      axes: {
        scope: s.scope,
        N: s.setup.n,
        filter: s.filter ? FILTER_EVENTS : 0,
        model: s.setup.model,
        reference: "no-op",
      },
      replicates: [0, 1, 2].map(() =>
        Number((m * (0.97 + 0.06 * rnd())).toFixed(4))
      ),
    });
  }
  const c = cost(s);
  const name = nestedCaseName(s);
  benches.push({
    key: `nested_transition_bench.ts::${g}::${name}`,
    file: "nested_transition_bench.ts",
    group: g,
    name,
    baseline: s.baseline,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 256,
    axes: {
      scope: s.scope,
      N: s.setup.n,
      k: s.k,
      mechanism: s.mechanism,
      strategy: s.strategy,
      filter: s.filter ? FILTER_EVENTS : 0,
      model: s.setup.model,
      synthetic: s.setup.synthetic,
    },
    replicates: [0, 1, 2].map(() =>
      Number((c * (0.96 + 0.08 * rnd())).toPrecision(5))
    ),
  });
}
const result = {
  schema: "pmubench-result/1",
  date: "2026-11-30T04:00:00.000Z",
  env: {
    deno: "2.9.6",
    v8: "14.2.0",
    typescript: "5.9.2",
    cpu: "AMD EPYC (hand-modelled figures)",
    cores: 2,
    os: "linux",
    arch: "x86_64",
    commit: "544f15024f573ee98e84951608790c6c74053ea6",
    dirty: false,
    branch: "main",
  },
  flags: { repeat: 3 },
  benches,
};
Deno.writeTextFileSync(
  new URL("./nested-suite.json", import.meta.url),
  JSON.stringify(result, null, 1) + "\n",
);
// deno-lint-ignore no-console -- a generator script: its output is the fixture
console.log(benches.length);

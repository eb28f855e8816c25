import assert from "node:assert/strict";
import {
  formatAnswer,
  TABLE_COLUMNS,
  transitionTable,
} from "../../../core/track/present/answer_format.ts";
import {
  type BenchResult,
  type ResultFile,
  resultOf,
} from "../../../core/track/result/result.ts";

const env: ResultFile["env"] = {
  deno: "2.9.6",
  v8: "",
  typescript: "",
  cpu: "cpu",
  cores: 2,
  os: "linux",
  arch: "x86_64",
  commit: "0123456789",
  dirty: false,
  branch: null,
};

function transition(
  n: number,
  mechanism: string,
  k: number,
  x: number,
  extra: Partial<BenchResult> = {},
): BenchResult {
  const name = `${mechanism} k=${k} u64`;
  return {
    key: `t::N=${n}::${name}`,
    file: "t",
    group: `N=${n}`,
    name,
    baseline: mechanism === "tracked" && k === 0,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 256,
    axes: {
      scope: "round trip",
      N: n,
      k,
      mechanism,
      strategy: "u64",
      filter: 0,
      model: `m${n}`,
    },
    replicates: [x, x * 1.1, x * 0.9],
    ...extra,
  };
}

function bitmap(
  op: string,
  bits: number,
  strategy: string,
  xs: number[],
): BenchResult {
  return {
    key: `b::${op} ${bits}::${strategy}`,
    file: "b",
    group: `${op} ${bits}`,
    name: strategy,
    baseline: false,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 1024,
    axes: { op, bits, placement: "both", strategy },
    replicates: xs,
  };
}

const result = (benches: BenchResult[]): ResultFile =>
  resultOf(benches, {
    date: "2025-01-01T00:00:00.000Z",
    env,
    flags: { plan: "default", parts: "transitions x3, bitmap strategies x5" },
  });

Deno.test("transitionTable() makes a row per N with ratios to the early return", () => {
  const rows = transitionTable(result([
    transition(6, "tracked", 0, 2),
    transition(6, "tracked", 6, 4),
    transition(6, "tracked", 3, 3), // k = N/2: no column
    transition(6, "all-bits", 0, 20),
    transition(0, "tracked", 0, 1),
    transition(6, "none", 0, 1, { failed: "boom" }),
    {
      ...transition(6, "tracked", 0, 99),
      key: "other",
      axes: { ...transition(6, "tracked", 0, 99).axes, strategy: "bool" },
      baseline: false,
    },
  ]));
  assert.deepEqual(rows.map((r) => r.n), [0, 6]);
  const six = rows[1];
  assert.deepEqual(Object.keys(six.cells).sort(), [
    "all-bits",
    "early return",
    "tracked k=N",
  ]);
  assert.equal(six.cells["early return"]!.median, 2);
  assert.equal(six.cells["tracked k=N"]!.ratio, 2);
  assert.equal(six.cells["all-bits"]!.ratio, 10);
  assert.equal(six.model, "m6");
});

Deno.test("transitionTable() puts a native reference beside its row", () => {
  const native: BenchResult = {
    ...transition(6, "tracked", 0, 0.5),
    key: "t::N=6::native",
    name: "native x256",
    baseline: false,
    axes: { scope: "round trip", N: 6, filter: 0, reference: "native" },
  };
  const [row] = transitionTable(
    result([transition(6, "tracked", 0, 2), native]),
  );
  assert.equal(row.native?.median, 0.5);
  assert.equal(row.native?.ratio, 0.25);
});

Deno.test("transitionTable() puts a mechanism's native figure beside its cell", () => {
  const native = (mechanism: string, k: number, x: number): BenchResult => ({
    ...transition(6, mechanism, k, x),
    key: `t::N=6::native ${mechanism} k=${k}`,
    name: `native ${mechanism} k=${k} x256`,
    baseline: false,
    axes: {
      scope: "round trip",
      N: 6,
      k,
      mechanism,
      filter: 0,
      reference: "native",
    },
  });
  const r = result([
    transition(6, "tracked", 0, 2),
    transition(6, "all-bits", 0, 20),
    native("tracked", 0, 1),
    native("all-bits", 0, 4),
    // No model cell for it: left out.
    native("immediate", 6, 3),
  ]);
  const [row] = transitionTable(r);
  assert.equal(row.native, undefined);
  assert.deepEqual(Object.keys(row.natives).sort(), [
    "all-bits",
    "early return",
  ]);
  assert.equal(row.natives["all-bits"]!.median, 4);
  assert.equal(row.natives["all-bits"]!.ratio, 2);
  const text = formatAnswer(r);
  assert.match(
    text,
    /^6 m6 +2 \[1\.8-2\.2\] \(C 1\) +- +20 \[18-22\] x10\.00 \(C 4\) +- +-$/m,
  );
  assert.match(text, /^\(C x\): the same mechanism in native C/m);
});

Deno.test("formatAnswer() puts the fastest strategy's ratio to native C beside C's figure", () => {
  const native: BenchResult = {
    ...bitmap("or", 6, "native", [0.5, 0.51, 0.49]),
    name: "native",
    axes: { op: "or", bits: 6, placement: "both", reference: "native" },
  };
  const text = formatAnswer(result([
    bitmap("or", 6, "u32pair", [2, 2.02, 1.98, 2.04, 1.96]),
    bitmap("or", 6, "u64", [8, 8.1, 7.9, 8.2, 7.8]),
    native,
  ]));
  assert.match(text, /native C \(x\): the fastest's time over C's\):$/m);
  assert.match(
    text,
    /^op=or bits=6 placement=both +u32pair \* 2 +u64 x4\.00 +0\.5 \(x4\.00\) +significant$/m,
  );
});

Deno.test("formatAnswer() prints the table, the ranking and where things are", () => {
  const benches = [
    ...[0, 4, 6, 8, 11, 16, 32, 64].flatMap((n) => [
      transition(n, "tracked", 0, 2),
      transition(n, "tracked", n, 3 + n / 8),
      transition(n, "all-bits", 0, 10 + n),
      transition(n, "immediate", 0, 20 + n),
      transition(n, "none", 0, 1),
    ]),
    bitmap("weight", 6, "u64", [1, 1.01, 0.99, 1.02, 0.98]),
    bitmap("weight", 6, "bool", [5, 5.1, 4.9, 5.2, 4.8]),
    bitmap("weight", 64, "u64", [9, 9.1, 8.9, 9.2, 8.8]),
    bitmap("weight", 64, "bool", [5, 5.1, 4.9, 5.2, 4.8]),
  ];
  const text = formatAnswer(result(benches), {
    reportPath: "r.html",
    resultPath: "r.json",
    load: "1.00 2.00 3.00",
    seconds: 12,
  });
  const lines = text.trimEnd().split("\n");
  assert.ok(lines.length <= 100, `${lines.length} lines`);
  const header = lines.find((l) => l.startsWith("N (vCPU)"))!;
  for (const c of TABLE_COLUMNS) assert.ok(header.includes(c));
  assert.ok(
    !header.includes("native C"),
    "no native column without native benches",
  );
  assert.match(
    text,
    /^64 m64 +2 \[1\.8-2\.2\] +11 \[9\.9-12\.1\] x5\.50 +74 /m,
  );
  // The ranking: u64 wins at 6 bits, bool at 64, and the crossover is named.
  assert.match(
    text,
    /^op=weight bits=6 placement=both +u64 \* 1 +bool x5\.00 +- +significant$/m,
  );
  assert.match(text, /bool wins above bits=6/);
  assert.match(text, /load average 1\.00 2\.00 3\.00; measured in 12 s/);
  assert.match(text, /^Report: r\.html$/m);
  assert.match(
    text,
    /^Plan: default \(transitions x3, bitmap strategies x5 processes per case\)$/m,
  );
  assert.doesNotMatch(text, /usual CPU speed/);
  // A speed-corrected result says what its figures are.
  const corrected = result(benches);
  corrected.flags.speedCorrection = "note";
  assert.match(
    formatAnswer(corrected),
    /^median \[interval of the median\] of 3 processes at the run's usual CPU speed, x = /m,
  );
});

import assert from "node:assert/strict";
import { buildMatrix } from "../../../core/track/judge/matrix.ts";
import {
  describeCrossover,
  formatMatrix,
} from "../../../core/track/present/matrix_format.ts";
import type { BenchResult } from "../../../core/track/result/result.ts";
import { resultOf } from "../_result_helpers.ts";

type Axes = Record<string, string | number | boolean>;

function bench(
  axes: Axes,
  replicates: number[],
  metric = "instructions",
  extra?: BenchResult["extra"],
): BenchResult {
  const name = `${axes.strategy ?? axes.reference} x1`;
  const group = Object.entries(axes).filter(([k]) =>
    k !== "strategy" && k !== "reference"
  )
    .map(([k, v]) => `${k}=${v}`).join(" ");
  return {
    key: `m_bench.ts::${group}::${name}`,
    file: "m_bench.ts",
    group,
    name,
    baseline: false,
    metric,
    unit: metric === "time" ? "ns/op" : "instr/op",
    opsPerCall: 1,
    axes,
    replicates,
    ...(extra === undefined ? {} : { extra }),
  };
}

const result = resultOf;

Deno.test("buildMatrix() marks winners only when significant", async (t) => {
  await t.step(
    "instructions: a 0.5% lead is a tie, a 20% lead a winner",
    () => {
      const m = buildMatrix(result([
        bench({ op: "weight", bits: 6, strategy: "u32pair" }, [100]),
        bench({ op: "weight", bits: 6, strategy: "u64view" }, [100.5]),
        bench({ op: "or", strategy: "u32pair" }, [10]),
        bench({ op: "or", strategy: "u64view" }, [12]),
      ]));
      assert.equal(m.deterministic, true);
      assert.equal(m.noise, 0.01);
      const weight = m.rows.find((r) => r.axes.op === "weight")!;
      assert.equal(weight.winner, undefined);
      assert.deepEqual(weight.tied, ["u32pair", "u64view"]);
      assert.equal(weight.best, "u32pair");
      const or = m.rows.find((r) => r.axes.op === "or")!;
      assert.equal(or.winner, "u32pair");
      assert.equal(or.cells.u64view.ratio, 1.2);
      assert.equal(or.cells.u64view.worse, true);
      assert.equal(or.cells.u32pair.ratio, 1);
    },
  );
  await t.step(
    "time: 5 vs 5 replicates fully separated win; overlapping ones do not",
    () => {
      const m = buildMatrix(result([
        bench({ op: "a", strategy: "x" }, [10, 10.1, 10.2, 10.3, 10.4], "time"),
        bench({ op: "a", strategy: "y" }, [20, 20.1, 20.2, 20.3, 20.4], "time"),
        bench({ op: "b", strategy: "x" }, [10, 12, 14, 16, 18], "time"),
        bench({ op: "b", strategy: "y" }, [11, 13, 15, 17, 19], "time"),
      ]));
      assert.equal(m.deterministic, false);
      const [a, b] = m.rows;
      assert.equal(a.winner, "x");
      assert(a.cells.y.ratioCi![0] > 1.03);
      assert.equal(b.winner, undefined);
    },
  );
  await t.step(
    "time with 3 replicates a side can never win at alpha 0.01",
    () => {
      const m = buildMatrix(result([
        bench({ op: "a", strategy: "x" }, [1, 1, 1], "time"),
        bench({ op: "a", strategy: "y" }, [9, 9, 9], "time"),
      ]));
      assert.equal(m.rows[0].winner, undefined);
    },
  );
  await t.step("a row with one cell has no winner", () => {
    const m = buildMatrix(result([bench({ op: "a", strategy: "x" }, [1])]));
    assert.equal(m.rows[0].winner, undefined);
  });
});

Deno.test("buildMatrix() names crossovers along numeric axes", () => {
  const rows: BenchResult[] = [];
  for (
    const [bits, a, b] of [[1, 10, 20], [6, 12, 20], [32, 19, 20], [64, 40, 20]]
  ) {
    rows.push(
      bench({ op: "weight", bits, placement: "both", strategy: "u32pair" }, [
        a,
      ]),
    );
    rows.push(
      bench({ op: "weight", bits, placement: "both", strategy: "u64view" }, [
        b,
      ]),
    );
  }
  const m = buildMatrix(result(rows));
  // bits=32: 19 vs 20 is 5% apart, still a win; bits=64 flips.
  assert.deepEqual(m.rows.map((r) => r.winner), [
    "u32pair",
    "u32pair",
    "u32pair",
    "u64view",
  ]);
  assert.equal(m.crossovers.length, 1);
  assert.equal(
    describeCrossover(m.crossovers[0]),
    "u64view wins above bits=32 (from bits=64; u32pair wins at bits=32) for op=weight placement=both",
  );
  // Rows sort numerically along bits.
  assert.deepEqual(m.rows.map((r) => r.axes.bits), [1, 6, 32, 64]);
});

Deno.test("buildMatrix() keeps references, allocation and tier beside the cells", () => {
  const m = buildMatrix(result([
    bench({ op: "a", strategy: "x" }, [10], "instructions", {
      bytesPerOp: 0,
      tier: "turbofan",
    }),
    bench({ op: "a", strategy: "y" }, [30], "instructions", {
      bytesPerOp: 16,
      tier: "maglev",
      warning: "measured in maglev, not turbofan",
    }),
    bench({ op: "a", reference: "loop only" }, [2]),
    bench({ op: "zzz", reference: "no row" }, [2]),
    bench({ op: "b", bits: 1, strategy: "x" }, [5]),
    bench({ op: "b", bits: 2, strategy: "x" }, [6]),
    bench({ op: "b", reference: "no-op" }, [1]),
    { ...bench({ op: "a", strategy: "z" }, []), failed: "boom" },
  ]));
  const [row, b1, b2] = m.rows;
  assert.equal(row.references["loop only"].median, 2);
  // A reference with fewer axes belongs to every row that agrees with it.
  assert.equal(b1.references["no-op"].median, 1);
  assert.equal(b2.references["no-op"].median, 1);
  assert.equal(row.references["no-op"], undefined);
  assert.equal(row.cells.y.bytesPerOp, 16);
  assert.equal(row.cells.y.tier, "maglev");
  assert.equal(m.skipped.length, 2);
  const text = formatMatrix(m, "terminal");
  assert.match(text, /\(loop only\)/);
  assert.match(text, /Warnings:\n {2}op=a y: measured in maglev/);
  assert.match(text, /30 x3\.00 !/);
});

Deno.test("buildMatrix() rejects what it cannot tabulate", async (t) => {
  const two = result([
    bench({ op: "a", strategy: "x" }, [1]),
    bench({ op: "a", strategy: "x" }, [1], "time"),
  ]);
  await t.step("several metrics and none chosen", () => {
    assert.throws(
      () => buildMatrix(two),
      /holds several metrics \(instructions, time\): choose one/,
    );
    assert.equal(buildMatrix(two, { metric: "time" }).metric, "time");
  });
  await t.step("a metric that is not there", () => {
    assert.throws(
      () => buildMatrix(two, { metric: "cycles" }),
      /metric 'cycles' as the result has none/,
    );
  });
  await t.step("no figures at all", () => {
    assert.throws(() => buildMatrix(result([])), /has no bench with figures/);
  });
  await t.step("no bench with the column axis", () => {
    assert.throws(
      () => buildMatrix(two, { metric: "time", columns: "mechanism" }),
      /has the axis 'mechanism'/,
    );
  });
  await t.step("alpha and noise out of range", () => {
    assert.throws(
      () => buildMatrix(two, { metric: "time", alpha: 0 }),
      /'alpha' must be in \(0, 1\)/,
    );
    assert.throws(
      () => buildMatrix(two, { metric: "time", noise: 1 }),
      /'noise' must be in \[0, 1\)/,
    );
  });
});

Deno.test("formatMatrix() renders terminal, markdown and json", async (t) => {
  const m = buildMatrix(result([
    bench({ op: "or", strategy: "u32pair" }, [10]),
    bench({ op: "or", strategy: "u64view" }, [12]),
  ]));
  await t.step("terminal: a table, the legend, the crossovers line", () => {
    const text = formatMatrix(m, "terminal");
    assert.match(text, /^instructions \(instr\/op\) by strategy\n/);
    assert.match(text, /op=or +10 x1\.00 \* +12 x1\.20 +u32pair/);
    assert.match(text, /Crossovers: none/);
  });
  await t.step("markdown: the winner in bold", () => {
    const md = formatMatrix(m, "markdown");
    assert.match(md, /\| operation \| u32pair \| u64view \| winner \|/);
    // The winner mark is escaped, so the bold closes where it should.
    assert.match(md, /\*\*10 x1\.00 \\\*\*\*/);
  });
  await t.step("json: the matrix itself", () => {
    assert.equal(JSON.parse(formatMatrix(m, "json")).rows[0].winner, "u32pair");
  });
  await t.step("an unknown format: RangeError", () => {
    assert.throws(
      () => formatMatrix(m, "csv"),
      /must be one of terminal, markdown, json/,
    );
  });
});

import assert from "node:assert/strict";
import { renderReport } from "../../../core/track/present/report.ts";
import type { BenchResult } from "../../../core/track/result/result.ts";
import { resultOf } from "../_result_helpers.ts";

function bench(
  strategy: string,
  bits: number,
  x: number,
  extra: BenchResult["extra"] = {},
): BenchResult {
  return {
    key: `bitmap_bench.ts::weight bits=${bits}::${strategy} x64`,
    file: "bitmap_bench.ts",
    group: `weight bits=${bits}`,
    name: `${strategy} x64`,
    baseline: false,
    metric: "instructions",
    unit: "instr/op",
    opsPerCall: 64,
    axes: { op: "weight", bits, strategy },
    replicates: [x],
    extra: { bytesPerOp: 0, tier: "turbofan", ...extra },
  };
}

const result = resultOf;

Deno.test("renderReport() has a strategy matrix section with winners, crossovers, allocation and tier", () => {
  const html = renderReport({
    results: [{
      name: "i.json",
      result: result([
        bench("u32pair", 6, 20),
        bench("u64view", 6, 30),
        bench("u32pair", 64, 60),
        bench("u64view", 64, 40, {
          bytesPerOp: 8,
          warning: "measured in maglev, not turbofan",
        }),
      ]),
    }],
  }, { generatedAt: new Date(0) });
  assert.match(html, /<h3>Strategy matrix<\/h3>/);
  assert.match(html, /<b>instructions<\/b> \(instr\/op\) by strategy/);
  // One winning cell per row.
  assert.equal(html.match(/class="num win"/g)?.length, 2);
  assert.match(
    html,
    /u64view wins above bits=6 \(from bits=64; u32pair wins at bits=6\) for op=weight/,
  );
  assert.match(html, /8 B\/op, turbofan/);
  assert.match(html, /title="measured in maglev, not turbofan">!<\/span>/);
  // The bench table carries bytes, tier and the warning.
  assert.match(html, /<th>B\/op<\/th><th>tier<\/th><th>warning<\/th>/);
  assert(!html.includes("<script"));
});

Deno.test("renderReport() says when there is no matrix", () => {
  const plain = result([bench("u32pair", 6, 20)]);
  plain.benches[0].axes = { op: "weight" };
  const html = renderReport({ results: [{ name: "p.json", result: plain }] }, {
    generatedAt: new Date(0),
  });
  assert.match(html, /No matrix: no bench has a strategy or mechanism axis/);
});

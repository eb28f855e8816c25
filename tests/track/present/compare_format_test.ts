import assert from "node:assert/strict";
import {
  compareResults,
  type Comparison,
} from "../../../core/track/judge/compare.ts";
import {
  escapeMarkdown,
  formatChange,
  formatComparison,
  formatMarkdown,
  formatTerminal,
  markdownCode,
  summarizeComparison,
  toBmf,
} from "../../../core/track/present/compare_format.ts";
import { readResultFile } from "../../../core/track/result/result.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

async function fixtureComparison(): Promise<Comparison> {
  const c = compareResults(
    await readResultFile(`${testdata}result_base.json`),
    await readResultFile(`${testdata}result_head.json`),
  );
  c.rows[1].flags.push("bimodal (head)");
  return c;
}

Deno.test("formatChange() prints a signed percentage with one decimal", () => {
  assert.equal(formatChange(1.1), "+10.0%");
  assert.equal(formatChange(0.8), "-20.0%");
  assert.equal(formatChange(1), "+0.0%");
  assert.equal(formatChange(0.99999), "+0.0%");
});

Deno.test("summarizeComparison() counts every verdict", async () => {
  assert.equal(
    summarizeComparison(await fixtureComparison()),
    "3 compared: 1 regressed, 1 improved, 1 unchanged; 1 added, 1 removed",
  );
});

Deno.test("formatTerminal() prints an aligned table, the false-alarm line and the flags", async () => {
  const text = formatTerminal(await fixtureComparison(), {
    baseName: "a.json",
    headName: "b.json",
  });
  const lines = text.split("\n");
  assert.equal(lines[0], "a.json -> b.json");
  assert.match(lines[2], /^bench +base +head +change +95% CI +p +verdict$/);
  const u64 = lines.find((l) =>
    l.startsWith("bitmap_bench.ts::weight::u64 x1024")
  )!;
  assert.match(
    u64,
    /100\.2 ns +110\.4 ns +\+10\.2% +\[\+\d+\.\d%, \+\d+\.\d%\] +0\.0079 +regressed$/,
  );
  // Columns line up: every "verdict" cell starts at the same offset.
  const at = lines[2].indexOf("verdict");
  for (const v of ["regressed", "unchanged", "improved", "removed", "added"]) {
    assert.equal(lines.find((l) => l.endsWith(` ${v}`))!.indexOf(v), at, v);
  }
  assert.ok(
    text.includes("Expected false alarms: 3 comparisons x alpha 0.01 = 0.03."),
  );
  assert.ok(
    text.includes(
      "Flags:\n  bitmap_bench.ts::weight::u32pair x1024: bimodal (head)\n",
    ),
  );
});

Deno.test("formatMarkdown() prints a GitHub table with bold changes and escaped pipes", async () => {
  const c = await fixtureComparison();
  c.rows[0].key = "a|b";
  const md = formatMarkdown(c, { baseName: "main", headName: "pr" });
  assert.ok(md.startsWith("### pmubench: `main` -> `pr`\n"));
  const rows = md.split("\n").filter((l) =>
    l.startsWith("| ") && !l.startsWith("| ---")
  );
  assert.equal(rows.length, 1 + c.rows.length);
  assert.ok(md.includes("| --- | ---: | ---: | ---: | --- | ---: | --- |"));
  assert.ok(
    rows[1].startsWith("| `a\\|b` |") && rows[1].endsWith("| **regressed** |"),
  );
  assert.ok(rows.some((r) => r.endsWith("| **improved** |")));
  assert.ok(rows.some((r) => r.endsWith("| unchanged |")));
  assert.ok(
    md.includes("- bitmap_bench.ts::weight::u32pair x1024: bimodal (head)"),
  );
});

Deno.test("toBmf() gives Bencher latency figures of the head side", async () => {
  const bmf = toBmf(await fixtureComparison());
  assert.deepEqual(Object.keys(bmf), [
    "bitmap_bench.ts::weight::u64 x1024",
    "bitmap_bench.ts::weight::u32pair x1024",
    "bitmap_bench.ts::weight::bigint x1024",
    "bitmap_bench.ts::iterate::u64view x64",
  ]);
  assert.deepEqual(bmf["bitmap_bench.ts::weight::u64 x1024"], {
    latency: { value: 110.4, lower_value: 109.6, upper_value: 111 },
  });
  assert.deepEqual(bmf["bitmap_bench.ts::iterate::u64view x64"].latency, {
    value: 30.1,
    lower_value: 29.9,
    upper_value: 30.3,
  });
});

Deno.test("toBmf() names non-time measures after their metric", () => {
  const bmf = toBmf({
    rows: [{
      key: "k",
      metric: "instructions",
      unit: "instructions/op",
      verdict: "added",
      head: 7,
      flags: [],
    }],
    comparisons: 0,
    expectedFalseAlarms: 0,
    alpha: 0.01,
    noise: 0.03,
  });
  assert.deepEqual(bmf, { k: { instructions: { value: 7 } } });
});

Deno.test("formatComparison() dispatches on the format and rejects unknown ones", async (t) => {
  const c = await fixtureComparison();
  await t.step("json carries the rows and the names", () => {
    const j = JSON.parse(
      formatComparison(c, "json", { baseName: "x", headName: "y" }),
    );
    assert.equal(j.base, "x");
    assert.equal(j.rows.length, 5);
    assert.equal(j.expectedFalseAlarms, c.expectedFalseAlarms);
  });
  await t.step("bmf is toBmf() as JSON", () => {
    assert.deepEqual(JSON.parse(formatComparison(c, "bmf")), toBmf(c));
  });
  await t.step("terminal and markdown", () => {
    assert.equal(formatComparison(c, "terminal"), formatTerminal(c));
    assert.equal(formatComparison(c, "markdown"), formatMarkdown(c));
  });
  await t.step("unknown format", () => {
    assert.throws(() => formatComparison(c, "html"), {
      name: "RangeError",
      message:
        "Cannot format the comparison as 'format' must be one of terminal, markdown, json, bmf: current value is 'html'",
    });
  });
});

// A name that tries every way out of its cell: a backtick, raw HTML, a
// pipe, a newline, a terminal escape and a bell.
const EVIL = "x`<img src=x onerror=alert(1)>|y\n| z\u001b[2J\u0007";

function evilComparison(): Comparison {
  return {
    rows: [{
      key: `a_bench.ts::g::${EVIL}`,
      metric: "time",
      unit: "<b>ns</b>",
      verdict: "regressed",
      base: 100,
      head: 110,
      ratio: 1.1,
      ci: [1.08, 1.12],
      pValue: 0.0079,
      flags: [`bimodal ${EVIL}`],
      tier: "<script>alert(1)</script>",
      bytesPerOp: [0, 0],
    }],
    comparisons: 1,
    expectedFalseAlarms: 0.01,
    alpha: 0.01,
    noise: 0.03,
  };
}

Deno.test("formatMarkdown() escapes every cell so a name cannot break out", () => {
  const md = formatMarkdown(evilComparison(), {
    baseName: "b`|<i>",
    headName: "h",
  });
  // No raw HTML outside code spans (inside one it shows as text).
  const outsideCode = md.replace(/(`+).*?\1/g, "");
  assert.ok(!/<(img|b|script|i)\b/.test(outsideCode), md);
  // deno-lint-ignore no-control-regex -- the test looks for control characters
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(md), "no control character");
  const rows = md.split("\n").filter((l) => l.startsWith("| "));
  // Header, alignment and exactly one body row: the newline did not split it.
  assert.equal(rows.length, 3, md);
  // Every "|" that is not a cell border is escaped: 10 cells, 11 borders.
  assert.equal(rows[2].split(/(?<!\\)\|/).length, 11, rows[2]);
  // The bench key sits in a code span no backtick inside can close.
  assert.ok(rows[2].startsWith("| ``a_bench.ts::g::x`<img"), rows[2]);
  assert.match(md, /^### pmubench: ``b`\\\|<i>`` -> `h`$/m);
});

Deno.test("formatTerminal() strips control characters from names", () => {
  const text = formatTerminal(evilComparison(), {
    baseName: "b\u0007",
    headName: "h",
  });
  // deno-lint-ignore no-control-regex -- the test looks for control characters
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(text), JSON.stringify(text));
  assert.match(text, /^b\? -> h$/m);
  assert.match(text, /x`<img src=x onerror=alert\(1\)>\|y\?\| z\?\[2J\?/);
});

Deno.test("escapeMarkdown() and markdownCode() neutralise markup", () => {
  assert.equal(escapeMarkdown("a|b`c*d[e](f)~g"), "a\\|b\\`c\\*d[e\\](f)\\~g");
  assert.equal(escapeMarkdown("<b>&"), "&lt;b&gt;&amp;");
  assert.equal(escapeMarkdown("line\nbreak"), "line?break");
  assert.equal(markdownCode("a``b"), "```a``b```");
  assert.equal(markdownCode("a|b\n"), "`a\\|b?`");
});

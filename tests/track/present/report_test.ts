import assert from "node:assert/strict";
import { main } from "../../../core/cli.ts";
import { bufferIo } from "../../../core/cli/command.ts";
import type { RecordedRun } from "../../../core/track/history/history.ts";
import {
  historyPanels,
  MAX_SERIES_PER_CHART,
  renderReport,
  strategyPanels,
  transitionPanels,
} from "../../../core/track/present/report.ts";
import { readResultFile } from "../../../core/track/result/result.ts";
import {
  bench,
  commitHash,
  fixture,
  result,
  tempDir,
} from "../history/_history_helpers.ts";

const count = (text: string, needle: string) => text.split(needle).length - 1;

function transition(
  axes: Record<string, string | number | boolean>,
  replicates = [10, 11, 12],
) {
  const name = Object.entries(axes).map(([k, v]) => `${k}=${v}`).join(" ") +
    " x1";
  return bench(name, replicates, { file: "transition_bench.ts", axes });
}

function recorded(
  id: number,
  benches: ReturnType<typeof bench>[],
): RecordedRun {
  const r = result(benches, { commit: commitHash(id) });
  return {
    summary: {
      id,
      branch: "main",
      commit: commitHash(id),
      dirty: false,
      date: r.date,
      recordedAt: r.date,
      source: `run-${id}.json`,
      benches: benches.length,
      metrics: ["time"],
      deno: "2.9.6",
      cpu: "test cpu",
    },
    result: r,
  };
}

Deno.test("transitionPanels() groups by the other axes and draws one line per mechanism and strategy", async () => {
  const r = await readResultFile(fixture("report-input.json"));
  const panels = transitionPanels(r);
  assert.deepEqual(panels.map((p) => p.fixed), [
    "filter=false, k=3",
    "filter=true, k=3",
  ]);
  for (const p of panels) {
    assert.equal(p.metric, "time");
    assert.equal(p.unit, "ns/op");
    assert.equal(p.strategy, undefined);
    assert.deepEqual(p.omitted, []);
    assert.deepEqual(
      p.series.map((s) => `${s.mechanism}/${s.strategy}`),
      [
        "full/bigint",
        "full/u32pair",
        "full/u64",
        "tracked/bigint",
        "tracked/u32pair",
        "tracked/u64",
      ],
    );
    for (const s of p.series) {
      assert.deepEqual(s.points.map((x) => x.n), [1, 2, 4, 6, 8]);
    }
    assert.deepEqual(p.dropped, []);
  }
});

Deno.test("transitionPanels() names an axis that moves with N relative to N", () => {
  // k in {0, 1, N/2, N} over N in {4, 6, 8}, as SPEC (f) suggests.
  const benches = [4, 6, 8].flatMap((n) =>
    [0, 1, n / 2, n].map((k) =>
      transition({ N: n, k, mechanism: "tracked", strategy: "u64" })
    )
  );
  const panels = transitionPanels(result(benches));
  assert.deepEqual(panels.map((p) => p.fixed).sort(), [
    "k=0",
    "k=1",
    "k=N",
    "k=N/2",
  ]);
  for (const p of panels) assert.equal(p.series[0].points.length, 3);

  // SPEC (f)'s axes: N in {0, 4, 6, 8, 11}, k in {0, 1, floor(N/2), N}, deduplicated.
  const spec = [0, 4, 6, 8, 11].flatMap((n) =>
    [...new Set([0, 1, Math.floor(n / 2), n])].filter((k) => k <= n).map((k) =>
      transition({ N: n, k, mechanism: "tracked", strategy: "u64" })
    )
  );
  const byFixed = Object.fromEntries(
    transitionPanels(result(spec)).map((
      p,
    ) => [p.fixed, p.series[0].points.map((x) => x.n)]),
  );
  assert.deepEqual(byFixed, {
    "k=0": [0, 4, 6, 8, 11],
    "k=1": [4, 6, 8, 11],
    "k=N/2": [4, 6, 8, 11],
    "k=N": [4, 6, 8, 11],
  });
});

Deno.test("transitionPanels() splits a crowded chart per strategy and reports collisions", () => {
  const strategies = ["a", "b", "c", "d", "e"];
  const benches = ["m1", "m2"].flatMap((mechanism) =>
    strategies.flatMap((strategy) =>
      [1, 2, 3].map((n) => transition({ N: n, mechanism, strategy }))
    )
  );
  assert.ok(10 > MAX_SERIES_PER_CHART);
  benches.push(
    bench("duplicate x1", [1], {
      axes: { N: 1, mechanism: "m1", strategy: "a" },
    }),
  );
  const panels = transitionPanels(result(benches));
  assert.deepEqual(panels.map((p) => p.strategy), strategies);
  assert.deepEqual(panels[0].series.map((s) => s.mechanism), ["m1", "m2"]);
  assert.deepEqual(panels[0].dropped, ["a_bench.ts::g::duplicate x1"]);
});

Deno.test("transitionPanels() on the nested suite: one chart per question, one line per mechanism across N", async (t) => {
  const r = await readResultFile(fixture("../nested-suite.json"));
  const panels = transitionPanels(r);
  await t.step(
    "one chart per (scope, filter, k rule), never one per model",
    () => {
      assert.deepEqual(panels.map((p) => p.fixed).sort(), [
        "scope=handler, filter=0, k=0",
        "scope=handler, filter=0, k=1",
        "scope=handler, filter=0, k=N",
        "scope=handler, filter=0, k=N/2",
        "scope=round trip, filter=0, k=0",
        "scope=round trip, filter=0, k=1",
        "scope=round trip, filter=0, k=N",
        "scope=round trip, filter=0, k=N/2",
        "scope=round trip, filter=300, k=0",
        "scope=round trip, filter=300, k=N",
      ]);
      assert.ok(panels.every((p) => !/model|synthetic=/.test(p.fixed)));
    },
  );
  await t.step(
    "the early-return question: every mechanism a line over all 8 N",
    () => {
      const p = panels.find((x) => x.fixed === "scope=handler, filter=0, k=0")!;
      assert.deepEqual(p.series.map((s) => s.mechanism), [
        "all-bits",
        "immediate",
        "none",
        "tracked",
      ]);
      for (const s of p.series) {
        assert.equal(s.strategy, "u32pair");
        assert.deepEqual(s.points.map((x) => x.n), [
          0,
          4,
          6,
          8,
          11,
          16,
          32,
          64,
        ]);
      }
      // The model behind each N labels the axis: AMD legacy, PerfMonV2, Intel, synthetic.
      assert.deepEqual(p.nLabels, {
        0: "no-counters",
        4: "amd-legacy",
        6: "amd-perfmonv2",
        8: "synthetic-8",
        11: "intel-gp8",
        16: "synthetic-16",
        32: "synthetic-32",
        64: "synthetic-64",
      });
      // u64view runs at N=6 and 11 only: compared in the matrix, not drawn as a line.
      assert.deepEqual(p.omitted, ["u64view"]);
    },
  );
  await t.step("every line of every chart spans at least 5 values of N", () => {
    for (const p of panels) {
      for (const s of p.series) {
        assert.ok(
          s.points.length >= 5,
          `${p.fixed} ${s.mechanism}: ${s.points.length}`,
        );
      }
    }
  });
});

Deno.test("transitionPanels() ignores failed benches and benches lacking an axis", () => {
  const r = result([
    transition({ N: 1, mechanism: "m", strategy: "s" }),
    bench("failed x1", [], {
      axes: { N: 2, mechanism: "m", strategy: "s" },
      failed: "boom",
    }),
    bench("no strategy x1", [1], { axes: { N: 2, mechanism: "m" } }),
    bench("string N x1", [1], {
      axes: { N: "2", mechanism: "m", strategy: "s" },
    }),
  ]);
  const [panel] = transitionPanels(r);
  assert.equal(panel.series.length, 1);
  assert.deepEqual(panel.series[0].points.map((p) => p.n), [1]);
  assert.deepEqual(transitionPanels(result([bench("plain", [1])])), []);
});

Deno.test("strategyPanels() makes one chart per operation and marks the fastest per group", async () => {
  const r = await readResultFile(fixture("report-input.json"));
  const panels = strategyPanels(r);
  assert.deepEqual(panels.map((p) => p.op), [
    "set/clear",
    "forEachSetBit",
    "weight",
    "andnot",
  ]);
  for (const p of panels) {
    assert.deepEqual(p.rows.map((x) => x.strategy), [
      "bigint",
      "bool",
      "u32pair",
      "u64",
      "u64view",
    ]);
    assert.deepEqual(p.rows.filter((x) => x.best).map((x) => x.strategy), [
      "u32pair",
    ]);
  }
  const grouped = strategyPanels(result([
    bench("u64 w1", [2], {
      axes: { op: "weight", strategy: "u64", weight: 1 },
    }),
    bench("bool w1", [1], {
      axes: { op: "weight", strategy: "bool", weight: 1 },
    }),
    bench("u64 w64", [2], {
      axes: { op: "weight", strategy: "u64", weight: 64 },
    }),
    bench("bool w64", [9], {
      axes: { op: "weight", strategy: "bool", weight: 64 },
    }),
  ]));
  assert.deepEqual(
    grouped[0].rows.map((x) => [x.fixed, x.strategy, x.best]),
    [["weight=1", "bool", true], ["weight=1", "u64", false], [
      "weight=64",
      "bool",
      false,
    ], ["weight=64", "u64", true]],
  );
});

Deno.test("historyPanels() follows each (bench, metric) across runs, skipping runs without it", () => {
  const panels = historyPanels([
    recorded(1, [
      bench("f", [1, 2]),
      bench("f", [10], { metric: "instructions", unit: "instructions/op" }),
    ]),
    recorded(2, [bench("g", [5])]),
    recorded(3, [bench("f", [3, 4])]),
  ]);
  assert.deepEqual(
    panels.map((p) => [p.key, p.metric, p.points.map((x) => x.index)]),
    [
      ["a_bench.ts::g::f", "instructions", [0]],
      ["a_bench.ts::g::f", "time", [0, 2]],
      ["a_bench.ts::g::g", "time", [1]],
    ],
  );
  assert.equal(panels[1].points[1].interval.median, 3.5);
});

Deno.test("renderReport() writes a self-contained page with every section", async () => {
  const r = await readResultFile(fixture("report-input.json"));
  const html = renderReport({
    results: [{ name: "report-input.json", result: r }],
    history: {
      path: "h.db",
      branch: "main",
      runs: [
        recorded(1, [bench("f", [1, 2])]),
        recorded(2, [bench("f", [2, 3])]),
      ],
    },
  }, {
    generatedAt: new Date("2025-07-01T00:00:00.000Z"),
    command: "pmubench report <x>",
  });
  assert.ok(html.startsWith("<!doctype html>"));
  assert.ok(
    !/<script|<link|<img|@import|url\(/i.test(html),
    "no scripts or external assets",
  );
  assert.equal(
    count(html, "http"),
    count(html, 'xmlns="http://www.w3.org/2000/svg"'),
    "no link other than the SVG namespace",
  );
  assert.equal(count(html, 'data-chart="transition"'), 2);
  assert.equal(count(html, 'data-chart="strategy"'), 4);
  assert.equal(count(html, 'data-chart="history"'), 1);
  assert.ok(
    html.includes(
      "Generated 2025-07-01T00:00:00.000Z by <code>pmubench report &lt;x&gt;</code>",
    ),
  );
  assert.ok(html.includes("AMD EPYC 7B13 (fixture) (2 cores)"));
  assert.ok(html.includes("<summary>All 80 benches</summary>"));
});

Deno.test("renderReport() says so when a section has nothing to draw", async (t) => {
  await t.step("no transition or bitmap benches", () => {
    const html = renderReport({
      results: [{ name: "plain.json", result: result([bench("f", [1])]) }],
    });
    assert.ok(html.includes("No transition benches in this result"));
    assert.ok(html.includes("No bitmap benches in this result"));
    assert.equal(count(html, "<svg"), 0);
  });
  await t.step("an empty history", () => {
    const html = renderReport({
      results: [],
      history: { path: "h.db", branch: "dev", runs: [] },
    });
    assert.ok(html.includes("History of branch <code>dev</code>"));
    assert.ok(html.includes("No recorded runs of this branch"));
  });
  await t.step("nothing at all", () => {
    assert.ok(renderReport({ results: [] }).includes("Nothing to report"));
  });
  await t.step("failed benches are named and left out", () => {
    const html = renderReport({
      results: [{
        name: "f.json",
        result: result([
          bench("ok", [1]),
          bench("bad", [], { failed: "boom" }),
        ]),
      }],
    });
    assert.ok(
      html.includes(
        "1 bench failed or hold no replicates and are left out: a_bench.ts::g::bad.",
      ),
    );
  });
  await t.step("markup in names is escaped", () => {
    const html = renderReport({
      results: [{ name: "<b>.json", result: result([bench("<i>", [1])]) }],
    });
    assert.ok(html.includes("&lt;b&gt;.json") && !html.includes("<b>.json"));
    assert.ok(!html.includes("<i>"));
  });
});

// ---------------------------------------------------------------------------
// The report in a real browser.

/** Debian's `chromium` (or another Chromium) on PATH, or PMUBENCH_CHROMIUM. */
function findChromium(): string | undefined {
  try {
    const explicit = Deno.env.get("PMUBENCH_CHROMIUM");
    if (explicit) return explicit;
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
        try {
          if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
        } catch {
          // Not in this directory.
        }
      }
    }
  } catch {
    // No --allow-env or --allow-read: treat as absent.
  }
  return undefined;
}

/**
 * Run in the page: every problem of layout Chromium can see, as
 * `data-layout` on the body (JSON): text outside its chart, overlapping
 * legend entries, titles or legends shortened with an ellipsis.
 */
const LAYOUT_PROBE = `
const problems = [];
for (const svg of document.querySelectorAll("svg.chart")) {
  const box = svg.getBoundingClientRect();
  const name = svg.dataset.chart + " '" + svg.querySelector("title").textContent + "'";
  for (const t of svg.querySelectorAll("text")) {
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
      problems.push(name + ": text outside the chart: " + t.textContent);
    }
  }
  for (const t of svg.querySelectorAll("text.title, g.legend-item text")) {
    if (t.textContent.includes("\\u2026")) problems.push(name + ": cut: " + t.textContent);
  }
  const items = [...svg.querySelectorAll("g.legend-item")].map((g) => g.getBoundingClientRect());
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i], b = items[j];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
        problems.push(name + ": legend entries " + i + " and " + j + " overlap");
      }
    }
  }
}
document.body.setAttribute("data-layout", JSON.stringify(problems));
`;

const CHROMIUM = findChromium();
const SKIP_REASON =
  "no chromium on PATH (install Debian's 'chromium', or set PMUBENCH_CHROMIUM)";

async function chromium(userDataDir: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${userDataDir}`,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(
    out.code,
    0,
    `chromium exited ${out.code}: ${stderr.slice(-2000)}`,
  );
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: CHROMIUM === undefined
    ? `report renders in headless Chromium [SKIPPED: ${SKIP_REASON}]`
    : "report renders in headless Chromium: SVG charts in the DOM and a full screenshot",
  ignore: CHROMIUM === undefined,
  sanitizeResources: false,
  async fn() {
    await using dir = await tempDir();
    const db = `${dir.path}/history.db`;
    for (let i = 1; i <= 4; i++) {
      const io = bufferIo();
      assert.equal(
        await main(["record", fixture(`run-${i}.json`), "--db", db], io),
        0,
        io.err(),
      );
    }
    const html = `${dir.path}/report.html`;
    const io = bufferIo();
    assert.equal(
      await main([
        "report",
        fixture("report-input.json"),
        fixture("../nested-suite.json"),
        "--db",
        db,
        "--out",
        html,
      ], io),
      0,
      io.err(),
    );
    const url = new URL(`file://${html}`).href;

    const dom = await chromium(`${dir.path}/profile-dom`, ["--dump-dom", url]);
    // The DOM Chromium built, not our text: every chart parsed as SVG.
    assert.ok(
      dom.includes("<title>pmubench report</title>"),
      dom.slice(0, 500),
    );
    // report-input: 2 questions; the nested suite: 10 (scope x filter x k rule).
    assert.equal(count(dom, 'data-chart="transition"'), 2 + 10);
    assert.equal(count(dom, 'data-chart="strategy"'), 4);
    assert.equal(count(dom, 'data-chart="history"'), 2, "one per metric");
    assert.equal(count(dom, "</svg>"), 18);
    assert.ok(count(dom, 'class="interval"') >= 60, "interval bars are drawn");
    assert.ok(
      dom.includes(">full \u00b7 u32pair</text>") &&
        dom.includes(">N counters (evenly spaced)</text>") &&
        dom.includes(">N counters (evenly spaced), with the vCPU model</text>"),
    );
    assert.ok(!dom.includes("<script"));
    // The nested suite's headline question: a line per mechanism over 8 N,
    // each its own colour and marker, on a log axis.
    const chart = dom.slice(
      dom.indexOf("scope=handler, filter=0, k=0"),
    ).split("</svg>")[0];
    const lines = [...chart.matchAll(/<polyline[^>]* stroke="([^"]+)"/g)].map((
      m,
    ) => m[1]);
    assert.equal(lines.length, 4);
    assert.equal(new Set(lines).size, 4, "distinct colours");
    assert.ok(chart.includes("(log scale)"));
    for (const model of ["legacy", "perfmonv2", "gp8", ">synthetic<"]) {
      assert.ok(chart.includes(model), model);
    }
    assert.ok(chart.includes(">tracked (early return)</text>"));
    const legendMarkers = chart.split('<g class="legend-item">').slice(1).map(
      (item) =>
        item.match(/<(circle|rect|path) class="marker"[^>]*>/)![0]
          .replace(/-?\d+(\.\d+)?/g, "#")
          .replace(/ (fill|stroke)="[^"]*"/g, ""),
    );
    assert.equal(legendMarkers.length, 4);
    assert.equal(new Set(legendMarkers).size, 4, "distinct marker shapes");

    // Layout as Chromium lays it out: no chart text outside its chart, no
    // legend entries on top of each other, no title or legend cut short.
    const probe = `${dir.path}/probe.html`;
    await Deno.writeTextFile(
      probe,
      (await Deno.readTextFile(html)).replace(
        "</body>",
        `<script>${LAYOUT_PROBE}</script></body>`,
      ),
    );
    const probed = await chromium(`${dir.path}/profile-probe`, [
      "--dump-dom",
      new URL(`file://${probe}`).href,
    ]);
    const layout = probed.match(/data-layout="([^"]*)"/);
    assert.ok(layout !== null, "the probe ran");
    const problems = JSON.parse(
      layout[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&"),
    ) as string[];
    assert.deepEqual(problems, []);

    const png = `${dir.path}/report.png`;
    await chromium(`${dir.path}/profile-shot`, [
      `--screenshot=${png}`,
      "--window-size=1280,12000",
      url,
    ]);
    const bytes = await Deno.readFile(png);
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.deepEqual([view.getUint32(16), view.getUint32(20)], [1280, 12000]);
    // A blank page compresses to a few KB; charts and text do not.
    assert.ok(
      bytes.length > 50_000,
      `screenshot is only ${bytes.length} bytes`,
    );
    const keep = Deno.env.get("PMUBENCH_KEEP_SCREENSHOT");
    if (keep) await Deno.copyFile(png, keep);
  },
});

Deno.test("renderReport() titles each cost-against-N chart with its question, and a lone line with its mechanism", async () => {
  const r = await readResultFile(fixture("../nested-suite.json"));
  const html = renderReport({ results: [{ name: "n.json", result: r }] }, {
    generatedAt: new Date(0),
  });
  assert.equal(count(html, 'data-chart="transition"'), 10);
  // The title is wrapped into lines: read it back as one string.
  const titles = [...html.matchAll(/<text class="title"[^>]*>(.*?)<\/text>/g)]
    .map((m) => m[1].replace(/<[^>]+>/g, " ").replace(/ +/g, " ").trim());
  assert.ok(
    titles.includes(
      "Cost per transition (time) against N: scope=handler, filter=0, k=1, strategy u32pair, mechanism tracked",
    ),
    titles.join("\n"),
  );
  assert.ok(
    titles.includes(
      "Cost per transition (time) against N: scope=handler, filter=0, k=0, strategy u32pair",
    ),
  );
});

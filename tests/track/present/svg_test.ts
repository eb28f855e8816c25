import assert from "node:assert/strict";
import {
  barChart,
  DASHES,
  escapeXml,
  lineChart,
  LOG_SCALE_MIN_SPAN,
  logTicks,
  MARKERS,
  niceTicks,
  PALETTE,
} from "../../../core/track/present/svg.ts";

const count = (text: string, needle: string) => text.split(needle).length - 1;

Deno.test("escapeXml() escapes the five XML specials and nothing else", () => {
  assert.equal(
    escapeXml(`<a href="x">&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;",
  );
  assert.equal(escapeXml("N=6 \u00b7 u64"), "N=6 \u00b7 u64");
});

Deno.test("niceTicks() covers the range with 1-2-5 steps", async (t) => {
  await t.step(
    "0..97",
    () =>
      assert.deepEqual(niceTicks(0, 97, { count: 5 }), [
        0,
        20,
        40,
        60,
        80,
        100,
      ]),
  );
  await t.step(
    "1.18..1.21",
    () =>
      assert.deepEqual(niceTicks(1.181, 1.209, { count: 4 }), [
        1.18,
        1.19,
        1.2,
        1.21,
      ]),
  );
  await t.step(
    "count defaults to 5",
    () => assert.deepEqual(niceTicks(0, 97), niceTicks(0, 97, { count: 5 })),
  );
  await t.step(
    "reversed bounds",
    () => assert.deepEqual(niceTicks(10, 0, { count: 2 }), [0, 5, 10]),
  );
  await t.step("a single value gets a padded range", () => {
    const ticks = niceTicks(3, 3, { count: 4 });
    assert.ok(
      ticks[0] <= 3 && ticks[ticks.length - 1] >= 3 && ticks.length >= 2,
    );
    assert.ok(niceTicks(0, 0, { count: 4 }).length >= 2);
  });
  await t.step("throws RangeError on non-finite bounds or no ticks", () => {
    assert.throws(() => niceTicks(0, Infinity, { count: 5 }), RangeError);
    assert.throws(
      () => niceTicks(0, 1, { count: 0 }),
      /'count' at least 1: current values are 0, 1, 0/,
    );
  });
});

Deno.test("lineChart() draws each series with markers, interval bars and a legend", () => {
  const svg = lineChart({
    title: "cost <per> transition",
    xLabel: "N",
    yLabel: "ns/op",
    series: [
      {
        label: "full \u00b7 u64",
        color: PALETTE[0],
        points: [{ x: 1, y: 10, lo: 9, hi: 12, tip: "a&b" }, {
          x: 6,
          y: 40,
          lo: 38,
          hi: 41,
        }],
      },
      {
        label: "tracked \u00b7 u64",
        color: PALETTE[0],
        dash: DASHES[1],
        points: [{ x: 1, y: 5 }, { x: 6, y: 7, lo: 7, hi: 7 }],
      },
      { label: "empty", color: PALETTE[1], points: [] },
    ],
    kind: "transition",
  });
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="chart" data-chart="transition"/,
  );
  assert.ok(svg.endsWith("</svg>"));
  assert.equal(count(svg, "<polyline"), 2);
  // Two real intervals; a zero-width interval and points without one draw none.
  assert.equal(count(svg, 'class="interval"'), 2);
  assert.equal(
    count(svg, 'class="series"'),
    2,
    "a series without points is left out",
  );
  assert.ok(svg.includes(`stroke-dasharray="${DASHES[1]}"`));
  assert.ok(svg.includes("cost &lt;per&gt; transition"));
  assert.ok(svg.includes("<title>a&amp;b</title>"));
  // Legend: both labels, once in the legend and once as data-series.
  assert.equal(count(svg, ">full \u00b7 u64</text>"), 1);
  assert.equal(count(svg, ">tracked \u00b7 u64</text>"), 1);
  // x ticks at the distinct x values, labelled without padding zeros.
  assert.ok(svg.includes(">1</text>") && svg.includes(">6</text>"));
});

Deno.test("lineChart() with one series draws no legend, and 'no data' without points", () => {
  const one = lineChart({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    series: [{ label: "only", color: "#000", points: [{ x: 0, y: 1 }] }],
  });
  assert.equal(count(one, ">only</text>"), 0);
  assert.equal(count(one, "<polyline"), 0, "a single point has no line");
  assert.equal(count(one, "<circle"), 1);
  const none = lineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] });
  assert.ok(none.includes(">no data</text>"));
});

Deno.test("lineChart() thins x tick labels so they do not overlap", () => {
  const ticks = Array.from(
    { length: 40 },
    (_, i) => ({ value: i, label: `commit${i}` }),
  );
  const svg = lineChart({
    title: "history",
    xLabel: "commit",
    yLabel: "ns/op",
    series: [{
      label: "k",
      color: "#000",
      points: ticks.map((t) => ({ x: t.value, y: t.value })),
    }],
    xTicks: ticks,
    width: 600,
    yFromZero: false,
  });
  const shown = ticks.filter((t) => svg.includes(`>${t.label}</text>`));
  assert.ok(
    shown.length > 3 && shown.length < 20,
    `${shown.length} labels shown`,
  );
  assert.ok(svg.includes(">commit0</text>"));
  assert.equal(
    count(svg, "<line x1="),
    40 + niceTicks(0, 39, { count: 4 }).length,
    "every tick keeps its mark",
  );
});

Deno.test("barChart() draws a bar, an interval and a value label per row", () => {
  const svg = barChart({
    title: "weight",
    xLabel: "ns/op",
    rows: [
      {
        label: "u64",
        value: 1.9,
        lo: 1.8,
        hi: 2.0,
        color: PALETTE[0],
        tip: "t",
      },
      {
        label:
          "a very long strategy label that will not fit in the margin at all",
        value: 1.2,
        color: PALETTE[1],
        strong: true,
      },
    ],
    width: 400,
  });
  assert.match(svg, /data-chart="bar"/);
  assert.equal(count(svg, "<rect"), 2);
  assert.equal(count(svg, 'class="interval"'), 1);
  assert.ok(svg.includes(">1.9</text>") && svg.includes(">1.2</text>"));
  assert.ok(svg.includes('font-weight="bold"'));
  assert.ok(svg.includes("\u2026</text>"), "long labels are shortened");
  assert.ok(svg.includes("<title>t</title>"));
});

Deno.test("lineChart() draws a log axis when asked or when values span decades", async (t) => {
  const series = [{
    label: "s",
    color: "#000",
    points: [{ x: 0, y: 2 }, { x: 1, y: 300 }],
  }];
  await t.step("auto: 2 to 300 spans more than LOG_SCALE_MIN_SPAN", () => {
    assert.ok(300 / 2 >= LOG_SCALE_MIN_SPAN);
    const svg = lineChart({
      title: "t",
      xLabel: "x",
      yLabel: "ns",
      series,
      yScale: "auto",
    });
    assert.ok(svg.includes(">ns (log scale)</text>"));
    for (const tick of [1, 10, 100, 1000]) {
      assert.ok(svg.includes(`>${tick}</text>`));
    }
  });
  await t.step(
    "auto: a narrow range stays linear; linear is the default",
    () => {
      const narrow = [{
        ...series[0],
        points: [{ x: 0, y: 20 }, { x: 1, y: 30 }],
      }];
      assert.ok(
        !lineChart({
          title: "t",
          xLabel: "x",
          yLabel: "ns",
          series: narrow,
          yScale: "auto",
        }).includes("log scale"),
      );
      assert.ok(
        !lineChart({ title: "t", xLabel: "x", yLabel: "ns", series }).includes(
          "log scale",
        ),
      );
    },
  );
  await t.step("a zero value cannot go on a log axis", () => {
    const zero = [{ ...series[0], points: [{ x: 0, y: 0 }, { x: 1, y: 300 }] }];
    assert.ok(
      !lineChart({
        title: "t",
        xLabel: "x",
        yLabel: "ns",
        series: zero,
        yScale: "log",
      }).includes("log scale"),
    );
  });
});

Deno.test("logTicks() places decades, with 2 and 5 between them over a short range", () => {
  assert.deepEqual(logTicks(3, 70), [1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(logTicks(1.5, 1e5), [1, 10, 100, 1000, 10000, 100000]);
  assert.deepEqual(logTicks(10, 10), [10, 20, 50, 100]);
  assert.throws(
    () => logTicks(0, 10),
    /must be positive and finite: current values are 0, 10/,
  );
  assert.throws(() => logTicks(1, Infinity), RangeError);
});

Deno.test("lineChart() wraps the title and the legend instead of cutting them, with a marker per series", () => {
  const title =
    "Cost per transition (time) against N: scope=round trip, filter=300, k=N/2, strategy u32pair";
  const series = MARKERS.map((marker, i) => ({
    label: `mechanism number ${i} with a long name`,
    color: PALETTE[i],
    marker,
    points: [{ x: 0, y: 1 + i }, { x: 1, y: 2 + i }],
  }));
  const svg = lineChart({
    title,
    xLabel: "N",
    yLabel: "ns",
    series,
    width: 400,
    height: 300,
  });
  assert.ok(!svg.includes("\u2026"), "nothing shortened");
  assert.ok(count(svg, "<tspan") >= 2, "the title takes several lines");
  assert.equal(
    svg.replace(/<\/tspan><tspan[^>]*>/g, " ").includes(title),
    true,
  );
  for (const s of series) assert.equal(count(svg, `>${s.label}</text>`), 1);
  // Legend rows below the plot: the chart grows past the 300 px asked.
  const height = Number(svg.match(/ height="(\d+(\.\d+)?)"/)![1]);
  assert.ok(height > 300 + 18 * 3, `height ${height}`);
  assert.ok(
    svg.includes('<rect class="marker"') &&
      svg.includes('<path class="marker"'),
  );
  assert.equal(count(svg, 'class="legend-item"'), MARKERS.length);
});

Deno.test("lineChart() prints tick notes under the labels, a line per newline", () => {
  const svg = lineChart({
    title: "t",
    xLabel: "N",
    yLabel: "ns",
    series: [{
      label: "s",
      color: "#000",
      points: [{ x: 0, y: 1 }, { x: 1, y: 2 }],
    }],
    xTicks: [{ value: 0, label: "4", note: "amd\nlegacy" }, {
      value: 1,
      label: "11",
      note: "intel",
    }],
  });
  for (const text of ["4", "amd", "legacy", "11", "intel"]) {
    assert.equal(count(svg, `>${text}</text>`), 1, text);
  }
});

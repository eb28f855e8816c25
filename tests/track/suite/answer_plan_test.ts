import assert from "node:assert/strict";
import {
  answerPlan,
  FILTER_N,
  HOT_OPS,
  isNativeCase,
  selectHotBitmapCases,
  selectTransitionCases,
  TABLE_N,
} from "../../../core/track/suite/answer_plan.ts";
import {
  type CaseRef,
  loadCases,
} from "../../../core/track/suite/load_suite.ts";

const root = new URL("../../../", import.meta.url).pathname;

function ref(
  group: string,
  name: string,
  axes: CaseRef["case"]["axes"],
  baseline = false,
): CaseRef {
  return {
    file: "t_bench.ts",
    module: "",
    kind: "cases",
    case: { group, name, opsPerCall: 1, baseline, axes, body: () => {} },
  };
}

Deno.test("selectTransitionCases() picks the table's mechanisms on the default strategy", async (t) => {
  const refs = await loadCases(root, ["bench/nested_transition_bench.ts"]);
  const all = selectTransitionCases(refs);
  // The model's cases; native references (when a C compiler is present)
  // mirror them and are checked last.
  const picked = all.filter((r) => !isNativeCase(r.case));
  await t.step(
    "every N of the table, round trips, the baseline's strategy",
    () => {
      assert.deepEqual([...new Set(picked.map((r) => r.case.axes.N))], [
        ...TABLE_N,
      ]);
      assert.ok(picked.every((r) => r.case.axes.scope === "round trip"));
      const base = refs.find((r) => r.case.baseline)!.case.axes.strategy;
      assert.ok(picked.every((r) => r.case.axes.strategy === base));
    },
  );
  await t.step("k = 0 and k = N, the filter only at FILTER_N", () => {
    assert.ok(
      picked.every((r) =>
        r.case.axes.k === 0 || r.case.axes.k === r.case.axes.N
      ),
    );
    const filtered = picked.filter((r) => r.case.axes.filter !== 0);
    assert.deepEqual([...new Set(filtered.map((r) => r.case.axes.N))], [
      ...FILTER_N,
    ]);
    assert.ok(!filtered.some((r) => r.case.axes.mechanism === "none"));
  });
  await t.step(
    "five mechanisms where N has Host-Only counters, four where not",
    () => {
      const at = (n: number) =>
        picked.filter((r) => r.case.axes.N === n && r.case.axes.filter === 0)
          .length;
      assert.equal(at(6), 5);
      assert.equal(at(0), 4);
      assert.equal(at(11), 4);
    },
  );
  await t.step("native references only for the table's cells", () => {
    const cell = (r: (typeof all)[number]) =>
      [r.case.axes.N, r.case.axes.k, r.case.axes.mechanism, r.case.axes.filter]
        .join(" ");
    const cells = new Set(picked.map(cell));
    for (const r of all.filter((r) => isNativeCase(r.case))) {
      assert.ok(cells.has(cell(r)), r.case.name);
    }
  });
});

Deno.test("selectTransitionCases() keeps native references of the table's groups", () => {
  const axes = { scope: "round trip", N: 6, k: 0, filter: 0 };
  const picked = selectTransitionCases([
    ref("g", "early return k=0 u64", {
      ...axes,
      mechanism: "tracked",
      strategy: "u64",
    }, true),
    ref("g", "native x256", { ...axes, reference: "native" }),
    ref("h", "native x256", { ...axes, N: 7, reference: "native" }),
  ]);
  assert.deepEqual(picked.map((r) => r.case.name), [
    "early return k=0 u64",
    "native x256",
  ]);
});

Deno.test("selectHotBitmapCases() picks every strategy on the hot operations", async () => {
  const refs = await loadCases(root, ["bench/bitmap_bench.ts"]);
  const picked = selectHotBitmapCases(refs);
  const strategies = new Set(
    refs.map((r) => r.case.axes.strategy).filter((s) => s !== undefined),
  );
  const native = picked.filter((r) => isNativeCase(r.case)).length;
  assert.equal(picked.length - native, HOT_OPS.length * strategies.size);
});

Deno.test("isNativeCase() reads the name or the reference axis", () => {
  assert.ok(isNativeCase({ name: "native x1024", axes: {} }));
  assert.ok(isNativeCase({ name: "c", axes: { reference: "native" } }));
  assert.ok(
    !isNativeCase({
      name: "loop only x1024",
      axes: { reference: "loop only" },
    }),
  );
});

Deno.test("answerPlan() full covers every bench file", () => {
  const full = answerPlan({ full: true });
  assert.equal(full.name, "full");
  assert.ok(
    full.parts.every((p) => p.files === undefined && p.select === undefined),
  );
  assert.ok(answerPlan().parts.every((p) => p.repeat >= 3));
});

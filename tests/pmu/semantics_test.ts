import assert from "node:assert/strict";
import {
  getSemantics,
  semanticsList,
  semanticsNames,
  upstreamSemantics,
  v4Semantics,
} from "../../core/pmu/semantics.ts";
import {
  HG_BOTH,
  HG_GUEST_ONLY,
  HG_HOST_ONLY,
  HG_NONE,
} from "../../core/pmu/eventsel.ts";
import { describeRow, TRUTH_TABLE } from "./_truth_table.ts";

Deno.test("isDisabledInCurrentMode() follows every row of SPEC (d) for both semantics", async (t) => {
  for (const s of [v4Semantics, upstreamSemantics]) {
    for (const r of TRUTH_TABLE) {
      if (!r.en) continue; // EN is checked before the semantics (see requests_test)
      await t.step(`${s.name}: ${describeRow(r)}`, () => {
        const hg = (r.ho ? 2 : 0) | (r.go ? 1 : 0);
        const expected = s.name === "v4" ? r.v4 : r.upstream;
        // A counter outside the tracked bitmap is never mode-checked.
        const counts = !s.isTracked(hg) ||
          !s.isDisabledInCurrentMode(hg, r.svme, r.l2);
        assert.equal(counts, expected);
      });
    }
  }
});

Deno.test("isTracked() tracks exactly one bit under v4 and any bit under upstream", () => {
  assert.deepEqual(
    [HG_NONE, HG_GUEST_ONLY, HG_HOST_ONLY, HG_BOTH].map((hg) =>
      v4Semantics.isTracked(hg)
    ),
    [false, true, true, false],
  );
  assert.deepEqual(
    [HG_NONE, HG_GUEST_ONLY, HG_HOST_ONLY, HG_BOTH].map((hg) =>
      upstreamSemantics.isTracked(hg)
    ),
    [false, true, true, true],
  );
});

Deno.test("getSemantics() maps every name and rejects unknown ones", async (t) => {
  await t.step("names round-trip", () => {
    assert.deepEqual(semanticsNames, ["upstream", "v4"]); // the default first
    for (const s of semanticsList) assert.equal(getSemantics(s.name), s);
  });
  await t.step("unknown name throws RangeError listing the names", () => {
    assert.throws(() => getSemantics("final"), {
      name: "RangeError",
      message:
        `Cannot get semantics as 'name' must be one of "upstream", "v4": current value is "final"`,
    });
  });
});

import assert from "node:assert/strict";
import { allBitsMechanism } from "../../../core/pmu/mechanisms/all_bits.ts";
import { immediateMechanism } from "../../../core/pmu/mechanisms/immediate.ts";
import { noneMechanism } from "../../../core/pmu/mechanisms/none.ts";
import {
  getMechanism,
  mechanismNames,
  mechanisms,
} from "../../../core/pmu/mechanisms/registry.ts";
import { trackedMechanism } from "../../../core/pmu/mechanisms/tracked.ts";

Deno.test("mechanisms lists every mechanism once, the patch first", () => {
  assert.deepEqual(mechanisms, [
    trackedMechanism,
    allBitsMechanism,
    immediateMechanism,
    noneMechanism,
  ]);
  assert.deepEqual(mechanismNames, [
    "tracked",
    "all-bits",
    "immediate",
    "none",
  ]);
  for (const m of mechanisms) {
    assert.equal(Object.isFrozen(m), true);
    assert.ok(m.description.length > 10, m.name);
  }
});

Deno.test("getMechanism() maps every name and rejects unknown ones, listing the names", () => {
  for (const m of mechanisms) assert.equal(getMechanism(m.name), m);
  assert.throws(() => getMechanism("Tracked"), {
    name: "RangeError",
    message:
      `Cannot get mechanism as 'name' must be one of "tracked", "all-bits", "immediate", "none": current value is "Tracked"`,
  });
});

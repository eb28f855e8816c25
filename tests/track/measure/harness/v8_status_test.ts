import assert from "node:assert/strict";
import {
  decodeTier,
  loadV8Natives,
  tierBitsFromStatuses,
  tierWarning,
} from "../../../../core/track/measure/harness/v8_status.ts";

const v8Status = new URL(
  "../../../../core/track/measure/harness/v8_status.ts",
  import.meta.url,
).href;

Deno.test("loadV8Natives() is undefined without --allow-natives-syntax", () => {
  assert.equal(loadV8Natives(), undefined);
});

Deno.test("probeTierBits() decodes this V8's tiers in a process with the natives", async () => {
  // A fresh process: the natives need the V8 flag, which deno test does not pass.
  const script = `
import { loadV8Natives, probeTierBits, decodeTier } from ${
    JSON.stringify(v8Status)
  };
const natives = loadV8Natives();
const bits = probeTierBits(natives);
const hot = (a) => a * 13 + 1;
natives.prepareFunctionForOptimization(hot);
hot(1); hot(2);
natives.optimizeFunctionOnNextCall(hot);
hot(3);
const cold = (a) => a + 2;
cold(1);
let guard = "";
try { natives.getOptimizationStatus(42); } catch (e) { guard = e.constructor.name + ": " + e.message; }
console.log(JSON.stringify({ bits, hot: decodeTier(natives.getOptimizationStatus(hot), bits),
  cold: decodeTier(natives.getOptimizationStatus(cold), bits), guard }));
`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--allow-natives-syntax", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert(out.success, err);
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.hot, "turbofan");
  assert.equal(r.cold, "interpreted");
  for (const tier of ["interpreted", "turbofan"]) {
    const b = r.bits[tier];
    assert(b > 0 && (b & (b - 1)) === 0, `${tier} is one bit: ${b}`);
  }
  assert.match(
    r.guard,
    /^TypeError: Cannot call %GetOptimizationStatus as its argument must be a function: current value is number/,
  );
});

Deno.test("tierBitsFromStatuses() refuses probes it cannot tell apart", () => {
  assert.throws(
    () =>
      tierBitsFromStatuses({
        interpreted: 1,
        baseline: 1,
        maglev: 1,
        turbofan: 1,
      }),
    /do not tell the interpreter from Turbofan/,
  );
  // Maglev switched off: its probe ends where baseline's did, and gets 0.
  const bits = tierBitsFromStatuses({
    interpreted: 0b1000001,
    baseline: 0x4001,
    maglev: 0x4001,
    turbofan: 0b101001,
  });
  assert.equal(bits.maglev, 0);
  assert.equal(decodeTier(0x4001, bits), "baseline");
});

Deno.test("tierWarning() warns about every tier but Turbofan throughout", () => {
  assert.equal(tierWarning("turbofan", "turbofan"), undefined);
  assert.match(tierWarning("turbofan", "interpreted")!, /deoptimized/);
  assert.match(tierWarning("baseline", "baseline")!, /unoptimized/);
  assert.match(tierWarning("none", "none")!, /unoptimized \(none\)/);
});

import assert from "node:assert/strict";
import {
  isVcpuConfigValid,
  overrideVcpuConfig,
  pmuModelNames,
  pmuModelOf,
  validateVcpuConfig,
  VCPU_CONFIG_FIELDS,
  type VcpuConfig,
} from "../../core/pmu/config.ts";
import { EFER_SVME, MSR_EFER } from "../../core/pmu/constants.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";

Deno.test("validateVcpuConfig() fills in defaults by vendor", () => {
  assert.deepEqual(validateVcpuConfig({}), {
    vendor: "amd",
    model: "perfmonv2",
    mediated: true,
    guestSvm: true,
    semantics: "upstream", // the merged kernel; v4 is a named variant
    mechanism: "tracked",
    bitmap: "u32pair",
  });
  assert.deepEqual(
    [
      validateVcpuConfig({ vendor: "intel" }).model,
      validateVcpuConfig({ vendor: "intel" }).guestSvm,
    ],
    ["gp4", false],
  );
  assert.equal(validateVcpuConfig({ model: "gp8" }).vendor, "intel");
  assert.equal(Object.isFrozen(validateVcpuConfig({})), true);
});

Deno.test("pmuModelOf() gives the SPEC (f) counter counts", () => {
  const shape = pmuModelNames.map((model) => {
    const m = pmuModelOf(
      validateVcpuConfig({
        model,
        counters: model === "synthetic" ? 11 : undefined,
      }),
    );
    return [model, m.nrGpCounters, m.nrFixedCounters, m.version, m.perfCtrCore];
  });
  assert.deepEqual(shape, [
    ["legacy", 4, 0, 1, false],
    ["extcore", 6, 0, 1, true],
    ["perfmonv2", 6, 0, 2, true],
    ["gp4", 4, 3, 2, false],
    ["gp8", 8, 3, 2, false],
    ["synthetic", 11, 0, 2, true],
  ]);
});

Deno.test("validateVcpuConfig() rejects bad configs, naming the value", async (t) => {
  const cases: [string, unknown, ErrorConstructor, RegExp][] = [
    [
      "not an object",
      5,
      TypeError,
      /'config' must be an object: current value is 5/,
    ],
    ["an array", [], TypeError, /'config' must be an object/],
    [
      "unknown field",
      { guestSVM: true },
      TypeError,
      /'guestSVM' is not a config field/,
    ],
    [
      "string field of wrong type",
      { model: 4 },
      TypeError,
      /'model' must be a string: current value is 4/,
    ],
    [
      "boolean field of wrong type",
      { mediated: "yes" },
      TypeError,
      /'mediated' must be a boolean: current value is "yes"/,
    ],
    [
      "unknown model",
      { model: "gp16" },
      RangeError,
      /'model' must be one of .*: current value is "gp16"/,
    ],
    [
      "unknown vendor",
      { vendor: "via" },
      RangeError,
      /'vendor' must be one of "amd", "intel": current value is "via"/,
    ],
    [
      "model of the other vendor",
      { vendor: "intel", model: "legacy" },
      RangeError,
      /for vendor "intel": current value is "legacy"/,
    ],
    [
      "synthetic without counters",
      { model: "synthetic" },
      RangeError,
      /'counters' must be an integer in \[0, 64\]/,
    ],
    [
      "synthetic with -1 counters",
      { model: "synthetic", counters: -1 },
      RangeError,
      /current value is -1/,
    ],
    [
      "synthetic with 65 counters",
      { model: "synthetic", counters: 65 },
      RangeError,
      /current value is 65/,
    ],
    [
      "synthetic with 1.5 counters",
      { model: "synthetic", counters: 1.5 },
      RangeError,
      /current value is 1.5/,
    ],
    [
      "counters on a real model",
      { model: "extcore", counters: 6 },
      RangeError,
      /'counters' is only for model "synthetic"/,
    ],
    [
      "guest SVM on Intel",
      { vendor: "intel", guestSvm: true },
      RangeError,
      /'guestSvm' requires vendor "amd"/,
    ],
    [
      "unknown semantics",
      { semantics: "v5" },
      RangeError,
      /'semantics' must be one of "upstream", "v4": current value is "v5"/,
    ],
    [
      "unknown mechanism",
      { mechanism: "lazy" },
      RangeError,
      /'mechanism' must be one of .*"none": current value is "lazy"/,
    ],
    [
      "unknown bitmap",
      { bitmap: "u128" },
      RangeError,
      /'bitmap' must be one of .*: current value is "u128"/,
    ],
  ];
  for (const [name, config, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => validateVcpuConfig(config as Partial<VcpuConfig>),
        (e: Error) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          assert.match(e.message, message);
          assert.match(e.message, /^Cannot create vCPU as /);
          return true;
        },
      );
      assert.equal(isVcpuConfigValid(config), false);
    });
  }
});

Deno.test("isVcpuConfigValid() accepts every model with its vendor", () => {
  for (const model of pmuModelNames) {
    assert.equal(
      isVcpuConfigValid({
        model,
        counters: model === "synthetic" ? 64 : undefined,
      }),
      true,
      model,
    );
  }
});

Deno.test("overrideVcpuConfig() lets overrides win and drops base fields they contradict", async (t) => {
  const amdLine: Partial<VcpuConfig> = {
    vendor: "amd",
    model: "perfmonv2",
    guestSvm: true,
    semantics: "v4",
  };
  const cases: [
    string,
    Partial<VcpuConfig>,
    Partial<VcpuConfig>,
    Partial<VcpuConfig>,
  ][] = [
    ["no overrides", amdLine, {}, amdLine],
    [
      "a plain field",
      amdLine,
      { semantics: "upstream", bitmap: "bool" },
      { ...amdLine, semantics: "upstream", bitmap: "bool" },
    ],
    [
      "a model of the same vendor keeps the vendor",
      amdLine,
      { model: "legacy" },
      { ...amdLine, model: "legacy" },
    ],
    [
      "a model of the other vendor drops vendor and guestSvm",
      amdLine,
      { model: "gp8" },
      { model: "gp8", semantics: "v4" },
    ],
    [
      "a vendor drops the other vendor's model and guestSvm",
      amdLine,
      { vendor: "intel" },
      { vendor: "intel", semantics: "v4" },
    ],
    [
      "a changed model drops counters unless synthetic",
      { model: "synthetic", counters: 40 },
      { model: "extcore" },
      { model: "extcore" },
    ],
    [
      "synthetic keeps the line's counters",
      { model: "synthetic", counters: 40 },
      { model: "synthetic" },
      { model: "synthetic", counters: 40 },
    ],
    [
      "explicit overrides are kept even if they contradict",
      amdLine,
      { vendor: "intel", guestSvm: true },
      { vendor: "intel", guestSvm: true, semantics: "v4" },
    ],
    [
      "an unknown model is passed through for validation to reject",
      amdLine,
      { model: "gp16" as "gp8" },
      { ...amdLine, model: "gp16" as "gp8" },
    ],
  ];
  for (const [name, base, overrides, expected] of cases) {
    await t.step(name, () => {
      assert.deepEqual(overrideVcpuConfig(base, overrides), expected);
    });
  }
  await t.step("the inputs are not modified", () => {
    const base = { ...amdLine };
    overrideVcpuConfig(base, { model: "gp4" });
    assert.deepEqual(base, amdLine);
  });
});

Deno.test("validateVcpuConfig() accepts a synthetic vCPU with 0 counters, whose bitmaps stay empty", () => {
  const vcpu = createVcpu({ model: "synthetic", counters: 0 });
  assert.equal(vcpu.wrmsr(MSR_EFER, BigInt(EFER_SVME)).ok, true);
  assert.equal(vcpu.vmrun().ok, true);
  vcpu.entry();
  const s = vcpu.entryState();
  assert.equal(s.tracked, 0n);
  assert.equal(s.reprogramPmi, 0n);
  assert.equal(s.counting, 0n);
  assert.deepEqual(s.eventselHw, []);
});

Deno.test("VCPU_CONFIG_FIELDS names exactly the fields a validated config holds", () => {
  const full = validateVcpuConfig({ model: "synthetic", counters: 8 });
  assert.deepEqual(
    [...VCPU_CONFIG_FIELDS].sort(),
    Object.keys(full).sort(),
  );
  assert.throws(
    () => validateVcpuConfig({ colour: "red" } as Partial<VcpuConfig>),
    { name: "TypeError", message: new RegExp(VCPU_CONFIG_FIELDS.join(", ")) },
  );
});

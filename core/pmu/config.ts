/**
 * vCPU configurations: the PMU models (SPEC (f)), the config shape
 * {@linkcode createVcpu} takes, its defaults and its validation.
 *
 * | model | vendor | GP | fixed | version | event-select MSRs |
 * | --- | --- | --- | --- | --- | --- |
 * | `legacy` | amd | 4 | 0 | 1 | K7 (`0xc0010000`..) |
 * | `extcore` | amd | 6 | 0 | 1 | F15H (`0xc0010200` + 2n) and K7 aliases of 0..3 |
 * | `perfmonv2` | amd | 6 | 0 | 2 | as extcore, plus `PERF_CNTR_GLOBAL_*` |
 * | `gp4` | intel | 4 | 3 | 2 | `0x186`.., counters `0xc1`.., fixed `0x309`.. |
 * | `gp8` | intel | 8 | 3 | 2 | as gp4 |
 * | `synthetic` | amd | `counters` (0..64) | 0 | 2 | F15H-like `0xc0010200` + 2n for n < counters |
 *
 * WARNING: `synthetic` is NOT reachable in KVM (AMD caps GP counters at 6);
 * it exists only to exercise bitmap scaling, with AMD semantics for every
 * counter, GP counters occupying bitmap indexes 0..counters-1 (also the
 * 32..63 half that Intel uses for fixed counters). `counters: 0` is a vCPU
 * with no counters at all: every PMU bitmap stays empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateVcpuConfig } from "./config.ts";
 *
 * const c = validateVcpuConfig({ model: "gp8" });
 * assert.equal(c.vendor, "intel");
 * assert.equal(c.guestSvm, false);
 * ```
 *
 * @module
 */

import { describeValue } from "../common/describe.ts";
import { strategyNames } from "../bitmap/registry.ts";
import {
  AMD64_NUM_COUNTERS,
  AMD64_NUM_COUNTERS_CORE,
  KVM_MAX_NR_INTEL_FIXED_COUNTERS,
} from "./constants.ts";
import { mechanismNames } from "./mechanisms/registry.ts";
import { semanticsNames } from "./semantics.ts";

/** CPU vendor of the vCPU. */
export type Vendor = "amd" | "intel";

/** A PMU model name; see the module table. */
export type PmuModelName =
  | "legacy"
  | "extcore"
  | "perfmonv2"
  | "gp4"
  | "gp8"
  | "synthetic";

/**
 * What {@linkcode createVcpu} builds. Every field but `vendor`/`model` has
 * a default; see {@linkcode validateVcpuConfig}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VcpuConfig } from "./config.ts";
 *
 * const c: VcpuConfig = {
 *   vendor: "amd", model: "perfmonv2", mediated: true, guestSvm: true,
 *   semantics: "upstream", mechanism: "tracked", bitmap: "u32pair",
 * };
 * assert.ok(c.model === "perfmonv2");
 * ```
 */
export interface VcpuConfig {
  /** CPU vendor. */
  vendor: Vendor;
  /** PMU model. */
  model: PmuModelName;
  /** Number of GP counters, only for model `synthetic` (0..64). */
  counters?: number;
  /** `kvm_vcpu_has_mediated_pmu()`: the vCPU uses the mediated PMU. */
  mediated: boolean;
  /** Guest CPUID has SVM (AMD only): with `mediated`, HO/GO become writable and EFER.SVME settable. */
  guestSvm: boolean;
  /**
   * HO/GO semantics name: `upstream` (the merged kernel, the default) or
   * `v4` (inferred from the v4 commit text and the v3 series; v4's diffs
   * were not available).
   */
  semantics: string;
  /** Mechanism name (`tracked`, `all-bits`, `immediate`, `none`). */
  mechanism: string;
  /** Bitmap strategy name (see `core/bitmap/registry.ts`). */
  bitmap: string;
}

/** The shape of one PMU model, as `kvm_pmu_refresh()` would leave it. */
export interface PmuModel {
  /** Model name. */
  readonly name: PmuModelName;
  /** Vendor the model belongs to. */
  readonly vendor: Vendor;
  /** `nr_arch_gp_counters` (for `synthetic`: from `counters`). */
  readonly nrGpCounters: number;
  /** `nr_arch_fixed_counters`. */
  readonly nrFixedCounters: number;
  /** `pmu->version`. */
  readonly version: number;
  /** Guest CPUID has PerfCtrExtCore: the F15H MSRs exist. */
  readonly perfCtrCore: boolean;
}

/** Names of every model, in the module table's order. */
export const pmuModelNames: readonly PmuModelName[] = Object.freeze([
  "legacy",
  "extcore",
  "perfmonv2",
  "gp4",
  "gp8",
  "synthetic",
]);

const VENDOR_OF: Readonly<Record<PmuModelName, Vendor>> = {
  legacy: "amd",
  extcore: "amd",
  perfmonv2: "amd",
  gp4: "intel",
  gp8: "intel",
  synthetic: "amd",
};

const CONFIG_FIELDS = [
  "vendor",
  "model",
  "counters",
  "mediated",
  "guestSvm",
  "semantics",
  "mechanism",
  "bitmap",
] as const satisfies readonly (keyof VcpuConfig)[];

// A field added to VcpuConfig but not to CONFIG_FIELDS fails to compile
// here, naming the field.
type UnlistedField = Exclude<keyof VcpuConfig, typeof CONFIG_FIELDS[number]>;
const _everyFieldListed: [UnlistedField] extends [never] ? true
  : UnlistedField = true;

/**
 * Every field of {@linkcode VcpuConfig}, in the order messages list them:
 * the one list that config validation and trace `config` lines check
 * field names against.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VCPU_CONFIG_FIELDS } from "./config.ts";
 *
 * assert.ok(VCPU_CONFIG_FIELDS.includes("guestSvm"));
 * ```
 */
export const VCPU_CONFIG_FIELDS: readonly (keyof VcpuConfig)[] = Object
  .freeze([...CONFIG_FIELDS]);

const CONFIG_KEYS: ReadonlySet<string> = new Set(VCPU_CONFIG_FIELDS);

/**
 * The {@linkcode PmuModel} of a validated config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pmuModelOf, validateVcpuConfig } from "./config.ts";
 *
 * const m = pmuModelOf(validateVcpuConfig({ model: "synthetic", counters: 40 }));
 * assert.equal(m.nrGpCounters, 40);
 * assert.equal(m.version, 2);
 * ```
 */
export function pmuModelOf(config: VcpuConfig): PmuModel {
  switch (config.model) {
    case "legacy":
      return model("legacy", AMD64_NUM_COUNTERS, 0, 1, false);
    case "extcore":
      return model("extcore", AMD64_NUM_COUNTERS_CORE, 0, 1, true);
    case "perfmonv2":
      return model("perfmonv2", AMD64_NUM_COUNTERS_CORE, 0, 2, true);
    case "gp4":
      return model("gp4", 4, KVM_MAX_NR_INTEL_FIXED_COUNTERS, 2, false);
    case "gp8":
      return model("gp8", 8, KVM_MAX_NR_INTEL_FIXED_COUNTERS, 2, false);
    case "synthetic":
      return model("synthetic", config.counters ?? 0, 0, 2, true);
  }
}

function model(
  name: PmuModelName,
  nrGpCounters: number,
  nrFixedCounters: number,
  version: number,
  perfCtrCore: boolean,
): PmuModel {
  return Object.freeze({
    name,
    vendor: VENDOR_OF[name],
    nrGpCounters,
    nrFixedCounters,
    version,
    perfCtrCore,
  });
}

/**
 * Fill in defaults and check a vCPU config, returning a new frozen,
 * complete {@linkcode VcpuConfig}.
 *
 * Defaults: `vendor` from `model` (else `"amd"`); `model` `"perfmonv2"`
 * (AMD) or `"gp4"` (Intel); `mediated` true; `guestSvm` true on AMD, false
 * on Intel; `semantics` `"upstream"` (the merged kernel; `"v4"` is the
 * variant inferred from the v4 commit text and the v3 series);
 * `mechanism` `"tracked"`; `bitmap` `"u32pair"`.
 *
 * @param config A partial config (`{}` gives the defaults).
 * @throws {TypeError} when `config` is not an object, has a field that is
 * not a config field, or a field has the wrong type.
 * @throws {RangeError} when a name is unknown (vendor, model, semantics,
 * mechanism, bitmap strategy), `model` and `vendor` disagree, `counters` is
 * given for a model other than `synthetic` or is not an integer in
 * [0, 64], or `guestSvm` is set for Intel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateVcpuConfig } from "./config.ts";
 *
 * assert.equal(validateVcpuConfig({}).mechanism, "tracked");
 * assert.equal(validateVcpuConfig({}).semantics, "upstream");
 * assert.throws(() => validateVcpuConfig({ model: "synthetic", counters: 65 }), RangeError);
 * ```
 */
export function validateVcpuConfig(
  config: Partial<VcpuConfig> = {},
): VcpuConfig {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new TypeError(
      `Cannot create vCPU as 'config' must be an object: current value is ${
        describeValue(config)
      }`,
    );
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) {
      throw new TypeError(
        `Cannot create vCPU as '${key}' is not a config field: expected one of ${
          [...CONFIG_KEYS].join(", ")
        }`,
      );
    }
  }
  for (const key of ["vendor", "model", "semantics", "mechanism", "bitmap"]) {
    const v = (config as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== "string") {
      throw new TypeError(
        `Cannot create vCPU as '${key}' must be a string: current value is ${
          describeValue(v)
        }`,
      );
    }
  }
  for (const key of ["mediated", "guestSvm"]) {
    const v = (config as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(
        `Cannot create vCPU as '${key}' must be a boolean: current value is ${
          describeValue(v)
        }`,
      );
    }
  }
  if (config.model !== undefined && !pmuModelNames.includes(config.model)) {
    throw new RangeError(
      `Cannot create vCPU as 'model' must be one of ${
        list(pmuModelNames)
      }: current value is ${describeValue(config.model)}`,
    );
  }
  const vendor: Vendor = config.vendor ??
    (config.model === undefined ? "amd" : VENDOR_OF[config.model]);
  if (vendor !== "amd" && vendor !== "intel") {
    throw new RangeError(
      `Cannot create vCPU as 'vendor' must be one of "amd", "intel": current value is ${
        describeValue(vendor)
      }`,
    );
  }
  const modelName: PmuModelName = config.model ??
    (vendor === "amd" ? "perfmonv2" : "gp4");
  if (VENDOR_OF[modelName] !== vendor) {
    throw new RangeError(
      `Cannot create vCPU as 'model' must be one of ${
        list(pmuModelNames.filter((m) => VENDOR_OF[m] === vendor))
      } for vendor "${vendor}": current value is ${describeValue(modelName)}`,
    );
  }
  if (modelName === "synthetic") {
    const n = config.counters;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 64) {
      throw new RangeError(
        `Cannot create vCPU as 'counters' must be an integer in [0, 64] for model "synthetic": current value is ${
          describeValue(n)
        }`,
      );
    }
  } else if (config.counters !== undefined) {
    throw new RangeError(
      `Cannot create vCPU as 'counters' is only for model "synthetic": current value is ${
        describeValue(config.counters)
      } with model ${describeValue(modelName)}`,
    );
  }
  const guestSvm = config.guestSvm ?? vendor === "amd";
  if (guestSvm && vendor !== "amd") {
    throw new RangeError(
      `Cannot create vCPU as 'guestSvm' requires vendor "amd": current value is true with vendor "${vendor}"`,
    );
  }
  const semantics = config.semantics ?? "upstream";
  checkName("semantics", semantics, semanticsNames);
  const mechanism = config.mechanism ?? "tracked";
  checkName("mechanism", mechanism, mechanismNames);
  const bitmap = config.bitmap ?? "u32pair";
  checkName("bitmap", bitmap, strategyNames);
  const out: VcpuConfig = {
    vendor,
    model: modelName,
    mediated: config.mediated ?? true,
    guestSvm,
    semantics,
    mechanism,
    bitmap,
  };
  if (modelName === "synthetic") out.counters = config.counters;
  return Object.freeze(out);
}

/**
 * `base` with every field of `overrides` applied on top, the way command
 * line flags override a trace's config line. Fields of `base` that would
 * contradict an override are dropped rather than kept, so an override
 * never fails only because of what it replaced:
 *
 * - a `model` override drops `base.vendor` when the model belongs to the
 *   other vendor;
 * - a `vendor` override drops `base.model` when that model belongs to the
 *   other vendor;
 * - when either changed the model, `base.counters` is dropped unless the
 *   model is `synthetic`;
 * - when either names Intel, `base.guestSvm` is dropped (Intel has no SVM).
 *
 * Nothing is validated: pass the result to {@linkcode validateVcpuConfig}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { overrideVcpuConfig, validateVcpuConfig } from "./config.ts";
 *
 * const line = { vendor: "amd" as const, model: "perfmonv2" as const, guestSvm: true };
 * const merged = overrideVcpuConfig(line, { model: "gp4" });
 * assert.deepEqual(merged, { model: "gp4" });
 * assert.equal(validateVcpuConfig(merged).vendor, "intel");
 * ```
 */
export function overrideVcpuConfig(
  base: Partial<VcpuConfig>,
  overrides: Partial<VcpuConfig>,
): Partial<VcpuConfig> {
  const out: Partial<VcpuConfig> = { ...base };
  const vendorOf = (m: unknown): Vendor | undefined =>
    typeof m === "string" && Object.hasOwn(VENDOR_OF, m)
      ? VENDOR_OF[m as PmuModelName]
      : undefined;
  let modelChanged = overrides.model !== undefined;
  if (
    overrides.model !== undefined && overrides.vendor === undefined &&
    base.vendor !== undefined && vendorOf(overrides.model) !== undefined &&
    vendorOf(overrides.model) !== base.vendor
  ) {
    delete out.vendor;
  }
  if (
    overrides.vendor !== undefined && overrides.model === undefined &&
    vendorOf(base.model) !== undefined &&
    vendorOf(base.model) !== overrides.vendor
  ) {
    delete out.model;
    modelChanged = true;
  }
  Object.assign(out, overrides);
  if (
    modelChanged && overrides.counters === undefined &&
    out.model !== "synthetic"
  ) {
    delete out.counters;
  }
  const renamesVendor = overrides.vendor !== undefined ||
    overrides.model !== undefined;
  if (
    renamesVendor && overrides.guestSvm === undefined &&
    (out.vendor ?? vendorOf(out.model)) === "intel"
  ) {
    delete out.guestSvm;
  }
  return out;
}

/**
 * Whether {@linkcode validateVcpuConfig} accepts `config`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isVcpuConfigValid } from "./config.ts";
 *
 * assert.ok(isVcpuConfigValid({ vendor: "intel", model: "gp8" }));
 * assert.ok(!isVcpuConfigValid({ vendor: "intel", model: "legacy" }));
 * ```
 */
export function isVcpuConfigValid(config: unknown): boolean {
  try {
    validateVcpuConfig(config as Partial<VcpuConfig>);
    return true;
  } catch {
    return false;
  }
}

function checkName(key: string, value: string, names: readonly string[]) {
  if (!names.includes(value)) {
    throw new RangeError(
      `Cannot create vCPU as '${key}' must be one of ${
        list(names)
      }: current value is ${describeValue(value)}`,
    );
  }
}

function list(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

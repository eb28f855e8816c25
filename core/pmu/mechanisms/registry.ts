/**
 * The one place that maps mechanism names to {@linkcode Mechanism} objects.
 *
 * | mechanism | design | on a transition |
 * | --- | --- | --- |
 * | `tracked` | v4 4/6 (the patch), merged as a02a25a65246 | return if `reprogramPmcOnNestedTransition` is empty, else OR it into `reprogramPmi` + `KVM_REQ_PMU` |
 * | `all-bits` | Sean's v3 review | return without a mediated PMU or with HO/GO reserved (Intel, no guest SVM); else set all 64 `reprogramPmi` bits + `KVM_REQ_PMU` |
 * | `immediate` | Jim's v3 (filter-correct) | reprogram every GP counter now, no request |
 * | `none` | before the patch | nothing |
 *
 * For a given semantics, `tracked`, `all-bits` and `immediate` leave the
 * same observable state at every VM-entry; `none` differs exactly for
 * tracked counters whose mode changed since they were last reprogrammed.
 *
 * @module
 */

import { allBitsMechanism } from "./all_bits.ts";
import { immediateMechanism } from "./immediate.ts";
import type { Mechanism } from "./mechanism.ts";
import { noneMechanism } from "./none.ts";
import { trackedMechanism } from "./tracked.ts";

export type { Mechanism } from "./mechanism.ts";

/**
 * Every mechanism, the patch (`tracked`) first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mechanisms } from "./registry.ts";
 *
 * assert.ok(mechanisms[0].name === "tracked");
 * ```
 */
export const mechanisms: readonly Mechanism[] = Object.freeze([
  trackedMechanism,
  allBitsMechanism,
  immediateMechanism,
  noneMechanism,
]);

/**
 * The names of {@linkcode mechanisms}, in the same order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mechanismNames } from "./registry.ts";
 *
 * assert.ok(mechanismNames.join() === "tracked,all-bits,immediate,none");
 * ```
 */
export const mechanismNames: readonly string[] = Object.freeze(
  mechanisms.map((m) => m.name),
);

/**
 * The mechanism called `name`.
 *
 * @throws {RangeError} when no mechanism has that name; the message lists
 * the valid names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getMechanism } from "./registry.ts";
 *
 * assert.equal(getMechanism("none").name, "none");
 * assert.throws(() => getMechanism("lazy"), RangeError);
 * ```
 */
export function getMechanism(name: string): Mechanism {
  const m = mechanisms.find((x) => x.name === name);
  if (m === undefined) {
    throw new RangeError(
      `Cannot get mechanism as 'name' must be one of ${
        mechanismNames.map((n) => `"${n}"`).join(", ")
      }: current value is ${JSON.stringify(name)}`,
    );
  }
  return m;
}

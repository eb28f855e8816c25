/**
 * `deno bench` registration of the nested-transition suite; the cases live
 * in `nested_transition_cases.ts` so other runners can call the same
 * bodies.
 *
 * @module
 */

import { registerSuite } from "../core/track/suite/bench_case.ts";
import { nativeUnavailableReason, suite } from "./nested_transition_cases.ts";

if (nativeUnavailableReason !== undefined) {
  // deno-lint-ignore no-console -- standard error: `deno bench --json` output on standard out stays JSON
  console.error(
    `nested_transition_bench.ts: no native reference cases: ${nativeUnavailableReason}`,
  );
}
registerSuite(suite);

/**
 * `deno bench` registration of the nested-transition suite; the cases live
 * in `nested_transition_cases.ts` so other runners can call the same
 * bodies.
 *
 * @module
 */

import { registerSuite } from "../core/track/suite/bench_case.ts";
import { suite } from "./nested_transition_cases.ts";

registerSuite(suite);

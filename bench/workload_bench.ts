/**
 * `deno bench` registration of the workload suite; the cases live in
 * `workload_cases.ts` so other runners can call the same bodies.
 *
 * @module
 */

import { registerSuite } from "../core/track/suite/bench_case.ts";
import { suite } from "./workload_cases.ts";

registerSuite(suite);

/**
 * `deno bench` registration of the bitmap suite; the cases live in
 * `bitmap_cases.ts` so other runners can call the same bodies.
 *
 * @module
 */

import { registerSuite } from "../core/track/suite/bench_case.ts";
import { suite } from "./bitmap_cases.ts";

registerSuite(suite);

/**
 * `deno bench` registration of the bitmap suite; the cases live in
 * `bitmap_cases.ts` so other runners can call the same bodies. Without a
 * native reference (no C compiler, no `--allow-ffi`, ...) one line on
 * standard error says why, and the suite runs without its `native` cases.
 *
 * @module
 */

import { registerSuite } from "../core/track/suite/bench_case.ts";
import { nativeUnavailableReason, suite } from "./bitmap_cases.ts";

if (nativeUnavailableReason !== undefined) {
  // deno-lint-ignore no-console -- standard error: `deno bench --json` output on standard out stays JSON
  console.error(
    `bitmap_bench.ts: no native reference cases: ${nativeUnavailableReason}`,
  );
}
registerSuite(suite);

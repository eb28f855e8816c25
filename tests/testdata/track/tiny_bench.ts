// Registers tiny_cases.ts like registerSuite() does, without importing core/
// (the tests copy these two files into a scratch repository).
import { suite } from "./tiny_cases.ts";

const smoke = Deno.env.get("PMUBENCH_SMOKE") === "1";
for (const c of suite.cases) {
  Deno.bench({
    name: c.name,
    group: c.group,
    baseline: c.baseline ?? false,
    ...(smoke ? { n: 3, warmup: 1 } : {}),
    fn: c.body,
  });
}

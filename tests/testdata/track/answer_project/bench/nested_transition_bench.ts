// Registers nested_transition_cases.ts like registerSuite() does, without importing core/
// (the tests copy this project into a scratch directory).
import { suite } from "./nested_transition_cases.ts";

for (const c of suite.cases) {
  Deno.bench({
    name: c.name,
    group: c.group,
    baseline: c.baseline,
    fn: c.body,
  });
}

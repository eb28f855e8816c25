// Run by selection_independence_test.ts in a fresh process, so that the
// suites are loaded under this process's PMUBENCH_CASES (the selection):
// counts the cases named in argv[0] (JSON list of "group/name") with N and
// 2N calls and prints their instructions per op as JSON.
import { loadCases } from "../../../core/track/suite/load_suite.ts";
import {
  chooseCalls,
  countCase,
} from "../../../core/track/measure/instructions.ts";

const root = new URL("../../../", import.meta.url).pathname;
const wanted = JSON.parse(Deno.args[0]) as string[];
const refs = await loadCases(root, [
  "bench/bitmap_bench.ts",
  "bench/nested_transition_bench.ts",
]);
const out: Record<string, number | string> = {};
out.loaded = refs.length;
for (const key of wanted) {
  const ref = refs.find((r) => `${r.case.group}/${r.case.name}` === key);
  if (ref === undefined) throw new Error(`'${key}' is not in the selection`);
  const c = await countCase(ref, chooseCalls(ref.case.opsPerCall, 0), {
    cwd: root,
  });
  out[key] = c.instructionsPerOp;
}
// deno-lint-ignore no-console -- a child of the isolation test: its answer is this line
console.log(JSON.stringify(out));

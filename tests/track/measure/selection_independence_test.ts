import assert from "node:assert/strict";
import { detectValgrind } from "../../../core/track/measure/instructions.ts";
import { exactCasePattern } from "../../../core/track/suite/load_suite.ts";

const script = new URL("./_count_selected.ts", import.meta.url).pathname;
const valgrind = await detectValgrind();

// A bitmap case and a nested case, of two strategies each.
const CASES: readonly [group: string, name: string][] = [
  ["weight bits=6 in=both", "u32pair x1024"],
  ["weight bits=6 in=both", "u64view x1024"],
  ["nested round trip N=6", "early return k=0 u32pair x256"],
  ["nested round trip N=6", "early return k=0 u64view x256"],
];

async function countUnder(
  selection: string | undefined,
): Promise<Record<string, number>> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (selection !== undefined) env.PMUBENCH_CASES = selection;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      script,
      JSON.stringify(CASES.map(([g, n]) => `${g}/${n}`)),
    ],
    env,
    cwd: new URL("../../../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

Deno.test({
  name:
    "a case's instruction count does not depend on the selection: alone, with its group, with the whole suite (within 0.1%)",
  ignore: !valgrind.available,
  // Why it may be ignored: without Valgrind there is no instruction
  // counter; .ci/run installs it, so CI runs this test.
  async fn() {
    // The selection is what the parent loads and builds (PMUBENCH_CASES);
    // each case is then counted in its own process, which must build that
    // case only whatever the parent selected.
    const alone = CASES.map(([g, n]) => exactCasePattern(g, n)).join("|");
    const groups = "^(weight bits=6 in=both|nested round trip N=6)/";
    const [a, g, s] = await Promise.all([
      countUnder(alone),
      countUnder(groups),
      countUnder(undefined),
    ]);
    assert.equal(a.loaded, CASES.length);
    assert(g.loaded > a.loaded && s.loaded > g.loaded, JSON.stringify([g, s]));
    for (const [group, name] of CASES) {
      const key = `${group}/${name}`;
      for (const [label, other] of [["group", g], ["suite", s]] as const) {
        const rel = Math.abs(other[key] - a[key]) / a[key];
        assert(
          rel <= 0.001,
          `${key}: alone ${a[key]} instr/op, with the ${label} ${other[key]} (${
            (rel * 100).toFixed(3)
          }%)`,
        );
      }
    }
  },
});

import assert from "node:assert/strict";
import { exactCasePattern } from "../../core/track/suite/load_suite.ts";

const root = new URL("../../", import.meta.url).pathname;

// In a fresh process (the suites read PMUBENCH_CASES once, at load): the
// `<group>/<name>` of every case the suite built.
async function casesBuiltUnder(
  module: string,
  pattern: string,
): Promise<string[]> {
  const code = `const m = await import(${JSON.stringify(`${root}${module}`)});
console.log(JSON.stringify(m.suite.cases.map((c) => c.group + "/" + c.name)));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { PMUBENCH_CASES: pattern, NO_COLOR: "1" },
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("every suite builds only the case an exact PMUBENCH_CASES names (what run gives each process)", async (t) => {
  const picks: [string, string, string][] = [
    ["bench/bitmap_cases.ts", "weight bits=6 in=both", "u64view x1024"],
    ["bench/bitmap_cases.ts", "weight bits=6 in=both", "loop only x1024"],
    [
      "bench/nested_transition_cases.ts",
      "nested round trip N=6",
      "early return k=0 u32pair x256",
    ],
    ["bench/nested_transition_cases.ts", "nested round trip N=6", "no-op x256"],
  ];
  for (const [module, group, name] of picks) {
    await t.step(`${group}/${name}`, async () => {
      assert.deepEqual(
        await casesBuiltUnder(module, exactCasePattern(group, name)),
        [`${group}/${name}`],
      );
    });
  }
  await t.step("workload suite: its first case alone", async () => {
    const all = await casesBuiltUnder("bench/workload_cases.ts", "");
    const [group, ...rest] = all[0].split("/");
    const name = rest.join("/");
    assert.deepEqual(
      await casesBuiltUnder(
        "bench/workload_cases.ts",
        exactCasePattern(group, name),
      ),
      [all[0]],
    );
  });
});

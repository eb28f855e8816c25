import assert from "node:assert/strict";
import { assertBadInput, cli } from "./_cli_helpers.ts";
import { resultOf } from "../track/_result_helpers.ts";
import type {
  BenchResult,
  ResultFile,
} from "../../core/track/result/result.ts";

const testdata = new URL("../testdata/track/", import.meta.url).pathname;

function bench(
  strategy: string,
  bits: number,
  x: number,
  metric = "instructions",
): BenchResult {
  return {
    key: `bitmap_bench.ts::weight bits=${bits}::${strategy} x64`,
    file: "bitmap_bench.ts",
    group: `weight bits=${bits}`,
    name: `${strategy} x64`,
    baseline: strategy === "u32pair",
    metric,
    unit: metric === "time" ? "ns/op" : "instr/op",
    opsPerCall: 64,
    axes: { op: "weight", bits, strategy },
    replicates: [x],
    extra: { bytesPerOp: 0, tier: "turbofan" },
  };
}

async function writeResult(
  dir: string,
  name: string,
  benches: BenchResult[],
): Promise<string> {
  const r: ResultFile = {
    ...resultOf(benches),
    flags: { metric: "instructions" },
  };
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, JSON.stringify(r));
  return path;
}

Deno.test("pmubench matrix tabulates a result and names winners and crossovers", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeResult(dir, "r.json", [
      bench("u32pair", 6, 20),
      bench("u64view", 6, 30),
      bench("u32pair", 64, 60),
      bench("u64view", 64, 40),
    ]);
    await t.step("terminal", async () => {
      const r = await cli(["matrix", path]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, "");
      assert.match(r.out, /op=weight bits=6 +20 x1\.00 \* +30 x1\.50 +u32pair/);
      assert.match(
        r.out,
        /u64view wins above bits=6 \(from bits=64; u32pair wins at bits=6\) for op=weight/,
      );
    });
    await t.step("markdown and json", async () => {
      const md = await cli(["matrix", path, "--format", "markdown"]);
      assert.match(md.out, /^### instructions \(instr\/op\) by strategy/);
      const js = await cli(["matrix", path, "--format", "json"]);
      assert.equal(JSON.parse(js.out).crossovers.length, 1);
    });
    await t.step("--noise widens the band until nothing wins", async () => {
      const r = await cli([
        "matrix",
        path,
        "--noise",
        "60%",
        "--format",
        "json",
      ]);
      assert.deepEqual(
        JSON.parse(r.out).rows.map((x: { winner?: string }) =>
          x.winner ?? null
        ),
        [null, null],
      );
    });
    await t.step("standard input", async () => {
      const r = await cli(["matrix", "-"], await Deno.readTextFile(path));
      assert.equal(r.code, 0, r.err);
    });
    await t.step("--help", async () => {
      const r = await cli(["matrix", "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.out, /^Usage: pmubench matrix RESULT/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench matrix: bad input is one sentence and exit 2", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const mixed = await writeResult(dir, "mixed.json", [
      bench("u32pair", 6, 1),
      bench("u32pair", 6, 1, "time"),
    ]);
    const cases: [string, string[], RegExp, string?][] = [
      [
        "no file",
        ["matrix"],
        /needs exactly one result file: current value is 0/,
      ],
      ["two files", ["matrix", "a", "b"], /current value is 2/],
      ["missing file", ["matrix", `${dir}/nope.json`], /no such file/],
      [
        "truncated JSON",
        ["matrix", `${testdata}truncated.json.txt`],
        /truncated/,
      ],
      [
        "another tool's JSON",
        ["matrix", `${testdata}foreign.json`],
        /neither a pmubench result/,
      ],
      [
        "several metrics",
        ["matrix", mixed],
        /^pmubench matrix: Cannot build a matrix from '.*mixed\.json' as the result holds several metrics \(instructions, time\): choose one$/,
      ],
      [
        "a column axis only Object.prototype has",
        ["matrix", mixed, "--metric", "time", "--columns", "toString"],
        /^pmubench matrix: Cannot build a matrix from '.*mixed\.json' as no bench of metric 'time' has the axis 'toString'$/,
      ],
      ["no such column axis", [
        "matrix",
        mixed,
        "--metric",
        "time",
        "--columns",
        "mechanism",
      ], /has the axis 'mechanism'/],
      [
        "bad format",
        ["matrix", mixed, "--format", "html"],
        /--format must be one of terminal, markdown, json/,
      ],
      [
        "bad alpha",
        ["matrix", mixed, "--alpha", "2"],
        /--alpha must be a number/,
      ],
      ["unknown flag", ["matrix", mixed, "--bogus"], /bogus/],
      ["no bench with the axis (deno bench output)", [
        "matrix",
        `${testdata}deno_bench.json`,
      ], /has the axis 'strategy'/],
    ];
    for (const [what, args, message] of cases) {
      await t.step(what, async () => {
        assertBadInput(await cli(args), "matrix", message);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { main } from "../../core/cli.ts";
import { bufferIo } from "../../core/cli/command.ts";
import { parseNumberFlag, readCompareFlags } from "../../core/cli/compare.ts";

const testdata = new URL("../testdata/track/", import.meta.url).pathname;
const base = `${testdata}result_base.json`;
const head = `${testdata}result_head.json`;
const same = `${testdata}result_same.json`;

async function cli(args: string[], stdin = "") {
  const io = bufferIo(stdin);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Bad input: exit 2, exactly one line on stderr naming the problem, no stack trace, nothing on stdout. */
function assertOneSentence(
  r: { code: number; out: string; err: string },
  pattern: RegExp,
) {
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, "");
  assert.equal(r.err.split("\n").length, 2, `one line: ${r.err}`);
  assert.match(r.err, /^pmubench compare: /);
  assert.match(r.err.trimEnd(), pattern);
  assert.ok(
    !/\n\s+at /.test(r.err) && !r.err.includes("unexpected error"),
    r.err,
  );
}

Deno.test("pmubench compare exits 1 on a regression and prints the table", async () => {
  const r = await cli(["compare", base, head]);
  assert.equal(r.code, 1);
  assert.equal(r.err, "");
  assert.match(r.out, /bitmap_bench.ts::weight::u64 x1024 .* regressed\n/);
  assert.match(
    r.out,
    /3 compared: 1 regressed, 1 improved, 1 unchanged; 1 added, 1 removed\./,
  );
  assert.match(
    r.out,
    /Expected false alarms: 3 comparisons x alpha 0.01 = 0.03\./,
  );
});

Deno.test("pmubench compare exits 0 without a regression, or with --no-fail", async () => {
  assert.equal((await cli(["compare", base, same])).code, 0);
  assert.equal((await cli(["compare", base, head, "--no-fail"])).code, 0);
  // An improvement alone is no failure.
  assert.equal((await cli(["compare", head, base, "--noise", "50%"])).code, 0);
});

Deno.test("pmubench compare honours --alpha, --noise, --seed and --resamples", async (t) => {
  await t.step("a 15% noise band swallows the 10% regression", async () => {
    const r = await cli(["compare", base, head, "--noise", "15%"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /u64 x1024 .* unchanged/);
    assert.match(r.out, /noise band \+\/-15%/);
  });
  await t.step("alpha 0.001 is out of reach for 5 vs 5", async () => {
    const r = await cli(["compare", base, head, "--alpha", "0.001"]);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /too few replicates \(5 vs 5: smallest p 0.0079 >= alpha 0.001\)/,
    );
  });
  await t.step(
    "the same seed gives the same output; resamples change it",
    async () => {
      const a = await cli([
        "compare",
        base,
        head,
        "--seed",
        "3",
        "--format",
        "json",
      ]);
      const b = await cli([
        "compare",
        base,
        head,
        "--seed",
        "3",
        "--format",
        "json",
      ]);
      assert.equal(a.out, b.out);
      const c = await cli([
        "compare",
        base,
        head,
        "--seed",
        "3",
        "--resamples",
        "20",
        "--format",
        "json",
      ]);
      assert.notEqual(a.out, c.out);
    },
  );
});

Deno.test("pmubench compare prints every format", async (t) => {
  await t.step("markdown", async () => {
    const r = await cli(["compare", base, head, "--format", "markdown"]);
    assert.ok(r.out.startsWith(`### pmubench: \`${base}\` -> \`${head}\``));
    assert.match(
      r.out,
      /\| `bitmap_bench.ts::weight::u64 x1024` \| 100.2 ns \| 110.4 ns \| \+10.2% \| .* \| \*\*regressed\*\* \|/,
    );
  });
  await t.step("json", async () => {
    const j = JSON.parse(
      (await cli(["compare", base, head, "--format", "json"])).out,
    );
    assert.equal(j.rows.length, 5);
    assert.equal(j.comparisons, 3);
    assert.equal(j.base, base);
  });
  await t.step("bmf", async () => {
    const j = JSON.parse(
      (await cli(["compare", base, head, "--format", "bmf"])).out,
    );
    assert.deepEqual(j["bitmap_bench.ts::weight::u64 x1024"], {
      latency: { value: 110.4, lower_value: 109.6, upper_value: 111 },
    });
    assert.equal(j["bitmap_bench.ts::iterate::bool x64"], undefined);
  });
});

Deno.test("pmubench compare reads plain 'deno bench --json' output and standard input", async () => {
  const denoBench = `${testdata}deno_bench.json`;
  const r = await cli(
    ["compare", denoBench, "-"],
    await Deno.readTextFile(denoBench),
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /tiny_bench.ts::tiny::sum x8 .* unchanged/);
  assert.match(r.out, /too few replicates \(1 vs 1/);
  assert.match(r.out, /-> standard input/);
});

Deno.test("pmubench compare --help exits 0", async () => {
  const r = await cli(["compare", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: pmubench compare BASE HEAD/);
  assert.match(r.out, /2\/252 = 0.0079/);
});

Deno.test("pmubench compare rejects bad input with one sentence and exit 2", async (t) => {
  const cases: [string, string[], RegExp, string?][] = [
    [
      "a missing file",
      [base, "nope.json"],
      /Cannot read result 'nope.json': no such file$/,
    ],
    ["a directory", [base, testdata], /it is a directory$/],
    [
      "truncated JSON",
      [base, `${testdata}truncated.json.txt`],
      /as it is truncated: the JSON stops after 400 characters$/,
    ],
    [
      "another tool's result",
      [base, `${testdata}foreign.json`],
      /'.*foreign.json' as it is neither a pmubench result .* nor 'deno bench --json' output/,
    ],
    [
      "a failed bench",
      [`${testdata}deno_bench_failed.json`, `${testdata}deno_bench.json`],
      /Cannot compare '.*deno_bench_failed.json' as bench 'tiny_bench.ts::tiny::product' failed: Uncaught Error: boom$/,
    ],
    [
      "disjoint bench sets",
      [base, `${testdata}result_disjoint.json`],
      /as they share no bench: /,
    ],
    [
      "a malformed field",
      [base, `${testdata}result_bad_field.json`],
      /'benches\[0\].replicates\[1\]' must be a finite number >= 0: current value is -1$/,
    ],
    [
      "one file",
      [base],
      /compare needs exactly two result files, BASE and HEAD: current value is 1$/,
    ],
    [
      "both from stdin",
      ["-", "-"],
      /Cannot read both BASE and HEAD from standard input/,
    ],
    [
      "an unknown format",
      [base, head, "--format", "html"],
      /--format must be one of terminal, markdown, json, bmf: current value is 'html'$/,
    ],
    [
      "alpha out of range",
      [base, head, "--alpha", "2"],
      /--alpha must be a number in \(0, 0.5\]: current value is '2'$/,
    ],
    [
      "noise not a number",
      [base, head, "--noise", "lots"],
      /--noise must be a number in \[0, 0.99\]: current value is 'lots'$/,
    ],
    [
      "resamples not an integer",
      [base, head, "--resamples", "1.5"],
      /--resamples must be an integer/,
    ],
    [
      "resamples in exponent notation",
      [base, head, "--resamples", "1e3"],
      /--resamples must be an integer in \[1, 10000000\]: current value is '1e3' \(plain digits only\)$/,
    ],
    [
      "seed in hex",
      [base, head, "--seed", "0x2"],
      /--seed must be an integer in \[0, 4294967295\]: current value is '0x2' \(plain digits only\)$/,
    ],
    [
      "noise in hex",
      [base, head, "--noise", "0x0"],
      /--noise must be a number in \[0, 0.99\]: current value is '0x0' \(decimal notation only\)$/,
    ],
    [
      "a subnormal replicate",
      [base, `${testdata}result_subnormal.json`],
      /'benches\[0\].replicates\[0\]' must be 0 or within \[1e-9, 1000000000000000\]: current value is 5e-324$/,
    ],
    ["an unknown flag", [base, head, "--colour"], /Unknown option '--colour'/],
    [
      "garbage on stdin",
      [base, "-"],
      /Cannot read result 'standard input' as it is not JSON/,
      "not json",
    ],
  ];
  for (const [label, args, pattern, stdin] of cases) {
    await t.step(
      label,
      async () =>
        assertOneSentence(await cli(["compare", ...args], stdin), pattern),
    );
  }
});

Deno.test("parseNumberFlag() accepts numbers and percentages within range", () => {
  assert.equal(
    parseNumberFlag("noise", "5%", { min: 0, max: 1, percent: true }),
    0.05,
  );
  assert.equal(
    parseNumberFlag("noise", "0.05", { min: 0, max: 1, percent: true }),
    0.05,
  );
  assert.equal(parseNumberFlag("x", undefined, { min: 0, max: 1 }), undefined);
  assert.throws(
    () => parseNumberFlag("alpha", "0", { min: 0, max: 1, minExclusive: true }),
    /--alpha must be a number in \(0, 1\]/,
  );
  assert.throws(
    () =>
      parseNumberFlag("repeat", "", { min: 1, max: Infinity, integer: true }),
    /--repeat must be an integer in \[1, inf\): current value is ''/,
  );
  assert.throws(
    () => parseNumberFlag("noise", "5%", { min: 0, max: 1 }),
    /current value is '5%'/,
  );
  for (const text of ["1e3", "0x2", "0b1", "0o7", "Infinity", " 1e0 "]) {
    assert.throws(
      () =>
        parseNumberFlag("repeat", text, { min: 1, max: 1000, integer: true }),
      /--repeat must be an integer in \[1, 1000\]: current value is/,
      text,
    );
  }
  assert.equal(
    parseNumberFlag("repeat", "+12", { min: 1, max: 1000, integer: true }),
    12,
  );
  assert.equal(parseNumberFlag("alpha", ".5e-1", { min: 0, max: 1 }), 0.05);
});

Deno.test("readCompareFlags() leaves unset options to the library defaults", () => {
  assert.deepEqual(readCompareFlags({}), { options: {}, format: "terminal" });
});

Deno.test("pmubench compare takes 130,000 replicates a side and says the interval used a thinned sample", async () => {
  await using dir = await Deno.makeTempDir().then((path) => ({
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  }));
  const text = await Deno.readTextFile(base);
  const many = (scale: number) => {
    const d = JSON.parse(text);
    d.benches = [d.benches[0]];
    d.benches[0].replicates = Array.from(
      { length: 130_000 },
      (_, i) => scale * (100 + (i % 97) / 10),
    );
    delete d.benches[0].processes;
    return JSON.stringify(d);
  };
  await Deno.writeTextFile(`${dir.path}/base.json`, many(1));
  await Deno.writeTextFile(`${dir.path}/head.json`, many(1.1));
  const r = await cli([
    "compare",
    `${dir.path}/base.json`,
    `${dir.path}/head.json`,
    "--resamples",
    "200",
  ]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /regressed/);
  assert.match(r.out, /interval on 1000 of 130000 replicates \(base\)/);
  assert.match(r.out, /interval on 1000 of 130000 replicates \(head\)/);
});

Deno.test("pmubench compare messages are one bounded line naming the file", async (t) => {
  await using dir = await Deno.makeTempDir().then((path) => ({
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  }));
  await t.step("JSON that V8 quotes across lines", async () => {
    const bad = `${dir.path}/lines.json`;
    await Deno.writeTextFile(
      bad,
      '{\n  "schema": "pmubench-result/1",\n  x\n}\n',
    );
    assertOneSentence(
      await cli(["compare", base, bad]),
      new RegExp(`Cannot read result '${bad}' as it is not JSON \\(`),
    );
  });
  await t.step("a 10 MB bad value", async () => {
    const big = `${dir.path}/big.json`;
    const d = JSON.parse(await Deno.readTextFile(base));
    d.schema = "pmubench-result/" + "9".repeat(10_000_000);
    await Deno.writeTextFile(big, JSON.stringify(d));
    const r = await cli(["compare", base, big]);
    assertOneSentence(
      r,
      /its schema 'pmubench-result\/9{44}'\.\.\. \(10000016 characters\) is not supported/,
    );
    assert.ok(r.err.length < 400, `${r.err.length} characters`);
  });
  await t.step(
    "a byte-order mark reads the same from a file and from standard input",
    async () => {
      const bom = `${dir.path}/bom.json`;
      const text = "\ufeff" + await Deno.readTextFile(head);
      await Deno.writeTextFile(bom, text);
      const fromFile = await cli(["compare", base, bom, "--no-fail"]);
      const fromStdin = await cli(["compare", base, "-", "--no-fail"], text);
      assert.equal(fromFile.code, 0, fromFile.err);
      assert.equal(fromStdin.code, 0, fromStdin.err);
      assert.equal(
        fromFile.out.replace(bom, "X"),
        fromStdin.out.replace("standard input", "X"),
      );
    },
  );
});

Deno.test("integer flags of every command refuse exponent and hex notation before doing anything", async (t) => {
  const cases: [string, string[], string][] = [
    ["run", ["run", "--repeat", "1e3"], "repeat"],
    ["run", ["run", "--repeat", "0x2"], "repeat"],
    ["ab", ["ab", "--base", "HEAD", "--repeat", "1e3"], "repeat"],
    ["log", ["log", "--limit", "0x2"], "limit"],
    ["check", ["check", base, "--window", "1e1"], "window"],
    ["report", ["report", "--history", "0x10"], "history"],
    ["record", ["record", base, "--busy-timeout", "1e3"], "busy-timeout"],
  ];
  for (const [command, args, flag] of cases) {
    await t.step(args.join(" "), async () => {
      const r = await cli(args);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, "");
      assert.match(
        r.err,
        new RegExp(
          `^pmubench ${command}: --${flag} must be an integer in \\[\\d+, \\d+\\]: current value is '${
            args[args.length - 1]
          }' \\(plain digits only\\)\\n$`,
        ),
      );
    });
  }
});

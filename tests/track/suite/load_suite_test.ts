import assert from "node:assert/strict";
import {
  collectBenchRegistrations,
  discoverBenchFiles,
  exactCasePattern,
  expandBenchPaths,
  findCase,
  findSuite,
  loadCases,
  loadModuleCases,
  matchesFilter,
} from "../../../core/track/suite/load_suite.ts";

const testdata = new URL("../../testdata/track/", import.meta.url).pathname;

Deno.test("findSuite() reads the suite export or any suite-shaped export", async (t) => {
  const c = { group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} };
  await t.step("suite, then any export", () => {
    assert.equal(
      findSuite({ suite: { file: "a", cases: [c] } }, "m").file,
      "a",
    );
    assert.equal(
      findSuite({ other: { file: "b", cases: [c] } }, "m").file,
      "b",
    );
  });
  await t.step("no suite: TypeError naming the module", () => {
    assert.throws(() => findSuite({ x: 1 }, "m.ts"), {
      name: "TypeError",
      message:
        "Cannot read cases module 'm.ts' as it exports no BenchSuite (expected 'export const suite: BenchSuite')",
    });
  });
});

Deno.test("findCase() finds a case by group and name", async (t) => {
  const c = { group: "g", name: "f", opsPerCall: 1, axes: {}, body: () => {} };
  await t.step(
    "found",
    () =>
      assert.equal(findCase([c], { group: "g", name: "f", source: "m" }), c),
  );
  await t.step("no such case: RangeError", () => {
    assert.throws(
      () => findCase([c], { group: "g", name: "nope", source: "m.ts" }),
      /^RangeError: Cannot find case 'g\/nope' in 'm.ts': it has 1 other case\(s\)$/,
    );
  });
});

Deno.test("matchesFilter() follows deno bench --filter", async (t) => {
  await t.step("substring and /regexp/", () => {
    assert(matchesFilter("u64view x1024", "view"));
    assert(!matchesFilter("u64 x1024", "view"));
    assert(matchesFilter("u64 x1024", "/^u64 /"));
    assert(matchesFilter("x", ""));
  });
  await t.step("invalid regexp: SyntaxError", () => {
    assert.throws(
      () => matchesFilter("x", "/(/"),
      { name: "SyntaxError", message: /not a valid regular expression/ },
    );
  });
});

Deno.test("exactCasePattern() matches its own case only, whatever the characters", () => {
  const group = "nested round trip N=6 (k=0) [a+b]";
  const name = "early return k=0 u32pair x256";
  const re = new RegExp(exactCasePattern(group, name));
  assert(re.test(`${group}/${name}`));
  assert(!re.test(`${group}/${name}0`));
  assert(!re.test(`x${group}/${name}`));
});

Deno.test("collectBenchRegistrations() normalizes every Deno.bench form", async (t) => {
  await t.step("forms, ignore and only", async () => {
    const regs = await collectBenchRegistrations(() => {
      Deno.bench("a", () => {});
      Deno.bench("b", { group: "g", baseline: true }, () => {});
      Deno.bench({ name: "c", fn: () => {} });
      Deno.bench({ name: "d", group: "g" }, () => {});
      Deno.bench(function named() {});
      Deno.bench({ name: "e", ignore: true, fn: () => {} });
    });
    assert.deepEqual(
      regs.map((r) => `${r.group}/${r.name}/${r.baseline}`),
      ["/a/false", "g/b/true", "/c/false", "g/d/false", "/named/false"],
    );
    const only = await collectBenchRegistrations(() => {
      Deno.bench("a", () => {});
      Deno.bench({ name: "b", only: true, fn: () => {} });
    });
    assert.deepEqual(only.map((r) => r.name), ["b"]);
  });
  await t.step("Deno.bench is restored, even after a throw", async () => {
    const before = Deno.bench;
    await assert.rejects(
      collectBenchRegistrations(() => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(Deno.bench, before);
  });
  await t.step("no name or no function: TypeError", async () => {
    await assert.rejects(
      collectBenchRegistrations(() => {
        Deno.bench({ name: "x" } as unknown as Deno.BenchDefinition);
      }),
      { name: "TypeError", message: /needs a name and a function/ },
    );
  });
});

Deno.test("loadCases() reads X_cases.ts beside X_bench.ts and plain bench files", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/tiny_cases.ts`);
    await Deno.writeTextFile(`${dir}/tiny_bench.ts`, "");
    await Deno.writeTextFile(
      `${dir}/plain.bench.ts`,
      'let n = 0; Deno.bench("count x4", () => { n++; });\n' +
        'Deno.bench({ name: "timed", group: "p", fn(b) { b.start(); n++; b.end(); } });\n',
    );
    await t.step("suite cases keep opsPerCall and axes", async () => {
      const all = await loadCases(dir, ["tiny_bench.ts"]);
      assert.deepEqual(all.map((c) => c.case.name), ["sum x8", "product"]);
      assert.equal(all[0].kind, "cases");
      assert.equal(all[0].case.opsPerCall, 8);
      assert.deepEqual(all[0].case.axes, { kind: "sum", variant: "one" });
    });
    await t.step("filtered like deno bench --filter", async () => {
      const some = await loadCases(dir, ["tiny_bench.ts"], { filter: "prod" });
      assert.deepEqual(some.map((c) => c.case.name), ["product"]);
    });
    await t.step(
      "a plain bench file: registrations, opsPerCall never guessed",
      async () => {
        const plain = await loadCases(dir, ["plain.bench.ts"]);
        assert.deepEqual(plain.map((c) => `${c.case.group}/${c.case.name}`), [
          "/count x4",
          "p/timed",
        ]);
        assert.equal(plain[0].kind, "bench");
        assert.equal(plain[0].file, "plain.bench.ts");
        assert.equal(plain[0].case.opsPerCall, 1);
        const four = await loadCases(dir, ["plain.bench.ts"], {
          opsPerCall: 4,
        });
        assert.equal(four[0].case.opsPerCall, 4);
      },
    );
    await t.step("loading twice gives the same registrations", async () => {
      const again = await loadModuleCases(
        `file://${dir}/plain.bench.ts`,
        "bench",
      );
      assert.equal(again.length, 2);
    });
    await t.step("a cases module without a suite: TypeError", async () => {
      await Deno.writeTextFile(`${dir}/bad_bench.ts`, "");
      await Deno.writeTextFile(`${dir}/bad_cases.ts`, "export const x = 1;");
      await assert.rejects(
        loadCases(dir, ["bad_bench.ts"]),
        { name: "TypeError", message: /exports no BenchSuite/ },
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discoverBenchFiles() finds bench files as deno bench does", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const touch = async (p: string) => {
      await Deno.mkdir(`${dir}/${p}`.replace(/\/[^/]+$/, ""), {
        recursive: true,
      });
      await Deno.writeTextFile(`${dir}/${p}`, "");
    };
    await t.step("no files", async () => {
      assert.deepEqual(await discoverBenchFiles(dir), []);
      assert.deepEqual(await discoverBenchFiles(`${dir}/none`), []);
    });
    for (
      const p of [
        "bench/a_bench.ts",
        "bench/a_cases.ts",
        "x.bench.ts",
        "bench.ts",
        "sub/bench.mjs",
        "node_modules/m/m_bench.ts",
        ".hidden/h_bench.ts",
        "tests/testdata/t_bench.ts",
        "notes_bench.md",
      ]
    ) await touch(p);
    await t.step(
      "every name form, no node_modules or hidden dirs",
      async () => {
        assert.deepEqual(await discoverBenchFiles(dir), [
          "bench.ts",
          "bench/a_bench.ts",
          "sub/bench.mjs",
          "tests/testdata/t_bench.ts",
          "x.bench.ts",
        ]);
      },
    );
    await t.step("deno.json bench.include / exclude / exclude", async () => {
      await Deno.writeTextFile(
        `${dir}/deno.json`,
        JSON.stringify({
          bench: { include: ["bench/", "tests/"], exclude: ["tests/testdata"] },
        }),
      );
      assert.deepEqual(await discoverBenchFiles(dir), ["bench/a_bench.ts"]);
      await Deno.writeTextFile(
        `${dir}/deno.json`,
        JSON.stringify({ exclude: ["tests/", "sub"] }),
      );
      assert.deepEqual(await discoverBenchFiles(dir), [
        "bench.ts",
        "bench/a_bench.ts",
        "x.bench.ts",
      ]);
    });
    await t.step("deno.json that is not JSON: SyntaxError", async () => {
      await Deno.writeTextFile(`${dir}/deno.json`, "{");
      await assert.rejects(discoverBenchFiles(dir), {
        name: "SyntaxError",
        message: /deno.json' as it is not JSON/,
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("expandBenchPaths() expands a directory and rejects one without bench files", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bench/sub`, { recursive: true });
    await Deno.mkdir(`${dir}/empty`);
    await Deno.writeTextFile(`${dir}/bench/b_bench.ts`, "");
    await Deno.writeTextFile(`${dir}/bench/sub/a.bench.ts`, "");
    await t.step("a directory becomes its bench files", async () => {
      assert.deepEqual(await expandBenchPaths(dir, ["./bench"]), [
        "bench/b_bench.ts",
        "bench/sub/a.bench.ts",
      ]);
    });
    await t.step("a directory without bench files", async () => {
      await assert.rejects(expandBenchPaths(dir, ["empty/"]), {
        name: "RangeError",
        message:
          "Cannot run the benches of 'empty/' as it holds no bench file (*_bench.ts, *.bench.ts, bench.ts): current value is an empty directory",
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

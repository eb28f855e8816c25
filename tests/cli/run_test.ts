import assert from "node:assert/strict";
import { main } from "../../core/cli.ts";
import { bufferIo } from "../../core/cli/command.ts";
import { formatProgress, summarizeResult } from "../../core/cli/run.ts";
import {
  isFailed,
  readResultFile,
  resultOf,
} from "../../core/track/result/result.ts";

const testdata = new URL("../testdata/track/", import.meta.url).pathname;

async function cli(args: string[]) {
  const io = bufferIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

async function tinyProject(): Promise<string> {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "pmubench-run-test-" }),
  );
  await Deno.mkdir(`${dir}/bench`);
  await Deno.copyFile(`${testdata}tiny_bench.ts`, `${dir}/bench/tiny_bench.ts`);
  await Deno.copyFile(`${testdata}tiny_cases.ts`, `${dir}/bench/tiny_cases.ts`);
  return dir;
}

Deno.test("pmubench run measures the tiny suite twice and writes a result file", async () => {
  const dir = await tinyProject();
  try {
    const r = await cli([
      "run",
      "--repeat",
      "2",
      "--smoke",
      "--jobs",
      "1",
      "--cwd",
      dir,
    ]);
    assert.equal(r.code, 0, r.err);
    // One process per case and replicate, with elapsed time and time left
    // (one job, so in round order).
    assert.match(
      r.err,
      /^run 1\/4 tiny\/sum x8 \d+\.\ds, \d+s elapsed, ~\d+s left\nrun 2\/4 tiny\/product \d+\.\ds, .*\nrun 3\/4 tiny\/sum x8 .*\nrun 4\/4 tiny\/product .*, ~0s left\n$/,
    );
    const path = /^wrote (.+)$/m.exec(r.out)![1];
    assert.match(
      path,
      new RegExp(
        `^${dir}/\\.pmubench/results/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ-nogit\\.json$`,
      ),
    );
    assert.match(
      r.out,
      /^tiny_bench.ts::tiny::sum x8 +\d[\d.]* \w?s +\d+\.\d% +2$/m,
    );
    const result = await readResultFile(path);
    assert.equal(result.benches.length, 2);
    assert.ok(result.benches.every((b) => b.replicates.length === 2));
    assert.equal(result.flags.smoke, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run --out and --filter pass through", async () => {
  const dir = await tinyProject();
  try {
    const out = `${dir}/nested/r.json`;
    const r = await cli([
      "run",
      "--repeat",
      "1",
      "--smoke",
      "--cwd",
      dir,
      "--filter",
      "product",
      "--out",
      out,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.endsWith(`wrote ${out}\n`));
    const result = await readResultFile(out);
    assert.deepEqual(result.benches.map((b) => b.name), ["product"]);
    assert.equal(result.flags.filter, "product");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run rejects bad usage and broken benches with exit 2", async (t) => {
  const dir = await tinyProject();
  try {
    await t.step("--repeat 0", async () => {
      const r = await cli(["run", "--repeat", "0", "--cwd", dir]);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        "pmubench run: --repeat must be an integer in [1, 1000]: current value is '0'\n",
      );
    });
    await t.step("--cwd that does not exist", async () => {
      const r = await cli(["run", "--cwd", `${dir}/nope`]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /^pmubench run: --cwd must name a directory: current value is '.*nope'\n$/,
      );
    });
    await t.step("a directory without bench files", async () => {
      await Deno.mkdir(`${dir}/empty`);
      const r = await cli(["run", "--cwd", `${dir}/empty`]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /^pmubench run: Cannot run benches as '.*\/empty' has no bench files \(\*_bench.ts, \*.bench.ts, bench.ts\)\n$/,
      );
    });
    await t.step("a filter that matches nothing", async () => {
      const r = await cli([
        "run",
        "--repeat",
        "1",
        "--smoke",
        "--cwd",
        dir,
        "--filter",
        "zzz",
      ]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /pmubench run: Cannot write a result as no bench matched --filter 'zzz'\n$/,
      );
    });
    await t.step("a bench file that does not parse", async () => {
      await Deno.writeTextFile(
        `${dir}/bench/broken_bench.ts`,
        "const x = ;\n",
      );
      const r = await cli([
        "run",
        "--repeat",
        "1",
        "--cwd",
        dir,
        "bench/broken_bench.ts",
      ]);
      await Deno.remove(`${dir}/bench/broken_bench.ts`);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /^pmubench run: Cannot load bench module 'file:\/\/.+\/bench\/broken_bench.ts': .*SyntaxError: .*\n$/,
      );
      assert.equal(r.err.split("\n").length, 2);
    });
    await t.step(
      "a bench that throws: the file is written, the failure named",
      async () => {
        await Deno.writeTextFile(
          `${dir}/bench/throws_bench.ts`,
          'Deno.bench("boom", () => { throw new Error("boom"); });\n',
        );
        const out = `${dir}/failed.json`;
        const r = await cli([
          "run",
          "--repeat",
          "1",
          "--cwd",
          dir,
          "--out",
          out,
          "bench/throws_bench.ts",
        ]);
        assert.equal(r.code, 2);
        assert.match(
          r.err,
          /bench 'throws_bench.ts::::boom' failed: harness for '\/boom' exited with code 1; its standard error ends: .*Uncaught.*Error: boom/,
        );
        assert.match(
          r.err,
          /1 bench\(es\) failed; the result was written to '.*failed.json' but compare will reject it\n$/,
        );
        const [boom] = (await readResultFile(out)).benches;
        assert(boom !== undefined && isFailed(boom));
        assert.match(boom.failed, /Uncaught.*Error: boom/);
      },
    );
    await t.step("an unknown flag", async () => {
      const r = await cli(["run", "--repeats", "2"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /^pmubench run: Unknown option '--repeats'/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run --help exits 0 and explains replicates", async () => {
  const r = await cli(["run", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: pmubench run/);
  assert.match(
    r.out,
    /each in a fresh process in which\nonly that case is built/,
  );
});

Deno.test("formatProgress() omits an empty label", () => {
  assert.equal(
    formatProgress({ index: 1, total: 2, label: "", seconds: 0.04 }),
    "run 1/2 0.0s\n",
  );
});

Deno.test("summarizeResult() marks failed benches", () => {
  const text = summarizeResult(resultOf([{
    key: "k",
    file: "f",
    group: "",
    name: "n",
    baseline: false,
    metric: "time",
    unit: "ns/op",
    opsPerCall: 1,
    replicates: [],
    failed: "x",
  }]));
  assert.match(text, /^k +FAILED +0$/m);
});

Deno.test("pmubench run times a plain Deno.bench file (no cases module, no deno.json)", async () => {
  const dir = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "pmubench-run-plain-" }),
  );
  try {
    await Deno.writeTextFile(
      `${dir}/plain_bench.ts`,
      `let s = 0;
Deno.bench("sum", () => { for (let i = 0; i < 64; i++) s = (s + i) | 0; });
Deno.bench({ name: "part", group: "g", baseline: true, fn(b) { b.start(); s = (s + 1) | 0; b.end(); } });
`,
    );
    const r = await cli([
      "run",
      "--repeat",
      "2",
      "--samples",
      "5",
      "--cwd",
      dir,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^plain_bench.ts::::sum +[\d.]+ \w?s +\d+\.\d% +2 /m);
    assert.match(r.out, /^plain_bench.ts::g::part +[\d.]+ \w?s /m);
    const path = /^wrote (.+)$/m.exec(r.out)![1];
    const result = await readResultFile(path);
    assert.equal(result.flags.engine, "harness");
    assert.equal(result.benches[1].baseline, true);
    assert.equal(result.benches[1].timing![0].explicitTiming, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run --no-throttle-guard --no-speed-correction records raw estimates", async () => {
  const dir = await tinyProject();
  try {
    const r = await cli([
      "run",
      "--repeat",
      "1",
      "--samples",
      "5",
      "--no-profile",
      "--no-throttle-guard",
      "--no-speed-correction",
      "--cwd",
      dir,
    ]);
    assert.equal(r.code, 0, r.err);
    const result = await readResultFile(/^wrote (.+)$/m.exec(r.out)![1]);
    assert.equal(result.flags.throttleGuard, undefined);
    assert.equal(result.flags.speedCorrection, undefined);
    for (const b of result.benches) {
      assert.deepEqual(b.replicates, b.timing!.map((p) => p.estimate));
    }
    const help = await cli(["run", "--help"]);
    assert.match(
      help.out,
      /--no-speed-correction\n +harness engine: replicates are the raw estimates/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pmubench run never overwrites: two results in the same second get two files", async () => {
  const dir = await tinyProject();
  try {
    const args = ["run", "--repeat", "1", "--smoke", "--cwd", dir];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const pa = /^wrote (.+)$/m.exec(a.out)![1];
    const pb = /^wrote (.+)$/m.exec(b.out)![1];
    assert.notEqual(pa, pb);
    assert.equal((await readResultFile(pa)).benches.length, 2);
    assert.equal((await readResultFile(pb)).benches.length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

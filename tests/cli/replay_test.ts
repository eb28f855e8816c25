import assert from "node:assert/strict";
import { tempDir } from "../track/history/_history_helpers.ts";
import { assertBadInput, cli, type CliRun } from "./_cli_helpers.ts";

const GOLDEN = new URL("../testdata/pmu/", import.meta.url);

function golden(name: string): string {
  return new URL(name, GOLDEN).pathname;
}

function expected(name: string): string {
  return Deno.readTextFileSync(golden(name));
}

const ENTRY = '{"op":"entry"}';
const SVME_ON = '{"op":"wrmsr","msr":"0xc0000080","value":"0x1000"}';

/**
 * A bad trace line: exit 2, the records of every line before it on stdout,
 * and one stderr line `pmubench replay: NAME:LINE: message`.
 */
function assertBadLine(
  run: CliRun,
  where: string,
  message: RegExp,
  stdout: string,
): void {
  assert.equal(run.code, 2, run.err);
  assert.equal(run.out, stdout);
  assert.equal(run.err.trimEnd().split("\n").length, 1, run.err);
  assert.ok(
    run.err.startsWith(`pmubench replay: ${where}: `),
    `stderr names ${where}: ${run.err}`,
  );
  assert.match(run.err.trimEnd(), message);
  assert.ok(!/\n\s+at /.test(run.err), "no stack trace");
}

Deno.test("pmubench replay FILE prints the JSON Lines records of the trace", async () => {
  const run = await cli(["replay", golden("host_only_l1_perf.jsonl")]);
  assert.equal(run.code, 0, run.err);
  assert.equal(run.err, "");
  assert.equal(run.out, expected("host_only_l1_perf.expected.jsonl"));
});

Deno.test("pmubench replay reads standard input for '-' and without FILE", async (t) => {
  const text = Deno.readTextFileSync(golden("guest_only_l2_profile.jsonl"));
  const want = expected("guest_only_l2_profile.expected.jsonl");
  for (const args of [["replay", "-"], ["replay"]]) {
    await t.step(args.join(" "), async () => {
      const run = await cli(args, text);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out, want);
    });
  }
  await t.step("a bad line is blamed on <stdin>", async () => {
    const run = await cli(["replay"], `${ENTRY}\nnot json\n`);
    assertBadLine(
      run,
      "<stdin>:2",
      /not a JSON object/,
      '{"step":1,"guestMode":false,"svme":false,"tracked":"0x0","reprogramPmi":"0x0","counting":"0x0","eventselHw":["0x0","0x0","0x0","0x0","0x0","0x0"]}\n',
    );
  });
  await t.step("an empty trace prints nothing and succeeds", async () => {
    const run = await cli(["replay"], "");
    assert.deepEqual(run, { code: 0, out: "", err: "" });
  });
});

Deno.test("pmubench replay flags override the trace's config line", async (t) => {
  await t.step(
    "--semantics upstream turns the v4 golden into the upstream one",
    async () => {
      const run = await cli([
        "replay",
        golden("both_bits_svme_toggle_v4.jsonl"),
        "--semantics",
        "upstream",
      ]);
      assert.equal(run.code, 0, run.err);
      assert.equal(
        run.out,
        expected("both_bits_svme_toggle_upstream.expected.jsonl"),
      );
    },
  );
  await t.step(
    "--mechanism none replays the patch-less behaviour",
    async () => {
      const run = await cli([
        "replay",
        golden("host_only_l1_perf.jsonl"),
        "--mechanism",
        "none",
        "--bitmap",
        "bool",
      ]);
      assert.equal(run.code, 0, run.err);
      assert.equal(run.out, expected("host_only_l1_perf.none.expected.jsonl"));
    },
  );
  await t.step(
    "--no-guest-svm makes HO/GO reserved: dropped, nothing tracked",
    async () => {
      const run = await cli(
        ["replay", "--no-guest-svm"],
        [
          '{"op":"config","vendor":"amd","model":"perfmonv2","guestSvm":true}',
          '{"op":"wrmsr","msr":"0xc0010200","value":"0x20000430076"}',
          '{"op":"rdmsr","msr":"0xc0010200"}',
          ENTRY,
        ].join("\n"),
      );
      assert.equal(run.code, 0, run.err);
      const [read, entry] = run.out.trimEnd().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.equal(read.value, "0x430076");
      assert.equal(entry.tracked, "0x0");
      assert.equal(entry.counting, "0x1");
    },
  );
  await t.step(
    "--model gp4 over an AMD config line builds an Intel vCPU",
    async () => {
      const run = await cli(
        ["replay", "--model", "gp4"],
        `{"op":"config","vendor":"amd","model":"perfmonv2","guestSvm":true}\n${ENTRY}\n`,
      );
      assert.equal(run.code, 0, run.err);
      assert.deepEqual(JSON.parse(run.out).eventselHw, [
        "0x0",
        "0x0",
        "0x0",
        "0x0",
      ]);
    },
  );
  await t.step(
    "--model synthetic --counters 40 reaches counter 39",
    async () => {
      const run = await cli(
        ["replay", "--model", "synthetic", "--counters", "40"],
        `{"op":"wrmsr","msr":"0xc001024e","value":"0x430076"}\n${ENTRY}\n`,
      );
      assert.equal(run.code, 0, run.err);
      assert.equal(JSON.parse(run.out).counting, "0x8000000000");
    },
  );
});

Deno.test("pmubench replay --table prints the same records as a table", async () => {
  const name = "intel_fixed_counters";
  const json = await cli(["replay", golden(`${name}.jsonl`)]);
  const run = await cli(["replay", golden(`${name}.jsonl`), "--table"]);
  assert.equal(run.code, 0, run.err);
  const lines = run.out.trimEnd().split("\n");
  assert.match(
    lines[0],
    /^step +what +mode +svme +tracked +reprogramPmi +counting +eventselHw \/ value$/,
  );
  // One row per JSON record, in the same order.
  assert.equal(lines.length - 1, json.out.trimEnd().split("\n").length);
  assert.match(lines[1], /^ +3 +#GP$/);
  assert.match(
    lines[2],
    /^ +5 +entry +L1 +0 +0x0 +0x0 +0x300000001 +0x4300c0 0x0 0x0 0x0$/,
  );
  assert.match(lines[4], /^ +7 +#UD$/);
  assert.match(lines[6], /^ +10 +rdmsr +0x38d = 0x8b3$/);
});

Deno.test("pmubench replay reports a bad trace line with its number, after the output before it", async (t) => {
  await using dir = await tempDir();
  const first =
    '{"step":2,"guestMode":false,"svme":true,"tracked":"0x0","reprogramPmi":"0x0","counting":"0x0","eventselHw":["0x0","0x0","0x0","0x0","0x0","0x0"]}\n';
  const cases: [string, string, RegExp][] = [
    ["not JSON", '{"op":"entry"', /:3: not a JSON object: /],
    ["a JSON array", "[1]", /:3: not a JSON object: "\[1\]"/],
    ["unknown op", '{"op":"jump"}', /:3: 'op' must be one of .*"jump"/],
    [
      "unknown field",
      '{"op":"entry","now":true}',
      /:3: 'now' is not a field of op "entry"/,
    ],
    [
      "unknown MSR",
      '{"op":"rdmsr","msr":"0x10"}',
      /:3: 'msr' must be an MSR the model knows: current value is "0x10"/,
    ],
    [
      "MSR not a hex string",
      '{"op":"rdmsr","msr":192}',
      /:3: 'msr' must be a hex string like "0x1f": current value is 192/,
    ],
    [
      "value out of range",
      '{"op":"wrmsr","msr":"0xc0010200","value":"0x10000000000000000"}',
      /:3: 'value' must be at most 0xffffffffffffffff: current value is "0x10000000000000000"/,
    ],
    [
      // Events outside the key mask are dropped, as KVM does (SPEC g19);
      // text that is not a hex number is still a bad line.
      "filter event not a hex number",
      '{"op":"filter","action":"deny","events":["0x43zz76"]}',
      /:3: 'events\[0\]' must be a hex string like "0x1f": current value is "0x43zz76"/,
    ],
    [
      "filter action unknown",
      '{"op":"filter","action":"block","events":[]}',
      /:3: 'action' must be "allow" or "deny": current value is "block"/,
    ],
    [
      "config line after the first line",
      '{"op":"config","model":"legacy"}',
      /:3: op "config" must be on the first line/,
    ],
  ];
  for (const [what, line, message] of cases) {
    await t.step(what, async () => {
      const file = `${dir.path}/bad.jsonl`;
      Deno.writeTextFileSync(
        file,
        `${SVME_ON}\n${ENTRY}\n${line}\n${ENTRY}\n`,
      );
      const run = await cli(["replay", file]);
      assertBadLine(run, `${file}:3`, message, first);
      const table = await cli(["replay", file, "--table"]);
      assert.equal(table.code, 2);
      assert.equal(table.out.trimEnd().split("\n").length, 2); // header + line 2
    });
  }
  await t.step("a bad line before any output prints nothing", async () => {
    const run = await cli(["replay"], `{"op":"nap"}\n${ENTRY}\n`);
    assertBadLine(run, "<stdin>:1", /'op' must be one of/, "");
  });
  await t.step("an invalid config line is blamed on its line", async () => {
    const run = await cli(
      ["replay"],
      `\n{"op":"config","model":"gp16"}\n${ENTRY}\n`,
    );
    assertBadLine(
      run,
      "<stdin>:2",
      /Cannot create vCPU as 'model' must be one of .*: current value is "gp16"/,
      "",
    );
  });
});

Deno.test("pmubench replay rejects bad usage with exit 2 and one line", async (t) => {
  await t.step("missing file", async () => {
    assertBadInput(
      await cli(["replay", "/nonexistent/trace.jsonl"]),
      "replay",
      /cannot read trace \/nonexistent\/trace\.jsonl: /,
    );
  });
  await t.step("two files", async () => {
    assertBadInput(
      await cli(["replay", "a.jsonl", "b.jsonl"]),
      "replay",
      /expected at most one trace file: current value is "a.jsonl" "b.jsonl"/,
    );
  });
  await t.step("unknown flag", async () => {
    assertBadInput(
      await cli(["replay", "--fast"], ENTRY),
      "replay",
      /--fast/,
    );
  });
  await t.step("--counters not an integer", async () => {
    assertBadInput(
      await cli(["replay", "--counters", "six"], ENTRY),
      "replay",
      /--counters must be an integer: current value is "six"/,
    );
  });
  await t.step("--mediated with --no-mediated", async () => {
    assertBadInput(
      await cli(["replay", "--mediated", "--no-mediated"], ENTRY),
      "replay",
      /--mediated and --no-mediated cannot both be given/,
    );
  });
  await t.step(
    "a bad flag value is blamed on the flags, not a line",
    async () => {
      for (
        const stdin of [ENTRY, `{"op":"config","model":"legacy"}\n${ENTRY}`]
      ) {
        assertBadInput(
          await cli(["replay", "--mechanism", "lazy"], stdin),
          "replay",
          /Cannot create vCPU as 'mechanism' must be one of .*"lazy" \(from the command line flags\)$/,
        );
      }
    },
  );
  await t.step("--guest-svm with an Intel model", async () => {
    assertBadInput(
      await cli(["replay", "--guest-svm", "--model", "gp8"], ENTRY),
      "replay",
      /'guestSvm' requires vendor "amd"/,
    );
  });
});

Deno.test("pmubench replay --help documents the format and exits 0", async () => {
  const run = await cli(["replay", "--help"]);
  assert.equal(run.code, 0);
  assert.equal(run.err, "");
  assert.match(run.out, /^Usage: pmubench replay \[FILE\|-\] \[options\]/);
  for (
    const word of [
      "--table",
      "--semantics S                upstream | v4",
      "upstream (default): the merged kernel; v4: inferred",
      "tracked | all-bits | immediate | none",
      '"step" is the op\'s line number',
      '{"step":N,"fault":"#UD"}',
      "Exit codes: 0 ok; 2",
    ]
  ) {
    assert.ok(run.out.includes(word), word);
  }
  assert.equal((await cli(["replay", "-h"])).out, run.out);
});

const CLI = new URL("../../core/cli.ts", import.meta.url).pathname;

/** Run the real CLI on `args`, polling its peak RSS (VmHWM) from /proc. */
async function peakRss(
  args: string[],
): Promise<{ code: number; peakKb: number; lines: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let peakKb = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      try {
        const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+) kB/.exec(status);
        if (m !== null) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // The process is gone; its last reading stands.
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let lines = 0;
  for await (const chunk of child.stdout) {
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const { code } = await child.status;
  done = true;
  await poll;
  return { code, peakKb, lines };
}

Deno.test({
  name:
    "pmubench replay streams a 2-million-line trace in constant memory (peak RSS under 200 MB)",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await using dir = await tempDir();
    const small = `${dir.path}/small.jsonl`;
    const big = `${dir.path}/big.jsonl`;
    const body = [
      '{"op":"wrmsr","msr":"0xc0010200","value":"0x20000430076"}',
      '{"op":"vmrun"}',
      ENTRY,
      '{"op":"vmexit"}',
      '{"op":"rdmsr","msr":"0xc0010200"}',
    ].join("\n") + "\n";
    const head =
      '{"op":"config","vendor":"amd","model":"perfmonv2","semantics":"v4","mechanism":"tracked"}\n' +
      SVME_ON + "\n";
    await Deno.writeTextFile(small, head + body);
    // 2 + 5 * 400,000 lines, about 55 MB, written in blocks.
    const file = await Deno.open(big, { write: true, create: true });
    const block = new TextEncoder().encode(body.repeat(10_000));
    await file.write(new TextEncoder().encode(head));
    for (let i = 0; i < 40; i++) {
      for (let at = 0; at < block.length;) {
        at += await file.write(block.subarray(at));
      }
    }
    file.close();
    const base = await peakRss(["replay", small]);
    const run = await peakRss(["replay", big]);
    assert.equal(run.code, 0);
    // One entry and one rdmsr record per block of five lines.
    assert.equal(run.lines, 800_000);
    // Measured: 87 MB for the big trace beside 45 MB for a 7-line one, and
    // 10 million lines peaked at 132 MB; reading the whole trace took
    // 700 MB per million lines.
    // deno-lint-ignore no-console -- the measured memory is this test's report
    console.log(
      `replay peak RSS: ${Math.round(base.peakKb / 1024)} MB (7 lines), ${
        Math.round(run.peakKb / 1024)
      } MB (2,000,002 lines)`,
    );
    assert.ok(base.peakKb > 0 && run.peakKb > 0, "VmHWM was read");
    assert.ok(
      run.peakKb < 200 * 1024,
      `peak RSS ${run.peakKb} kB must stay under 200 MB`,
    );
  },
});

Deno.test("pmubench replay --table on 150,000 records streams without a stack overflow", async () => {
  const body = '{"op":"vmexit"}\n'.repeat(150_000);
  const run = await cli(["replay", "-", "--table"], body);
  assert.equal(run.code, 0, run.err);
  const lines = run.out.trimEnd().split("\n");
  assert.equal(lines.length, 150_001);
  assert.equal(lines[150_000], "150000  #UD");
  // Sized by the first 1,000 rows; later, wider steps widen the column.
  assert.equal(lines[1], "   1  #UD");
});

Deno.test("pmubench replay messages are one bounded line with no JavaScript internals", async (t) => {
  await t.step("an op that is a property of every object", async () => {
    for (
      const op of ["toString", "__proto__", "constructor", "hasOwnProperty"]
    ) {
      const run = await cli(["replay"], `{"op":"${op}"}\n`);
      assertBadLine(
        run,
        "<stdin>:1",
        new RegExp(
          `'op' must be one of "config", .*: current value is "${op}"$`,
        ),
        "",
      );
    }
  });
  await t.step("a field named like a property of every object", async () => {
    assertBadLine(
      await cli(["replay"], '{"op":"entry","toString":1}\n'),
      "<stdin>:1",
      /'toString' is not a field of op "entry": expected op$/,
      "",
    );
  });
  await t.step("a 60,000-character value is quoted cut short", async () => {
    const value = "0x" + "f".repeat(60_000) + "g";
    const run = await cli(
      ["replay"],
      `{"op":"wrmsr","msr":"0xc0010200","value":"${value}"}\n`,
    );
    assertBadLine(
      run,
      "<stdin>:1",
      /current value is "0xf{58}"\.\.\. \(60003 characters\)$/,
      "",
    );
    assert.ok(run.err.length < 300, `${run.err.length} characters`);
  });
  await t.step(
    "a line longer than MAX_TRACE_LINE is refused unread",
    async () => {
      const run = await cli(
        ["replay"],
        `${ENTRY}\n{"op":"${"x".repeat(200_000)}"}\n`,
      );
      assert.equal(run.out.trimEnd().split("\n").length, 1);
      assert.match(
        run.err,
        /^pmubench replay: <stdin>:2: Cannot read the line as it is longer than 65536 characters\n$/,
      );
    },
  );
  await t.step("control characters in a value are escaped", async () => {
    const run = await cli(["replay"], '{"op":"entry\\u001b[2J\\u0007"}\n');
    assert.equal(run.err.split("\n").length, 2);
    assert.ok(
      // deno-lint-ignore no-control-regex
      !/[\u0000-\u0008\u000b-\u001f]/.test(run.err),
      JSON.stringify(run.err),
    );
    assert.match(run.err, /current value is "entry\\u001b\[2J\\u0007"$/m);
  });
});

Deno.test("pmubench replay treats a byte-order mark the same on standard input and in a file", async () => {
  await using dir = await tempDir();
  const text = `\ufeff${SVME_ON}\n${ENTRY}\n`;
  const file = `${dir.path}/bom.jsonl`;
  await Deno.writeTextFile(file, text);
  const fromFile = await cli(["replay", file]);
  const fromStdin = await cli(["replay"], text);
  const plain = await cli(["replay"], text.slice(1));
  assert.equal(fromFile.code, 0, fromFile.err);
  assert.equal(fromStdin.code, 0, fromStdin.err);
  assert.equal(fromFile.out, plain.out);
  assert.equal(fromStdin.out, plain.out);
});

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyTraceOp,
  formatRecord,
  formatRecordsTable,
  formatTrace,
  type OutputRecord,
  parseTrace,
  parseTraceLine,
  replayOps,
  replayTrace,
  type TraceOp,
} from "../../core/pmu/trace.ts";
import { generateTrace } from "../../core/pmu/trace_gen.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";

const ENTRY = '{"op":"entry"}';

Deno.test("parseTraceLine() parses every op, hex fields as numbers and bigints", () => {
  assert.deepEqual(
    parseTraceLine(
      '{"op":"wrmsr","msr":"0xC0010200","value":"0xffffffffffffffff"}',
      4,
    ),
    { op: "wrmsr", msr: 0xc0010200, value: 0xffff_ffff_ffff_ffffn, line: 4 },
  );
  assert.deepEqual(parseTraceLine('{"op":"rdmsr","msr":"0x38f"}', 1), {
    op: "rdmsr",
    msr: 0x38f,
    line: 1,
  });
  for (const op of ["vmrun", "vmexit", "entry", "reset"]) {
    assert.deepEqual(parseTraceLine(`{"op":"${op}"}`, 2), { op, line: 2 });
  }
  assert.deepEqual(
    parseTraceLine(
      '{"op":"filter","action":"allow","events":["0x76","0xf0000ffff"],"fixedCounterBitmap":"0x5"}',
      9,
    ),
    {
      op: "filter",
      action: "allow",
      events: [0x76n, 0xf_0000_ffffn],
      fixedCounterBitmap: 5,
      line: 9,
    },
  );
  assert.deepEqual(
    parseTraceLine(
      '{"op":"config","vendor":"amd","model":"legacy","mediated":false}',
      1,
    ),
    {
      op: "config",
      config: { vendor: "amd", model: "legacy", mediated: false },
    },
  );
});

Deno.test("parseTraceLine() rejects every malformed line, naming the value", async (t) => {
  const cases: [string, string, ErrorConstructor, RegExp][] = [
    [
      "not JSON",
      "{op:entry}",
      SyntaxError,
      /^not a JSON object: "{op:entry}"$/,
    ],
    ["a JSON string", '"entry"', TypeError, /^not a JSON object: /],
    ["JSON null", "null", TypeError, /^not a JSON object: "null"$/],
    [
      "a long line is abbreviated",
      "x".repeat(100),
      SyntaxError,
      /^not a JSON object: "x{57}\.\.\."$/,
    ],
    ["no op", '{"msr":"0x10"}', TypeError, /'op' must be one of .*undefined/],
    [
      "unknown op",
      '{"op":"vmcall"}',
      TypeError,
      /^'op' must be one of "config", "wrmsr", .*: current value is "vmcall"$/,
    ],
    [
      "unknown field",
      '{"op":"vmrun","vmcb":"0x1000"}',
      TypeError,
      /^'vmcb' is not a field of op "vmrun": expected op$/,
    ],
    [
      "config with an unknown field",
      '{"op":"config","guestSVM":true}',
      TypeError,
      /'guestSVM' is not a field of op "config"/,
    ],
    [
      "msr missing",
      '{"op":"rdmsr"}',
      TypeError,
      /^'msr' must be a hex string like "0x1f": current value is undefined$/,
    ],
    [
      "msr decimal",
      '{"op":"rdmsr","msr":"192"}',
      TypeError,
      /current value is "192"/,
    ],
    [
      "msr beyond 32 bits",
      '{"op":"rdmsr","msr":"0x1c0010200"}',
      RangeError,
      /^'msr' must be at most 0xffffffff: current value is "0x1c0010200"$/,
    ],
    [
      "unknown MSR",
      '{"op":"wrmsr","msr":"0x10","value":"0x0"}',
      RangeError,
      /^'msr' must be an MSR the model knows: current value is "0x10"$/,
    ],
    [
      "value beyond 64 bits",
      '{"op":"wrmsr","msr":"0xc0000080","value":"0x10000000000000000"}',
      RangeError,
      /^'value' must be at most 0xffffffffffffffff/,
    ],
    [
      "value negative",
      '{"op":"wrmsr","msr":"0xc0000080","value":"-0x1"}',
      TypeError,
      /'value' must be a hex string/,
    ],
    [
      "filter action",
      '{"op":"filter","action":"permit","events":[]}',
      RangeError,
      /^'action' must be "allow" or "deny": current value is "permit"$/,
    ],
    [
      "filter events not an array",
      '{"op":"filter","action":"deny","events":"0x76"}',
      TypeError,
      /^'events' must be an array of hex strings: current value is "0x76"$/,
    ],
    [
      "filter event not hex",
      '{"op":"filter","action":"deny","events":["0x76",118]}',
      TypeError,
      /^'events\[1\]' must be a hex string/,
    ],
    [
      "filter event a decimal string",
      '{"op":"filter","action":"deny","events":["0x76","118"]}',
      TypeError,
      /^'events\[1\]' must be a hex string like "0x1f": current value is "118"$/,
    ],
    [
      "filter event beyond 64 bits",
      '{"op":"filter","action":"deny","events":["0x10000000000000076"]}',
      RangeError,
      /^'events\[0\]' must be at most 0xffffffffffffffff/,
    ],
    [
      "filter with more than 300 events",
      `{"op":"filter","action":"deny","events":[${
        Array.from({ length: 301 }, () => '"0x76"').join(",")
      }]}`,
      RangeError,
      /at most 300 entries: current length is 301/,
    ],
    [
      "fixedCounterBitmap beyond 32 bits",
      '{"op":"filter","action":"deny","events":[],"fixedCounterBitmap":"0x100000000"}',
      RangeError,
      /^'fixedCounterBitmap' must be at most 0xffffffff/,
    ],
  ];
  for (const [name, text, type, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => parseTraceLine(text, 1),
        (e: Error) => {
          assert.ok(e instanceof type, `${e.name}: ${e.message}`);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});

Deno.test("parseTrace() numbers lines from 1, skips blank lines and stops at the first bad one", async (t) => {
  await t.step("blank lines and CRLF", () => {
    const p = parseTrace(`\r\n{"op":"config","model":"gp4"}\r\n\n${ENTRY}\r\n`);
    assert.deepEqual(p.config, { model: "gp4" });
    assert.equal(p.configLine, 2);
    assert.deepEqual(p.ops, [{ op: "entry", line: 4 }]);
    assert.equal(p.error, null);
  });
  await t.step("no config line", () => {
    const p = parseTrace(ENTRY);
    assert.deepEqual([p.config, p.configLine], [null, 0]);
  });
  await t.step("the ops before a bad line are kept", () => {
    const p = parseTrace(`${ENTRY}\n{"op":"vmrun"}\n{"op":"x"}\n${ENTRY}\n`);
    assert.deepEqual(p.ops.map((o) => o.line), [1, 2]);
    assert.equal(p.error?.line, 3);
    assert.match(p.error!.message, /current value is "x"/);
  });
  await t.step("config must be the first non-blank line", () => {
    const p = parseTrace(`${ENTRY}\n{"op":"config"}\n`);
    assert.deepEqual(p.error, {
      line: 2,
      message: 'op "config" must be on the first line of the trace',
    });
    assert.equal(p.config, null);
  });
});

Deno.test("replayTrace() builds the vCPU from the config line with overrides on top", async (t) => {
  const trace =
    `{"op":"config","model":"legacy","semantics":"upstream"}\n${ENTRY}\n`;
  await t.step("config line alone", () => {
    const r = replayTrace(trace);
    assert.equal(r.config?.model, "legacy");
    assert.equal(r.config?.semantics, "upstream");
    assert.equal(r.records.length, 1);
  });
  await t.step("overrides win, contradicting fields are dropped", () => {
    const r = replayTrace(trace, { config: { vendor: "intel" } });
    assert.equal(r.config?.model, "gp4");
    assert.equal(r.config?.semantics, "upstream");
  });
  await t.step("overrides can repair an invalid config line", () => {
    const r = replayTrace(`{"op":"config","model":"gp16"}\n${ENTRY}`, {
      config: { model: "gp8" },
    });
    assert.equal(r.error, null);
    assert.equal(r.config?.model, "gp8");
  });
  await t.step("an invalid config line is the error, at its line", () => {
    const r = replayTrace(`\n{"op":"config","counters":3}\n${ENTRY}`);
    assert.equal(r.config, null);
    assert.deepEqual(r.records, []);
    assert.equal(r.error?.line, 2);
    assert.match(r.error!.message, /'counters' is only for model "synthetic"/);
  });
  await t.step(
    "invalid overrides throw (with or without a config line)",
    () => {
      for (const text of [ENTRY, trace]) {
        assert.throws(
          () => replayTrace(text, { config: { bitmap: "u128" } }),
          RangeError,
        );
      }
    },
  );
});

Deno.test("replayTrace() prints one record per rdmsr, fault and entry, and stops at a bad line", () => {
  const r = replayTrace(
    [
      '{"op":"config","vendor":"amd","model":"perfmonv2"}',
      '{"op":"vmrun"}',
      '{"op":"wrmsr","msr":"0xc0000080","value":"0x100000"}',
      '{"op":"rdmsr","msr":"0xc0010208"}',
      '{"op":"rdmsr","msr":"0xc001020c"}',
      '{"op":"wrmsr","msr":"0xc0010208","value":"0x4300c2"}',
      ENTRY,
      "{}",
      ENTRY,
    ].join("\n"),
  );
  assert.deepEqual(r.records.map(formatRecord), [
    '{"step":2,"fault":"#UD"}',
    '{"step":3,"fault":"#GP"}',
    '{"step":4,"msr":"0xc0010208","value":"0x0"}',
    '{"step":5,"fault":"#GP"}',
    '{"step":7,"guestMode":false,"svme":false,"tracked":"0x0","reprogramPmi":"0x0","counting":"0x10","eventselHw":["0x0","0x0","0x0","0x0","0x100004300c2","0x0"]}',
  ]);
  assert.equal(r.error?.line, 8);
});

Deno.test("applyTraceOp() returns a record or null per op", () => {
  const vcpu = createVcpu();
  assert.equal(
    applyTraceOp(vcpu, { op: "wrmsr", msr: 0xc0000080, value: 0x1000n }, 1),
    null,
  );
  assert.equal(applyTraceOp(vcpu, { op: "vmrun" }, 2), null);
  assert.equal(applyTraceOp(vcpu, { op: "vmrun" }, 3), null); // L2 -> L1
  assert.deepEqual(applyTraceOp(vcpu, { op: "vmexit" }, 4), {
    step: 4,
    fault: "#UD",
  });
  assert.equal(
    applyTraceOp(vcpu, { op: "filter", action: "deny", events: [0x76n] }, 5),
    null,
  );
  assert.equal(vcpu.eventFilter?.action, "deny");
  assert.deepEqual(applyTraceOp(vcpu, { op: "rdmsr", msr: 0xc0000080 }, 6), {
    step: 6,
    msr: "0xc0000080",
    value: "0x1000",
  });
  assert.equal(applyTraceOp(vcpu, { op: "reset" }, 7), null);
  assert.equal(vcpu.efer, 0);
  const entry = applyTraceOp(vcpu, { op: "entry" }, 8);
  assert.ok(entry !== null && "eventselHw" in entry);
  assert.equal(entry.reprogramPmi, "0x0"); // the filter's request was handled
});

Deno.test("applyTraceOp() throws for a hand-built filter op KVM would refuse", () => {
  assert.throws(
    () =>
      applyTraceOp(
        createVcpu(),
        { op: "filter", action: "deny", events: new Array(301).fill(0x76n) },
        1,
      ),
    RangeError,
  );
});

Deno.test("replayTrace() drops filter events outside the key mask instead of rejecting the line (SPEC c2, g19)", async (t) => {
  const trace = (vendor: string, msr: string, event: string) =>
    [
      `{"op":"config","vendor":"${vendor}"}`,
      `{"op":"wrmsr","msr":"${msr}","value":"0x4300c0"}`,
      `{"op":"filter","action":"allow","events":["${event}"]}`,
      ENTRY,
    ].join("\n");
  const counting = (text: string) => {
    const r = replayTrace(text);
    assert.equal(r.error, null);
    const last = r.records.at(-1);
    assert.ok(last !== undefined && "counting" in last);
    return last.counting;
  };
  await t.step("AMD: bit 40 is outside AMD64_RAW_EVENT_MASK_NB", () => {
    // The only ALLOW entry dropped: every GP event denied.
    assert.equal(counting(trace("amd", "0xc0010200", "0x100000000c0")), "0x0");
    assert.equal(counting(trace("amd", "0xc0010200", "0xc0")), "0x1");
  });
  await t.step("Intel: bits 35:32 are outside bits 15:0", () => {
    assert.equal(counting(trace("intel", "0x186", "0x1000000c0")), "0x0");
    assert.equal(counting(trace("intel", "0x186", "0xc0")), "0x1");
  });
});

Deno.test("replayOps() steps ops by their line, else from firstStep", () => {
  const ops: TraceOp[] = [{ op: "vmexit" }, { op: "vmexit", line: 40 }, {
    op: "vmexit",
  }];
  assert.deepEqual(
    replayOps(createVcpu(), ops).map((r) => r.step),
    [1, 40, 3],
  );
  assert.deepEqual(
    replayOps(createVcpu(), ops, { firstStep: 10 }).map((r) => r.step),
    [10, 40, 12],
  );
});

Deno.test("formatRecord() writes the documented key order", () => {
  const vcpu = createVcpu({ model: "legacy" });
  const entry = applyTraceOp(vcpu, { op: "entry" }, 1)!;
  assert.deepEqual(Object.keys(JSON.parse(formatRecord(entry))), [
    "step",
    "guestMode",
    "svme",
    "tracked",
    "reprogramPmi",
    "counting",
    "eventselHw",
  ]);
  assert.equal(
    formatRecord({ step: 1, msr: "0x38f", value: "0xf" }),
    '{"step":1,"msr":"0x38f","value":"0xf"}',
  );
});

Deno.test("formatRecordsTable() aligns one row per record under a header", () => {
  const records: OutputRecord[] = [
    { step: 3, fault: "#GP" },
    { step: 12, msr: "0xc0010200", value: "0x430076" },
    {
      step: 100,
      guestMode: true,
      svme: true,
      tracked: "0x1",
      reprogramPmi: "0x0",
      counting: "0x2",
      eventselHw: ["0x10000030076", "0x100004300c0"],
    },
  ];
  assert.equal(
    formatRecordsTable(records),
    [
      "step  what   mode  svme  tracked  reprogramPmi  counting  eventselHw / value",
      "   3  #GP",
      "  12  rdmsr                                               0xc0010200 = 0x430076",
      " 100  entry  L2    1     0x1      0x0           0x2       0x10000030076 0x100004300c0",
      "",
    ].join("\n"),
  );
  assert.equal(
    formatRecordsTable([]),
    "step  what  mode  svme  tracked  reprogramPmi  counting  eventselHw / value\n",
  );
});

Deno.test("formatTrace() is the inverse of parseTrace() for generated traces", () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.constantFrom("perfmonv2", "legacy", "gp8"),
      (seed, model) => {
        const g = generateTrace({
          seed,
          length: 80,
          config: { model: model as "gp8" },
        });
        const text = formatTrace({ model: g.config.model }, g.ops);
        const p = parseTrace(text);
        assert.equal(p.error, null);
        assert.deepEqual(p.config, { model: g.config.model });
        assert.deepEqual(
          p.ops,
          g.ops.map((op, k) => ({ ...op, line: k + 2 })),
        );
      },
    ),
    { numRuns: 30 },
  );
  assert.equal(formatTrace(null, []), "");
});

Deno.test("replayTrace() never throws on arbitrary text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = replayTrace(text);
      assert.ok(r.error === null || r.error.line >= 1);
    }),
    { numRuns: 300 },
  );
});

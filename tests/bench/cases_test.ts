import assert from "node:assert/strict";
import type { Bitmap64 } from "../../core/bitmap/bitmap.ts";
import { formatBitmapList } from "../../core/bitmap/format.ts";
import { getStrategy, strategyNames } from "../../core/bitmap/registry.ts";
import {
  EVENTSEL_GUESTONLY_HI,
  EVENTSEL_HOSTONLY_HI,
  KVM_REQ_PMU,
} from "../../core/pmu/constants.ts";
import { enterGuestMode, leaveGuestMode } from "../../core/pmu/nested.ts";
import { replayOps } from "../../core/pmu/trace.ts";
import { createVcpu } from "../../core/pmu/vcpu.ts";
import { modelVcpuState } from "../../core/native/vcpu.ts";
import {
  assertCaseNaming,
  type BenchCase,
  type BenchSuite,
  sinkDigest,
} from "../../core/track/suite/bench_case.ts";
import * as bitmap from "../../bench/bitmap_cases.ts";
import * as nested from "../../bench/nested_transition_cases.ts";
import * as workload from "../../bench/workload_cases.ts";

const SUITES: readonly [string, BenchSuite][] = [
  ["bitmap_cases.ts", bitmap.suite],
  ["nested_transition_cases.ts", nested.suite],
  ["workload_cases.ts", workload.suite],
];

/** What one call of `body` adds to the sink (the suites sink numbers only). */
function sunk(body: () => void): number {
  const before = sinkDigest();
  body();
  return (sinkDigest() - before) | 0;
}

function isReference(c: BenchCase): boolean {
  return c.axes.reference !== undefined;
}

/** The group's floor: the no-op or loop-only reference (not native C, not an npm peer). */
function isFloor(c: BenchCase): boolean {
  return c.axes.reference === "no-op" || c.axes.reference === "loop only";
}

for (const [module, suite] of SUITES) {
  Deno.test(`${module} suite: names, baselines and axes are well formed`, async (t) => {
    await t.step(
      "its bench file exists and registers this module",
      async () => {
        const text = await Deno.readTextFile(
          new URL(`../../bench/${suite.file}`, import.meta.url),
        );
        assert.match(text, /registerSuite\(suite\)/);
        assert(text.includes(`from "./${module}"`), suite.file);
      },
    );

    await t.step("every name declares its batch (assertCaseNaming)", () => {
      for (const c of suite.cases) assertCaseNaming(c);
    });

    await t.step("group + name is unique", () => {
      const keys = suite.cases.map((c) => `${c.group}\u0000${c.name}`);
      assert.equal(new Set(keys).size, keys.length);
    });

    await t.step(
      "each group is contiguous, with one baseline and one reference",
      () => {
        const seen = new Set<string>();
        let current = "";
        const baselines = new Map<string, number>();
        const references = new Map<string, number>();
        for (const c of suite.cases) {
          if (c.group !== current) {
            assert(!seen.has(c.group), `group '${c.group}' is split`);
            seen.add(c.group);
            current = c.group;
          }
          if (c.baseline) {
            baselines.set(c.group, (baselines.get(c.group) ?? 0) + 1);
          }
          // The native reference (C, when it could be built) and the npm
          // peers come on top of the group's own no-op or loop-only floor.
          if (isFloor(c)) {
            references.set(c.group, (references.get(c.group) ?? 0) + 1);
          }
          if (isReference(c)) {
            assert(
              !c.baseline,
              `${c.group}/${c.name}: a reference is no baseline`,
            );
          }
        }
        for (const g of seen) {
          assert.equal(baselines.get(g), 1, `baselines of '${g}'`);
          assert.equal(references.get(g), 1, `references of '${g}'`);
        }
      },
    );

    await t.step(
      "every case has axes; every non-reference case names its strategy",
      () => {
        for (const c of suite.cases) {
          assert(Object.keys(c.axes).length >= 2, `${c.group}/${c.name}`);
          if (!isReference(c)) {
            assert(strategyNames.includes(String(c.axes.strategy)), c.name);
            assert(c.name.split(" ").includes(String(c.axes.strategy)), c.name);
          }
        }
      },
    );

    await t.step(
      "every body runs, sinks, and sinks the same on every call",
      () => {
        for (const c of suite.cases) {
          const first = sunk(c.body);
          const second = sunk(c.body);
          assert.equal(second, first, `${c.group}/${c.name} drifts`);
        }
      },
    );
  });
}

// ---- bitmap suite ----

function ffs(v: bigint): number {
  for (let i = 0; i < 64; i++) if (((v >> BigInt(i)) & 1n) === 1n) return i;
  return 64;
}

function setBitsSum(v: bigint): number {
  let s = 0;
  for (let i = 0; i < 64; i++) if (((v >> BigInt(i)) & 1n) === 1n) s += i + 1;
  return s;
}

function weightOf(v: bigint): number {
  let n = 0;
  for (let i = 0; i < 64; i++) n += Number((v >> BigInt(i)) & 1n);
  return n;
}

const values = (maps: readonly Bitmap64[]) => maps.map((m) => m.toBigInt());
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test("bitmap_cases.ts: group names parse back to the axes", () => {
  for (const c of bitmap.suite.cases) {
    const m = /^(.+) bits=(\d+) in=(none|low|high|both)$/.exec(c.group);
    assert(m !== null, c.group);
    assert.equal(m[1], c.axes.op);
    assert.equal(Number(m[2]), c.axes.bits);
    assert.equal(m[3], c.axes.placement);
  }
  // The densities the issue asks for.
  const weightBits = bitmap.bitmapGroups.filter((g) => g.op === "weight").map((
    g,
  ) => g.bits);
  for (const b of [0, 1, 6, 32, 64]) assert(weightBits.includes(b), `${b}`);
});

Deno.test("fixtureValues() puts exactly 'bits' bits where 'placement' says", async (t) => {
  for (const g of bitmap.bitmapGroups) {
    await t.step(bitmap.groupName(g), () => {
      const vs = bitmap.fixtureValues(g.bits, g.placement, 1);
      assert.equal(vs.length, bitmap.FIXTURE_SIZE);
      for (const v of vs) {
        assert.equal(weightOf(v), g.bits);
        if (g.placement === "low") assert.equal(v >> 32n, 0n);
        if (g.placement === "high") assert.equal(v & 0xffff_ffffn, 0n);
        if (g.placement === "both" && g.bits >= 2) {
          assert.equal(weightOf(v & 0xffff_ffffn), Math.floor(g.bits / 2));
        }
      }
      // Seeded: the bitmaps differ from one another, where they can.
      const full = g.bits === 64 || (g.bits === 32 && g.placement !== "both");
      if (g.bits === 1) assert(new Set(vs).size > 32);
      else if (g.bits > 0 && !full) assert(new Set(vs).size > 100);
    });
  }
  await t.step("bad axes throw RangeError", () => {
    assert.throws(() => bitmap.fixtureValues(65, "both", 1), RangeError);
    assert.throws(() => bitmap.fixtureValues(33, "low", 1), RangeError);
    assert.throws(() => bitmap.fixtureValues(0, "low", 1), RangeError);
    assert.throws(() => bitmap.fixtureValues(3, "none", 1), RangeError);
  });
});

Deno.test("bitmap bodies compute the operation on every fixture bitmap, for every strategy", async (t) => {
  for (const g of bitmap.bitmapGroups) {
    for (const name of strategyNames) {
      await t.step(`${bitmap.groupName(g)} ${name}`, () => {
        const { benchCase, fixture: f } = bitmap.buildBitmapCase(
          getStrategy(name),
          g,
          false,
        );
        const v = f.values;
        const w = values(f.others);
        const last = v.length - 1;
        let expected: number;
        switch (g.op) {
          case "weight":
            expected = sum(v.map(weightOf));
            break;
          case "forEachSetBit":
          case "findNextBit loop":
            expected = sum(v.map(setBitsSum));
            break;
          case "isEmpty":
            expected = v.filter((x) => x === 0n).length;
            break;
          case "intersects":
            expected = v.filter((x, i) => (x & w[i]) !== 0n).length;
            break;
          case "or":
          case "or in place":
            expected = ffs(v[last] | w[last]);
            break;
          case "andNot in place":
            expected = ffs(v[last] & ~w[last]);
            break;
          case "andNot":
            expected = v.filter((x, i) => (x & ~w[i]) !== 0n).length;
            break;
          case "atomicOr":
          case "atomicOr+snapshotAndClear":
          case "fromBigInt":
            expected = ffs(v[last]);
            break;
          case "testAndSetBit+testAndClearBit":
            expected = 2 * v.length;
            break;
          case "toBigInt":
            expected = v.filter((x) => x === v[0]).length;
            break;
          case "formatBitmapList":
            expected = sum(v.map((x) => formatBitmapList(x).length));
            break;
        }
        assert.equal(sunk(benchCase.body), expected | 0, "first call");
        assert.equal(sunk(benchCase.body), expected | 0, "second call");
        // The operands are unchanged, the destinations hold the result.
        assert.deepEqual(values(f.maps), v);
        const dst = values(f.dst);
        if (g.op === "or" || g.op === "or in place") {
          assert.deepEqual(dst, v.map((x, i) => x | w[i]));
        }
        if (g.op === "andNot in place") {
          assert.deepEqual(dst, v.map((x, i) => x & ~w[i]));
        }
        if (g.op === "andNot") {
          assert.deepEqual(dst, v.map((x, i) => x & ~w[i]));
        }
        if (g.op === "atomicOr" || g.op === "fromBigInt") {
          assert.deepEqual(dst, v);
        }
        if (g.op === "atomicOr+snapshotAndClear") {
          assert(dst.every((x) => x === 0n));
          assert.deepEqual(values(f.out), v);
        }
      });
    }
  }
});

Deno.test("bitmap loop-only reference folds 1..1024", () => {
  const c = bitmap.loopOnlyCase({ op: "weight", bits: 6, placement: "both" });
  assert.equal(sunk(c.body), (1024 * 1025) / 2);
});

// ---- nested transition suite ----

Deno.test("nested_transition_cases.ts: names and groups parse back to the axes", () => {
  for (const c of nested.suite.cases) {
    const g = /^nested (transition|round trip) N=(\d+)( filter=300)?$/.exec(
      c.group,
    );
    assert(g !== null, c.group);
    assert.equal(
      g[1] === "transition" ? "handler" : "round trip",
      c.axes.scope,
    );
    assert.equal(Number(g[2]), c.axes.N);
    assert.equal(g[3] === undefined ? 0 : 300, c.axes.filter);
    if (c.axes.reference === "native") {
      const n =
        /^native (early return|tracked|all-bits|immediate|none) k=(\d+) x256$/
          .exec(c.name);
      assert(n !== null, c.name);
      assert.equal(
        n[1] === "early return" ? "tracked" : n[1],
        c.axes.mechanism,
      );
      assert.equal(Number(n[2]), c.axes.k);
      continue;
    }
    if (isReference(c)) {
      assert.equal(c.name, "no-op x256");
      continue;
    }
    const m =
      /^(early return|tracked|all-bits|immediate|none) k=(\d+) (\S+) x256$/
        .exec(c.name);
    assert(m !== null, c.name);
    const mechanism = m[1] === "early return" ? "tracked" : m[1];
    assert.equal(mechanism, c.axes.mechanism);
    assert.equal(Number(m[2]), c.axes.k);
    assert.equal(m[3], c.axes.strategy);
    assert.equal(
      m[1] === "early return",
      mechanism === "tracked" && c.axes.k === 0,
    );
    if (c.baseline) assert.equal(m[1], "early return");
  }
});

Deno.test("nested suite covers the issue's axes", () => {
  const cases = nested.suite.cases.filter((c) => !isReference(c));
  const has = (p: (c: BenchCase) => boolean) => cases.some(p);
  for (const n of [4, 6, 8, 11, 16, 32, 64]) {
    assert(
      has((c) => c.axes.N === n && c.name.startsWith("early return")),
      `early return N=${n}`,
    );
    for (const m of ["all-bits", "immediate"]) {
      assert(
        has((c) =>
          c.axes.N === n && c.axes.mechanism === m &&
          c.axes.scope === "round trip"
        ),
        `${m} N=${n}`,
      );
    }
    assert(
      has((c) => c.axes.N === n && c.axes.filter === 300),
      `filter N=${n}`,
    );
    if (n !== 11) {
      for (const k of [1, Math.floor(n / 2), n]) {
        for (const scope of ["handler", "round trip"]) {
          assert(
            has((c) =>
              c.axes.N === n && c.axes.k === k &&
              c.axes.mechanism === "tracked" && c.axes.scope === scope
            ),
            `tracked N=${n} k=${k} ${scope}`,
          );
        }
      }
    }
  }
  // Every strategy runs the hot paths at N = 6 and N = 11.
  for (const s of strategyNames) {
    for (const n of nested.STRATEGY_SWEEP_N) {
      assert(
        has((c) =>
          c.axes.strategy === s && c.axes.N === n &&
          c.axes.scope === "round trip" && c.axes.mechanism === "all-bits"
        ),
        `${s} N=${n}`,
      );
      assert(
        has((c) =>
          c.axes.strategy === s && c.axes.N === n &&
          c.name.startsWith("early return")
        ),
        `${s} N=${n}`,
      );
    }
    assert(
      has((c) =>
        c.axes.strategy === s && c.axes.N === 6 &&
        c.axes.mechanism === "tracked" && (c.axes.k as number) > 0 &&
        c.axes.scope === "round trip"
      ),
      s,
    );
  }
});

Deno.test("nested cases do the model work their names say", async (t) => {
  const T = nested.TRANSITIONS_PER_CALL;
  for (const spec of nested.nestedCaseSpecs(strategyNames)) {
    const label = `${
      nested.nestedGroupName(spec.scope, spec.setup.n, spec.filter)
    } / ${nested.nestedCaseName(spec)}`;
    await t.step(label, () => {
      const { benchCase, vcpu } = nested.buildNestedCase(spec);
      const pmu = vcpu.pmu;
      const nGp = pmu.nrArchGpCounters;
      // The vCPU has N counters, k of them tracked, the filter if asked.
      assert.equal(pmu.allValidPmcIdx.weight(), spec.setup.n);
      assert.equal(
        pmu.reprogramPmcOnNestedTransition.toBigInt(),
        (1n << BigInt(spec.k)) - 1n,
      );
      assert.equal(vcpu.eventFilter?.keys.length ?? 0, spec.filter ? 300 : 0);
      assert.equal(pmu.reprogramPmi.isEmpty(), true);
      assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);

      let reprograms = 0;
      vcpu.reprogramFault = () => {
        reprograms++;
        return false;
      };
      assert.notEqual(sunk(benchCase.body), 0);
      assert.equal(vcpu.isGuestMode, false);
      const m = spec.mechanism;
      // all-bits returns early without a mediated PMU or with HO/GO
      // reserved (Intel): SPEC c3.
      const allBitsActs = pmu.mediated &&
        (pmu.reservedBitsHi &
            (EVENTSEL_HOSTONLY_HI | EVENTSEL_GUESTONLY_HI)) ===
          0;
      if (spec.scope === "handler") {
        const pending = pmu.reprogramPmi.toBigInt();
        if (m === "none" || (m === "tracked" && spec.k === 0)) {
          // The early return: no OR, no request, nothing reprogrammed.
          assert.equal(pending, 0n);
          assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
          assert.equal(reprograms, 0);
        } else if (m === "tracked") {
          // Exactly the k tracked bits ORed in, one request, work deferred.
          assert.equal(pending, pmu.reprogramPmcOnNestedTransition.toBigInt());
          assert.equal(pmu.reprogramPmi.weight(), spec.k);
          assert.equal(vcpu.testRequest(KVM_REQ_PMU), true);
          assert.equal(reprograms, 0);
        } else if (m === "all-bits") {
          assert.equal(pmu.reprogramPmi.weight(), allBitsActs ? 64 : 0);
          assert.equal(vcpu.testRequest(KVM_REQ_PMU), allBitsActs);
          assert.equal(reprograms, 0);
        } else {
          assert.equal(m, "immediate");
          // An SVM hook: Intel never runs it (SPEC c3).
          assert.equal(reprograms, pmu.isAmd ? T * nGp : 0);
          assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
        }
      } else {
        // Every transition's deferred work done by its entry.
        const expected = m === "tracked"
          ? T * spec.k
          : m === "all-bits"
          ? (allBitsActs ? T * spec.setup.n : 0)
          : m === "immediate"
          ? (pmu.isAmd ? T * nGp : 0)
          : 0;
        assert.equal(reprograms, expected);
        assert.equal(pmu.reprogramPmi.isEmpty(), true);
        assert.equal(vcpu.testRequest(KVM_REQ_PMU), false);
      }
      vcpu.reprogramFault = null;
    });
  }
});

Deno.test("native nested cases end in the state of the model case they mirror", async (t) => {
  if (nested.nativeUnavailableReason !== undefined) {
    // No C compiler here: the suite must then have no native case.
    assert(!nested.suite.cases.some((c) => c.axes.reference === "native"));
    return;
  }
  for (const spec of nested.nestedCaseSpecs(["u32pair"])) {
    const name = `${
      nested.nestedGroupName(spec.scope, spec.setup.n, spec.filter)
    } / ${nested.nativeNestedCaseName(spec)}`;
    await t.step(name, () => {
      const model = nested.buildNestedCase(spec);
      const native = nested.buildNativeNestedCase(spec)!;
      assert.deepEqual(native.native.state(), modelVcpuState(model.vcpu));
      for (let call = 0; call < 2; call++) {
        model.benchCase.body();
        native.benchCase.body();
        assert.deepEqual(native.native.state(), modelVcpuState(model.vcpu));
      }
    });
  }
  await t.step("every group of the suite has its native cases", () => {
    const groups = new Set(nested.suite.cases.map((c) => c.group));
    for (const g of groups) {
      assert(
        nested.suite.cases.some((c) =>
          c.group === g && c.axes.reference === "native"
        ),
        g,
      );
    }
  });
});

Deno.test("nested round trip with tracked Host-Only counters really switches them per mode", () => {
  const setup = nested.counterSetups.find((s) => s.n === 6)!;
  const { vcpu } = nested.buildNestedCase({
    scope: "round trip",
    setup,
    mechanism: "tracked",
    k: 3,
    strategy: "u32pair",
    filter: true,
    baseline: false,
  });
  const enabled = () => vcpu.entryState().counting;
  assert.equal(enabled(), 0b111111n);
  enterGuestMode(vcpu);
  vcpu.entry();
  assert.equal(enabled(), 0b111000n); // Host-Only counters stop in L2
  leaveGuestMode(vcpu);
  vcpu.entry();
  assert.equal(enabled(), 0b111111n);
});

Deno.test("setUpVcpu() rejects k outside the vCPU's trackable counters", () => {
  const intel = nested.counterSetups.find((s) => s.n === 11)!;
  const amd = nested.counterSetups.find((s) => s.n === 6)!;
  const spec = {
    scope: "handler",
    mechanism: "tracked",
    strategy: "u32pair",
    filter: false,
    baseline: false,
  } as const;
  assert.throws(
    () => nested.setUpVcpu({ ...spec, setup: intel, k: 1 }),
    RangeError,
  );
  assert.throws(
    () => nested.setUpVcpu({ ...spec, setup: amd, k: 7 }),
    RangeError,
  );
  assert.throws(
    () => nested.setUpVcpu({ ...spec, setup: amd, k: 1.5 }),
    RangeError,
  );
});

// ---- workload suite ----

Deno.test("workload traces hold 512 transitions and end in L1 after an entry", async (t) => {
  for (const w of workload.benchWorkloads) {
    await t.step(w, () => {
      const trace = workload.workloadTrace(w);
      let depth = 0;
      let transitions = 0;
      for (const op of trace.ops) {
        if (op.op === "vmrun") depth++, transitions++;
        if (op.op === "vmexit") depth--, transitions++;
        assert(depth === 0 || depth === 1);
      }
      assert.equal(transitions, workload.TRACE_TRANSITIONS);
      assert.equal(depth, 0);
      assert.equal(trace.ops.at(-1)?.op, "entry");
      if (w === "filter-mix") {
        const filters = trace.ops.filter((op) => op.op === "filter");
        assert(filters.length >= 2);
        for (const f of filters) {
          assert(f.op === "filter" && new Set(f.events).size > 200);
        }
      }
    });
  }
});

Deno.test("workload bodies replay the trace as replayOps() does, without faults or drift", async (t) => {
  for (const spec of workload.workloadCaseSpecs(strategyNames)) {
    const { benchCase, vcpu } = workload.buildWorkloadCase(spec);
    await t.step(`${benchCase.group} / ${benchCase.name}`, () => {
      assert.equal(benchCase.opsPerCall, spec.trace.transitions);
      // The reference: the public replayer on a fresh vCPU, twice.
      const ref = createVcpu(vcpu.config);
      for (let round = 0; round < 2; round++) {
        const records = replayOps(ref, spec.trace.ops);
        assert(records.every((r) => !("fault" in r)), "a fault in the trace");
      }
      // The first replay leaves the steady state (EFER.SVME set, counters
      // programmed); from then on every call does the same work.
      sunk(benchCase.body);
      const a = sunk(benchCase.body);
      const afterSecond = vcpu.entryState();
      const b = sunk(benchCase.body);
      assert.notEqual(a, 0);
      assert.equal(b, a);
      assert.deepEqual(vcpu.entryState(), afterSecond);
      replayOps(ref, spec.trace.ops);
      assert.deepEqual(vcpu.entryState(), ref.entryState());
      assert.deepEqual([...vcpu.pmu.counter], [...ref.pmu.counter]);
    });
  }
});

Deno.test("PMUBENCH_STRATEGY and PMUBENCH_CASES build only the selected cases", async () => {
  const module = new URL(
    "../../bench/nested_transition_cases.ts",
    import.meta.url,
  );
  const script = `import { suite } from "${module.href}";
console.log(JSON.stringify(suite.cases.map((c) => [c.group, c.name, c.baseline === true])));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    env: {
      PMUBENCH_STRATEGY: "bool,u64",
      PMUBENCH_CASES: "^nested transition N=(6|64)/",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const cases: [string, string, boolean][] = JSON.parse(
    new TextDecoder().decode(out.stdout),
  );
  assert(cases.length > 0);
  for (const [group, name] of cases) {
    assert.match(group, /^nested transition N=(6|64)$/);
    assert(
      name === "no-op x256" || name.startsWith("native ") ||
        / (u64|bool) x256$/.test(name),
      name,
    );
  }
  // The first selected strategy (registry order: u64) becomes the default:
  // it sweeps N = 64 and is the baseline.
  const names = cases.map(([g, n, b]) => `${g}/${n}${b ? " *" : ""}`);
  assert(names.includes("nested transition N=64/early return k=0 u64 x256 *"));
  assert(names.includes("nested transition N=6/tracked k=3 bool x256"));
  assert(
    !names.some((n) =>
      n.startsWith("nested transition N=64/") && n.includes("bool")
    ),
  );
});

Deno.test("buildNativeFixture() keeps every two of its u64 arrays far apart modulo 4 KiB", () => {
  for (const g of bitmap.bitmapGroups) {
    const f = bitmap.buildNativeFixture(g);
    const arrays = [f.maps, f.others, f.dst, f.out, f.values];
    for (const a of arrays) assert.equal(a.buffer, f.maps.buffer);
    for (let i = 0; i < arrays.length; i++) {
      for (let j = i + 1; j < arrays.length; j++) {
        // 4K aliasing: a load waits for an in-flight store whose address
        // matches in bits 11:0; the C loops store a few elements behind
        // their loads, so the arrays must not start within 256 bytes.
        const d = (arrays[j].byteOffset - arrays[i].byteOffset) % 4096;
        assert.ok(
          d >= 256 && d <= 4096 - 256,
          `${
            bitmap.groupName(g)
          }: arrays ${i} and ${j} are ${d} bytes apart modulo 4096`,
        );
      }
    }
  }
});

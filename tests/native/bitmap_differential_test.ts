/**
 * Differential test of the native bitmap reference: every group of the
 * bitmap suite runs in C and in every strategy over the same fixture
 * values; the sunk results and the destination maps must agree.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatBitmapList } from "../../core/bitmap/format.ts";
import { strategies } from "../../core/bitmap/registry.ts";
import { sinkDigest } from "../../core/track/suite/bench_case.ts";
import {
  bitmapGroups,
  buildBitmapCase,
  buildNativeBitmapCase,
  groupName,
  nativeUnavailableReason,
} from "../../bench/bitmap_cases.ts";

const skip = nativeUnavailableReason === undefined
  ? ""
  : ` (skipped: ${nativeUnavailableReason})`;

/** What one call of `body` adds to the sink. */
function sunk(body: () => void): number {
  const before = sinkDigest();
  body();
  return (sinkDigest() - before) | 0;
}

Deno.test(
  `native bitmap cases compute what every strategy computes on the same fixtures${skip}`,
  {
    ignore: nativeUnavailableReason !== undefined,
  },
  async (t) => {
    for (const g of bitmapGroups) {
      await t.step(groupName(g), () => {
        const native = buildNativeBitmapCase(g)!;
        const f = native.fixture;
        const first = sunk(native.benchCase.body);
        assert.equal(sunk(native.benchCase.body), first, "native drifts");
        for (const s of strategies) {
          const { benchCase, fixture } = buildBitmapCase(s, g, false);
          assert.equal(sunk(benchCase.body), first, `${s.name} first call`);
          assert.equal(sunk(benchCase.body), first, `${s.name} second call`);
          const u64 = (maps: readonly { toBigInt(): bigint }[]) =>
            maps.map((m) => m.toBigInt());
          assert.deepEqual(u64(fixture.maps), [...f.maps], `${s.name} maps`);
          assert.deepEqual(u64(fixture.dst), [...f.dst], `${s.name} dst`);
          assert.deepEqual(u64(fixture.out), [...f.out], `${s.name} out`);
        }
        if (g.op === "formatBitmapList") {
          const last = f.maps[f.maps.length - 1];
          const text = formatBitmapList(last);
          assert.equal(
            new TextDecoder().decode(f.text.subarray(0, text.length)),
            text,
          );
        }
      });
    }
  },
);

Deno.test(
  `native bitmap cases are references of their group, next to the strategies${skip}`,
  {
    ignore: nativeUnavailableReason !== undefined,
  },
  () => {
    for (const g of bitmapGroups) {
      const c = buildNativeBitmapCase(g)!.benchCase;
      assert.equal(c.group, groupName(g));
      assert.equal(c.name, "native x1024");
      assert.equal(c.opsPerCall, 1024);
      assert.equal(c.baseline, undefined);
      assert.deepEqual(c.axes, {
        op: g.op,
        bits: g.bits,
        placement: g.placement,
        reference: "native",
      });
    }
  },
);

Deno.test("bitmap_bench.ts without a C compiler says so in one line and runs without native cases", async () => {
  const bench = new URL("../../bench/bitmap_bench.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bench", "--allow-all", "--json", bench.pathname],
    cwd: new URL("../../", import.meta.url).pathname,
    env: {
      CC: "pmubench-no-such-cc",
      PMUBENCH_SMOKE: "1",
      PMUBENCH_CASES: "^isEmpty bits=0 in=none/",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(out.success, stderr);
  const lines = stderr.split("\n").filter((l) => l.includes("native"));
  assert.deepEqual(lines, [
    "bitmap_bench.ts: no native reference cases: no C compiler: 'pmubench-no-such-cc' is not found on PATH (set CC to use another)",
  ]);
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  const names: string[] = report.benches.map((b: { name: string }) => b.name);
  assert(names.length > 0);
  assert(names.includes("u32pair x1024"));
  assert(!names.includes("native x1024"));
});

/**
 * The npm peers of the bitmap suite compute what the strategies compute:
 * for every group they join, the same sunk result over the same values,
 * and the same in-place destinations.
 *
 * @module
 */

import assert from "node:assert/strict";
import { strategies } from "../../core/bitmap/registry.ts";
import { sinkDigest } from "../../core/track/suite/bench_case.ts";
import {
  bitmapGroups,
  buildBitmapCase,
  buildPeerCase,
  groupName,
  peers,
  suite,
} from "../../bench/bitmap_cases.ts";
import { peerOps } from "../../bench/_peer_bodies.ts?peer=test";

function sunk(body: () => void): number {
  const before = sinkDigest();
  body();
  return (sinkDigest() - before) | 0;
}

/** A peer set's first 64 bits. */
function valueOf(s: { words: ArrayLike<number> }): bigint {
  return (BigInt((s.words[1] ?? 0) >>> 0) << 32n) | BigInt(s.words[0] >>> 0);
}

Deno.test("peer cases compute what every strategy computes on the same fixtures", async (t) => {
  const shared = bitmapGroups.filter((g) => peerOps.includes(g.op));
  assert.deepEqual(
    [...new Set(shared.map((g) => g.op))].sort(),
    [...peerOps].sort(),
    "every peer operation has a group",
  );
  for (const g of shared) {
    for (const peer of peers) {
      await t.step(`${groupName(g)} ${peer.name}`, () => {
        const built = buildPeerCase(peer, g)!;
        const first = sunk(built.benchCase.body);
        assert.equal(sunk(built.benchCase.body), first, "drifts");
        const { benchCase, fixture } = buildBitmapCase(strategies[0], g, false);
        assert.equal(sunk(benchCase.body), first);
        assert.deepEqual(
          built.fixture.sets.map(valueOf),
          fixture.maps.map((m) => m.toBigInt()),
        );
        assert.deepEqual(
          built.fixture.dst.map(valueOf),
          fixture.dst.map((m) => m.toBigInt()),
        );
      });
    }
  }
});

Deno.test("peer sets are 64-bit maps: two words, as the strategies", () => {
  for (const peer of peers) {
    const s = peer.create();
    assert.equal(s.words.length, 2, peer.name);
    assert.equal(s.isEmpty(), true);
  }
});

Deno.test("the suite registers each peer as a reference of the groups it shares", () => {
  for (const peer of peers) {
    const cases = suite.cases.filter((c) => c.axes.reference === peer.name);
    assert.deepEqual(
      cases.map((c) => c.group),
      bitmapGroups.filter((g) => peerOps.includes(g.op)).map(groupName),
    );
    for (const c of cases) assert.equal(c.name, `${peer.name} x1024`);
  }
});

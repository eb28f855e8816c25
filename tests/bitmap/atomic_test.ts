/**
 * Concurrency test of `atomicOr`, `atomicAndNot` and `snapshotAndClear`:
 * several workers set bits of one shared map while this thread drains it
 * the way `kvm_pmu_handle_event()` drains `__reprogram_pmi`. No bit may be
 * lost. Runs for every strategy whose maps can be shared.
 *
 * @module
 */

import assert from "node:assert/strict";
import { strategies } from "../../core/bitmap/registry.ts";
import type { AtomicWorkerJob, AtomicWorkerReport } from "./atomic_worker.ts";

// Control word indexes, as in atomic_worker.ts (imported as types only, so
// this thread does not install the worker's onmessage).
const START = 0, DONE = 1, FAILED = 2, ACK = 3;
/** Producers' own bits: both ends of both words, so words are contended. */
const OWN_BITS = [0, 31, 32, 63];
/** Bits every producer sets, one per word. */
const OVERLAP_BITS = [7, 40];
const ROUNDS = 1000;
const TOGGLES = 100_000;
const WAIT_MS = 2000;
/**
 * Budget for starting the workers. Under `deno test` a worker's module graph
 * is type-checked when it starts: seconds on a cold cache, and several at
 * once on two cores take far longer, so workers start one at a time and
 * only the first one pays.
 */
const STARTUP_MS = 60_000;
/** Budget for the run once started; past it the test fails instead of hanging CI. */
const BUDGET_MS = 15_000;

function nextReport(
  inbox: AtomicWorkerReport[][],
  waiters: (() => void)[],
  worker: number,
  deadline: number,
): Promise<AtomicWorkerReport> {
  return new Promise((resolve, reject) => {
    const poll = () => {
      const r = inbox[worker].shift();
      if (r !== undefined) {
        clearTimeout(timer);
        waiters[worker] = () => {}; // later messages wait in the inbox
        resolve(r);
      } else waiters[worker] = poll;
    };
    const timer = setTimeout(
      () => reject(new Error(`worker ${worker} sent nothing in time`)),
      Math.max(0, deadline - performance.now()),
    );
    poll();
  });
}

for (const s of strategies) {
  const shareable = s.atomicity !== "none";
  Deno.test({
    name:
      `atomicOr() from ${OWN_BITS.length} workers loses no bit while snapshotAndClear() drains [${s.name}]${
        shareable ? "" : " (skipped: its maps cannot be shared between agents)"
      }`,
    ignore: !shareable,
    fn: async () => {
      const pending = s.create({ shared: true });
      const toggled = s.create({ shared: true });
      toggled.fill();
      const control = new SharedArrayBuffer(4 * (ACK + OWN_BITS.length));
      const ctl = new Int32Array(control);
      const inbox: AtomicWorkerReport[][] = OWN_BITS.map(() => []);
      const waiters: (() => void)[] = OWN_BITS.map(() => () => {});
      const workers: Worker[] = [];
      try {
        // Start one worker at a time (see STARTUP_MS).
        const startupDeadline = performance.now() + STARTUP_MS;
        for (let worker = 0; worker < OWN_BITS.length; worker++) {
          const w = new Worker(
            new URL("./atomic_worker.ts", import.meta.url).href,
            { type: "module" },
          );
          workers.push(w);
          w.onmessage = (e: MessageEvent<AtomicWorkerReport>) => {
            inbox[worker].push(e.data);
            waiters[worker]();
          };
          const job: AtomicWorkerJob = {
            strategy: s.name,
            pending: s.bufferOf(pending)!,
            toggled: s.bufferOf(toggled)!,
            control,
            worker,
            workers: OWN_BITS.length,
            ownBit: OWN_BITS[worker],
            overlapBits: OVERLAP_BITS,
            rounds: ROUNDS,
            toggles: TOGGLES,
            startMs: STARTUP_MS,
            waitMs: WAIT_MS,
          };
          w.postMessage(job);
          const r = await nextReport(inbox, waiters, worker, startupDeadline);
          assert.equal(r.kind, "ready", JSON.stringify(r));
        }
        const deadline = performance.now() + BUDGET_MS;
        Atomics.store(ctl, START, 1);
        Atomics.notify(ctl, START);

        // The consumer: kvm_pmu_handle_event() steps 1-2, in a loop.
        const seen = new Array<number>(64).fill(0);
        const out = s.create();
        const drain = () => {
          pending.snapshotAndClear(out);
          out.forEachSetBit((i) => seen[i]++);
          return out;
        };
        while (Atomics.load(ctl, DONE) < workers.length) {
          if (Atomics.load(ctl, FAILED) !== 0) {
            const reports = await Promise.all(
              workers.map((_, k) => nextReport(inbox, waiters, k, deadline)),
            );
            assert.fail(
              `a worker failed: ${
                JSON.stringify(reports.filter((r) => r.kind !== "done"))
              }`,
            );
          }
          if (performance.now() > deadline) {
            assert.fail(
              `producers did not finish within ${BUDGET_MS} ms: ${
                Atomics.load(ctl, DONE)
              } done`,
            );
          }
          const snap = drain();
          for (let k = 0; k < OWN_BITS.length; k++) {
            if (snap.testBit(OWN_BITS[k])) {
              Atomics.add(ctl, ACK + k, 1);
              Atomics.notify(ctl, ACK + k);
            }
          }
        }
        drain(); // what the last round left behind
        assert.equal(pending.isEmpty(), true, "map empty after the last drain");

        const reports = [];
        for (let k = 0; k < workers.length; k++) {
          reports.push(await nextReport(inbox, waiters, k, deadline));
        }
        let overlapSets = 0;
        for (const r of reports) {
          assert.equal(r.kind, "done", JSON.stringify(r));
          if (r.kind !== "done") continue;
          overlapSets += r.overlapSets;
          assert.equal(
            r.toggleViolations,
            0,
            `worker ${r.worker} saw its own toggled bit undone`,
          );
        }
        // Disjoint bits: set again only after being observed, so exactly R.
        for (const b of OWN_BITS) {
          assert.equal(seen[b], ROUNDS, `own bit ${b} observed`);
        }
        // Overlapping bits coalesce: observed at least once, at most as often as set.
        for (const b of OVERLAP_BITS) {
          assert.ok(
            seen[b] >= 1 && seen[b] <= overlapSets,
            `overlap bit ${b} observed ${
              seen[b]
            } times for ${overlapSets} sets`,
          );
        }
        // No other bit ever appeared.
        const expected = new Set([...OWN_BITS, ...OVERLAP_BITS]);
        seen.forEach((n, i) => {
          if (!expected.has(i)) assert.equal(n, 0, `stray bit ${i}`);
        });
        // Every toggle ended with an atomicOr: the full map must be back.
        assert.equal(toggled.toBigInt(), (1n << 64n) - 1n);
      } finally {
        for (const w of workers) w.terminate();
      }
    },
  });
}

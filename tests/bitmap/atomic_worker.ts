/**
 * Worker side of `atomic_test.ts`: attaches to a shared map and, for one
 * strategy, (1) produces bits with `atomicOr` in lockstep with the
 * consumer's acknowledgements, then (2) toggles its own bit of a second map
 * with `atomicAndNot`/`atomicOr`, checking after each step that no other
 * worker's read-modify-write undid it.
 *
 * @module
 */

import { getStrategy } from "../../core/bitmap/registry.ts";

/** What the test posts to start a worker. */
export interface AtomicWorkerJob {
  strategy: string;
  /** The `__reprogram_pmi` stand-in the consumer drains. */
  pending: SharedArrayBuffer;
  /** The map whose bits the workers toggle. */
  toggled: SharedArrayBuffer;
  /** Int32Array: [start, done, failed, ack of worker 0, ack of worker 1, ...]. */
  control: SharedArrayBuffer;
  worker: number;
  /** How many workers take part (the barrier before phase 2 waits for all). */
  workers: number;
  ownBit: number;
  overlapBits: number[];
  rounds: number;
  toggles: number;
  /** Longest wait for the start signal, in ms (other workers may still be loading). */
  startMs: number;
  /** Longest wait for the consumer, in ms, before giving up. */
  waitMs: number;
}

/** What a worker posts back. */
export type AtomicWorkerReport =
  | { kind: "ready"; worker: number }
  | {
    kind: "done";
    worker: number;
    /** How many times this worker set each overlapping bit. */
    overlapSets: number;
    /** Times its own toggled bit read back wrong after its own atomic op. */
    toggleViolations: number;
  }
  | { kind: "failed"; worker: number; reason: string };

/** Control word indexes. */
export const START = 0, DONE = 1, FAILED = 2, ACK = 3;
/** Polls of the acknowledgement before sleeping on it. */
const SPIN = 2000;

const ctx = self as unknown as {
  onmessage: ((e: MessageEvent<AtomicWorkerJob>) => void) | null;
  postMessage(m: AtomicWorkerReport): void;
};

function run(job: AtomicWorkerJob): AtomicWorkerReport {
  const s = getStrategy(job.strategy);
  const pending = s.attach(job.pending);
  const toggled = s.attach(job.toggled);
  const control = new Int32Array(job.control);
  const own = s.create();
  own.setBit(job.ownBit);
  const ownAndOverlap = s.create();
  ownAndOverlap.setBit(job.ownBit);
  for (const b of job.overlapBits) ownAndOverlap.setBit(b);

  ctx.postMessage({ kind: "ready", worker: job.worker });
  if (Atomics.wait(control, START, 0, job.startMs) === "timed-out") {
    return { kind: "failed", worker: job.worker, reason: "never started" };
  }

  // Phase 1: kvm_pmu_request_counters_reprogram() from several agents.
  let overlapSets = 0;
  const ack = ACK + job.worker;
  for (let r = 0; r < job.rounds; r++) {
    const src = r % 2 === 0 ? ownAndOverlap : own;
    pending.atomicOr(src);
    if (src === ownAndOverlap) overlapSets++;
    // Do not set the own bit again before the consumer has seen it, so it
    // must be observed exactly `rounds` times.
    // Spin a little first: re-setting right after the acknowledgement is
    // what makes a lossy snapshotAndClear() show up.
    for (let spin = 0; spin < SPIN && Atomics.load(control, ack) === r; spin++);
    while (Atomics.load(control, ack) === r) {
      if (Atomics.wait(control, ack, r, job.waitMs) === "timed-out") {
        return {
          kind: "failed",
          worker: job.worker,
          reason: `no acknowledgement of round ${r} within ${job.waitMs} ms`,
        };
      }
    }
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);

  // Phase 2: toggle the own bit of a map every worker hammers, all at once
  // so read-modify-writes of the same word really overlap.
  for (;;) {
    const done = Atomics.load(control, DONE);
    if (done >= job.workers) break;
    if (Atomics.wait(control, DONE, done, job.waitMs) === "timed-out") {
      return {
        kind: "failed",
        worker: job.worker,
        reason: `only ${done} workers reached phase 2 within ${job.waitMs} ms`,
      };
    }
  }
  let toggleViolations = 0;
  for (let n = 0; n < job.toggles; n++) {
    toggled.atomicAndNot(own);
    if (toggled.testBit(job.ownBit)) toggleViolations++;
    toggled.atomicOr(own);
    if (!toggled.testBit(job.ownBit)) toggleViolations++;
  }
  return { kind: "done", worker: job.worker, overlapSets, toggleViolations };
}

ctx.onmessage = (e) => {
  let report: AtomicWorkerReport;
  try {
    report = run(e.data);
  } catch (err) {
    report = { kind: "failed", worker: e.data.worker, reason: String(err) };
  }
  // The consumer spins without reading messages: tell it through memory.
  if (report.kind === "failed") {
    Atomics.add(new Int32Array(e.data.control), FAILED, 1);
  }
  ctx.postMessage(report);
};

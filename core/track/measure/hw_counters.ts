/**
 * Hardware counters where the machine exposes a PMU to user space: cycles,
 * instructions and branch misses per operation, read with `perf stat`
 * (Debian package `linux-perf`) around exactly the measured region of the
 * case harness, `N` and `2N` calls differenced like the instruction
 * counter does. Virtual machines usually expose no PMU
 * (`perf stat` answers `<not supported>`); then {@linkcode
 * detectHwCounters} says so and nothing is measured or claimed.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode detectHwCounters}, {@linkcode HwCounterStatus}, {@linkcode describeHwCounters} | are counters there, and one line saying so |
 * | {@linkcode parsePerfStat} | `perf stat -x,` output to figures |
 * | {@linkcode countCaseHw}, {@linkcode HwFigures} | one case's counters per operation |
 * | {@linkcode attachHwCounters} | every bench of a result gets them in `hw` |
 * | {@linkcode HW_EVENTS} | the events read (user space only) |
 *
 * @module
 */

import { runTool } from "../../common/run_tool.ts";
import { roundPerOp } from "./_round.ts";
import type { Availability } from "./backend.ts";
import {
  harnessArgsFor,
  spawnHarness,
  type SpawnHarnessOptions,
} from "./harness/harness_process.ts";
import type { CaseRef } from "../suite/load_suite.ts";
import { COUNT_WARMUP_CALLS } from "./instructions.ts";
import {
  benchKey,
  type BenchResult,
  countOf,
  type ResultFile,
  warningOf,
} from "../result/result.ts";

/** The events read; `:u` counts user space only (the harness waits in the kernel between regions). */
export const HW_EVENTS: readonly string[] = Object.freeze([
  "cycles:u",
  "instructions:u",
  "branch-misses:u",
]);

/**
 * What {@linkcode detectHwCounters} found: the measurement backends'
 * {@linkcode Availability} (the description names the `perf stat` command)
 * and the command tried.
 */
export type HwCounterStatus = Availability & {
  /** The perf command that was tried. */
  command: string;
};

/** One event of a `perf stat -x,` report: its count, or `null` when perf could not count it. */
export interface PerfEvent {
  /** The event name without modifiers, e.g. `"cycles"`. */
  event: string;
  /** The count, `null` for `<not supported>` / `<not counted>`. */
  value: number | null;
  /** perf's word when there is no count, e.g. `"<not supported>"`. */
  note?: string;
}

/**
 * Parse `perf stat -x,` output (CSV: value, unit, event, ...). Lines that
 * are not event lines (comments, blank) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePerfStat } from "./hw_counters.ts";
 *
 * const events = parsePerfStat("<not supported>,,cycles:u,0,100.00,,\n12345,,instructions:u,1000,100.00,,\n");
 * assert.deepEqual(events[0], { event: "cycles", value: null, note: "<not supported>" });
 * assert.equal(events[1].value, 12345);
 * ```
 */
export function parsePerfStat(text: string): PerfEvent[] {
  const out: PerfEvent[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const cols = line.split(",");
    if (cols.length < 3 || cols[2] === "") continue;
    const event = cols[2].replace(/:[a-zA-Z]+$/, "");
    const raw = cols[0].trim();
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : null;
    out.push(value === null ? { event, value, note: raw } : { event, value });
  }
  return out;
}

/**
 * Whether `perf stat` can count {@linkcode HW_EVENTS} here: runs it on
 * `true` and reads the answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectHwCounters } from "./hw_counters.ts";
 *
 * const s = await detectHwCounters("/nonexistent/perf");
 * assert(!s.available && s.reason.includes("not installed"));
 * ```
 */
export async function detectHwCounters(
  command = "perf",
): Promise<HwCounterStatus> {
  const out = await runTool(command, {
    args: ["stat", "-x,", "-e", HW_EVENTS.join(","), "--", "true"],
  });
  if (!out.started) {
    return {
      available: false,
      command,
      reason:
        `'${command}' is not installed (Debian: apt-get install linux-perf)`,
    };
  }
  const stderr = out.stderr;
  const events = parsePerfStat(stderr);
  const missing = events.find((e) => e.value === null);
  if (!out.success || events.length === 0) {
    const first = stderr.split("\n").find((l) => l.trim() !== "")?.trim() ??
      "";
    return {
      available: false,
      command,
      reason: `'${command} stat' failed (exit code ${out.code}): ${
        first.slice(0, 120)
      }`,
    };
  }
  if (missing !== undefined) {
    return {
      available: false,
      command,
      reason:
        `this machine exposes no hardware counters to user space ('${command} stat' reports ${missing.event} ${missing.note})`,
    };
  }
  return { available: true, command, description: `${command} stat` };
}

/**
 * One line for people: what is measured, or why nothing is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeHwCounters } from "./hw_counters.ts";
 *
 * assert.match(describeHwCounters({ available: false, command: "perf", reason: "no PMU" }), /^hardware counters: unavailable/);
 * ```
 */
export function describeHwCounters(s: HwCounterStatus): string {
  return s.available
    ? `hardware counters: ${
      HW_EVENTS.map((e) => e.replace(/:u$/, "")).join(", ")
    } per op via '${s.command} stat' (user space, measured region only)`
    : `hardware counters: unavailable, ${s.reason}; no cycle or branch-miss figures are reported`;
}

/** Hardware counter figures per operation. */
export interface HwFigures {
  /** Cycles per operation. */
  cyclesPerOp: number;
  /** Retired instructions per operation (the CPU's own count). */
  hwInstructionsPerOp: number;
  /** Branch misses per operation. */
  branchMissesPerOp: number;
}

/** Options of {@linkcode countCaseHw}. */
export interface HwCountOptions extends SpawnHarnessOptions {
  /** The perf command. @default {"perf"} */
  perf?: string;
}

/**
 * Count {@linkcode HW_EVENTS} over the measured region of `N` and of `2N`
 * calls (two fresh harness processes under `perf stat --delay=-1
 * --control=fifo:...`, the harness switching the counters on and off around
 * its region) and difference them per operation. Unlike callgrind's
 * counts, these vary from run to run (cycles especially).
 *
 * @throws {RangeError} when `calls` is not a positive integer or perf could
 * not count an event.
 * @throws {HarnessProcessError} when a harness process fails.
 *
 * @example
 * ```ts ignore
 * // Needs a PMU exposed to user space (not these virtual machines).
 * import { countCaseHw } from "./hw_counters.ts";
 * ```
 */
export async function countCaseHw(
  ref: CaseRef,
  calls: number,
  options: HwCountOptions = {},
): Promise<HwFigures> {
  if (!Number.isInteger(calls) || calls < 1) {
    throw new RangeError(
      `Cannot count hardware events as 'calls' must be a positive integer: current value is ${calls}`,
    );
  }
  const totals: Map<string, number>[] = [];
  for (const n of [calls, 2 * calls]) {
    const dir = await Deno.makeTempDir({ prefix: "pmubench-perf-" });
    try {
      for (const f of ["ctl", "ack"]) {
        const mk = await runTool("mkfifo", { args: [`${dir}/${f}`] });
        if (!mk.started || !mk.success) {
          throw new RangeError(
            `Cannot count hardware events as mkfifo '${dir}/${f}' failed`,
          );
        }
      }
      await spawnHarness({
        ...harnessArgsFor(ref),
        calls: n,
        warmup: COUNT_WARMUP_CALLS,
        mode: "count",
        perfControl: `${dir}/ctl,${dir}/ack`,
      }, {
        ...options,
        wrapper: [
          options.perf ?? "perf",
          "stat",
          "-x,",
          "-o",
          `${dir}/stat.csv`,
          "-e",
          HW_EVENTS.join(","),
          "--delay=-1",
          `--control=fifo:${dir}/ctl,${dir}/ack`,
          "--",
        ],
      });
      const events = parsePerfStat(await Deno.readTextFile(`${dir}/stat.csv`));
      const m = new Map<string, number>();
      for (const e of events) {
        if (e.value === null) {
          throw new RangeError(
            `Cannot count hardware events as perf reported ${e.event} ${e.note}`,
          );
        }
        m.set(e.event, e.value);
      }
      totals.push(m);
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  const perOp = (event: string) =>
    ((totals[1].get(event) ?? NaN) - (totals[0].get(event) ?? NaN)) /
    calls / ref.case.opsPerCall;
  return {
    cyclesPerOp: perOp("cycles"),
    hwInstructionsPerOp: perOp("instructions"),
    branchMissesPerOp: perOp("branch-misses"),
  };
}

/**
 * Count hardware events for every successful bench of `result` that has a
 * case in `cases` (matched by file, group and name), with the `N` the
 * instruction counter used (`count.calls`, else 1024), and return a new
 * result whose benches carry `hw` (`cyclesPerOp`, `hwInstructionsPerOp`,
 * `branchMissesPerOp`). Call it only when
 * {@linkcode detectHwCounters} said the counters are available. A case whose
 * count fails gets a warning instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachHwCounters } from "./hw_counters.ts";
 * import { resultOf } from "../result/result.ts";
 *
 * const empty = resultOf([]);
 * assert.equal((await attachHwCounters(empty, [])).benches.length, 0);
 * ```
 */
export async function attachHwCounters(
  result: ResultFile,
  cases: readonly CaseRef[],
  options: HwCountOptions = {},
): Promise<ResultFile> {
  const byKey = new Map(
    cases.map((c) => [benchKey(c.file, c.case), c]),
  );
  const benches: BenchResult[] = [];
  for (const b of result.benches) {
    const ref = byKey.get(b.key);
    if (ref === undefined || b.failed !== undefined) {
      benches.push(b);
      continue;
    }
    const calls = countOf(b)?.calls ?? 1024;
    try {
      const f = await countCaseHw(ref, calls, options);
      benches.push({
        ...b,
        hw: {
          cyclesPerOp: roundPerOp(f.cyclesPerOp),
          hwInstructionsPerOp: roundPerOp(f.hwInstructionsPerOp),
          branchMissesPerOp: roundPerOp(f.branchMissesPerOp),
        },
      });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const why = e instanceof Error ? e.message : String(e);
      const earlier = warningOf(b);
      const warning = earlier === undefined
        ? `no hardware counters (${why})`
        : `${earlier}; no hardware counters (${why})`;
      benches.push({ ...b, warning });
    }
  }
  return { ...result, benches };
}

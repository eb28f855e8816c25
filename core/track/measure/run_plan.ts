/**
 * Measure a plan ({@linkcode AnswerPlan}): each part with the harness
 * engine ({@linkcode runBenches}), gathered into one result file.
 *
 * @module
 */

import type { AnswerPlan } from "../suite/answer_plan.ts";
import {
  benchKey,
  type BenchResult,
  type ResultFile,
  type TimedProcess,
} from "../result/result.ts";
import {
  correctForSpeed,
  rerunThrottled,
  runBenches,
  type RunProgress,
} from "./runner.ts";

/** Options of {@linkcode runPlan}. */
export interface RunPlanOptions {
  /** Run each case only a few calls: checks the plan runs, measures nothing. @default {false} */
  smoke?: boolean;
  /** Aborting kills the running process and rejects. @default {undefined} */
  signal?: AbortSignal;
  /** Called after every process; `label` is the part's. @default {undefined} */
  onProgress?: (progress: RunProgress) => void;
  /** The `deno` binary to spawn. @default {Deno.execPath()} */
  denoPath?: string;
  /** Start no round expected to end past this many seconds (see {@linkcode runPlan}). @default {undefined} (no limit) */
  budgetSeconds?: number;
  /** Correct replicates for CPU speed against the whole plan's probes ({@linkcode correctForSpeed}). @default {true} (never in smoke runs) */
  speedCorrection?: boolean;
  /**
   * The throttle guard: in every round, processes whose CPU ran slow are
   * measured again; after the last round, over every round's processes,
   * those whose CPU ran slow and those far from their case's median
   * ({@linkcode guardPlan}). @default {true} (never in smoke runs)
   */
  throttleGuard?: boolean;
  /** The guard's tolerance over the run's reference probe. @default {THROTTLE_TOLERANCE} */
  throttleTolerance?: number;
}

/**
 * Measure every part of `plan` in `cwd` and return one result: the
 * benches of every part, the environment of the first, and in `flags`
 * the plan's name and each part's processes per case
 * (`parts: "transitions x3, bitmap strategies x5"`).
 *
 * Round by round: every part's cases once (one process each), then
 * again, up to each part's `repeat`, so drift of the machine hits every
 * case alike. With `budgetSeconds`, a round that the time of the part's
 * previous round says would end past the budget is not started: the
 * parts then keep fewer replicates (at least one each), which `flags.parts`
 * records (`"transitions x2/3"`).
 *
 * After the last round, the throttle guard over every round's processes
 * ({@linkcode guardPlan}), whose outlier half a round of one process per
 * case cannot apply: processes whose CPU probe read slow against every
 * round's, then those whose estimate, per unit of probe, lies far over or
 * under the median of their case's processes of every round, are measured
 * again (with `budgetSeconds`, as many as the time left fits), the
 * replaced process kept in `discarded` and counted in `flags.reruns`.
 *
 * @throws {RangeError} when the plan has no parts, or as {@linkcode runBenches}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runPlan } from "./run_plan.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t_bench.ts`, 'Deno.bench("a", () => {}); Deno.bench("b", () => {});');
 * const r = await runPlan(dir, { name: "demo", parts: [
 *   { label: "one", files: ["t_bench.ts"], repeat: 2, select: (refs) => refs.filter((x) => x.case.name === "a") },
 * ] }, { smoke: true });
 * assert.deepEqual(r.benches.map((b) => [b.name, b.replicates.length]), [["a", 2]]);
 * assert.equal(r.flags.plan, "demo");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runPlan(
  cwd: string,
  plan: AnswerPlan,
  options: RunPlanOptions = {},
): Promise<ResultFile> {
  if (plan.parts.length === 0) {
    throw new RangeError(
      `Cannot run plan '${plan.name}' as it must have at least one part: current value is 0 parts`,
    );
  }
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const runs: ResultFile[][] = plan.parts.map(() => []);
  const lastRound: number[] = plan.parts.map(() => 0);
  const rounds = Math.max(...plan.parts.map((p) => p.repeat));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < plan.parts.length; i++) {
      const part = plan.parts[i];
      if (round >= part.repeat) continue;
      if (
        round > 0 && options.budgetSeconds !== undefined &&
        elapsed() + lastRound[i] > options.budgetSeconds
      ) {
        continue;
      }
      const t0 = elapsed();
      runs[i].push(
        await runBenches(cwd, {
          label: `${part.label} ${round + 1}/${part.repeat}`,
          ...(part.files === undefined ? {} : { files: part.files }),
          repeat: 1,
          ...(part.select === undefined ? {} : { select: part.select }),
          smoke: options.smoke,
          throttleGuard: options.throttleGuard,
          throttleTolerance: options.throttleTolerance,
          // Corrected once below, against every round's probes.
          speedCorrection: "later",
          signal: options.signal,
          denoPath: options.denoPath,
          onProgress: options.onProgress,
        }),
      );
      lastRound[i] = elapsed() - t0;
    }
  }
  const perPart = runs.map(gatherRounds);
  let guarded = 0;
  if (!options.smoke && options.throttleGuard !== false) {
    const perProcess = elapsed() /
      Math.max(1, perPart.flat().reduce((n, b) => n + b.replicates.length, 0));
    guarded = await guardPlan(perPart, {
      perProbe: options.speedCorrection !== false,
      tolerance: options.throttleTolerance,
      measure: async (slots) => {
        // Within the budget: the slots that fit, in order; the rest keep
        // their process.
        const fit = options.budgetSeconds === undefined
          ? slots.length
          : Math.max(
            0,
            Math.floor((options.budgetSeconds - elapsed()) / perProcess),
          );
        const got = await measurePlanSlots(
          cwd,
          plan,
          perPart,
          slots.slice(0, fit),
          options,
        );
        return [
          ...got,
          ...slots.slice(fit).map(() => new Error("past the budget")),
        ];
      },
    });
  }
  const first = runs[0][0];
  const gathered: ResultFile = {
    ...first,
    flags: {
      ...first.flags,
      repeat: Math.max(...runs.map((r) => r.length)),
      files: [...new Set(runs.map((r) => String(r[0].flags.files)))].join(","),
      plan: plan.name,
      // Each round is its own run: the guard's re-runs add up.
      ...(first.flags.reruns === undefined ? {} : {
        reruns: runs.flat().reduce(
          (n, r) => n + Number(r.flags.reruns ?? 0),
          guarded,
        ),
      }),
      parts: plan.parts.map((p, i) =>
        `${p.label} x${runs[i].length}${
          runs[i].length < p.repeat ? `/${p.repeat}` : ""
        }`
      ).join(", "),
      ...(options.budgetSeconds === undefined
        ? {}
        : { budgetSeconds: options.budgetSeconds }),
    },
    benches: perPart.flat(),
  };
  return options.smoke ? gathered : correctForSpeed([gathered], {
    correct: options.speedCorrection !== false,
  })[0];
}

/** One-round results of a part into one bench list: replicates and timings in round order. */
function gatherRounds(runs: readonly ResultFile[]): BenchResult[] {
  const byKey = new Map<string, BenchResult>();
  for (const run of runs) {
    for (const b of run.benches) {
      const m = byKey.get(b.key);
      if (m === undefined) {
        byKey.set(b.key, {
          ...b,
          replicates: [...b.replicates],
          ...(b.timing === undefined ? {} : { timing: [...b.timing] }),
          ...(b.discarded === undefined ? {} : { discarded: [...b.discarded] }),
        });
        continue;
      }
      m.replicates.push(...b.replicates);
      if (b.timing !== undefined) m.timing = [...(m.timing ?? []), ...b.timing];
      if (b.discarded !== undefined) {
        m.discarded = [...(m.discarded ?? []), ...b.discarded];
      }
      if (b.failed !== undefined) m.failed ??= b.failed;
    }
  }
  return [...byKey.values()];
}

/** A process of a plan's gathered result: `timing[index]` of `perPart[part][bench]`. */
export interface PlanSlot {
  /** Index of the plan's part. */
  part: number;
  /** Index of the bench in the part's benches. */
  bench: number;
  /** Index of the process in the bench's `timing` (and `replicates`). */
  index: number;
}

/** What {@linkcode guardPlan} needs. */
export interface GuardPlanOptions {
  /** Measure these processes' cases again, one new process each, in order (an `Error` keeps the old one). */
  measure: (slots: readonly PlanSlot[]) => Promise<(TimedProcess | Error)[]>;
  /** Judge estimates per unit of probe ({@linkcode RerunOptions.perProbe}). @default {false} */
  perProbe?: boolean;
  /** @default {THROTTLE_TOLERANCE} */
  tolerance?: number;
}

/**
 * The throttle guard ({@linkcode rerunThrottled}) over a plan's gathered
 * benches (one list per part), every round's processes together: a case's
 * processes are those of its part's bench. Each process measured again
 * takes its old one's place in `timing` and `replicates` (the raw
 * estimate), and the old one goes to the bench's `discarded`. A bench
 * whose processes and replicates differ in number (a failed process), and
 * a process without a probe, are left alone. Returns how many processes
 * were replaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guardPlan } from "./run_plan.ts";
 * import type { BenchResult } from "../result/result.ts";
 *
 * const proc = (estimate: number) => ({
 *   estimate, cpuProbeNs: 100, batch: 1, sampleCount: 1, tierBefore: "turbofan",
 *   tierAfter: "turbofan", warmup: 1, explicitTiming: false, samples: [estimate],
 * });
 * const bench = {
 *   key: "f::g::a", file: "f", group: "g", name: "a", baseline: false, metric: "time",
 *   unit: "ns/op", opsPerCall: 1, replicates: [10, 10.1, 13, 9.9],
 *   timing: [10, 10.1, 13, 9.9].map(proc),
 * } as BenchResult;
 * const n = await guardPlan([[bench]], { measure: async (slots) => slots.map(() => proc(10)) });
 * assert.equal(n, 1);
 * assert.deepEqual(bench.replicates, [10, 10.1, 10, 9.9]);
 * assert.deepEqual(bench.discarded!.map((p) => p.estimate), [13]);
 * ```
 */
export async function guardPlan(
  perPart: readonly (readonly BenchResult[])[],
  options: GuardPlanOptions,
): Promise<number> {
  type Probed = TimedProcess & { cpuProbeNs: number };
  const slots: PlanSlot[] = [];
  const outcomes: (Probed | Error)[] = [];
  const cases: string[] = [];
  perPart.forEach((benches, part) =>
    benches.forEach((b, bench) => {
      const timing = b.timing ?? [];
      if (timing.length !== b.replicates.length) return;
      timing.forEach((t, index) => {
        if (t.cpuProbeNs === undefined) return;
        slots.push({ part, bench, index });
        cases.push(`${part} ${b.key}`);
        outcomes.push({ ...t, cpuProbeNs: t.cpuProbeNs });
      });
    })
  );
  const discarded: Probed[][] = slots.map(() => []);
  const redone = await rerunThrottled<Probed>(outcomes, {
    discarded,
    cases,
    perProbe: options.perProbe,
    tolerance: options.tolerance,
    measure: async (picked) => {
      const got = await options.measure(picked.map((i) => slots[i]));
      return got.map((m) =>
        m instanceof Error
          ? m
          : m.cpuProbeNs === undefined
          ? new Error("no CPU probe")
          : { ...m, cpuProbeNs: m.cpuProbeNs }
      );
    },
  });
  for (const i of new Set(redone)) {
    const { part, bench, index } = slots[i];
    const b = perPart[part][bench];
    const m = outcomes[i] as Probed;
    b.timing![index] = m;
    b.replicates[index] = m.estimate;
    b.discarded = [...(b.discarded ?? []), ...discarded[i]];
  }
  return redone.length;
}

// One new process per slot, in slot order: each part's slots' cases run
// again (a case with m slots in m runs of one process), without the
// runner's own guard (guardPlan's passes are the guard).
async function measurePlanSlots(
  cwd: string,
  plan: AnswerPlan,
  perPart: readonly (readonly BenchResult[])[],
  slots: readonly PlanSlot[],
  options: RunPlanOptions,
): Promise<(TimedProcess | Error)[]> {
  const got: (TimedProcess | Error)[] = slots.map(() =>
    new Error("not measured")
  );
  for (let i = 0; i < plan.parts.length; i++) {
    const part = plan.parts[i];
    const mine = slots.flatMap((s, j) => s.part === i ? [j] : []);
    for (let pass = 0; mine.length > 0; pass++) {
      // The first slot of each case still waiting.
      const batch = mine.filter((j, k) =>
        mine.findIndex((o) => slots[o].bench === slots[j].bench) === k
      );
      const keys = new Set(batch.map((j) => perPart[i][slots[j].bench].key));
      const again = await runBenches(cwd, {
        label: `${part.label} re-runs${pass > 0 ? ` ${pass + 1}` : ""}`,
        ...(part.files === undefined ? {} : { files: part.files }),
        repeat: 1,
        select: (refs) =>
          (part.select?.(refs) ?? refs).filter((r) =>
            keys.has(benchKey(r.file, r.case))
          ),
        throttleGuard: false,
        speedCorrection: "later",
        signal: options.signal,
        denoPath: options.denoPath,
        onProgress: options.onProgress,
      });
      for (const j of batch) {
        const b = again.benches.find((x) =>
          x.key === perPart[i][slots[j].bench].key
        );
        const t = b?.timing?.[0];
        if (t !== undefined) got[j] = t;
        mine.splice(mine.indexOf(j), 1);
      }
    }
  }
  return got;
}

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
  outlierSlots,
  runBenches,
  type RunProgress,
  THROTTLE_PASS_SHARE,
  throttledSlots,
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
   * measured again; after the last round, processes far from their case's
   * median over all rounds ({@linkcode outliersOfPlan}) too.
   * @default {true} (never in smoke runs)
   */
  throttleGuard?: boolean;
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
 * After the last round, the outlier half of the throttle guard, which a
 * round of one process per case cannot apply: each process whose
 * estimate, per unit of its CPU probe, lies more than `OUTLIER_TOLERANCE`
 * over or under the median of its case's processes of every round is
 * measured again once ({@linkcode outliersOfPlan}; at most a quarter of
 * the processes, and with `budgetSeconds`, as many as the time left fits),
 * the replaced process kept in `discarded` and counted in `flags.reruns`.
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
  let outliersRedone = 0;
  if (!options.smoke && options.throttleGuard !== false) {
    const perProcess = elapsed() /
      Math.max(1, perPart.flat().reduce((n, b) => n + b.replicates.length, 0));
    const fits = options.budgetSeconds === undefined
      ? Infinity
      : Math.floor((options.budgetSeconds - elapsed()) / perProcess);
    const slots = outliersOfPlan(perPart, {
      perProbe: options.speedCorrection !== false,
      most: fits,
    });
    for (let i = 0; i < plan.parts.length; i++) {
      const part = plan.parts[i];
      const byBench = new Map<number, PlanSlot[]>();
      for (const slot of slots.filter((s) => s.part === i)) {
        byBench.set(slot.bench, [...(byBench.get(slot.bench) ?? []), slot]);
      }
      // A case with m outliers gets m new processes: pass p measures each
      // case with more than p once more.
      for (let pass = 0;; pass++) {
        const batch = [...byBench.values()].flatMap((l) =>
          l.slice(pass, pass + 1)
        );
        if (batch.length === 0) break;
        const keys = new Set(batch.map((s) => perPart[i][s.bench].key));
        const again = await runBenches(cwd, {
          label: `${part.label} outliers${pass > 0 ? ` ${pass + 1}` : ""}`,
          ...(part.files === undefined ? {} : { files: part.files }),
          repeat: 1,
          select: (refs) =>
            (part.select?.(refs) ?? refs).filter((r) =>
              keys.has(benchKey(r.file, r.case))
            ),
          speedCorrection: "later",
          signal: options.signal,
          denoPath: options.denoPath,
          onProgress: options.onProgress,
        });
        outliersRedone += replaceProcesses(perPart[i], batch, again.benches);
      }
    }
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
          outliersRedone,
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

/**
 * The processes of a plan's gathered benches (one list per part) whose
 * estimate lies far from their case's median over every round
 * ({@linkcode outlierSlots}, per unit of the process's CPU probe with
 * `perProbe`): at most a quarter of the processes and at most `most`, the
 * furthest out. A process whose CPU probe read slow ({@linkcode
 * throttledSlots} over every process) is neither judged nor counted among
 * its case's processes, and a bench whose processes and replicates differ
 * in number (a failed process) is not judged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outliersOfPlan } from "./run_plan.ts";
 *
 * const bench = (key: string, estimates: number[]) => ({
 *   key, replicates: estimates, timing: estimates.map((estimate) => ({ estimate, cpuProbeNs: 100 })),
 * });
 * const perPart = [[bench("a", [10, 10.1, 9.9, 12]), bench("b", [5, 5, 5, 5])]];
 * assert.deepEqual(outliersOfPlan(perPart), [{ part: 0, bench: 0, index: 3 }]);
 * ```
 */
export function outliersOfPlan(
  perPart: readonly (readonly {
    readonly key: string;
    readonly replicates: readonly number[];
    readonly timing?: readonly { estimate: number; cpuProbeNs?: number }[];
  }[])[],
  options: { perProbe?: boolean; most?: number } = {},
): PlanSlot[] {
  const slots: PlanSlot[] = [];
  const estimates: (number | undefined)[] = [];
  const probes: (number | undefined)[] = [];
  const cases: string[] = [];
  perPart.forEach((benches, part) =>
    benches.forEach((b, bench) => {
      const timing = b.timing ?? [];
      if (timing.length !== b.replicates.length) return;
      timing.forEach((t, index) => {
        slots.push({ part, bench, index });
        cases.push(`${part} ${b.key}`);
        probes.push(t.cpuProbeNs);
        estimates.push(
          options.perProbe === true
            ? (t.cpuProbeNs === undefined
              ? undefined
              : t.estimate / t.cpuProbeNs)
            : t.estimate,
        );
      });
    })
  );
  // As the throttle guard: a process whose CPU ran slow is neither judged
  // nor a sibling (the rounds' guard measured it again where it could).
  for (const i of throttledSlots(probes)) estimates[i] = undefined;
  const most = Math.min(
    options.most ?? Infinity,
    Math.max(1, Math.floor(slots.length * THROTTLE_PASS_SHARE)),
  );
  if (most <= 0) return [];
  return outlierSlots(estimates, cases, { most }).map((i) => slots[i]);
}

// Put each slot's new process (the next one of its key in `again`, a run
// of the slots' cases) in place of the old, which goes to `discarded`.
// Returns how many were replaced (a case whose re-run failed keeps its own).
function replaceProcesses(
  benches: BenchResult[],
  slots: readonly PlanSlot[],
  again: readonly BenchResult[],
): number {
  const fresh = new Map<string, TimedProcess[]>();
  for (const b of again) {
    if (b.timing !== undefined && b.timing.length === b.replicates.length) {
      fresh.set(b.key, [...b.timing]);
    }
  }
  let replaced = 0;
  for (const { bench, index } of slots) {
    const b = benches[bench];
    const t = fresh.get(b.key)?.shift();
    if (t === undefined) continue;
    b.discarded = [...(b.discarded ?? []), b.timing![index]];
    b.timing![index] = t;
    b.replicates[index] = t.estimate;
    replaced++;
  }
  return replaced;
}

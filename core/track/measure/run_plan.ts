/**
 * Measure a plan ({@linkcode AnswerPlan}): each part with the harness
 * engine ({@linkcode runBenches}), gathered into one result file.
 *
 * @module
 */

import type { AnswerPlan } from "../suite/answer_plan.ts";
import type { BenchResult, ResultFile } from "../result/result.ts";
import { correctForSpeed, runBenches, type RunProgress } from "./runner.ts";

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
          0,
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
    benches: runs.flatMap(gatherRounds),
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

/**
 * Measure a plan ({@linkcode AnswerPlan}): each part with the harness
 * engine ({@linkcode runBenches}), gathered into one result file.
 *
 * @module
 */

import type { AnswerPlan } from "../suite/answer_plan.ts";
import type { ResultFile } from "../result/result.ts";
import { runBenches, type RunProgress } from "./runner.ts";

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
}

/**
 * Measure every part of `plan` in `cwd`, one after the other, and return
 * one result: the benches of every part, the environment of the first,
 * and in `flags` the plan's name and each part's processes per case
 * (`parts: "transitions x3, bitmap strategies x5"`).
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
  const results: ResultFile[] = [];
  for (const part of plan.parts) {
    results.push(
      await runBenches(cwd, {
        label: part.label,
        ...(part.files === undefined ? {} : { files: part.files }),
        repeat: part.repeat,
        ...(part.select === undefined ? {} : { select: part.select }),
        smoke: options.smoke,
        signal: options.signal,
        denoPath: options.denoPath,
        onProgress: options.onProgress,
      }),
    );
  }
  const first = results[0];
  return {
    ...first,
    flags: {
      ...first.flags,
      repeat: Math.max(...plan.parts.map((p) => p.repeat)),
      files: [...new Set(results.map((r) => String(r.flags.files)))].join(","),
      plan: plan.name,
      parts: plan.parts.map((p) => `${p.label} x${p.repeat}`).join(", "),
    },
    benches: results.flatMap((r) => r.benches),
  };
}

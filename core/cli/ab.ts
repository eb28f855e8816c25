/**
 * `pmubench ab --base REV [--head REV]`: measure two revisions in one
 * call, processes interleaved, and compare them.
 *
 * @module
 */

import { addWorktree, type Worktree } from "../track/measure/git.ts";
import { benchKey, writeResultFile } from "../track/result/result.ts";
import { type BenchTarget, runTargets } from "../track/measure/runner.ts";
import {
  COMPARE_FLAGS,
  COMPARE_FLAGS_HELP,
  parseNumberFlag,
  readCompareFlags,
  reportComparison,
} from "./compare.ts";
import { type Command, EXIT_USAGE, parseFlags, UsageError } from "./command.ts";
import {
  formatProgress,
  INTERRUPT_EXIT_CODES,
  isInterrupted,
  measurementErrorExit,
  projectDir,
  readEngineFlags,
  RUN_FLAGS,
  RUN_FLAGS_HELP,
  whileInterruptible,
} from "./run.ts";
import { DEFAULT_REPEAT } from "../track/measure/runner.ts";
import {
  type CaseRef,
  discoverBenchFiles,
  loadCases,
} from "../track/suite/load_suite.ts";
import {
  comparePaired,
  PAIRED_DEFAULTS,
  type PairedComparison,
} from "../track/measure/paired.ts";
import { chooseCalls, countCase } from "../track/measure/instructions.ts";
import type { Io } from "./command.ts";

function short(commit: string | null): string {
  return commit === null ? "no commit" : commit.slice(0, 7);
}

/** `pmubench ab`. */
export const abCommand: Command = {
  name: "ab",
  summary:
    "measure two git revisions in one call (paired in one process) and compare them",
  help: `Usage: pmubench ab --base REV [--head REV] [FILES...] [options]

Measure two revisions of the repository in one call and compare them. The
base revision is checked out in a temporary git worktree (removed
afterwards, also on failure or Ctrl-C); the head is the working tree as it
is, uncommitted changes included, unless --head names a revision (then it
gets a worktree too).

Design paired (default), per case: both revisions' modules are imported
into the same fresh process (distinct instances) and timed alternately in
short slices, blocks of A B B A or B A A B; a process's figure is
ln(least head slice / least base slice). Processes come in pairs, one importing
and warming the base first, the other the head, so code placement bias
averages out. After every pair from ${PAIRED_DEFAULTS.minProcesses} processes up to ${PAIRED_DEFAULTS.maxProcesses} the t
interval of the change is looked at (the mean of the two import orders'
mean figures, with each process's spread around its own order's mean, so
the order's effect, printed as "imported second", is in neither), at level 1 - alpha / looks
(Bonferroni over the planned looks: an A/A comparison is flagged with
chance at most alpha). Verdict rule: unchanged if the interval lies within
+-${
    PAIRED_DEFAULTS.equivalence * 100
  }% (even if it excludes 0), else regressed if it lies above 0, improved if
below, else undecided when the budget or the processes run out. The smallest change detectable (80% power)
at the run's spread is reported.

Design alternate: whole processes alternate base, head, base, head, ...
and are compared like 'pmubench compare' (--repeat, --engine, --samples,
--statistic, --smoke, --out-base, --out-head, --format apply to it).

Options:
  --base REV       the revision to compare against (required), e.g. HEAD~1, main, a hash
  --head REV       the revision to measure (default: the working tree as it is)
  --design D       paired (default) or alternate
  --metric M       paired design: time (default), instructions (each revision's case
                   counted under callgrind in its own process), or time,instructions
  --seconds S      paired design: time budget per case (default ${PAIRED_DEFAULTS.seconds})
  --alpha A        paired design: chance of flagging an A/A comparison (default ${PAIRED_DEFAULTS.alpha})
  --seed N         paired design: seed of the import-order and slice-order coins (default random)
${RUN_FLAGS_HELP}
  --out-base FILE  also write the base result there
  --out-head FILE  also write the head result there
${COMPARE_FLAGS_HELP}
  -h, --help       show this help

Exit codes: 0 no bench regressed, 1 a bench regressed, 2 bad usage or input
(an unknown revision, a crashed bench process, a failed bench, interrupted).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      ...RUN_FLAGS,
      ...COMPARE_FLAGS,
      base: { type: "string" },
      head: { type: "string" },
      "out-base": { type: "string" },
      "out-head": { type: "string" },
      design: { type: "string" },
      metric: { type: "string" },
      seconds: { type: "string" },
    });
    if (values.base === undefined) {
      throw new UsageError(
        "ab needs --base REV, the revision to compare against",
      );
    }
    const design = values.design ?? "paired";
    if (design !== "paired" && design !== "alternate") {
      throw new UsageError(
        `Cannot read --design as it must be paired or alternate: current value is ${design}`,
      );
    }
    const metrics = (values.metric ?? "time").split(",");
    if (
      metrics.length === 0 ||
      metrics.some((m) => m !== "time" && m !== "instructions")
    ) {
      throw new UsageError(
        `Cannot read --metric as it must be time, instructions or time,instructions: current value is ${values.metric}`,
      );
    }
    const seconds = parseNumberFlag("seconds", values.seconds, {
      min: 0,
      max: 86400,
      minExclusive: true,
    }) ?? PAIRED_DEFAULTS.seconds;
    const pairedAlpha = parseNumberFlag("alpha", values.alpha, {
      min: 0,
      max: 1,
      minExclusive: true,
    }) ?? PAIRED_DEFAULTS.alpha;
    const seed = parseNumberFlag("seed", values.seed, {
      min: 0,
      max: 2 ** 32 - 1,
      integer: true,
    });
    const engine = readEngineFlags(values);
    const repeat = parseNumberFlag("repeat", values.repeat, {
      min: 1,
      max: 1000,
      integer: true,
    }) ?? DEFAULT_REPEAT;
    const { options, format } = readCompareFlags(values);
    if (design === "paired") {
      const alternateOnly = [
        "repeat",
        "smoke",
        "engine",
        "samples",
        "statistic",
        "out-base",
        "out-head",
      ] as const;
      for (const k of alternateOnly) {
        if (values[k] !== undefined) {
          throw new UsageError(
            `Cannot use --${k} with --design paired: current value is ${
              values[k]
            } (it applies to --design alternate)`,
          );
        }
      }
    }
    const cwd = await projectDir(values.cwd);
    const files = positionals.length > 0 ? positionals : undefined;

    const worktrees: Worktree[] = [];
    try {
      const baseTree = await addWorktree(cwd, values.base);
      worktrees.push(baseTree);
      let headTree: Worktree | undefined;
      if (values.head !== undefined) {
        headTree = await addWorktree(cwd, values.head);
        worktrees.push(headTree);
      }
      const baseName = `${values.base} (${short(baseTree.commit)})`;
      if (design === "paired") {
        return await runPairedAb({
          io,
          baseCwd: baseTree.path,
          headCwd: headTree?.path ?? cwd,
          files,
          filter: values.filter,
          metrics,
          seconds,
          alpha: pairedAlpha,
          seed,
          noFail: values["no-fail"] === true,
          baseName,
          headName: values.head === undefined
            ? "working tree"
            : `${values.head} (${short(headTree!.commit)})`,
        });
      }
      const targets: BenchTarget[] = [
        { label: "base", cwd: baseTree.path, files },
        { label: "head", cwd: headTree?.path ?? cwd, files },
      ];
      const outcome = await whileInterruptible((signal) =>
        runTargets(targets, {
          repeat,
          filter: values.filter,
          smoke: values.smoke === true,
          ...engine,
          // One process at a time: the alternate design times base and head
          // one after the other, so neither disturbs the other.
          jobs: 1,
          signal,
          onProgress: (p) => io.stderr(formatProgress(p)),
          flags: { command: "ab" },
        })
      ).catch((e) => measurementErrorExit("ab", e, io));
      if (typeof outcome === "number") return outcome;
      if (isInterrupted(outcome)) {
        io.stderr(
          `pmubench ab: interrupted by ${outcome.interrupted}; children ended, removing the temporary worktree\n`,
        );
        return INTERRUPT_EXIT_CODES[outcome.interrupted];
      }
      const [base, head] = outcome;
      base.flags.revision = values.base;
      head.flags.revision = values.head ?? null;
      const headName = values.head === undefined
        ? `working tree (${short(head.env.commit)}${
          head.env.dirty ? ", dirty" : ""
        })`
        : `${values.head} (${short(head.env.commit)})`;
      if (values["out-base"] !== undefined) {
        await writeResultFile(values["out-base"], base);
      }
      if (values["out-head"] !== undefined) {
        await writeResultFile(values["out-head"], head);
      }
      return reportComparison(base, head, {
        io,
        format,
        options,
        noFail: values["no-fail"] === true,
        baseName,
        headName,
      });
    } finally {
      for (const w of worktrees) await w.remove();
    }
  },
};

function pct(logRatio: number): string {
  const p = (Math.exp(logRatio) - 1) * 100;
  return `${p >= 0 ? "+" : ""}${p.toFixed(2)}%`;
}

class NoBenchFilesError extends Error {}

/**
 * Calls per counted region in `ab --metric instructions` at most: a body
 * of 30 us a call at 65536 calls (`chooseCalls`' target) ran over ten
 * minutes under callgrind; the N / 2N difference is exact at any N.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AB_INSTRUCTION_CALLS } from "./ab.ts";
 *
 * assert(AB_INSTRUCTION_CALLS >= 16);
 * ```
 */
export const AB_INSTRUCTION_CALLS = 1024;

/**
 * Instruction counts a revision's case differs by before `ab` calls it
 * changed (JIT noise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AB_INSTRUCTION_TOLERANCE } from "./ab.ts";
 *
 * assert(AB_INSTRUCTION_TOLERANCE < 0.05);
 * ```
 */
export const AB_INSTRUCTION_TOLERANCE = 0.005;

async function runPairedAb(o: {
  io: Io;
  baseCwd: string;
  headCwd: string;
  files: string[] | undefined;
  filter: string | undefined;
  metrics: string[];
  seconds: number;
  alpha: number;
  seed: number | undefined;
  noFail: boolean;
  baseName: string;
  headName: string;
}): Promise<number> {
  const { io } = o;
  const load = async (label: string, dir: string) => {
    const files = o.files ?? await discoverBenchFiles(dir);
    if (files.length === 0) {
      throw new NoBenchFilesError(
        `Cannot run benches of '${label}' as '${dir}' has no bench files (*_bench.ts, *.bench.ts, bench.ts)`,
      );
    }
    return await loadCases(dir, files, { filter: o.filter });
  };
  let regressed = false;
  const outcome = await whileInterruptible(async (signal) => {
    const baseRefs = await load("base", o.baseCwd);
    const headRefs = await load("head", o.headCwd);
    const key = (r: CaseRef) => benchKey(r.file, r.case);
    const byKey = new Map(baseRefs.map((r) => [key(r), r]));
    io.stdout(`base: ${o.baseName}\nhead: ${o.headName}\n`);
    if (o.metrics.includes("time")) {
      io.stdout(
        `time: paired design, alpha ${o.alpha} over ${PAIRED_DEFAULTS.maxProcesses} processes at most, budget ${o.seconds}s per case; unchanged if the interval lies within +-${
          PAIRED_DEFAULTS.equivalence * 100
        }%, else regressed if above 0, improved if below\n`,
      );
    }
    let pairs = 0;
    for (const head of headRefs) {
      const base = byKey.get(key(head));
      const name = `${head.case.group}/${head.case.name}`;
      if (base === undefined) {
        io.stdout(`${name}: new in head, not compared\n`);
        continue;
      }
      pairs++;
      if (o.metrics.includes("time")) {
        const r: PairedComparison = await comparePaired(base, head, {
          cwd: o.headCwd,
          signal,
          seconds: o.seconds,
          alpha: o.alpha,
          seed: o.seed,
          onProgress: ({ look, elapsedS, process }) =>
            io.stderr(
              `${name} ${
                elapsedS.toFixed(1)
              }s process ${process.first} first: ${pct(process.logRatio)}${
                look === undefined
                  ? ""
                  : `; running ${pct(look.logRatio)} [${pct(look.low)}, ${
                    pct(look.high)
                  }] after ${look.processes}`
              }\n`,
            ),
        });
        const l = r.look;
        if (l.verdict === "regressed") regressed = true;
        io.stdout(
          `${name}: time ${l.verdict} ${pct(l.logRatio)} [${pct(l.low)}, ${
            pct(l.high)
          }] (${r.processes.length} processes, ${r.elapsedS.toFixed(1)}s${
            r.budgetSpent ? ", budget spent" : ""
          }, seed ${r.seed}); smallest detectable change ${pct(l.detectable)}${
            l.orderEffect === undefined
              ? ""
              : `; imported second: ${pct(l.orderEffect)}`
          }\n`,
        );
      }
      if (o.metrics.includes("instructions")) {
        const calls = Math.min(
          chooseCalls(head.case.opsPerCall, 0),
          AB_INSTRUCTION_CALLS,
        );
        const b = await countCase(base, calls, { cwd: o.baseCwd, signal });
        const h = await countCase(head, calls, { cwd: o.headCwd, signal });
        const ratio = h.instructionsPerOp / b.instructionsPerOp;
        const verdict = ratio > 1 + AB_INSTRUCTION_TOLERANCE
          ? "regressed"
          : ratio < 1 - AB_INSTRUCTION_TOLERANCE
          ? "improved"
          : "unchanged";
        if (verdict === "regressed") regressed = true;
        io.stdout(
          `${name}: instructions ${verdict} ${pct(Math.log(ratio))} (${
            b.instructionsPerOp.toFixed(1)
          } -> ${
            h.instructionsPerOp.toFixed(1)
          } per op; deterministic, changed beyond +-${
            AB_INSTRUCTION_TOLERANCE * 100
          }%)\n`,
        );
      }
    }
    return { pairs };
  }).catch((e) => {
    if (e instanceof NoBenchFilesError) {
      io.stderr(`pmubench ab: ${e.message}\n`);
      return EXIT_USAGE;
    }
    return measurementErrorExit("ab", e, io);
  });
  if (isInterrupted(outcome)) {
    io.stderr(
      `pmubench ab: interrupted by ${outcome.interrupted}; children ended, removing the temporary worktree\n`,
    );
    return INTERRUPT_EXIT_CODES[outcome.interrupted];
  }
  if (typeof outcome === "number") return outcome;
  if (outcome.pairs === 0) {
    io.stderr(`pmubench ab: no case is in both revisions\n`);
    return EXIT_USAGE;
  }
  return regressed && !o.noFail ? 1 : 0;
}

/**
 * `pmubench ab --base REV [--head REV]`: measure two revisions in one
 * call, processes interleaved, and compare them.
 *
 * @module
 */

import { addWorktree, type Worktree } from "../track/measure/git.ts";
import { writeResultFile } from "../track/result/result.ts";
import {
  BenchProcessError,
  type BenchTarget,
  runTargets,
} from "../track/measure/runner.ts";
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
  projectDir,
  readEngineFlags,
  RUN_FLAGS,
  RUN_FLAGS_HELP,
  whileInterruptible,
} from "./run.ts";
import { DEFAULT_REPEAT } from "../track/measure/runner.ts";
import { SuiteLoadError } from "../track/suite/load_suite.ts";

function short(commit: string | null): string {
  return commit === null ? "no commit" : commit.slice(0, 7);
}

/** `pmubench ab`. */
export const abCommand: Command = {
  name: "ab",
  summary: "measure two git revisions in one call (A B A B) and compare them",
  help: `Usage: pmubench ab --base REV [--head REV] [FILES...] [options]

Measure two revisions of the repository in one call and compare them like
'pmubench compare'. The base revision is checked out in a temporary git
worktree (removed afterwards, also on failure or Ctrl-C); the head is the
working tree as it is, uncommitted changes included, unless --head names a
revision (then it gets a worktree too). Their processes alternate
base, head, base, head, ... so drift of the machine hits both alike.

Options:
  --base REV       the revision to compare against (required), e.g. HEAD~1, main, a hash
  --head REV       the revision to measure (default: the working tree as it is)
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
    });
    if (values.base === undefined) {
      throw new UsageError(
        "ab needs --base REV, the revision to compare against",
      );
    }
    const engine = readEngineFlags(values);
    const repeat = parseNumberFlag("repeat", values.repeat, {
      min: 1,
      max: 1000,
      integer: true,
    }) ?? DEFAULT_REPEAT;
    const { options, format } = readCompareFlags(values);
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
          signal,
          onProgress: (p) => io.stderr(formatProgress(p)),
          flags: { command: "ab" },
        })
      ).catch((e) => {
        if (e instanceof BenchProcessError || e instanceof SuiteLoadError) {
          io.stderr(`pmubench ab: ${e.message}\n`);
          return EXIT_USAGE;
        }
        throw e;
      });
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

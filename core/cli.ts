/**
 * The `pmubench` command line: a thin dispatcher over the commands in
 * `core/cli/`. Run `deno task pmubench --help`.
 *
 * | command | what it does |
 * | --- | --- |
 * | `answer` | measure the default plan and print the answer: the transition table and the strategy ranking |
 * | `run` | run the bench suites (time, or instruction counts under callgrind) and write a result file |
 * | `compare` | compare two result files bench by bench (ratio, 95% CI, p-value, verdict) |
 * | `ab` | measure two git revisions in one call (A B A B) and compare them |
 * | `record` | store a result file in the history database under a branch and commit |
 * | `log` | list the runs recorded in the history database |
 * | `check` | compare a result with the last runs of a branch; exit 1 on a regression |
 * | `report` | write one self-contained HTML report with SVG charts of results and history |
 * | `matrix` | strategies x operations from a result: cost, interval, ratio to the best, winners, crossovers |
 * | `replay` | replay a PMU trace (JSON Lines) on the KVM PMU model |
 *
 * | export | offers |
 * | --- | --- |
 * | {@linkcode main} | run the command line in-process with an {@linkcode Io}; resolves to the exit code |
 * | {@linkcode commands} | every {@linkcode Command}, in `--help` order |
 * | {@linkcode denoIo} | the process's own streams as an {@linkcode Io} |
 *
 * @example In-process, as the tests call it
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli.ts";
 * import { bufferIo } from "./cli/command.ts";
 *
 * const io = bufferIo();
 * const code = await main(["--help"], io);
 * assert.ok(code === 0 && io.out().includes("Usage"));
 * ```
 *
 * @module
 */

import {
  type Command,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  UsageError,
} from "./cli/command.ts";
import { abCommand } from "./cli/ab.ts";
import { compareCommand } from "./cli/compare.ts";
import { runCommand } from "./cli/run.ts";
import { answerCommand } from "./cli/answer.ts";
import { recordCommand } from "./cli/record.ts";
import { logCommand } from "./cli/log.ts";
import { checkCommand } from "./cli/check.ts";
import { reportCommand } from "./cli/report.ts";
import { replayCommand } from "./cli/replay.ts";
import { matrixCommand } from "./cli/matrix.ts";
import { oneLine } from "./common/text.ts";

export type { Command, Io } from "./cli/command.ts";

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  answerCommand,
  runCommand,
  compareCommand,
  abCommand,
  recordCommand,
  logCommand,
  checkCommand,
  reportCommand,
  matrixCommand,
  replayCommand,
];

function usage(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: pmubench <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run 'pmubench <command> --help' for a command's options.",
    "Exit codes: 0 ok, 1 regression, 2 bad usage or input.",
    "",
  ].join("\n");
}

/**
 * Run the CLI with `args` (what follows `pmubench`); resolves to the exit
 * code. Never throws: unexpected errors become one line on standard error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli.ts";
 * import { bufferIo } from "./cli/command.ts";
 *
 * const io = bufferIo();
 * assert.ok((await main(["no-such-command"], io)) === 2);
 * ```
 */
export async function main(args: string[], io: Io = denoIo()): Promise<number> {
  const [name, ...rest] = args;
  if (
    name === undefined || name === "--help" || name === "-h" || name === "help"
  ) {
    io.stdout(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(
      `pmubench: unknown command '${name}'; run 'pmubench --help' for the list\n`,
    );
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.help.endsWith("\n") ? command.help : command.help + "\n");
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (
      e instanceof UsageError || e instanceof TypeError ||
      e instanceof RangeError || e instanceof SyntaxError
    ) {
      io.stderr(`pmubench ${name}: ${oneLine(e.message)}\n`);
      return EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`pmubench ${name}: unexpected error: ${oneLine(message)}\n`);
    return EXIT_USAGE;
  }
}

/**
 * The process's own streams as an {@linkcode Io}.
 *
 * @example
 * ```ts
 * import { denoIo } from "./cli.ts";
 *
 * denoIo().stderr("");
 * ```
 */
export function denoIo(): Io {
  const enc = new TextEncoder();
  return {
    stdout: (t) => void Deno.stdout.writeSync(enc.encode(t)),
    stderr: (t) => void Deno.stderr.writeSync(enc.encode(t)),
    readStdin: async () => await new Response(Deno.stdin.readable).text(),
    stdinStream: () => Deno.stdin.readable,
  };
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}

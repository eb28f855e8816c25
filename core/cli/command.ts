/**
 * What every `pmubench` command is made of: a name, a one-line summary,
 * its help text and a `run` that writes through an {@linkcode Io} and
 * returns an exit code. Commands are thin: they parse flags, call library
 * code in `core/`, and format its results.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: a regression (or another verdict the caller asked to fail on). */
export const EXIT_REGRESSION = 1;
/** Exit code: bad usage or bad input. */
export const EXIT_USAGE = 2;

/**
 * Where a command reads and writes; the real process streams in
 * production, buffers in tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bufferIo } from "./command.ts";
 *
 * const io = bufferIo();
 * io.stdout("hello\n");
 * assert.ok(io.out() === "hello\n");
 * ```
 */
export interface Io {
  /** Write text to standard output. */
  stdout(text: string): void;
  /** Write text to standard error (progress, warnings, errors). */
  stderr(text: string): void;
  /** Read all of standard input as text. */
  readStdin(): Promise<string>;
  /**
   * Standard input as a byte stream, for commands that read it piece by
   * piece (`replay`); absent, they fall back to {@linkcode Io.readStdin}.
   */
  stdinStream?(): ReadableStream<Uint8Array>;
}

/** One `pmubench` sub-command. */
export interface Command {
  /** The word after `pmubench`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: Io): Promise<number>;
}

/**
 * A bad command line or bad input: the CLI prints its message as one
 * sentence and exits with {@linkcode EXIT_USAGE}, never with a stack trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./command.ts";
 *
 * const e = new UsageError("--repeat must be a positive integer: current value is 0");
 * assert.ok(e.name === "UsageError");
 * ```
 */
export class UsageError extends Error {
  /** @param message what is wrong, naming the value and where it came from */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * `parseArgs` in strict mode with `--help`/`-h` added; unknown flags and
 * missing values become a {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./command.ts";
 *
 * const { values, positionals } = parseFlags(["--repeat", "3", "a.json"], {
 *   repeat: { type: "string" },
 * });
 * assert.ok(values.repeat === "3" && positionals[0] === "a.json");
 * ```
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: O,
): {
  values:
    & {
      [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean
        : O[K] extends { multiple: true } ? string[]
        : string;
    }
    & {
      help?: boolean;
    };
  positionals: string[];
} {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
    // deno-lint-ignore no-explicit-any
    return { values: parsed.values as any, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * An {@linkcode Io} that collects output in memory (for tests and for
 * calling commands in-process).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bufferIo } from "./command.ts";
 *
 * const io = bufferIo('{"op":"entry"}\n');
 * assert.ok((await io.readStdin()).startsWith("{"));
 * ```
 */
export function bufferIo(stdin = ""): Io & { out(): string; err(): string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readStdin: () => Promise.resolve(stdin),
    stdinStream: () => new Blob([stdin]).stream(),
    out: () => out,
    err: () => err,
  };
}

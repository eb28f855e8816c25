/**
 * `pmubench compare BASE HEAD`: per bench the ratio HEAD/BASE, a bootstrap
 * 95% confidence interval, a Mann-Whitney U p-value and a verdict.
 *
 * @module
 */

import {
  type CompareOptions,
  compareResults,
  DEFAULT_ALPHA,
  DEFAULT_NOISE,
} from "../track/judge/compare.ts";
import {
  COMPARISON_FORMATS,
  type ComparisonFormat,
  formatComparison,
} from "../track/present/compare_format.ts";
import { parseResultText, type ResultFile } from "../track/result/result.ts";
import { DEFAULT_RESAMPLES } from "../track/judge/stats.ts";
import { quoteValue } from "../common/describe.ts";
import {
  type Command,
  EXIT_OK,
  EXIT_REGRESSION,
  type Io,
  parseFlags,
  UsageError,
} from "./command.ts";

/**
 * Read a result file named on the command line (`-` reads standard input),
 * turning a missing or unreadable file into a {@linkcode UsageError}.
 * Malformed content throws `SyntaxError`/`TypeError` naming the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readResultArg } from "./compare.ts";
 * import { bufferIo } from "./command.ts";
 *
 * const io = bufferIo(JSON.stringify({ version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c", benches: [] }));
 * assert.equal((await readResultArg("-", io)).origin, "deno bench --json");
 * await assert.rejects(readResultArg("no/such/file.json", io), /no such file/);
 * ```
 */
export async function readResultArg(path: string, io: Io): Promise<ResultFile> {
  if (path === "-") {
    return parseResultText(await io.readStdin(), "standard input");
  }
  let text: string;
  let date: string | undefined;
  try {
    text = await Deno.readTextFile(path);
    date = (await Deno.stat(path)).mtime?.toISOString();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot read result '${path}': no such file`);
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new UsageError(`Cannot read result '${path}': it is a directory`);
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new UsageError(`Cannot read result '${path}': ${why}`);
  }
  return parseResultText(text, path, date === undefined ? {} : { date });
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parse a numeric flag: a plain number, or a percentage (`3%`) when
 * `percent` is set; `undefined` passes through.
 *
 * @throws {UsageError} when the text is not a decimal number (an integer
 * in plain digits when `integer`: `1e3` and `0x2` are refused) or falls
 * outside `[min, max]` (`min` exclusive when `minExclusive`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNumberFlag } from "./compare.ts";
 *
 * assert.equal(parseNumberFlag("noise", "3%", { min: 0, max: 1, percent: true }), 0.03);
 * assert.throws(() => parseNumberFlag("alpha", "x", { min: 0, max: 1 }), /--alpha/);
 * assert.throws(() => parseNumberFlag("repeat", "1e3", { min: 1, max: 1000, integer: true }), /plain digits only/);
 * ```
 */
export function parseNumberFlag(
  name: string,
  text: string | undefined,
  range: {
    min: number;
    max: number;
    minExclusive?: boolean;
    integer?: boolean;
    percent?: boolean;
  },
): number | undefined {
  if (text === undefined) return undefined;
  const pct = range.percent === true && text.trim().endsWith("%");
  const raw = pct ? text.trim().slice(0, -1) : text.trim();
  // Number() also reads "0x2", "0b1", "1e3" and "Infinity": an integer flag
  // takes plain digits only, a number flag plain decimal notation.
  const syntax = range.integer === true ? INTEGER_TEXT : DECIMAL_TEXT;
  const v = syntax.test(raw) ? Number(raw) / (pct ? 100 : 1) : NaN;
  const low = range.minExclusive ? v > range.min : v >= range.min;
  const kind = range.integer ? "an integer" : "a number";
  if (
    !Number.isFinite(v) || !low || v > range.max ||
    (range.integer === true && !Number.isInteger(v))
  ) {
    const lo = range.minExclusive ? "(" : "[";
    const hi = range.max === Infinity ? "inf)" : `${range.max}]`;
    // Say why when Number() alone would have taken it ("1e3", "0x2").
    const hint = Number.isNaN(v) && raw.trim() !== "" &&
        !Number.isNaN(Number(raw))
      ? ` (${
        range.integer === true ? "plain digits" : "decimal notation"
      } only)`
      : "";
    throw new UsageError(
      `--${name} must be ${kind} in ${lo}${range.min}, ${hi}: current value is '${
        quoteValue(text).slice(1, -1)
      }'${hint}`,
    );
  }
  return v;
}

/** Flags shared by `compare` and `ab`. */
export const COMPARE_FLAGS = {
  format: { type: "string" },
  alpha: { type: "string" },
  noise: { type: "string" },
  resamples: { type: "string" },
  seed: { type: "string" },
  "no-fail": { type: "boolean" },
} as const;

/** Help lines of {@linkcode COMPARE_FLAGS}. */
export const COMPARE_FLAGS_HELP =
  `  --format F       terminal (default), markdown, json or bmf (Bencher Metric Format)
  --alpha A        significance level of the Mann-Whitney U test (default ${DEFAULT_ALPHA})
  --noise N        half-width of the noise band, a fraction or a percentage, for every metric
                   (default per metric: time 3%, instructions 1%, others ${
    DEFAULT_NOISE * 100
  }%)
  --resamples N    bootstrap resamples (default ${DEFAULT_RESAMPLES})
  --seed N         bootstrap seed; the same seed gives the same intervals (default 1)
  --no-fail        exit 0 even when a bench regressed (bad input still exits 2)`;

/**
 * Read {@linkcode COMPARE_FLAGS} values into compare options and a format.
 *
 * @throws {UsageError} on an unknown format or an out-of-range number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCompareFlags } from "./compare.ts";
 *
 * const { options, format } = readCompareFlags({ alpha: "0.05", format: "json" });
 * assert.equal(options.alpha, 0.05);
 * assert.equal(format, "json");
 * ```
 */
export function readCompareFlags(values: {
  format?: string;
  alpha?: string;
  noise?: string;
  resamples?: string;
  seed?: string;
}): { options: CompareOptions; format: ComparisonFormat } {
  const format = values.format ?? "terminal";
  if (!(COMPARISON_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(
      `--format must be one of ${
        COMPARISON_FORMATS.join(", ")
      }: current value is '${format}'`,
    );
  }
  const options: CompareOptions = {
    alpha: parseNumberFlag("alpha", values.alpha, {
      min: 0,
      max: 0.5,
      minExclusive: true,
    }),
    noise: parseNumberFlag("noise", values.noise, {
      min: 0,
      max: 0.99,
      percent: true,
    }),
    resamples: parseNumberFlag("resamples", values.resamples, {
      min: 1,
      max: 10_000_000,
      integer: true,
    }),
    seed: parseNumberFlag("seed", values.seed, {
      min: 0,
      max: 2 ** 32 - 1,
      integer: true,
    }),
  };
  for (const k of Object.keys(options) as (keyof CompareOptions)[]) {
    if (options[k] === undefined) delete options[k];
  }
  return { options, format: format as ComparisonFormat };
}

/**
 * Compare, print in the chosen format, and pick the exit code: 1 when a
 * bench regressed (unless `noFail`), else 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportComparison } from "./compare.ts";
 * import { bufferIo } from "./command.ts";
 * import { parseResultText } from "../track/result/result.ts";
 *
 * const r = parseResultText(JSON.stringify({ version: 1, runtime: "Deno/2.9.6 x86_64-unknown-linux-gnu", cpu: "c", benches: [] }), "r");
 * const io = bufferIo();
 * assert.equal(reportComparison(r, r, { io, format: "terminal", options: {}, noFail: false }), 0);
 * ```
 */
export function reportComparison(
  base: ResultFile,
  head: ResultFile,
  how: {
    io: Io;
    format: ComparisonFormat;
    options: CompareOptions;
    noFail: boolean;
    baseName?: string;
    headName?: string;
  },
): number {
  const baseName = how.baseName ?? "base";
  const headName = how.headName ?? "head";
  const c = compareResults(base, head, {
    ...how.options,
    baseName,
    headName,
  });
  how.io.stdout(formatComparison(c, how.format, { baseName, headName }));
  const regressed = c.rows.some((r) => r.verdict === "regressed");
  return regressed && !how.noFail ? EXIT_REGRESSION : EXIT_OK;
}

/** `pmubench compare`. */
export const compareCommand: Command = {
  name: "compare",
  summary:
    "compare two result files bench by bench (ratio, 95% CI, p-value, verdict)",
  help: `Usage: pmubench compare BASE HEAD [options]

Compare two result files (written by 'pmubench run', or plain 'deno bench --json'
output; '-' reads one of them from standard input) bench by bench: the ratio
HEAD/BASE of the replicate medians, its bootstrap 95% confidence interval, the
two-sided Mann-Whitney U p-value, and a verdict: regressed, improved,
unchanged, added or removed. A change counts only when p < alpha AND the whole
interval lies outside the noise band. Benches whose replicates disagree
(bimodal, high spread) or are too few to ever reach alpha are flagged.

With 5 replicates a side the smallest possible p is 2/252 = 0.0079: alpha 0.01
is reachable, but only when every head replicate lies beyond every base one.

Options:
${COMPARE_FLAGS_HELP}
  -h, --help       show this help

Exit codes: 0 no bench regressed, 1 a bench regressed, 2 bad usage or input
(unreadable, malformed or foreign files, failed benches, no bench in common).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, COMPARE_FLAGS);
    if (positionals.length !== 2) {
      throw new UsageError(
        `compare needs exactly two result files, BASE and HEAD: current value is ${positionals.length}`,
      );
    }
    const [basePath, headPath] = positionals;
    if (basePath === "-" && headPath === "-") {
      throw new UsageError(
        "Cannot read both BASE and HEAD from standard input: name at least one file",
      );
    }
    const { options, format } = readCompareFlags(values);
    const base = await readResultArg(basePath, io);
    const head = await readResultArg(headPath, io);
    return reportComparison(base, head, {
      io,
      format,
      options,
      noFail: values["no-fail"] === true,
      baseName: basePath === "-" ? "standard input" : basePath,
      headName: headPath === "-" ? "standard input" : headPath,
    });
  },
};

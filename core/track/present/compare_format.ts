/**
 * Render a {@linkcode Comparison} for people and for tools.
 *
 * | format | for |
 * | --- | --- |
 * | `terminal` | a plain-text table |
 * | `markdown` | pull-request comments and CI step summaries (`$GITHUB_STEP_SUMMARY`) |
 * | `json` | the {@linkcode Comparison} itself, plus the names of the two results |
 * | `bmf` | Bencher Metric Format: `{"<bench>": {"latency": {"value", "lower_value", "upper_value"}}}` |
 *
 * @module
 */

import { formatFigure, formatPercent } from "./figure.ts";
import type { Comparison, ComparisonRow } from "../judge/compare.ts";
import { maxOf } from "../judge/stats.ts";
import { stripControl } from "../../common/text.ts";

/** Every output format of {@linkcode formatComparison}. */
export const COMPARISON_FORMATS = [
  "terminal",
  "markdown",
  "json",
  "bmf",
] as const;

/** One of {@linkcode COMPARISON_FORMATS}. */
export type ComparisonFormat = typeof COMPARISON_FORMATS[number];

/** Options of {@linkcode formatComparison}. */
export interface FormatOptions {
  /** How the base result is named in headers. @default {"base"} */
  baseName?: string;
  /** How the head result is named in headers. @default {"head"} */
  headName?: string;
}

/** One Bencher measure: a value with optional bounds. */
export interface BmfMetric {
  /** The figure (head median). */
  value: number;
  /** Lower bound (smallest head replicate). */
  "lower_value"?: number;
  /** Upper bound (largest head replicate). */
  "upper_value"?: number;
}

/** Bencher Metric Format: bench name -> measure -> metric. */
export type Bmf = Record<string, Record<string, BmfMetric>>;

/**
 * A ratio as a signed percentage change, e.g. `1.105` -> `"+10.5%"`, with
 * `digits` decimals (@default {1}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatChange } from "./compare_format.ts";
 *
 * assert(formatChange(1.105) === "+10.5%");
 * assert(formatChange(0.9) === "-10.0%");
 * assert(formatChange(1.0052, { digits: 2 }) === "+0.52%");
 * ```
 */
export function formatChange(
  ratio: number,
  options: { digits?: number } = {},
): string {
  const digits = options.digits ?? 1;
  const pct = Number(((ratio - 1) * 100).toFixed(digits));
  return `${pct < 0 ? "-" : "+"}${Math.abs(pct).toFixed(digits)}%`;
}

function formatP(p: number | undefined): string {
  if (p === undefined) return "";
  return p < 0.0001 ? "<0.0001" : p.toFixed(4);
}

function formatBytes(r: ComparisonRow): string {
  if (r.bytesPerOp === undefined) return "";
  const f = (x: number | undefined) =>
    x === undefined ? "?" : String(Number(x.toPrecision(3)));
  const [b, h] = r.bytesPerOp;
  return b === h || b === undefined ? f(h) : `${f(b)} -> ${f(h)}`;
}

/** Whether any row carries allocation or tier, so the tables grow those two columns. */
function hasProfile(c: Comparison): boolean {
  return c.rows.some((r) => r.bytesPerOp !== undefined || r.tier !== undefined);
}

function cells(r: ComparisonRow, profile = false): string[] {
  const out = [
    r.key,
    r.base === undefined ? "" : formatFigure(r.base, r.unit),
    r.head === undefined ? "" : formatFigure(r.head, r.unit),
    r.ratio === undefined
      ? ""
      : isExact(r)
      ? `${formatChange(r.ratio, { digits: 2 })} exact`
      : formatChange(r.ratio),
    r.ci === undefined
      ? ""
      : `[${formatChange(r.ci[0])}, ${formatChange(r.ci[1])}]`,
    formatP(r.pValue),
    r.verdict,
  ];
  if (profile) out.push(formatBytes(r), r.tier ?? "");
  return out;
}

const HEADER = ["bench", "base", "head", "change", "95% CI", "p", "verdict"];
const PROFILE_HEADER = ["B/op", "tier"];

/**
 * One line counting each verdict, e.g.
 * `"3 compared: 1 regressed, 0 improved, 2 unchanged; 0 added, 0 removed"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeComparison } from "./compare_format.ts";
 *
 * const line = summarizeComparison({ rows: [], comparisons: 0, expectedFalseAlarms: 0, alpha: 0.01, noise: 0.03 });
 * assert(line.startsWith("0 compared"));
 * ```
 */
export function summarizeComparison(c: Comparison): string {
  const n = (v: string) => c.rows.filter((r) => r.verdict === v).length;
  const unjudged = n("insufficient history");
  return `${c.comparisons} compared: ${n("regressed")} regressed, ${
    n("improved")
  } improved, ${n("unchanged")} unchanged; ${n("added")} added, ${
    n("removed")
  } removed${
    unjudged === 0 ? "" : `; ${unjudged} passed with insufficient history`
  }`;
}

function falseAlarmLine(c: Comparison): string {
  const pct = (n: number) => `+/-${formatPercent(n)}`;
  const bands = (rows: readonly ComparisonRow[]) => {
    const metrics = [...new Set(rows.map((r) => r.metric))];
    return metrics.length === 1
      ? `the noise band ${pct(c.noiseByMetric?.[metrics[0]] ?? c.noise)}`
      : `its metric's noise band (${
        metrics.map((m) => `${m} ${pct(c.noiseByMetric?.[m] ?? c.noise)}`)
          .join(", ")
      })`;
  };
  const tested = c.rows.filter((r) => r.pValue !== undefined);
  const exact = c.rows.filter(isExact);
  const parts: string[] = [];
  if (tested.length > 0) {
    parts.push(
      `Expected false alarms: ${tested.length} comparison${
        tested.length === 1 ? "" : "s"
      } x alpha ${c.alpha} = ${
        Number(c.expectedFalseAlarms.toPrecision(3))
      }. A change counts when p < ${c.alpha} and its 95% CI lies outside ${
        bands(tested)
      }.`,
    );
  }
  if (exact.length > 0) {
    parts.push(
      `${
        [...new Set(exact.map((r) => r.metric))].join(", ")
      } repeat, so the change is exact (no p-value, no interval, no false alarm by chance) and the band alone decides: it counts when outside ${
        bands(exact)
      }.`,
    );
  }
  if (hasProfile(c)) {
    parts.push(
      "B/op: bytes allocated per operation (base -> head when it changed); tier: the V8 tier the head's body ran in.",
    );
  }
  return parts.join(" ");
}

/** A row whose change is exact: a ratio without a test (a deterministic metric that repeated). */
function isExact(r: ComparisonRow): boolean {
  return r.ratio !== undefined && r.pValue === undefined &&
    r.ci === undefined && r.verdict !== "insufficient history";
}

function flagLines(c: Comparison): string[] {
  return c.rows.filter((r) => r.flags.length > 0).map((r) =>
    `${r.key}: ${r.flags.join("; ")}`
  );
}

/**
 * Render `c` as a plain-text table with a summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTerminal } from "./compare_format.ts";
 *
 * const text = formatTerminal({ rows: [{ key: "a_bench.ts::g::f", metric: "time", unit: "ns/op",
 *   verdict: "regressed", base: 100, head: 110, ratio: 1.1, ci: [1.08, 1.12], pValue: 0.0079, flags: [] }],
 *   comparisons: 1, expectedFalseAlarms: 0.01, alpha: 0.01, noise: 0.03 });
 * assert(text.includes("+10.0%") && text.includes("regressed"));
 * ```
 */
export function formatTerminal(
  c: Comparison,
  options: FormatOptions = {},
): string {
  const profile = hasProfile(c);
  const header = profile ? [...HEADER, ...PROFILE_HEADER] : HEADER;
  // Names come from files: no terminal escape, bell or line break gets through.
  const rows = [
    header,
    ...c.rows.map((r) => cells(r, profile).map(stripControl)),
  ];
  const widths = header.map((_, i) => maxOf(rows.map((r) => r[i].length)));
  const right = new Set([1, 2, 3, 5]);
  const lines = rows.map((r) =>
    r.map((cell, i) =>
      right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])
    ).join("  ").trimEnd()
  );
  const out = [
    stripControl(
      `${options.baseName ?? "base"} -> ${options.headName ?? "head"}`,
    ),
    "",
    ...lines,
    "",
    summarizeComparison(c) + ".",
    falseAlarmLine(c),
  ];
  const flags = flagLines(c);
  if (flags.length > 0) {
    out.push("", "Flags:", ...flags.map((f) => `  ${stripControl(f)}`));
  }
  return out.join("\n") + "\n";
}

/**
 * Text from a result (a bench name, a unit, a tier, a flag) as inline
 * GitHub markdown that renders as that text and nothing else: control
 * characters and line breaks are replaced (a newline would split a table
 * row), `<`, `>` and `&` become entities (no raw HTML reaches a CI step
 * summary), and markdown punctuation is backslash-escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeMarkdown } from "./compare_format.ts";
 *
 * assert.equal(escapeMarkdown("a|b"), "a\\|b");
 * assert.equal(escapeMarkdown("<img src=x>"), "&lt;img src=x&gt;");
 * assert.equal(escapeMarkdown("**x**\nnext"), "\\*\\*x\\*\\*?next");
 * assert.equal(escapeMarkdown("bitmap_bench.ts (head)"), "bitmap_bench.ts (head)");
 * assert.equal(escapeMarkdown("_x_"), "\\_x\\_");
 * assert.equal(escapeMarkdown("> quote & <b>"), "&gt; quote &amp; &lt;b&gt;");
 * assert.equal(escapeMarkdown("[a](javascript:x) [+1%, +2%]"), "[a\\](javascript:x) [+1%, +2%]");
 * ```
 */
export function escapeMarkdown(text: string): string {
  return stripControl(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    // Everything that can open inline markup: "_" only where it can
    // (GitHub never reads an underscore inside a word as emphasis), "]"
    // only where it would close a link. The text never starts a line, so
    // headings and list markers need nothing.
    .replace(
      /[\\`*|~]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])|\](?=[(\[:])/gu,
      (c) => `\\${c}`,
    );
}

/**
 * Text as a markdown code span that nothing in it can close: the fence is
 * one backtick longer than the longest run of backticks inside, control
 * characters are replaced, and `|` is escaped (GitHub splits table cells
 * on it even inside code). HTML in a code span shows as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { markdownCode } from "./compare_format.ts";
 *
 * assert.equal(markdownCode("a_bench.ts::g::f"), "`a_bench.ts::g::f`");
 * assert.equal(markdownCode("x`y"), "``x`y``");
 * assert.equal(markdownCode("`x"), "`` `x ``");
 * ```
 */
export function markdownCode(text: string): string {
  const body = stripControl(text).replaceAll("|", "\\|");
  let longest = 0;
  for (const run of body.match(/`+/g) ?? []) {
    longest = Math.max(longest, run.length);
  }
  const fence = "`".repeat(longest + 1);
  const pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Render `c` as GitHub-flavoured markdown (a heading, a table, the summary
 * and flags), for pull-request comments and CI step summaries. Every cell
 * is escaped for markdown ({@linkcode escapeMarkdown}, bench keys as
 * {@linkcode markdownCode}), so a name cannot break out of its cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMarkdown } from "./compare_format.ts";
 *
 * const md = formatMarkdown({ rows: [], comparisons: 0, expectedFalseAlarms: 0, alpha: 0.01, noise: 0.03 });
 * assert(md.includes("| bench |"));
 * ```
 */
export function formatMarkdown(
  c: Comparison,
  options: FormatOptions = {},
): string {
  const profile = hasProfile(c);
  const head = `| ${
    (profile ? [...HEADER, ...PROFILE_HEADER] : HEADER).join(" | ")
  } |`;
  const align = `| --- | ---: | ---: | ---: | --- | ---: | --- |${
    profile ? " ---: | --- |" : ""
  }`;
  const body = c.rows.map((r) => {
    const cs = cells(r, profile).map(escapeMarkdown);
    cs[0] = markdownCode(r.key);
    if (r.verdict === "regressed" || r.verdict === "improved") {
      cs[6] = `**${cs[6]}**`;
    }
    return `| ${cs.join(" | ")} |`;
  });
  const out = [
    `### pmubench: ${markdownCode(options.baseName ?? "base")} -> ${
      markdownCode(options.headName ?? "head")
    }`,
    "",
    summarizeComparison(c) + ".",
    "",
    head,
    align,
    ...body,
    "",
    falseAlarmLine(c),
  ];
  const flags = flagLines(c);
  if (flags.length > 0) {
    out.push("", "Flags:", "", ...flags.map((f) => `- ${escapeMarkdown(f)}`));
  }
  return out.join("\n") + "\n";
}

/**
 * The Bencher Metric Format object of the head side: per bench key, the
 * measure (`latency` for time, else the metric's own name, e.g.
 * `instructions`) with the head median as `value` and the smallest and
 * largest head replicate as bounds. Removed benches have no head and are
 * left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toBmf } from "./compare_format.ts";
 *
 * const bmf = toBmf({ rows: [{ key: "a_bench.ts::g::f", metric: "time", unit: "ns/op", verdict: "added",
 *   head: 12, headRange: [11, 13], flags: [] }], comparisons: 0, expectedFalseAlarms: 0, alpha: 0.01, noise: 0.03 });
 * assert(bmf["a_bench.ts::g::f"].latency.value === 12);
 * ```
 */
export function toBmf(c: Comparison): Bmf {
  const out: Bmf = {};
  for (const r of c.rows) {
    if (r.head === undefined) continue;
    const measure = r.metric === "time" ? "latency" : r.metric;
    const m: BmfMetric = { value: r.head };
    if (r.headRange !== undefined) {
      m["lower_value"] = r.headRange[0];
      m["upper_value"] = r.headRange[1];
    }
    (out[r.key] ??= {})[measure] = m;
  }
  return out;
}

/**
 * Render `c` in `format`.
 *
 * @throws {RangeError} when `format` is not one of {@linkcode COMPARISON_FORMATS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatComparison } from "./compare_format.ts";
 *
 * const c = { rows: [], comparisons: 0, expectedFalseAlarms: 0, alpha: 0.01, noise: 0.03 };
 * assert(JSON.parse(formatComparison(c, "json")).alpha === 0.01);
 * ```
 */
export function formatComparison(
  c: Comparison,
  format: string,
  options: FormatOptions = {},
): string {
  switch (format) {
    case "terminal":
      return formatTerminal(c, options);
    case "markdown":
      return formatMarkdown(c, options);
    case "json":
      return JSON.stringify(
        {
          base: options.baseName ?? "base",
          head: options.headName ?? "head",
          ...c,
        },
        null,
        2,
      ) + "\n";
    case "bmf":
      return JSON.stringify(toBmf(c), null, 2) + "\n";
    default:
      throw new RangeError(
        `Cannot format the comparison as 'format' must be one of ${
          COMPARISON_FORMATS.join(", ")
        }: current value is '${format}'`,
      );
  }
}

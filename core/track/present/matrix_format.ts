/**
 * Text forms of a strategy matrix: the terminal table, GitHub Markdown and
 * JSON, and the sentence that names a crossover. The judgement itself is
 * `buildMatrix()` in `../judge/matrix.ts`.
 *
 * @module
 */

import type {
  Crossover,
  Matrix,
  MatrixCell,
  MatrixRow,
} from "../judge/matrix.ts";
import { formatFigure, formatPercent } from "./figure.ts";
import { escapeMarkdown } from "./compare_format.ts";
import { stripControl } from "../../common/text.ts";
import { maxOf } from "../judge/stats.ts";

/**
 * A crossover as a sentence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCrossover } from "./matrix_format.ts";
 *
 * assert.equal(
 *   describeCrossover({ axis: "bits", from: 32, to: 64, before: "u32pair", after: "u64view", fixed: "op=weight" }),
 *   "u64view wins above bits=32 (from bits=64; u32pair wins at bits=32) for op=weight",
 * );
 * ```
 */
export function describeCrossover(c: Crossover): string {
  return `${c.after} wins above ${c.axis}=${c.from} (from ${c.axis}=${c.to}; ${c.before} wins at ${c.axis}=${c.from})${
    c.fixed === "" ? "" : ` for ${c.fixed}`
  }`;
}

/** Every output format of {@linkcode formatMatrix}. */
export const MATRIX_FORMATS = ["terminal", "markdown", "json"] as const;

/** One of {@linkcode MATRIX_FORMATS}. */
export type MatrixFormat = typeof MATRIX_FORMATS[number];

function figure(x: number, unit: string): string {
  return formatFigure(x, unit).replace(/ instr\/op$/, "");
}

function cellText(
  c: MatrixCell | undefined,
  row: MatrixRow,
  column: string,
  unit: string,
  star = true,
): string {
  if (c === undefined) return "";
  const interval = c.n > 1 && c.lo !== c.hi
    ? ` [${figure(c.lo, unit)}-${figure(c.hi, unit)}]`
    : "";
  const mark = row.winner === column
    ? (star ? " *" : "")
    : row.tied.includes(column)
    ? " ="
    : row.notSeparable.includes(column) ||
        column === row.best && row.notSeparable.length > 0
    ? " ?"
    : "";
  const warn = c.warning === undefined ? "" : " !";
  return `${figure(c.median, unit)}${interval} x${
    c.ratio.toFixed(2)
  }${mark}${warn}`;
}

/**
 * What the winner column says: the winner; else `not separable (n=3)` when
 * the replicates cannot separate some cell from the best; else the cells
 * tied with the best.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { winnerText } from "./matrix_format.ts";
 *
 * const row = { axes: {}, label: "", cells: {}, best: "x", tied: [], notSeparable: ["y"], notSeparableN: 3, references: {} };
 * assert.equal(winnerText(row), "not separable (n=3)");
 * assert.equal(winnerText({ ...row, winner: "x", notSeparable: [] }), "x");
 * ```
 */
export function winnerText(row: MatrixRow): string {
  if (row.winner !== undefined) return row.winner;
  if (row.notSeparable.length > 0) {
    return `not separable (n=${row.notSeparableN})`;
  }
  if (row.tied.length > 1) return `none (tied: ${row.tied.join(", ")})`;
  return "";
}

function legend(m: Matrix, markdown = false): string[] {
  const esc = markdown ? escapeMarkdown : (s: string) => s;
  const judged = m.deterministic
    ? `outside the ${formatPercent(m.noise)} noise band (${
      esc(m.metric)
    } repeat, so the band alone decides)`
    : `p < ${m.alpha} (Mann-Whitney U) and the 95% bootstrap interval of the ratio outside the ${
      formatPercent(m.noise)
    } noise band`;
  const band = formatPercent(m.noise);
  return [
    `Cells: median${m.deterministic ? "" : " [interval of the median]"} in ${
      esc(m.unit)
    }, then x ratio to the row's best.`,
    `${
      markdown ? "Bold" : "*"
    } marks a winner: better than every other cell of its row, each difference ${judged}. = marks a cell tied with the best: the interval of its ratio lies inside the ${band} band.${
      m.deterministic
        ? ""
        : " ? marks cells the replicates cannot separate (neither worse nor tied); the winner column then gives the fewest replicates, n."
    } ! marks a warning (listed below).`,
  ];
}

function warningLines(m: Matrix): string[] {
  const out: string[] = [];
  for (const r of m.rows) {
    for (const [col, c] of Object.entries(r.cells)) {
      if (c.warning !== undefined) out.push(`${r.label} ${col}: ${c.warning}`);
    }
  }
  return out;
}

function tableRows(
  m: Matrix,
  star = true,
): { header: string[]; rows: string[][] } {
  const refs = [...new Set(m.rows.flatMap((r) => Object.keys(r.references)))]
    .sort();
  const header = [
    "operation",
    ...m.columns,
    ...refs.map((r) => `(${r})`),
    "winner",
  ];
  const rows = m.rows.map((r) => [
    r.label,
    ...m.columns.map((c) => cellText(r.cells[c], r, c, m.unit, star)),
    ...refs.map((ref) =>
      r.references[ref] === undefined
        ? ""
        : figure(r.references[ref].median, m.unit)
    ),
    winnerText(r),
  ]);
  return { header, rows };
}

/**
 * Render a matrix as a terminal table, GitHub markdown, or JSON.
 *
 * @throws {RangeError} when `format` is not one of {@linkcode MATRIX_FORMATS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Matrix } from "../judge/matrix.ts";
 * import { formatMatrix } from "./matrix_format.ts";
 *
 * const m: Matrix = { metric: "time", unit: "ns/op", columnAxis: "strategy", columns: [], rows: [],
 *   crossovers: [], alpha: 0.01, noise: 0.03, deterministic: false, skipped: [] };
 * assert.match(formatMatrix(m, "markdown"), /\| operation \|/);
 * assert.throws(() => formatMatrix(m, "html"), RangeError);
 * ```
 */
export function formatMatrix(m: Matrix, format: string): string {
  switch (format) {
    case "json":
      return JSON.stringify(m, null, 2) + "\n";
    case "terminal": {
      const { header, rows } = tableRows(m);
      // Axis values and names come from files: strip what acts on a terminal.
      const all = [header, ...rows].map((r) => r.map(stripControl));
      const widths = header.map((_, i) => maxOf(all.map((r) => r[i].length)));
      const lines = all.map((r) =>
        r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()
      );
      const out = [
        `${m.metric} (${m.unit}) by ${m.columnAxis}`,
        "",
        ...lines,
        "",
        ...legend(m),
      ];
      out.push(
        "",
        m.crossovers.length === 0
          ? "Crossovers: none (no winner changes along a numeric axis)."
          : "Crossovers:",
        ...m.crossovers.map((c) => `  ${describeCrossover(c)}`),
      );
      const warnings = warningLines(m);
      if (warnings.length > 0) {
        out.push("", "Warnings:", ...warnings.map((w) => `  ${w}`));
      }
      return out.map(stripControl).join("\n") + "\n";
    }
    case "markdown": {
      // No "*" mark: CommonMark reads "**10 x1.00 ***" as emphasis
      // markers, not a bold cell ending in a star; bold alone marks it.
      const { header, rows } = tableRows(m, false);
      const esc = escapeMarkdown;
      const out = [
        `### ${esc(m.metric)} (${esc(m.unit)}) by ${esc(m.columnAxis)}`,
        "",
        `| ${header.map(esc).join(" | ")} |`,
        `| ${header.map((_, i) => i === 0 ? "---" : "---:").join(" | ")} |`,
        ...rows.map((r, ri) =>
          `| ${
            r.map((c, i) =>
              i > 0 && i <= m.columns.length &&
                m.rows[ri].winner === m.columns[i - 1]
                ? `**${esc(c)}**`
                : esc(c)
            ).join(" | ")
          } |`
        ),
        "",
        ...legend(m, true),
        "",
        m.crossovers.length === 0
          ? "Crossovers: none (no winner changes along a numeric axis)."
          : "Crossovers:",
        ...m.crossovers.map((c) => `- ${esc(describeCrossover(c))}`),
      ];
      const warnings = warningLines(m);
      if (warnings.length > 0) {
        out.push("", "Warnings:", "", ...warnings.map((w) => `- ${esc(w)}`));
      }
      return out.join("\n") + "\n";
    }
    default:
      throw new RangeError(
        `Cannot format the matrix as 'format' must be one of ${
          MATRIX_FORMATS.join(", ")
        }: current value is '${format}'`,
      );
  }
}

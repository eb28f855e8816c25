/**
 * The answer `pmubench answer` (`deno task bench`) prints: the transition
 * table (per N, the cost of one nested transition under each mechanism,
 * with its interval and its ratio to the early return, and the native C
 * figure where there is one) and the strategy ranking (per hot bitmap
 * operation, the fastest strategy, marked only where the difference is
 * significant, with the crossovers named; judged by `buildMatrix()`).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode transitionTable}, {@linkcode TransitionRow}, {@linkcode TransitionCell} | the table's data |
 * | {@linkcode TABLE_COLUMNS} | its mechanism columns |
 * | {@linkcode formatAnswer} | the whole answer as text |
 *
 * @module
 */

import type { BenchResult, ResultFile } from "../result/result.ts";
import { medianInterval } from "../judge/stats.ts";
import { buildMatrix, type Matrix } from "../judge/matrix.ts";
import { describeCrossover, winnerText } from "./matrix_format.ts";
import { formatFigure } from "./figure.ts";
import { isNativeCase } from "../suite/answer_plan.ts";
import { stripControl } from "../../common/text.ts";

/** The mechanism columns of the transition table, in order. */
export const TABLE_COLUMNS = [
  "early return",
  "tracked k=N",
  "all-bits",
  "immediate",
  "none",
] as const;

/** One of {@linkcode TABLE_COLUMNS}. */
export type TableColumn = typeof TABLE_COLUMNS[number];

/** One figure of the table. */
export interface TransitionCell {
  /** The bench. */
  key: string;
  /** Median of the replicates (ns per transition). */
  median: number;
  /** Interval of the median (see `medianInterval`). */
  lo: number;
  /** See {@linkcode TransitionCell.lo}. */
  hi: number;
  /** Replicates. */
  n: number;
  /** `median / the early return's median` of the row, when it has one. */
  ratio?: number;
}

/** One row: one N (with or without the filter). */
export interface TransitionRow {
  /** Counters. */
  n: number;
  /** Events in the filter (0: none). */
  filter: number;
  /** The vCPU behind N, e.g. `"amd-perfmonv2"` (`""` when unknown). */
  model: string;
  /** Figures by column. */
  cells: Partial<Record<TableColumn, TransitionCell>>;
  /** The native (C) reference of the whole row (one without a mechanism), where measured. */
  native?: TransitionCell;
  /** The native (C) figure of each mechanism's cell (references naming their mechanism and k), where measured; `ratio` is to the model's early return. */
  natives: Partial<Record<TableColumn, TransitionCell>>;
}

function columnOf(b: BenchResult): TableColumn | undefined {
  const a = b.axes!;
  const k = Number(a.k ?? 0);
  const n = Number(a.N);
  switch (a.mechanism) {
    case "tracked":
      return k === 0 ? "early return" : k === n ? "tracked k=N" : undefined;
    case "all-bits":
      return k === 0 ? "all-bits" : undefined;
    case "immediate":
      return k === 0 ? "immediate" : undefined;
    case "none":
      return k === 0 ? "none" : undefined;
    default:
      return undefined;
  }
}

function cellOf(b: BenchResult): TransitionCell {
  const i = medianInterval(b.replicates);
  return { key: b.key, median: i.median, lo: i.lo, hi: i.hi, n: i.n };
}

/**
 * The transition table of a result: benches with a numeric `N` axis and a
 * `mechanism` (round trips where a `scope` axis is present; the default
 * strategy, i.e. that of the baselines), one row per N and filter, sorted.
 * Failed benches and benches without replicates are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transitionTable } from "./answer_format.ts";
 * import type { BenchResult, ResultFile } from "../result/result.ts";
 *
 * const bench = (mechanism: string, k: number, x: number): BenchResult => ({
 *   key: `t::g::${mechanism} k=${k}`, file: "t", group: "g", name: `${mechanism} k=${k}`,
 *   baseline: mechanism === "tracked" && k === 0, metric: "time", unit: "ns/op", opsPerCall: 256,
 *   axes: { scope: "round trip", N: 6, k, mechanism, strategy: "u64", filter: 0 }, replicates: [x, x + 1, x + 2],
 * });
 * const r: ResultFile = {
 *   schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {}, benches: [bench("tracked", 0, 2), bench("all-bits", 0, 20)],
 * };
 * const [row] = transitionTable(r);
 * assert.equal(row.cells["all-bits"]?.ratio, 7);
 * ```
 */
export function transitionTable(result: ResultFile): TransitionRow[] {
  const benches = result.benches.filter((b) =>
    b.failed === undefined && b.replicates.length > 0 &&
    typeof b.axes?.N === "number" &&
    (b.axes.scope === undefined || b.axes.scope === "round trip")
  );
  const own = benches.filter((b) =>
    typeof b.axes!.mechanism === "string" &&
    !isNativeCase({ name: b.name, axes: b.axes! })
  );
  const strategy = (own.find((b) => b.baseline) ?? own[0])?.axes?.strategy;
  const rows = new Map<string, TransitionRow>();
  const rowOf = (b: BenchResult): TransitionRow => {
    const n = Number(b.axes!.N);
    const filter = Number(b.axes!.filter ?? 0);
    const id = `${n} ${filter}`;
    let row = rows.get(id);
    if (row === undefined) {
      row = { n, filter, model: "", cells: {}, natives: {} };
      rows.set(id, row);
    }
    if (row.model === "" && typeof b.axes!.model === "string") {
      row.model = b.axes!.model;
    }
    return row;
  };
  for (const b of benches) {
    if (isNativeCase({ name: b.name, axes: b.axes! })) {
      const column = typeof b.axes!.mechanism === "string"
        ? columnOf(b)
        : undefined;
      if (column !== undefined) rowOf(b).natives[column] ??= cellOf(b);
      else if (b.axes!.mechanism === undefined) rowOf(b).native ??= cellOf(b);
      continue;
    }
    if (typeof b.axes!.mechanism !== "string") continue;
    if (b.axes!.strategy !== strategy) continue;
    const column = columnOf(b);
    if (column === undefined) continue;
    rowOf(b).cells[column] ??= cellOf(b);
  }
  const out = [...rows.values()].filter((r) => Object.keys(r.cells).length > 0)
    .sort((a, b) => a.n - b.n || a.filter - b.filter);
  for (const row of out) {
    const early = row.cells["early return"];
    if (early === undefined || !(early.median > 0)) continue;
    for (const c of Object.values(row.cells)) c.ratio = c.median / early.median;
    if (row.native !== undefined) {
      row.native.ratio = row.native.median / early.median;
    }
    for (const c of Object.values(row.natives)) {
      c.ratio = c.median / early.median;
    }
  }
  return out;
}

function fig(x: number): string {
  return formatFigure(x, "ns/op").replace(/ ns$/, "");
}

function cellText(c: TransitionCell | undefined, ratio = true): string {
  if (c === undefined) return "-";
  const interval = c.n > 1 && c.lo !== c.hi
    ? ` [${fig(c.lo)}-${fig(c.hi)}]`
    : "";
  return `${fig(c.median)}${interval}${
    ratio && c.ratio !== undefined ? ` x${c.ratio.toFixed(2)}` : ""
  }`;
}

function table(rows: string[][]): string[] {
  const clean = rows.map((r) => r.map(stripControl));
  const widths = clean[0].map((_, i) =>
    Math.max(...clean.map((r) => (r[i] ?? "").length))
  );
  return clean.map((r) =>
    r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padEnd(widths[i]))
      .join("  ").trimEnd()
  );
}

/** Options of {@linkcode formatAnswer}. */
export interface FormatAnswerOptions {
  /** The command that produced the result, printed with the machine. @default {undefined} */
  command?: string;
  /** Where the result file was written. @default {undefined} */
  resultPath?: string;
  /** Where the HTML report was written. @default {undefined} */
  reportPath?: string;
  /** `uptime`'s load averages, printed with the machine. @default {undefined} */
  load?: string;
  /** Wall-clock seconds the measurement took. @default {undefined} */
  seconds?: number;
}

function strategyMatrix(result: ResultFile): Matrix | undefined {
  const benches = result.benches.filter((b) =>
    typeof b.axes?.op === "string" && b.failed === undefined &&
    b.replicates.length > 0
  );
  if (!benches.some((b) => typeof b.axes!.strategy === "string")) {
    return undefined;
  }
  return buildMatrix({ ...result, benches }, { columns: "strategy" });
}

function rankingLines(m: Matrix): string[] {
  const rows: string[][] = [[
    "operation",
    "fastest",
    "next (ratio)",
    "native C",
    "verdict",
  ]];
  for (const r of m.rows) {
    const ranked = Object.entries(r.cells).sort((a, b) =>
      a[1].median - b[1].median
    );
    const [bestName, best] = ranked[0];
    const next = ranked[1];
    const native = r.references["native"];
    rows.push([
      r.label,
      `${bestName}${r.winner === bestName ? " *" : ""} ${fig(best.median)}`,
      next === undefined ? "-" : `${next[0]} x${next[1].ratio.toFixed(2)}`,
      native === undefined
        ? "-"
        : `${fig(native.median)} (x${
          (best.median / native.median).toFixed(2)
        })`,
      r.winner !== undefined ? "significant" : winnerText(r),
    ]);
  }
  return [
    ...table(rows),
    m.crossovers.length === 0
      ? "Crossovers: none (no significant winner changes along bits)."
      : "Crossovers:",
    ...m.crossovers.map((c) => `  ${describeCrossover(c)}`),
  ];
}

/**
 * The answer as text (at most about 60 lines for the default plan): the
 * transition table, the strategy ranking, the machine and load, and where
 * the result and the report were written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAnswer } from "./answer_format.ts";
 *
 * const text = formatAnswer({ schema: "pmubench-result/1", date: "2025-01-01T00:00:00.000Z",
 *   env: { deno: "2.9.6", v8: "", typescript: "", cpu: "c", cores: 2, os: "linux", arch: "x86_64", commit: null, dirty: null, branch: null },
 *   flags: {}, benches: [] }, { reportPath: "r.html" });
 * assert.match(text, /no transition benches/);
 * assert.match(text, /Report: r\.html/);
 * ```
 */
export function formatAnswer(
  result: ResultFile,
  options: FormatAnswerOptions = {},
): string {
  const out: string[] = [];
  const rows = transitionTable(result);
  const reps = [
    ...new Set(
      rows.flatMap((r) => Object.values(r.cells).map((c) => c.n)),
    ),
  ].sort((a, b) => a - b);
  out.push(
    "Cost of one nested transition (round trip: enter or leave L2 plus the next VM-entry), ns per transition:",
    `median [interval of the median] of ${reps.join("/") || "?"} processes${
      result.flags.speedCorrection === undefined
        ? ""
        : " at the run's usual CPU speed"
    }, x = ratio to the early return (tracked, k=0: what the patch costs when nothing is Host-Only).`,
    "",
  );
  if (rows.length === 0) {
    out.push("(no transition benches in this result)");
  } else {
    const hasNative = rows.some((r) => r.native !== undefined);
    const hasCellNative = rows.some((r) => Object.keys(r.natives).length > 0);
    const header = [
      "N (vCPU)",
      ...TABLE_COLUMNS,
      ...(hasNative ? ["native C"] : []),
    ];
    const body = rows.map((r) => [
      `${r.n}${r.filter > 0 ? ` filter=${r.filter}` : ""}${
        r.model === "" ? "" : ` ${r.model}`
      }`,
      ...TABLE_COLUMNS.map((c) =>
        `${cellText(r.cells[c], c !== "early return")}${
          r.natives[c] === undefined || r.cells[c] === undefined
            ? ""
            : ` (C ${fig(r.natives[c]!.median)})`
        }`
      ),
      ...(hasNative ? [cellText(r.native)] : []),
    ]);
    out.push(...table([header, ...body]));
    out.push(
      `- : not measured or not possible (N=0 and Intel N=11 have no Host-Only counters, so no k=N${
        rows.some((r) => r.filter > 0) ? "; the filter rows omit none" : ""
      }).`,
    );
    if (hasCellNative) {
      out.push(
        "(C x): the same mechanism in native C (core/native, -O2, one FFI call per batch), median ns per transition.",
      );
    } else if (!hasNative) {
      out.push("native C: no native transition reference in this result.");
    }
  }
  out.push("");
  const m = strategyMatrix(result);
  if (m === undefined) {
    out.push("(no bitmap strategy benches in this result)");
  } else {
    out.push(
      `Fastest bitmap strategy per hot operation (ns/op; * = faster than every other strategy, each difference p < ${m.alpha} and outside the ${
        Math.round(m.noise * 100)
      }% band; native C (x): the fastest's time over C's):`,
      ...rankingLines(m),
    );
  }
  out.push("");
  const e = result.env;
  out.push(
    `Machine: ${
      e.cpu || "unknown CPU"
    }, ${e.cores} cores, Deno ${e.deno}, commit ${
      e.commit === null ? "none" : e.commit.slice(0, 7)
    }${e.dirty ? " (dirty)" : ""}${
      options.load === undefined ? "" : `, load average ${options.load}`
    }${
      options.seconds === undefined
        ? ""
        : `; measured in ${Math.round(options.seconds)} s`
    }`,
  );
  if (options.command !== undefined) out.push(`Command: ${options.command}`);
  if (typeof result.flags.parts === "string") {
    out.push(
      `Plan: ${result.flags.plan} (${result.flags.parts} processes per case)`,
    );
  }
  if (options.resultPath !== undefined) {
    out.push(`Result: ${options.resultPath}`);
  }
  if (options.reportPath !== undefined) {
    out.push(`Report: ${options.reportPath}`);
  }
  return out.join("\n") + "\n";
}

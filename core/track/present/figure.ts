/**
 * The one way a measured figure is printed, in the terminal tables
 * (`compare`, `matrix`, `run`) and in the HTML report and its charts alike:
 * four significant digits, no padding zeros, no exponent from 1e-6 up;
 * whole numbers from 1000 up. `ns/op` figures printed with their unit scale to
 * ns, us, ms or s.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode formatFigure} | a figure, with its unit when one is given |
 * | {@linkcode formatPercent} | a fraction as a percentage (noise bands) |
 *
 * @module
 */

/**
 * A figure in four significant digits (`0.6141`, `12.35`, `999.9`, `1235`,
 * `12346`), followed by its unit when `unit` is given; `ns/op` figures
 * then scale to a readable time unit. Without `unit` the bare number is
 * printed, for tables and axes whose header names the unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFigure } from "./figure.ts";
 *
 * assert.equal(formatFigure(12.345, "ns/op"), "12.35 ns");
 * assert.equal(formatFigure(1234, "ns/op"), "1.234 us");
 * assert.equal(formatFigure(1500, "instructions/op"), "1500 instructions/op");
 * assert.equal(formatFigure(12.345), "12.35");
 * ```
 */
export function formatFigure(value: number, unit?: string): string {
  if (unit === undefined) return digits(value);
  if (unit === "ns/op") {
    const scales: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "us"]];
    for (const [div, u] of scales) {
      if (Math.abs(value) >= div) return `${digits(value / div)} ${u}`;
    }
    return `${digits(value)} ns`;
  }
  return `${digits(value)} ${unit}`;
}

function digits(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return String(Math.round(x));
  return String(Number(x.toPrecision(4)));
}

/**
 * A fraction as a percentage in three significant digits, without padding
 * zeros: how noise bands are printed (`0.03` -> `3%`, `0.0125` -> `1.25%`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPercent } from "./figure.ts";
 *
 * assert.equal(formatPercent(0.03), "3%");
 * assert.equal(formatPercent(0.0125), "1.25%");
 * ```
 */
export function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

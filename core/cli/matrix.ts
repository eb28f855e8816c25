/**
 * `pmubench matrix RESULT`: strategies x operations from one result file,
 * each cell the cost with its interval and the ratio to the row's best,
 * winners marked only when significant, crossovers named.
 *
 * @module
 */

import { buildMatrix, type MatrixOptions } from "../track/judge/matrix.ts";
import {
  formatMatrix,
  MATRIX_FORMATS,
} from "../track/present/matrix_format.ts";
import { parseNumberFlag, readResultArg } from "./compare.ts";
import { type Command, EXIT_OK, parseFlags, UsageError } from "./command.ts";

/** `pmubench matrix`. */
export const matrixCommand: Command = {
  name: "matrix",
  summary:
    "strategies x operations from a result: cost, interval, ratio to the best, winners, crossovers",
  help: `Usage: pmubench matrix RESULT [options]

Tabulate one result file (from 'pmubench run', either metric; '-' reads
standard input): one row per operation (every axis of a bench but the column
axis, e.g. op=weight bits=6 placement=both, or N=6 k=3 mechanism=tracked),
one column per strategy. Each cell is the median cost per operation with the
interval of the median (order statistics), then its ratio to the row's best.

A winner (*) is marked only when it beats every other cell of its row
significantly: for instruction counts, which repeat, by more than the noise
band (1%); for time, Mann-Whitney U p < alpha and the bootstrap 95% interval
of the ratio outside the noise band (3%). Cells tied with the best (the
interval of the ratio inside the band) are marked =; cells the replicates
cannot separate from the best, ?, and the winner column reads
"not separable (n=3)". In Markdown the winner is bold. Where the winner changes between neighbouring values of a numeric axis
(bits, N, k), the crossover is named ("u64view wins above bits=32").
Reference benches of a row (axis 'reference', e.g. the loop alone) get their
own column.

Options:
  --format F       terminal (default), markdown or json
  --metric M       the metric to tabulate when the result holds several
  --columns AXIS   the column axis (default strategy; e.g. mechanism)
  --alpha A        significance level of the rank test (default 0.01)
  --noise N        noise band, a fraction or a percentage (default per metric:
                   time 3%, instructions 1%)
  -h, --help       show this help

Exit codes: 0 ok, 2 bad usage or input (unreadable, malformed or foreign file,
no bench with the column axis, several metrics and none chosen).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      format: { type: "string" },
      metric: { type: "string" },
      columns: { type: "string" },
      alpha: { type: "string" },
      noise: { type: "string" },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        `matrix needs exactly one result file: current value is ${positionals.length}`,
      );
    }
    const format = values.format ?? "terminal";
    if (!(MATRIX_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(
        `--format must be one of ${
          MATRIX_FORMATS.join(", ")
        }: current value is '${format}'`,
      );
    }
    const options: MatrixOptions = {};
    if (values.metric !== undefined) options.metric = values.metric;
    if (values.columns !== undefined) options.columns = values.columns;
    const alpha = parseNumberFlag("alpha", values.alpha, {
      min: 0,
      max: 0.5,
      minExclusive: true,
    });
    if (alpha !== undefined) options.alpha = alpha;
    const noise = parseNumberFlag("noise", values.noise, {
      min: 0,
      max: 0.99,
      percent: true,
    });
    if (noise !== undefined) options.noise = noise;
    const path = positionals[0];
    const result = await readResultArg(path, io);
    let matrix;
    try {
      matrix = buildMatrix(result, options);
    } catch (e) {
      if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
      // Name the file: buildMatrix() knows only "the result".
      const name = path === "-" ? "standard input" : path;
      throw new UsageError(
        e.message.startsWith("Cannot build a matrix")
          ? e.message.replace(
            "Cannot build a matrix",
            `Cannot build a matrix from '${name}'`,
          )
          : `${e.message} (in '${name}')`,
      );
    }
    io.stdout(formatMatrix(matrix, format));
    return EXIT_OK;
  },
};

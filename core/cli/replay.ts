/**
 * `pmubench replay`: replay a PMU trace (JSON Lines, see
 * `core/pmu/trace.ts`) on the model and print one output line per RDMSR,
 * fault and VM-entry.
 *
 * @module
 */

import { strategyNames } from "../bitmap/registry.ts";
import { oneLine } from "../common/text.ts";
import type { VcpuConfig } from "../pmu/config.ts";
import { mechanismNames } from "../pmu/mechanisms/registry.ts";
import { semanticsNames } from "../pmu/semantics.ts";
import {
  formatRecord,
  recordsTable,
  type ReplayEnd,
  replayTraceLines,
  traceLines,
} from "../pmu/trace.ts";
import {
  type Command,
  EXIT_OK,
  EXIT_USAGE,
  parseFlags,
  UsageError,
} from "./command.ts";

/**
 * Config overrides from `replay`'s flags (only the flags given).
 *
 * @throws {UsageError} when `--counters` is not an integer, or both a flag
 * and its `--no-` form are given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayFlagsToConfig } from "./replay.ts";
 *
 * assert.deepEqual(replayFlagsToConfig({ model: "gp8", "no-mediated": true }), {
 *   model: "gp8", mediated: false,
 * });
 * ```
 */
export function replayFlagsToConfig(
  values: Record<string, string | boolean | undefined>,
): Partial<VcpuConfig> {
  const out: Partial<VcpuConfig> = {};
  for (const key of ["vendor", "model", "semantics", "mechanism", "bitmap"]) {
    const v = values[key];
    if (typeof v === "string") (out as Record<string, unknown>)[key] = v;
  }
  if (typeof values.counters === "string") {
    if (!/^\d+$/.test(values.counters)) {
      throw new UsageError(
        `--counters must be an integer: current value is ${
          JSON.stringify(values.counters)
        }`,
      );
    }
    out.counters = Number(values.counters);
  }
  for (
    const [flag, key] of [["mediated", "mediated"], [
      "guest-svm",
      "guestSvm",
    ]] as const
  ) {
    const yes = values[flag] === true;
    const no = values[`no-${flag}`] === true;
    if (yes && no) {
      throw new UsageError(`--${flag} and --no-${flag} cannot both be given`);
    }
    if (yes) out[key] = true;
    if (no) out[key] = false;
  }
  return out;
}

/** Characters of output gathered before one write. */
const OUTPUT_BLOCK = 1 << 16;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `pmubench replay`. */
export const replayCommand: Command = {
  name: "replay",
  summary: "replay a PMU trace (JSON Lines) on the KVM PMU model",
  help: `Usage: pmubench replay [FILE|-] [options]

Replay a PMU trace on the model of the KVM x86 PMU and print, as JSON Lines,
one record per rdmsr, per faulting op and per VM-entry ("entry"). Reads
standard input when FILE is "-" or absent. The trace's optional first line
{"op":"config",...} chooses the vCPU; flags override it. The trace is read
and replayed line by line: records come out as they are produced, in
constant memory however long the trace (a line holds at most 65536
characters; --table sizes its columns on the first 1000 records).

Options:
  --vendor V                   amd | intel
  --model M                    legacy | extcore | perfmonv2 (AMD), gp4 | gp8 (Intel),
                               synthetic (AMD, not reachable in KVM; needs --counters)
  --counters N                 GP counters of model synthetic (0..64)
  --mediated, --no-mediated    mediated PMU (default on)
  --guest-svm, --no-guest-svm  guest CPUID has SVM (default on for AMD)
  --semantics S                ${semanticsNames.join(" | ")}
                               upstream (default): the merged kernel; v4: inferred
                               from the v4 commit text and the v3 series (its diffs
                               were not available)
  --mechanism M                ${mechanismNames.join(" | ")}
  --bitmap B                   ${strategyNames.join(" | ")}
  --table                      print a readable table instead of JSON Lines
  -h, --help                   show this help

Trace ops, one JSON object per line; 64-bit values and MSRs are hex strings:
  {"op":"wrmsr","msr":"0xc0010200","value":"0x430076"}  {"op":"rdmsr","msr":"0xc0010200"}
  {"op":"vmrun"}  {"op":"vmexit"}  {"op":"entry"}  {"op":"reset"}
  {"op":"filter","action":"allow"|"deny","events":["0x76",...]}
A filter event with a bit outside the event select and unit mask can never
match and is dropped, as KVM does (an allow list so emptied denies everything).
"reset" is vCPU INIT: it leaves L2 and sets EFER to 0; the PMU MSRs, pending
reprogramming and the event filter stay.

Output records ("step" is the op's line number in the trace):
  {"step":N,"msr":"0x..","value":"0x.."}          an rdmsr
  {"step":N,"fault":"#GP"}                        a faulting wrmsr or rdmsr
  {"step":N,"fault":"#UD"}                        vmrun in L1 with EFER.SVME clear,
                                                  vmexit outside L2 (nothing changes);
                                                  vmrun in L2 is a #VMEXIT to L1
  {"step":N,"guestMode":b,"svme":b,"tracked":"0x..","reprogramPmi":"0x..",
   "counting":"0x..","eventselHw":["0x..",...]}  an entry

Exit codes: 0 ok; 2 bad usage, unreadable file, or a bad trace line (reported
as FILE:LINE: message on standard error, after the output of every line
before it).
`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      vendor: { type: "string" },
      model: { type: "string" },
      counters: { type: "string" },
      mediated: { type: "boolean" },
      "no-mediated": { type: "boolean" },
      "guest-svm": { type: "boolean" },
      "no-guest-svm": { type: "boolean" },
      semantics: { type: "string" },
      mechanism: { type: "string" },
      bitmap: { type: "string" },
      table: { type: "boolean" },
    });
    if (positionals.length > 1) {
      throw new UsageError(
        `expected at most one trace file: current value is ${
          positionals.map((p) => JSON.stringify(p)).join(" ")
        }`,
      );
    }
    const overrides = replayFlagsToConfig(values);
    const file = positionals[0] ?? "-";
    const name = file === "-" ? "<stdin>" : file;
    let stream: ReadableStream<Uint8Array>;
    if (file === "-") {
      stream = io.stdinStream?.() ??
        new Blob([await io.readStdin()]).stream();
    } else {
      try {
        stream = (await Deno.open(file)).readable;
      } catch (e) {
        throw new UsageError(`cannot read trace ${name}: ${messageOf(e)}`);
      }
    }
    // Records go out in blocks as the trace is read: memory stays constant.
    let pending = "";
    const write = (text: string) => {
      pending += text;
      if (pending.length >= OUTPUT_BLOCK) {
        io.stdout(pending);
        pending = "";
      }
    };
    const table = values.table ? recordsTable() : null;
    const replay = replayTraceLines(traceLines(stream), { config: overrides });
    let end: ReplayEnd;
    try {
      for (let next = await replay.next();; next = await replay.next()) {
        if (next.done) {
          end = next.value;
          break;
        }
        write(
          table === null
            ? formatRecord(next.value) + "\n"
            : table.push(next.value),
        );
      }
    } catch (e) {
      io.stdout(pending);
      if (e instanceof TypeError || e instanceof RangeError) {
        // Thrown only when the flags make the config invalid.
        throw new UsageError(`${messageOf(e)} (from the command line flags)`);
      }
      throw new UsageError(`cannot read trace ${name}: ${messageOf(e)}`);
    } finally {
      await replay.return(undefined as never).catch(() => {});
    }
    if (table !== null) write(table.end());
    io.stdout(pending);
    if (end.error !== null) {
      io.stderr(
        `pmubench replay: ${oneLine(name, 200)}:${end.error.line}: ${
          oneLine(end.error.message)
        }\n`,
      );
      return EXIT_USAGE;
    }
    return EXIT_OK;
  },
};

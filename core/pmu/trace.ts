/**
 * Trace replay: a public, stable JSON Lines format driving a {@linkcode Vcpu},
 * and its JSON Lines output. 64-bit values and MSR numbers are hex strings
 * (`"0x..."`); the step of an op is its 1-based line number.
 *
 * Input, one object per line (blank lines allowed):
 *
 * | op | fields | effect |
 * | --- | --- | --- |
 * | `config` | `vendor`, `model`, `counters`, `mediated`, `guestSvm`, `semantics`, `mechanism`, `bitmap` (all optional) | first line only; the caller's overrides win (`overrideVcpuConfig()`) |
 * | `wrmsr` | `msr`, `value` | guest WRMSR |
 * | `rdmsr` | `msr` | guest RDMSR |
 * | `vmrun` / `vmexit` | | enter / leave guest mode (L2); `vmrun` in L2 is a #VMEXIT(VMRUN) to L1 (SPEC g21) |
 * | `entry` | | VM-entry: process pending requests |
 * | `filter` | `action` (`allow`/`deny`), `events` (hex; at most 300), optional `fixedCounterBitmap` (hex) | `KVM_SET_PMU_EVENT_FILTER`: events with a bit outside the event select and unit mask are dropped, as KVM does (SPEC g19) |
 * | `reset` | | vCPU INIT: leave L2, EFER = 0; PMU MSRs, pending work and the filter stay (SPEC c8) |
 *
 * Output, one record per line:
 *
 * | when | record |
 * | --- | --- |
 * | `rdmsr` | `{"step":N,"msr":"0x..","value":"0x.."}` |
 * | faulting `wrmsr`/`rdmsr` | `{"step":N,"fault":"#GP"}` |
 * | `vmrun` in L1 with EFER.SVME clear, `vmexit` outside L2 | `{"step":N,"fault":"#UD"}` (nothing changes) |
 * | `entry` | `{"step":N,"guestMode":b,"svme":b,"tracked":"0x..","reprogramPmi":"0x..","counting":"0x..","eventselHw":["0x..",...]}` |
 *
 * A bad line (not JSON, unknown op, field or MSR, value out of range or not
 * a hex string, a filter `KVM_SET_PMU_EVENT_FILTER` would refuse: more than
 * 300 events) stops the replay; the
 * result carries the records before it and the error, as a value. Nothing
 * is skipped silently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecord, replayTrace } from "./trace.ts";
 *
 * const trace = [
 *   '{"op":"config","vendor":"amd","model":"perfmonv2","semantics":"upstream","mechanism":"tracked"}',
 *   '{"op":"wrmsr","msr":"0xc0000080","value":"0x1000"}',
 *   '{"op":"wrmsr","msr":"0xc0010200","value":"0x20000430076"}',
 *   '{"op":"vmrun"}',
 *   '{"op":"entry"}',
 * ].join("\n");
 * const { records, error } = replayTrace(trace);
 * assert.equal(error, null);
 * assert.equal(
 *   formatRecord(records[0]),
 *   '{"step":5,"guestMode":true,"svme":true,"tracked":"0x1","reprogramPmi":"0x0","counting":"0x0","eventselHw":["0x10000030076","0x0","0x0","0x0","0x0","0x0"]}',
 * );
 * ```
 *
 * @module
 */

import type { VcpuConfig } from "./config.ts";
import {
  isVcpuConfigValid,
  overrideVcpuConfig,
  validateVcpuConfig,
  VCPU_CONFIG_FIELDS,
} from "./config.ts";
import { createEventFilter, type FilterAction } from "./filter.ts";
import { isKnownMsr } from "./msr.ts";
import { createVcpu, type Fault, type Vcpu } from "./vcpu.ts";
import { quoteValue } from "../common/describe.ts";

/**
 * One parsed trace op (`line` is its line number when it came from text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TraceOp } from "./trace.ts";
 *
 * const op: TraceOp = { op: "wrmsr", msr: 0xc0010200, value: 0x430076n };
 * assert.ok(op.op === "wrmsr");
 * ```
 */
export type TraceOp =
  | { op: "wrmsr"; msr: number; value: bigint; line?: number }
  | { op: "rdmsr"; msr: number; line?: number }
  | { op: "vmrun"; line?: number }
  | { op: "vmexit"; line?: number }
  | { op: "entry"; line?: number }
  | { op: "reset"; line?: number }
  | {
    op: "filter";
    action: FilterAction;
    events: bigint[];
    fixedCounterBitmap?: number;
    line?: number;
  };

/** Output of an `rdmsr`. */
export interface RdmsrRecord {
  /** Line number (step) of the op. */
  step: number;
  /** The MSR, `"0x..."`. */
  msr: string;
  /** The value read, `"0x..."`. */
  value: string;
}

/** Output of a faulting op. */
export interface FaultRecord {
  /** Line number (step) of the op. */
  step: number;
  /** The fault. */
  fault: Fault;
}

/** Output of an `entry`: what VM-entry loads. */
export interface EntryRecord {
  /** Line number (step) of the op. */
  step: number;
  /** `is_guest_mode()`. */
  guestMode: boolean;
  /** EFER.SVME. */
  svme: boolean;
  /** `reprogramPmcOnNestedTransition` (the merged kernel's `pmc_has_mode_specific_enables`). */
  tracked: string;
  /** `reprogramPmi` after processing. */
  reprogramPmi: string;
  /**
   * Counters whose hardware enable is on (GP bit i, fixed bit 32 + i):
   * without a mediated PMU the counters that count; with it, `global_ctrl`
   * applies on top.
   */
  counting: string;
  /** Every GP counter's `eventsel_hw`. */
  eventselHw: string[];
}

/** One output line. */
export type OutputRecord = RdmsrRecord | FaultRecord | EntryRecord;

/** A bad input line, as a value. */
export interface TraceError {
  /** 1-based line number (0 when no line is to blame). */
  line: number;
  /** What is wrong, naming the value. */
  message: string;
}

/** What {@linkcode parseTrace} returns. */
export interface ParsedTrace {
  /** The config line's fields, or `null` when there is none. */
  config: Partial<VcpuConfig> | null;
  /** Line number of the config line (0 when none). */
  configLine: number;
  /** The ops before the first bad line. */
  ops: TraceOp[];
  /** The first bad line, or `null`. */
  error: TraceError | null;
}

/** What {@linkcode replayTrace} returns. */
export interface ReplayResult {
  /** The config the vCPU was built with, or `null` when it could not be built. */
  config: VcpuConfig | null;
  /** Every output record up to the first bad line. */
  records: OutputRecord[];
  /** The first bad line (or bad config line), or `null`. */
  error: TraceError | null;
}

/** Options of {@linkcode replayTrace}. */
export interface ReplayOptions {
  /**
   * Config fields that override the trace's config line (e.g. from command
   * line flags).
   * @default {{}}
   */
  config?: Partial<VcpuConfig>;
}

const OP_FIELDS: Readonly<Record<string, readonly string[]>> = {
  config: ["op", ...VCPU_CONFIG_FIELDS],
  wrmsr: ["op", "msr", "value"],
  rdmsr: ["op", "msr"],
  vmrun: ["op"],
  vmexit: ["op"],
  entry: ["op"],
  reset: ["op"],
  filter: ["op", "action", "events", "fixedCounterBitmap"],
};

const HEX = /^0x[0-9a-fA-F]+$/;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * Parse a hex string field into a bigint no larger than `max`.
 *
 * @throws {TypeError} when it is not a `"0x..."` string.
 * @throws {RangeError} when it exceeds `max`.
 */
function parseHex(value: unknown, field: string, max: bigint): bigint {
  if (typeof value !== "string" || !HEX.test(value)) {
    throw new TypeError(
      `'${field}' must be a hex string like "0x1f": current value is ${
        quoteValue(value)
      }`,
    );
  }
  const v = BigInt(value);
  if (v > max) {
    throw new RangeError(
      `'${field}' must be at most 0x${max.toString(16)}: current value is ${
        quoteValue(value)
      }`,
    );
  }
  return v;
}

function parseMsr(value: unknown): number {
  const msr = Number(parseHex(value, "msr", 0xffff_ffffn));
  if (!isKnownMsr(msr)) {
    throw new RangeError(
      `'msr' must be an MSR the model knows: current value is ${
        quoteValue(value)
      }`,
    );
  }
  return msr;
}

/**
 * Parse one non-blank line: an op, or (for `config`) the config fields.
 *
 * @throws {SyntaxError} when the line is not JSON.
 * @throws {TypeError} when it is not an object, lacks `op`, has an unknown
 * op or field, or a field has the wrong type.
 * @throws {RangeError} when a value is out of range, an MSR is unknown, or
 * a filter has more than 300 events (events outside the key mask are not
 * an error: the filter drops them, SPEC g19).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTraceLine } from "./trace.ts";
 *
 * assert.deepEqual(parseTraceLine('{"op":"rdmsr","msr":"0xc0010200"}', 3), {
 *   op: "rdmsr", msr: 0xc0010200, line: 3,
 * });
 * assert.throws(() => parseTraceLine('{"op":"jump"}', 1), TypeError);
 * ```
 */
export function parseTraceLine(
  text: string,
  line: number,
): TraceOp | { op: "config"; config: Partial<VcpuConfig> } {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new SyntaxError(`not a JSON object: ${abbreviate(text)}`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new TypeError(`not a JSON object: ${abbreviate(text)}`);
  }
  const o = obj as Record<string, unknown>;
  const op = o.op;
  // Own properties only: "toString" or "__proto__" is no op.
  if (typeof op !== "string" || !Object.hasOwn(OP_FIELDS, op)) {
    throw new TypeError(
      `'op' must be one of ${
        Object.keys(OP_FIELDS).map((k) => `"${k}"`).join(", ")
      }: current value is ${quoteValue(op)}`,
    );
  }
  const allowed = OP_FIELDS[op];
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `'${
          quoteValue(key).slice(1, -1)
        }' is not a field of op "${op}": expected ${allowed.join(", ")}`,
      );
    }
  }
  switch (op) {
    case "config": {
      const { op: _op, ...config } = o;
      return { op: "config", config: config as Partial<VcpuConfig> };
    }
    case "wrmsr":
      return {
        op: "wrmsr",
        msr: parseMsr(o.msr),
        value: parseHex(o.value, "value", U64_MAX),
        line,
      };
    case "rdmsr":
      return { op: "rdmsr", msr: parseMsr(o.msr), line };
    case "filter": {
      if (o.action !== "allow" && o.action !== "deny") {
        throw new RangeError(
          `'action' must be "allow" or "deny": current value is ${
            quoteValue(o.action)
          }`,
        );
      }
      if (!Array.isArray(o.events)) {
        throw new TypeError(
          `'events' must be an array of hex strings: current value is ${
            quoteValue(o.events)
          }`,
        );
      }
      const events = o.events.map((e, i) =>
        parseHex(e, `events[${i}]`, U64_MAX)
      );
      const out: TraceOp = { op: "filter", action: o.action, events, line };
      if (o.fixedCounterBitmap !== undefined) {
        out.fixedCounterBitmap = Number(
          parseHex(o.fixedCounterBitmap, "fixedCounterBitmap", 0xffff_ffffn),
        );
      }
      // Check what KVM_SET_PMU_EVENT_FILTER would refuse (too many events)
      // now, so it is a bad line with its number rather than an exception
      // in the middle of a replay.
      createEventFilter(out.action, events, {
        fixedCounterBitmap: out.fixedCounterBitmap,
      });
      return out;
    }
    default:
      return { op: op as "vmrun" | "vmexit" | "entry" | "reset", line };
  }
}

/**
 * Parse a whole trace. Never throws: the first bad line ends the parse and
 * is returned as {@linkcode ParsedTrace.error}, with every op before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrace } from "./trace.ts";
 *
 * const p = parseTrace('{"op":"entry"}\n{"op":"wrmsr","msr":"0x10","value":"0x0"}\n');
 * assert.equal(p.ops.length, 1);
 * assert.equal(p.error?.line, 2);
 * ```
 */
export function parseTrace(text: string): ParsedTrace {
  const lines = text.split(/\r?\n/);
  const out: ParsedTrace = {
    config: null,
    configLine: 0,
    ops: [],
    error: null,
  };
  let seenContent = false;
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === "") continue;
    const line = k + 1;
    try {
      const parsed = parseTraceLine(raw, line);
      if (parsed.op === "config") {
        if (seenContent) {
          throw new TypeError(
            `op "config" must be on the first line of the trace`,
          );
        }
        out.config = parsed.config;
        out.configLine = line;
      } else {
        out.ops.push(parsed);
      }
      seenContent = true;
    } catch (e) {
      out.error = { line, message: e instanceof Error ? e.message : String(e) };
      return out;
    }
  }
  return out;
}

function hex(v: bigint | number): string {
  return "0x" + v.toString(16);
}

/**
 * Apply one op to `vcpu`, returning its output record or `null` when the
 * op prints nothing (successful `wrmsr`, `vmrun`, `vmexit`, `filter`,
 * `reset`).
 *
 * @throws {TypeError | RangeError} only for ops that did not come from
 * {@linkcode parseTrace} and carry bad values (e.g. more than 300 filter
 * events).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { applyTraceOp } from "./trace.ts";
 *
 * const vcpu = createVcpu();
 * assert.deepEqual(applyTraceOp(vcpu, { op: "vmexit" }, 7), { step: 7, fault: "#UD" });
 * ```
 */
export function applyTraceOp(
  vcpu: Vcpu,
  op: TraceOp,
  step: number,
): OutputRecord | null {
  switch (op.op) {
    case "wrmsr": {
      const r = vcpu.wrmsr(op.msr, op.value);
      return r.ok ? null : { step, fault: r.fault };
    }
    case "rdmsr": {
      const r = vcpu.rdmsr(op.msr);
      return r.ok
        ? { step, msr: hex(op.msr), value: hex(r.value) }
        : { step, fault: r.fault };
    }
    case "vmrun": {
      const r = vcpu.vmrun();
      return r.ok ? null : { step, fault: r.fault };
    }
    case "vmexit": {
      const r = vcpu.vmexit();
      return r.ok ? null : { step, fault: r.fault };
    }
    case "entry": {
      vcpu.entry();
      const s = vcpu.entryState();
      return {
        step,
        guestMode: s.guestMode,
        svme: s.svme,
        tracked: hex(s.tracked),
        reprogramPmi: hex(s.reprogramPmi),
        counting: hex(s.counting),
        eventselHw: s.eventselHw.map(hex),
      };
    }
    case "filter":
      vcpu.setEventFilter(op.action, op.events, {
        fixedCounterBitmap: op.fixedCounterBitmap,
      });
      return null;
    case "reset":
      vcpu.reset();
      return null;
  }
}

/**
 * Replay ops on `vcpu`, collecting output records. An op's step is its
 * `line`, else `firstStep` + its index.
 *
 * @param options.firstStep Step of `ops[0]` when ops carry no line. @default {1}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVcpu } from "./vcpu.ts";
 * import { replayOps } from "./trace.ts";
 *
 * const records = replayOps(createVcpu(), [{ op: "vmrun" }, { op: "entry" }]);
 * assert.equal(records.length, 2);
 * assert.deepEqual(records[0], { step: 1, fault: "#UD" });
 * ```
 */
export function replayOps(
  vcpu: Vcpu,
  ops: readonly TraceOp[],
  options: { firstStep?: number } = {},
): OutputRecord[] {
  const first = options.firstStep ?? 1;
  const records: OutputRecord[] = [];
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    const r = applyTraceOp(vcpu, op, op.line ?? first + k);
    if (r !== null) records.push(r);
  }
  return records;
}

/**
 * Replay a JSON Lines trace: build the vCPU from the config line with
 * `options.config` applied on top (`overrideVcpuConfig()`: the overrides
 * win), then apply every op. Never throws for bad trace text: a bad line
 * (or an invalid config line) ends the replay and comes back as `error`,
 * with every record before it. Holds every record; to replay a large trace
 * in constant memory, use {@linkcode replayTraceLines}.
 *
 * @throws {TypeError | RangeError} when the config is invalid because of
 * `options.config` (the config line alone, or its absence, is fine): the
 * caller's overrides are to blame, not a line of the trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayTrace } from "./trace.ts";
 *
 * const r = replayTrace('{"op":"entry"}\n{"op":"nap"}\n{"op":"entry"}', {
 *   config: { model: "legacy" },
 * });
 * assert.equal(r.records.length, 1);
 * assert.equal(r.error?.line, 2);
 * ```
 */
export function replayTrace(
  text: string,
  options: ReplayOptions = {},
): ReplayResult {
  const replay = new LineReplay(options);
  const records: OutputRecord[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const r = replay.push(raw);
    if (r !== null) records.push(r);
    if (replay.error !== null) break;
  }
  const end = replay.end();
  return { config: end.config, records, error: end.error };
}

/** How a streamed replay ended: what {@linkcode replayTraceLines} returns. */
export interface ReplayEnd {
  /** The config the vCPU was built with, or `null` when it could not be built. */
  config: VcpuConfig | null;
  /** The first bad line (or bad config line), or `null`. */
  error: TraceError | null;
}

/**
 * The longest trace line accepted, in characters (a filter of the most
 * events KVM takes is about 7,000): a longer line is a bad line, and
 * {@linkcode traceLines} never holds more than this of one line.
 */
export const MAX_TRACE_LINE = 65_536;

/**
 * Replay trace lines as they arrive, yielding each output record as soon as
 * its op ran and keeping nothing else: memory stays constant however long
 * the trace. The generator's return value says how the replay ended, as
 * {@linkcode replayTrace} does (same config rules, same errors, the same
 * records in the same order). A leading byte-order mark is ignored.
 *
 * @throws {TypeError | RangeError} as {@linkcode replayTrace}, when
 * `options.config` makes the config invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayTraceLines } from "./trace.ts";
 *
 * const replay = replayTraceLines(['{"op":"vmexit"}', '{"op":"entry"}', '{"op":"nap"}']);
 * const steps: number[] = [];
 * let next = await replay.next();
 * for (; !next.done; next = await replay.next()) steps.push(next.value.step);
 * assert.deepEqual(steps, [1, 2]);
 * assert.equal(next.value.error?.line, 3);
 * ```
 */
export async function* replayTraceLines(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ReplayOptions = {},
): AsyncGenerator<OutputRecord, ReplayEnd, undefined> {
  const replay = new LineReplay(options);
  for await (const raw of lines) {
    const r = replay.push(raw);
    if (r !== null) yield r;
    if (replay.error !== null) break;
  }
  return replay.end();
}

/**
 * The lines of a byte stream (UTF-8, `\n` or `\r\n` line ends, a leading
 * byte-order mark dropped), read chunk by chunk. A line longer than
 * {@linkcode MAX_TRACE_LINE} is cut to one character more than that, so
 * the replay reports it as too long without ever holding it whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { traceLines } from "./trace.ts";
 *
 * const bytes = new TextEncoder().encode('\ufeff{"op":"entry"}\r\n\n{"op":"reset"}');
 * const lines: string[] = [];
 * for await (const line of traceLines(new Blob([bytes]).stream())) lines.push(line);
 * assert.deepEqual(lines, ['{"op":"entry"}', "", '{"op":"reset"}']);
 * ```
 */
export async function* traceLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  // TextDecoderStream drops a leading BOM (ignoreBOM is false).
  let carry = "";
  let overlong = false;
  const take = (piece: string): string | null => {
    // Returns the line when complete; keeps at most MAX_TRACE_LINE + 1 chars.
    if (!overlong) {
      carry += piece;
      if (carry.length > MAX_TRACE_LINE) {
        carry = carry.slice(0, MAX_TRACE_LINE + 1);
        overlong = true;
      }
    }
    return carry;
  };
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    let from = 0;
    for (
      let nl = chunk.indexOf("\n");
      nl !== -1;
      nl = chunk.indexOf("\n", from)
    ) {
      let line = take(chunk.slice(from, nl))!;
      if (line.endsWith("\r") && !overlong) line = line.slice(0, -1);
      carry = "";
      overlong = false;
      from = nl + 1;
      yield line;
    }
    if (from < chunk.length) take(chunk.slice(from));
  }
  if (carry !== "") yield carry;
}

/**
 * The replay of one trace, fed line by line: the one place that decides
 * the config, numbers the lines and stops at the first bad one.
 */
class LineReplay {
  #options: ReplayOptions;
  #line = 0;
  #vcpu: Vcpu | null = null;
  #config: VcpuConfig | null = null;
  #started = false;
  error: TraceError | null = null;

  constructor(options: ReplayOptions) {
    this.#options = options;
  }

  /** Feed the next line (without its line end); returns its record, if any. */
  push(raw: string): OutputRecord | null {
    const line = ++this.#line;
    if (this.error !== null) return null;
    const text = line === 1 && raw.startsWith("\ufeff") ? raw.slice(1) : raw;
    if (text.trim() === "") return null;
    let parsed: ReturnType<typeof parseTraceLine>;
    try {
      if (text.length > MAX_TRACE_LINE) {
        throw new RangeError(
          `Cannot read the line as it is longer than ${MAX_TRACE_LINE} characters`,
        );
      }
      parsed = parseTraceLine(text, line);
      if (parsed.op === "config" && this.#started) {
        throw new TypeError(
          `op "config" must be on the first line of the trace`,
        );
      }
    } catch (e) {
      // Build the vCPU first: flags that make the config invalid are the
      // caller's error (thrown), whatever the trace holds.
      if (!this.#started) this.#start(null, 0);
      if (this.error === null) {
        this.error = {
          line,
          message: e instanceof Error ? e.message : String(e),
        };
      }
      return null;
    }
    if (parsed.op === "config") {
      this.#start(parsed.config, line);
      return null;
    }
    if (!this.#started) this.#start(null, 0);
    if (this.#vcpu === null) return null;
    return applyTraceOp(this.#vcpu, parsed, line);
  }

  /** The end of the trace: builds the vCPU when no line did. */
  end(): ReplayEnd {
    if (!this.#started) this.#start(null, 0);
    return { config: this.#config, error: this.error };
  }

  #start(base: Partial<VcpuConfig> | null, configLine: number): void {
    this.#started = true;
    try {
      this.#config = validateVcpuConfig(
        overrideVcpuConfig(base ?? {}, this.#options.config ?? {}),
      );
    } catch (e) {
      // Blame the config line only when it is wrong on its own.
      if (base === null || isVcpuConfigValid(base)) throw e;
      this.error = {
        line: configLine,
        message: e instanceof Error ? e.message : String(e),
      };
      return;
    }
    this.#vcpu = createVcpu(this.#config);
  }
}

/**
 * One output record as its JSON line (no newline), keys in the documented
 * order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecord } from "./trace.ts";
 *
 * assert.ok(formatRecord({ step: 2, fault: "#GP" }) === '{"step":2,"fault":"#GP"}');
 * ```
 */
export function formatRecord(record: OutputRecord): string {
  return JSON.stringify(record);
}

/**
 * Records as a readable, aligned table (what `replay --table` prints).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecordsTable } from "./trace.ts";
 *
 * const t = formatRecordsTable([{ step: 3, fault: "#UD" }]);
 * assert.match(t, /^step +what/);
 * assert.match(t, /3 +#UD/);
 * ```
 */
export function formatRecordsTable(records: readonly OutputRecord[]): string {
  const table = recordsTable({ sample: Infinity });
  let out = "";
  for (const r of records) out += table.push(r);
  return out + table.end();
}

/** Options of {@linkcode recordsTable}. */
export interface RecordsTableOptions {
  /**
   * Records held back to size the columns before the first row is
   * printed; later rows widen a column from there on when they must.
   *
   * @default {1000}
   */
  sample?: number;
}

/** A table printed as records arrive: see {@linkcode recordsTable}. */
export interface RecordsTable {
  /** Add a record; returns the text ready to print (often `""`). */
  push(record: OutputRecord): string;
  /** Returns the text still held back. */
  end(): string;
}

const TABLE_HEADER = [
  "step",
  "what",
  "mode",
  "svme",
  "tracked",
  "reprogramPmi",
  "counting",
  "eventselHw / value",
];

/**
 * The `replay --table` table, streamed: the first `sample` records size
 * the columns (for at most that many records the output is exactly
 * {@linkcode formatRecordsTable}'s), later ones print as they come, so a
 * table of millions of records holds only the sample.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordsTable } from "./trace.ts";
 *
 * const table = recordsTable({ sample: 1 });
 * assert.equal(table.push({ step: 1, fault: "#GP" }), "");
 * const text = table.push({ step: 22, fault: "#UD" });
 * assert.deepEqual(text.split("\n").slice(1), ["   1  #GP", "  22  #UD", ""]);
 * assert.equal(table.end(), "");
 * ```
 */
export function recordsTable(options: RecordsTableOptions = {}): RecordsTable {
  const sample = options.sample ?? 1000;
  const widths = TABLE_HEADER.map((h) => h.length);
  let held: string[][] | null = [];
  const widen = (cells: string[]) => {
    for (let i = 0; i < cells.length; i++) {
      if (cells[i].length > widths[i]) widths[i] = cells[i].length;
    }
  };
  const fmt = (cells: string[]) =>
    cells.map((c, i) =>
      i === 0
        ? c.padStart(widths[i])
        : i === cells.length - 1
        ? c
        : c.padEnd(widths[i])
    ).join("  ").trimEnd() + "\n";
  const flush = (): string => {
    if (held === null) return "";
    let out = fmt(TABLE_HEADER);
    for (const cells of held) out += fmt(cells);
    held = null;
    return out;
  };
  return {
    push(record) {
      const cells = recordCells(record);
      widen(cells);
      if (held === null) return fmt(cells);
      held.push(cells);
      return held.length > sample ? flush() : "";
    },
    end: flush,
  };
}

function recordCells(r: OutputRecord): string[] {
  if ("fault" in r) return [String(r.step), r.fault, "", "", "", "", "", ""];
  if ("msr" in r) {
    return [
      String(r.step),
      "rdmsr",
      "",
      "",
      "",
      "",
      "",
      `${r.msr} = ${r.value}`,
    ];
  }
  return [
    String(r.step),
    "entry",
    r.guestMode ? "L2" : "L1",
    r.svme ? "1" : "0",
    r.tracked,
    r.reprogramPmi,
    r.counting,
    r.eventselHw.join(" "),
  ];
}

/**
 * A trace as JSON Lines text (config line first when given), the inverse
 * of {@linkcode parseTrace}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTrace, parseTrace } from "./trace.ts";
 *
 * const text = formatTrace({ model: "gp4" }, [{ op: "wrmsr", msr: 0x38d, value: 0x2n }]);
 * assert.equal(text, '{"op":"config","model":"gp4"}\n{"op":"wrmsr","msr":"0x38d","value":"0x2"}\n');
 * assert.equal(parseTrace(text).ops[0].op, "wrmsr");
 * ```
 */
export function formatTrace(
  config: Partial<VcpuConfig> | null,
  ops: readonly TraceOp[],
): string {
  const lines: string[] = [];
  if (config !== null) lines.push(JSON.stringify({ op: "config", ...config }));
  for (const op of ops) {
    switch (op.op) {
      case "wrmsr":
        lines.push(
          JSON.stringify({
            op: "wrmsr",
            msr: hex(op.msr),
            value: hex(op.value),
          }),
        );
        break;
      case "rdmsr":
        lines.push(JSON.stringify({ op: "rdmsr", msr: hex(op.msr) }));
        break;
      case "filter": {
        const o: Record<string, unknown> = {
          op: "filter",
          action: op.action,
          events: op.events.map(hex),
        };
        if (op.fixedCounterBitmap !== undefined) {
          o.fixedCounterBitmap = hex(op.fixedCounterBitmap);
        }
        lines.push(JSON.stringify(o));
        break;
      }
      default:
        lines.push(JSON.stringify({ op: op.op }));
    }
  }
  return lines.map((l) => l + "\n").join("");
}

function abbreviate(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}

/**
 * Which V8 tier runs a function: `%GetOptimizationStatus` decoded with bit
 * meanings worked out at start-up from probe functions, because the bit
 * layout changes between V8 versions (V8 15 dropped `kMaybeDeopted` and
 * moved every later bit down by one).
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode Tier} | `"interpreted"`, `"baseline"`, `"maglev"`, `"turbofan"` or `"none"` |
 * | {@linkcode TierBits} | the status bit that marks each tier in this V8 |
 * | {@linkcode V8Natives}, {@linkcode loadV8Natives} | the few `%` runtime functions the instruction counter needs |
 * | {@linkcode probeTierBits} | learn {@linkcode TierBits} from four probe functions |
 * | {@linkcode decodeTier} | a status word to a {@linkcode Tier} |
 * | {@linkcode tierWarning} | the warning a measured tier deserves, or `undefined` |
 *
 * WARNING: the natives exist only in a process started with
 * `--v8-flags=--allow-natives-syntax`, and V8 aborts the whole process
 * (no exception) when one is handed a value that is not a function; the
 * wrappers of {@linkcode loadV8Natives} check that first.
 *
 * @module
 */

/**
 * The tier a function's active code belongs to. `"none"` means no tier bit
 * is set: never compiled (lazy), or just deoptimized and not yet re-entered.
 */
export type Tier = "interpreted" | "baseline" | "maglev" | "turbofan" | "none";

/** Every {@linkcode Tier}, lowest first. */
export const TIERS: readonly Tier[] = Object.freeze([
  "none",
  "interpreted",
  "baseline",
  "maglev",
  "turbofan",
]);

/**
 * The status bits that mark each tier in the running V8, as
 * {@linkcode probeTierBits} found them; `0` for a tier this V8 does not
 * reach (e.g. Maglev switched off with `--no-maglev`).
 */
export interface TierBits {
  /** Set while Ignition bytecode runs. */
  readonly interpreted: number;
  /** Set while Sparkplug baseline code runs. */
  readonly baseline: number;
  /** Set while Maglev code runs. */
  readonly maglev: number;
  /** Set while Turbofan code runs. */
  readonly turbofan: number;
}

/** The `%` runtime functions used to warm a case up and read its tier. */
export interface V8Natives {
  /** `%GetOptimizationStatus(f)`. */
  getOptimizationStatus(f: unknown): number;
  /** `%PrepareFunctionForOptimization(f)`: keep bytecode and feedback alive. */
  prepareFunctionForOptimization(f: unknown): void;
  /** `%OptimizeFunctionOnNextCall(f)`: the next call compiles with Turbofan. */
  optimizeFunctionOnNextCall(f: unknown): void;
  /** `%OptimizeMaglevOnNextCall(f)`: the next call compiles with Maglev. */
  optimizeMaglevOnNextCall(f: unknown): void;
  /** `%CompileBaseline(f)`: compile with Sparkplug now. */
  compileBaseline(f: unknown): void;
}

/**
 * The `%` natives of this process, or `undefined` when it was not started
 * with `--v8-flags=--allow-natives-syntax`. Each wrapper is compiled with
 * `new Function`, the only way to get `%` syntax past the TypeScript
 * compiler, and checks its argument first because V8 aborts the process on
 * a non-function.
 *
 * @example Without the flag (as under `deno test`) there are no natives
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadV8Natives } from "./v8_status.ts";
 *
 * const natives = loadV8Natives();
 * assert.ok(natives === undefined || typeof natives.getOptimizationStatus === "function");
 * ```
 */
export function loadV8Natives(): V8Natives | undefined {
  let raw: Record<keyof V8Natives, (f: unknown) => unknown>;
  try {
    const fn = (name: string, ret: boolean) =>
      new Function("f", `${ret ? "return " : ""}%${name}(f);`) as (
        f: unknown,
      ) => unknown;
    raw = {
      getOptimizationStatus: fn("GetOptimizationStatus", true),
      prepareFunctionForOptimization: fn(
        "PrepareFunctionForOptimization",
        false,
      ),
      optimizeFunctionOnNextCall: fn("OptimizeFunctionOnNextCall", false),
      optimizeMaglevOnNextCall: fn("OptimizeMaglevOnNextCall", false),
      compileBaseline: fn("CompileBaseline", false),
    };
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  const guard = (name: keyof V8Natives) => (f: unknown) => {
    if (typeof f !== "function") {
      throw new TypeError(
        `Cannot call %${
          name[0].toUpperCase() + name.slice(1)
        } as its argument must be a function: current value is ${typeof f}`,
      );
    }
    return raw[name](f);
  };
  return {
    getOptimizationStatus: (f) => guard("getOptimizationStatus")(f) as number,
    prepareFunctionForOptimization: (f) =>
      void guard("prepareFunctionForOptimization")(f),
    optimizeFunctionOnNextCall: (f) =>
      void guard("optimizeFunctionOnNextCall")(f),
    optimizeMaglevOnNextCall: (f) => void guard("optimizeMaglevOnNextCall")(f),
    compileBaseline: (f) => void guard("compileBaseline")(f),
  };
}

/** The raw status words of the four probes, lowest tier first. */
export interface ProbeStatuses {
  /** A probe called once (Ignition). */
  readonly interpreted: number;
  /** A probe compiled with `%CompileBaseline` and called. */
  readonly baseline: number;
  /** A probe optimized with `%OptimizeMaglevOnNextCall` and called. */
  readonly maglev: number;
  /** A probe optimized with `%OptimizeFunctionOnNextCall` and called. */
  readonly turbofan: number;
}

/**
 * Run the four probes and return their status words. Each probe is its own
 * function literal: closures of one literal share a feedback vector, so
 * optimizing one would optimize them all.
 *
 * @example
 * ```ts ignore
 * // Needs --v8-flags=--allow-natives-syntax.
 * import { loadV8Natives, readProbeStatuses } from "./v8_status.ts";
 *
 * console.log(readProbeStatuses(loadV8Natives()!));
 * ```
 */
export function readProbeStatuses(natives: V8Natives): ProbeStatuses {
  const probeInterpreted = (a: number) => a * 3 + 1;
  const probeBaseline = (a: number) => a * 5 + 1;
  const probeMaglev = (a: number) => a * 7 + 1;
  const probeTurbofan = (a: number) => a * 11 + 1;
  probeInterpreted(1);
  natives.compileBaseline(probeBaseline);
  probeBaseline(1);
  const optimize = (
    f: (a: number) => number,
    mark: (f: unknown) => void,
  ) => {
    natives.prepareFunctionForOptimization(f);
    f(1);
    f(2);
    mark(f);
    f(3);
  };
  optimize(probeMaglev, natives.optimizeMaglevOnNextCall);
  optimize(probeTurbofan, natives.optimizeFunctionOnNextCall);
  const st = natives.getOptimizationStatus;
  return {
    interpreted: st(probeInterpreted),
    baseline: st(probeBaseline),
    maglev: st(probeMaglev),
    turbofan: st(probeTurbofan),
  };
}

/**
 * Work out which status bit marks which tier from the probes' status
 * words: bits every probe shares (e.g. "is a function") mark nothing; a
 * tier's bits are those its probe has and no other reached tier's probe
 * has. A probe whose bits equal a lower probe's did not reach its tier
 * (that compiler is off), and the tier gets `0`.
 *
 * @throws {RangeError} when the interpreted and Turbofan probes cannot be
 * told apart (natives that do nothing, or `--jitless`): no tier could be
 * decoded.
 *
 * @example The bit layout of V8 15 (Deno 2.9)
 * ```ts
 * import assert from "node:assert/strict";
 * import { tierBitsFromStatuses } from "./v8_status.ts";
 *
 * const bits = tierBitsFromStatuses({
 *   interpreted: 0b1000001, baseline: 0x4001, maglev: 0b11001, turbofan: 0b101001,
 * });
 * assert.ok(bits.turbofan === 1 << 5 && bits.maglev === 1 << 4);
 * assert.ok(bits.interpreted === 1 << 6 && bits.baseline === 1 << 14);
 * ```
 */
export function tierBitsFromStatuses(s: ProbeStatuses): TierBits {
  const order = ["interpreted", "baseline", "maglev", "turbofan"] as const;
  const common = s.interpreted & s.baseline & s.maglev & s.turbofan;
  const own: Record<(typeof order)[number], number> = {
    interpreted: s.interpreted & ~common,
    baseline: s.baseline & ~common,
    maglev: s.maglev & ~common,
    turbofan: s.turbofan & ~common,
  };
  // A probe that ended where a lower one did never reached its tier.
  const reached = order.filter((t, i) =>
    order.slice(0, i).every((lower) => own[lower] !== own[t])
  );
  const bits = { interpreted: 0, baseline: 0, maglev: 0, turbofan: 0 };
  for (const t of reached) {
    let others = 0;
    for (const o of reached) if (o !== t) others |= own[o];
    bits[t] = own[t] & ~others;
  }
  if (bits.interpreted === 0 || bits.turbofan === 0) {
    throw new RangeError(
      `Cannot decode V8 tiers as the probes' status words do not tell the interpreter from Turbofan: interpreted 0x${
        s.interpreted.toString(16)
      }, turbofan 0x${s.turbofan.toString(16)}`,
    );
  }
  return bits;
}

/**
 * {@linkcode readProbeStatuses} then {@linkcode tierBitsFromStatuses}:
 * the tier bits of the running V8.
 *
 * @throws {RangeError} as {@linkcode tierBitsFromStatuses}.
 *
 * @example
 * ```ts ignore
 * // Needs --v8-flags=--allow-natives-syntax.
 * import { loadV8Natives, probeTierBits } from "./v8_status.ts";
 *
 * console.log(probeTierBits(loadV8Natives()!));
 * ```
 */
export function probeTierBits(natives: V8Natives): TierBits {
  return tierBitsFromStatuses(readProbeStatuses(natives));
}

/**
 * The tier a status word says, highest first (a function being optimized
 * still runs its lower tier and sets only that tier's bit).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTier, type TierBits } from "./v8_status.ts";
 *
 * const bits: TierBits = { interpreted: 1 << 6, baseline: 1 << 14, maglev: 1 << 4, turbofan: 1 << 5 };
 * assert.ok(decodeTier(0b101001, bits) === "turbofan");
 * assert.ok(decodeTier(1, bits) === "none");
 * ```
 */
export function decodeTier(status: number, bits: TierBits): Tier {
  const has = (b: number) => b !== 0 && (status & b) === b;
  if (has(bits.turbofan)) return "turbofan";
  if (has(bits.maglev)) return "maglev";
  if (has(bits.baseline)) return "baseline";
  if (has(bits.interpreted)) return "interpreted";
  return "none";
}

/**
 * The warning a case deserves for the tiers its body was in before and
 * after the measured region, or `undefined` when it ran optimized
 * throughout. Maglev counts as optimized but is named, since Turbofan is
 * where hot code settles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tierWarning } from "./v8_status.ts";
 *
 * assert.ok(tierWarning("turbofan", "turbofan") === undefined);
 * assert.ok(tierWarning("turbofan", "none")!.includes("deoptimized"));
 * assert.ok(tierWarning("interpreted", "interpreted")!.includes("interpreted"));
 * assert.ok(tierWarning("maglev", "turbofan")!.includes("tiered up"));
 * ```
 */
export function tierWarning(before: Tier, after: Tier): string | undefined {
  const rank = (t: Tier) => TIERS.indexOf(t);
  if (rank(after) < rank(before)) {
    return `deoptimized during the measurement (${before} -> ${after})`;
  }
  if (rank(after) > rank(before)) {
    return `tiered up during the measurement (${before} -> ${after}): the warm-up was too short`;
  }
  if (after === "interpreted" || after === "baseline" || after === "none") {
    return `measured unoptimized (${after}): the figure is not what hot code costs`;
  }
  if (after === "maglev") {
    return "measured in maglev, not turbofan";
  }
  return undefined;
}

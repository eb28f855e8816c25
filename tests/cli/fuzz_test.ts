// A bounded fuzz of the two parsers every command trusts: trace lines
// (`replay`) and result files (`compare`, `matrix`). Fixed seed, a few
// hundred mutated inputs, mostly in-process through main() with a buffered
// io, a handful through real processes. Each run must keep the promise of
// the CLI: exit 0 or 2, on 2 exactly one line on standard error naming the
// input, no JavaScript internals anywhere, and well-formed standard output.

import assert from "node:assert/strict";
import { main } from "../../core/cli.ts";
import { bufferIo } from "../../core/cli/command.ts";
import { createRng } from "../../core/common/prng.ts";
import { tempDir } from "../track/history/_history_helpers.ts";

const SEED = 20261130;
const TRACE_CASES = 300;
const RESULT_CASES = 200;
const CLI = new URL("../../core/cli.ts", import.meta.url).pathname;
const PMU = new URL("../testdata/pmu/", import.meta.url).pathname;
const TRACK = new URL("../testdata/track/", import.meta.url).pathname;

/** What only a bug would print: an engine's message, a stack, a lost value. */
const INTERNAL =
  /is not a function|Cannot read properties|is not iterable|of undefined|of null|Maximum call stack|Invalid string length|unexpected error|\[object |\n\s+at |(?:Type|Range|Syntax)Error:/;

type Rng = () => number;

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

/** Values that have broken parsers before: shapes, edges, internals, escapes. */
function nastyValue(rng: Rng): unknown {
  return pick<unknown>(rng, [
    null,
    true,
    0,
    -1,
    1.5,
    5e-324,
    1e308,
    -0,
    2 ** 53 + 1,
    "",
    "0x",
    "0x1g",
    "0x" + "f".repeat(17),
    "0xc0010200",
    "0x430076",
    "toString",
    "__proto__",
    "constructor",
    "\u001b[2J\u0007",
    "a\nb\r\nc",
    "\ufeff",
    "<img src=x>",
    "x".repeat(20_000),
    [],
    [1, [2]],
    ["0x76", "toString"],
    {},
    { toString: 1 },
    // An own "__proto__" key, as JSON.parse makes it.
    JSON.parse('{"__proto__":{"polluted":true}}'),
  ]);
}

function mutateText(rng: Rng, text: string): string {
  const at = Math.floor(rng() * (text.length + 1));
  switch (Math.floor(rng() * 6)) {
    case 0:
      return text.slice(0, at); // truncated
    case 1:
      return text.slice(0, at) +
        pick(rng, ["\n", "\r", "\u0000", "\u2028", '"', "}", "\ufeff"]) +
        text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rng() * 8));
    case 3:
      return "\ufeff" + text;
    case 4:
      return text.replaceAll("\n", "\r\n");
    default:
      return text.slice(0, at) +
        String.fromCharCode(Math.floor(rng() * 0x3000)) +
        text.slice(at + 1);
  }
}

/** Set, delete or add a field somewhere inside a parsed JSON value. */
function mutateJson(rng: Rng, root: unknown): unknown {
  if (typeof root !== "object" || root === null) return nastyValue(rng);
  let node = root as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0 || rng() < 0.3) break;
    const next = node[pick(rng, keys)];
    if (typeof next !== "object" || next === null) break;
    node = next as Record<string, unknown>;
  }
  const keys = Object.keys(node);
  const r = rng();
  if (r < 0.15 && keys.length > 0) delete node[pick(rng, keys)];
  else if (r < 0.3) {
    Object.defineProperty(
      node,
      pick(rng, ["__proto__", "toString", "extra", "x"]),
      {
        value: nastyValue(rng),
        enumerable: true,
        writable: true,
        configurable: true,
      },
    );
  } else if (keys.length > 0) node[pick(rng, keys)] = nastyValue(rng);
  return root;
}

async function traceSeeds(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(PMU)) {
    if (e.name.endsWith(".jsonl") && !e.name.endsWith(".expected.jsonl")) {
      out.push(await Deno.readTextFile(`${PMU}${e.name}`));
    }
  }
  return out.sort();
}

function mutateTrace(rng: Rng, seed: string): string {
  let lines = seed.split("\n");
  const rounds = 1 + Math.floor(rng() * 3);
  for (let k = 0; k < rounds; k++) {
    const i = Math.floor(rng() * lines.length);
    switch (Math.floor(rng() * 5)) {
      case 0: {
        // A field of one line gets a nasty value (or the op itself does).
        try {
          lines[i] = JSON.stringify(mutateJson(rng, JSON.parse(lines[i])));
        } catch {
          lines[i] = mutateText(rng, lines[i]);
        }
        break;
      }
      case 1:
        lines[i] = JSON.stringify({
          op: pick(rng, [
            "wrmsr",
            "rdmsr",
            "filter",
            "config",
            "entry",
            "toString",
            "__proto__",
            "hasOwnProperty",
          ]),
          [pick(rng, ["msr", "value", "events", "action", "model", "x"])]:
            nastyValue(rng),
        });
        break;
      case 2:
        lines.splice(i, 0, lines[Math.floor(rng() * lines.length)]);
        break;
      case 3:
        lines = lines.filter((_, j) => j !== i);
        break;
      default:
        lines = mutateText(rng, lines.join("\n")).split("\n");
    }
  }
  return lines.join("\n");
}

/** The contract, for one run of `command` on `name`. */
function assertContract(
  what: string,
  run: { code: number; out: string; err: string },
  command: string,
  names: string[],
  stdoutIs: "jsonl" | "json",
): void {
  const label = `${what}: ${run.err.slice(0, 300)}`;
  assert.ok(run.code === 0 || run.code === 2, `exit ${run.code}; ${label}`);
  assert.ok(!INTERNAL.test(run.err), `internal message; ${label}`);
  assert.ok(
    !INTERNAL.test(run.out.slice(0, 100_000)),
    `internal on stdout; ${what}`,
  );
  if (run.code === 2) {
    const lines = run.err.split("\n");
    assert.equal(lines.length, 2, `one line on stderr; ${label}`);
    assert.equal(lines[1], "");
    assert.ok(lines[0].startsWith(`pmubench ${command}: `), label);
    assert.ok(lines[0].length <= 1_000, `bounded: ${lines[0].length}; ${what}`);
    assert.ok(
      names.some((n) => lines[0].includes(n)),
      `names ${names.join(" or ")}; ${label}`,
    );
  } else {
    assert.equal(run.err, "", `nothing on stderr on success; ${what}`);
  }
  if (stdoutIs === "jsonl") {
    for (const line of run.out.split("\n").slice(0, -1)) {
      const v = JSON.parse(line);
      assert.ok(
        typeof v === "object" && v !== null && typeof v.step === "number",
        what,
      );
    }
    assert.ok(run.out === "" || run.out.endsWith("\n"), what);
  } else if (run.out !== "") {
    JSON.parse(run.out);
  }
}

async function inProcess(args: string[], stdin = "") {
  const io = bufferIo(stdin);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

Deno.test("fuzz: replay of mutated traces exits 0 or 2 with one line naming the input and JSON Lines out", async () => {
  const rng = createRng(SEED);
  const seeds = await traceSeeds();
  let failures = 0;
  for (let n = 0; n < TRACE_CASES; n++) {
    const trace = mutateTrace(rng, pick(rng, seeds));
    const run = await inProcess(["replay", "-"], trace);
    assertContract(`trace case ${n}`, run, "replay", ["<stdin>"], "jsonl");
    if (run.code === 2) failures++;
  }
  // The mutations must reach both outcomes, or the fuzz tests nothing.
  assert.ok(
    failures > TRACE_CASES / 10 && failures < TRACE_CASES,
    `${failures} rejected`,
  );
});

Deno.test("fuzz: compare and matrix on mutated result files exit 0 or 2 with one line naming the file", async () => {
  const rng = createRng(SEED + 1);
  await using dir = await tempDir();
  const base = `${TRACK}result_base.json`;
  const seeds = [
    await Deno.readTextFile(`${TRACK}result_head.json`),
    await Deno.readTextFile(`${TRACK}deno_bench.json`),
    await Deno.readTextFile(`${TRACK}history/run-2.json`),
  ];
  let failures = 0;
  for (let n = 0; n < RESULT_CASES; n++) {
    const seed = pick(rng, seeds);
    let text: string;
    if (rng() < 0.6) {
      text = JSON.stringify(mutateJson(rng, JSON.parse(seed)), null, 2);
    } else {
      text = mutateText(rng, seed);
    }
    const file = `${dir.path}/case-${n}.json`;
    await Deno.writeTextFile(file, text);
    const compare = await inProcess([
      "compare",
      base,
      file,
      "--format",
      "json",
      "--no-fail",
      "--resamples",
      "200",
    ]);
    assertContract(
      `compare case ${n}`,
      compare,
      "compare",
      [file, base],
      "json",
    );
    const matrix = await inProcess(["matrix", file, "--format", "json"]);
    assertContract(`matrix case ${n}`, matrix, "matrix", [file], "json");
    if (compare.code === 2) failures++;
  }
  assert.ok(
    failures > RESULT_CASES / 10 && failures < RESULT_CASES,
    `${failures} rejected`,
  );
});

Deno.test("fuzz: a handful of mutated inputs through real processes keep the same contract", async () => {
  const rng = createRng(SEED + 2);
  await using dir = await tempDir();
  const seeds = await traceSeeds();
  const runs: Promise<void>[] = [];
  for (let n = 0; n < 4; n++) {
    const file = `${dir.path}/trace-${n}.jsonl`;
    await Deno.writeTextFile(file, mutateTrace(rng, pick(rng, seeds)));
    runs.push((async () => {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, "replay", file],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const dec = new TextDecoder();
      const run = { code, out: dec.decode(stdout), err: dec.decode(stderr) };
      assertContract(`process trace ${n}`, run, "replay", [file], "jsonl");
    })());
  }
  const result = `${dir.path}/result.json`;
  await Deno.writeTextFile(
    result,
    mutateText(rng, await Deno.readTextFile(`${TRACK}result_head.json`)),
  );
  runs.push((async () => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "matrix", result, "--format", "json"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    const run = { code, out: dec.decode(stdout), err: dec.decode(stderr) };
    assertContract("process matrix", run, "matrix", [result], "json");
  })());
  await Promise.all(runs);
});

/**
 * Valgrind client requests from JavaScript, so the instruction counter can
 * switch callgrind on, zero it and dump it exactly around a measured
 * region.
 *
 * A client request is a magic instruction sequence (four `rol` of `rdi`
 * adding up to 128 bits, then `xchg rbx, rbx`) that does nothing on a real
 * CPU and that Valgrind's JIT recognizes and turns into a call into the
 * tool. C programs emit it through `valgrind.h` macros; JavaScript cannot
 * emit machine code, so this module writes those 28 bytes into an
 * executable page (libc `mmap` + `mprotect` through Deno's FFI) and calls
 * them through an FFI function pointer. Outside Valgrind the call returns
 * 0 and has no effect.
 *
 * | export | meaning |
 * | --- | --- |
 * | {@linkcode CALLGRIND_REQUEST}, {@linkcode RUNNING_ON_VALGRIND} | request codes (`valgrind.h`, `callgrind.h`) |
 * | {@linkcode CLIENT_REQUEST_CODE} | the x86-64 machine code of one request |
 * | {@linkcode openClientRequests} | a function that issues requests (needs `--allow-ffi`) |
 *
 * WARNING: x86-64 Linux only (the code bytes and the libc calls); on other
 * platforms {@linkcode openClientRequests} throws.
 *
 * @module
 */

/** `RUNNING_ON_VALGRIND` (`valgrind.h`): returns how many Valgrinds the program runs under (0 natively). */
export const RUNNING_ON_VALGRIND = 0x1001;

// VG_USERREQ_TOOL_BASE('C', 'T') in callgrind.h.
const CALLGRIND_BASE = (0x43 << 24) | (0x54 << 16);

/** Callgrind's requests (`callgrind.h`, enum after `VG_USERREQ_TOOL_BASE('C','T')`). */
export const CALLGRIND_REQUEST = Object.freeze({
  /** Write a profile dump (per thread with `--separate-threads=yes`) of the costs since the last zero or dump. */
  dumpStats: CALLGRIND_BASE + 0,
  /** Zero every cost counter. */
  zeroStats: CALLGRIND_BASE + 1,
  /** Start instrumenting (discards all translations; slow once, exact after). */
  startInstrumentation: CALLGRIND_BASE + 4,
  /** Stop instrumenting. */
  stopInstrumentation: CALLGRIND_BASE + 5,
});

/**
 * One client request as a SysV x86-64 function `u64 request(u64 *args)`,
 * where `args` holds the request code and five arguments:
 *
 * ```text
 * mov rax, rdi            ; valgrind.h wants the argument block in rax
 * xor edx, edx            ; the result when not under Valgrind: 0
 * rol rdi, 3 ; rol rdi, 13 ; rol rdi, 61 ; rol rdi, 51   ; the magic preamble
 * xchg rbx, rbx           ; "do the client request"
 * mov rax, rdx            ; Valgrind leaves the result in rdx
 * ret
 * ```
 */
export const CLIENT_REQUEST_CODE: Readonly<Uint8Array> = new Uint8Array([
  0x48,
  0x89,
  0xf8, // mov rax, rdi
  0x31,
  0xd2, // xor edx, edx
  0x48,
  0xc1,
  0xc7,
  0x03, // rol rdi, 3
  0x48,
  0xc1,
  0xc7,
  0x0d, // rol rdi, 13
  0x48,
  0xc1,
  0xc7,
  0x3d, // rol rdi, 61
  0x48,
  0xc1,
  0xc7,
  0x33, // rol rdi, 51
  0x48,
  0x87,
  0xdb, // xchg rbx, rbx
  0x48,
  0x89,
  0xd0, // mov rax, rdx
  0xc3, // ret
]);

/** Issues one client request with up to five arguments; returns Valgrind's answer (0 natively). */
export type ClientRequest = (request: number, ...args: number[]) => bigint;

const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const PAGE = 4096;

/**
 * Map one page, write {@linkcode CLIENT_REQUEST_CODE} into it, make it
 * executable (never writable and executable at once) and return a function
 * that issues requests through it. `platform` defaults to `Deno.build`.
 *
 * @throws {RangeError} when not on x86-64 Linux.
 * @throws {Deno.errors.NotCapable} without `--allow-ffi`.
 * @throws {Error} when libc's `mmap` or `mprotect` fails.
 *
 * @example Natively every request answers 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { openClientRequests, RUNNING_ON_VALGRIND } from "./callgrind_request.ts";
 *
 * if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
 *   const request = openClientRequests();
 *   assert.ok(request(RUNNING_ON_VALGRIND) === 0n);
 * }
 * ```
 */
export function openClientRequests(
  platform: { os: string; arch: string } = Deno.build,
): ClientRequest {
  if (platform.os !== "linux" || platform.arch !== "x86_64") {
    throw new RangeError(
      `Cannot issue Valgrind client requests as they are written for x86-64 Linux: this is ${platform.arch} ${platform.os}`,
    );
  }
  const libc = Deno.dlopen("libc.so.6", {
    mmap: {
      parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"],
      result: "pointer",
    },
    mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
  });
  const page = libc.symbols.mmap(
    null,
    BigInt(PAGE),
    PROT_READ | PROT_WRITE,
    MAP_PRIVATE | MAP_ANONYMOUS,
    -1,
    0n,
  );
  // MAP_FAILED is (void *) -1.
  if (page === null || Deno.UnsafePointer.value(page) === 2n ** 64n - 1n) {
    throw new Error("Cannot issue client requests as libc mmap() failed");
  }
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(page, PAGE)).set(
    CLIENT_REQUEST_CODE,
  );
  if (libc.symbols.mprotect(page, BigInt(PAGE), PROT_READ | PROT_EXEC) !== 0) {
    throw new Error("Cannot issue client requests as libc mprotect() failed");
  }
  const definition = { parameters: ["buffer"], result: "u64" } as const;
  const fn = new Deno.UnsafeFnPointer(
    page as Deno.PointerObject<typeof definition>,
    definition,
  );
  const block = new BigUint64Array(6);
  return (request, ...args) => {
    block[0] = BigInt(request);
    for (let i = 0; i < 5; i++) block[i + 1] = BigInt(args[i] ?? 0);
    return fn.call(block) as bigint;
  };
}

import assert from "node:assert/strict";
import { loadNative, NATIVE_SYMBOLS } from "../../core/native/native.ts";
import { NATIVE_SOURCE } from "../../core/native/build.ts";

const status = await loadNative();
const skip = status.available ? "" : ` (skipped: ${status.reason})`;

Deno.test(`loadNative() opens the library once per process${skip}`, {
  ignore: !status.available,
}, async () => {
  const again = await loadNative();
  assert(status.available && again.available);
  assert.equal(again.native, status.native);
  assert.match(status.native.path, /pmubench_native-[0-9a-f]{16}\.\w+$/);
  for (const name of Object.keys(NATIVE_SYMBOLS)) {
    assert.equal(
      typeof (status.native.symbols as Record<string, unknown>)[name],
      "function",
      name,
    );
  }
});

Deno.test("loadNative() without a compiler is unavailable with the build's reason", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "pmubench-native-test-" });
  try {
    const s = await loadNative({ cacheDir, compiler: "pmubench-no-such-cc" });
    assert.equal(s.available, false);
    assert(!s.available && s.reason.startsWith("no C compiler: "));
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test(
  `loadNative() refuses a library whose struct layout disagrees with _layout.ts${skip}`,
  {
    ignore: !status.available,
  },
  async () => {
    const cacheDir = await Deno.makeTempDir({
      prefix: "pmubench-native-test-",
    });
    try {
      const text = await Deno.readTextFile(NATIVE_SOURCE);
      const changed = text.replace(
        "#define PMB_VCPU_LAYOUT_VERSION 1",
        "#define PMB_VCPU_LAYOUT_VERSION 99",
      );
      assert.notEqual(changed, text);
      const source = `${cacheDir}/changed.c`;
      await Deno.writeTextFile(source, changed);
      const s = await loadNative({
        cacheDir,
        source: new URL(`file://${source}`),
      });
      assert(!s.available);
      assert.match(s.reason, /^the C struct pmb_vcpu \(layout 99,/);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test(`loadNative() without --allow-ffi says so in one reason${skip}`, {
  ignore: !status.available,
}, async () => {
  const module = new URL("../../core/native/native.ts", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "pmubench-native-test-" });
  const script = `${dir}/no_ffi.ts`;
  await Deno.writeTextFile(
    script,
    `import { loadNative } from "${module.href}";
const s = await loadNative();
console.log(JSON.stringify(s.available ? "available" : s.reason));`,
  );
  // deno eval would grant everything: run a file with every permission but FFI.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output().finally(() => Deno.remove(dir, { recursive: true }));
  assert(out.success, new TextDecoder().decode(out.stderr));
  const reason = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.match(
    reason,
    /^cannot load the native reference .*: needs --allow-ffi$/,
  );
});

Deno.test(
  `native bitmap entry points compute what bitmap.h says on hand-picked maps${skip}`,
  {
    ignore: !status.available,
  },
  () => {
    assert(status.available);
    const s = status.native.symbols;
    const maps = new BigUint64Array([
      0n,
      1n,
      1n << 63n,
      0xffff_ffff_ffff_ffffn,
      0x8000_0001_8000_0001n,
    ]);
    const n = maps.length;
    assert.equal(s.pmb_bitmap_empty_batch(maps, n), 1);
    assert.equal(s.pmb_bitmap_weight_batch(maps, n), 0 + 1 + 1 + 64 + 4);
    // Sum of (bit + 1): 1; 64; 64 * 65 / 2; 1 + 32 + 33 + 64.
    const sum = 1 + 64 + 2080 + (1 + 32 + 33 + 64);
    assert.equal(s.pmb_for_each_set_bit_batch(maps, n), sum);
    assert.equal(s.pmb_find_next_bit_batch(maps, n), sum);
    // n = 0 touches nothing and says "no bit".
    const dst = new BigUint64Array(n);
    assert.equal(s.pmb_bitmap_or_batch(dst, maps, maps, 0), 64);
    assert.equal(s.pmb_bitmap_from_arr64_batch(dst, maps, n), 0);
    assert.deepEqual([...dst], [...maps]);
    const text = new Uint8Array(192);
    const len = s.pmb_bitmap_print_list_batch(
      new BigUint64Array([0x7_0000_000fn, 0xffff_ffff_ffff_ffffn]),
      2,
      text,
    );
    assert.equal(new TextDecoder().decode(text.subarray(0, 4)), "0-63");
    assert.equal(len, "0-3,32-34".length + "0-63".length);
  },
);

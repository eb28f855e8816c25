import assert from "node:assert/strict";
import {
  buildNative,
  defaultNativeCacheDir,
  NATIVE_CFLAGS,
  NATIVE_SOURCE,
} from "../../core/native/build.ts";

/** Whether the system compiler works here; tests needing it are ignored otherwise. */
const probe = await buildNative();
const hasCompiler = probe.ok;
const noCompiler = hasCompiler
  ? ""
  : ` (skipped: ${probe.ok ? "" : probe.reason})`;

async function tempCache(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "pmubench-native-test-" });
}

Deno.test(
  `buildNative() builds once, then finds the library in the cache${noCompiler}`,
  {
    ignore: !hasCompiler,
  },
  async () => {
    const cacheDir = await tempCache();
    try {
      const first = await buildNative({ cacheDir });
      assert(first.ok, first.ok ? "" : first.reason);
      assert.equal(first.cached, false);
      assert(first.path.startsWith(cacheDir));
      assert((await Deno.stat(first.path)).size > 0);
      const second = await buildNative({ cacheDir });
      assert(second.ok);
      assert.equal(second.cached, true);
      assert.equal(second.path, first.path);
      // No temporary file is left behind.
      const names = [];
      for await (const e of Deno.readDir(cacheDir)) names.push(e.name);
      assert.deepEqual(names, [first.path.slice(cacheDir.length + 1)]);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test(
  `buildNative() keys the cache by the source: another source, another library${noCompiler}`,
  {
    ignore: !hasCompiler,
  },
  async () => {
    const cacheDir = await tempCache();
    try {
      const copy = `${cacheDir}/copy.c`;
      const text = await Deno.readTextFile(NATIVE_SOURCE);
      await Deno.writeTextFile(copy, text);
      const a = await buildNative({
        cacheDir,
        source: new URL(`file://${copy}`),
      });
      await Deno.writeTextFile(copy, `${text}\n/* changed */\n`);
      const b = await buildNative({
        cacheDir,
        source: new URL(`file://${copy}`),
      });
      assert(a.ok && b.ok);
      assert.notEqual(a.path, b.path);
      assert.equal(b.cached, false);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("buildNative() without a compiler returns one reason and builds nothing", async () => {
  const cacheDir = await tempCache();
  try {
    const built = await buildNative({
      cacheDir,
      compiler: "pmubench-no-such-cc",
    });
    assert.equal(built.ok, false);
    assert(!built.ok);
    assert.equal(
      built.reason,
      "no C compiler: 'pmubench-no-such-cc' is not found on PATH (set CC to use another)",
    );
    const absolute = await buildNative({
      cacheDir,
      compiler: "/nonexistent/cc",
    });
    assert(!absolute.ok && absolute.reason.includes("is no such file"));
    for await (const _ of Deno.readDir(cacheDir)) {
      assert.fail("a file was written");
    }
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test(
  `buildNative() reports a failed compilation with the compiler's first error${noCompiler}`,
  {
    ignore: !hasCompiler,
  },
  async () => {
    const cacheDir = await tempCache();
    try {
      const broken = `${cacheDir}/broken.c`;
      await Deno.writeTextFile(broken, "int pmb_broken(void) { return }\n");
      const built = await buildNative({
        cacheDir,
        source: new URL(`file://${broken}`),
      });
      assert(!built.ok);
      assert.match(
        built.reason,
        new RegExp(
          `^'cc ${
            NATIVE_CFLAGS.join(" ")
          }' exited with code [1-9]\\d*: .*error`,
        ),
      );
      for await (const e of Deno.readDir(cacheDir)) {
        assert.equal(
          e.name,
          "broken.c",
          "no library or temporary file is left",
        );
      }
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("buildNative() reports an unreadable source or a remote one", async () => {
  const cacheDir = await tempCache();
  try {
    const missing = await buildNative({
      cacheDir,
      source: new URL(`file://${cacheDir}/missing.c`),
    });
    assert(
      !missing.ok && missing.reason.startsWith("cannot read the C source"),
    );
    const remote = await buildNative({
      cacheDir,
      source: new URL("https://example.com/pmubench_native.c"),
    });
    assert(!remote.ok && remote.reason.includes("not a local file"));
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("buildNative() reports a cache directory it cannot create", async () => {
  const dir = await tempCache();
  try {
    const file = `${dir}/a-file`;
    await Deno.writeTextFile(file, "");
    const built = await buildNative({ cacheDir: `${file}/native` });
    assert(
      !built.ok && built.reason.startsWith("cannot use the cache directory"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("defaultNativeCacheDir() is .pmubench/native at the project root", () => {
  const root = new URL("../../", import.meta.url).pathname;
  assert.equal(defaultNativeCacheDir(), `${root}.pmubench/native`);
});

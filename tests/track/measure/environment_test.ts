import assert from "node:assert/strict";
import {
  readCpuModel,
  readEnvironment,
} from "../../../core/track/measure/environment.ts";

Deno.test("readEnvironment() records the running deno, the machine and the git state", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const env = await readEnvironment(dir);
    await t.step("versions are the running binary's", () => {
      assert.equal(env.deno, Deno.version.deno);
      assert.equal(env.v8, Deno.version.v8);
      assert.equal(env.typescript, Deno.version.typescript);
    });
    await t.step("machine", () => {
      assert.equal(env.arch, Deno.build.arch);
      assert.ok(env.os.startsWith(Deno.build.os));
      assert.equal(env.cores, navigator.hardwareConcurrency);
    });
    await t.step("outside git: nulls", () => {
      assert.equal(env.commit, null);
      assert.equal(env.dirty, null);
      assert.equal(env.branch, null);
    });
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("readCpuModel() reads /proc/cpuinfo's model name on Linux", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const text = await Deno.readTextFile("/proc/cpuinfo");
  const line = text.split("\n").find((l) => l.startsWith("model name"));
  assert.equal(
    await readCpuModel(),
    line === undefined ? "" : line.split(":")[1].trim(),
  );
});

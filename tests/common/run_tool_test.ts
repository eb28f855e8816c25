import assert from "node:assert/strict";
import { runTool } from "../../core/common/run_tool.ts";

Deno.test("runTool() captures output and the exit code of a tool that ran", async (t) => {
  await t.step("success, stdout and stderr as text, in cwd", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const r = await runTool(Deno.execPath(), {
        args: ["eval", "console.log(Deno.cwd()); console.error('e')"],
        cwd: dir,
      });
      assert(r.started);
      assert.equal(r.success, true);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.trim(), await Deno.realPath(dir));
      assert.equal(r.stderr.trim(), "e");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  await t.step("a non-zero exit is a run, not an error", async () => {
    const r = await runTool(Deno.execPath(), {
      args: ["eval", "Deno.exit(3)"],
    });
    assert(r.started);
    assert.equal(r.success, false);
    assert.equal(r.code, 3);
  });
});

Deno.test("runTool() reports a tool that cannot start instead of throwing", async (t) => {
  await t.step("missing from PATH", async () => {
    const r = await runTool("pmubench-no-such-tool-xyz");
    assert(!r.started);
    assert.equal(r.missing, true);
    assert.equal(r.reason, "not found on PATH");
    assert(r.error instanceof Deno.errors.NotFound);
  });
  await t.step("a path that does not exist", async () => {
    const r = await runTool("/nonexistent/tool");
    assert(!r.started && r.missing && r.reason === "no such file");
  });
  await t.step("a file that is not executable", async () => {
    const file = await Deno.makeTempFile();
    try {
      await Deno.chmod(file, 0o644);
      const r = await runTool(file);
      assert(!r.started);
      assert.equal(r.missing, false);
      assert.equal(r.reason, "not executable");
    } finally {
      await Deno.remove(file);
    }
  });
});

Deno.test("runTool() throws spawn errors other than a missing or non-executable binary", async () => {
  // A working directory that does not exist fails the spawn itself.
  await assert.rejects(
    runTool(Deno.execPath(), { args: ["--version"], cwd: "/nonexistent/dir" }),
    Deno.errors.NotFound,
  );
});

/**
 * A debugger's view of another process, from C: task_for_pid on a forked child, then the
 * mach_vm and vm_map routines on its task port, served by the kernel against the child's real
 * memory (process_vm_readv / writev and /proc/PID/maps through the server's native addon).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

test("mach_vm_read / vm_read / read_overwrite / write / copy / region / region_recurse on a forked child's task, with XNU's codes for bad addresses and sizes", async () => {
  const source = readFileSync("test/native/programs/vm_remote.c", "utf8");
  const prog = compile(source, { link: true, name: "vm_remote", flags: ["-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE"] });
  const server = await startServer();
  try {
    const r = await run(prog, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
    assert.equal(lines.length, source.split("\n  check(").length - 1 + source.split("  if (kr == KERN_SUCCESS) check(").length - 1, "every check ran");
    await until(() => server.kernel.tasks.size === 1, "the C tasks to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});

/**
 * What xnu's own tools/tests and darwintests need from libmachipc beyond the MIG routines, pinned
 * by a program of our own (test/native/programs/classic.c): the SDK's AvailabilityMacros.h and
 * libkern/OSAtomic.h, mach_timebase_info_trap, sysctl's hw.* and kern.* names as xnu-3248's
 * sysctl_hw_generic / sysctl_io_number / sysctlbyname answer them, and fork1's order (the child is
 * a task before fork returns in the parent).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

test("the classic program: SDK headers, the timebase trap, sysctl from the served host, fork's child a task at once", async () => {
  const source = readFileSync("test/native/programs/classic.c", "utf8");
  const prog = compile(source, { link: true, name: "classic", flags: ["-D_DEFAULT_SOURCE"] });
  // Three processors, not this machine's count, so hw.ncpu can only have come from the served kernel.
  const server = await startServer({ cpus: 3 });
  const r = await run(prog, ["3"], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } }).catch((e: { stdout: string; stderr: string }) => e);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
  assert.equal(lines.length, source.split(/\n\s*check\(/).length - 1, "every check ran");
  await until(() => server.kernel.tasks.size === 1, "the C tasks to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

/** libsystem's Mach runtime and the traps from C: a macOS-style program built against native/include and libmachipc. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

test("the runtime program: traps, semaphores between threads, the message helpers, VM and page-aligned OOL memory", async () => {
  const source = readFileSync("test/native/programs/runtime.c", "utf8");
  const prog = compile(source, { link: true, name: "runtime", flags: ["-D_POSIX_C_SOURCE=200809L"] });
  const server = await startServer();
  const r = await run(prog, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } }).catch((e: { stdout: string; stderr: string }) => e);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
  assert.equal(lines.length, source.split("\n  check(").length - 1, "every check ran");
  await until(() => server.kernel.tasks.size === 1, "the C task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

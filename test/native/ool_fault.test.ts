/** mach_msg from C with out-of-line memory the process cannot read: MACH_SEND_INVALID_MEMORY, and the connection lives on. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

test("OOL memory that is unmapped, PROT_NONE or partly mapped is refused with MACH_SEND_INVALID_MEMORY, the connection goes on", async () => {
  const source = readFileSync("test/native/programs/ool_fault.c", "utf8");
  const prog = compile(source, { link: true, name: "ool_fault", flags: ["-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE"] });
  const server = await startServer();
  try {
    const r = await run(prog, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } }).catch((e: { stdout: string; stderr: string; code: number }) => e);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
    assert.equal(lines.length, source.split("\n  check(").length - 1, "every check ran");
    await until(() => server.kernel.tasks.size === 1, "the C task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});

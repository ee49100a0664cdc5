/**
 * kqueue / kevent / kevent64 from libmachipc (native/src/kqueue.c), pinned by a program written as
 * a macOS one would be (test/native/programs/kqueue.c): EVFILT_MACHPORT on a served port set with
 * filt_machport's two modes, kevent_register's errors and flags, waits ended by a message, a pipe
 * or a user event, timers, select() on the kqueue, and a fork's child without it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);

test("kqueue: EVFILT_MACHPORT on a port set, the errors and flags of kevent_register, waits, timers and user events", async () => {
  const source = readFileSync("test/native/programs/kqueue.c", "utf8");
  const prog = compile(source, { link: true, name: "kqueue", flags: ["-D_GNU_SOURCE"] });
  const server = await startServer();
  try {
    const r = await run(prog, [], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath }, timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => e);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.filter((l) => !l.startsWith("ok ")), [], r.stderr);
    assert.equal(lines.length, source.split(/\n\s*check\(/).length - 1, "every check ran");
    await until(() => server.kernel.tasks.size === 1, "the C tasks to die");
    assert.deepEqual(server.kernel.findViolations(), []);
  } finally {
    await server.close();
  }
});

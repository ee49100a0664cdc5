/**
 * Programs written the way macOS programs are (a hostinfo, a vm_stat, an lsmp and a message ping-pong
 * benchmark), built with only -Inative/include and libmachipc, run against a server the test starts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer, until } from "../server/helpers.js";
import { compile } from "./cc.js";

const run = promisify(execFile);
const build = (name: string): string =>
  compile(readFileSync(`test/native/programs/${name}.c`, "utf8"), { link: true, name, flags: ["-D_POSIX_C_SOURCE=200809L"] });

async function against<T>(fn: (env: NodeJS.ProcessEnv, kernel: Awaited<ReturnType<typeof startServer>>["kernel"]) => Promise<T>): Promise<T> {
  const server = await startServer();
  try {
    const r = await fn({ ...process.env, MACHIPC_SOCKET: server.socketPath }, server.kernel);
    await until(() => server.kernel.tasks.size === 1, "every C task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
    return r;
  } finally {
    await server.close();
  }
}

test("pingpong: message round trips answered in order between two threads, and a semaphore ping-pong", async () => {
  const prog = build("pingpong");
  await against(async (env) => {
    const { stdout } = await run(prog, ["300"], { env });
    assert.match(stdout, /^300 message round trips, 300 answered in order\n/);
    assert.match(stdout, /message round trip: \d+ ns\n/);
    assert.match(stdout, /semaphore round trip: \d+ ns\n/);
  });
});

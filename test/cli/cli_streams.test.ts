/** The machipc command's conventions: trace's pipes, inspect's port, task names from /proc. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { startServer, until } from "../server/helpers.js";
import { MachClient } from "../../src/client/index.js";
import { processName, taskName } from "../../src/server/proc_name.js";
import { cli, waitForLine } from "./run.js";

test("trace | head -1 ends quietly on the broken pipe; trace says so when the server goes away", async () => {
  const server = await startServer();
  try {
    const pipeline = spawn("bash", ["-c", `set -o pipefail; "${process.execPath}" dist/cli/main.js trace --socket "${server.socketPath}" | head -1`]);
    let out = "";
    let err = "";
    pipeline.stdout.on("data", (d) => (out += d));
    pipeline.stderr.on("data", (d) => (err += d));
    await until(() => server.tracerCount > 0, "the tracer to subscribe", 20000);
    const c = await MachClient.connect({ socketPath: server.socketPath, name: "traced" });
    const self = await c.mainThread.taskSelfTrap();
    // Traffic until the pipeline ends, so the tracer writes after head has gone (bounded: 20 s).
    let closed = false;
    const exited = new Promise<number | null>((r) => pipeline.once("close", (code) => ((closed = true), r(code))));
    for (const end = Date.now() + 20000; !closed && Date.now() < end; ) {
      await c.mainThread.call(3201, self, { name: self });
      await new Promise((r) => setTimeout(r, 10));
    }
    const code = await exited;
    c.close();
    assert.equal(code, 0, `trace exits 0 on EPIPE (stderr: ${err})`);
    assert.equal(err, "");
    assert.match(out, /^traced -> IKOT_TASK: mach_port_type \(id 3201, 36 bytes\)\n$/);
    const tracer = spawn(process.execPath, ["dist/cli/main.js", "trace", "--socket", server.socketPath]);
    // Listened for from the start: the tracer can exit, and emit close, while the test still
    // polls for its last line, and a listener added after that would wait forever.
    const tracerExit = new Promise<number | null>((r) => tracer.once("close", r));
    await until(() => server.tracerCount > 0, "the second tracer", 20000);
    const gone = waitForLine(tracer, /the server went away/);
    await server.close();
    await gone;
    assert.equal(await tracerExit, 1);
  } finally {
    await server.close().catch(() => undefined);
  }
});

test("inspect: a busy port is one sentence", async () => {
  const server = await startServer();
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await cli(["inspect", "--port", String(port), "--socket", server.socketPath]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `machipc inspect: port ${port} on 127.0.0.1 is in use (choose another with --port N)\n`);
  } finally {
    busy.close();
    await server.close();
  }
});

test("tasks are named by their process: a C program by /proc's name, so lsmp finds it by name", async () => {
  const sleeper = spawn("sleep", ["30"]);
  try {
    assert.equal(processName(sleeper.pid!), "sleep");
    assert.equal(taskName(`c:${sleeper.pid}`, sleeper.pid!), "sleep", "the C library's placeholder gives way to the process name");
    assert.equal(taskName("", sleeper.pid!), "sleep");
    assert.equal(taskName("lister", sleeper.pid!), "lister", "a name the client chose stands");
  } finally {
    sleeper.kill();
  }
  const server = await startServer();
  const registrar = spawn("native/build/examples/rendezvous", ["registrar"], { env: { ...process.env, MACHIPC_SOCKET: server.socketPath } });
  try {
    await waitForLine(registrar, /registrar ready/, "stdout");
    const r = await cli(["lsmp", "rendezvous"], { MACHIPC_SOCKET: server.socketPath });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Process \\(${registrar.pid}\\) : rendezvous\n`));
  } finally {
    registrar.kill();
    await server.close();
  }
});

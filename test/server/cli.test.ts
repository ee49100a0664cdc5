/** The machipc command against a server the test starts (dist/ is built by `npm test` first). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startServer } from "./helpers.js";
import { MachClient } from "../../src/client/index.js";

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, ["dist/cli/main.js", ...args]).catch((e: { stdout: string; stderr: string; code: number }) => e);

test("machipc tasks / lsmp / host against a running server, and --help", async () => {
  const server = await startServer();
  try {
    const c = await MachClient.connect({ socketPath: server.socketPath, name: "lister" });
    const self = await c.mainThread.taskSelfTrap();
    await c.mainThread.call(3204, self, { right: 1 });
    const tasks = await cli(["tasks", "--socket", server.socketPath]);
    assert.match(tasks.stdout, /^PID\s+NAME\s+UID\s+GID\s+THREADS\s+NAMES/);
    assert.match(tasks.stdout, /lister/);
    const lsmp = await cli(["lsmp", String(c.pid), "--socket", server.socketPath]);
    assert.match(lsmp.stdout, new RegExp(`Process \\(${c.pid}\\) : lister`));
    assert.match(lsmp.stdout, /name\s+ipc-object\s+rights\s+flags\s+boost\s+reqs\s+recv\s+send\s+sonce\s+oref\s+qlimit\s+msgcount\s+context\s+identifier\s+type/);
    assert.match(lsmp.stdout, /0x00000103\s+\S+\s+send\s.*TASK/);
    assert.match(lsmp.stdout, /recv\s+\S*\s+0\s+\s*1\s+0\s+0/);
    const byName = await cli(["lsmp", "--socket", server.socketPath, "lister"]);
    assert.match(byName.stdout, new RegExp(`Process \\(${c.pid}\\) : lister`));
    const host = await cli(["host", "--socket", server.socketPath]);
    assert.match(host.stdout, /Kernel version: Darwin Kernel Version 15\.4\.0/);
    assert.match(host.stdout, /processor 0 \(master\)/);
    const help = await cli(["lsmp", "--help"]);
    assert.match(help.stdout, /usage: machipc lsmp PID\|NAME/);
    c.close();
  } finally {
    await server.close();
  }
});

test("machipc with no server running says so clearly", async () => {
  const r = (await cli(["tasks", "--socket", "/nonexistent/m.sock"])) as { stderr: string; code: number };
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no machipc server at \/nonexistent\/m\.sock \(start one with `machipc serve`\)/);
  const u = (await cli(["frobnicate"])) as { stderr: string; code: number };
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command 'frobnicate'/);
});

test("machipc trace prints messages as they pass, by routine name", async () => {
  const { spawn } = await import("node:child_process");
  const server = await startServer();
  try {
    const tracer = spawn(process.execPath, ["dist/cli/main.js", "trace", "--socket", server.socketPath]);
    let out = "";
    tracer.stdout.on("data", (d) => (out += d));
    const { until } = await import("./helpers.js");
    await until(() => server.tracerCount > 0, "the tracer to subscribe", 20000);
    const c = await MachClient.connect({ socketPath: server.socketPath, name: "traced" });
    const self = await c.mainThread.taskSelfTrap();
    await c.mainThread.call(3204, self, { right: 1 });
    await until(() => out.includes("mach_port_allocate reply"), "both trace lines", 20000);
    assert.match(out, /traced -> IKOT_TASK: mach_port_allocate \(id 3204, 36 bytes\)/);
    assert.match(out, /kernel_task -> traced's port 0x[0-9a-f]+: mach_port_allocate reply \(id 3304, 40 bytes\)/);
    tracer.kill("SIGINT");
    c.close();
  } finally {
    await server.close();
  }
});

test("machipc inspect: the page and the state it draws (tasks, names, rights, the port each right reaches)", async () => {
  const { startInspector } = await import("../../src/cli/inspect.js");
  const server = await startServer();
  try {
    const viewer = await MachClient.connect({ socketPath: server.socketPath, name: "viewer" });
    const c = await MachClient.connect({ socketPath: server.socketPath, name: "drawn" });
    const self = await c.mainThread.taskSelfTrap();
    await c.mainThread.call("mach_port_allocate", self, { right: 1 });
    const { server: http, url } = await startInspector(viewer, 0);
    const page = await (await fetch(url)).text();
    assert.match(page, /<title>machipc inspector<\/title>/);
    const state = (await (await fetch(url + "state.json")).json()) as { tasks: { name: string; rows: { rights: string; type: string }[] }[] };
    const drawn = state.tasks.find((t) => t.name === "drawn")!;
    assert.ok(drawn.rows.some((r) => r.rights === "recv"));
    assert.ok(drawn.rows.some((r) => r.rights === "send" && r.type === "TASK"));
    assert.equal((await fetch(url + "nope")).status, 404);
    await new Promise((r) => http.close(r));
    viewer.close();
    c.close();
  } finally {
    await server.close();
  }
});

/** The machipc command's conventions: the listings: socket options, MACHIPC_SOCKET, --json, lsmp -p/-a/by name. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../server/helpers.js";
import { MachClient } from "../../src/client/index.js";
import { cli } from "./run.js";

test("listings: --socket PATH and --socket=PATH, MACHIPC_SOCKET, --json, lsmp -p / -a / by name", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "lister" });
  try {
    const self = await c.mainThread.taskSelfTrap();
    await c.mainThread.call(3204, self, { right: 1 });
    const spaced = await cli(["tasks", "--socket", server.socketPath]);
    const joined = await cli(["tasks", `--socket=${server.socketPath}`]);
    const env = await cli(["tasks"], { MACHIPC_SOCKET: server.socketPath });
    for (const r of [spaced, joined, env]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^PID\s+NAME\s+UID\s+GID\s+THREADS\s+NAMES\n/);
      assert.match(r.stdout, new RegExp(`^${c.pid}\\s+lister\\s`, "m"));
    }
    const tasks = JSON.parse((await cli(["tasks", "--json"], { MACHIPC_SOCKET: server.socketPath })).stdout) as { pid: number; name: string }[];
    assert.ok(tasks.some((t) => t.pid === c.pid && t.name === "lister"));
    const byPid = await cli(["lsmp", "-p", String(c.pid)], { MACHIPC_SOCKET: server.socketPath });
    const byWord = await cli(["lsmp", String(c.pid)], { MACHIPC_SOCKET: server.socketPath });
    const byName = await cli(["lsmp", "lister"], { MACHIPC_SOCKET: server.socketPath });
    assert.equal(byPid.code, 0, byPid.stderr);
    assert.match(byPid.stdout, new RegExp(`^Process \\(${c.pid}\\) : lister\n  name      ipc-object`));
    assert.equal(byWord.stdout, byPid.stdout);
    assert.equal(byName.stdout, byPid.stdout);
    const json = JSON.parse((await cli(["lsmp", "-p", String(c.pid), "--json"], { MACHIPC_SOCKET: server.socketPath })).stdout) as { pid: number; entries: { name: number; type: number }[] };
    assert.equal(json.pid, c.pid);
    assert.ok(json.entries.some((e) => e.type === 0x20000));
    const all = await cli(["lsmp", "-a"], { MACHIPC_SOCKET: server.socketPath });
    assert.match(all.stdout, /^Process \(0\) : kernel_task\n/);
    assert.match(all.stdout, new RegExp(`\n\n\nProcess \\(${c.pid}\\) : lister\n`));
    const allJson = JSON.parse((await cli(["lsmp", "-a", "--json"], { MACHIPC_SOCKET: server.socketPath })).stdout) as { pid: number }[];
    assert.ok(allJson.some((r) => r.pid === c.pid));
    const missing = await cli(["lsmp", "nobody-here"], { MACHIPC_SOCKET: server.socketPath });
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, "machipc lsmp: no task named 'nobody-here' (see `npx machipc tasks`)\n");
    const host = await cli(["host"], { MACHIPC_SOCKET: server.socketPath });
    assert.match(host.stdout, /^Mach kernel version:\n\t Darwin Kernel Version 15\.4\.0/);
    assert.match(host.stdout, /^Processor 0: running \(master\)$/m);
    const hostJson = JSON.parse((await cli(["host", "--json"], { MACHIPC_SOCKET: server.socketPath })).stdout) as { maxCpus: number; maxMem: string };
    assert.equal(hostJson.maxCpus, 2);
    assert.match(hostJson.maxMem, /^\d+$/);
  } finally {
    c.close();
    await server.close();
  }
});

test("the Node client finds the server by MACHIPC_SOCKET, as the C library and the CLI do", async () => {
  const server = await startServer();
  const before = process.env["MACHIPC_SOCKET"];
  process.env["MACHIPC_SOCKET"] = server.socketPath;
  try {
    const c = await MachClient.connect({ name: "by-env" });
    assert.ok((await c.tasks()).some((t) => t.name === "by-env"));
    c.close();
  } finally {
    if (before === undefined) delete process.env["MACHIPC_SOCKET"];
    else process.env["MACHIPC_SOCKET"] = before;
    await server.close();
  }
});

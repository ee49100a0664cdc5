/** Many client processes at once, and a client killed in the middle of an RPC. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, until } from "./helpers.js";
import { MachClient } from "../../src/client/index.js";

/** A client process: RPCs in a loop, and passes a send right of its own port to the server-side peer. */
const CLIENT = `
import { MachClient } from ${JSON.stringify(new URL("../../src/client/index.ts", import.meta.url).pathname)};
const c = await MachClient.connect({ socketPath: process.argv[2], name: "load" });
const t = c.mainThread;
const self = await t.taskSelfTrap();
let ok = 0;
for (let i = 0; i < Number(process.argv[3]); i++) {
  const p = await t.call(3204, self, { right: 1 });
  if (p.kr !== 0) throw new Error("allocate " + p.kr);
  const ins = await t.call(3214, self, { name: p.name, poly: { name: p.name, disposition: 20 } });
  const ty = await t.call(3201, self, { name: p.name });
  if (ins.kr === 0 && ty.ptype === 0x30000) ok++;
  if (i % 2 === 0) await t.call(3205, self, { name: p.name });
}
console.log("ok " + ok);
if (process.argv[4] === "hang") { await new Promise(() => {}); }
c.close();
`;

function clientScript(): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-load-"));
  const path = join(dir, "client.mts");
  writeFileSync(path, CLIENT);
  return path;
}

function runClient(script: string, socket: string, n: number, mode = ""): { done: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, ["--import", "tsx", script, socket, String(n), mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise<string>((resolve, reject) => child.once("exit", (code, sig) => (code === 0 || sig ? resolve(out) : reject(new Error(`client exited ${code}: ${err}`)))));
  return { done, kill: () => child.kill("SIGKILL") };
}

test("32 concurrent client processes doing RPCs lose nothing, and the server is clean after they go", async () => {
  const server = await startServer();
  const script = clientScript();
  const clients = Array.from({ length: 32 }, () => runClient(script, server.socketPath, 20));
  const outs = await Promise.all(clients.map((c) => c.done));
  for (const o of outs) assert.match(o, /ok 20/);
  await until(() => server.kernel.tasks.size === 1, "all client tasks to die", 20000);
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("kill -9 of a client in the middle of its work leaves the server serving and the invariant holding", async () => {
  const server = await startServer();
  const script = clientScript();
  const victim = runClient(script, server.socketPath, 200, "hang");
  await until(() => server.kernel.tasks.size >= 2, "the victim to connect", 20000);
  // Let it get some work in, then kill it mid-stream.
  await new Promise((r) => setTimeout(r, 150));
  victim.kill();
  await victim.done;
  await until(() => server.kernel.tasks.size === 1, "the victim's task to die", 20000);
  assert.deepEqual(server.kernel.findViolations(), []);
  const c = await MachClient.connect({ socketPath: server.socketPath });
  assert.notEqual(await c.mainThread.taskSelfTrap(), 0, "still serving");
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the last client to go");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

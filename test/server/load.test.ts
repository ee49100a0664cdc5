/** Many client processes at once, and a client killed in the middle of an RPC. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, until } from "./helpers.js";
import { MachClient } from "../../src/client/index.js";

/**
 * A client process: registers a send right to its own port with the coordinator (found through a
 * host special port), does RPCs, then receives a peer's send right and sends that peer a message,
 * and receives one from another peer: rights passed among the processes themselves.
 */
const CLIENT = `
import { MachClient } from ${JSON.stringify(new URL("../../src/client/index.ts", import.meta.url).pathname)};
const c = await MachClient.connect({ socketPath: process.argv[2], name: "load" });
const t = c.mainThread;
const self = await t.taskSelfTrap();
const rounds = Number(process.argv[3]);
const mode = process.argv[4] ?? "";
let ok = 0;
for (let i = 0; i < rounds; i++) {
  const p = await t.call(3204, self, { right: 1 });
  if (p.kr !== 0) throw new Error("allocate " + p.kr);
  const ins = await t.call(3214, self, { name: p.name, poly: { name: p.name, disposition: 20 } });
  const ty = await t.call(3201, self, { name: p.name });
  if (ins.kr === 0 && ty.ptype === 0x30000) ok++;
  await t.call(3205, self, { name: p.name });
}
console.log("ok " + ok);
if (mode === "hang") await new Promise(() => {});
if (mode === "pass") {
  const host = await t.hostSelfTrap();
  const coord = (await t.call(412, host, { node: -1, which: 8 })).port;
  const mine = (await t.call(3204, self, { right: 1 })).name;
  const msg = new Uint8Array(256);
  const v = new DataView(msg.buffer);
  const send = async (dest, id, port, disp) => {
    msg.fill(0);
    v.setUint32(0, 0x80000013, true); v.setUint32(4, 40, true); v.setUint32(8, dest, true); v.setInt32(20, id, true);
    v.setUint32(24, 1, true); v.setUint32(28, port, true); msg[38] = disp;
    const mr = await t.machMsg(msg, 1, 40, 0, 0);
    if (mr !== 0) throw new Error("send " + mr.toString(16));
  };
  await send(coord, 600, mine, 20);
  // The peer's right (601) and a peer's greeting (602) may come in either order.
  let assigned = false, greeted = false;
  while (!assigned || !greeted) {
    const mr = await t.machMsg(msg, 2, 0, 256, mine);
    if (mr !== 0) throw new Error("receive " + mr.toString(16));
    const id = v.getInt32(20, true);
    if (id === 601) { assigned = true; await send(v.getUint32(28, true), 602, 0, 0); }
    else if (id === 602) greeted = true;
    else throw new Error("unexpected id " + id);
  }
  console.log("passed");
}
c.close();
`;

function clientScript(): string {
  const dir = mkdtempSync(join(tmpdir(), "machipc-load-"));
  const path = join(dir, "client.mjs");
  writeFileSync(path, CLIENT);
  return path;
}

function runClient(script: string, socket: string, n: number, mode = ""): { done: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, ["--import", "tsx", script, socket, String(n), mode], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  // "close", not "exit": the output is complete only once the pipes are drained.
  const done = new Promise<string>((resolve, reject) => child.once("close", (code, sig) => (code === 0 || sig ? resolve(out) : reject(new Error(`client exited ${code}: ${err}`)))));
  return { done, kill: () => child.kill("SIGKILL") };
}

test("32 concurrent client processes do RPCs and pass rights among themselves; nothing is lost", async () => {
  const server = await startServer();
  const script = clientScript();
  // The coordinator: a receive right published as host special port 8.
  const coord = await MachClient.connect({ socketPath: server.socketPath, name: "coordinator" });
  const ct = coord.mainThread;
  const cself = await ct.taskSelfTrap();
  const cport = (await ct.call(3204, cself, { right: 1 }))["name"] as number;
  const priv = await ct.hostSelfTrap();
  assert.equal((await ct.call(413, priv, { which: 8, port: { name: cport, disposition: 20 } })).kr, 0);
  const N = 32;
  const clients = Array.from({ length: N }, () => runClient(script, server.socketPath, 10, "pass"));
  const peers: number[] = [];
  const buf = new Uint8Array(256);
  const v = new DataView(buf.buffer);
  for (let i = 0; i < N; i++) {
    assert.equal(await ct.machMsg(buf, 2, 0, 256, cport), 0);
    assert.equal(v.getInt32(20, true), 600);
    peers.push(v.getUint32(28, true));
  }
  // Hand each client a send right to the next one's port.
  for (let i = 0; i < N; i++) {
    buf.fill(0);
    v.setUint32(0, 0x80000013, true);
    v.setUint32(4, 40, true);
    v.setUint32(8, peers[i]!, true);
    v.setInt32(20, 601, true);
    v.setUint32(24, 1, true);
    v.setUint32(28, peers[(i + 1) % N]!, true);
    buf[38] = 19;
    assert.equal(await ct.machMsg(buf, 1, 40, 0, 0), 0);
  }
  try {
    const outs = await Promise.all(clients.map((c) => c.done));
    for (const o of outs) assert.match(o, /ok 10\npassed/);
  } finally {
    coord.close();
    for (const c of clients) c.kill();
  }
  await until(() => server.kernel.tasks.size === 1, "all client tasks to die", 20000);
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("kill -9 of a client in the middle of its work leaves the server serving and the invariant holding", async () => {
  const server = await startServer();
  const script = clientScript();
  const victim = runClient(script, server.socketPath, 100000, "");
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

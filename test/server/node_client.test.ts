/** The server with the Node client: traps, MIG calls, rights between processes' tasks, OOL, disconnects, garbage. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { MachClient } from "../../src/client/index.js";
import { startServer, until } from "./helpers.js";
import {
  IKOT_HOST,
  IKOT_HOST_PRIV,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_RCV_MSG,
  MACH_SEND_MSG,
  msghBits,
  OOL_DESCRIPTOR,
} from "../../src/index.js";

test("a Node client is a task: traps, a MIG call, host_info over the socket", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "t1" });
  const th = c.mainThread;
  const self = await th.taskSelfTrap();
  const host = await th.hostSelfTrap();
  assert.notEqual(self, 0);
  const k = await th.call(3230, self, { name: host });
  assert.equal(k.kr, KERN_SUCCESS);
  // The task has this process's uid, from the kernel: root's host_self_trap gives the privileged port.
  assert.equal(k["object_type"], process.getuid?.() === 0 ? IKOT_HOST_PRIV : IKOT_HOST);
  const info = await th.call(200, host, { flavor: 1 });
  assert.equal((info["host_info_out"] as number[])[0], 2, "max_cpus of the served kernel");
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("two client tasks pass a send right and OOL memory through messages; a disconnect leaves a dead name", async () => {
  const server = await startServer();
  const a = await MachClient.connect({ socketPath: server.socketPath, name: "a" });
  const b = await MachClient.connect({ socketPath: server.socketPath, name: "b" });
  const ta = a.mainThread;
  const tb = b.mainThread;
  const aself = await ta.taskSelfTrap();
  const bself = await tb.taskSelfTrap();
  const port = (await tb.call(3204, bself, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  // b gives a a send right through the server's own task port path: b inserts nothing; instead a registers a
  // receive port with b via the kernel's task_for... is unavailable, so the test uses b's bootstrap-less route:
  // b extracts a send right and a receives it in a message from b to a's port.
  const aport = (await ta.call(3204, aself, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  // Bootstrap the first send right through the server's kernel (as launchd would hand it out).
  const kernel = server.kernel;
  const bTask = [...kernel.tasks.values()].find((t) => t.name === "b")!;
  const aTask = [...kernel.tasks.values()].find((t) => t.name === "a")!;
  const { rightCopyin, rightCopyout } = await import("../../src/ipc/right.js");
  const c = rightCopyin(aTask.space, aport, MACH_MSG_TYPE_MAKE_SEND, false);
  const toA = rightCopyout(bTask.space, c.port as never, 17, true).name;
  // b -> a: a MAKE_SEND of b's port and some OOL bytes.
  const data = new TextEncoder().encode("hello from b, out of line");
  const addr = b.memory.allocate(data);
  const msg = new Uint8Array(256);
  const v = new DataView(msg.buffer);
  v.setUint32(0, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, true);
  v.setUint32(4, 56, true);
  v.setUint32(8, toA, true);
  v.setInt32(20, 4242, true);
  v.setUint32(24, 2, true);
  v.setUint32(28, port, true);
  msg[38] = MACH_MSG_TYPE_MAKE_SEND;
  OOL_DESCRIPTOR.write(v, 40, { address: addr, copy: 0, type: 1, size: data.length });
  assert.equal(await tb.machMsg(msg, MACH_SEND_MSG, 56, 0, 0), 0);
  const rbuf = new Uint8Array(512);
  assert.equal(await ta.machMsg(rbuf, MACH_RCV_MSG, 0, 512, aport), 0);
  const rv = new DataView(rbuf.buffer);
  assert.equal(rv.getInt32(20, true), 4242);
  const sendName = rv.getUint32(28, true);
  const ool = OOL_DESCRIPTOR.read(rv, 40);
  assert.deepEqual(a.memory.read(ool.address, ool.size), data);
  // b goes away: a's send right becomes a dead name.
  b.close();
  await until(() => !kernel.tasks.has(bTask.pid), "b to die");
  const t = await ta.call(3201, aself, { name: sendName });
  assert.equal(t["ptype"], MACH_PORT_TYPE_DEAD_NAME);
  a.close();
  await until(() => kernel.tasks.size === 1, "a to die");
  assert.deepEqual(kernel.findViolations(), []);
  await server.close();
});

test("a blocked receive in one thread does not block another thread of the same task", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath });
  const t1 = c.mainThread;
  const t2 = await c.createThread();
  const self = await t1.taskSelfTrap();
  const port = (await t1.call(3204, self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const buf = new Uint8Array(128);
  const waiting = t1.machMsg(buf, MACH_RCV_MSG, 0, 128, port);
  // Meanwhile the other thread works, and then wakes the first.
  const r = await t2.call(3201, self, { name: port });
  assert.equal(r.kr, KERN_SUCCESS);
  await t2.call(3214, self, { name: port, poly: { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  const msg = new Uint8Array(32);
  const v = new DataView(msg.buffer);
  v.setUint32(0, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), true);
  v.setUint32(8, port, true);
  v.setInt32(20, 9, true);
  assert.equal(await t2.machMsg(msg, MACH_SEND_MSG, 24, 0, 0), 0);
  assert.equal(await waiting, 0);
  assert.equal(new DataView(buf.buffer).getInt32(20, true), 9);
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("a client that sends garbage is disconnected and its task cleaned up; others keep being served", async () => {
  const server = await startServer();
  const good = await MachClient.connect({ socketPath: server.socketPath, name: "good" });
  const sock = netConnect(server.socketPath);
  await new Promise((r) => sock.once("connect", r));
  const closed = new Promise((r) => sock.once("close", r));
  sock.write(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]));
  await closed;
  assert.equal((await good.mainThread.call(3201, await good.mainThread.taskSelfTrap(), { name: 1 })).kr !== undefined, true);
  // A well-formed frame with an unknown op after a valid hello is also refused.
  const c2 = await MachClient.connect({ socketPath: server.socketPath, name: "bad" });
  await assert.rejects(c2.request(99, 0, []), /closed/);
  await until(() => server.kernel.tasks.size === 2, "the bad task to die");
  good.close();
  await until(() => server.kernel.tasks.size === 1, "all tasks to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("connecting to a missing server gives a clear error", async () => {
  await assert.rejects(MachClient.connect({ socketPath: "/nonexistent/machipc.sock" }), /no machipc server at \/nonexistent\/machipc.sock/);
});

test("a label longer than HELLO allows is cut to 255 bytes by the client, not refused", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "n".repeat(1000) });
  assert.equal(server.kernel.tasks.get(c.pid)?.name, "n".repeat(255));
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  await server.close();
});

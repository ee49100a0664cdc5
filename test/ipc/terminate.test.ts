/**
 * Task termination (ipc_space_terminate): every right the task held is
 * destroyed, and the rest of the system sees exactly what XNU shows it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_SEND_MSG,
  msghBits,
} from "../../src/index.js";
import type { Actor } from "../helpers/kernel.js";

const request = (a: Actor, name: number, msgid: number, notifyPort: number, sync = 0) =>
  a.thread.call(3213, a.self, { name, msgid, sync, notify: { name: notifyPort, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });

test("a dying task's send rights go: no-senders fires; its send-once rights report themselves; queued rights are released", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const dying = actor(kernel);
  const port = await allocate(server);
  const other = await allocate(server);
  const notify = await allocate(server);
  transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, dying);
  transfer(server, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, dying);
  assert.equal((await request(server, port, MACH_NOTIFY_NO_SENDERS, notify, 1)).kr, 0);
  // A message queued on the dying task's own port holds the only send right to `other`.
  const mailbox = await allocate(dying);
  const toMailbox = transfer(dying, mailbox, MACH_MSG_TYPE_MAKE_SEND, server);
  const m = simpleMsg(toMailbox, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, 40);
  m.u32(24, 1).portDesc(28, other, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(server, m, 40), 0);
  assert.equal((await status(server, other))[6], 1);

  dying.task.terminate();
  const n = recv(server, notify);
  assert.equal(n.m.geti(20), MACH_NOTIFY_NO_SENDERS);
  assert.equal(n.m.get(32), 1, "mscount");
  assert.equal(recv(server, port).m.geti(20), MACH_NOTIFY_SEND_ONCE, "the unused send-once right");
  assert.equal((await status(server, other))[6], 0, "the queued message was destroyed with the port");
  assert.equal((await portType(server, toMailbox)).type, MACH_PORT_TYPE_DEAD_NAME);
  assertInvariant(kernel);
});

test("a dying task's receive rights: senders see dead names, dead-name requests fire, blocked senders are let go", async () => {
  const kernel = boot();
  const dying = actor(kernel);
  const a = actor(kernel);
  const watcher = actor(kernel);
  const port = await allocate(dying);
  const fromA = transfer(dying, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const fromW = transfer(dying, port, MACH_MSG_TYPE_MAKE_SEND, watcher);
  const wnotify = await allocate(watcher);
  assert.equal((await request(watcher, fromW, MACH_NOTIFY_DEAD_NAME, wnotify)).kr, 0);
  await dying.thread.call(3218, dying.self, { name: port, flavor: 1, port_info: [0] });
  const blocked = a.thread.machMsg(simpleMsg(fromA, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24).buf, MACH_SEND_MSG, 24, 0, 0, 0, 0);
  assert.ok(blocked instanceof Promise);

  dying.task.terminate();
  assert.equal(await blocked, 0, "a sender waiting on a dead port 'succeeds'");
  const n = recv(watcher, wnotify).m;
  assert.equal(n.get(0), 0x1200);
  assert.equal(n.get(4), 36);
  assert.equal(n.get(12), wnotify);
  assert.equal(n.geti(20), MACH_NOTIFY_DEAD_NAME);
  assert.equal(n.get(32), fromW);
  assert.equal((await portType(a, fromA)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal(await getRefs(watcher, fromW, MACH_PORT_RIGHT_DEAD_NAME), 2, "the notification's extra reference");
  assertInvariant(kernel);
});

test("a receive right with a port-destroyed request survives its task: it goes to the backup, senders keep sending", async () => {
  const kernel = boot();
  const dying = actor(kernel);
  const backup = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(dying);
  const s = transfer(dying, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const bport = await allocate(backup);
  const bso = transfer(backup, bport, MACH_MSG_TYPE_MAKE_SEND_ONCE, dying);
  assert.equal((await dying.thread.call(3213, dying.self, { name: port, msgid: MACH_NOTIFY_PORT_DESTROYED, sync: 0, notify: { name: bso, disposition: 18 } })).kr, 0);
  assert.equal(send(client, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 1), 24), 0);

  dying.task.terminate();
  const n = recv(backup, bport).m;
  assert.equal(n.get(0), 0x80001200);
  assert.equal(n.get(4), 40);
  assert.equal(n.geti(20), MACH_NOTIFY_PORT_DESTROYED);
  const rescued = n.get(28);
  assert.equal(n.buf[38], 16);
  assert.equal((await portType(backup, rescued)).type, MACH_PORT_TYPE_RECEIVE);
  assert.equal((await portType(client, s)).type, MACH_PORT_TYPE_SEND, "not a dead name: the port lives on");
  assert.equal(recv(backup, rescued).m.geti(20), 1, "the queued message came along");
  assert.equal(send(client, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 2), 24), 0);
  assert.equal(recv(backup, rescued).m.geti(20), 2);
  assertInvariant(kernel);
});

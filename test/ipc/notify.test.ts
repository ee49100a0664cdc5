/** Notifications in notify.defs' formats, with the rights they carry and consume. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, status } from "./lib.js";
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_NOTIFY_DEAD_NAME,
  MACH_NOTIFY_NO_SENDERS,
  MACH_NOTIFY_PORT_DELETED,
  MACH_NOTIFY_PORT_DESTROYED,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_DNREQUEST,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
} from "../../src/index.js";
import type { Actor } from "../helpers/kernel.js";

function request(a: Actor, name: number, msgid: number, notifyPort: number, sync = 0) {
  return a.thread.call(3213, a.self, { name, msgid, sync, notify: { name: notifyPort, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });
}

test("no-senders (70): armed on a receive right, fires when the last send right goes, carrying mscount", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(a);
  const notify = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, b);
  const r = await request(a, port, MACH_NOTIFY_NO_SENDERS, notify);
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(r["previous"], 0);
  assert.equal((await status(a, port))[8], 1, "mps_nsrequest");
  assert.equal(recv(a, notify).mr !== 0, true, "nothing yet");
  await b.thread.call(3206, b.self, { name: s });
  const { mr, m } = recv(a, notify);
  assert.equal(mr, 0);
  assert.equal(m.get(0), 0x1200, "sent on a send-once right");
  assert.equal(m.get(4), 36);
  assert.equal(m.get(8), 0);
  assert.equal(m.get(12), notify);
  assert.equal(m.geti(20), MACH_NOTIFY_NO_SENDERS);
  assert.deepEqual(Array.from(m.buf.subarray(24, 32)), [0, 0, 0, 0, 1, 0, 0, 0]);
  assert.equal(m.get(32), 1, "mscount");
  // Sender token of the kernel in a security trailer request? The default trailer is 8 bytes.
  assert.equal(m.get(40), 8);
  assertInvariant(kernel);
});

test("no-senders fires at once when there are no senders and sync <= mscount", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const notify = await allocate(a);
  assert.equal((await request(a, port, MACH_NOTIFY_NO_SENDERS, notify, 0)).kr, KERN_SUCCESS);
  const { mr, m } = recv(a, notify);
  assert.equal(mr, 0);
  assert.equal(m.geti(20), MACH_NOTIFY_NO_SENDERS);
  assert.equal(m.get(32), 0);
  assertInvariant(kernel);
});

test("dead-name (72): the port dies, the request fires with the name, and the dead name gets the extra reference", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const notify = await allocate(a);
  assert.equal((await request(a, s, MACH_NOTIFY_DEAD_NAME, notify)).kr, KERN_SUCCESS);
  assert.equal((await portType(a, s)).type, (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST) >>> 0);
  b.task.terminate();
  const { m } = recv(a, notify);
  assert.equal(m.geti(20), MACH_NOTIFY_DEAD_NAME);
  assert.equal(m.get(4), 36);
  assert.equal(m.get(32), s);
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal(await getRefs(a, s, MACH_PORT_RIGHT_DEAD_NAME), 2, "one for the right, one for the notification");
  assertInvariant(kernel);
});

test("dead-name on an already dead name: immediate with sync != 0, KERN_INVALID_ARGUMENT without", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const dead = (await a.thread.call(3204, a.self, { right: 4 }))["name"] as number;
  const notify = await allocate(a);
  assert.equal((await request(a, dead, MACH_NOTIFY_DEAD_NAME, notify, 0)).kr, KERN_INVALID_ARGUMENT);
  // The refused request was destroyed with its send-once right: that right reports itself.
  assert.equal(recv(a, notify).m.geti(20), MACH_NOTIFY_SEND_ONCE);
  assert.equal((await request(a, dead, MACH_NOTIFY_DEAD_NAME, notify, 1)).kr, KERN_SUCCESS);
  const { m } = recv(a, notify);
  assert.equal(m.geti(20), MACH_NOTIFY_DEAD_NAME);
  assert.equal(m.get(32), dead);
  assert.equal(await getRefs(a, dead, MACH_PORT_RIGHT_DEAD_NAME), 2);
  assertInvariant(kernel);
});

test("port-deleted (65): a send right with a dead-name request is deallocated", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const notify = await allocate(a);
  await request(a, s, MACH_NOTIFY_DEAD_NAME, notify);
  await a.thread.call(3206, a.self, { name: s });
  const { m } = recv(a, notify);
  assert.equal(m.geti(20), MACH_NOTIFY_PORT_DELETED);
  assert.equal(m.get(32), s);
  assertInvariant(kernel);
});

test("port-destroyed (69): destroying a receive right with a request sends the right itself", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const backup = await allocate(a);
  const r = await request(a, port, MACH_NOTIFY_PORT_DESTROYED, backup);
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal((await status(a, port))[7], 1, "mps_pdrequest");
  await a.thread.call(3205, a.self, { name: port });
  const { m } = recv(a, backup);
  assert.equal(m.get(0), 0x80001200);
  assert.equal(m.get(4), 40, "header, body, one port descriptor: no NDR");
  assert.equal(m.geti(20), MACH_NOTIFY_PORT_DESTROYED);
  assert.equal(m.get(24), 1);
  assert.equal(m.buf[38], 16, "PORT_RECEIVE");
  const back = m.get(28);
  assert.equal((await portType(a, back)).type, MACH_PORT_TYPE_RECEIVE);
  // Not on a kernel object.
  const k = await a.thread.call(3213, a.self, { name: a.self, msgid: MACH_NOTIFY_PORT_DESTROYED, sync: 0, notify: { name: backup, disposition: 21 } });
  assert.equal(k.kr, KERN_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("send-once (71): an unused send-once right that is deallocated tells its port", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(a);
  const so = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, b);
  await b.thread.call(3206, b.self, { name: so });
  const { m } = recv(a, port);
  assert.equal(m.geti(20), MACH_NOTIFY_SEND_ONCE);
  assert.equal(m.get(4), 24);
  assert.equal(m.get(0), 0x1200);
  assertInvariant(kernel);
});

test("a previous request's send-once right comes back in the reply", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const n1 = await allocate(a);
  const n2 = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  void s;
  assert.equal((await request(a, port, MACH_NOTIFY_NO_SENDERS, n1, 5)).kr, KERN_SUCCESS);
  const r = await request(a, port, MACH_NOTIFY_NO_SENDERS, n2, 5);
  const prev = r["previous"] as number;
  assert.notEqual(prev, 0);
  assert.equal(r["previousDisposition"], 18);
  assertInvariant(kernel);
});

test("send-possible (66): armed by a MACH_SEND_NOTIFY send that finds the queue full, fired when the receiver takes a message", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  assert.equal((await b.thread.call(3218, b.self, { name: port, flavor: 1, port_info: [1] })).kr, KERN_SUCCESS);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const notify = await allocate(a);
  assert.equal((await request(a, s, 66, notify)).kr, KERN_SUCCESS);
  const msg = (id: number) => {
    const m = new Msg(64);
    m.header({ bits: 19, size: 24, remote: s, id });
    return m;
  };
  // Room in the queue: MACH_SEND_NOTIFY sends anyway and arms nothing.
  assert.equal(a.thread.machMsg(msg(1).buf, 0x81, 24, 0, 0, 0, 0), 0);
  // Full: the timed-out send arms the request.
  assert.equal(a.thread.machMsg(msg(2).buf, 0x91, 24, 0, 0, 0, 0), 0x10000004);
  assert.equal(recv(a, notify).mr, 0x10004003, "not yet");
  assert.equal(recv(b, port).mr, 0);
  const { mr, m } = recv(a, notify);
  assert.equal(mr, 0);
  assert.equal(m.geti(20), 66);
  assert.equal(m.get(32), s);
  assertInvariant(kernel);
});

test("send-possible with sync != 0 and room in the queue fires at once", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const notify = await allocate(a);
  assert.equal((await request(a, s, 66, notify, 1)).kr, KERN_SUCCESS);
  const { m } = recv(a, notify);
  assert.equal(m.geti(20), 66);
  assert.equal(m.get(32), s);
  assertInvariant(kernel);
});

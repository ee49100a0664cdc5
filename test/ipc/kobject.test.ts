/**
 * Kernel objects answering MIG requests (ipc_kobject_server): reply headers,
 * MIG_BAD_ID / MIG_BAD_ARGUMENTS, and the ownership of rights a request
 * carries on success and on failure.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  KERN_INVALID_NAME,
  KERN_NAME_EXISTS,
  KERN_RIGHT_EXISTS,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_NOTIFY_NO_SENDERS,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  NDR_RECORD,
  msghBits,
} from "../../src/index.js";

test("MIG_BAD_ID reply: a 36-byte mig_reply_error_t, id + 100, on the send-once reply right", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 24, remote: a.self, local: a.reply, id: 3199 });
  assert.equal(rpc(a.thread, m, 24, a.reply), 0);
  assert.equal(m.get(0), 0x1200);
  assert.equal(m.get(4), 36);
  assert.equal(m.get(8), 0);
  assert.equal(m.get(12), a.reply);
  assert.equal(m.get(16), 0);
  assert.equal(m.geti(20), 3299);
  assert.deepEqual(Array.from(m.buf.subarray(24, 32)), Array.from(NDR_RECORD));
  assert.equal(m.geti(32), MIG_BAD_ID);
  assert.equal(m.get(36), 0, "trailer type");
  assert.equal(m.get(40), 8, "trailer size");
  // The task port's send right was not consumed (COPY_SEND).
  assert.equal(await getRefs(a, a.self, MACH_PORT_RIGHT_SEND), 1);
  assertInvariant(kernel);
});

test("MIG_BAD_ARGUMENTS for a short request; a kernel reply carries the kernel's tokens in its trailer", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 32, remote: a.self, local: a.reply, id: 3204 }).ndr(24);
  const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG | 0x03000000, 32, 256, a.reply, 0, 0);
  assert.equal(r, 0);
  assert.equal(m.geti(32), MIG_BAD_ARGUMENTS);
  assert.equal(m.get(40), 52, "audit trailer");
  assert.deepEqual([m.get(48), m.get(52)], [0, 1], "KERNEL_SECURITY_TOKEN");
  for (let i = 0; i < 8; i++) assert.equal(m.get(56 + 4 * i), 0, "KERNEL_AUDIT_TOKEN");
  assertInvariant(kernel);
});

test("a failed request is destroyed with its rights: a moved send right goes, and no-senders fires", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const notify = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  await b.thread.call(3213, b.self, { name: port, msgid: MACH_NOTIFY_NO_SENDERS, sync: 1, notify: { name: notify, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });
  const taken = await allocate(a);
  // mach_port_insert_right onto a name already in use: KERN_NAME_EXISTS, and the moved right is destroyed.
  const r = await a.thread.call(3214, a.self, { name: taken, poly: { name: s, disposition: MACH_MSG_TYPE_MOVE_SEND } });
  assert.equal(r.kr, KERN_NAME_EXISTS);
  assert.equal((await portType(a, s)).kr, KERN_INVALID_NAME, "the right left with the request and died with it");
  const n = recv(b, notify);
  assert.equal(n.mr, 0);
  assert.equal(n.m.geti(20), MACH_NOTIFY_NO_SENDERS);
  assert.equal(n.m.get(32), 1, "mscount");
  assertInvariant(kernel);
});

test("a successful request keeps what it was given: insert_right moves a send right and renames a receive right", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal((await a.thread.call(3214, a.self, { name: 0x77703, poly: { name: s, disposition: MACH_MSG_TYPE_MOVE_SEND } })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, s)).kr, KERN_INVALID_NAME);
  assert.equal((await portType(a, 0x77703)).type, MACH_PORT_TYPE_SEND);
  assert.equal((await status(b, port))[6], 1, "still one send right");
  // MOVE_RECEIVE into a chosen name: the port keeps its queue.
  const mine = await allocate(a);
  const once = transfer(a, mine, MACH_MSG_TYPE_MAKE_SEND_ONCE, a);
  assert.equal(send(a, simpleMsg(once, msghBits(18, 0), 24, 42), 24), 0);
  assert.equal((await a.thread.call(3214, a.self, { name: 0x88803, poly: { name: mine, disposition: MACH_MSG_TYPE_MOVE_RECEIVE } })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, mine)).kr, KERN_INVALID_NAME);
  assert.equal((await portType(a, 0x88803)).type, MACH_PORT_TYPE_RECEIVE);
  assert.equal(recv(a, 0x88803).m.geti(20), 42);
  // With a send right still under the old name, the port is already named: KERN_RIGHT_EXISTS
  // (ipc_object_copyout_name), and the failed request destroys the receive right it carried.
  const both = await allocate(a);
  transfer(a, both, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal((await a.thread.call(3214, a.self, { name: 0x99903, poly: { name: both, disposition: MACH_MSG_TYPE_MOVE_RECEIVE } })).kr, KERN_RIGHT_EXISTS);
  assert.equal((await portType(a, both)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal((await portType(a, 0x99903)).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("reply rights other than send-once: a COPY_SEND/MAKE_SEND reply port gets the reply on a send right; no reply port, no reply", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const rp = await allocate(a);
  const m = new Msg(256);
  m.header({ bits: msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), size: 36, remote: a.self, local: rp, id: 3201 }).ndr(24).u32(32, rp);
  assert.equal(rpc(a.thread, m, 36, rp), 0);
  assert.equal(m.get(0), 0x1100, "the reply moved the send right it was sent on");
  assert.equal(m.get(12), rp);
  assert.equal(m.get(36), MACH_PORT_TYPE_RECEIVE);
  assert.equal((await status(a, rp))[6], 0, "that send right was used up on receipt");
  assert.equal((await status(a, rp))[2], 1, "mscount");
  // No reply port: the routine runs and the reply is dropped.
  m.header({ bits: msghBits(MACH_MSG_TYPE_COPY_SEND, 0), size: 40, remote: a.self, id: 3203 }).ndr(24).u32(32, MACH_PORT_RIGHT_RECEIVE).u32(36, 0x99903);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG, 40, 0, 0, 0, 0), 0);
  assert.equal((await portType(a, 0x99903)).type, MACH_PORT_TYPE_RECEIVE);
  assertInvariant(kernel);
});

test("a task port passed to another task serves it; once the task dies its port is a dead name and requests are refused", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const bTask = transfer(b, b.self, MACH_MSG_TYPE_COPY_SEND, a);
  const r = await a.thread.call(3204, bTask, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal((await portType(b, r["name"] as number)).type, MACH_PORT_TYPE_RECEIVE, "allocated in b's space");
  b.task.terminate();
  assert.equal((await portType(a, bTask)).type, MACH_PORT_TYPE_DEAD_NAME);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: bTask, local: a.reply, id: 3204 }).ndr(24).u32(32, 1);
  const mr = a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 36, 256, a.reply, 0, 0);
  assert.equal(mr, MACH_SEND_INVALID_DEST);
  assertInvariant(kernel);
});

test("kernel replies: a send-once reply port ignores its queue limit; a full send-right reply port loses the reply, the caller still succeeds", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const rp = await allocate(a);
  assert.equal((await a.thread.call(3218, a.self, { name: rp, flavor: 1, port_info: [0] })).kr, KERN_SUCCESS);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: a.self, local: rp, id: 3201 }).ndr(24).u32(32, rp);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 36, 0, 0, 0, 0), 0);
  assert.equal((await status(a, rp))[4], 1, "queued despite a limit of 0");
  assert.equal(recv(a, rp).m.geti(20), 3301);
  // The same request with a MAKE_SEND reply and MACH_SEND_TIMEOUT: the reply cannot be queued and is
  // destroyed (ipc_kmsg_send never pseudo-receives a kernel reply); the send phase reports success.
  m.header({ bits: msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), size: 36, remote: a.self, local: rp, id: 3201 }).ndr(24).u32(32, rp);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 36, 0, 0, 0, 0), 0);
  const st = await status(a, rp);
  assert.equal(st[4], 0, "nothing queued");
  // xnu-3248 leaks the reply's send right here (it clears the destination before destroying
  // the message); machipc releases it, so the port has no senders left.
  assert.equal(st[6], 0);
  assertInvariant(kernel);
});

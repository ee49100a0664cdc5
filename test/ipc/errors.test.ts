/**
 * Every MACH_SEND_* and MACH_RCV_* a bad message or a bad receive gets, what
 * happens to the rights it carried, and the success XNU reports for a
 * message whose destination is dead.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  KERN_INVALID_NAME,
  KERN_NO_SPACE,
  MACH_MSG_IPC_SPACE,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_DEAD,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_BODY_ERROR,
  MACH_RCV_HEADER_ERROR,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_PORT_CHANGED,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_INVALID_VOUCHER,
  MACH_SEND_MSG,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_SEND_TOO_LARGE,
  OOL_DESCRIPTOR,
  OOL_PORTS_DESCRIPTOR,
  machRcvTrailerElements,
  msghBits,
} from "../../src/index.js";

const COMPLEX = 0x80000000;
const complexBits = (remote: number, local = 0) => (msghBits(remote, local) | COMPLEX) >>> 0;

test("every send error code, in one place", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const copy = msghBits(MACH_MSG_TYPE_COPY_SEND, 0);
  const m = simpleMsg(dest, copy, 24);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG, 20, 0, 0, 0, 0), MACH_SEND_MSG_TOO_SMALL);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG, 30, 0, 0, 0, 0), MACH_SEND_MSG_TOO_SMALL, "not a multiple of 4");
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG, 0x7ffffff0, 0, 0, 0, 0), MACH_SEND_TOO_LARGE);
  assert.equal(a.thread.machMsg(m.buf, MACH_SEND_MSG, 1024, 0, 0, 0, 0), MACH_SEND_INVALID_DATA, "past the end of the caller's buffer");
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_MOVE_RECEIVE, 0), 24), 24), MACH_SEND_INVALID_HEADER);
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, 26), 24), 24), MACH_SEND_INVALID_HEADER, "DISPOSE_* is not a disposition");
  assert.equal(send(a, simpleMsg(0x4403, copy, 24), 24), MACH_SEND_INVALID_DEST);
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, 1, 0x4403), 24), MACH_SEND_INVALID_REPLY);
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND), 24, 1, dest), 24), MACH_SEND_INVALID_REPLY, "MAKE_SEND needs the receive right");
  const v = simpleMsg(dest, (copy | (MACH_MSG_TYPE_MOVE_SEND << 16)) >>> 0, 24);
  v.u32(16, MACH_PORT_DEAD);
  assert.equal(send(a, v, 24), MACH_SEND_INVALID_VOUCHER);
  // Body errors.
  const mine = await allocate(a);
  let c = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  c.u32(24, 1).portDesc(28, mine, MACH_MSG_TYPE_MOVE_SEND);
  assert.equal(send(a, c, 40), MACH_SEND_INVALID_RIGHT, "MOVE_SEND of a receive-only name");
  c.buf[39] = 9;
  assert.equal(send(a, c, 40), MACH_SEND_INVALID_TYPE);
  c = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 44);
  c.u32(24, 1);
  OOL_PORTS_DESCRIPTOR.write(c.view, 28, { address: 0x99990000n, deallocate: 0, copy: 0, disposition: MACH_MSG_TYPE_COPY_SEND, type: 2, count: 1 });
  assert.equal(send(a, c, 44), MACH_SEND_INVALID_MEMORY);
  OOL_PORTS_DESCRIPTOR.write(c.view, 28, { address: 0x99990000n, deallocate: 0, copy: 0, disposition: MACH_MSG_TYPE_COPY_SEND, type: 2, count: 0x10000000 });
  assert.equal(send(a, c, 44), MACH_SEND_TOO_LARGE, "an OOL-ports count above INT_MAX/8");
  OOL_DESCRIPTOR.write(c.view, 28, { address: 0x99990000n, deallocate: 0, copy: 0, type: 1, size: 16 });
  assert.equal(send(a, c, 44), MACH_SEND_INVALID_MEMORY);
  // Nothing was queued, and the sender's names are as they were.
  assert.equal((await status(b, port))[4], 0);
  assert.equal(await getRefs(a, dest, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await portType(a, mine)).type, MACH_PORT_TYPE_RECEIVE);
  assertInvariant(kernel);
});

test("MACH_SEND_TIMED_OUT after a short wait: the message is pseudo-received with every right and region", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  await b.thread.call(3218, b.self, { name: port, flavor: 1, port_info: [0] });
  const moved = await allocate(a);
  const data = new TextEncoder().encode("comes back");
  const addr = a.task.vm.allocate(data);
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_MOVE_SEND), 56, 31);
  m.u32(24, 2).portDesc(28, moved, MACH_MSG_TYPE_MOVE_RECEIVE);
  OOL_DESCRIPTOR.write(m.view, 40, { address: addr, deallocate: 1, copy: 0, type: 1, size: data.length });
  const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 56, 0, 0, 3, 0);
  assert.ok(r instanceof Promise, "a queue limit of 0 makes the sender wait");
  assert.equal(await r, MACH_SEND_TIMED_OUT);
  // Header: carried types, not swapped. The moved send right freed its name on copyin, so it
  // comes back under a new one: the most recently freed slot (the receive right's), a new generation.
  assert.equal(m.get(0), complexBits(17));
  const again = m.get(8);
  assert.equal(again, ((moved >>> 8) << 8) | ((moved + 4) & 0xff));
  assert.equal(await getRefs(a, again, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await portType(a, dest)).kr, KERN_INVALID_NAME);
  // The receive right came back (a fresh name: the old one was freed by the move).
  const back = m.get(28);
  assert.equal(m.buf[38], 16);
  assert.equal((await portType(a, back)).type, MACH_PORT_TYPE_RECEIVE);
  // The memory came back as a new region.
  const ool = OOL_DESCRIPTOR.read(m.view, 40);
  assert.deepEqual(a.task.vm.read(ool.address, ool.size), data);
  assert.equal((await status(b, port))[4], 0);
  assertInvariant(kernel);
});

test("MACH_SEND_INVALID_REPLY leaves the destination untouched; a dead reply name is carried as MACH_PORT_DEAD", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const victim = actor(kernel);
  const vp = await allocate(victim);
  const dead = transfer(victim, vp, MACH_MSG_TYPE_MAKE_SEND, a);
  victim.task.terminate();
  // A dead name as the reply is accepted with MOVE_SEND (deadok): the receiver sees MACH_PORT_DEAD.
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND), 24, 5, dead), 24), 0);
  assert.equal((await portType(a, dead)).kr, KERN_INVALID_NAME, "the dead name's reference went with the message");
  const r = recv(b, port).m;
  assert.equal(r.get(0), msghBits(17, 17));
  assert.equal(r.get(8), MACH_PORT_DEAD);
  // The reply field may be MACH_PORT_DEAD itself.
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, 6, MACH_PORT_DEAD), 24), 0);
  assert.equal(recv(b, port).m.get(8), MACH_PORT_DEAD);
  assertInvariant(kernel);
});

test("a destination that dies after copyin: success, and the message is destroyed (ipc_kmsg_send)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  // mach_port_destroy(task, reply) sent with that same reply port: the kernel's reply finds it dead.
  const reply = await allocate(a);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: a.self, local: reply, id: 3205 }).ndr(24).u32(32, reply);
  const r = a.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 36, 256, reply, 0, 0);
  assert.equal(r, MACH_RCV_INVALID_NAME, "the send succeeded; the receive name no longer exists");
  // A sender blocked on a full queue when the port dies: success, and its rights are released.
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  await b.thread.call(3218, b.self, { name: port, flavor: 1, port_info: [0] });
  const carried = await allocate(a);
  const c = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  c.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  const pending = a.thread.machMsg(c.buf, MACH_SEND_MSG, 40, 0, 0, 0, 0);
  assert.ok(pending instanceof Promise);
  assert.equal((await status(a, carried))[6], 1, "the waiting message holds a send right");
  await b.thread.call(3205, b.self, { name: port });
  assert.equal(await pending, 0);
  assert.equal((await status(a, carried))[6], 0, "released with the message");
  assert.equal((await portType(a, dest)).type, MACH_PORT_TYPE_DEAD_NAME);
  assertInvariant(kernel);
});

test("receive errors: MACH_RCV_TIMED_OUT after a wait, MACH_RCV_INVALID_NAME for send-once and dead names, MACH_RCV_PORT_CHANGED when the right moves", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(a);
  const buf = new Msg(256);
  const w = a.thread.machMsg(buf.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, port, 2, 0);
  assert.ok(w instanceof Promise);
  assert.equal(await w, MACH_RCV_TIMED_OUT);
  const so = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, a);
  assert.equal(recv(a, so).mr, MACH_RCV_INVALID_NAME);
  const dn = (await a.thread.call(3204, a.self, { right: 4 }))["name"] as number;
  assert.equal(recv(a, dn).mr, MACH_RCV_INVALID_NAME);
  assert.equal(recv(a, 0).mr, MACH_RCV_INVALID_NAME);
  // A receiver blocked on a port whose receive right is sent away is woken (ipc_mqueue_changed).
  const bport = await allocate(b);
  const toB = transfer(b, bport, MACH_MSG_TYPE_MAKE_SEND, a);
  const waiting = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, port, 0, 0);
  const m = simpleMsg(toB, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, port, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(a, m, 40), 0);
  assert.equal(await waiting, MACH_RCV_PORT_CHANGED);
  const got = recv(b, bport).m.get(28);
  // The send-once right made earlier still reaches the port in its new home.
  assert.equal(send(a, simpleMsg(so, msghBits(18, 0), 24, 8), 24), 0);
  assert.equal(recv(b, got).m.geti(20), 8);
  assertInvariant(kernel);
});

test("MACH_RCV_TOO_LARGE for a receiver already waiting: with MACH_RCV_LARGE it is told the size, without it the message is destroyed", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const reply = await allocate(a);
  const small = new Msg(256);
  let w = a.thread.machMsg(small.buf, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 40, port, 0, 0);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 48, 4, reply), 48), 0);
  assert.equal(await w, MACH_RCV_TOO_LARGE);
  assert.equal(small.get(4), 48);
  assert.equal((await status(a, port))[4], 1, "still queued");
  const big = recv(a, port);
  assert.equal(big.m.geti(20), 4, "a big enough buffer takes it");
  await a.thread.call(3206, a.self, { name: big.m.get(8) });
  assert.equal(recv(a, reply).m.geti(20), MACH_NOTIFY_SEND_ONCE);
  w = a.thread.machMsg(small.buf, MACH_RCV_MSG, 0, 40, port, 0, 0);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 48, 5, reply), 48), 0);
  assert.equal(await w, MACH_RCV_TOO_LARGE);
  assert.equal(small.get(4), 24, "a bare header");
  assert.equal(small.geti(20), 5);
  assert.equal((await status(a, port))[4], 0, "dequeued and destroyed");
  assert.equal(recv(a, reply).m.geti(20), MACH_NOTIFY_SEND_ONCE, "its reply right reported itself");
  // The trailer counts: 24 + 60 bytes do not fit in 80 with MACH_RCV_TRAILER_CTX.
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 6), 24), 0);
  const t = a.thread.machMsg(small.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE | machRcvTrailerElements(4), 0, 80, port, 0, 0);
  assert.equal(t, MACH_RCV_TOO_LARGE);
  assert.equal(recv(a, port, 84, machRcvTrailerElements(4)).mr, 0);
  assertInvariant(kernel);
});

test("a full receiver space: a body right that cannot be named is dropped (BODY_ERROR), a reply that cannot be named fails the header", async () => {
  const kernel = boot();
  const a = actor(kernel);
  // self, reply port, the MIG reply port and the one port we allocate: four names.
  const b = actor(kernel, { maxNames: 4 });
  const port = await allocate(b);
  assert.equal((await b.thread.call(3204, b.self, { right: 1 })).kr, KERN_NO_SPACE, "the space is full");
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const carried = await allocate(a);
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40, 9);
  m.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(a, m, 40), 0);
  const r = recv(b, port);
  assert.equal(r.mr, (MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE) >>> 0);
  assert.equal(r.m.geti(20), 9, "the message is delivered");
  assert.equal(r.m.get(28), 0, "without the right");
  assert.equal((await status(a, carried))[6], 0, "the right was destroyed");
  // A reply right: the whole message is refused at the header and destroyed; only the header arrives.
  const reply = await allocate(a);
  const h = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 40, 10, reply);
  h.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(a, h, 40), 0);
  const hr = recv(b, port);
  assert.equal(hr.mr, (MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE) >>> 0);
  assert.equal(hr.m.get(4), 24);
  assert.equal(hr.m.get(8), 0);
  assert.equal(hr.m.get(12), port);
  assert.equal(hr.m.geti(20), 10);
  assert.equal((await status(a, carried))[6], 0);
  assert.equal(recv(a, reply).m.geti(20), MACH_NOTIFY_SEND_ONCE, "the reply right was destroyed");
  assert.equal((await portType(a, dest)).type, MACH_PORT_TYPE_SEND);
  assertInvariant(kernel);
});

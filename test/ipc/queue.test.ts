/** Queues, limits and timeouts, receive errors, MACH_RCV_LARGE, trailers and port sets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_RIGHT_SEND,
  MACH_RCV_INVALID_NAME,
  MACH_RCV_LARGE,
  MACH_RCV_LARGE_IDENTITY,
  MACH_RCV_MSG,
  MACH_RCV_PORT_CHANGED,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_PORT_QLIMIT_DEFAULT,
  machRcvTrailerElements,
  msghBits,
} from "../../src/index.js";

test("the queue limit: the sixth message times out at once with MACH_SEND_TIMEOUT 0 and its rights come back", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal((await status(b, port))[3], MACH_PORT_QLIMIT_DEFAULT);
  for (let i = 0; i < 5; i++) assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, 0)), 24), 0);
  const reply = await allocate(a);
  const m = simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 24, 99, reply);
  assert.equal(send(a, m, 24, MACH_SEND_TIMEOUT, 0), MACH_SEND_TIMED_OUT);
  // Pseudo-received: the header is not swapped and names the rights as the sender now holds them.
  assert.equal(m.get(0), msghBits(17, 18));
  assert.equal(m.get(8), dest);
  const so = m.get(12);
  assert.notEqual(so, 0);
  // The copied send right came back as one more reference on the same name.
  assert.equal(await getRefs(a, dest, MACH_PORT_RIGHT_SEND), 2);
  await a.thread.call(3206, a.self, { name: so });
  // A send-once destination ignores the limit.
  const once = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, a);
  assert.equal(send(a, simpleMsg(once, msghBits(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0)), 24, MACH_SEND_TIMEOUT, 0), 0);
  assert.equal((await status(b, port))[4], 6);
  assertInvariant(kernel);
});

test("a blocked sender goes through when the receiver makes room", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const lim = await b.thread.call(3218, b.self, { name: port, flavor: 1, port_info: [1] });
  assert.equal(lim.kr, KERN_SUCCESS);
  assert.equal(send(a, simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 1), 24), 0);
  const second = simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 2);
  const pending = a.thread.machMsg(second.buf, MACH_SEND_MSG, 24, 0, 0, 0, 0);
  assert.ok(pending instanceof Promise, "the sender waits on the full queue");
  assert.equal(recv(b, port).m.geti(20), 1);
  assert.equal(await pending, 0);
  assert.equal(recv(b, port).m.geti(20), 2);
  assertInvariant(kernel);
});

test("a blocked receive is woken by a send; a receive with a timeout of 0 polls", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const self = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(recv(a, port).mr, MACH_RCV_TIMED_OUT);
  const buf = new Msg(256);
  const waiting = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, port, 0, 0);
  assert.ok(waiting instanceof Promise);
  assert.equal(send(a, simpleMsg(self, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 5), 24), 0);
  assert.equal(await waiting, 0);
  assert.equal(buf.geti(20), 5);
  assertInvariant(kernel);
});

test("receive errors: an invalid name, a send right, a port destroyed while waiting", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(recv(a, 0x9903).mr, MACH_RCV_INVALID_NAME);
  const other = actor(kernel);
  const sendOnly = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, other);
  assert.equal(recv(other, sendOnly).mr, MACH_RCV_INVALID_NAME);
  void s;
  const buf = new Msg(256);
  const waiting = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, port, 0, 0);
  await a.thread.call(3205, a.self, { name: port });
  assert.equal(await waiting, MACH_RCV_PORT_CHANGED, "xnu-3248 reports THREAD_RESTART as MACH_RCV_PORT_CHANGED");
  assertInvariant(kernel);
});

test("MACH_RCV_TOO_LARGE: with MACH_RCV_LARGE the message stays and its size is reported; without, it is destroyed", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const reply = await allocate(a);
  const m = simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 64, 3, reply);
  assert.equal(send(a, m, 64), 0);
  // Needs 64 + 8 bytes.
  const small = new Msg(256);
  let r = a.thread.machMsg(small.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY, 0, 71, port, 0, 0);
  assert.equal(r, MACH_RCV_TOO_LARGE);
  assert.equal(small.get(4), 64);
  assert.equal(small.get(12), port);
  assert.equal((await status(a, port))[4], 1, "still queued");
  r = a.thread.machMsg(small.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 71, port, 0, 0);
  assert.equal(r, MACH_RCV_TOO_LARGE);
  assert.equal(small.get(4), 24, "a bare header");
  assert.equal(small.get(12), port);
  assert.equal(small.get(8), 0, "the reply right was destroyed");
  assert.equal((await status(a, port))[4], 0);
  // ...and the destroyed send-once reply right reported itself.
  assert.equal(recv(a, reply).m.geti(20), 71);
  assertInvariant(kernel);
});

test("trailers: each MACH_RCV_TRAILER_ELEMENTS value gives its size, with seqno, sender and audit tokens, context", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 501, gid: 20 });
  const b = actor(kernel);
  const port = await allocate(b);
  await b.thread.call(3229, b.self, { name: port, context: 0x1122334455667788n });
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const sizes = [8, 12, 20, 52, 60, 68, 68, 68, 68];
  for (let e = 0; e < sizes.length; e++) {
    assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24), 24), 0);
    const r = recv(b, port, 256, machRcvTrailerElements(e));
    assert.equal(r.mr, 0);
    const t = r.m;
    assert.equal(t.get(24), 0, "format 0");
    assert.equal(t.get(28), sizes[e], `elements ${e}`);
    if (e >= 1) assert.equal(t.get(32), e, "seqno");
    if (e >= 2) assert.deepEqual([t.get(36), t.get(40)], [501, 20]);
    if (e >= 3) assert.equal(t.get(44 + 20), a.task.pid, "audit token pid");
    if (e >= 4) assert.equal(t.view.getBigUint64(76, true), 0x1122334455667788n);
  }
  // The trailer-type nibble is ignored.
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24), 24), 0);
  assert.equal(recv(b, port, 256, 0xf0000000).m.get(28), 8);
  assertInvariant(kernel);
});

test("port sets: receive from any member; MACH_RCV_LARGE_IDENTITY names the member; move and extract members", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const set = await allocate(a, MACH_PORT_RIGHT_PORT_SET);
  const p1 = await allocate(a);
  const p2 = await allocate(a);
  assert.equal((await a.thread.call(3226, a.self, { name: p1, pset: set })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3226, a.self, { name: p1, pset: set })).kr, 11, "KERN_ALREADY_IN_SET");
  assert.equal((await a.thread.call(3212, a.self, { member: p2, after: set })).kr, KERN_SUCCESS);
  const members = await a.thread.call(3211, a.self, { name: set });
  assert.deepEqual((members["members"] as Uint8Array).length, 8);
  const s2 = transfer(a, p2, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s2, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 40, 22), 40), 0);
  const small = new Msg(64);
  const r = a.thread.machMsg(small.buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY, 0, 24, set, 0, 0);
  assert.equal(r, MACH_RCV_TOO_LARGE);
  assert.equal(small.get(12), p2);
  const got = recv(a, set);
  assert.equal(got.mr, 0);
  assert.equal(got.m.get(12), p2);
  assert.equal(got.m.geti(20), 22);
  // A receive blocked on the set takes a message sent to a member later.
  const buf = new Msg(256);
  const waiting = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, set, 0, 0);
  assert.equal(send(a, simpleMsg(s2, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 23), 24), 0);
  assert.equal(await waiting, 0);
  assert.equal(buf.geti(20), 23);
  assert.equal((await a.thread.call(3227, a.self, { name: p2, pset: set })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3227, a.self, { name: p2, pset: set })).kr, 12, "KERN_NOT_IN_SET");
  // Destroying the set wakes its receivers.
  const w2 = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, set, 0, 0);
  await a.thread.call(3205, a.self, { name: set });
  assert.equal(await w2, MACH_RCV_PORT_CHANGED);
  assert.equal((await portType(a, p1)).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("a message handed to a blocked receiver still counts before the receiver copies it out", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const carried = await allocate(a);
  const buf = new Msg(256);
  const waiting = a.thread.machMsg(buf.buf, MACH_RCV_MSG, 0, 256, port, 0, 0);
  const m = simpleMsg(s, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, 40);
  m.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(a, m, 40), 0);
  // The message is in the receiver's hands but not yet in its space: its rights are still accounted for.
  assertInvariant(kernel);
  assert.equal(await waiting, 0);
  assertInvariant(kernel);
});

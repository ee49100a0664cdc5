/**
 * A kernel object's reply to a caller that receives on the reply port in the same trap is taken
 * without entering the port's queue when nothing else could see it there (send.ts, mach_msg.ts).
 * These pin what the caller and everyone else observe in each case the shortcut covers and in each
 * one it must leave to the queue: the same messages in the same order, the same sequence numbers
 * and trailers, the same rights.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, transfer, type Actor } from "../helpers/kernel.js";
import { allocate, recv, send, simpleMsg, status } from "./lib.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_PORT_SET,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_RCV_TRAILER_CTX,
  MACH_RCV_TRAILER_SEQNO,
  MACH_SEND_MSG,
  MACH_SEND_TIMEOUT,
  machRcvTrailerElements,
  msghBits,
} from "../../src/index.js";
import { observeQueues } from "../../src/ipc/mqueue.js";
import type { IpcPort } from "../../src/ipc/port.js";

const MACH_PORT_TYPE = 3201;
/** Header bits of a MIG request: COPY_SEND to the target, MAKE_SEND_ONCE for the reply. */
const MIG_BITS = 0x1513;

/** mach_port_type(self, self) with its reply to `reply`: 36 bytes; the reply is 40 plus the trailer. */
function typeRequest(a: Actor, reply: number, bits = MIG_BITS): Msg {
  return new Msg(256).header({ bits, size: 36, remote: a.self, local: reply, id: MACH_PORT_TYPE }).ndr(24).u32(32, a.self);
}

function trap(a: Actor, m: Msg, option: number, rcvSize: number, rcvName: number): number {
  const r = a.thread.machMsg(m.buf, option, 36, rcvSize, rcvName, 0, 0);
  assert.equal(typeof r, "number", "nothing here waits");
  return r as number;
}

const SEQNO = machRcvTrailerElements(MACH_RCV_TRAILER_SEQNO);

test("replies taken at once carry the reply port's sequence numbers in order and advance it, as queued ones do", async () => {
  const kernel = boot();
  const a = actor(kernel);
  for (let i = 0; i < 3; i++) {
    const m = typeRequest(a, a.reply);
    assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | SEQNO, 256, a.reply), 0);
    assert.deepEqual([m.get(0), m.get(4), m.get(12), m.geti(20), m.geti(32), m.get(36)], [0x1200, 40, a.reply, 3301, 0, MACH_PORT_TYPE_SEND]);
    assert.deepEqual([m.get(40), m.get(44), m.get(48)], [0, 12, i], "seqno trailer");
  }
  assert.equal((await status(a, a.reply))[1], 3, "mps_seqno: the next one");
  // A message queued the usual way comes next in the sequence.
  const s = transfer(a, a.reply, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24), 24), 0);
  const r = recv(a, a.reply, 256, SEQNO);
  assert.deepEqual([r.mr, r.m.get(32)], [0, 3]);
  await a.thread.call("mach_port_deallocate", a.self, { name: s });
  assertInvariant(kernel);
});

test("the context trailer of a reply taken at once is the reply port's context", async () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.equal((await a.thread.call(3229, a.self, { name: a.reply, context: 0x0102030405060708n })).kr, 0);
  const m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | machRcvTrailerElements(MACH_RCV_TRAILER_CTX), 256, a.reply), 0);
  assert.equal(m.get(44), 60, "trailer size");
  assert.equal(m.view.getBigUint64(40 + 52, true), 0x0102030405060708n);
  assert.deepEqual([m.get(48 + 4), m.get(48 + 8)], [0, 1], "KERNEL_SECURITY_TOKEN");
  assertInvariant(kernel);
});

test("a message already queued on the reply port is received first; the reply waits behind it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const s = transfer(a, a.reply, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 1000), 24), 0);
  const m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | SEQNO, 256, a.reply), 0);
  assert.deepEqual([m.geti(20), m.get(4), m.get(32)], [1000, 24, 0], "the earlier message, seqno 0");
  assert.equal((await status(a, a.reply))[4], 1, "the reply is queued");
  const r = recv(a, a.reply, 256, SEQNO);
  assert.deepEqual([r.mr, r.m.geti(20), r.m.get(48)], [0, 3301, 1]);
  await a.thread.call("mach_port_deallocate", a.self, { name: s });
  assertInvariant(kernel);
});

test("a receive on another name gets that name's message and leaves the reply queued on its port", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const other = await allocate(a);
  const s = transfer(a, other, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24, 1000), 24), 0);
  const m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG, 256, other), 0);
  assert.equal(m.geti(20), 1000);
  const r = recv(a, a.reply, 256, SEQNO);
  assert.deepEqual([r.mr, r.m.geti(20), r.m.get(48)], [0, 3301, 0]);
  // A receive on no right at all leaves it queued too.
  assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG, 256, 0x12345), 0x10004002, "MACH_RCV_INVALID_NAME");
  assert.equal((await status(a, a.reply))[4], 1);
  assert.equal(recv(a, a.reply).m.geti(20), 3301);
  assertInvariant(kernel);
});

test("a reply that does not fit: MACH_RCV_LARGE leaves it queued and says its size; without it the reply is destroyed", async () => {
  const kernel = boot();
  const a = actor(kernel);
  let m = typeRequest(a, a.reply);
  // 40 bytes of reply and 8 of trailer do not fit in 47.
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_LARGE, 47, a.reply), MACH_RCV_TOO_LARGE);
  assert.equal(m.get(4), 40, "the size it needs");
  assert.equal((await status(a, a.reply))[4], 1, "still queued");
  assert.equal(recv(a, a.reply, 48).m.geti(20), 3301);
  m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | SEQNO, 51, a.reply), MACH_RCV_TOO_LARGE);
  assert.deepEqual([m.get(4), m.geti(20), m.get(28), m.get(32)], [24, 3301, 12, 1], "a bare header and the seqno trailer");
  const st = await status(a, a.reply);
  assert.deepEqual([st[1], st[4]], [2, 0], "dequeued: the sequence moved on");
  assertInvariant(kernel);
});

test("a reply port in a port set: a receive on the port or on the set gets the reply; one waiting on the set gets it first", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const set = await allocate(a, MACH_PORT_RIGHT_PORT_SET);
  assert.equal((await a.thread.call(3226, a.self, { name: a.reply, pset: set })).kr, 0);
  let m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | SEQNO, 256, a.reply), 0);
  assert.deepEqual([m.geti(20), m.get(48)], [3301, 0]);
  m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | SEQNO, 256, set), 0);
  assert.deepEqual([m.geti(20), m.get(12), m.get(48)], [3301, a.reply, 1]);
  const waiter = a.task.createThread();
  const wbuf = new Msg(256);
  const waiting = waiter.machMsg(wbuf.buf, MACH_RCV_MSG | SEQNO, 0, 256, set, 0, 0);
  assert.ok(waiting instanceof Promise);
  m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 256, a.reply), MACH_RCV_TIMED_OUT);
  assert.equal(await waiting, 0);
  assert.deepEqual([wbuf.geti(20), wbuf.get(12), wbuf.get(48)], [3301, a.reply, 2]);
  assertInvariant(kernel);
});

test("a receiver already waiting on the reply port gets the reply; the caller's own receive then finds none", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const waiter = a.task.createThread();
  const wbuf = new Msg(256);
  const waiting = waiter.machMsg(wbuf.buf, MACH_RCV_MSG | SEQNO, 0, 256, a.reply, 0, 0);
  assert.ok(waiting instanceof Promise);
  const m = typeRequest(a, a.reply);
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 256, a.reply), MACH_RCV_TIMED_OUT);
  assert.equal(await waiting, 0);
  assert.deepEqual([wbuf.geti(20), wbuf.geti(32), wbuf.get(48)], [3301, 0, 0]);
  assertInvariant(kernel);
});

test("a queue observer sees the reply enter and leave the reply port's queue", () => {
  const kernel = boot();
  const a = actor(kernel);
  const seen: [number, number][] = [];
  const fn = (k: { id: number }, p: IpcPort, d: 1 | -1): void => void seen.push([k.id, p.receiverName === a.reply ? d : 0]);
  observeQueues(fn, true);
  try {
    assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG, 256, a.reply), 0);
  } finally {
    observeQueues(fn, false);
  }
  assert.deepEqual(seen, [[3301, 1], [3301, -1]]);
  assertInvariant(kernel);
});

test("an observer of what waits in queues only (seesHeldReplies false) does not stop the shortcut, and still sees a reply the receive leaves queued", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const other = await allocate(a);
  const seen: [number, 1 | -1][] = [];
  const fn = (k: { id: number }, _p: IpcPort, d: 1 | -1): void => void seen.push([k.id, d]);
  observeQueues(fn, true, false);
  try {
    // Taken at once: never in a queue, so nothing to see.
    assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG, 256, a.reply), 0);
    assert.deepEqual(seen, []);
    // A receive on another port: the reply is queued, seen entering and, once received, leaving.
    assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 256, other), MACH_RCV_TIMED_OUT);
    assert.deepEqual(seen, [[3301, 1]]);
    assert.equal(recv(a, a.reply).m.geti(20), 3301);
    assert.deepEqual(seen, [[3301, 1], [3301, -1]]);
    // An observer that must see every reply, added beside it, turns the shortcut off for both.
    const all: number[] = [];
    const strict = (_k: unknown, _p: IpcPort, d: 1 | -1): void => void all.push(d);
    observeQueues(strict, true);
    try {
      assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG, 256, a.reply), 0);
    } finally {
      observeQueues(strict, false);
    }
    assert.deepEqual(all, [1, -1]);
    assert.deepEqual(seen.slice(2), [[3301, 1], [3301, -1]]);
    // Removed, the strict one no longer stops it.
    assert.equal(trap(a, typeRequest(a, a.reply), MACH_SEND_MSG | MACH_RCV_MSG, 256, a.reply), 0);
    assert.equal(seen.length, 4);
  } finally {
    observeQueues(fn, false);
  }
  assertInvariant(kernel);
});

test("a send-right reply to a port with a zero queue limit is refused as a full queue would refuse it (MACH_SEND_TIMEOUT)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.equal((await a.thread.call(3218, a.self, { name: a.reply, flavor: 1, port_info: [0] })).kr, 0);
  // MAKE_SEND for the reply: the queue limit applies to the kernel's reply, sent with the caller's options.
  const m = typeRequest(a, a.reply, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND));
  assert.equal(trap(a, m, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT, 256, a.reply), MACH_RCV_TIMED_OUT);
  // The reply's send right went with the destroyed reply.
  const t = await a.thread.call("mach_port_type", a.self, { name: a.reply });
  assert.equal(t["ptype"], 0x20000, "MACH_PORT_TYPE_RECEIVE only");
  // A send-once reply ignores the limit.
  const n = typeRequest(a, a.reply);
  assert.equal(trap(a, n, MACH_SEND_MSG | MACH_RCV_MSG, 256, a.reply), 0);
  assert.equal(n.geti(20), 3301);
  assertInvariant(kernel);
});

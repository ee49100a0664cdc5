/** The header: dispositions, what the receiver sees, and every header error in XNU's order. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_PORT_DEAD,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_TYPE_SEND_ONCE,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_INVALID_HEADER,
  MACH_SEND_INVALID_REPLY,
  MACH_SEND_INVALID_VOUCHER,
  MACH_SEND_MSG_TOO_SMALL,
  MACH_SEND_TOO_LARGE,
  msghBits,
  KERN_INVALID_NAME,
} from "../../src/index.js";

test("COPY_SEND destination with a MAKE_SEND_ONCE reply: the receiver sees 0x1112, the reply right, its own name", async () => {
  const kernel = boot();
  const server = actor(kernel);
  const client = actor(kernel);
  const port = await allocate(server);
  const dest = transfer(server, port, MACH_MSG_TYPE_MAKE_SEND, client);
  const replyPort = await allocate(client);
  const m = simpleMsg(dest, msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 32, 7, replyPort);
  m.u32(24, 0xfeedface).u32(28, 42);
  assert.equal(send(client, m, 32), 0);
  const { mr, m: r } = recv(server, port);
  assert.equal(mr, 0);
  assert.equal(r.get(0), 0x1112);
  assert.equal(r.get(4), 32);
  assert.equal(r.get(12), port);
  assert.equal(r.geti(20), 7);
  assert.equal(r.get(24), 0xfeedface);
  assert.equal(r.get(28), 42);
  assert.equal(r.get(32), 0, "trailer type");
  assert.equal(r.get(36), 8, "trailer size");
  const so = r.get(8);
  assert.equal((await portType(server, so)).type, MACH_PORT_TYPE_SEND_ONCE);
  // COPY_SEND left the client's reference alone.
  assert.equal(await getRefs(client, dest, MACH_PORT_RIGHT_SEND), 1);
  // The send-once reply right answers, and is then gone.
  const back = simpleMsg(so, msghBits(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), 24, 8);
  assert.equal(send(server, back, 24), 0);
  assert.equal((await portType(server, so)).kr, KERN_INVALID_NAME);
  const { m: got } = recv(client, replyPort);
  assert.equal(got.get(0), 0x1200);
  assert.equal(got.geti(20), 8);
  assertInvariant(kernel);
});

test("MOVE_SEND consumes a user reference; MAKE_SEND counts in mscount; the last MOVE_SEND frees the name", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  assert.equal(send(a, simpleMsg(port, msghBits(MACH_MSG_TYPE_MAKE_SEND, 0), 24), 24), 0);
  assert.equal((await status(a, port))[2], 1, "mscount");
  // The queued message holds a send right: the receive entry has no send right of its own.
  assert.equal((await portType(a, port)).type, MACH_PORT_TYPE_RECEIVE);
  const other = actor(kernel);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, other);
  await other.thread.call(3208, other.self, { name: s, right: 0, delta: 1 });
  assert.equal(await getRefs(other, s, MACH_PORT_RIGHT_SEND), 2);
  assert.equal(send(other, simpleMsg(s, msghBits(MACH_MSG_TYPE_MOVE_SEND, 0), 24), 24), 0);
  assert.equal(await getRefs(other, s, MACH_PORT_RIGHT_SEND), 1);
  assert.equal(send(other, simpleMsg(s, msghBits(MACH_MSG_TYPE_MOVE_SEND, 0), 24), 24), 0);
  assert.equal((await portType(other, s)).kr, KERN_INVALID_NAME);
  assert.equal((await status(a, port))[4], 3, "three messages queued");
  assertInvariant(kernel);
});

test("header errors, each leaving the sender's rights as they were", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const check = (bits: number, remote: number, local: number, expect: number, size = 24, voucher = 0) => {
    const m = simpleMsg(remote, bits, size, 1, local);
    m.u32(16, voucher);
    assert.equal(send(a, m, size), expect, `bits 0x${bits.toString(16)}`);
  };
  // Sizes first.
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), s, 0, MACH_SEND_MSG_TOO_SMALL, 20);
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), s, 0, MACH_SEND_MSG_TOO_SMALL, 26);
  const big = simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24);
  assert.equal(a.thread.machMsg(big.buf, 1, 48 * 1024 * 1024, 0, 0, 0, 0), MACH_SEND_TOO_LARGE);
  assert.equal(a.thread.machMsg(big.buf, 1, 4096, 0, 0, 0, 0), MACH_SEND_INVALID_DATA);
  // Dispositions.
  check(msghBits(MACH_MSG_TYPE_MOVE_RECEIVE, 0), port, 0, MACH_SEND_INVALID_HEADER);
  check(msghBits(0, 0), s, 0, MACH_SEND_INVALID_HEADER);
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), s, port, MACH_SEND_INVALID_HEADER);
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_RECEIVE), s, port, MACH_SEND_INVALID_HEADER);
  // Destination.
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 0, 0, MACH_SEND_INVALID_DEST);
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), MACH_PORT_DEAD, 0, MACH_SEND_INVALID_DEST);
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 0x9903, 0, MACH_SEND_INVALID_DEST);
  // A receive-only name cannot be copied as a send right.
  check(msghBits(MACH_MSG_TYPE_COPY_SEND, 0), a.reply, 0, MACH_SEND_INVALID_DEST);
  // A voucher that is not a voucher.
  check((msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | (MACH_MSG_TYPE_COPY_SEND << 16)) >>> 0, s, 0, MACH_SEND_INVALID_VOUCHER, 24, s);
  check((msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | (MACH_MSG_TYPE_MAKE_SEND << 16)) >>> 0, s, 0, MACH_SEND_INVALID_VOUCHER, 24, 0);
  // Reply checked before the destination is taken: a MOVE_SEND destination keeps its reference.
  check(msghBits(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), s, 0x9903, MACH_SEND_INVALID_REPLY);
  check(msghBits(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE), s, a.reply, MACH_SEND_INVALID_REPLY);
  assert.equal(await getRefs(a, s, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  // Stray bits are cleared, not refused.
  check((msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x40000000) >>> 0, s, 0, 0);
  const { m } = recv(a, port);
  assert.equal(m.get(0), 0x1100);
  assertInvariant(kernel);
});

test("a message to a dead port 'succeeds' and is destroyed with its rights", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const carried = await allocate(a);
  b.task.terminate();
  const m = simpleMsg(s, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, 40);
  m.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  // The name is now a dead name: copying it as a destination fails in copyin...
  assert.equal(send(a, m, 40), MACH_SEND_INVALID_DEST);
  assertInvariant(kernel);
});

test("a port that dies after the message is queued: the receiver never sees it, rights released", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const s = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const carried = await allocate(a);
  const m = simpleMsg(s, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, 40);
  m.u32(24, 1).portDesc(28, carried, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(a, m, 40), 0);
  assert.equal((await status(a, carried))[6], 1, "the message holds a send right to `carried`");
  await b.thread.call(3205, b.self, { name: port });
  assert.equal((await status(a, carried))[6], 0, "released with the destroyed message");
  assertInvariant(kernel);
});

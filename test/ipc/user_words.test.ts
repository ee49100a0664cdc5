/**
 * Copyin and copyout move a small message a word at a time when the caller loops on one buffer
 * (user_words.ts) and the kernel message's bytes have words (kmsg_buffer.ts), and byte by byte
 * otherwise. These pin that both give the same bytes, results and rights: the word path for a
 * looped-on buffer, and each case that must take the byte path (a misaligned buffer, one made per
 * call, a trailer beyond the minimum, a large message, a detached or resized buffer, three buffers
 * in turn), plus small kernel messages that outnumber the kept buffers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocate } from "./lib.js";
import {
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_PORT_SEND,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_RCV_INVALID_DATA,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TRAILER_SEQNO,
  MACH_SEND_INVALID_DATA,
  MACH_SEND_MSG,
  machRcvTrailerElements,
  msghBits,
} from "../../src/index.js";
import { forgetUserWords, userWords } from "../../src/ipc/user_words.js";

const MACH_PORT_TYPE = 3201;
const RPC = MACH_SEND_MSG | MACH_RCV_MSG;
const SEQNO = machRcvTrailerElements(MACH_RCV_TRAILER_SEQNO);

/** mach_port_type(self, self), its reply to `reply`, written into `b`. */
function writeRequest(b: Uint8Array, a: Actor, reply: number): void {
  b.fill(0xee);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(0, 0x1513, true);
  v.setUint32(4, 36, true);
  v.setUint32(8, a.self, true);
  v.setUint32(12, reply, true);
  v.setUint32(16, 0, true);
  v.setInt32(20, MACH_PORT_TYPE, true);
  v.setUint32(24, 0, true);
  v.setUint32(28, 1, true);
  v.setUint32(32, a.self, true);
}

function rpc(a: Actor, b: Uint8Array, option = RPC, rcvSize = 128): number {
  writeRequest(b, a, a.reply);
  const r = a.thread.machMsg(b, option, 36, rcvSize, a.reply, 0, 0);
  assert.equal(typeof r, "number", "a kernel RPC does not wait");
  return r as number;
}

/** What the byte path gives: the same RPC into a buffer made for it. */
function freshReply(a: Actor, option = RPC): Uint8Array {
  const b = new Uint8Array(128);
  assert.equal(rpc(a, b, option), 0);
  return b;
}

/** A kernel and a task to call it, with no user buffer kept from an earlier test. */
function start(): { kernel: ReturnType<typeof boot>; a: Actor } {
  forgetUserWords();
  const kernel = boot();
  return { kernel, a: actor(kernel) };
}

const words = (b: Uint8Array): number[] => [...new Uint32Array(b.slice(0, 48).buffer)];

test("a buffer looped on gets its words, and every reply through them is the byte path's, byte for byte", async () => {
  const { kernel, a } = start();
  const b = new Uint8Array(128);
  // Kept from its third sighting (this copyin, copyout, the next copyin); the fresh buffers in between do not displace it.
  for (let i = 0; i < 2; i++) assert.equal(rpc(a, b), 0);
  for (let i = 0; i < 6; i++) {
    assert.equal(rpc(a, b), 0);
    assert.notEqual(userWords(b, 48), null, "the looped-on buffer is kept with its words");
    const f = freshReply(a);
    assert.deepEqual([...b], [...f], `call ${i}`);
    assert.deepEqual(words(b).slice(0, 12), [0x1200, 40, 0, a.reply, 0, MACH_PORT_TYPE + 100, 0, 1, 0, MACH_PORT_TYPE_SEND, 0, 8]);
  }
  assert.notEqual(userWords(b, 48), null, "the looped-on buffer is kept with its words");
  // The bytes past the trailer are the caller's: untouched.
  assert.deepEqual([...b.subarray(48)], new Array(80).fill(0xee));
  assertInvariant(kernel);
});

test("a buffer not starting on a 4-byte boundary takes the byte path, with the same replies", async () => {
  const { kernel, a } = start();
  const b = new Uint8Array(new ArrayBuffer(129), 1, 128);
  for (let i = 0; i < 4; i++) {
    assert.equal(rpc(a, b), 0);
    assert.deepEqual([...b], [...freshReply(a)], `call ${i}`);
  }
  assert.equal(userWords(b, 48), null);
  assertInvariant(kernel);
});

test("a receive asking for more than the minimum trailer writes it byte by byte, after a body copied in by words", async () => {
  const { kernel, a } = start();
  const b = new Uint8Array(128);
  for (let i = 0; i < 4; i++) {
    assert.equal(rpc(a, b, RPC | SEQNO), 0);
    const v = new DataView(b.buffer);
    assert.deepEqual([0, 4, 12, 20, 32, 36, 40, 44, 48].map((o) => v.getUint32(o, true)), [0x1200, 40, a.reply, MACH_PORT_TYPE + 100, 0, MACH_PORT_TYPE_SEND, 0, 12, i]);
    assert.equal(b[52], 0xee, "nothing past the 12-byte trailer");
  }
  assert.notEqual(userWords(b, 48), null);
  assertInvariant(kernel);
});

test("messages past the word copy's size, sent and received through looped-on buffers, come through whole", async () => {
  const { kernel, a } = start();
  const port = await allocate(a, MACH_PORT_RIGHT_RECEIVE);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  // One buffer for the sends and the receives, as a loop on one buffer has it: kept, so the small sizes go by words.
  const sb = new Uint8Array(256);
  const rb = sb;
  for (const size of [24, 28, 88, 92, 128, 200]) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < sb.length; j++) sb[j] = (j * 7 + size + i) & 0xff;
      const v = new DataView(sb.buffer);
      v.setUint32(0, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), true);
      v.setUint32(4, size, true);
      v.setUint32(8, s, true);
      v.setUint32(12, 0, true);
      v.setUint32(16, 0, true);
      v.setInt32(20, 1000 + size, true);
      const expect = sb.slice(24, size);
      assert.equal(a.thread.machMsg(sb, MACH_SEND_MSG, size, 0, 0, 0, 0), 0);
      rb.fill(0x55);
      assert.equal(a.thread.machMsg(rb, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, port, 0, 0), 0);
      const r = new DataView(rb.buffer);
      assert.deepEqual([r.getUint32(0, true), r.getUint32(4, true), r.getUint32(12, true), r.getInt32(20, true)], [msghBits(0, MACH_MSG_TYPE_PORT_SEND), size, port, 1000 + size]);
      assert.deepEqual([...rb.subarray(24, size)], [...expect], `body of ${size}`);
      assert.deepEqual([r.getUint32(size, true), r.getUint32(size + 4, true)], [0, 8], "trailer");
      assert.equal(rb[size + 8], 0x55);
    }
  }
  assert.notEqual(userWords(sb, 48), null);
  assertInvariant(kernel);
});

test("a kept buffer detached since is refused as any empty buffer is, and the next buffer works", async () => {
  const { kernel, a } = start();
  const b = new Uint8Array(128);
  for (let i = 0; i < 3; i++) assert.equal(rpc(a, b), 0);
  assert.notEqual(userWords(b, 48), null);
  structuredClone(b.buffer, { transfer: [b.buffer] });
  assert.equal(b.length, 0);
  assert.equal(a.thread.machMsg(b, RPC, 36, 128, a.reply, 0, 0), MACH_SEND_INVALID_DATA);
  assert.equal(a.thread.machMsg(new Uint8Array(0), RPC, 36, 128, a.reply, 0, 0), MACH_SEND_INVALID_DATA);
  const c = new Uint8Array(128);
  for (let i = 0; i < 3; i++) {
    assert.equal(rpc(a, c), 0);
    assert.deepEqual([...c], [...freshReply(a)]);
  }
  assertInvariant(kernel);
});

/** The reply destroyed for want of room sends a send-once notification to the reply port: receive it by bytes. */
function takeSendOnceNotification(a: Actor): void {
  const n = new Uint8Array(64);
  assert.equal(a.thread.machMsg(n, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, a.reply, 0, 0), 0);
  assert.equal(new DataView(n.buffer).getInt32(20, true), MACH_NOTIFY_SEND_ONCE);
}

test("a kept buffer whose resizable memory shrank and grew again gets the byte path's results at each size", async () => {
  const { kernel, a } = start();
  const rab = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(128, { maxByteLength: 128 });
  const b = new Uint8Array(rab);
  for (let i = 0; i < 3; i++) assert.equal(rpc(a, b), 0);
  assert.notEqual(userWords(b, 48), null);
  rab.resize(44);
  assert.equal(b.length, 44);
  // Room for the request but not for the reply and its trailer: the reply is destroyed, as for any 44-byte buffer.
  assert.equal(rpc(a, b, RPC, 128), MACH_RCV_INVALID_DATA);
  takeSendOnceNotification(a);
  assert.equal(rpc(a, new Uint8Array(44), RPC, 128), MACH_RCV_INVALID_DATA);
  takeSendOnceNotification(a);
  rab.resize(128);
  for (let i = 0; i < 3; i++) {
    assert.equal(rpc(a, b), 0);
    assert.deepEqual([...b], [...freshReply(a)], `after growing, call ${i}`);
  }
  assertInvariant(kernel);
});

/** The reply of mach_port_type(self, self) as its first 48 bytes' words. */
const typeReply = (a: Actor): number[] => [0x1200, 40, 0, a.reply, 0, MACH_PORT_TYPE + 100, 0, 1, 0, MACH_PORT_TYPE_SEND, 0, 8];

test("a buffer to send from and one to receive into, used in turn, both get words, with the byte path's replies", async () => {
  const { kernel, a } = start();
  const sb = new Uint8Array(128);
  const rb = new Uint8Array(128);
  for (let i = 0; i < 6; i++) {
    writeRequest(sb, a, a.reply);
    rb.fill(0xee);
    assert.equal(a.thread.machMsgOverwrite(sb, RPC, 36, 128, a.reply, 0, 0, rb), 0);
    assert.deepEqual(words(rb), typeReply(a), `call ${i}`);
    assert.deepEqual([...rb.subarray(48)], new Array(80).fill(0xee));
    assert.deepEqual([...sb.subarray(36)], new Array(92).fill(0xee), "the send buffer past the request is untouched");
  }
  assert.notEqual(userWords(sb, 48), null);
  assert.notEqual(userWords(rb, 48), null);
  assertInvariant(kernel);
});

test("three buffers used in turn take the byte path, with the same replies", async () => {
  const { kernel, a } = start();
  const b = [new Uint8Array(128), new Uint8Array(128), new Uint8Array(128)];
  for (let i = 0; i < 9; i++) {
    const x = b[i % 3]!;
    assert.equal(rpc(a, x), 0);
    assert.deepEqual(words(x), typeReply(a), `call ${i}`);
    assert.deepEqual([...x.subarray(48)], new Array(80).fill(0xee));
  }
  assert.equal(userWords(b[0]!, 48), null);
  assertInvariant(kernel);
});

test("more small messages queued than kernel buffers are kept: each comes out with its own bytes, in order", async () => {
  const { kernel, a } = start();
  // Five ports of five messages each (the default queue limit): 25 queued 36-byte messages.
  const ports: number[] = [];
  const sends: number[] = [];
  for (let p = 0; p < 5; p++) {
    ports.push(await allocate(a, MACH_PORT_RIGHT_RECEIVE));
    sends.push(transfer(a, ports[p]!, MACH_MSG_TYPE_MAKE_SEND, a));
  }
  const sb = new Uint8Array(64);
  const rb = sb;
  const word = (p: number, i: number, round: number): number[] => [2000 + 10 * p + i, (0x01010101 * (i + 1)) >>> 0, round, ~(p * 5 + i) >>> 0];
  // Warm the kept buffers of this size first (a few sends and receives), then outnumber them.
  for (let round = 0; round < 3; round++) {
    const np = round === 1 ? 5 : 1;
    for (let p = 0; p < np; p++) {
      for (let i = 0; i < 5; i++) {
        const v = new DataView(sb.buffer);
        const [id, w24, w28, w32] = word(p, i, round);
        v.setUint32(0, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), true);
        v.setUint32(4, 36, true);
        v.setUint32(8, sends[p]!, true);
        v.setUint32(12, 0, true);
        v.setUint32(16, 0, true);
        v.setInt32(20, id!, true);
        v.setUint32(24, w24!, true);
        v.setUint32(28, w28!, true);
        v.setUint32(32, w32!, true);
        assert.equal(a.thread.machMsg(sb, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
      }
    }
    for (let p = 0; p < np; p++) {
      for (let i = 0; i < 5; i++) {
        assert.equal(a.thread.machMsg(rb, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, ports[p]!, 0, 0), 0);
        const r = new DataView(rb.buffer);
        assert.deepEqual([r.getInt32(20, true), r.getUint32(24, true), r.getUint32(28, true), r.getUint32(32, true), r.getUint32(36, true), r.getUint32(40, true)], [...word(p, i, round), 0, 8]);
      }
    }
  }
  assert.notEqual(userWords(sb, 48), null);
  assertInvariant(kernel);
});

test("a port descriptor received through a looped-on buffer's words is the byte path's, pads and disposition included", async () => {
  const { kernel, a } = start();
  const q = await allocate(a, MACH_PORT_RIGHT_RECEIVE);
  const qs = transfer(a, q, MACH_MSG_TYPE_MAKE_SEND, a);
  const p = await allocate(a, MACH_PORT_RIGHT_RECEIVE);
  /** A message to q carrying a send right made from p, sent and received back through `b` (pre-filled with garbage). */
  const exchange = (b: Uint8Array): void => {
    b.fill(0xee);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    v.setUint32(0, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, true);
    v.setUint32(4, 40, true);
    v.setUint32(8, qs, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, 0, true);
    v.setInt32(20, 4242, true);
    v.setUint32(24, 1, true);
    v.setUint32(28, p, true);
    v.setUint32(32, 0x12345678, true); // pad1: the receiver sees 0
    v.setUint16(36, 0xabcd, true); // pad2: likewise
    b[38] = MACH_MSG_TYPE_MAKE_SEND;
    b[39] = 0;
    assert.equal(a.thread.machMsg(b, RPC, 40, 128, q, 0, 0), 0);
  };
  const b = new Uint8Array(128);
  for (let i = 0; i < 6; i++) {
    exchange(b);
    const f = new Uint8Array(128);
    exchange(f);
    assert.deepEqual([...b], [...f], `message ${i}`);
    const w = [...new Uint32Array(b.slice(0, 48).buffer)];
    assert.deepEqual(w.slice(1, 12), [40, 0, q, 0, 4242, 1, p, 0, MACH_MSG_TYPE_PORT_SEND << 16, 0, 8], `message ${i}`);
  }
  assert.notEqual(userWords(b, 48), null, "the looped-on buffer is kept with its words");
  assert.deepEqual([...b.subarray(48)], new Array(80).fill(0xee));
  assertInvariant(kernel);
});

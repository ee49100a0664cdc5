/**
 * The per-frame shortcuts of the server's read and reply path (borrowed read-buffer frames, kept
 * views per read size, prefix sends, the queue observer that does not see a kernel reply taken at
 * once) checked where they could go wrong: frames that outlive the read buffer's next fill, frames
 * split across reads, a held kernel reply that is queued after all, and a client's charge returning
 * to 0 whenever it goes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";

import { MachClient } from "../../src/client/index.js";
import { FRAME_HEADER, MSG_ARGS, OP_MACH_MSG, OP_RESULT, OP_TRAP, RESULT, TRAP, frame, struct } from "../../src/server/protocol.js";
import { rdU32, wrU32 } from "../../src/abi/bytes.js";
import { KERN_SUCCESS, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_RIGHT_RECEIVE, MACH_RCV_MSG, MACH_SEND_MSG, msghBits } from "../../src/index.js";
import { rawClient, startServer, until } from "./helpers.js";

const MACH_RCV_LARGE = 0x4;
const MACH_SEND_TIMEOUT = 0x10;
const MACH_RCV_TIMEOUT = 0x100;
const MACH_RCV_TOO_LARGE = 0x10004004;
const MACH_RCV_TIMED_OUT = 0x10004003;
const MACH_SEND_TIMED_OUT = 0x10000004;

/** A simple message of `size` bytes to `port` (a send right), its body filled from `seed`. */
function inlineMsg(port: number, size: number, seed: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 24; i < size; i++) m[i] = (i * 13 + seed * 71) & 0xff;
  wrU32(m, 0, msghBits(MACH_MSG_TYPE_COPY_SEND, 0));
  wrU32(m, 4, size);
  wrU32(m, 8, port);
  wrU32(m, 20, 500 + seed);
  return m;
}

/** mach_port_type(self, self) with its reply on `reply` (a make-send-once local right). */
function portTypeRequest(self: number, reply: number): Uint8Array {
  const msg = new Uint8Array(36);
  wrU32(msg, 0, 0x1513);
  wrU32(msg, 4, 36);
  wrU32(msg, 8, self);
  wrU32(msg, 12, reply);
  wrU32(msg, 20, 3201);
  msg.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  wrU32(msg, 32, self);
  return msg;
}

async function receivePort(c: MachClient): Promise<{ self: number; port: number }> {
  const t = c.mainThread;
  const self = await t.taskSelfTrap();
  const port = (await t.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal((await t.call("mach_port_insert_right", self, { name: port, poly: { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND } })).kr, KERN_SUCCESS);
  return { self, port };
}

test("inline sends that wait on a full queue (frames read into the shared buffer) arrive intact after many reads overwrite it, and the charge goes to 0", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath });
  const other = await MachClient.connect({ socketPath: server.socketPath });
  try {
    const { self, port } = await receivePort(c);
    const t = c.mainThread;
    // Sizes on both sides of DIRECT_SEND_MIN (512) and the scratch, all read in one chunk.
    const sizes = [600, 2000, 40, 8000, 3000, 700, 1200];
    for (let i = 0; i < 5; i++) assert.equal(await t.machMsg(inlineMsg(port, sizes[i]!, i), MACH_SEND_MSG, sizes[i]!, 0, 0), 0);
    const threads = [await c.createThread(), await c.createThread()];
    const waiting = [5, 6].map((i, k) => threads[k]!.machMsg(inlineMsg(port, sizes[i]!, i), MACH_SEND_MSG, sizes[i]!, 0, 0));
    // A send that cannot wait goes from the frame itself and comes back at once.
    const bounced = inlineMsg(port, 900, 9);
    assert.equal(await t.machMsg(bounced, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 900, 0, 0, 0), MACH_SEND_TIMED_OUT);
    // Many reads of many sizes, from this client and another, overwrite the read buffer.
    const reply = (await t.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
    for (let i = 0; i < 40; i++) {
      const buf = new Uint8Array(128);
      buf.set(portTypeRequest(self, reply));
      assert.equal(await t.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 128, reply), 0);
      const junk = new Uint8Array(100 + i * 97).fill(0xee);
      await other.mainThread.machMsg(junk, MACH_SEND_MSG, junk.byteLength, 0, 0).catch(() => 0);
    }
    assert.ok(server.heldBytes > 0, "the queued messages and waiting frames are charged");
    for (let i = 0; i < 7; i++) {
      const buf = new Uint8Array(9000);
      assert.equal(await t.machMsg(buf, MACH_RCV_MSG, 0, 9000, port), 0);
      assert.equal(rdU32(buf, 20), 500 + i, "in order");
      const size = rdU32(buf, 4);
      assert.equal(size, sizes[i]);
      assert.deepEqual(buf.subarray(24, size), inlineMsg(port, size, i).subarray(24), `message ${i} intact`);
    }
    assert.deepEqual(await Promise.all(waiting), [0, 0]);
    await until(() => server.heldBytes === 0, "nothing held once everything is received");
  } finally {
    c.close();
    other.close();
    await until(() => server.connections === 0, "the sessions to go");
    assert.equal(server.heldBytes, 0);
    assert.deepEqual(server.kernel.findViolations(), []);
    await server.close();
  }
});

test("a disconnect while sends wait and messages sit queued returns the client's charge to 0", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath });
  try {
    const { port } = await receivePort(c);
    for (let i = 0; i < 5; i++) assert.equal(await c.mainThread.machMsg(inlineMsg(port, 1500, i), MACH_SEND_MSG, 1500, 0, 0), 0);
    const th = await c.createThread();
    void th.machMsg(inlineMsg(port, 1500, 5), MACH_SEND_MSG, 1500, 0, 0).catch(() => 0);
    await until(() => server.heldBytes > 6 * 1500, "the queued messages and the waiting frame to be charged");
  } finally {
    c.close();
    await until(() => server.connections === 0, "the sessions to go");
    assert.equal(server.heldBytes, 0);
    assert.deepEqual(server.kernel.findViolations(), []);
    await server.close();
  }
});

test("a kernel reply held for its trap but queued after all (too large, or another port received on) is charged while queued and released when it leaves", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath });
  try {
    const t = c.mainThread;
    const self = await t.taskSelfTrap();
    const reply = (await t.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
    const empty = (await t.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
    assert.equal(server.heldBytes, 0);
    // Too small a receive with MACH_RCV_LARGE: the reply stays queued.
    let buf = new Uint8Array(64);
    buf.set(portTypeRequest(self, reply));
    assert.equal(await t.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_LARGE, 36, 24, reply), MACH_RCV_TOO_LARGE);
    await until(() => server.heldBytes > 0, "the queued reply to be charged");
    const one = server.heldBytes;
    buf = new Uint8Array(128);
    assert.equal(await t.machMsg(buf, MACH_RCV_MSG, 0, 128, reply), 0);
    assert.equal(rdU32(buf, 20), 3301, "mach_port_type's reply");
    await until(() => server.heldBytes === 0, "the reply's charge to go");
    // A receive on another port: the reply is queued on its own port, the receive times out.
    buf = new Uint8Array(128);
    buf.set(portTypeRequest(self, reply));
    assert.equal(await t.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, 36, 128, empty, 0), MACH_RCV_TIMED_OUT);
    await until(() => server.heldBytes > 0, "the queued reply to be charged");
    assert.equal(server.heldBytes, one);
    // And a held reply taken at once charges nothing, before or after.
    buf = new Uint8Array(128);
    buf.set(portTypeRequest(self, empty));
    assert.equal(await t.machMsg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 128, empty), 0);
    assert.equal(server.heldBytes, one);
  } finally {
    // Disconnecting with the reply still queued releases it with the task's ports.
    c.close();
    await until(() => server.connections === 0, "the session to go");
    assert.equal(server.heldBytes, 0);
    assert.deepEqual(server.kernel.findViolations(), []);
    await server.close();
  }
});

test("frames cut across reads at every kind of boundary are answered right, in order, whatever size each read has", async () => {
  const server = await startServer();
  try {
    const c = await rawClient(server.socketPath);
    c.sock.write(frame(OP_TRAP, 3, 0, [struct(TRAP, { trap: 26 })]));
    const reply = rdU32(await c.next(), FRAME_HEADER.size + RESULT.at.value);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const msg = portTypeRequest(c.self, reply);
      frames.push(frame(OP_MACH_MSG, 10 + i, 0, [struct(MSG_ARGS, { option: 3, sendSize: 36, rcvSize: 128, rcvName: reply, timeout: 0, oolCount: 0 }), msg]));
    }
    const all = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
    frames.reduce((at, f) => (all.set(f, at), at + f.byteLength), 0);
    const answers: Promise<Uint8Array>[] = frames.map(() => c.next());
    // Writes of 1 to 200 bytes, with pauses so the server reads them one by one.
    for (let off = 0, k = 0; off < all.byteLength; k++) {
      const n = Math.min(1 + ((k * 37) % 200), all.byteLength - off);
      c.sock.write(all.subarray(off, off + n));
      off += n;
      if (k % 4 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const got = await Promise.all(answers);
    got.forEach((a, i) => {
      assert.equal(rdU32(a, FRAME_HEADER.at.op), OP_RESULT);
      assert.equal(rdU32(a, FRAME_HEADER.at.seq), 10 + i, "in order");
      assert.equal(rdU32(a, FRAME_HEADER.size + RESULT.at.value), 0);
      const m = a.subarray(FRAME_HEADER.size + RESULT.size);
      assert.equal(rdU32(m, 20), 3301);
    });
    assert.equal(server.heldBytes, 0);
    // Half a large frame (a reservation made for it), then gone.
    const big = frame(OP_MACH_MSG, 999, 0, [struct(MSG_ARGS, { option: 1, sendSize: 200_000, rcvSize: 0, rcvName: 0, timeout: 0, oolCount: 0 }), inlineMsg(c.self, 200_000, 1)]);
    c.sock.write(big.subarray(0, 100_000));
    await until(() => server.heldBytes > 0, "the large frame's reservation");
    c.sock.destroy();
    await until(() => server.connections === 0, "the session to go");
    assert.equal(server.heldBytes, 0);
  } finally {
    await server.close();
  }
});

test("half a small frame, then a disconnect: nothing held", async () => {
  const server = await startServer();
  try {
    const c = await rawClient(server.socketPath);
    const f = frame(OP_MACH_MSG, 5, 0, [struct(MSG_ARGS, { option: 1, sendSize: 2000, rcvSize: 0, rcvName: 0, timeout: 0, oolCount: 0 }), inlineMsg(c.self, 2000, 2)]);
    c.sock.write(f.subarray(0, 1000));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.destroy();
    await until(() => server.connections === 0, "the session to go");
    assert.equal(server.heldBytes, 0);
  } finally {
    await server.close();
  }
});

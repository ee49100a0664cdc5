/**
 * The server sends a large message from its frame (no copy into the trap's buffer first) when the
 * send cannot wait, and writes a mach_msg's RESULT around the received message in the buffer it
 * lends again next (src/server/session.ts): a send that times out still gives its message back, a
 * send that waits for room still goes with its own bytes, an RPC's two messages arrive as sent, and
 * a client that reads its results late still gets every one of them intact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Socket } from "node:net";
import { MachClient } from "../../src/client/index.js";
import { Kernel, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG, MACH_SEND_TIMEOUT, MACH_SEND_TIMED_OUT } from "../../src/index.js";
import { startServer, until } from "./helpers.js";

interface Caller {
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout?: number): number | Promise<number>;
  call(routine: string, target: number, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  taskSelfTrap(): number | Promise<number>;
}

const COPY_SEND = 19;
const MAKE_SEND_ONCE = 21;
const MOVE_SEND_ONCE = 18;

/** A message of `bytes` inline bytes after the header, each a function of its place and `id`. */
function message(dest: number, bytes: number, id: number, local = 0, bits = COPY_SEND | (local ? MAKE_SEND_ONCE << 8 : 0)): Uint8Array {
  const size = 24 + bytes;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, bits, true);
  v.setUint32(4, size, true);
  v.setUint32(8, dest, true);
  v.setUint32(12, local, true);
  v.setInt32(20, id, true);
  for (let i = 24; i < size; i++) b[i] = (i * 31 + id) & 0xff;
  return b;
}

const digest = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex").slice(0, 16);

/** Timed-out, waiting and RPC sends of 4 KiB messages between two threads of one task: every result and byte. */
async function scenario(t: Caller, u: Caller): Promise<unknown[]> {
  const out: unknown[] = [];
  const self = await t.taskSelfTrap();
  const port = async (): Promise<number> => {
    const p = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
    await t.call("mach_port_insert_right", self, { name: p, poly: { name: p, disposition: 20 } });
    return p;
  };
  const a = await port();
  const reply = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
  const recv = async (name: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(8192);
    const mr = await t.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.byteLength, name, 0);
    const size = new DataView(buf.buffer).getUint32(4, true);
    out.push(["received", mr, size, new DataView(buf.buffer).getInt32(20, true), digest(buf.subarray(24, size))]);
    return buf;
  };
  // The queue's five places fill; the sixth send times out and gets its message back, bytes and all.
  for (let i = 0; i < 5; i++) out.push(await t.machMsg(message(a, 4000, i), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 4024, 0, 0, 0));
  const back = message(a, 4000, 5);
  const mr = await t.machMsg(back, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 4024, 0, 0, 0);
  const hv = new DataView(back.buffer);
  out.push(["timed out", mr, hv.getUint32(4, true), hv.getUint32(8, true) === a, digest(back.subarray(24))]);
  // A send without a timeout waits for room, then goes with its own bytes.
  const waiting = u.machMsg(message(a, 4000, 6), MACH_SEND_MSG, 4024, 0, 0);
  for (let i = 0; i < 6; i++) await recv(a);
  out.push(["waited", await waiting]);
  // An RPC: u waits on a, t sends with a reply port and waits on it, u answers with as many bytes.
  const served = new Uint8Array(8192);
  const serving = u.machMsg(served, MACH_RCV_MSG, 0, served.byteLength, a);
  const rpc = new Uint8Array(8192);
  rpc.set(message(a, 4000, 7, reply));
  const asked = t.machMsg(rpc, MACH_SEND_MSG | MACH_RCV_MSG, 4024, rpc.byteLength, reply);
  out.push(["served", await serving, digest(served.subarray(24, 4024)), new DataView(served.buffer).getInt32(20, true)]);
  const so = new DataView(served.buffer).getUint32(8, true);
  out.push(["answered", await u.machMsg(message(so, 4000, 8, 0, MOVE_SEND_ONCE), MACH_SEND_MSG, 4024, 0, 0)]);
  out.push(["asked", await asked, new DataView(rpc.buffer).getInt32(20, true), digest(rpc.subarray(24, 4024))]);
  return out;
}

test("large sends through the server give what the in-process kernel gives: timed out (the message given back), waiting for room, an RPC", async () => {
  const kernel = Kernel.boot({ cpus: 2 });
  const task = kernel.createTask({ uid: 0 });
  const local = await scenario(task.createThread() as unknown as Caller, task.createThread() as unknown as Caller);
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "direct" });
  const remote = await scenario(c.mainThread as unknown as Caller, (await c.createThread()) as unknown as Caller);
  assert.deepEqual(remote, local);
  // The scenario did what it says: the sixth send timed out with its bytes unchanged, six came in order, the RPC went both ways.
  assert.deepEqual(local[5], ["timed out", MACH_SEND_TIMED_OUT, 4024, true, digest(message(0, 4000, 5).subarray(24))]);
  assert.deepEqual(
    local.filter((r) => Array.isArray(r) && r[0] === "received").map((r) => (r as unknown[])[3]),
    [0, 1, 2, 3, 4, 6],
  );
  assert.deepEqual(local.slice(-3).map((r) => (r as unknown[])[1]), [0, 0, 0]);
  assert.equal((local.at(-1) as unknown[])[2], 8);
  assert.equal((local.at(-1) as unknown[])[3], digest(message(0, 4000, 8).subarray(24)));
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  await server.close();
});

test("a client that reads its results late gets every one intact (RESULTs written in place are copied when the socket is full)", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "late" });
  const t = c.mainThread;
  const self = await t.taskSelfTrap();
  const a = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
  await t.call("mach_port_insert_right", self, { name: a, poly: { name: a, disposition: 20 } });
  // Each call sends 4 KiB to a and receives it again in the same trap: a RESULT of 4 KiB from the server's buffer.
  const sock = (c as unknown as { socket: Socket }).socket;
  sock.pause();
  const N = 300;
  const bufs = Array.from({ length: N }, (_, i) => message(a, 4096, i));
  const calls = bufs.map((b) => t.machMsg(b, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, b.byteLength, b.byteLength + 64, a, 0));
  // More than a socket holds (about 1.2 MiB of results): the server has to queue some in its stream.
  const sessions = (server as unknown as { sessions: Set<{ socket: Socket }> }).sessions;
  await until(() => [...sessions].some((s) => s.socket.writableLength > 0), "results to wait in the server's stream", 10000);
  await new Promise((r) => setTimeout(r, 100));
  sock.resume();
  // Bytes lost or overwritten in the stream would leave the client waiting for a frame that never ends: fail instead.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the results did not all arrive within 20 s")), 20000);
  });
  const results = await Promise.race([Promise.all(calls), stuck]);
  clearTimeout(timer);
  assert.deepEqual(results, new Array(N).fill(0));
  for (let i = 0; i < N; i++) {
    const v = new DataView(bufs[i]!.buffer);
    assert.equal(v.getInt32(20, true), i, `message ${i}'s id`);
    assert.equal(v.getUint32(4, true), 24 + 4096);
    assert.equal(digest(bufs[i]!.subarray(24, 24 + 4096)), digest(message(0, 4096, i).subarray(24)), `message ${i}'s bytes`);
  }
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  await server.close();
});

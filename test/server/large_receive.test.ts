/**
 * Receives larger than the connection's buffer are sized by the message that
 * arrives, not by rcv_size: the same scenarios through the server and on the
 * in-process kernel give the same answers and the same bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { Kernel, MACH_RCV_LARGE, MACH_RCV_MSG, MACH_RCV_TIMEOUT, MACH_SEND_MSG } from "../../src/index.js";
import { startServer, until } from "./helpers.js";

interface Caller {
  machMsg(buf: Uint8Array, option: number, sendSize: number, rcvSize: number, rcvName: number, timeout?: number): number | Promise<number>;
  call(routine: string, target: number, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  taskSelfTrap(): number | Promise<number>;
}

function message(dest: number, bytes: number, id: number): Uint8Array {
  const size = 24 + bytes;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x13, true);
  v.setUint32(4, size, true);
  v.setUint32(8, dest, true);
  v.setInt32(20, id, true);
  for (let i = 24; i < size; i++) b[i] = (i * 31 + id) & 0xff;
  return b;
}

/** A scenario a Mach program might run, returning every result and received byte. */
async function scenario(t: Caller): Promise<unknown[]> {
  const out: unknown[] = [];
  const self = await t.taskSelfTrap();
  const port = async () => {
    const p = (await t.call("mach_port_allocate", self, { right: 1 }))["name"] as number;
    await t.call("mach_port_insert_right", self, { name: p, poly: { name: p, disposition: 20 } });
    return p;
  };
  const a = await port();
  const b = await port();
  const set = (await t.call("mach_port_allocate", self, { right: 3 }))["name"] as number;
  await t.call("mach_port_move_member", self, { member: a, after: set });
  await t.call("mach_port_move_member", self, { member: b, after: set });
  const send = async (dest: number, n: number, id: number) => out.push(await t.machMsg(message(dest, n, id), MACH_SEND_MSG, 24 + n, 0, 0));
  const recv = async (name: number, rcvSize: number, option = 0) => {
    const buf = new Uint8Array(Math.max(rcvSize, 64));
    const mr = await t.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT | option, 0, rcvSize, name, 0);
    const v = new DataView(buf.buffer);
    const size = v.getUint32(4, true);
    out.push([mr, size, v.getInt32(20, true), Buffer.from(buf.subarray(24, Math.min(size, buf.length))).toString("base64").length]);
  };
  // Fits: a 100 KiB message into a 1 MiB receive.
  await send(a, 100_000, 1);
  await recv(a, 1 << 20);
  // Too large without MACH_RCV_LARGE: destroyed, header only; the queue is then empty.
  await send(a, 30_000, 2);
  await recv(a, 20_000);
  await recv(a, 1 << 20);
  // Too large with MACH_RCV_LARGE: the size comes back and the message stays for a big enough receive.
  await send(b, 40_000, 3);
  await recv(b, 20_000, MACH_RCV_LARGE);
  await recv(b, 40_024 + 8);
  // A set with a small message and a large one behind it, received through the set.
  await send(b, 12, 4);
  await send(a, 70_000, 5);
  await recv(set, 1 << 20);
  await recv(set, 1 << 20);
  return out;
}

test("large receives through the server give what the in-process kernel gives (fits, too large, MACH_RCV_LARGE, port sets)", async () => {
  const kernel = Kernel.boot({ cpus: 2 });
  const thread = kernel.createTask({ uid: 0 }).createThread();
  const local = await scenario(thread as unknown as Caller);
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath, name: "large" });
  const remote = await scenario(c.mainThread as unknown as Caller);
  assert.deepEqual(remote, local);
  // The scenario really exercised each case (successes, the destroy, the size report).
  assert.deepEqual(
    local.filter(Array.isArray).map((r) => (r as number[]).slice(0, 3)),
    [
      [0, 100_024, 1],
      [0x10004004, 24, 2],
      [0x10004003, 0, 0],
      [0x10004004, 40_024, 0],
      [0, 40_024, 3],
      [0, 70_024, 5],
      [0, 36, 4],
    ],
  );
  c.close();
  await until(() => server.kernel.tasks.size === 1, "the task to die");
  assert.deepEqual(server.kernel.findViolations(), []);
  assert.deepEqual(kernel.findViolations(), []);
  await server.close();
});

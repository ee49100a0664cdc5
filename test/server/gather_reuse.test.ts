/**
 * Frames larger than one socket chunk are gathered into a buffer the session
 * reuses: what they carry arrives intact, also when sends wait on a full queue
 * (each holding its frame until the trap is done) while more large frames come.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MachClient } from "../../src/client/index.js";
import { startServer, until } from "./helpers.js";
import { KERN_SUCCESS, MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_RIGHT_RECEIVE, MACH_RCV_MSG, MACH_SEND_MSG, msghBits, OOL_DESCRIPTOR } from "../../src/index.js";

const SIZE = 64 * 1024;
/** A queue holds five messages by default (MACH_PORT_QLIMIT_DEFAULT): the sixth and seventh sends wait. */
const MESSAGES = 7;

test("large frames gathered into the reused buffer arrive intact, also while sends wait on a full queue", async () => {
  const server = await startServer();
  const c = await MachClient.connect({ socketPath: server.socketPath });
  try {
    const threads = [c.mainThread, await c.createThread(), await c.createThread()];
    const t = threads[0]!;
    const self = await t.taskSelfTrap();
    const port = (await t.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
    assert.equal((await t.call("mach_port_insert_right", self, { name: port, poly: { name: port, disposition: MACH_MSG_TYPE_MAKE_SEND } })).kr, KERN_SUCCESS);
    const payload = (i: number): Uint8Array => Uint8Array.from({ length: SIZE }, (_, k) => (k * 7 + i * 31) & 0xff);
    const send = (i: number, thread = t): Promise<number> => {
      const msg = new Uint8Array(40);
      const v = new DataView(msg.buffer);
      v.setUint32(0, (msghBits(MACH_MSG_TYPE_COPY_SEND, 0) | 0x80000000) >>> 0, true);
      v.setUint32(4, 44, true);
      v.setUint32(8, port, true);
      v.setInt32(20, 1000 + i, true);
      v.setUint32(24, 1, true);
      const m = new Uint8Array(44);
      m.set(msg);
      OOL_DESCRIPTOR.write(new DataView(m.buffer), 28, { address: c.memory.allocate(payload(i)), copy: 0, type: 1, size: SIZE });
      return thread.machMsg(m, MACH_SEND_MSG, 44, 0, 0);
    };
    for (let i = 0; i < 5; i++) assert.equal(await send(i), 0);
    // These two wait for room, each holding its frame (one of them the reused buffer).
    const waiting = [send(5, threads[1]), send(6, threads[2])];
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < MESSAGES; i++) {
      const buf = new Uint8Array(256);
      assert.equal(await t.machMsg(buf, MACH_RCV_MSG, 0, 256, port), 0);
      const v = new DataView(buf.buffer);
      assert.equal(v.getInt32(20, true), 1000 + i, "in order");
      const d = OOL_DESCRIPTOR.read(v, 28);
      assert.deepEqual(c.memory.read(d.address, d.size), payload(i), `message ${i} intact`);
    }
    assert.deepEqual(await Promise.all(waiting), [0, 0]);
  } finally {
    c.close();
    await until(() => server.kernel.tasks.size === 1, "the task to die");
    assert.deepEqual(server.kernel.findViolations(), []);
    await server.close();
  }
});

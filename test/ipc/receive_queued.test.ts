/**
 * A receive of a message already queued on a port (mach_msg's direct path, mqueueTakeFitting)
 * against the same message received through a port set holding the port (mqueueReceive's general
 * path): the same bytes, trailer sequence numbers included, the same rights; a message too large
 * still takes the general path (MACH_RCV_LARGE leaves it queued).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Kernel } from "../../src/index.js";
import {
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG,
  machRcvTrailerElements,
  MACH_RCV_TRAILER_AUDIT,
  MACH_RCV_TRAILER_SEQNO,
  msghBits,
} from "../../src/abi/message.js";
import { MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";

async function setup(viaSet: boolean) {
  const kernel = Kernel.boot({ cpus: 2 });
  const task = kernel.createTask({ uid: 501 });
  const th = task.createThread();
  const self = th.taskSelfTrap();
  const a = await th.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE });
  const port = a["name"] as number;
  const c = await th.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_RECEIVE });
  const carried = c["name"] as number;
  let rcvName = port;
  if (viaSet) {
    const s = await th.call("mach_port_allocate", self, { right: MACH_PORT_RIGHT_PORT_SET });
    rcvName = s["name"] as number;
    const m = await th.call("mach_port_move_member", self, { member: port, after: rcvName });
    assert.equal(m.kr, 0);
  }
  return { kernel, th, port, carried, rcvName };
}

/** A message to `port` with `carried` as its reply right (MAKE_SEND) and a body of `n` bytes. */
function message(port: number, carried: number, n: number, k: number): Uint8Array {
  const b = new Uint8Array(24 + n);
  const v = new DataView(b.buffer);
  v.setUint32(0, msghBits(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND), true);
  v.setUint32(4, 24 + n, true);
  v.setUint32(8, port, true);
  v.setUint32(12, carried, true);
  v.setInt32(20, 1000 + k, true);
  for (let i = 24; i < b.length; i++) b[i] = (i * 7 + k) & 0xff;
  return b;
}

async function receiveAll(viaSet: boolean): Promise<string[]> {
  const { kernel, th, port, carried, rcvName } = await setup(viaSet);
  const out: string[] = [];
  const options = [0, machRcvTrailerElements(MACH_RCV_TRAILER_SEQNO), machRcvTrailerElements(MACH_RCV_TRAILER_AUDIT)];
  for (let k = 0; k < 12; k++) {
    const n = [0, 8, 40, 100][k % 4]!;
    assert.equal(th.machMsg(message(port, carried, n, k), MACH_SEND_MSG, 24 + n, 0, 0, 0, 0), 0);
    if (k % 3 === 2) assert.equal(th.machMsg(message(port, carried, n, k + 50), MACH_SEND_MSG, 24 + n, 0, 0, 0, 0), 0);
    const opt = options[k % 3]!;
    // Too small first, with MACH_RCV_LARGE: the message stays, its size told.
    const small = new Uint8Array(32);
    assert.equal(th.machMsg(small, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 24, rcvName, 0, 0), MACH_RCV_TOO_LARGE);
    out.push(`large ${new DataView(small.buffer).getUint32(4, true)}`);
    const buf = new Uint8Array(512);
    assert.equal(th.machMsg(buf, MACH_RCV_MSG | opt, 0, 512, rcvName, 0, 0), 0);
    // The header but for the set-independent names, the body and the trailer.
    out.push(Buffer.from(buf.subarray(0, 24 + n + 52)).toString("hex"));
  }
  assert.deepEqual(kernel.findViolations(), []);
  const t = await th.call("mach_port_get_refs", th.taskSelfTrap(), { name: carried, right: 0 });
  out.push(`send refs ${t["refs"]}`);
  return out;
}

test("a message queued on a port is received directly as it is through a port set", async () => {
  const direct = await receiveAll(false);
  const viaSet = await receiveAll(true);
  assert.deepEqual(direct, viaSet);
});

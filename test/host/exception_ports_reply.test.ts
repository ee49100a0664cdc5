/**
 * host_get_exception_ports' reply carries its 32 handler descriptors as one run
 * (src/ipc/kmsg.ts, KPortRunDesc): every way such a reply can end (copied out,
 * refused as too large, destroyed with its queue, a right that cannot be named)
 * accounts for each right it carries, as 32 separate descriptors would.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, type Actor } from "../helpers/kernel.js";
import {
  EXC_MASK_BAD_ACCESS,
  EXC_MASK_BREAKPOINT,
  EXC_MASK_VALID,
  EXCEPTION_DEFAULT,
  KERN_SUCCESS,
  MACH_MSG_IPC_SPACE,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_RCV_BODY_ERROR,
  MACH_RCV_MSG,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG,
  type Kernel,
} from "../../src/index.js";
import type { IpcPort } from "../../src/ipc/port.js";

async function allocate(a: Actor): Promise<number> {
  const r = await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

/** Two handlers (BAD_ACCESS on one port, BREAKPOINT on another): the reply carries two send rights. */
async function twoHandlers(kernel: Kernel, root: Actor, priv: number): Promise<IpcPort[]> {
  const ports: IpcPort[] = [];
  for (const mask of [EXC_MASK_BAD_ACCESS, EXC_MASK_BREAKPOINT]) {
    const name = await allocate(root);
    const r = await root.thread.call("host_set_exception_ports", priv, {
      exception_mask: mask,
      new_port: { name, disposition: MACH_MSG_TYPE_MAKE_SEND },
      behavior: EXCEPTION_DEFAULT,
      new_flavor: 0,
    });
    assert.equal(r.kr, KERN_SUCCESS);
    ports.push(kernel.host.excActions[Math.log2(mask)]!.port as IpcPort);
  }
  return ports;
}

/** host_get_exception_ports(priv, EXC_MASK_VALID) sent with its reply going to `replyTo`. */
function request(priv: number, replyTo: number): Msg {
  const m = new Msg(1024);
  m.header({ bits: 0x1513, size: 36, remote: priv, local: replyTo, id: 415 }).ndr(24).u32(32, EXC_MASK_VALID);
  return m;
}

test("a get_exception_ports reply too large for the buffer is destroyed with every right it carries (MACH_RCV_TOO_LARGE)", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  const ports = await twoHandlers(kernel, root, priv);
  const before = ports.map((p) => p.srights);
  const m = request(priv, root.reply);
  assert.equal(root.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 100, root.reply, 0, 0), MACH_RCV_TOO_LARGE);
  assert.deepEqual(
    ports.map((p) => p.srights),
    before,
    "the rights copied for the reply are released",
  );
  assertInvariant(kernel);
});

test("a queued get_exception_ports reply dies with its port: the run's rights are released", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  const ports = await twoHandlers(kernel, root, priv);
  const before = ports.map((p) => p.srights);
  const replyTo = await allocate(root);
  const m = request(priv, replyTo);
  m.header({ bits: (MACH_MSG_TYPE_MAKE_SEND_ONCE << 8) | 0x13, size: 36, remote: priv, local: replyTo, id: 415 });
  assert.equal(root.thread.machMsg(m.buf, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
  assert.deepEqual(
    ports.map((p) => p.srights),
    before.map((n) => n + 1),
    "the queued reply holds one right per handler",
  );
  assertInvariant(kernel);
  assert.equal((await root.thread.call("mach_port_mod_refs", root.self, { name: replyTo, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
  assert.deepEqual(
    ports.map((p) => p.srights),
    before,
  );
  assertInvariant(kernel);
});

test("a get_exception_ports reply to a full space: handlers it cannot name are dropped (MACH_RCV_BODY_ERROR), the rest of the message delivered", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const priv = root.thread.hostSelfTrap();
  const ports = await twoHandlers(kernel, root, priv);
  const before = ports.map((p) => p.srights);
  // self, the reply port and host priv: three names, no room for a handler's.
  const full = actor(kernel, { uid: 0, gid: 0, maxNames: 3 });
  const fpriv = full.thread.hostSelfTrap();
  const m = request(fpriv, full.reply);
  const mr = full.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 1024, full.reply, 0, 0);
  assert.equal(mr, (MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE) >>> 0);
  assert.equal(m.get(24), 32, "32 descriptors all the same");
  const n = m.get(420);
  // Ours, the unset slots, and BSD's ux handler where bsdinit put it.
  assert.ok(n >= 3);
  for (let k = 0; k < 32; k++) {
    assert.equal(m.get(28 + 12 * k), 0, "no name could be made");
    assert.equal(m.buf[28 + 12 * k + 10], 17, "PORT_SEND");
    assert.equal(m.buf[28 + 12 * k + 11], 0, "port descriptor");
  }
  assert.deepEqual(
    ports.map((p) => p.srights),
    before,
    "the rights that could not be named were destroyed",
  );
  assertInvariant(kernel);
});

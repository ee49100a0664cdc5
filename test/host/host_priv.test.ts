/**
 * host_priv (400): special ports and exception ports, as a MIG-generated
 * 64-bit client sends them, checked against xnu-3248's replies and right accounting.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer, type Actor } from "../helpers/kernel.js";
import {
  EXC_MASK_ALL,
  EXC_MASK_BAD_ACCESS,
  EXC_MASK_BREAKPOINT,
  EXC_MASK_VALID,
  EXCEPTION_DEFAULT,
  EXCEPTION_STATE,
  HOST_LOCAL_NODE,
  HOST_PORT,
  HOST_PRIV_PORT,
  IKOT_HOST,
  IKOT_HOST_PRIV,
  KERN_INVALID_ARGUMENT,
  KERN_NO_ACCESS,
  KERN_SUCCESS,
  MACH_EXCEPTION_CODES,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_PORT_DEAD,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  MIG_TYPE_ERROR,
  rootOnlyHostPolicy,
  type Kernel,
} from "../../src/index.js";

const NDR = 24;

async function allocate(a: Actor): Promise<number> {
  const r = await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}
async function refs(a: Actor, name: number, right = MACH_PORT_RIGHT_SEND): Promise<number> {
  const r = await a.thread.call(3207, a.self, { name, right });
  return r.kr === KERN_SUCCESS ? (r["refs"] as number) : -1;
}
async function kobject(a: Actor, name: number): Promise<number> {
  const r = await a.thread.call(3230, a.self, { name });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["object_type"] as number;
}

/** host_get_special_port: 40-byte request, header | NDR | node | which. */
function getSpecial(a: Actor, host: number, which: number, node = HOST_LOCAL_NODE): Msg {
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 40, remote: host, local: a.reply, id: 412 }).ndr(NDR).i32(32, node).i32(36, which);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  return m;
}

/** host_set_special_port: 52 bytes, complex, one port descriptor, NDR, which. */
function setSpecial(a: Actor, host: number, which: number, port: number, disposition = MACH_MSG_TYPE_MAKE_SEND): number {
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 52, remote: host, local: a.reply, id: 413 }).u32(24, 1).portDesc(28, port, disposition).ndr(40).i32(48, which);
  assert.equal(rpc(a.thread, m, 52, a.reply), 0);
  assert.equal(m.get(0), 0x1200);
  assert.equal(m.get(4), 36);
  assert.equal(m.geti(20), 513);
  return m.geti(32);
}

/** host_set_exception_ports: 60 bytes. */
function setExc(a: Actor, host: number, mask: number, port: number, behavior: number, flavor: number, disposition = MACH_MSG_TYPE_MAKE_SEND, id = 414): Msg {
  const m = new Msg(1024);
  m.header({ bits: 0x80001513, size: 60, remote: host, local: a.reply, id }).u32(24, 1).portDesc(28, port, disposition).ndr(40);
  m.u32(48, mask).i32(52, behavior).i32(56, flavor);
  assert.equal(rpc(a.thread, m, 60, a.reply), 0);
  return m;
}

/** host_get_exception_ports: 36 bytes; reply 424 + 12n. */
function getExc(a: Actor, host: number, mask: number): { kr: number; n: number; masks: number[]; names: number[]; behaviors: number[]; flavors: number[]; m: Msg } {
  const m = new Msg(1024);
  m.header({ bits: 0x1513, size: 36, remote: host, local: a.reply, id: 415 }).ndr(NDR).u32(32, mask);
  assert.equal(rpc(a.thread, m, 36, a.reply), 0);
  if (m.get(0) !== 0x80001200) return { kr: m.geti(32), n: 0, masks: [], names: [], behaviors: [], flavors: [], m };
  assert.equal(m.get(24), 32, "always 32 handler descriptors");
  const n = m.get(420);
  assert.equal(m.get(4), 424 + 12 * n);
  const names: number[] = [];
  for (let k = 0; k < 32; k++) {
    assert.equal(m.buf[28 + 12 * k + 10], 17, "PORT_SEND");
    assert.equal(m.buf[28 + 12 * k + 11], 0, "port descriptor");
    if (k < n) names.push(m.get(28 + 12 * k));
    else assert.equal(m.get(28 + 12 * k), 0);
  }
  const arr = (at: number) => Array.from({ length: n }, (_, i) => m.get(at + 4 * i));
  return { kr: 0, n, masks: arr(424), names, behaviors: arr(424 + 4 * n), flavors: arr(424 + 8 * n), m };
}

function rootAndUser(kernel: Kernel) {
  const root = actor(kernel, { uid: 0, gid: 0 });
  const user = actor(kernel, { uid: 501 });
  return { root, user, priv: root.thread.hostSelfTrap(), host: user.thread.hostSelfTrap() };
}

test("host_self_trap: host priv for uid 0, host for others (IKOT_HOST_PRIV / IKOT_HOST)", async () => {
  const kernel = boot();
  const { root, user, priv, host } = rootAndUser(kernel);
  assert.equal(await kobject(root, priv), IKOT_HOST_PRIV);
  assert.equal(await kobject(user, host), IKOT_HOST);
  // Each call adds a user reference to the same name.
  assert.equal(root.thread.hostSelfTrap(), priv);
  assert.equal(await refs(root, priv), 2);
  assertInvariant(kernel);
});

test("host_get_special_port: HOST_PORT and HOST_PRIV_PORT come back as moved send rights; node is ignored", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const m = getSpecial(root, priv, HOST_PORT, 12345);
  assert.equal(m.get(0), 0x80001200);
  assert.equal(m.get(4), 40);
  assert.equal(m.geti(20), 512);
  assert.equal(m.get(8), 0);
  assert.equal(m.get(12), root.reply);
  assert.equal(m.get(24), 1);
  assert.equal(m.buf[38], 17);
  assert.equal(m.buf[39], 0);
  const hostName = m.get(28);
  assert.equal(await kobject(root, hostName), IKOT_HOST);
  const p = getSpecial(root, priv, HOST_PRIV_PORT);
  // The caller already names host priv: the right joins that name.
  assert.equal(p.get(28), priv);
  assert.equal(await refs(root, priv), 2);
  assertInvariant(kernel);
});

test("host_get_special_port: security port, negative and too-large ids are KERN_INVALID_ARGUMENT; empty slots are null", () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  for (const which of [0, -1, 26, 1000]) {
    const m = getSpecial(root, priv, which);
    assert.equal(m.get(0), 0x1200);
    assert.equal(m.get(4), 36);
    assert.equal(m.geti(32), KERN_INVALID_ARGUMENT, `which ${which}`);
  }
  for (const which of [4, 7, 8, 13, 25]) {
    const m = getSpecial(root, priv, which);
    assert.equal(m.get(0), 0x80001200, `which ${which}`);
    assert.equal(m.get(28), 0);
  }
  assertInvariant(kernel);
});

test("host_get_special_port needs host priv: the host port yields the null-host error, not MIG_BAD_ID", () => {
  const kernel = boot();
  const { user, host } = rootAndUser(kernel);
  const m = getSpecial(user, host, HOST_PORT);
  assert.equal(m.geti(32), KERN_INVALID_ARGUMENT);
  // A task port answers the same routine id the same way.
  const t = getSpecial(user, user.self, HOST_PORT);
  assert.equal(t.geti(32), KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("host_get_special_port: MIG_BAD_ARGUMENTS for a wrong size or a complex bit", () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 44, remote: priv, local: root.reply, id: 412 }).ndr(NDR);
  assert.equal(rpc(root.thread, m, 44, root.reply), 0);
  assert.equal(m.geti(32), MIG_BAD_ARGUMENTS);
  m.header({ bits: 0x80001513, size: 40, remote: priv, local: root.reply, id: 412 }).u32(24, 0);
  assert.equal(rpc(root.thread, m, 40, root.reply), 0);
  assert.equal(m.geti(32), MIG_BAD_ARGUMENTS);
  assertInvariant(kernel);
});

test("host_set_special_port: stores the right, releases the previous one, and reads back", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const a = await allocate(root);
  const b = await allocate(root);
  assert.equal(setSpecial(root, priv, 8, a), KERN_SUCCESS);
  assert.equal(kernel.host.special[8] !== null, true);
  const srightsA = (kernel.host.special[8] as { srights: number }).srights;
  assert.equal(srightsA, 1);
  assert.equal(setSpecial(root, priv, 8, b), KERN_SUCCESS);
  const m = getSpecial(root, priv, 8);
  assert.equal(m.get(28), b, "the send right joins the receive right's name");
  assert.equal(await refs(root, b), 1);
  // Slot 13 has no name in xnu-3248 but is settable.
  assert.equal(setSpecial(root, priv, 13, a), KERN_SUCCESS);
  assertInvariant(kernel);
});

test("host_set_special_port: kernel slots and out-of-range ids refused, and the supplied right is consumed anyway", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const a = await allocate(root);
  assert.equal(await refs(root, a), 0);
  await root.thread.call(3214, root.self, { name: a, poly: { name: a, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal(await refs(root, a), 1);
  for (const which of [0, 1, 2, 3, 7, 26, -5]) {
    assert.equal(setSpecial(root, priv, which, a, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_ARGUMENT, `which ${which}`);
  }
  // A COPY_SEND of our send right is destroyed with the failed request: our reference stays, the copy is gone.
  assert.equal(setSpecial(root, priv, 1, a, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
  assert.equal(await refs(root, a), 1);
  assertInvariant(kernel);
});

test("host_set_special_port: a send-once or receive right is MIG_TYPE_ERROR, and a moved receive right dies", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const a = await allocate(root);
  assert.equal(setSpecial(root, priv, 8, a, MACH_MSG_TYPE_MAKE_SEND_ONCE), MIG_TYPE_ERROR);
  assert.equal(setSpecial(root, priv, 8, a, MACH_MSG_TYPE_MOVE_RECEIVE), MIG_TYPE_ERROR);
  const t = await root.thread.call(3201, root.self, { name: a });
  assert.notEqual(t.kr, KERN_SUCCESS, "the receive right went with the destroyed request");
  assertInvariant(kernel);
});

test("host_set_special_port: MACH_PORT_DEAD is stored and read back as DEAD", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  assert.equal(setSpecial(root, priv, 9, MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS);
  const m = getSpecial(root, priv, 9);
  assert.equal(m.get(28), MACH_PORT_DEAD);
  assertInvariant(kernel);
});

test("MAC: the root-only policy refuses host_set_special_port to a non-root caller with KERN_NO_ACCESS", async () => {
  const kernel = boot({ macPolicy: rootOnlyHostPolicy });
  const { root, user, priv } = rootAndUser(kernel);
  const a = await allocate(root);
  assert.equal(setSpecial(root, priv, 8, a), KERN_SUCCESS, "root passes");
  // A non-root task that was handed host priv is still refused by the policy.
  const userPriv = transfer(root, priv, MACH_MSG_TYPE_COPY_SEND, user);
  const b = await allocate(user);
  assert.equal(setSpecial(user, userPriv, 8, b), KERN_NO_ACCESS);
  assert.equal(setExc(user, userPriv, EXC_MASK_BAD_ACCESS, b, 1, 0).geti(32), KERN_NO_ACCESS);
  // Without a policy the same calls succeed.
  const open = boot();
  const o = rootAndUser(open);
  const up = transfer(o.root, o.priv, MACH_MSG_TYPE_COPY_SEND, o.user);
  assert.equal(setSpecial(o.user, up, 8, await allocate(o.user)), KERN_SUCCESS);
  assertInvariant(kernel);
  assertInvariant(open);
});

test("host_set_exception_ports then host_get_exception_ports: grouping and one send right per slot", async () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const port = await allocate(root);
  const m = setExc(root, priv, EXC_MASK_ALL, port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0);
  assert.equal(m.get(4), 36);
  assert.equal(m.geti(32), KERN_SUCCESS);
  const p = kernel.host.excActions[1]!.port as import("../../src/ipc/port.js").IpcPort;
  // EXC_MASK_ALL has 11 exceptions: 11 send rights, the supplied one consumed.
  assert.equal(p.srights, 11);
  const g = getExc(root, priv, EXC_MASK_VALID);
  assert.equal(g.n, 2);
  assert.deepEqual(g.masks, [EXC_MASK_ALL, (1 << 10) | (1 << 13)]);
  assert.deepEqual(g.behaviors, [(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0, 0]);
  assert.deepEqual(g.flavors, [0, 0]);
  assert.equal(g.names[0], port);
  assert.equal(g.names[1], 0);
  assert.equal(await refs(root, port), 1);
  assertInvariant(kernel);
});

test("host_set_exception_ports: checks in xnu-3248's order", async () => {
  const kernel = boot();
  const { root, user, priv, host } = rootAndUser(kernel);
  const port = await allocate(root);
  // Null host priv first (the plain host port), even with a bad mask.
  assert.equal(setExc(user, host, 1, 0, 99, 99, MACH_MSG_TYPE_COPY_SEND).geti(32), KERN_INVALID_ARGUMENT);
  // Mask: bit 0 and bits 14+.
  assert.equal(setExc(root, priv, 1, port, 1, 0).geti(32), KERN_INVALID_ARGUMENT);
  assert.equal(setExc(root, priv, 1 << 14, port, 1, 0).geti(32), KERN_INVALID_ARGUMENT);
  // Behavior: only checked when the port is valid.
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, port, 4, 0).geti(32), KERN_INVALID_ARGUMENT);
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, port, 0x40000001, 0).geti(32), KERN_INVALID_ARGUMENT);
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, 0, 4, 0, MACH_MSG_TYPE_COPY_SEND).geti(32), KERN_SUCCESS);
  // Flavor: 0 is accepted, 14 and 19 are not valid x86 flavors.
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, port, EXCEPTION_STATE, 14).geti(32), KERN_INVALID_ARGUMENT);
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, port, EXCEPTION_STATE, 4).geti(32), KERN_SUCCESS);
  // A send-once right is MIG_TYPE_ERROR.
  assert.equal(setExc(root, priv, EXC_MASK_BAD_ACCESS, port, 1, 0, MACH_MSG_TYPE_MAKE_SEND_ONCE).geti(32), MIG_TYPE_ERROR);
  assertInvariant(kernel);
});

test("host_swap_exception_ports: xnu-3248 refuses MACH_EXCEPTION_CODES behaviors; the fixed kernel accepts them", async () => {
  for (const fixed of [false, true]) {
    // Without bsdinit's ux handler, so that the old handler is null.
    const kernel = boot({ fixes: { swapExceptionBehavior: fixed }, uxHandler: false });
    const { root, priv } = rootAndUser(kernel);
    const port = await allocate(root);
    const m = setExc(root, priv, EXC_MASK_BREAKPOINT, port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0, MACH_MSG_TYPE_MAKE_SEND, 416);
    if (!fixed) {
      assert.equal(m.get(4), 36);
      assert.equal(m.geti(32), KERN_INVALID_ARGUMENT);
    } else {
      assert.equal(m.get(0), 0x80001200);
      assert.equal(m.get(420), 1);
      assert.equal(m.get(424), EXC_MASK_BREAKPOINT);
      assert.equal(m.get(28), 0, "the old handler was null");
    }
    // Plain EXCEPTION_DEFAULT works either way, and returns the old handler.
    const again = setExc(root, priv, EXC_MASK_BREAKPOINT, port, EXCEPTION_DEFAULT, 0, MACH_MSG_TYPE_MAKE_SEND, 416);
    assert.equal(again.get(0), 0x80001200);
    assert.equal(again.get(28), fixed ? port : 0);
    assertInvariant(kernel);
  }
});

test("MAC: the exception hook is called per exception in ascending order and stops at the first refusal", async () => {
  const seen: number[] = [];
  const kernel = boot({
    macPolicy: { name: "test", procCheckSetHostExceptionPort: (_c, e) => (seen.push(e), e === 6 ? 1 : 0) },
  });
  const { root, priv } = rootAndUser(kernel);
  const port = await allocate(root);
  const m = setExc(root, priv, (1 << 3) | (1 << 6) | (1 << 9), port, 1, 0);
  assert.equal(m.geti(32), KERN_NO_ACCESS);
  assert.deepEqual(seen, [3, 6]);
  assertInvariant(kernel);
});

test("an unknown host_priv id (417, a skip) answers MIG_BAD_ID with reply id + 100", () => {
  const kernel = boot();
  const { root, priv } = rootAndUser(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 24, remote: priv, local: root.reply, id: 417 });
  assert.equal(rpc(root.thread, m, 24, root.reply), 0);
  assert.equal(m.geti(20), 517);
  assert.equal(m.geti(32), MIG_BAD_ID);
  assertInvariant(kernel);
});


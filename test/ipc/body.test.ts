/** Complex messages: port, OOL and OOL-ports descriptors, receive rights moving, and body errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv, send, simpleMsg, status } from "./lib.js";
import {
  KERN_INVALID_NAME,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_MSG_TYPE_MOVE_RECEIVE,
  MACH_MSG_TYPE_MOVE_SEND,
  MACH_NOTIFY_SEND_ONCE,
  MACH_PORT_DEAD,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_SEND_INVALID_MEMORY,
  MACH_SEND_INVALID_RIGHT,
  MACH_SEND_INVALID_TYPE,
  MACH_SEND_MSG_TOO_SMALL,
  msghBits,
  OOL_DESCRIPTOR,
  OOL_PORTS_DESCRIPTOR,
} from "../../src/index.js";

const COMPLEX = 0x80000000;
const complexBits = (remote: number, local = 0) => (msghBits(remote, local) | COMPLEX) >>> 0;

async function pair(): Promise<{ kernel: ReturnType<typeof boot>; a: Actor; b: Actor; port: number; dest: number }> {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const port = await allocate(b);
  const dest = transfer(b, port, MACH_MSG_TYPE_MAKE_SEND, a);
  return { kernel, a, b, port, dest };
}

test("MOVE_RECEIVE in a port descriptor moves the receive right to another task", async () => {
  const { kernel, a, b, port, dest } = await pair();
  const mine = await allocate(a);
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, mine, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(a, m, 40), 0);
  assert.equal((await portType(a, mine)).kr, KERN_INVALID_NAME, "the sender's name is gone");
  const { mr, m: r } = recv(b, port);
  assert.equal(mr, 0);
  assert.equal(r.get(0), 0x80001100);
  assert.equal(r.get(24), 1);
  const got = r.get(28);
  assert.equal(r.get(32), 0, "pad1 is zero");
  assert.equal(r.buf[38], 16, "PORT_RECEIVE");
  assert.equal((await portType(b, got)).type, MACH_PORT_TYPE_RECEIVE);
  assertInvariant(kernel);
});

test("send rights to one port coalesce under one name with user references", async () => {
  const { kernel, a, b, port, dest } = await pair();
  const mine = await allocate(a);
  for (let i = 0; i < 3; i++) {
    const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
    m.u32(24, 1).portDesc(28, mine, MACH_MSG_TYPE_MAKE_SEND);
    assert.equal(send(a, m, 40), 0);
  }
  const names = new Set<number>();
  for (let i = 0; i < 3; i++) names.add(recv(b, port).m.get(28));
  assert.equal(names.size, 1);
  const name = [...names][0]!;
  assert.equal(await getRefs(b, name, MACH_PORT_RIGHT_SEND), 3);
  assert.equal((await status(a, mine))[6], 1, "one send-right holder, however many references");
  assertInvariant(kernel);
});

test("a dead name in a descriptor is accepted and arrives as MACH_PORT_DEAD; a null name as 0", async () => {
  const { kernel, a, b, port, dest } = await pair();
  const victim = actor(kernel);
  const vp = await allocate(victim);
  const s = transfer(victim, vp, MACH_MSG_TYPE_MAKE_SEND, a);
  victim.task.terminate();
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_DEAD_NAME);
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 52);
  m.u32(24, 2).portDesc(28, s, MACH_MSG_TYPE_MOVE_SEND).portDesc(40, 0, MACH_MSG_TYPE_COPY_SEND);
  assert.equal(send(a, m, 52), 0);
  const r = recv(b, port).m;
  assert.equal(r.get(28), MACH_PORT_DEAD);
  assert.equal(r.get(40), 0);
  assertInvariant(kernel);
});

test("OOL memory is copied into the receiver's address space; OOL ports arrive as names", async () => {
  const { kernel, a, b, port, dest } = await pair();
  const data = new TextEncoder().encode("out-of-line bytes, more than a few");
  const addr = a.task.vm.allocate(data);
  const p1 = await allocate(a);
  const p2 = await allocate(a);
  const names = new Uint8Array(8);
  new DataView(names.buffer).setUint32(0, p1, true);
  new DataView(names.buffer).setUint32(4, p2, true);
  const naddr = a.task.vm.allocate(names);
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 60);
  m.u32(24, 2);
  OOL_DESCRIPTOR.write(m.view, 28, { address: addr, deallocate: 1, copy: 0, type: 1, size: data.length });
  OOL_PORTS_DESCRIPTOR.write(m.view, 44, { address: naddr, deallocate: 0, copy: 0, disposition: MACH_MSG_TYPE_MAKE_SEND, type: 2, count: 2 });
  assert.equal(send(a, m, 60), 0);
  assert.equal(a.task.vm.read(addr, 1), null, "deallocate unmapped the sender's copy");
  const r = recv(b, port).m;
  assert.equal(r.get(24), 2);
  const got = OOL_DESCRIPTOR.read(r.view, 28);
  assert.equal(got.size, data.length);
  assert.equal(got.copy, 1);
  assert.equal(got.deallocate, 1);
  assert.deepEqual(b.task.vm.read(got.address, got.size), data);
  const op = OOL_PORTS_DESCRIPTOR.read(r.view, 44);
  assert.equal(op.count, 2);
  assert.equal(op.disposition, 17);
  const nv = b.task.vm.read(op.address, 8)!;
  const dv = new DataView(nv.buffer, nv.byteOffset, 8);
  for (const n of [dv.getUint32(0, true), dv.getUint32(4, true)]) assert.equal((await portType(b, n)).type, MACH_PORT_TYPE_SEND);
  assertInvariant(kernel);
});

test("body errors: descriptors past the end, bad types, bad rights, bad memory; earlier rights destroyed, later kept", async () => {
  const { kernel, a, dest } = await pair();
  const r1 = await allocate(a);
  const replyPort = await allocate(a);
  // A descriptor past msgh_size: MACH_SEND_MSG_TOO_SMALL. The header's made send-once reply right is destroyed,
  // so a MACH_NOTIFY_SEND_ONCE arrives on our reply port (ipc_kmsg_clean_partial).
  let m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), 36, 1, replyPort);
  m.u32(24, 1).portDesc(28, r1, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(send(a, m, 36), MACH_SEND_MSG_TOO_SMALL);
  const n = recv(a, replyPort).m;
  assert.equal(n.geti(20), MACH_NOTIFY_SEND_ONCE);
  assert.equal(n.get(4), 24);
  // An unknown descriptor type.
  m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, r1, MACH_MSG_TYPE_MAKE_SEND);
  m.buf[39] = 7;
  assert.equal(send(a, m, 40), MACH_SEND_INVALID_TYPE);
  // An OOL copy option other than physical or virtual.
  m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 44);
  m.u32(24, 1);
  OOL_DESCRIPTOR.write(m.view, 28, { address: 0n, copy: 2, type: 1, size: 4 });
  assert.equal(send(a, m, 44), MACH_SEND_INVALID_TYPE);
  // OOL memory that is not mapped.
  OOL_DESCRIPTOR.write(m.view, 28, { address: 0x1234n, copy: 0, type: 1, size: 4 });
  assert.equal(send(a, m, 44), MACH_SEND_INVALID_MEMORY);
  // The second of three port descriptors names nothing: the first was taken (and destroyed), the third untouched.
  const first = await allocate(a);
  const third = await allocate(a);
  m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 64);
  m.u32(24, 3).portDesc(28, first, MACH_MSG_TYPE_MOVE_RECEIVE).portDesc(40, 0x9903, MACH_MSG_TYPE_COPY_SEND).portDesc(52, third, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(a, m, 64), MACH_SEND_INVALID_RIGHT);
  assert.equal((await portType(a, first)).kr, KERN_INVALID_NAME, "taken and destroyed");
  assert.equal((await portType(a, third)).type, MACH_PORT_TYPE_RECEIVE, "never reached");
  // A disposition that is not a right at all.
  m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, third, 22);
  assert.equal(send(a, m, 40), MACH_SEND_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("a receive right sent to itself makes a loop: the message is destroyed and the port dies", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  const s = transfer(a, port, MACH_MSG_TYPE_MAKE_SEND, a);
  const m = simpleMsg(s, complexBits(MACH_MSG_TYPE_COPY_SEND), 40);
  m.u32(24, 1).portDesc(28, port, MACH_MSG_TYPE_MOVE_RECEIVE);
  assert.equal(send(a, m, 40), 0);
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_DEAD_NAME);
  assertInvariant(kernel);
});

test("a complex message with no descriptors is accepted and keeps its COMPLEX bit", async () => {
  const { kernel, b, a, port, dest } = await pair();
  const m = simpleMsg(dest, complexBits(MACH_MSG_TYPE_COPY_SEND), 28);
  m.u32(24, 0);
  assert.equal(send(a, m, 28), 0);
  assert.equal(recv(b, port).m.get(0), 0x80001100);
  void MACH_MSG_TYPE_MAKE_SEND_ONCE;
  assertInvariant(kernel);
});

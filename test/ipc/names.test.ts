/** Names, generations, user references and their limits, and the mach_port routines around them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType } from "./lib.js";
import {
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NAME_EXISTS,
  KERN_NO_SPACE,
  KERN_RIGHT_EXISTS,
  KERN_SUCCESS,
  KERN_UREFS_OVERFLOW,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_DEAD_NAME,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_DEAD_NAME,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MACH_PORT_UREFS_MAX,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
} from "../../src/index.js";

test("names are (index << 8) | generation: fresh names end in 0x03, a reused slot advances by 4", async () => {
  const kernel = boot();
  const t = kernel.createTask();
  const th = t.createThread();
  assert.equal(th.taskSelfTrap(), 0x103);
  const r = th.machReplyPort();
  assert.equal(r, 0x203);
  const a = { task: t, thread: th, self: 0x103, reply: r };
  const p = await allocate(a);
  await th.call(3205, 0x103, { name: p });
  const q = await allocate(a);
  assert.equal(q >>> 8, p >>> 8, "the freed slot is reused first");
  assert.equal(q & 0xff, ((p & 0xff) + 4) & 0xff);
  assert.equal((await portType(a, p)).kr, KERN_INVALID_NAME, "the old name is stale");
  assertInvariant(kernel);
});

test("mach_port_allocate_name: a chosen name, KERN_NAME_EXISTS when taken, KERN_INVALID_VALUE for null/dead", async () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.equal((await a.thread.call(3203, a.self, { right: MACH_PORT_RIGHT_RECEIVE, name: 0x00123403 })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, 0x00123403)).type, MACH_PORT_TYPE_RECEIVE);
  assert.equal((await a.thread.call(3203, a.self, { right: MACH_PORT_RIGHT_RECEIVE, name: 0x00123403 })).kr, KERN_NAME_EXISTS);
  // An index past the largest table XNU grows to (ipc_entry_grow_table): KERN_NO_SPACE.
  assert.equal((await a.thread.call(3203, a.self, { right: MACH_PORT_RIGHT_RECEIVE, name: 0x12345603 })).kr, KERN_NO_SPACE);
  assert.equal((await a.thread.call(3203, a.self, { right: MACH_PORT_RIGHT_RECEIVE, name: 0 })).kr, KERN_INVALID_VALUE);
  assert.equal((await a.thread.call(3204, a.self, { right: 9 })).kr, KERN_INVALID_VALUE);
  assertInvariant(kernel);
});

test("a full space: KERN_NO_SPACE from allocate, with maxNames", async () => {
  const kernel = boot();
  const a = actor(kernel, { maxNames: 4 });
  // self and reply use two names; the MIG reply port a third.
  await allocate(a);
  assert.equal((await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE })).kr, KERN_NO_SPACE);
  assertInvariant(kernel);
});

test("user references: mod_refs up to MACH_PORT_UREFS_MAX - 1 for send rights, KERN_UREFS_OVERFLOW past it, KERN_INVALID_VALUE below 0", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  const s = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(s, p, "a send right made from a receive right shares its name");
  assert.equal((await portType(a, p)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assert.equal((await a.thread.call(3208, a.self, { name: p, right: MACH_PORT_RIGHT_SEND, delta: MACH_PORT_UREFS_MAX - 2 })).kr, KERN_SUCCESS);
  assert.equal(await getRefs(a, p, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX - 1);
  assert.equal((await a.thread.call(3208, a.self, { name: p, right: MACH_PORT_RIGHT_SEND, delta: 1 })).kr, KERN_UREFS_OVERFLOW);
  // A message bringing one more send right is pegged, not refused.
  const again = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(again, p);
  assert.equal(await getRefs(a, p, MACH_PORT_RIGHT_SEND), MACH_PORT_UREFS_MAX - 1);
  assert.equal((await a.thread.call(3208, a.self, { name: p, right: MACH_PORT_RIGHT_SEND, delta: -70000 })).kr, KERN_INVALID_VALUE);
  assert.equal((await a.thread.call(3208, a.self, { name: p, right: MACH_PORT_RIGHT_SEND, delta: -(MACH_PORT_UREFS_MAX - 1) })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, p)).type, MACH_PORT_TYPE_RECEIVE);
  assert.equal((await a.thread.call(3208, a.self, { name: p, right: MACH_PORT_RIGHT_SEND, delta: -1 })).kr, KERN_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("dead names: mod_refs on them, deallocate, and mach_port_destroy of a receive right leaves senders dead names", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const p = await allocate(b);
  const s = transfer(b, p, MACH_MSG_TYPE_MAKE_SEND, a);
  await a.thread.call(3208, a.self, { name: s, right: MACH_PORT_RIGHT_SEND, delta: 2 });
  assert.equal((await b.thread.call(3208, b.self, { name: p, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal(await getRefs(a, s, MACH_PORT_RIGHT_DEAD_NAME), 3, "the send right's references carry over");
  assert.equal((await a.thread.call(3208, a.self, { name: s, right: MACH_PORT_RIGHT_DEAD_NAME, delta: -2 })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3206, a.self, { name: s })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, s)).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("mach_port_insert_right: the classic MAKE_SEND on one's own receive right, KERN_RIGHT_EXISTS under another name", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  assert.equal((await a.thread.call(3214, a.self, { name: p, poly: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND } })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, p)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  const r = await a.thread.call(3214, a.self, { name: 0x55503, poly: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal(r.kr, KERN_RIGHT_EXISTS);
  const q = await allocate(a);
  assert.equal((await a.thread.call(3214, a.self, { name: q, poly: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND } })).kr, KERN_RIGHT_EXISTS);
  assertInvariant(kernel);
});

test("mach_port_extract_right gives back the right as a MIG reply carries it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  const r = await a.thread.call(3215, a.self, { name: p, msgt_name: MACH_MSG_TYPE_MAKE_SEND });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(r["poly"], p);
  assert.equal(r["polyDisposition"], 17);
  assert.equal(await getRefs(a, p, MACH_PORT_RIGHT_SEND), 1);
  assertInvariant(kernel);
});

test("kernel dispatch: MIG_BAD_ID for unknown ids, MIG_BAD_ARGUMENTS for a bad size; failed requests lose their rights", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 24, remote: a.self, local: a.reply, id: 9999 });
  assert.equal(rpc(a.thread, m, 24, a.reply), 0);
  assert.equal(m.geti(20), 10099);
  assert.equal(m.get(4), 36);
  assert.equal(m.geti(32), MIG_BAD_ID);
  m.header({ bits: 0x1513, size: 40, remote: a.self, local: a.reply, id: 3201 }).ndr(24);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  assert.equal(m.geti(32), MIG_BAD_ARGUMENTS);
  // A user cannot forge a kernel notification to a kernel port: MIG_BAD_ID.
  m.header({ bits: 0x1513, size: 36, remote: a.self, local: a.reply, id: 70 }).ndr(24).u32(32, 0);
  assert.equal(rpc(a.thread, m, 36, a.reply), 0);
  assert.equal(m.geti(32), MIG_BAD_ID);
  // A receive right carried by a failing request dies with it.
  const p = await allocate(a);
  m.header({ bits: 0x80001513, size: 40, remote: a.self, local: a.reply, id: 3201 }).u32(24, 1).portDesc(28, p, 16);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  assert.equal(m.geti(32), MIG_BAD_ARGUMENTS);
  assert.equal((await portType(a, p)).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("task termination: its receive rights die, senders see dead names, its threads and ports are gone", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const p = await allocate(b);
  const s = transfer(b, p, MACH_MSG_TYPE_MAKE_SEND, a);
  const bself = transfer(b, b.self, 19, a);
  b.task.terminate();
  assert.equal((await portType(a, s)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal((await portType(a, bself)).type, MACH_PORT_TYPE_DEAD_NAME);
  assert.equal(kernel.tasks.has(b.task.pid), false);
  assertInvariant(kernel);
});

test("dead names count user references up to MACH_PORT_UREFS_MAX itself; one more is KERN_UREFS_OVERFLOW", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const dn = (await a.thread.call(3204, a.self, { right: 4 }))["name"] as number;
  assert.equal((await a.thread.call(3208, a.self, { name: dn, right: MACH_PORT_RIGHT_DEAD_NAME, delta: MACH_PORT_UREFS_MAX - 1 })).kr, KERN_SUCCESS);
  assert.equal(await getRefs(a, dn, MACH_PORT_RIGHT_DEAD_NAME), MACH_PORT_UREFS_MAX);
  assert.equal((await a.thread.call(3208, a.self, { name: dn, right: MACH_PORT_RIGHT_DEAD_NAME, delta: 1 })).kr, KERN_UREFS_OVERFLOW);
  assert.equal((await a.thread.call(3208, a.self, { name: dn, right: MACH_PORT_RIGHT_SEND, delta: 1 })).kr, KERN_INVALID_RIGHT);
  assert.equal((await a.thread.call(3208, a.self, { name: dn, right: MACH_PORT_RIGHT_DEAD_NAME, delta: -MACH_PORT_UREFS_MAX })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, dn)).kr, KERN_INVALID_NAME);
  void MACH_PORT_TYPE_DEAD_NAME;
  assertInvariant(kernel);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc } from "./helpers/kernel.js";
import { KERN_SUCCESS, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_TYPE_RECEIVE } from "../src/index.js";

test("mach_port_allocate then mach_port_type through raw MIG messages (3204, 3201)", () => {
  const kernel = boot();
  const a = actor(kernel);
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: a.self, local: a.reply, id: 3204 }).ndr(24).u32(32, MACH_PORT_RIGHT_RECEIVE);
  assert.equal(rpc(a.thread, m, 36, a.reply), 0);
  assert.equal(m.get(0), 0x1200);
  assert.equal(m.get(4), 40);
  assert.equal(m.geti(20), 3304);
  assert.equal(m.geti(32), KERN_SUCCESS);
  const name = m.get(36);
  m.header({ bits: 0x1513, size: 36, remote: a.self, local: a.reply, id: 3201 }).ndr(24).u32(32, name);
  assert.equal(rpc(a.thread, m, 36, a.reply), 0);
  assert.equal(m.get(36), MACH_PORT_TYPE_RECEIVE);
  assertInvariant(kernel);
});

test("the typed call path goes through the same messages", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const r = await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  const t = await a.thread.call(3201, a.self, { name: r["name"] as number });
  assert.equal(t["ptype"], MACH_PORT_TYPE_RECEIVE);
  assertInvariant(kernel);
});

test("thread.call takes a routine name as well as an id", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const r = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: r["name"] as number }))["ptype"], MACH_PORT_TYPE_RECEIVE);
  // @ts-expect-error: not a routine, so the type refuses it; at run time the call rejects
  await assert.rejects(a.thread.call("no_such_routine", a.self), /no MIG routine no_such_routine/);
  assertInvariant(kernel);
});

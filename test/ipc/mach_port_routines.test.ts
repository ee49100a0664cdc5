/** The rest of the mach_port subsystem (3200): construct/destruct, attributes, peek, names, context, guards. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer } from "../helpers/kernel.js";
import { allocate, getRefs, portType, send, simpleMsg } from "./lib.js";
import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_VALUE,
  KERN_SUCCESS,
  MACH_MSG_TYPE_COPY_SEND,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_QLIMIT_MAX,
  MACH_PORT_RIGHT_SEND,
  MACH_PORT_TYPE_RECEIVE,
  MACH_PORT_TYPE_SEND,
  MPO_CONTEXT_AS_GUARD,
  MPO_INSERT_SEND_RIGHT,
  MPO_QLIMIT,
  msghBits,
} from "../../src/index.js";

test("mach_port_construct (3231) as raw bytes: options out of line, a receive right with a send right and a queue limit", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const opts = new Uint8Array(24);
  const ov = new DataView(opts.buffer);
  ov.setUint32(0, MPO_INSERT_SEND_RIGHT | MPO_QLIMIT, true);
  ov.setUint32(4, 12, true);
  const addr = a.task.vm.allocate(opts);
  const m = new Msg(256);
  // header | body(1) | OOL descriptor (options) | NDR | context (u64): 60 bytes.
  m.header({ bits: 0x80001513, size: 60, remote: a.self, local: a.reply, id: 3231 }).u32(24, 1).u64(28, addr).u32(40, 24).ndr(44).u64(52, 0n);
  m.buf[36] = 0;
  m.buf[37] = 0;
  m.buf[39] = 1;
  assert.equal(rpc(a.thread, m, 60, a.reply), 0);
  assert.equal(m.geti(32), KERN_SUCCESS);
  assert.equal(m.get(4), 40);
  const name = m.get(36);
  assert.equal((await portType(a, name)).type, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  const st = await a.thread.call(3217, a.self, { name, flavor: 1 });
  assert.deepEqual(st["port_info_out"], [12]);
  // mach_port_destruct: drop the send reference and the receive right together.
  const d = await a.thread.call(3232, a.self, { name, srdelta: -1, guard: 0n });
  assert.equal(d.kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("guards: MPO_CONTEXT_AS_GUARD, guard refused on a guarded port, unguard with the right one", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const opts = new Uint8Array(24);
  new DataView(opts.buffer).setUint32(0, MPO_CONTEXT_AS_GUARD, true);
  const r = await a.thread.call(3231, a.self, { options: opts, context: 0xabcn });
  assert.equal(r.kr, KERN_SUCCESS);
  const name = r["name"] as number;
  assert.equal((await a.thread.call(3233, a.self, { name, guard: 5n, strict: 0 })).kr, KERN_INVALID_ARGUMENT, "already guarded");
  assert.equal((await a.thread.call(3234, a.self, { name, guard: 0xabcn })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3232, a.self, { name, srdelta: 0, guard: 0n })).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

test("attributes: receive status, queue limits with their bounds, and unknown flavors", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  const s = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 24), 24), 0);
  const st = await a.thread.call(3217, a.self, { name: p, flavor: 2 });
  // mps_pset, mps_seqno, mps_mscount, mps_qlimit, mps_msgcount, mps_sorights, mps_srights, mps_pdrequest, mps_nsrequest, mps_flags
  assert.deepEqual(st["port_info_out"], [0, 0, 1, 5, 1, 0, 1, 0, 0, 0]);
  assert.equal((await a.thread.call(3217, a.self, { name: p, flavor: 2, port_info_outCnt: 9 })).kr, KERN_FAILURE);
  assert.equal((await a.thread.call(3217, a.self, { name: p, flavor: 99 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call(3218, a.self, { name: p, flavor: 1, port_info: [MACH_PORT_QLIMIT_MAX + 1] })).kr, KERN_INVALID_VALUE);
  assert.equal((await a.thread.call(3218, a.self, { name: p, flavor: 1, port_info: [MACH_PORT_QLIMIT_MAX] })).kr, KERN_SUCCESS);
  // One send right held by the name, one carried by the queued message.
  assert.equal((await a.thread.call(3222, a.self, { name: p }))["srights"], 2);
  assertInvariant(kernel);
});

test("mach_port_peek sees the head message without taking it; names lists every name with its type", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  const s = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  assert.equal(send(a, simpleMsg(s, msghBits(MACH_MSG_TYPE_COPY_SEND, 0), 32, 77), 32), 0);
  const pk = await a.thread.call(3209, a.self, { name: p, trailer_type: 0, request_seqnop: 0 });
  assert.equal(pk.kr, KERN_SUCCESS);
  assert.equal(pk["msg_sizep"], 40, "the kernel form's size: 8 more for the 64-bit header");
  assert.equal(pk["msg_idp"], 77);
  assert.equal(pk["trailer_infopCnt"], 8);
  const empty = await allocate(a);
  assert.equal((await a.thread.call(3209, a.self, { name: empty, trailer_type: 0, request_seqnop: 0 })).kr, KERN_FAILURE);
  const n = await a.thread.call(3200, a.self, {});
  assert.equal(n.kr, KERN_SUCCESS);
  const names = n["names"] as Uint8Array;
  const types = n["types"] as Uint8Array;
  assert.equal(names.length, types.length);
  const dv = new DataView(names.buffer, names.byteOffset, names.byteLength);
  const tv = new DataView(types.buffer, types.byteOffset, types.byteLength);
  const listed = new Map<number, number>();
  for (let i = 0; i < names.length / 4; i++) listed.set(dv.getUint32(4 * i, true), tv.getUint32(4 * i, true));
  assert.equal(listed.get(p), MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND);
  assert.equal(listed.get(a.self), MACH_PORT_TYPE_SEND);
  assert.equal(await getRefs(a, p, MACH_PORT_RIGHT_SEND), 1);
  assertInvariant(kernel);
});

test("context: set and get on a receive right; mscount and seqno setters", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = await allocate(a);
  assert.equal((await a.thread.call(3229, a.self, { name: p, context: 0xdeadbeefcafen })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3228, a.self, { name: p }))["context"], 0xdeadbeefcafen);
  assert.equal((await a.thread.call(3210, a.self, { name: p, mscount: 9 })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call(3216, a.self, { name: p, seqno: 4 })).kr, KERN_SUCCESS);
  const st = (await a.thread.call(3217, a.self, { name: p, flavor: 2 }))["port_info_out"] as number[];
  assert.equal(st[1], 4);
  assert.equal(st[2], 9);
  const basic = await a.thread.call(3235, a.self, {});
  assert.equal(basic.kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

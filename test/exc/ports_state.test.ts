/** task/thread exception ports, special ports and thread state through their MIG routines. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer } from "../helpers/kernel.js";
import {
  EXC_MASK_ALL,
  EXC_MASK_BAD_ACCESS,
  EXC_MASK_VALID,
  EXCEPTION_DEFAULT,
  KERN_INVALID_ARGUMENT,
  KERN_NO_ACCESS,
  KERN_SUCCESS,
  MACH_EXCEPTION_CODES,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_RECEIVE,
  IKOT_HOST,
  IKOT_TASK,
  IKOT_TASK_NAME,
} from "../../src/index.js";
import { x86_THREAD_STATE64, x86_THREAD_STATE, x86_THREAD_STATE32 } from "../../src/abi/thread_status.js";
import { TASK_BOOTSTRAP_PORT, TASK_HOST_PORT, TASK_KERNEL_PORT, TASK_NAME_PORT, TASK_SEATBELT_PORT } from "../../src/kern/ipc_tt.js";

test("task_swap_exception_ports accepts MACH_EXCEPTION_CODES (masked, unlike the host) and returns the old handler", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = (await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const m = new Msg(1024);
  const req = (id: number, behavior: number) => {
    m.header({ bits: 0x80001513, size: 60, remote: a.self, local: a.reply, id }).u32(24, 1).portDesc(28, p, MACH_MSG_TYPE_MAKE_SEND).ndr(40);
    m.u32(48, EXC_MASK_BAD_ACCESS).i32(52, behavior).i32(56, 0);
    assert.equal(rpc(a.thread, m, 60, a.reply), 0);
  };
  req(3415, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES);
  assert.equal(m.get(0), 0x80001200);
  assert.equal(m.geti(20), 3515);
  assert.equal(m.get(420), 1);
  assert.equal(m.get(28), 0);
  req(3415, EXCEPTION_DEFAULT);
  assert.equal(m.get(28), p, "the previous handler comes back");
  assert.equal(m.get(424 + 4), (EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES) >>> 0);
  // Not privileged: the caller is uid 501.
  assert.equal(a.task.excActions[1]!.privileged, false);
  assertInvariant(kernel);
});

test("task_get_exception_ports groups the unset slots and a new task inherits its parent's handlers", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 0, gid: 0 });
  const p = (await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const send = transfer(a, p, MACH_MSG_TYPE_MAKE_SEND, a);
  const s = await a.thread.call(3413, a.self, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: send, behavior: 1, new_flavor: 0 });
  assert.equal(s.kr, KERN_SUCCESS);
  assert.equal(a.task.excActions[1]!.privileged, true, "set by uid 0");
  const g = await a.thread.call(3414, a.self, { exception_mask: EXC_MASK_ALL });
  assert.deepEqual(g["masks"], [EXC_MASK_BAD_ACCESS, EXC_MASK_ALL & ~EXC_MASK_BAD_ACCESS]);
  assert.deepEqual(g["old_handlers"], [p, 0]);
  const child = kernel.createTask({ parent: a.task });
  assert.equal(child.excActions[1]!.port, a.task.excActions[1]!.port);
  child.terminate();
  assertInvariant(kernel);
});

test("thread_get_exception_ports on a thread that never set any: count 0; a bad mask is KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  const g = await a.thread.call(3614, th, { exception_mask: EXC_MASK_VALID });
  assert.equal(g.kr, KERN_SUCCESS);
  assert.deepEqual(g["masks"], []);
  const bad = await a.thread.call(3614, th, { exception_mask: 1 });
  assert.equal(bad.kr, KERN_INVALID_ARGUMENT);
  // The task routine on a thread port: null task, KERN_INVALID_ARGUMENT.
  const wrong = await a.thread.call(3414, th, { exception_mask: EXC_MASK_ALL });
  assert.equal(wrong.kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("task_get_special_port: kernel, host, name and bootstrap ports", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const k = await a.thread.call(3409, a.self, { which_port: TASK_KERNEL_PORT });
  assert.equal(k["special_port"], a.self);
  const h = await a.thread.call(3409, a.self, { which_port: TASK_HOST_PORT });
  assert.equal((await a.thread.call(3230, a.self, { name: h["special_port"] as number }))["object_type"], IKOT_HOST);
  const n = await a.thread.call(3409, a.self, { which_port: TASK_NAME_PORT });
  assert.equal((await a.thread.call(3230, a.self, { name: n["special_port"] as number }))["object_type"], IKOT_TASK_NAME);
  const b = await a.thread.call(3409, a.self, { which_port: TASK_BOOTSTRAP_PORT });
  assert.equal(b["special_port"], 0);
  assert.equal((await a.thread.call(3409, a.self, { which_port: 99 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call(3230, a.self, { name: a.self }))["object_type"], IKOT_TASK);
  assertInvariant(kernel);
});

test("task_set_special_port: bootstrap is replaceable, the seatbelt port only once", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = (await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const set = (which: number) => a.thread.call(3410, a.self, { which_port: which, special_port: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND } });
  assert.equal((await set(TASK_BOOTSTRAP_PORT)).kr, KERN_SUCCESS);
  assert.equal((await set(TASK_BOOTSTRAP_PORT)).kr, KERN_SUCCESS);
  assert.equal((await set(TASK_SEATBELT_PORT)).kr, KERN_SUCCESS);
  assert.equal((await set(TASK_SEATBELT_PORT)).kr, KERN_NO_ACCESS);
  assert.equal((await set(TASK_NAME_PORT)).kr, KERN_INVALID_ARGUMENT);
  const b = await a.thread.call(3409, a.self, { which_port: TASK_BOOTSTRAP_PORT });
  assert.equal(b["special_port"], p);
  // A child inherits the bootstrap port.
  const child = kernel.createTask({ parent: a.task });
  assert.equal(child.ports.itkBootstrap, a.task.ports.itkBootstrap);
  child.terminate();
  assertInvariant(kernel);
});

test("thread_get_state / thread_set_state (3603/3604): counts, the unified flavor, 32-bit flavors refused", async () => {
  const kernel = boot({ arch: "x86_64" });
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  a.thread.state.setReg("rip", 0x7fff5fbff000n);
  // Raw request: header | NDR | flavor | old_stateCnt (capacity).
  const m = new Msg(2048);
  m.header({ bits: 0x1513, size: 40, remote: th, local: a.reply, id: 3603 }).ndr(24).i32(32, x86_THREAD_STATE64).u32(36, 224);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  assert.equal(m.geti(20), 3703);
  assert.equal(m.geti(32), KERN_SUCCESS);
  assert.equal(m.get(36), 42);
  assert.equal(m.get(4), 40 + 4 * 42);
  assert.equal(m.get(40 + 32 * 4), 0x5fbff000);
  assert.equal(m.get(40 + 33 * 4), 0x7fff);
  const short = await a.thread.call(3603, th, { flavor: x86_THREAD_STATE64, old_stateCnt: 41 });
  assert.equal(short.kr, KERN_INVALID_ARGUMENT);
  const unified = await a.thread.call(3603, th, { flavor: x86_THREAD_STATE });
  assert.deepEqual((unified["old_state"] as number[]).slice(0, 2), [x86_THREAD_STATE64, 42]);
  assert.equal((await a.thread.call(3603, th, { flavor: x86_THREAD_STATE32 })).kr, KERN_INVALID_ARGUMENT);
  const words = (unified["old_state"] as number[]).slice(2);
  words[32] = 0x1000;
  words[33] = 0;
  assert.equal((await a.thread.call(3604, th, { flavor: x86_THREAD_STATE64, new_state: words })).kr, KERN_SUCCESS);
  assert.equal(a.thread.state.reg("rip"), 0x1000n);
  // A non-canonical rip is refused.
  words[33] = 0x12345;
  assert.equal((await a.thread.call(3604, th, { flavor: x86_THREAD_STATE64, new_state: words })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call(3604, th, { flavor: x86_THREAD_STATE64, new_state: words.slice(0, 40) })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("task_info (3405) and thread_info (3612): basic info, tokens, identifiers; refused counts and flavors", async () => {
  const kernel = boot();
  const a = actor(kernel, { uid: 501, gid: 20 });
  const sec = await a.thread.call("task_info", a.self, { flavor: 13 });
  assert.deepEqual(sec["task_info_out"], [501, 20]);
  const audit = await a.thread.call("task_info", a.self, { flavor: 15 });
  assert.equal((audit["task_info_out"] as number[])[5], a.task.pid);
  const basic = await a.thread.call("task_info", a.self, { flavor: 20 });
  assert.equal(basic["task_info_outCnt"], 12);
  assert.equal((await a.thread.call("task_info", a.self, { flavor: 20, task_info_outCnt: 11 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("task_info", a.self, { flavor: 999 })).kr, KERN_INVALID_ARGUMENT);
  const th = a.thread.threadSelfTrap();
  const tb = await a.thread.call("thread_info", th, { flavor: 3 });
  assert.equal(tb["thread_info_outCnt"], 10);
  const ti = await a.thread.call("thread_info", th, { flavor: 4 });
  assert.equal(ti["thread_info_outCnt"], 6);
  assertInvariant(kernel);
});

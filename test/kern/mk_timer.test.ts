/**
 * Mach timers as xnu-3248's osfmk/kern/mk_timer.c makes them (traps 91-94): the receive right
 * mk_timer_create_trap gives, the expiry message mk_timer_expire sends with the kernel's own send
 * right, mk_timer_cancel_trap's armed deadline, the one-message buffer that drops an expiry while
 * the previous one waits, and mk_timer_port_destroy releasing the kernel's right.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { allocate, getRefs, portType, recv } from "../ipc/lib.js";
import { KERN_INVALID_ARGUMENT, KERN_INVALID_NAME, KERN_INVALID_RIGHT, KERN_SUCCESS, MACH_MSG_SUCCESS, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_SEND, MACH_PORT_TYPE_RECEIVE, MACH_RCV_TIMED_OUT } from "../../src/index.js";
import { MK_TIMER_EXPIRE_MSG_SIZE } from "../../src/kern/mk_timer.js";

const now = (): bigint => process.hrtime.bigint();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("mk_timer_create_trap: a receive right in the caller's space, kernel object IKOT_TIMER, the kernel holding a send right", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const r = await a.thread.trap("mk_timer_create_trap", {});
  const name = r.kr;
  assert.notEqual(name, 0);
  assert.deepEqual(await portType(a, name), { kr: KERN_SUCCESS, type: MACH_PORT_TYPE_RECEIVE });
  const ko = await a.thread.call("mach_port_kernel_object", a.self, { name });
  assert.equal(ko.kr, KERN_SUCCESS);
  if (ko.kr === KERN_SUCCESS) assert.equal(ko.object_type, 8); // IKOT_TIMER
  assertInvariant(kernel);
  assert.equal((await a.thread.trap("mk_timer_destroy_trap", { name })).kr, KERN_SUCCESS);
  assert.equal((await portType(a, name)).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("mk_timer_arm_trap: one expiry message (id 0, 48 bytes, the port as msgh_local_port) per arm, at the deadline", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
  assert.equal((await a.thread.trap("mk_timer_arm_trap", { name, expire_time: now() + 20_000_000n })).kr, KERN_SUCCESS);
  assert.equal(recv(a, name).mr, MACH_RCV_TIMED_OUT, "not before its time");
  await sleep(60);
  const got = recv(a, name);
  assert.equal(got.mr, MACH_MSG_SUCCESS);
  const v = new DataView(got.m.buf.buffer, got.m.buf.byteOffset);
  assert.equal(v.getUint32(4, true), MK_TIMER_EXPIRE_MSG_SIZE);
  assert.equal(v.getUint32(12, true), name, "msgh_local_port is the timer");
  assert.equal(v.getInt32(20, true), 0, "msgh_id 0");
  assert.equal(recv(a, name).mr, MACH_RCV_TIMED_OUT, "one message per arm");
  assertInvariant(kernel);
  await a.thread.trap("mk_timer_destroy_trap", { name });
  assertInvariant(kernel);
});

test("an expiry while the previous one is still queued is dropped: the port's one preallocated buffer", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
  await a.thread.trap("mk_timer_arm_trap", { name, expire_time: 0n });
  await sleep(10);
  await a.thread.trap("mk_timer_arm_trap", { name, expire_time: 0n });
  await sleep(10);
  assert.equal(recv(a, name).mr, MACH_MSG_SUCCESS);
  assert.equal(recv(a, name).mr, MACH_RCV_TIMED_OUT);
  assertInvariant(kernel);
  await a.thread.trap("mk_timer_destroy_trap", { name });
});

test("mk_timer_cancel_trap answers the armed deadline and disarms; 0 when not armed", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
  const when = now() + 10_000_000_000n;
  await a.thread.trap("mk_timer_arm_trap", { name, expire_time: when });
  const c = await a.thread.trap("mk_timer_cancel_trap", { name, result_time: 1 });
  assert.equal(c.kr, KERN_SUCCESS);
  assert.equal(c["result_time"], when);
  assert.equal((await a.thread.trap("mk_timer_cancel_trap", { name, result_time: 1 }))["result_time"], 0n);
  await a.thread.trap("mk_timer_destroy_trap", { name });
  assertInvariant(kernel);
});

test("the traps refuse a receive right that is not a timer (KERN_INVALID_ARGUMENT) and a name that is no receive right", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = await allocate(a);
  for (const trap of ["mk_timer_destroy_trap", "mk_timer_arm_trap", "mk_timer_cancel_trap"]) {
    assert.equal((await a.thread.trap(trap, { name: port, expire_time: 0n, result_time: 0 })).kr, KERN_INVALID_ARGUMENT, trap);
    assert.equal((await a.thread.trap(trap, { name: 0x1234_0003, expire_time: 0n, result_time: 0 })).kr, KERN_INVALID_NAME, trap);
  }
  const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
  const send = await a.thread.call("mach_port_insert_right", a.self, { name, poly: { name, disposition: 20 /* MAKE_SEND */ } });
  assert.equal(send.kr, KERN_SUCCESS);
  assert.equal(await getRefs(a, name, MACH_PORT_RIGHT_SEND), 1);
  assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
  // The receive right gone, the port is dead: the send right is a dead name, and the traps say so.
  assert.equal((await a.thread.trap("mk_timer_arm_trap", { name, expire_time: 0n })).kr, KERN_INVALID_RIGHT);
  assertInvariant(kernel);
});

test("a task that dies with an armed timer leaves nothing behind", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
  await a.thread.trap("mk_timer_arm_trap", { name, expire_time: now() + 5_000_000n });
  a.task.terminate();
  await sleep(20);
  assertInvariant(kernel);
  assert.equal(kernel.mkTimers.size, 0);
});

test("xnu-3248 takes a port-destroyed request on a timer's port; the timer goes with the right the notification carries (fix kobjectPortDestroyed: refused)", async () => {
  for (const fix of [false, true]) {
    const kernel = boot({ fixes: { kobjectPortDestroyed: fix } });
    const a = actor(kernel);
    const name = (await a.thread.trap("mk_timer_create_trap", {})).kr;
    const notify = await allocate(a);
    const r = await a.thread.call("mach_port_request_notification", a.self, { name, msgid: 69 /* PORT_DESTROYED */, sync: 0, notify: { name: notify, disposition: 21 /* MAKE_SEND_ONCE */ } });
    assert.equal(r.kr, fix ? KERN_INVALID_RIGHT : KERN_SUCCESS);
    await a.thread.call("mach_port_mod_refs", a.self, { name, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 });
    assert.equal(kernel.mkTimers.size, fix ? 0 : 1, fix ? "destroyed with its port" : "alive, its port in the notification");
    assertInvariant(kernel);
  }
});

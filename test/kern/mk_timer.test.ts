/**
 * Mach timers, traps 91-94, as osfmk/kern/mk_timer.c has them: a receive right
 * that is an IKOT_TIMER kernel object, one preallocated expiry message, the
 * kernel's send right, cancel's armed time, and destruction with the port.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, replyWords, type Actor } from "../helpers/kernel.js";
import { recv } from "../ipc/lib.js";
import {
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND_ONCE,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_PORT_TYPE_RECEIVE,
  MACH_RCV_TIMED_OUT,
} from "../../src/index.js";
import { IKOT_TIMER } from "../../src/abi/ikot.js";
import { MACH_NOTIFY_PORT_DESTROYED } from "../../src/abi/port.js";
import { machAbsoluteTime } from "../../src/kern/mk_timer.js";

const trap = (a: Actor, name: string, args: Record<string, number | bigint>) => a.thread.trap(name, args) as { kr: number; result_time?: bigint };
const newTimer = (a: Actor): number => (a.thread.trap("mk_timer_create_trap", {}) as { kr: number }).kr >>> 0;
/** A turn of the event loop, for an expiry armed in the past (it runs as a thread call would, not inside the trap). */
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** mach_port_request_notification(MACH_NOTIFY_PORT_DESTROYED) on `name`, the notification to a send-once right made from `notify`. */
const requestPortDestroyed = (a: Actor, name: number, notify: number) =>
  a.thread.call("mach_port_request_notification", a.self, { name, msgid: MACH_NOTIFY_PORT_DESTROYED, sync: 0, notify: { name: notify, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } });

/** The expiry message as received: 48 bytes, id 0, the send right it came on, no reply port, three zero words. */
const expiry = (name: number) => [0x1100, 48, 0, name, 0, 0, 0, 0, 0, 0, 0, 0, ...MIN_TRAILER];

test("mk_timer_create: a receive right in the caller's space that is an IKOT_TIMER object, with the kernel holding its only send right", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  assert.notEqual(t, 0);
  const type = await a.thread.call("mach_port_type", a.self, { name: t });
  assert.equal(type.kr, KERN_SUCCESS);
  assert.equal(type["ptype"], MACH_PORT_TYPE_RECEIVE, "no send right in the space: the kernel's is naked");
  const ko = await a.thread.call("mach_port_kernel_object", a.self, { name: t });
  assert.equal(ko["object_type"], IKOT_TIMER);
  assertInvariant(kernel);
  assert.equal(trap(a, "mk_timer_destroy_trap", { name: t }).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: t })).kr, KERN_INVALID_NAME);
  assertInvariant(kernel);
});

test("mk_timer_arm: a deadline past expires at once with one 48-byte message; a second expiry while it is queued finds the buffer taken and is dropped", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  assert.equal(trap(a, "mk_timer_arm_trap", { name: t, expire_time: 0n }).kr, KERN_SUCCESS);
  assert.equal(recv(a, t).mr, MACH_RCV_TIMED_OUT, "the expiry is a thread call, not part of the trap");
  await tick();
  assertInvariant(kernel);
  assert.equal(trap(a, "mk_timer_arm_trap", { name: t, expire_time: machAbsoluteTime() }).kr, KERN_SUCCESS);
  await tick();
  const first = recv(a, t);
  assert.equal(first.mr, KERN_SUCCESS);
  assert.deepEqual(replyWords(first.m).slice(0, 14), expiry(t));
  assert.equal(recv(a, t).mr, MACH_RCV_TIMED_OUT, "MACH_SEND_NO_BUFFER: only one expiry is ever queued");
  // With the buffer free again, the next arm is delivered.
  trap(a, "mk_timer_arm_trap", { name: t, expire_time: 1n });
  await tick();
  assert.deepEqual(replyWords(recv(a, t).m).slice(0, 14), expiry(t));
  assertInvariant(kernel);
  trap(a, "mk_timer_destroy_trap", { name: t });
  assertInvariant(kernel);
});

test("mk_timer_arm with a future deadline fires then, not before; re-arming moves it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  trap(a, "mk_timer_arm_trap", { name: t, expire_time: machAbsoluteTime() + 10_000_000_000n });
  trap(a, "mk_timer_arm_trap", { name: t, expire_time: machAbsoluteTime() + 20_000_000n });
  await tick(2);
  assert.equal(recv(a, t).mr, MACH_RCV_TIMED_OUT);
  await tick(60);
  assert.equal(recv(a, t).mr, KERN_SUCCESS);
  assert.equal(recv(a, t).mr, MACH_RCV_TIMED_OUT, "the earlier arm was replaced, not added");
  trap(a, "mk_timer_destroy_trap", { name: t });
  assertInvariant(kernel);
});

test("mk_timer_cancel answers the deadline it was armed for, then 0; a cancelled timer sends nothing", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  const deadline = machAbsoluteTime() + 30_000_000n;
  trap(a, "mk_timer_arm_trap", { name: t, expire_time: deadline });
  const c = trap(a, "mk_timer_cancel_trap", { name: t, result_time: 0x1000n });
  assert.equal(c.kr, KERN_SUCCESS);
  assert.equal(c.result_time, deadline);
  assert.equal(trap(a, "mk_timer_cancel_trap", { name: t, result_time: 0x1000n }).result_time, 0n, "not armed any more");
  await tick(60);
  assert.equal(recv(a, t).mr, MACH_RCV_TIMED_OUT);
  trap(a, "mk_timer_destroy_trap", { name: t });
  assertInvariant(kernel);
});

test("the timer traps on what is no timer: ipc_port_translate_receive's codes, then KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const plain = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  for (const name of ["mk_timer_destroy_trap", "mk_timer_arm_trap", "mk_timer_cancel_trap"]) {
    const args = { name: plain, expire_time: 0n, result_time: 0n };
    assert.equal(trap(a, name, args).kr, KERN_INVALID_ARGUMENT, `${name} on a plain receive right`);
    assert.equal(trap(a, name, { ...args, name: 0x4403 }).kr, KERN_INVALID_NAME, `${name} on no name`);
    assert.equal(trap(a, name, { ...args, name: a.self }).kr, KERN_INVALID_RIGHT, `${name} on a send right`);
  }
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: plain })).kr, KERN_SUCCESS, "the plain right is left alone");
  assertInvariant(kernel);
});

test("a task that dies with an armed timer takes it along: cancelled, its send right released", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  trap(a, "mk_timer_arm_trap", { name: t, expire_time: machAbsoluteTime() + 5_000_000n });
  a.task.terminate();
  await tick(30);
  assertInvariant(kernel);
});

test("xnu-3248 takes a port-destroyed request on a timer's receive right, which then travels with the timer still bound; the fix refuses it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t = newTimer(a);
  const notify = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const req = await requestPortDestroyed(a, t, notify);
  assert.equal(req.kr, KERN_SUCCESS, "mach_port_request_notification has no kobject check in 3248");
  assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name: t, right: MACH_PORT_RIGHT_RECEIVE, delta: -1 })).kr, KERN_SUCCESS);
  const n = recv(a, notify);
  assert.equal(n.mr, KERN_SUCCESS);
  const w = replyWords(n.m);
  assert.equal(w[5], 69, "mach_notify_port_destroyed");
  const moved = w[7]!;
  const ko = await a.thread.call("mach_port_kernel_object", a.self, { name: moved });
  assert.equal(ko["object_type"], IKOT_TIMER, "the receive right arrived with its timer");
  assert.equal(trap(a, "mk_timer_arm_trap", { name: moved, expire_time: 0n }).kr, KERN_SUCCESS);
  await tick();
  assert.deepEqual(replyWords(recv(a, moved).m).slice(0, 14), expiry(moved));
  assert.equal(trap(a, "mk_timer_destroy_trap", { name: moved }).kr, KERN_SUCCESS);
  assertInvariant(kernel);

  const fixed = boot({ fixes: { kobjectPortDestroyed: true } });
  const b = actor(fixed);
  const ft = newTimer(b);
  const bn = (await b.thread.call("mach_port_allocate", b.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const refused = await requestPortDestroyed(b, ft, bn);
  assert.equal(refused.kr, KERN_INVALID_RIGHT);
  // A plain port still takes the request under the fix.
  const ok = await requestPortDestroyed(b, bn, bn);
  assert.equal(ok.kr, KERN_SUCCESS);
  trap(b, "mk_timer_destroy_trap", { name: ft });
  assertInvariant(fixed);
});

/**
 * clock_priv (1200) and clock_alarm (1002) as clock_oldops.c answers them,
 * as raw requests with the whole reply, and the host's calendar notification.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, Msg, replyHead, replyWords, rpc, type Actor } from "../helpers/kernel.js";
import { KERN_ABORTED, KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_VALUE, KERN_SUCCESS, MACH_MSG_TYPE_MAKE_SEND_ONCE } from "../../src/index.js";
import { recv } from "../ipc/lib.js";

const errorReply = (a: Actor, id: number, kr: number) => [...replyHead(a, 36, id), kr >>> 0, ...MIN_TRAILER];

/** clock_set_time: 40 bytes, NDR then the mach_timespec_t. */
function setTime(a: Actor, port: number, sec: number, nsec: number): number[] {
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 40, remote: port, local: a.reply, id: 1200 }).ndr(24).u32(32, sec).i32(36, nsec);
  assert.equal(rpc(a.thread, m, 40, a.reply), 0);
  return replyWords(m);
}

/** clock_alarm: 60 bytes, the reply port descriptor, NDR, alarm_type, alarm_time. */
function alarm(a: Actor, clock: number, port: number, type: number, sec: number, nsec: number): number[] {
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 60, remote: clock, local: a.reply, id: 1002 }).u32(24, 1).portDesc(28, port, MACH_MSG_TYPE_MAKE_SEND_ONCE).ndr(40);
  m.u32(48, type).u32(52, sec).i32(56, nsec);
  assert.equal(rpc(a.thread, m, 60, a.reply), 0);
  return replyWords(m);
}

test("clock_set_time / clock_set_attributes (clock_oldops.c): a clock's control port is KERN_FAILURE, any other port KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const ctrl = (await root.thread.call("host_get_clock_control", root.thread.hostSelfTrap(), { clock_id: 1 }))["clock_ctrl"] as number;
  const serv = (await root.thread.call("host_get_clock_service", root.thread.hostSelfTrap(), { clock_id: 1 }))["clock_serv"] as number;
  assert.deepEqual(setTime(root, ctrl, 1_000_000_000, 0), errorReply(root, 1300, KERN_FAILURE));
  assert.deepEqual(setTime(root, serv, 1_000_000_000, 0), errorReply(root, 1300, KERN_INVALID_ARGUMENT));
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 44, remote: ctrl, local: root.reply, id: 1201 }).ndr(24).i32(32, 3).u32(36, 1).u32(40, 1000);
  assert.equal(rpc(root.thread, m, 44, root.reply), 0);
  assert.deepEqual(replyWords(m), errorReply(root, 1301, KERN_FAILURE));
  assertInvariant(kernel);
});

test("clock_alarm (clock_oldops.c): system clock only; a bad type or time is answered at once with KERN_INVALID_VALUE, a past time with KERN_SUCCESS, a future one when it comes", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const sys = (await a.thread.call("host_get_clock_service", host, { clock_id: 0 }))["clock_serv"] as number;
  const cal = (await a.thread.call("host_get_clock_service", host, { clock_id: 1 }))["clock_serv"] as number;
  const p = (await a.thread.call("mach_port_allocate", a.self, { right: 1 }))["name"] as number;
  assert.deepEqual(alarm(a, cal, p, 1, 0, 1000), errorReply(a, 1102, KERN_FAILURE), "the calendar clock has no alarms");
  assert.deepEqual(alarm(a, a.self, p, 1, 0, 1000), errorReply(a, 1102, KERN_INVALID_ARGUMENT));
  // Each refused request was destroyed with its send-once right: two send-once notifications.
  for (let i = 0; i < 2; i++) assert.deepEqual(replyWords(recv(a, p).m), [0x1200, 24, 0, p, 0, 71, ...MIN_TRAILER]);
  /** clock_alarm_reply (3125107): NDR, alarm_code, alarm_type, alarm_time. */
  const alarmReply = (code: number, type: number) => {
    const r = recv(a, p);
    assert.equal(r.mr, 0);
    const w = replyWords(r.m);
    assert.deepEqual(w.slice(0, 11), [0x1200, 48, 0, p, 0, 3125107, 0, 1, code, type, w[10]!]);
    assert.ok(w[11]! < 1_000_000_000);
    return w;
  };
  assert.deepEqual(alarm(a, sys, p, 2, 0, 0), errorReply(a, 1102, KERN_SUCCESS), "BAD_ALRMTYPE: answered in the alarm's own reply");
  alarmReply(KERN_INVALID_VALUE, 2);
  assert.deepEqual(alarm(a, sys, p, 0, 0, 2_000_000_000), errorReply(a, 1102, KERN_SUCCESS));
  alarmReply(KERN_INVALID_VALUE, 0);
  assert.deepEqual(alarm(a, sys, p, 0, 0, 0), errorReply(a, 1102, KERN_SUCCESS), "an absolute time already past");
  alarmReply(KERN_SUCCESS, 0);
  // 20 ms from now, relative: nothing yet, then the reply.
  assert.deepEqual(alarm(a, sys, p, 1, 0, 20_000_000), errorReply(a, 1102, KERN_SUCCESS));
  assert.notEqual(recv(a, p).mr, 0);
  assertInvariant(kernel);
  await new Promise((r) => setTimeout(r, 60));
  alarmReply(KERN_SUCCESS, 1);
  assertInvariant(kernel);
});

test("host_notify_calendar_change (Kernel.postCalendarChange): each registration gets host_calendar_changed (950) once, and its port is free again", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const p = (await a.thread.call("mach_port_allocate", a.self, { right: 1 }))["name"] as number;
  assert.equal((await a.thread.call("host_request_notification", host, { notify_type: 0, notify_port: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } })).kr, KERN_SUCCESS);
  kernel.postCalendarChange();
  const r = recv(a, p);
  assert.equal(r.mr, 0);
  assert.deepEqual(replyWords(r.m), [0x1200, 24, 0, p, 0, 950, ...MIN_TRAILER]);
  kernel.postCalendarChange();
  assert.notEqual(recv(a, p).mr, 0, "once per registration");
  assert.equal((await a.thread.call("mach_port_kernel_object", a.self, { name: p }))["object_type"], 0);
  assert.equal((await a.thread.call("host_request_notification", host, { notify_type: 0, notify_port: { name: p, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE } })).kr, KERN_SUCCESS);
  assertInvariant(kernel);
});

/** clock_sleep_trap's copied-out wake time: the mach_timespec_t's 8 bytes as one slot. */
const unpack = (v: bigint | undefined) => ({ sec: Number((v ?? 0n) & 0xffffffffn), nsec: Number((v ?? 0n) >> 32n) });
const sleepTrap = (a: Actor, clock: number, type: number, sec: number, nsec: number) =>
  a.thread.trap("clock_sleep_trap", { clock_name: clock, sleep_type: type, sleep_sec: sec, sleep_nsec: nsec, wakeup_time: 0x1000 }) as
    | { kr: number; wakeup_time?: bigint }
    | Promise<{ kr: number; wakeup_time?: bigint }>;

test("clock_sleep_trap (clock_oldops.c): the system clock (or a null name) sleeps the thread; the wake time is copied out except for KERN_INVALID_ARGUMENT / KERN_FAILURE", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const host = a.thread.hostSelfTrap();
  const sys = (await a.thread.call("host_get_clock_service", host, { clock_id: 0 }))["clock_serv"] as number;
  const cal = (await a.thread.call("host_get_clock_service", host, { clock_id: 1 }))["clock_serv"] as number;
  // Nothing is copied out for these two: the slot reads 0.
  assert.deepEqual(await sleepTrap(a, a.self, 1, 0, 1000), { kr: KERN_INVALID_ARGUMENT, wakeup_time: 0n }, "port_name_to_clock: no clock");
  assert.deepEqual(await sleepTrap(a, cal, 1, 0, 1000), { kr: KERN_FAILURE, wakeup_time: 0n }, "only the system clock sleeps");
  const bad = await sleepTrap(a, sys, 2, 7, 9);
  assert.equal(bad.kr, KERN_INVALID_VALUE);
  assert.deepEqual(unpack(bad.wakeup_time), { sec: 7, nsec: 9 }, "a refused time is copied out as given");
  assert.equal((await sleepTrap(a, sys, 1, 0, 1_000_000_000)).kr, KERN_INVALID_VALUE, "nsec must be below a second");
  const past = sleepTrap(a, sys, 0, 0, 0);
  assert.ok(!(past instanceof Promise), "a time already past does not block");
  assert.equal(past.kr, KERN_SUCCESS);
  const start = Date.now();
  const slept = sleepTrap(a, 0, 1, 0, 30_000_000);
  assert.ok(slept instanceof Promise, "a future time blocks the thread");
  const r = await slept;
  assert.equal(r.kr, KERN_SUCCESS);
  assert.ok(Date.now() - start >= 25, "slept about 30 ms");
  const woke = unpack(r.wakeup_time);
  assert.ok(woke.sec > 0 || woke.nsec >= 30_000_000, "the wake time is the system clock's (uptime) at the wake-up");
  // thread_abort ends the sleep with KERN_ABORTED and the absolute time it was to end; a sleep
  // longer than setTimeout's ceiling (here about 68 years) still waits instead of ending at once.
  const aborted = sleepTrap(a, sys, 1, 0x7fffffff, 0);
  assert.ok(aborted instanceof Promise);
  await new Promise((r) => setTimeout(r, 20));
  a.thread.abort();
  const ab = await aborted;
  assert.equal(ab.kr, KERN_ABORTED);
  assert.ok(unpack(ab.wakeup_time).sec >= 0x7fffffff);
  assertInvariant(kernel);
});

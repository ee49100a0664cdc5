/**
 * Mach semaphores as osfmk/kern/sync_sema.c has them: made and destroyed by task routines,
 * signalled and waited on by traps; waits block the waiting thread only, time out, end with
 * KERN_TERMINATED when the semaphore goes and KERN_ABORTED on thread_abort.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, type Actor } from "../helpers/kernel.js";
import {
  KERN_ABORTED,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_CAPABILITY,
  KERN_INVALID_NAME,
  KERN_INVALID_RIGHT,
  KERN_INVALID_VALUE,
  KERN_NOT_WAITING,
  KERN_OPERATION_TIMED_OUT,
  KERN_SUCCESS,
  KERN_TERMINATED,
} from "../../src/abi/kern_return.js";
import { MACH_PORT_RIGHT_RECEIVE } from "../../src/abi/port.js";
import { IKOT_SEMAPHORE } from "../../src/abi/ikot.js";
import type { IpcPort } from "../../src/ipc/port.js";

async function create(a: Actor, value = 0, policy = 0): Promise<number> {
  const r = await a.thread.call("semaphore_create", a.self, { policy, value });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["semaphore"] as number;
}
const trap = (a: Actor, name: string, args: Record<string, number>) => a.thread.trap(name, args);
const now = (a: Actor, name: string, args: Record<string, number>): number => {
  const r = trap(a, name, args);
  assert.ok(!(r instanceof Promise), `${name} answers at once`);
  return r.kr;
};
const later = async (a: Actor, name: string, args: Record<string, number>): Promise<number> => {
  const r = trap(a, name, args);
  assert.ok(r instanceof Promise, `${name} waits`);
  return (await r).kr;
};

test("semaphore_create answers a send right to an IKOT_SEMAPHORE port; bad arguments are KERN_INVALID_ARGUMENT", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a, 2);
  const port = a.task.space.objs[a.task.space.lookup(sem)] as IpcPort;
  assert.equal(port.kotype, IKOT_SEMAPHORE);
  assert.equal((await a.thread.call("semaphore_create", a.self, { policy: 0, value: -1 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("semaphore_create", a.self, { policy: 8, value: 0 })).kr, KERN_INVALID_ARGUMENT);
  assert.equal((await a.thread.call("semaphore_create", a.thread.hostSelfTrap(), { policy: 0, value: 0 })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("signals are counted for later waits; a wait with none blocks only its thread until a signal", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a, 1);
  assert.equal(now(a, "semaphore_wait_trap", { wait_name: sem }), KERN_SUCCESS);
  const waiter = a.task.createThread();
  const pending = waiter.trap("semaphore_wait_trap", { wait_name: sem });
  assert.ok(pending instanceof Promise);
  // The kernel keeps serving other threads meanwhile.
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: sem }), KERN_SUCCESS);
  assert.equal((await pending).kr, KERN_SUCCESS);
  // Nobody waits: the signal is kept, and signal_all adds none.
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: sem }), KERN_SUCCESS);
  assert.equal(now(a, "semaphore_signal_all_trap", { signal_name: sem }), KERN_SUCCESS);
  assert.equal(now(a, "semaphore_wait_trap", { wait_name: sem }), KERN_SUCCESS);
  assert.equal(now(a, "semaphore_timedwait_trap", { wait_name: sem, sec: 0, nsec: 0 }), KERN_OPERATION_TIMED_OUT);
  assertInvariant(kernel);
});

test("signal_all wakes every waiter; signal_thread wakes the one named, or is KERN_NOT_WAITING", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a);
  const ts = [a.task.createThread(), a.task.createThread(), a.task.createThread()];
  const waits = ts.map((t) => t.trap("semaphore_wait_trap", { wait_name: sem }) as Promise<{ kr: number }>);
  const second = a.task.createThread();
  const named = second.trap("semaphore_wait_trap", { wait_name: sem }) as Promise<{ kr: number }>;
  const secondPort = second.threadSelfTrap();
  assert.equal(now(a, "semaphore_signal_thread_trap", { signal_name: sem, thread_name: secondPort }), KERN_SUCCESS);
  assert.equal((await named).kr, KERN_SUCCESS);
  assert.equal(now(a, "semaphore_signal_thread_trap", { signal_name: sem, thread_name: secondPort }), KERN_NOT_WAITING);
  assert.equal(now(a, "semaphore_signal_thread_trap", { signal_name: sem, thread_name: a.reply }), KERN_INVALID_ARGUMENT);
  assert.equal(now(a, "semaphore_signal_all_trap", { signal_name: sem }), KERN_SUCCESS);
  assert.deepEqual((await Promise.all(waits)).map((r) => r.kr), [KERN_SUCCESS, KERN_SUCCESS, KERN_SUCCESS]);
  assertInvariant(kernel);
});

test("timed waits time out with KERN_OPERATION_TIMED_OUT; a bad timespec is KERN_INVALID_VALUE before the name is looked at", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a);
  const t0 = Date.now();
  assert.equal(await later(a, "semaphore_timedwait_trap", { wait_name: sem, sec: 0, nsec: 30_000_000 }), KERN_OPERATION_TIMED_OUT);
  assert.ok(Date.now() - t0 >= 25);
  assert.equal(now(a, "semaphore_timedwait_trap", { wait_name: 0, sec: 0, nsec: 1_000_000_000 }), KERN_INVALID_VALUE);
  assert.equal(now(a, "semaphore_timedwait_trap", { wait_name: 0, sec: 0, nsec: 5 }), KERN_INVALID_NAME);
  // The timed-out waiter is gone: the next signal is kept.
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: sem }), KERN_SUCCESS);
  assert.equal(now(a, "semaphore_wait_trap", { wait_name: sem }), KERN_SUCCESS);
  assertInvariant(kernel);
});

test("wait_signal signals the other semaphore after setting up the wait (a ping-pong of two threads)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const ping = await create(a);
  const pong = await create(a);
  const other = a.task.createThread();
  const otherWait = other.trap("semaphore_wait_trap", { wait_name: ping }) as Promise<{ kr: number }>;
  const mine = a.thread.trap("semaphore_wait_signal_trap", { wait_name: pong, signal_name: ping });
  assert.ok(mine instanceof Promise);
  assert.equal((await otherWait).kr, KERN_SUCCESS);
  assert.equal((other.trap("semaphore_signal_trap", { signal_name: pong }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  assert.equal((await mine).kr, KERN_SUCCESS);
  assert.equal(now(a, "semaphore_timedwait_signal_trap", { wait_name: pong, signal_name: ping, sec: 0, nsec: 0 }), KERN_OPERATION_TIMED_OUT);
  assertInvariant(kernel);
});

test("semaphore_destroy wakes waiters with KERN_TERMINATED; later traps answer KERN_TERMINATED; only the owner may destroy", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const sem = await create(a);
  // A copy of the name for after semaphore_destroy takes one send right.
  assert.equal((await a.thread.call("mach_port_mod_refs", a.self, { name: sem, right: 0, delta: 1 })).kr, KERN_SUCCESS);
  const waiter = a.task.createThread();
  const w = waiter.trap("semaphore_wait_trap", { wait_name: sem }) as Promise<{ kr: number }>;
  // b cannot destroy a's semaphore (it gets a send right through a message first).
  const bsem = await create(b);
  assert.equal((await b.thread.call("semaphore_destroy", b.self, { semaphore: { name: bsem, disposition: 17 } })).kr, KERN_SUCCESS);
  assert.equal((await a.thread.call("semaphore_destroy", a.self, { semaphore: { name: sem, disposition: 17 } })).kr, KERN_SUCCESS);
  assert.equal((await w).kr, KERN_TERMINATED);
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: sem }), KERN_TERMINATED);
  assert.equal(now(a, "semaphore_wait_trap", { wait_name: sem }), KERN_TERMINATED);
  assert.equal((await a.thread.call("semaphore_destroy", a.self, { semaphore: { name: sem, disposition: 17 } })).kr, KERN_INVALID_ARGUMENT);
  assertInvariant(kernel);
});

test("port_name_to_semaphore's codes: a null name, a receive right, a port that is not a semaphore", async () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: 0 }), KERN_INVALID_NAME);
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: 0x7703 }), KERN_INVALID_NAME);
  const recv = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  assert.equal(now(a, "semaphore_signal_trap", { signal_name: recv }), KERN_INVALID_RIGHT);
  assert.equal(now(a, "semaphore_wait_trap", { wait_name: a.self }), KERN_INVALID_CAPABILITY);
  assertInvariant(kernel);
});

test("thread_abort ends a wait with KERN_ABORTED, as does the waiting thread's task dying; the task's semaphores go with it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a);
  const waiter = a.task.createThread();
  const w = waiter.trap("semaphore_wait_trap", { wait_name: sem }) as Promise<{ kr: number }>;
  waiter.abort();
  assert.equal((await w).kr, KERN_ABORTED);
  const owner = actor(kernel);
  const osem = await create(owner);
  const port = owner.task.space.objs[owner.task.space.lookup(osem)] as IpcPort;
  const w2 = owner.task.createThread().trap("semaphore_wait_trap", { wait_name: osem }) as Promise<{ kr: number }>;
  owner.task.terminate();
  assert.equal((await w2).kr, KERN_ABORTED);
  assert.equal(port.active, false, "its last send right died with the space");
  assertInvariant(kernel);
});

test("the last send right going destroys the semaphore and its port", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const sem = await create(a);
  const port = a.task.space.objs[a.task.space.lookup(sem)] as IpcPort;
  assert.equal((await a.thread.call("mach_port_deallocate", a.self, { name: sem })).kr, KERN_SUCCESS);
  assert.equal(port.active, false);
  assertInvariant(kernel);
});

/**
 * The reuse of a thread's triage, reply message and descriptor record across exceptions, and its
 * one exception out at a time (exception.ts), under the paths that end or start a triage out of
 * the common order: a waiting exception that ends without asking anyone, a raise made in the
 * handler's own reply step, and the others a review of those changes looked at.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocatePort, answerNow, codesOf, type Received } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_MASK_BAD_ACCESS,
  EXC_RPC_ALERT,
  EXCEPTIONS_WAITING_MAX,
  EXCEPTION_DEFAULT,
  KERN_FAILURE,
  KERN_INVALID_RIGHT,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  type ExceptionOutcome,
  type Kernel,
} from "../../src/index.js";

/** A victim whose thread handler for EXC_BAD_ACCESS is port `tp` of task `h`. */
async function threadHandler(): Promise<{ kernel: Kernel; victim: Actor; h: Actor; tp: number }> {
  const kernel = boot({ arch: "x86_64" });
  const victim = actor(kernel);
  const h = actor(kernel);
  const tp = await allocatePort(h);
  const send = transfer(h, tp, MACH_MSG_TYPE_MAKE_SEND, victim);
  const r = await victim.thread.call("thread_set_exception_ports", victim.thread.threadSelfTrap(), {
    exception_mask: EXC_MASK_BAD_ACCESS,
    new_port: { name: send, disposition: 17 },
    behavior: EXCEPTION_DEFAULT,
    new_flavor: 0,
  });
  assert.equal(r.kr, KERN_SUCCESS);
  return { kernel, victim, h, tp };
}

/** Receive one message on `port` if one is queued (MACH_RCV_TIMEOUT 0), else null. */
function tryReceive(h: Actor, port: number): Received | null {
  const buf = new Uint8Array(1024);
  const view = new DataView(buf.buffer);
  const mr = h.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 0, 0);
  assert.equal(typeof mr, "number");
  if (mr === MACH_RCV_TIMED_OUT) return null;
  assert.equal(mr, 0);
  return { id: view.getInt32(20, true), size: view.getUint32(4, true), bits: view.getUint32(0, true), replyName: view.getUint32(8, true), localName: view.getUint32(12, true), buf, view };
}

/** Every microtask and timer-free continuation run (one turn of the event loop). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The requests queued on `port` now, each answered KERN_SUCCESS after all are taken: their codes. */
function drain(h: Actor, port: number): bigint[][] {
  const got: Received[] = [];
  for (let r = tryReceive(h, port); r !== null; r = tryReceive(h, port)) got.push(r);
  for (const r of got) assert.equal(answerNow(h, r, KERN_SUCCESS), 0);
  return got.map(codesOf);
}

test("an exception waiting behind the one out that ends without a handler asked still lets the next waiting one start", async () => {
  const { kernel, victim, h, tp } = await threadHandler();
  const first = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  // Nobody handles EXC_RPC_ALERT (the ux handler's mask leaves it out): every level answers at once.
  const unhandled = victim.thread.raiseException(EXC_RPC_ALERT, [2, 0]);
  const third = victim.thread.raiseException(EXC_BAD_ACCESS, [3, 0]);
  await settle();
  assert.deepEqual(drain(h, tp), [[1n, 0n]]);
  assert.equal((await first).handledBy, "thread");
  const o = await unhandled;
  assert.equal(o.handledBy, null);
  assert.deepEqual(o.attempts.map((a) => a.kr), [KERN_FAILURE, KERN_FAILURE, KERN_FAILURE]);
  await settle();
  assert.deepEqual(drain(h, tp), [[3n, 0n]], "the third is raised once the second is over");
  assert.equal((await third).handledBy, "thread");
  assert.equal(victim.thread.inException, false);
  assertInvariant(kernel);
});

test("an exception raised in the step of the handler's reply, with another waiting: still one out at a time", async () => {
  const { kernel, victim, h, tp } = await threadHandler();
  const first = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const second = victim.thread.raiseException(EXC_BAD_ACCESS, [2, 0]);
  await settle();
  const r1 = tryReceive(h, tp);
  assert.ok(r1);
  assert.deepEqual(codesOf(r1), [1n, 0n]);
  // The reply ends the first in this step; a raise right after it, before any microtask, must not
  // go out beside the second, which the first's end started.
  assert.equal(answerNow(h, r1, KERN_SUCCESS), 0);
  const third = victim.thread.raiseException(EXC_BAD_ACCESS, [3, 0]);
  const outs: ExceptionOutcome[] = [];
  for (let round = 0; round < 2; round++) {
    await settle();
    const queued: Received[] = [];
    for (let r = tryReceive(h, tp); r !== null; r = tryReceive(h, tp)) queued.push(r);
    assert.equal(queued.length, 1, "one request out at a time");
    assert.equal(answerNow(h, queued[0]!, KERN_SUCCESS), 0);
  }
  outs.push(await first, await second, await third);
  assert.deepEqual(outs.map((o) => o.handledBy), ["thread", "thread", "thread"]);
  await settle();
  assert.equal(tryReceive(h, tp), null);
  assertInvariant(kernel);
});

/** A receive right of `a`'s guarded with `guard`. */
async function guarded(a: Actor, guard: bigint): Promise<number> {
  const name = await allocatePort(a);
  assert.equal((await a.thread.call("mach_port_guard", a.self, { name, guard, strict: 0 })).kr, KERN_SUCCESS);
  return name;
}

test("EXC_GUARD raised by the kernel on a thread with an exception out waits behind it, and the task dies after", async () => {
  const { kernel, victim, h, tp } = await threadHandler();
  const p = await guarded(victim, 0x99n);
  const out = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const destroyed = victim.thread.call("mach_port_destroy", victim.self, { name: p });
  await settle();
  assert.deepEqual(drain(h, tp), [[1n, 0n]], "the guard exception is not sent beside the one out");
  assert.equal((await out).handledBy, "thread");
  assert.equal((await destroyed).kr, KERN_INVALID_RIGHT);
  assert.ok(victim.thread.guardOutcome, "EXC_GUARD was raised");
  assert.equal(victim.task.active, false);
  assertInvariant(kernel);
});

test("EXC_GUARD on a thread with the most exceptions waiting: the task dies all the same, and the trap answers", async () => {
  const { kernel, victim, h, tp } = await threadHandler();
  const p = await guarded(victim, 0x99n);
  const raised = Array.from({ length: EXCEPTIONS_WAITING_MAX + 1 }, (_, i) => victim.thread.raiseException(EXC_BAD_ACCESS, [i, 0]));
  const destroyed = victim.thread.call("mach_port_destroy", victim.self, { name: p });
  const kr = (await destroyed).kr;
  assert.equal(kr, KERN_INVALID_RIGHT);
  assert.equal(victim.task.active, false, "a guard violation kills the task whatever came of its exception");
  const outs = await Promise.all(raised);
  assert.deepEqual(outs.map((o) => o.handledBy), Array<null>(EXCEPTIONS_WAITING_MAX + 1).fill(null), "each ended with the task");
  // The one out was sent before the task died: it waits at the handler still, its reply right dead.
  await settle();
  const stale = tryReceive(h, tp);
  assert.ok(stale);
  assert.deepEqual(codesOf(stale), [0n, 0n]);
  assert.equal(tryReceive(h, tp), null);
  assertInvariant(kernel);
});

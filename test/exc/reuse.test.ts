/**
 * A thread keeps its settled triage for its next exception, and the kernel makes its next request
 * in the reply its last RPC was answered with (exception.ts): what that must not change. Outcomes
 * already given out keep what they said, exceptions raised at once on one thread each get their
 * own reply, and a request left queued by a timed-out level is still whole when it is received
 * after the thread's later exceptions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { codesOf, receiveOne, retCodeReply, type Received } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_MASK_BAD_ACCESS,
  EXCEPTION_DEFAULT,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_RCV_INTERRUPTED,
  MACH_RCV_MSG,
  MACH_RCV_TIMED_OUT,
  MACH_RCV_TIMEOUT,
  MACH_SEND_INVALID_DEST,
  MACH_SEND_MSG,
  EXCEPTIONS_WAITING_MAX,
  type ExceptionOutcome,
  type Kernel,
} from "../../src/index.js";

async function allocate(a: Actor): Promise<number> {
  const r = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

async function install(level: "thread" | "task", victim: Actor, handler: Actor, port: number): Promise<void> {
  const send = transfer(handler, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  const routine = level === "thread" ? "thread_set_exception_ports" : "task_set_exception_ports";
  const target = level === "thread" ? victim.thread.threadSelfTrap() : victim.self;
  const r = await victim.thread.call(routine, target, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: { name: send, disposition: 17 }, behavior: EXCEPTION_DEFAULT, new_flavor: 0 });
  assert.equal(r.kr, KERN_SUCCESS);
}

/** Poll `port` once (MACH_RCV_TIMEOUT 0): the trap's result. */
function poll(h: Actor, port: number): number {
  const buf = new Uint8Array(1024);
  const mr = h.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 0, 0);
  assert.equal(typeof mr, "number");
  return mr as number;
}

/** Answer `r` on its send-once right; the trap's result. */
function answer(h: Actor, r: Received, kr: number): number {
  const body = retCodeReply(kr);
  const v = new DataView(body.buffer);
  v.setUint32(0, 18, true);
  v.setUint32(4, 36, true);
  v.setUint32(8, r.replyName, true);
  v.setInt32(20, r.id + 100, true);
  body.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const mr = h.thread.machMsg(body, MACH_SEND_MSG, 36, 0, 0, 0, 0);
  assert.equal(typeof mr, "number");
  return mr as number;
}

const levels = (o: ExceptionOutcome): [string, number][] => o.attempts.map((a) => [a.level, a.kr]);

/** A victim whose thread and task handlers are ports tp and kp of one handler task. */
async function twoLevels(): Promise<{ kernel: Kernel; victim: Actor; h: Actor; tp: number; kp: number }> {
  const kernel = boot({ arch: "x86_64" });
  const victim = actor(kernel);
  const h = actor(kernel);
  const tp = await allocate(h);
  const kp = await allocate(h);
  await install("thread", victim, h, tp);
  await install("task", victim, h, kp);
  return { kernel, victim, h, tp, kp };
}

test("a thread's exceptions one after another: each request carries its own codes, and outcomes already given keep what they said", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const outs: ExceptionOutcome[] = [];
  for (let i = 0; i < 6; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [100 + i, 7 * i]);
    const r = await receiveOne(h, tp);
    assert.deepEqual(codesOf(r), [BigInt(100 + i), BigInt(7 * i)]);
    if (i % 2 === 0) assert.equal(answer(h, r, KERN_SUCCESS), 0);
    else {
      // The thread's handler refuses, the task's takes it: a second RPC within the same triage.
      assert.equal(answer(h, r, KERN_INVALID_ARGUMENT), 0);
      await Promise.resolve();
      const r2 = await receiveOne(h, kp);
      assert.deepEqual(codesOf(r2), [BigInt(100 + i), BigInt(7 * i)]);
      assert.equal(answer(h, r2, KERN_SUCCESS), 0);
    }
    outs.push(await o);
  }
  assert.equal(new Set(outs).size, outs.length, "every exception has an outcome of its own");
  outs.forEach((o, i) => {
    assert.equal(o.handledBy, i % 2 === 0 ? "thread" : "task");
    assert.deepEqual(levels(o), i % 2 === 0 ? [["thread", KERN_SUCCESS]] : [["thread", KERN_INVALID_ARGUMENT], ["task", KERN_SUCCESS]]);
  });
  assertInvariant(kernel);
});

test("two exceptions raised at once on one thread: the second is raised when the first is over, as on a thread blocked in exception_triage", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const first = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 11]);
  const second = victim.thread.raiseException(EXC_BAD_ACCESS, [2, 22]);
  const r1 = await receiveOne(h, tp);
  assert.deepEqual(codesOf(r1), [1n, 11n]);
  assert.equal(poll(h, tp), MACH_RCV_TIMED_OUT, "the second is not sent while the first is out");
  assert.equal(answer(h, r1, KERN_FAILURE), 0);
  // The first goes on to the task's handler, which takes it; only then is the second raised.
  const rk = await receiveOne(h, kp);
  assert.deepEqual(codesOf(rk), [1n, 11n]);
  assert.equal(poll(h, tp), MACH_RCV_TIMED_OUT);
  assert.equal(answer(h, rk, KERN_SUCCESS), 0);
  assert.deepEqual(levels(await first), [["thread", KERN_FAILURE], ["task", KERN_SUCCESS]]);
  const r2 = await receiveOne(h, tp);
  assert.deepEqual(codesOf(r2), [2n, 22n]);
  assert.equal(answer(h, r2, KERN_SUCCESS), 0);
  assert.deepEqual(levels(await second), [["thread", KERN_SUCCESS]]);
  // Three at once, each answered as it comes: they run in the order raised.
  const outs = [3, 4, 5].map((c) => victim.thread.raiseException(EXC_BAD_ACCESS, [c, 0]));
  for (const c of [3, 4, 5]) {
    const r = await receiveOne(h, tp);
    assert.deepEqual(codesOf(r), [BigInt(c), 0n]);
    assert.equal(answer(h, r, KERN_SUCCESS), 0);
  }
  assert.deepEqual((await Promise.all(outs)).map((o) => o.handledBy), ["thread", "thread", "thread"]);
  assertInvariant(kernel);
});

test("a request left queued by a level that timed out is whole when received after the thread's later exceptions, and its late reply finds a dead name", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  // The thread's handler never answers in time; the task's does.
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0x51, 0x52], { timeoutMs: 20 });
  const r = await receiveOne(h, kp);
  assert.equal(answer(h, r, KERN_SUCCESS), 0);
  assert.deepEqual(levels(await o), [["thread", MACH_RCV_INTERRUPTED], ["task", KERN_SUCCESS]]);
  // Later exceptions on the same thread, answered at the task level each time after the thread's
  // handler was asked (their requests queue behind the stale one at tp).
  for (let i = 0; i < 3; i++) {
    const later = victim.thread.raiseException(EXC_BAD_ACCESS, [0x60 + i, 0], { timeoutMs: 5 });
    assert.equal(answer(h, await receiveOne(h, kp), KERN_SUCCESS), 0);
    assert.equal((await later).handledBy, "task");
  }
  // Now the thread's handler reads its queue: the first request as it was sent.
  const stale = await receiveOne(h, tp);
  assert.deepEqual(codesOf(stale), [0x51n, 0x52n]);
  const threadName = stale.view.getUint32(28, true);
  const taskName = stale.view.getUint32(40, true);
  const t = await h.thread.call("mach_port_type", h.self, { name: threadName });
  const k = await h.thread.call("mach_port_type", h.self, { name: taskName });
  assert.deepEqual([t.kr, k.kr], [KERN_SUCCESS, KERN_SUCCESS], "its thread and task rights came with it");
  assert.equal(answer(h, stale, KERN_SUCCESS), MACH_SEND_INVALID_DEST);
  for (let i = 0; i < 3; i++) {
    const next = await receiveOne(h, tp);
    assert.deepEqual(codesOf(next), [BigInt(0x60 + i), 0n]);
    assert.equal(answer(h, next, KERN_SUCCESS), MACH_SEND_INVALID_DEST);
  }
  assertInvariant(kernel);
});

test("at most EXCEPTIONS_WAITING_MAX exceptions wait behind the one out: the next is refused with a RangeError, holding nothing, and once they are handled the thread raises again", async () => {
  const { kernel, victim, h, tp } = await twoLevels();
  const out = victim.thread.raiseException(EXC_BAD_ACCESS, [0, 0]);
  const waiting = Array.from({ length: EXCEPTIONS_WAITING_MAX }, (_, i) => victim.thread.raiseException(EXC_BAD_ACCESS, [i + 1, 0]));
  await assert.rejects(victim.thread.raiseException(EXC_BAD_ACCESS, [99, 0]), RangeError);
  for (let i = 0; i <= EXCEPTIONS_WAITING_MAX; i++) {
    const r = await receiveOne(h, tp);
    assert.deepEqual(codesOf(r), [BigInt(i), 0n], "raised in the order they were asked for, the refused one never");
    assert.equal(answer(h, r, KERN_SUCCESS), 0);
  }
  const all = await Promise.all([out, ...waiting]);
  assert.ok(all.every((o) => o.handledBy === "thread"));
  assert.equal(poll(h, tp), MACH_RCV_TIMED_OUT);
  const again = victim.thread.raiseException(EXC_BAD_ACCESS, [7, 0]);
  assert.equal(answer(h, await receiveOne(h, tp), KERN_SUCCESS), 0);
  assert.equal((await again).handledBy, "thread");
  assertInvariant(kernel);
});

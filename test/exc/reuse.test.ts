/**
 * A thread keeps its settled triage for its next exception, and the kernel makes its next request
 * in the reply its last RPC was answered with (exception.ts): what that must not change. Outcomes
 * already given out keep what they said, exceptions raised at once on one thread each get their
 * own reply, and a request left queued by a timed-out level is still whole when it is received
 * after the thread's later exceptions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertInvariant } from "../helpers/kernel.js";
import { answerNow, attemptLevels, codesOf, pollPort, receiveOne, twoLevels } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_SUCCESS,
  MACH_RCV_INTERRUPTED,
  MACH_RCV_TIMED_OUT,
  MACH_SEND_INVALID_DEST,
  EXCEPTIONS_WAITING_MAX,
  type ExceptionOutcome,
} from "../../src/index.js";

test("a thread's exceptions one after another: each request carries its own codes, and outcomes already given keep what they said", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const outs: ExceptionOutcome[] = [];
  for (let i = 0; i < 6; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [100 + i, 7 * i]);
    const r = await receiveOne(h, tp);
    assert.deepEqual(codesOf(r), [BigInt(100 + i), BigInt(7 * i)]);
    if (i % 2 === 0) assert.equal(answerNow(h, r, KERN_SUCCESS), 0);
    else {
      // The thread's handler refuses, the task's takes it: a second RPC within the same triage.
      assert.equal(answerNow(h, r, KERN_INVALID_ARGUMENT), 0);
      await Promise.resolve();
      const r2 = await receiveOne(h, kp);
      assert.deepEqual(codesOf(r2), [BigInt(100 + i), BigInt(7 * i)]);
      assert.equal(answerNow(h, r2, KERN_SUCCESS), 0);
    }
    outs.push(await o);
  }
  assert.equal(new Set(outs).size, outs.length, "every exception has an outcome of its own");
  outs.forEach((o, i) => {
    assert.equal(o.handledBy, i % 2 === 0 ? "thread" : "task");
    assert.deepEqual(attemptLevels(o), i % 2 === 0 ? [["thread", KERN_SUCCESS]] : [["thread", KERN_INVALID_ARGUMENT], ["task", KERN_SUCCESS]]);
  });
  assertInvariant(kernel);
});

test("two exceptions raised at once on one thread: the second is raised when the first is over, as on a thread blocked in exception_triage", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const first = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 11]);
  const second = victim.thread.raiseException(EXC_BAD_ACCESS, [2, 22]);
  const r1 = await receiveOne(h, tp);
  assert.deepEqual(codesOf(r1), [1n, 11n]);
  assert.equal(pollPort(h, tp), MACH_RCV_TIMED_OUT, "the second is not sent while the first is out");
  assert.equal(answerNow(h, r1, KERN_FAILURE), 0);
  // The first goes on to the task's handler, which takes it; only then is the second raised.
  const rk = await receiveOne(h, kp);
  assert.deepEqual(codesOf(rk), [1n, 11n]);
  assert.equal(pollPort(h, tp), MACH_RCV_TIMED_OUT);
  assert.equal(answerNow(h, rk, KERN_SUCCESS), 0);
  assert.deepEqual(attemptLevels(await first), [["thread", KERN_FAILURE], ["task", KERN_SUCCESS]]);
  const r2 = await receiveOne(h, tp);
  assert.deepEqual(codesOf(r2), [2n, 22n]);
  assert.equal(answerNow(h, r2, KERN_SUCCESS), 0);
  assert.deepEqual(attemptLevels(await second), [["thread", KERN_SUCCESS]]);
  // Three at once, each answered as it comes: they run in the order raised.
  const outs = [3, 4, 5].map((c) => victim.thread.raiseException(EXC_BAD_ACCESS, [c, 0]));
  for (const c of [3, 4, 5]) {
    const r = await receiveOne(h, tp);
    assert.deepEqual(codesOf(r), [BigInt(c), 0n]);
    assert.equal(answerNow(h, r, KERN_SUCCESS), 0);
  }
  assert.deepEqual((await Promise.all(outs)).map((o) => o.handledBy), ["thread", "thread", "thread"]);
  assertInvariant(kernel);
});

test("a request left queued by a level that timed out is whole when received after the thread's later exceptions, and its late reply finds a dead name", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  // The thread's handler never answers in time; the task's does.
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0x51, 0x52], { timeoutMs: 20 });
  const r = await receiveOne(h, kp);
  assert.equal(answerNow(h, r, KERN_SUCCESS), 0);
  assert.deepEqual(attemptLevels(await o), [["thread", MACH_RCV_INTERRUPTED], ["task", KERN_SUCCESS]]);
  // Later exceptions on the same thread, answered at the task level each time after the thread's
  // handler was asked (their requests queue behind the stale one at tp).
  for (let i = 0; i < 3; i++) {
    const later = victim.thread.raiseException(EXC_BAD_ACCESS, [0x60 + i, 0], { timeoutMs: 5 });
    assert.equal(answerNow(h, await receiveOne(h, kp), KERN_SUCCESS), 0);
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
  assert.equal(answerNow(h, stale, KERN_SUCCESS), MACH_SEND_INVALID_DEST);
  for (let i = 0; i < 3; i++) {
    const next = await receiveOne(h, tp);
    assert.deepEqual(codesOf(next), [BigInt(0x60 + i), 0n]);
    assert.equal(answerNow(h, next, KERN_SUCCESS), MACH_SEND_INVALID_DEST);
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
    assert.equal(answerNow(h, r, KERN_SUCCESS), 0);
  }
  const all = await Promise.all([out, ...waiting]);
  assert.ok(all.every((o) => o.handledBy === "thread"));
  assert.equal(pollPort(h, tp), MACH_RCV_TIMED_OUT);
  const again = victim.thread.raiseException(EXC_BAD_ACCESS, [7, 0]);
  assert.equal(answerNow(h, await receiveOne(h, tp), KERN_SUCCESS), 0);
  assert.equal((await again).handledBy, "thread");
  assertInvariant(kernel);
});

/**
 * The handler's reply is taken in the step that sends it (the triage is the reply port's
 * waiter, RcvWaiter.take): what that path answers, and its fallbacks — error and malformed
 * replies, a level going on to the next a microtask later, timeouts, a handler port that dies,
 * replies to several exceptions in any order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, type Actor } from "../helpers/kernel.js";
import {
  allocatePort,
  attemptLevels,
  installHandler,
  oldStateOf,
  pollPort,
  receiveOne,
  reply,
  replyNow,
  retCodeReply,
  stateReply,
  twoLevels,
  type Received,
} from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXCEPTION_STATE,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_RCV_INTERRUPTED,
  MACH_RCV_TIMED_OUT,
  MACH_SEND_INVALID_DEST,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  type Kernel,
} from "../../src/index.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";

function setup(): { kernel: Kernel; victim: Actor; h: Actor } {
  const kernel = boot({ arch: "x86_64" });
  return { kernel, victim: actor(kernel), h: actor(kernel) };
}

test("a STATE reply is taken in the handler's send: the registers are set when the send returns", async () => {
  const { kernel, victim, h } = setup();
  const p = await allocatePort(h);
  await installHandler("task", victim, h, p, EXCEPTION_STATE, x86_THREAD_STATE64);
  victim.thread.state.setReg("rip", 0x1000n);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  const { flavor, state } = oldStateOf(r);
  state[32] = 0x7000;
  assert.equal(replyNow(h, r, stateReply(flavor, state)), 0);
  assert.equal(victim.thread.state.reg("rip"), 0x7000n);
  const out = await o;
  assert.equal(out.handledBy, "task");
  assert.deepEqual(attemptLevels(out), [["thread", KERN_FAILURE], ["task", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("an error reply answers its level in the send; the next level is offered the exception a microtask later, not inside the handler's trap", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, tp);
  assert.equal(replyNow(h, r, retCodeReply(KERN_INVALID_ARGUMENT)), 0);
  assert.equal(pollPort(h, kp), MACH_RCV_TIMED_OUT);
  await Promise.resolve();
  await reply(h, await receiveOne(h, kp), retCodeReply(KERN_SUCCESS));
  const out = await o;
  assert.equal(out.handledBy, "task");
  assert.deepEqual(attemptLevels(out), [["thread", KERN_INVALID_ARGUMENT], ["task", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("a malformed reply carrying a port right: MIG_TYPE_ERROR for that level, the right destroyed with the reply, and the search goes on", async () => {
  const { kernel, victim, h } = setup();
  const p = await allocatePort(h);
  const extra = await allocatePort(h);
  await installHandler("thread", victim, h, p, EXCEPTION_STATE, x86_THREAD_STATE64);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  // A complex reply (a port descriptor where the state should be).
  const m = new Msg(40);
  m.header({ bits: 0x80000000, size: 40, remote: 0, id: 0 }).u32(24, 1).portDesc(28, extra, MACH_MSG_TYPE_MAKE_SEND);
  assert.equal(replyNow(h, r, m.buf), 0);
  const out = await o;
  assert.equal(out.attempts[0]!.kr, MIG_TYPE_ERROR);
  // On to the task (no handler) and the host's ux handler.
  assert.equal(out.handledBy, "host");
  const type = await h.thread.call("mach_port_type", h.self, { name: extra });
  assert.equal(type.kr, KERN_SUCCESS);
  assert.equal(type["ptype"], 1 << 17, "the receive right alone: the send right made for the reply is gone");
  assertInvariant(kernel);
});

test("a level that times out (RaiseOptions.timeoutMs), then the next level's reply in its send: the triage waits again, on a new reply port", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0], { timeoutMs: 30 });
  const first = await receiveOne(h, tp);
  const r = await receiveOne(h, kp);
  assert.equal(replyNow(h, r, retCodeReply(KERN_SUCCESS)), 0);
  const out = await o;
  assert.deepEqual(attemptLevels(out), [["thread", MACH_RCV_INTERRUPTED], ["task", KERN_SUCCESS]]);
  assert.equal(out.handledBy, "task");
  // The late reply to the first request: its reply port was dropped with the timeout, so the name is dead.
  assert.equal(replyNow(h, first, retCodeReply(KERN_SUCCESS)), MACH_SEND_INVALID_DEST);
  // A reply well within the timeout: its timer is gone with the wait, and nothing more happens.
  const o2 = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0], { timeoutMs: 30 });
  assert.equal(replyNow(h, await receiveOne(h, tp), retCodeReply(KERN_SUCCESS)), 0);
  const out2 = await o2;
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(attemptLevels(out2), [["thread", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("the handler's receive right dies with the request queued: MIG_SERVER_DIED from the send-once notification, then the next level's reply", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  await Promise.resolve();
  // mach_port_mod_refs(receive, -1) on the thread handler's port, with the request in its queue.
  assert.equal((await h.thread.call("mach_port_mod_refs", h.self, { name: tp, right: 1, delta: -1 })).kr, KERN_SUCCESS);
  assert.equal(replyNow(h, await receiveOne(h, kp), retCodeReply(KERN_SUCCESS)), 0);
  const out = await o;
  assert.deepEqual(attemptLevels(out), [["thread", MIG_SERVER_DIED], ["task", KERN_SUCCESS]]);
  assert.equal(out.handledBy, "task");
  assertInvariant(kernel);
});

test("exceptions of several threads at one handler port, answered in the reverse order: each triage takes its own reply", async () => {
  const kernel = boot({ arch: "x86_64" });
  const h = actor(kernel);
  const p = await allocatePort(h);
  const victims = [actor(kernel), actor(kernel), actor(kernel)];
  for (const v of victims) await installHandler("task", v, h, p);
  const outs = victims.map((v) => v.thread.raiseException(EXC_BAD_ACCESS, [1, 0]));
  const requests: Received[] = [];
  for (let i = 0; i < victims.length; i++) requests.push(await receiveOne(h, p));
  const answers = [KERN_SUCCESS, KERN_FAILURE, KERN_SUCCESS];
  for (let i = requests.length - 1; i >= 0; i--) assert.equal(replyNow(h, requests[i]!, retCodeReply(answers[i]!)), 0);
  const got = await Promise.all(outs);
  assert.deepEqual(
    got.map((o) => [o.handledBy, o.attempts[1]!.kr]),
    [["task", KERN_SUCCESS], ["host", KERN_FAILURE], ["task", KERN_SUCCESS]],
  );
  assertInvariant(kernel);
});

test("raiseException codes: integral numbers and bigints go as they are, anything else through BigInt() as before", async () => {
  const { kernel, victim, h } = setup();
  const p = await allocatePort(h);
  await installHandler("task", victim, h, p);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [-5, 2 ** 40 + 3]);
  const r = await receiveOne(h, p);
  // exc format: each code's low 32 bits, signed.
  assert.deepEqual([r.view.getInt32(68, true), r.view.getInt32(72, true)], [-5, 3]);
  await reply(h, r, retCodeReply(KERN_SUCCESS));
  assert.equal((await o).handledBy, "task");
  assert.throws(() => victim.thread.raiseException(EXC_BAD_ACCESS, [1.5]), RangeError);
  const o2 = victim.thread.raiseException(EXC_BAD_ACCESS, ["7" as unknown as number, 1n]);
  const r2 = await receiveOne(h, p);
  assert.deepEqual([r2.view.getInt32(68, true), r2.view.getInt32(72, true)], [7, 1]);
  await reply(h, r2, retCodeReply(KERN_SUCCESS));
  assert.equal((await o2).handledBy, "task");
  assertInvariant(kernel);
});

/**
 * The handler's reply is taken in the step that sends it (the triage is the reply port's
 * waiter, RcvWaiter.take): what that path answers, and its fallbacks — error and malformed
 * replies, a level going on to the next a microtask later, timeouts, a handler port that dies,
 * replies to several exceptions in any order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, transfer, type Actor } from "../helpers/kernel.js";
import { oldStateOf, receiveOne, reply, retCodeReply, stateReply, type Received } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_MASK_BAD_ACCESS,
  EXCEPTION_DEFAULT,
  EXCEPTION_STATE,
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
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  type ExceptionOutcome,
  type Kernel,
} from "../../src/index.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";

async function allocate(a: Actor): Promise<number> {
  const r = await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

/** `handler`'s port `port` as the victim's thread- or task-level handler for EXC_BAD_ACCESS. */
async function install(level: "thread" | "task", victim: Actor, handler: Actor, port: number, behavior = EXCEPTION_DEFAULT, flavor = 0): Promise<void> {
  const send = transfer(handler, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  const routine = level === "thread" ? "thread_set_exception_ports" : "task_set_exception_ports";
  const target = level === "thread" ? victim.thread.threadSelfTrap() : victim.self;
  const r = await victim.thread.call(routine, target, { exception_mask: EXC_MASK_BAD_ACCESS, new_port: { name: send, disposition: 17 }, behavior, new_flavor: flavor });
  assert.equal(r.kr, KERN_SUCCESS);
}

/** Send `body` as the reply to `r` and return the trap's result without awaiting anything. */
function replyNow(h: Actor, r: Received, body: Uint8Array): number {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  v.setUint32(0, (v.getUint32(0, true) & 0x80000000) | 18, true);
  v.setUint32(4, body.length, true);
  v.setUint32(8, r.replyName, true);
  if (v.getInt32(20, true) === 0) v.setInt32(20, r.id + 100, true);
  body.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const mr = h.thread.machMsg(body, MACH_SEND_MSG, body.length, 0, 0, 0, 0);
  assert.equal(typeof mr, "number", "a reply to a waiting kernel RPC does not wait");
  return mr as number;
}

/** Poll `port` once (MACH_RCV_TIMEOUT 0): the trap's result. */
function poll(h: Actor, port: number): number {
  const buf = new Uint8Array(1024);
  const mr = h.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, buf.length, port, 0, 0);
  assert.equal(typeof mr, "number");
  return mr as number;
}

function setup(): { kernel: Kernel; victim: Actor; h: Actor } {
  const kernel = boot({ arch: "x86_64" });
  return { kernel, victim: actor(kernel), h: actor(kernel) };
}

/** A victim whose thread and task handlers are two ports (tp, kp) of one handler task. */
async function twoLevels(): Promise<{ kernel: Kernel; victim: Actor; h: Actor; tp: number; kp: number }> {
  const { kernel, victim, h } = setup();
  const tp = await allocate(h);
  const kp = await allocate(h);
  await install("thread", victim, h, tp);
  await install("task", victim, h, kp);
  return { kernel, victim, h, tp, kp };
}

/** What each level answered. */
const levels = (o: ExceptionOutcome): [string, number][] => o.attempts.map((a) => [a.level, a.kr]);

test("a STATE reply is taken in the handler's send: the registers are set when the send returns", async () => {
  const { kernel, victim, h } = setup();
  const p = await allocate(h);
  await install("task", victim, h, p, EXCEPTION_STATE, x86_THREAD_STATE64);
  victim.thread.state.setReg("rip", 0x1000n);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  const { flavor, state } = oldStateOf(r);
  state[32] = 0x7000;
  assert.equal(replyNow(h, r, stateReply(flavor, state)), 0);
  assert.equal(victim.thread.state.reg("rip"), 0x7000n);
  const out = await o;
  assert.equal(out.handledBy, "task");
  assert.deepEqual(levels(out), [["thread", KERN_FAILURE], ["task", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("an error reply answers its level in the send; the next level is offered the exception a microtask later, not inside the handler's trap", async () => {
  const { kernel, victim, h, tp, kp } = await twoLevels();
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, tp);
  assert.equal(replyNow(h, r, retCodeReply(KERN_INVALID_ARGUMENT)), 0);
  assert.equal(poll(h, kp), MACH_RCV_TIMED_OUT);
  await Promise.resolve();
  await reply(h, await receiveOne(h, kp), retCodeReply(KERN_SUCCESS));
  const out = await o;
  assert.equal(out.handledBy, "task");
  assert.deepEqual(levels(out), [["thread", KERN_INVALID_ARGUMENT], ["task", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("a malformed reply carrying a port right: MIG_TYPE_ERROR for that level, the right destroyed with the reply, and the search goes on", async () => {
  const { kernel, victim, h } = setup();
  const p = await allocate(h);
  const extra = await allocate(h);
  await install("thread", victim, h, p, EXCEPTION_STATE, x86_THREAD_STATE64);
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
  assert.deepEqual(levels(out), [["thread", MACH_RCV_INTERRUPTED], ["task", KERN_SUCCESS]]);
  assert.equal(out.handledBy, "task");
  // The late reply to the first request: its reply port was dropped with the timeout, so the name is dead.
  assert.equal(replyNow(h, first, retCodeReply(KERN_SUCCESS)), MACH_SEND_INVALID_DEST);
  // A reply well within the timeout: its timer is gone with the wait, and nothing more happens.
  const o2 = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0], { timeoutMs: 30 });
  assert.equal(replyNow(h, await receiveOne(h, tp), retCodeReply(KERN_SUCCESS)), 0);
  const out2 = await o2;
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(levels(out2), [["thread", KERN_SUCCESS]]);
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
  assert.deepEqual(levels(out), [["thread", MIG_SERVER_DIED], ["task", KERN_SUCCESS]]);
  assert.equal(out.handledBy, "task");
  assertInvariant(kernel);
});

test("exceptions of several threads at one handler port, answered in the reverse order: each triage takes its own reply", async () => {
  const kernel = boot({ arch: "x86_64" });
  const h = actor(kernel);
  const p = await allocate(h);
  const victims = [actor(kernel), actor(kernel), actor(kernel)];
  for (const v of victims) await install("task", v, h, p);
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
  const p = await allocate(h);
  await install("task", victim, h, p);
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

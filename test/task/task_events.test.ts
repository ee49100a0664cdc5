/**
 * TASK_EVENTS_INFO's message and trap counts, as xnu-3248 keeps them: a message is sent by the
 * task whose thread posts it (ipc_mqueue_post; a send to a kernel object counts once more in
 * ipc_kmsg_send, and kernel_task counts the request served and the answer), received by the
 * task that takes it off a queue (ipc_mqueue_select_on_thread: a message handed to a receiver
 * already waiting is not counted), and every Mach trap a thread makes counts on entry
 * (hndl_mach_scall64), its task keeping the count of threads that have ended.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, simpleRpc, transfer, type Actor } from "../helpers/kernel.js";
import {
  KERN_SUCCESS,
  MACH_MSG_SUCCESS,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TIMEOUT,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG,
  MACH_SEND_TIMED_OUT,
  MACH_SEND_TIMEOUT,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_NOTIFY_DEAD_NAME,
  TASK_EVENTS_INFO,
  TASK_EVENTS_INFO_LAYOUT,
  type Kernel,
  type Task,
} from "../../src/index.js";
import { taskInfo } from "../../src/kern/task_info.js";
import { machPortAllocate } from "../../src/ipc/mach_port.js";
import { EXC_BAD_ACCESS, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT } from "../../src/abi/exception.js";
import { receiveOne, reply } from "../exc/handler.js";

const MACH_MSG_TYPE_MAKE_SEND = 20;
const MACH_MSG_TYPE_COPY_SEND = 19;
const MACH_MSG_TYPE_MAKE_SEND_ONCE = 21;

interface Events {
  sent: number;
  received: number;
  mach: number;
  unix: number;
}

/** TASK_EVENTS_INFO read by the kernel directly (a task_info RPC would count itself). */
function events(task: Task): Events {
  const r = taskInfo(task, TASK_EVENTS_INFO, 8);
  assert.equal(r.kr, KERN_SUCCESS);
  const w = r.info;
  assert.equal(w.length, TASK_EVENTS_INFO_LAYOUT.size / 4);
  return { sent: w[3]!, received: w[4]!, mach: w[5]!, unix: w[6]! };
}

/** A receive right in `owner`'s space and a send right to it in `sender`'s (setup, not traps). */
function channel(owner: Actor, sender: Actor): { recv: number; send: number } {
  const r = machPortAllocate(owner.task.space, MACH_PORT_RIGHT_RECEIVE);
  assert.equal(r.kr, KERN_SUCCESS);
  return { recv: r.name!, send: transfer(owner, r.name!, MACH_MSG_TYPE_MAKE_SEND, sender) };
}

function send(a: Actor, dest: number, option = 0, timeout = 0): number | Promise<number> {
  const m = new Msg(64).header({ bits: MACH_MSG_TYPE_COPY_SEND, size: 24, remote: dest, id: 7 });
  return a.thread.machMsg(m.buf, MACH_SEND_MSG | option, 24, 0, 0, timeout, 0);
}

function receive(a: Actor, name: number, option = 0, size = 64): number | Promise<number> {
  return a.thread.machMsg(new Uint8Array(128), MACH_RCV_MSG | option, 0, size, name, 0, 0);
}

/** actor() made two traps on each new thread: task_self_trap and mach_reply_port. */
const ACTOR_TRAPS = 2;

test("a task that sends N messages and receives M counts N and M; a third task counts nothing", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const c = actor(kernel);
  const ch = channel(b, a);
  for (let i = 0; i < 3; i++) assert.equal(send(a, ch.send), MACH_MSG_SUCCESS);
  for (let i = 0; i < 2; i++) assert.equal(receive(b, ch.recv), MACH_MSG_SUCCESS);
  assert.deepEqual(events(a.task), { sent: 3, received: 0, mach: ACTOR_TRAPS + 3, unix: 0 });
  assert.deepEqual(events(b.task), { sent: 0, received: 2, mach: ACTOR_TRAPS + 2, unix: 0 });
  assert.deepEqual(events(c.task), { sent: 0, received: 0, mach: ACTOR_TRAPS, unix: 0 });

  // A receive that finds nothing, and one that fails on a bad name: traps, no message.
  assert.equal(receive(b, ch.recv), MACH_MSG_SUCCESS);
  assert.equal(receive(b, ch.recv, MACH_RCV_TIMEOUT), 0x10004003);
  assert.equal(receive(b, 0x1234), 0x10004002);
  assert.deepEqual(events(b.task), { sent: 0, received: 3, mach: ACTOR_TRAPS + 5, unix: 0 });
  assertInvariant(kernel);
});

test("a message handed to a receiver already waiting is the sender's, not the receiver's (no dequeue)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const ch = channel(b, a);
  const waiting = receive(b, ch.recv);
  assert.ok(waiting instanceof Promise);
  assert.equal(send(a, ch.send), MACH_MSG_SUCCESS);
  assert.equal(await waiting, MACH_MSG_SUCCESS);
  assert.deepEqual(events(a.task), { sent: 1, received: 0, mach: ACTOR_TRAPS + 1, unix: 0 });
  assert.deepEqual(events(b.task), { sent: 0, received: 0, mach: ACTOR_TRAPS + 1, unix: 0 });
  assertInvariant(kernel);
});

test("a send to a full queue: a timed-out one is no message; a waiting one is its sender's when the receive frees the slot", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const ch = channel(b, a);
  // MACH_PORT_QLIMIT_DEFAULT: five fit.
  for (let i = 0; i < 5; i++) assert.equal(send(a, ch.send), MACH_MSG_SUCCESS);
  assert.equal(send(a, ch.send, MACH_SEND_TIMEOUT, 0), MACH_SEND_TIMED_OUT);
  assert.deepEqual(events(a.task), { sent: 5, received: 0, mach: ACTOR_TRAPS + 6, unix: 0 });
  const blocked = send(a, ch.send);
  assert.ok(blocked instanceof Promise);
  assert.equal(receive(b, ch.recv), MACH_MSG_SUCCESS);
  assert.equal(await blocked, MACH_MSG_SUCCESS);
  // The post made when b's receive let the waiting send in is a's message.
  assert.deepEqual(events(a.task), { sent: 6, received: 0, mach: ACTOR_TRAPS + 7, unix: 0 });
  assert.deepEqual(events(b.task), { sent: 0, received: 1, mach: ACTOR_TRAPS + 1, unix: 0 });
  // A message too large is taken off the queue (and counted) unless MACH_RCV_LARGE leaves it there.
  assert.equal(receive(b, ch.recv, MACH_RCV_LARGE, 24), MACH_RCV_TOO_LARGE);
  assert.deepEqual(events(b.task), { sent: 0, received: 1, mach: ACTOR_TRAPS + 2, unix: 0 });
  assert.equal(receive(b, ch.recv, 0, 24), MACH_RCV_TOO_LARGE);
  assert.deepEqual(events(b.task), { sent: 0, received: 2, mach: ACTOR_TRAPS + 3, unix: 0 });
  assertInvariant(kernel);
});

test("a kernel RPC is two messages sent (the request, the reply's post) and one received; kernel_task receives and sends one", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const before = events(kernel.kernelTask);
  // mach_port_allocate by a hand-made request on the actor's reply port.
  const m = simpleRpc(a, a.self, 3204, [MACH_PORT_RIGHT_RECEIVE]);
  assert.equal(m.geti(32), KERN_SUCCESS);
  assert.deepEqual(events(a.task), { sent: 2, received: 1, mach: ACTOR_TRAPS + 1, unix: 0 });
  const k = events(kernel.kernelTask);
  assert.equal(k.sent - before.sent, 1);
  assert.equal(k.received - before.received, 1);

  // An id no routine has: MIG_BAD_ID's reply is still sent by the kernel, nothing is received by it.
  const bad = simpleRpc(a, a.self, 3999);
  assert.equal(bad.geti(32), -303);
  assert.deepEqual(events(a.task), { sent: 4, received: 2, mach: ACTOR_TRAPS + 2, unix: 0 });
  const k2 = events(kernel.kernelTask);
  assert.equal(k2.sent - k.sent, 1);
  assert.equal(k2.received - k.received, 0);
  assertInvariant(kernel);
});

test("task_info through its RPC sees its own request sent, not yet its reply; MIG's reply port is one trap the first time", async () => {
  const kernel = boot();
  const task = kernel.createTask();
  const thread = task.createThread();
  const self = thread.taskSelfTrap();
  const r = await thread.call("task_info", self, { flavor: TASK_EVENTS_INFO, task_info_outCnt: 8 });
  assert.equal(r.kr, KERN_SUCCESS);
  const w = r["task_info_out"] as number[];
  // task_self_trap, mach_reply_port (mig_get_reply_port), mach_msg.
  assert.deepEqual(w.slice(3, 7), [1, 0, 3, 0]);
  assert.deepEqual(events(task), { sent: 2, received: 1, mach: 3, unix: 0 });
  await thread.call("task_info", self, { flavor: TASK_EVENTS_INFO, task_info_outCnt: 8 });
  assert.deepEqual(events(task), { sent: 4, received: 2, mach: 4, unix: 0 });
  assertInvariant(kernel);
});

test("a notification is sent by the task whose trap made it (a dead name when the receive right goes)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const ch = channel(b, a);
  // a asks for a dead-name notification on its send right, to its reply port.
  const req = await a.thread.call("mach_port_request_notification", a.self, {
    name: ch.send,
    msgid: MACH_NOTIFY_DEAD_NAME,
    sync: 0,
    notify: { name: a.reply, disposition: MACH_MSG_TYPE_MAKE_SEND_ONCE },
  });
  assert.equal(req.kr, KERN_SUCCESS);
  const a0 = events(a.task);
  // b destroys the receive right (mach_port_destroy): its RPC, and the notification its routine posts.
  const d = simpleRpc(b, b.self, 3205, [ch.recv]);
  assert.equal(d.geti(32), KERN_SUCCESS);
  assert.deepEqual(events(b.task), { sent: 3, received: 1, mach: ACTOR_TRAPS + 1, unix: 0 });
  assert.deepEqual(events(a.task), a0);
  // a takes it off its queue: one message received, a's.
  const buf = new Uint8Array(256);
  assert.equal(a.thread.machMsg(buf, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, a.reply, 0, 0), MACH_MSG_SUCCESS);
  assert.equal(new DataView(buf.buffer).getInt32(20, true), MACH_NOTIFY_DEAD_NAME);
  assert.deepEqual(events(a.task), { sent: a0.sent, received: a0.received + 1, mach: a0.mach + 1, unix: 0 });
  assert.equal(simpleRpc(a, a.self, 3206, [ch.send]).geti(32), KERN_SUCCESS); // mach_port_deallocate the dead name
  assertInvariant(kernel);
});

test("a thread's traps stay with its task when it ends; live threads' are added", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const t2 = a.task.createThread();
  t2.taskSelfTrap();
  t2.threadSelfTrap();
  t2.hostSelfTrap();
  assert.equal(events(a.task).mach, ACTOR_TRAPS + 3);
  t2.terminate();
  assert.equal(events(a.task).mach, ACTOR_TRAPS + 3);
  const t3 = a.task.createThread();
  t3.machReplyPort();
  assert.equal(events(a.task).mach, ACTOR_TRAPS + 4);
  // A trap by number counts on entry, whatever it answers.
  const r = await t3.trap("_kernelrpc_mach_port_allocate_trap", { target: a.self, right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  assert.equal(events(a.task).mach, ACTOR_TRAPS + 5);
  assertInvariant(kernel);
});

test("an exception's request is the faulting task's message; the handler's reply, handed to the waiting kernel, is nobody's receive", async () => {
  const kernel: Kernel = boot();
  const victim = actor(kernel);
  const handler = actor(kernel);
  const ch = channel(handler, victim);
  const set = await victim.thread.call("task_set_exception_ports", victim.self, {
    exception_mask: EXC_MASK_BAD_ACCESS,
    new_port: { name: ch.send, disposition: MACH_MSG_TYPE_COPY_SEND },
    behavior: EXCEPTION_DEFAULT,
    new_flavor: 0,
  });
  assert.equal(set.kr, KERN_SUCCESS);
  const v0 = events(victim.task);
  // A fault is no trap: the victim's kernel sends the request on its behalf and waits.
  const raised = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(handler, ch.recv);
  assert.deepEqual(events(victim.task), { ...v0, sent: v0.sent + 1 });
  await reply(handler, r, new Uint8Array(36));
  const outcome = await raised;
  assert.equal(outcome.handledBy, "task");
  assert.deepEqual(events(victim.task), { ...v0, sent: v0.sent + 1 });
  assert.deepEqual(events(handler.task), { sent: 1, received: 1, mach: ACTOR_TRAPS + 2, unix: 0 });
  assertInvariant(kernel);
});

/**
 * A thread's kept triage, reply message and descriptor record (exception.ts) on the paths that end
 * a request other than by the handler's plain reply: a kernel object as the handler (its reply
 * made in the request itself), a receive too small for the request (with and without
 * MACH_RCV_LARGE), the reply right forwarded before it answers, thread_abort, and the thread's end
 * with exceptions waiting. Each exception after such a one gets a whole request of its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, transfer, type Actor } from "../helpers/kernel.js";
import { allocatePort, codesOf, retCodeReply, type Received } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_MASK_BAD_ACCESS,
  EXCEPTION_DEFAULT,
  EXCEPTION_STATE_IDENTITY,
  MACH_EXCEPTION_CODES,
} from "../../src/abi/exception.js";
import {
  KERN_SUCCESS,
  MIG_BAD_ID,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
} from "../../src/abi/kern_return.js";
import {
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_MSG_TYPE_MOVE_SEND_ONCE,
  MACH_RCV_INTERRUPTED,
  MACH_RCV_LARGE,
  MACH_RCV_MSG,
  MACH_RCV_TOO_LARGE,
  MACH_SEND_MSG,
} from "../../src/abi/message.js";
import {  } from "../../src/abi/port.js";
import { x86_THREAD_STATE64 } from "../../src/abi/thread_status.js";
import type { Kernel } from "../../src/index.js";

/** thread_set_exception_ports for EXC_BAD_ACCESS with the victim's send right `name`. */
async function setThreadPort(victim: Actor, name: number, behavior: number): Promise<void> {
  const r = await victim.thread.call("thread_set_exception_ports", victim.thread.threadSelfTrap(), {
    exception_mask: EXC_MASK_BAD_ACCESS,
    new_port: { name, disposition: 17 },
    behavior,
    new_flavor: x86_THREAD_STATE64,
  });
  assert.equal(r.kr, KERN_SUCCESS);
}

async function withHandler(behavior = EXCEPTION_DEFAULT): Promise<{ kernel: Kernel; victim: Actor; h: Actor; tp: number }> {
  const kernel = boot({ arch: "x86_64" });
  const victim = actor(kernel);
  const h = actor(kernel);
  const tp = await allocatePort(h);
  await setThreadPort(victim, transfer(h, tp, MACH_MSG_TYPE_MAKE_SEND, victim), behavior);
  return { kernel, victim, h, tp };
}

async function receive(h: Actor, port: number, size = 4096, option = MACH_RCV_MSG): Promise<{ mr: number; r: Received }> {
  const buf = new Uint8Array(4096);
  const view = new DataView(buf.buffer);
  const mr = await h.thread.machMsg(buf, option, 0, size, port, 0, 0);
  return { mr, r: { id: view.getInt32(20, true), size: view.getUint32(4, true), bits: view.getUint32(0, true), replyName: view.getUint32(8, true), localName: view.getUint32(12, true), buf, view } };
}

function answer(h: Actor, replyName: number, id: number, kr: number): number {
  const body = retCodeReply(kr);
  const v = new DataView(body.buffer);
  v.setUint32(0, MACH_MSG_TYPE_MOVE_SEND_ONCE, true);
  v.setUint32(4, 36, true);
  v.setUint32(8, replyName, true);
  v.setInt32(20, id + 100, true);
  body.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
  const mr = h.thread.machMsg(body, MACH_SEND_MSG, 36, 0, 0, 0, 0);
  assert.equal(typeof mr, "number");
  return mr as number;
}

/** A request received whole: its codes, and thread and task names that are rights in the handler's space. */
async function checkWhole(h: Actor, r: Received, codes: bigint[]): Promise<void> {
  assert.deepEqual(codesOf(r), codes);
  for (const at of [28, 40]) {
    const name = r.view.getUint32(at, true);
    const t = await h.thread.call("mach_port_type", h.self, { name });
    assert.equal(t.kr, KERN_SUCCESS, `descriptor at ${at} names a right`);
    const d = await h.thread.call("mach_port_deallocate", h.self, { name });
    assert.equal(d.kr, KERN_SUCCESS);
  }
}

/** A raise answered by the handler at the thread level, its request checked whole. */
async function plainRound(victim: Actor, h: Actor, tp: number, c: number): Promise<void> {
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [c, c + 1]);
  const { mr, r } = await receive(h, tp);
  assert.equal(mr, 0);
  await checkWhole(h, r, [BigInt(c), BigInt(c + 1)]);
  assert.equal(answer(h, r.replyName, r.id, KERN_SUCCESS), 0);
  assert.equal((await o).handledBy, "thread");
}

for (const behavior of [EXCEPTION_DEFAULT, EXCEPTION_STATE_IDENTITY, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES]) {
  test(`a kernel object as the thread's exception port (behavior ${behavior}): MIG_BAD_ID made in the request, exception after exception, rights balanced`, async () => {
    const kernel = boot({ arch: "x86_64", uxHandler: false });
    const victim = actor(kernel);
    // The victim's own task port: the kernel serves the request and answers MIG_BAD_ID.
    await setThreadPort(victim, victim.thread.taskSelfTrap(), behavior);
    for (let i = 0; i < 4; i++) {
      const o = await victim.thread.raiseException(EXC_BAD_ACCESS, [i, 2 * i]);
      assert.equal(o.handledBy, null);
      assert.deepEqual(o.attempts.map((a) => [a.level, a.kr]), [["thread", MIG_BAD_ID], ["task", 5], ["host", 5]]);
    }
    assert.equal(victim.thread.inException, false);
    assertInvariant(kernel);
  });
}

test("a handler whose receive is too small without MACH_RCV_LARGE: the request is destroyed, the level answers MIG_SERVER_DIED, the next exception's request is whole", async () => {
  const { kernel, victim, h, tp } = await withHandler();
  for (let i = 0; i < 3; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0x70 + i, 1]);
    const { mr } = await receive(h, tp, 40);
    assert.equal(mr, MACH_RCV_TOO_LARGE);
    const out = await o;
    assert.equal(out.attempts[0]!.kr, MIG_SERVER_DIED);
    assert.equal(out.handledBy, "host", "the ux handler takes it");
    await plainRound(victim, h, tp, 0x80 + i);
  }
  assertInvariant(kernel);
});

test("a handler that learns the size (MACH_RCV_LARGE) and receives again gets the request whole", async () => {
  const { kernel, victim, h, tp } = await withHandler();
  for (let i = 0; i < 3; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0x90 + i, 3]);
    const small = await receive(h, tp, 40, MACH_RCV_MSG | MACH_RCV_LARGE);
    assert.equal(small.mr, MACH_RCV_TOO_LARGE);
    const { mr, r } = await receive(h, tp);
    assert.equal(mr, 0);
    await checkWhole(h, r, [BigInt(0x90 + i), 3n]);
    assert.equal(answer(h, r.replyName, r.id, KERN_SUCCESS), 0);
    assert.equal((await o).handledBy, "thread");
  }
  assertInvariant(kernel);
});

test("a handler that forwards the reply right through a port of its own and answers from there", async () => {
  const { kernel, victim, h, tp } = await withHandler(EXCEPTION_STATE_IDENTITY);
  const q = await allocatePort(h);
  for (let i = 0; i < 3; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0xa0 + i, 0]);
    const { mr, r } = await receive(h, tp);
    assert.equal(mr, 0);
    // A bare message to q carrying the reply right as its reply port.
    const fwd = new Uint8Array(24);
    const v = new DataView(fwd.buffer);
    v.setUint32(0, MACH_MSG_TYPE_MAKE_SEND | (MACH_MSG_TYPE_MOVE_SEND_ONCE << 8), true);
    v.setUint32(4, 24, true);
    v.setUint32(8, q, true);
    v.setUint32(12, r.replyName, true);
    v.setInt32(20, 777, true);
    assert.equal(h.thread.machMsg(fwd, MACH_SEND_MSG, 24, 0, 0, 0, 0), 0);
    const got = await receive(h, q);
    assert.equal(got.mr, 0);
    const back = got.r.replyName;
    // A STATE_IDENTITY reply may be the bare RetCode when it is a failure.
    assert.equal(answer(h, back, r.id, 5), 0);
    const out = await o;
    assert.equal(out.attempts[0]!.kr, 5);
    for (const at of [28, 40]) assert.equal((await h.thread.call("mach_port_deallocate", h.self, { name: r.view.getUint32(at, true) })).kr, KERN_SUCCESS);
  }
  assertInvariant(kernel);
});

test("thread_abort while a handler is asked, with exceptions waiting: each goes on and the waiting ones are raised in turn, their requests whole", async () => {
  const { kernel, victim, h, tp } = await withHandler();
  const first = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const waiting = [2, 3].map((c) => victim.thread.raiseException(EXC_BAD_ACCESS, [c, 0]));
  const r1 = await receive(h, tp);
  assert.equal(r1.mr, 0);
  victim.thread.abort();
  const o1 = await first;
  assert.equal(o1.attempts[0]!.kr, MACH_RCV_INTERRUPTED);
  // The aborted request's reply right names a dead port now.
  assert.notEqual(answer(h, r1.r.replyName, r1.r.id, KERN_SUCCESS), 0);
  for (const c of [2, 3]) {
    const { mr, r } = await receive(h, tp);
    assert.equal(mr, 0);
    await checkWhole(h, r, [BigInt(c), 0n]);
    assert.equal(answer(h, r.replyName, r.id, KERN_SUCCESS), 0);
  }
  assert.deepEqual((await Promise.all(waiting)).map((o) => o.handledBy), ["thread", "thread"]);
  for (const at of [28, 40]) await h.thread.call("mach_port_deallocate", h.self, { name: r1.r.view.getUint32(at, true) });
  assertInvariant(kernel);
});

test("the thread ends while a handler is asked, with exceptions waiting: every raise settles, nobody handled them", async () => {
  const { kernel, victim, h, tp } = await withHandler();
  const all = [1, 2, 3, 4].map((c) => victim.thread.raiseException(EXC_BAD_ACCESS, [c, 0]));
  const r1 = await receive(h, tp);
  assert.equal(r1.mr, 0);
  victim.task.terminate();
  const outs = await Promise.all(all);
  assert.deepEqual(outs.map((o) => o.handledBy), [null, null, null, null]);
  assert.equal(victim.thread.inException, false);
  assert.equal(victim.thread.spareTriage, null, "a dead thread keeps nothing");
  for (const at of [28, 40]) await h.thread.call("mach_port_deallocate", h.self, { name: r1.r.view.getUint32(at, true) });
  assertInvariant(kernel);
});

test("a handler that forwards the reply right as the reply port of a kernel routine: the kernel's reply answers the level (MIG_REPLY_MISMATCH), and the next request is whole", async () => {
  const { kernel, victim, h, tp } = await withHandler();
  for (let i = 0; i < 3; i++) {
    const o = victim.thread.raiseException(EXC_BAD_ACCESS, [0xb0 + i, 0]);
    const { mr, r } = await receive(h, tp);
    assert.equal(mr, 0);
    // mach_port_type (3204) on the handler's own task port, its reply sent on the exception's reply right.
    const req = new Uint8Array(36);
    const v = new DataView(req.buffer);
    v.setUint32(0, 19 /* COPY_SEND */ | (MACH_MSG_TYPE_MOVE_SEND_ONCE << 8), true);
    v.setUint32(4, 36, true);
    v.setUint32(8, h.self, true);
    v.setUint32(12, r.replyName, true);
    v.setInt32(20, 3204, true);
    req.set([0, 0, 0, 0, 1, 0, 0, 0], 24);
    v.setUint32(32, tp, true);
    assert.equal(h.thread.machMsg(req, MACH_SEND_MSG, 36, 0, 0, 0, 0), 0);
    const out = await o;
    assert.equal(out.attempts[0]!.kr, MIG_REPLY_MISMATCH);
    for (const at of [28, 40]) assert.equal((await h.thread.call("mach_port_deallocate", h.self, { name: r.view.getUint32(at, true) })).kr, KERN_SUCCESS);
    await plainRound(victim, h, tp, 0xc0 + i);
  }
  assertInvariant(kernel);
});

/**
 * Exception delivery (osfmk/kern/exception.c, xnu-3248): thread, then task,
 * then host; each behavior in the exc and mach_exc formats; what ends the
 * search and what goes on to the next level.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, Msg, rpc, transfer, type Actor } from "../helpers/kernel.js";
import { codesOf, oldStateOf, receiveOne, reply, retCodeReply, stateReply } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_BREAKPOINT,
  EXC_MASK_BAD_ACCESS,
  EXC_MASK_BREAKPOINT,
  EXCEPTION_DEFAULT,
  EXCEPTION_STATE,
  EXCEPTION_STATE_IDENTITY,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_SUCCESS,
  MACH_EXCEPTION_CODES,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_RCV_INTERRUPTED,
  MIG_REPLY_MISMATCH,
  MIG_SERVER_DIED,
  MIG_TYPE_ERROR,
  type Kernel,
} from "../../src/index.js";
import { x86_THREAD_STATE64, ARM_THREAD_STATE64 } from "../../src/abi/thread_status.js";

type Level = "thread" | "task" | "host";

async function allocate(a: Actor): Promise<number> {
  const r = await a.thread.call(3204, a.self, { right: MACH_PORT_RIGHT_RECEIVE });
  assert.equal(r.kr, KERN_SUCCESS);
  return r["name"] as number;
}

/** Install `handler`'s port at a level for `victim`, through the MIG routines as raw 60-byte requests. */
async function install(kernel: Kernel, level: Level, victim: Actor, handler: Actor, port: number, mask: number, behavior: number, flavor: number): Promise<void> {
  let setter = victim;
  let target: number;
  let id: number;
  if (level === "thread") {
    target = victim.thread.threadSelfTrap();
    id = 3613;
  } else if (level === "task") {
    target = victim.self;
    id = 3413;
  } else {
    setter = actor(kernel, { uid: 0, gid: 0 });
    target = setter.thread.hostSelfTrap();
    id = 414;
  }
  const send = transfer(handler, port, MACH_MSG_TYPE_MAKE_SEND, setter);
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 60, remote: target, local: setter.reply, id }).u32(24, 1).portDesc(28, send, 17).ndr(40);
  m.u32(48, mask).i32(52, behavior).i32(56, flavor);
  assert.equal(rpc(setter.thread, m, 60, setter.reply), 0);
  assert.equal(m.geti(20), id + 100);
  assert.equal(m.geti(32), KERN_SUCCESS, `${level} set_exception_ports`);
}

const BEHAVIORS: [string, number][] = [
  ["EXCEPTION_DEFAULT", EXCEPTION_DEFAULT],
  ["EXCEPTION_STATE", EXCEPTION_STATE],
  ["EXCEPTION_STATE_IDENTITY", EXCEPTION_STATE_IDENTITY],
];

for (const level of ["thread", "task", "host"] as Level[]) {
  for (const [bname, behavior] of BEHAVIORS) {
    for (const code64 of [false, true]) {
      const fmt = code64 ? "mach_exc" : "exc";
      test(`${level} handler, ${bname}, ${fmt} format: the message, the codes, and the reply's effect`, async () => {
        const kernel = boot({ arch: "x86_64" });
        const victim = actor(kernel);
        const handler = actor(kernel);
        const port = await allocate(handler);
        const flavor = behavior === EXCEPTION_DEFAULT ? 0 : x86_THREAD_STATE64;
        await install(kernel, level, victim, handler, port, EXC_MASK_BAD_ACCESS, behavior | (code64 ? MACH_EXCEPTION_CODES : 0), flavor);
        victim.thread.state.setReg("rip", 0x1000n);
        const big = 0x1_2345_6789n;
        const outcome = victim.thread.raiseException(EXC_BAD_ACCESS, [1, big]);
        const r = await receiveOne(handler, port);
        const base = code64 ? 2405 : 2401;
        assert.equal(r.id, base + behavior - 1);
        assert.equal(r.localName, port);
        const identity = behavior !== EXCEPTION_STATE;
        assert.equal(r.bits, identity ? 0x80001112 : 0x00001112);
        const c = code64 ? 8 : 4;
        const expectedSize =
          behavior === EXCEPTION_DEFAULT ? 68 + 2 * c : behavior === EXCEPTION_STATE ? 48 + 2 * c + 168 : 76 + 2 * c + 168;
        assert.equal(r.size, expectedSize);
        // exc truncates each code to 32 bits; mach_exc carries all 64.
        assert.deepEqual(codesOf(r), [1n, code64 ? big : BigInt.asIntN(32, big)]);
        if (identity) {
          // The thread and task ports arrive as send rights in the handler's space.
          const thr = r.view.getUint32(28, true);
          const tsk = r.view.getUint32(40, true);
          assert.equal(r.buf[38], 17);
          assert.equal(r.buf[50], 17);
          const t1 = await handler.thread.call(3230, handler.self, { name: thr });
          const t2 = await handler.thread.call(3230, handler.self, { name: tsk });
          assert.equal(t1["object_type"], 1);
          assert.equal(t2["object_type"], 2);
        }
        if (behavior === EXCEPTION_DEFAULT) await reply(handler, r, retCodeReply(KERN_SUCCESS));
        else {
          const { flavor: f, state } = oldStateOf(r);
          assert.equal(f, x86_THREAD_STATE64);
          assert.equal(state.length, 42);
          assert.equal(state[32], 0x1000, "rip in the old state");
          state[32] = 0x4000;
          await reply(handler, r, stateReply(f, state));
        }
        const o = await outcome;
        assert.equal(o.handledBy, level);
        assert.equal(o.kr, KERN_SUCCESS);
        assert.equal(victim.thread.state.reg("rip"), behavior === EXCEPTION_DEFAULT ? 0x1000n : 0x4000n);
        assertInvariant(kernel);
      });
    }
  }
}

test("search order: a thread handler's error reply passes the exception to the task, then the host", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const tp = await allocate(h);
  const kp = await allocate(h);
  const hp = await allocate(h);
  await install(kernel, "thread", victim, h, tp, EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT, 0);
  await install(kernel, "task", victim, h, kp, EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT, 0);
  await install(kernel, "host", victim, h, hp, EXC_MASK_BREAKPOINT, EXCEPTION_DEFAULT, 0);
  const o = victim.thread.raiseException(EXC_BREAKPOINT, [1, 2]);
  await reply(h, await receiveOne(h, tp), retCodeReply(KERN_FAILURE));
  await reply(h, await receiveOne(h, kp), retCodeReply(KERN_INVALID_ARGUMENT));
  await reply(h, await receiveOne(h, hp), retCodeReply(KERN_SUCCESS));
  const out = await o;
  assert.equal(out.handledBy, "host");
  assert.deepEqual(
    out.attempts.map((a) => [a.level, a.kr]),
    [["thread", KERN_FAILURE], ["task", KERN_INVALID_ARGUMENT], ["host", KERN_SUCCESS]],
  );
  assertInvariant(kernel);
});

test("unhandled by the task: bsdinit's ux handler at the host level turns it into a signal", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const o = await victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0x1000]);
  assert.equal(o.handledBy, "host");
  assert.deepEqual(o.attempts.map((a) => a.kr), [KERN_FAILURE, KERN_FAILURE, KERN_SUCCESS]);
  // KERN_INVALID_ADDRESS is SIGSEGV; any other bad access SIGBUS.
  assert.deepEqual(victim.thread.signals, [{ signal: 11, exception: EXC_BAD_ACCESS, code: 1n, subcode: 0x1000n }]);
  await victim.thread.raiseException(EXC_BAD_ACCESS, [2, 0]);
  assert.equal(victim.thread.signals[1]!.signal, 10);
  assertInvariant(kernel);
});

test("unhandled with no ux handler (Kernel.boot({ uxHandler: false })): every level answers KERN_FAILURE", async () => {
  const kernel = boot({ uxHandler: false });
  const victim = actor(kernel);
  const o = await victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  assert.equal(o.handledBy, null);
  assert.deepEqual(o.attempts.map((a) => a.kr), [KERN_FAILURE, KERN_FAILURE, KERN_FAILURE]);
  assertInvariant(kernel);
});

test("a handler task that dies with the message queued: MIG_SERVER_DIED, then the next level", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const doomed = actor(kernel);
  const backup = actor(kernel);
  const dp = await allocate(doomed);
  const bp = await allocate(backup);
  await install(kernel, "task", victim, doomed, dp, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  await install(kernel, "host", victim, backup, bp, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [2, 0x10]);
  await Promise.resolve();
  doomed.task.terminate();
  const r = await receiveOne(backup, bp);
  assert.equal(r.id, 2405);
  await reply(backup, r, retCodeReply(KERN_SUCCESS));
  const out = await o;
  assert.deepEqual(out.attempts.map((a) => a.kr), [KERN_FAILURE, MIG_SERVER_DIED, KERN_SUCCESS]);
  assert.equal(out.handledBy, "host");
  assertInvariant(kernel);
});

test("a handler that drops the reply right: the send-once notification reads as MIG_SERVER_DIED", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "task", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  const d = await h.thread.call(3206, h.self, { name: r.replyName });
  assert.equal(d.kr, KERN_SUCCESS);
  const out = await o;
  assert.equal(out.attempts[1]!.kr, MIG_SERVER_DIED);
  assertInvariant(kernel);
});

test("malformed replies: a wrong id is MIG_REPLY_MISMATCH, a wrong size MIG_TYPE_ERROR, and the search goes on", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "task", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_STATE, x86_THREAD_STATE64);
  let o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  let r = await receiveOne(h, p);
  const wrongId = retCodeReply(KERN_SUCCESS);
  new DataView(wrongId.buffer).setInt32(20, 9999, true);
  await reply(h, r, wrongId);
  assert.equal((await o).attempts[1]!.kr, MIG_REPLY_MISMATCH);
  o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  r = await receiveOne(h, p);
  // A 36-byte reply with RetCode 0 where a state was due.
  await reply(h, r, retCodeReply(KERN_SUCCESS));
  assert.equal((await o).attempts[1]!.kr, MIG_TYPE_ERROR);
  assertInvariant(kernel);
});

test("a STATE reply whose state the thread refuses (a short count) fails that level", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "thread", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_STATE, x86_THREAD_STATE64);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  await reply(h, r, stateReply(x86_THREAD_STATE64, new Uint32Array(10)));
  const out = await o;
  assert.equal(out.attempts[0]!.kr, KERN_INVALID_ARGUMENT);
  // The search went on, past the task, to the ux handler.
  assert.equal(out.handledBy, "host");
  assertInvariant(kernel);
});

test("a handler that never answers: thread_abort interrupts the wait and the search goes on", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "thread", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  await receiveOne(h, p);
  // thread_abort (3607) on the victim's thread port.
  const tport = victim.thread.threadSelfTrap();
  const m = new Msg(128);
  m.header({ bits: 0x1513, size: 24, remote: tport, local: victim.reply, id: 3607 });
  assert.equal(rpc(victim.thread, m, 24, victim.reply), 0);
  assert.equal(m.geti(32), KERN_SUCCESS);
  const out = await o;
  assert.equal(out.attempts[0]!.kr, MACH_RCV_INTERRUPTED);
  assert.equal(out.attempts.length, 3);
  assertInvariant(kernel);
});

test("delivery ignores the handler port's queue limit", async () => {
  const kernel = boot();
  const victims = [actor(kernel), actor(kernel), actor(kernel)];
  const h = actor(kernel);
  const p = await allocate(h);
  const lim = await h.thread.call(3218, h.self, { name: p, flavor: 1, port_info: [1] });
  assert.equal(lim.kr, KERN_SUCCESS);
  const outs = [];
  for (const v of victims) {
    await install(kernel, "task", v, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
    outs.push(v.thread.raiseException(EXC_BAD_ACCESS, [1, 0]));
  }
  await Promise.resolve();
  for (let i = 0; i < victims.length; i++) await reply(h, await receiveOne(h, p), retCodeReply(KERN_SUCCESS));
  for (const o of outs) assert.equal((await o).handledBy, "task");
  assertInvariant(kernel);
});

test("EXC_BAD_ACCESS caught in another task on arm64: the handler rewrites pc with a STATE reply", async () => {
  const kernel = boot({ arch: "arm64" });
  const victim = actor(kernel);
  const debuggerTask = actor(kernel);
  const p = await allocate(debuggerTask);
  await install(kernel, "task", victim, debuggerTask, p, EXC_MASK_BAD_ACCESS, EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES, ARM_THREAD_STATE64);
  victim.thread.state.setReg("pc", 0x100004000n);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0xbad]);
  const r = await receiveOne(debuggerTask, p);
  assert.equal(r.id, 2407);
  const { flavor, state } = oldStateOf(r);
  assert.equal(flavor, ARM_THREAD_STATE64);
  assert.equal(state.length, 68);
  // pc is register 32 of the 64-bit state (x0..x28, fp, lr, sp, pc).
  assert.equal(state[64], 0x00004000);
  assert.equal(state[65], 0x1);
  state[64] = 0x00008000;
  await reply(debuggerTask, r, stateReply(flavor, state));
  const out = await o;
  assert.equal(out.handledBy, "task");
  assert.equal(victim.thread.state.reg("pc"), 0x100008000n);
  // The outcome carries the registers as they are now.
  assert.equal(out.state[64], 0x00008000);
  assert.equal(out.state[65], 0x1);
  assertInvariant(kernel);
});

test("a dead handler port: that level answers KERN_FAILURE and the search goes on", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const dying = await allocate(h);
  const backup = await allocate(h);
  await install(kernel, "thread", victim, h, dying, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  await install(kernel, "task", victim, h, backup, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  assert.equal((await h.thread.call(3205, h.self, { name: dying })).kr, KERN_SUCCESS);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  await reply(h, await receiveOne(h, backup), retCodeReply(KERN_SUCCESS));
  const out = await o;
  assert.deepEqual(out.attempts.map((a) => [a.level, a.kr]), [["thread", KERN_FAILURE], ["task", KERN_SUCCESS]]);
  assertInvariant(kernel);
});

test("identity messages carry the task's self port as task_set_special_port interposed it", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "task", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  // The victim replaces its TASK_KERNEL_PORT (1) with a port of the handler's.
  const fake = await allocate(h);
  const fakeInVictim = transfer(h, fake, MACH_MSG_TYPE_MAKE_SEND, victim);
  assert.equal((await victim.thread.call("task_set_special_port", victim.self, { which_port: 1, special_port: { name: fakeInVictim, disposition: 17 } })).kr, KERN_SUCCESS);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, p);
  // The task descriptor names the handler's own receive right: the interposed port, not the task.
  assert.equal(r.view.getUint32(40, true), fake);
  await reply(h, r, retCodeReply(KERN_SUCCESS));
  assert.equal((await o).handledBy, "task");
  assertInvariant(kernel);
});

test("a thread terminated while its handler holds the message: MACH_RCV_INTERRUPTED, then the next level gives up with KERN_SUCCESS", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const p = await allocate(h);
  await install(kernel, "thread", victim, h, p, EXC_MASK_BAD_ACCESS, EXCEPTION_DEFAULT, 0);
  const o = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  await receiveOne(h, p);
  victim.thread.terminate();
  const out = await o;
  assert.deepEqual(
    out.attempts.map((a) => [a.level, a.kr]),
    [["thread", MACH_RCV_INTERRUPTED], ["task", KERN_SUCCESS]],
  );
  assert.equal(out.handledBy, null);
  assertInvariant(kernel);
});

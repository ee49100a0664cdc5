/**
 * Thread state and exception RPC answers pinned to xnu-3248's pcb.c and
 * mach_msg_rpc_from_kernel, as raw requests with the whole reply checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, Msg, replyHead, replyWords, rpc, simpleRpc, transfer, type Actor } from "../helpers/kernel.js";
import { receiveOne, reply, retCodeReply } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_GUARD,
  EXC_MASK_BAD_ACCESS,
  EXC_MASK_GUARD,
  EXCEPTION_DEFAULT,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_RIGHT,
  MACH_EXCEPTION_CODES,
  MACH_RCV_MSG,
  MACH_SEND_MSG,
  kGUARD_EXC_DESTROY,
  kGUARD_EXC_INCORRECT_GUARD,
  kGUARD_EXC_MOD_REFS,
  kGUARD_EXC_SET_CONTEXT,
  kGUARD_EXC_UNGUARDED,
  KERN_SUCCESS,
  MACH_MSG_TYPE_MAKE_SEND,
  MACH_PORT_RIGHT_RECEIVE,
  MACH_RCV_TOO_LARGE,
} from "../../src/index.js";
import {
  THREAD_STATE_FLAVOR_LIST,
  THREAD_STATE_FLAVOR_LIST_10_9,
  THREAD_STATE_FLAVOR_LIST_NEW,
  x86_AVX_STATE,
  x86_AVX_STATE64,
  x86_FLOAT_STATE64,
} from "../../src/abi/thread_status.js";

/** thread_get_state: 40 bytes (flavor, capacity); reply RetCode, count, state. */
function getState(a: Actor, flavor: number, capacity: number): number[] {
  return replyWords(simpleRpc(a, a.thread.threadSelfTrap(), 3603, [flavor, capacity], 2048));
}
const stateReply = (a: Actor, words: number[]) => [...replyHead(a, 40 + 4 * words.length, 3703), KERN_SUCCESS, words.length, ...words, ...MIN_TRAILER];
const errorReply = (a: Actor, id: number, kr: number) => [...replyHead(a, 36, id), kr >>> 0, ...MIN_TRAILER];

test("machine_thread_get_state's flavor lists: x86_64 as pcb.c gives them, arm64 as its status.c", () => {
  const x86 = boot({ arch: "x86_64" });
  const a = actor(x86);
  assert.deepEqual(getState(a, THREAD_STATE_FLAVOR_LIST, 224), stateReply(a, [1, 2, 3]), "i386_THREAD_STATE, i386_FLOAT_STATE, i386_EXCEPTION_STATE");
  assert.deepEqual(getState(a, THREAD_STATE_FLAVOR_LIST_NEW, 224), stateReply(a, [7, 8, 9, 12]));
  assert.deepEqual(getState(a, THREAD_STATE_FLAVOR_LIST_10_9, 224), stateReply(a, [7, 8, 9, 12, 18]));
  assert.deepEqual(getState(a, THREAD_STATE_FLAVOR_LIST_10_9, 4), errorReply(a, 3703, KERN_INVALID_ARGUMENT));
  const arm = boot({ arch: "arm64" });
  const b = actor(arm);
  assert.deepEqual(getState(b, THREAD_STATE_FLAVOR_LIST, 224), stateReply(b, [1, 2, 3, 4]));
  assert.deepEqual(getState(b, THREAD_STATE_FLAVOR_LIST_NEW, 224), stateReply(b, [1, 2, 7, 15]), "ARM_EXCEPTION_STATE64, ARM_DEBUG_STATE64 for a 64-bit thread");
  assert.deepEqual(getState(b, THREAD_STATE_FLAVOR_LIST_10_9, 224), errorReply(b, 3703, KERN_INVALID_ARGUMENT));
  assertInvariant(x86);
  assertInvariant(arm);
});

test("pcb.c's x86_AVX_STATE counts: AVX64 wants exactly its count; the unified set takes only {AVX64, FLOAT64's count} and sets the float part", async () => {
  const kernel = boot({ arch: "x86_64" });
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  assert.deepEqual(getState(a, x86_AVX_STATE64, 224), errorReply(a, 3703, KERN_INVALID_ARGUMENT), "224 is not x86_AVX_STATE64_COUNT");
  assert.deepEqual(getState(a, x86_AVX_STATE64, 211), stateReply(a, new Array(211).fill(0)));
  assert.deepEqual(getState(a, x86_AVX_STATE, 224), stateReply(a, [x86_AVX_STATE64, 211, ...new Array(211).fill(0)]));
  /** thread_set_state: flavor, count, the words. */
  const setState = (flavor: number, words: number[]) => {
    const m = new Msg(2048);
    const size = 40 + 4 * words.length;
    m.header({ bits: 0x1513, size, remote: th, local: a.reply, id: 3604 }).ndr(24).i32(32, flavor).u32(36, words.length);
    words.forEach((w, i) => m.u32(40 + 4 * i, w));
    assert.equal(rpc(a.thread, m, size, a.reply), 0);
    return replyWords(m);
  };
  const avx = Array.from({ length: 211 }, (_, i) => i + 1);
  assert.deepEqual(setState(x86_AVX_STATE, [x86_AVX_STATE64, 211, ...avx]), errorReply(a, 3704, KERN_INVALID_ARGUMENT), "the count it checks is FLOAT64's");
  assert.deepEqual(setState(x86_AVX_STATE, [x86_AVX_STATE64, 131, ...avx]), errorReply(a, 3704, KERN_SUCCESS));
  // Only the 131 words of the float state were set; the float flavor reads them back.
  const r = await a.thread.call("thread_get_state", th, { flavor: x86_FLOAT_STATE64 });
  assert.deepEqual(r["old_state"], avx.slice(0, 131));
  assert.deepEqual(getState(a, x86_AVX_STATE64, 211), stateReply(a, [...avx.slice(0, 131), ...new Array(80).fill(0)]));
  assert.deepEqual(setState(x86_AVX_STATE64, avx), errorReply(a, 3704, KERN_SUCCESS));
  assert.deepEqual(getState(a, x86_AVX_STATE64, 211), stateReply(a, avx));
  assertInvariant(kernel);
});

test("mach_msg_rpc_from_kernel: a reply larger than the stub's is MACH_RCV_TOO_LARGE before its id is looked at", async () => {
  const kernel = boot();
  const victim = actor(kernel);
  const h = actor(kernel);
  const port = (await h.thread.call("mach_port_allocate", h.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const send = transfer(h, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 60, remote: victim.self, local: victim.reply, id: 3413 }).u32(24, 1).portDesc(28, send, 17).ndr(40);
  m.u32(48, EXC_MASK_BAD_ACCESS).i32(52, EXCEPTION_DEFAULT).i32(56, 0);
  assert.equal(rpc(victim.thread, m, 60, victim.reply), 0);
  const outcome = victim.thread.raiseException(EXC_BAD_ACCESS, [1, 0]);
  const r = await receiveOne(h, port);
  // 40 bytes with a wrong id: too large is reported, not MIG_REPLY_MISMATCH.
  const big = new Uint8Array(40);
  new DataView(big.buffer).setInt32(20, 9999, true);
  await reply(h, r, big);
  const o = await outcome;
  assert.deepEqual(o.attempts.find((x) => x.level === "task"), { level: "task", kr: MACH_RCV_TOO_LARGE });
  assertInvariant(kernel);
});

/** A victim whose task's EXC_GUARD handler (mach_exc, EXCEPTION_DEFAULT) is a port of `h`. */
async function guardHandled(kernel: ReturnType<typeof boot>) {
  const victim = actor(kernel);
  const h = actor(kernel);
  const port = (await h.thread.call("mach_port_allocate", h.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const send = transfer(h, port, MACH_MSG_TYPE_MAKE_SEND, victim);
  const m = new Msg(256);
  m.header({ bits: 0x80001513, size: 60, remote: victim.self, local: victim.reply, id: 3413 }).u32(24, 1).portDesc(28, send, 17).ndr(40);
  m.u32(48, EXC_MASK_GUARD).i32(52, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES).i32(56, 0);
  assert.equal(rpc(victim.thread, m, 60, victim.reply), 0);
  const guardedPort = async (guard: bigint, strict = 0) => {
    const name = (await victim.thread.call("mach_port_allocate", victim.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
    assert.equal((await victim.thread.call("mach_port_guard", victim.self, { name, guard, strict })).kr, KERN_SUCCESS);
    return name;
  };
  return { victim, h, port, guardedPort };
}

test("mach_port_guard_exception: EXC_GUARD raised on the offending thread when its MIG call returns, codes carrying the guard type, flavor, name and guard; then the task dies", async () => {
  const kernel = boot();
  const { victim, h, port, guardedPort } = await guardHandled(kernel);
  const p = await guardedPort(0xfeedn);
  // mach_port_destroy as raw bytes: the reply (KERN_INVALID_RIGHT) reaches the thread only after the exception.
  const m = new Msg(256);
  m.header({ bits: 0x1513, size: 36, remote: victim.self, local: victim.reply, id: 3205 }).ndr(24).u32(32, p);
  const mr = victim.thread.machMsg(m.buf, MACH_SEND_MSG | MACH_RCV_MSG, 36, 256, victim.reply, 0, 0);
  assert.ok(mr instanceof Promise, "the AST holds the thread until EXC_GUARD is delivered");
  const r = await receiveOne(h, port);
  // mach_exception_raise (2405): thread and task ports, EXC_GUARD, two 64-bit codes.
  assert.equal(r.id, 2405);
  assert.equal(r.size, 84);
  assert.equal(r.view.getInt32(60, true), EXC_GUARD);
  assert.equal(r.view.getUint32(64, true), 2);
  assert.equal(r.view.getBigUint64(68, true), (1n << 61n) | (BigInt(kGUARD_EXC_DESTROY) << 32n) | BigInt(p));
  assert.equal(r.view.getBigUint64(76, true), 0xfeedn);
  await reply(h, r, retCodeReply(KERN_SUCCESS));
  assert.equal(await mr, 0);
  assert.deepEqual(replyWords(m), errorReply(victim, 3305, KERN_INVALID_RIGHT));
  // Handled or not, mach_port_guard_ast kills the task.
  assert.equal(victim.task.active, false);
  for (const name of [r.view.getUint32(28, true), r.view.getUint32(40, true)]) await h.thread.call("mach_port_deallocate", h.self, { name });
  assertInvariant(kernel);
});

test("each guard violation's EXC_GUARD flavor and guard: mod_refs, destruct, set_context on a strict guard, unguard of an unguarded port or with the wrong guard", async () => {
  const kernel = boot();
  const cases: [string, number, bigint, (v: Actor, p: number) => Promise<number>, boolean][] = [
    ["mod_refs", kGUARD_EXC_MOD_REFS, 0x11n, async (v, p) => (await v.thread.call("mach_port_mod_refs", v.self, { name: p, right: 1, delta: -1 })).kr, false],
    ["destruct", kGUARD_EXC_DESTROY, 0x22n, async (v, p) => (await v.thread.call("mach_port_destruct", v.self, { name: p, srdelta: 0, guard: 9n })).kr, false],
    ["set_context", kGUARD_EXC_SET_CONTEXT, 0x33n, async (v, p) => (await v.thread.call("mach_port_set_context", v.self, { name: p, context: 1n })).kr, true],
    ["unguard, wrong guard", kGUARD_EXC_INCORRECT_GUARD, 0x44n, async (v, p) => (await v.thread.call("mach_port_unguard", v.self, { name: p, guard: 9n })).kr, false],
  ];
  for (const [what, reason, guard, violate, strict] of cases) {
    const { victim, h, port, guardedPort } = await guardHandled(kernel);
    const p = await guardedPort(guard, strict ? 1 : 0);
    const done = violate(victim, p);
    const r = await receiveOne(h, port);
    assert.deepEqual([r.view.getBigUint64(68, true), r.view.getBigUint64(76, true)], [(1n << 61n) | (BigInt(reason) << 32n) | BigInt(p), guard], what);
    await reply(h, r, retCodeReply(KERN_SUCCESS));
    assert.notEqual(await done, KERN_SUCCESS, what);
    assert.equal(victim.task.active, false, what);
    for (const name of [r.view.getUint32(28, true), r.view.getUint32(40, true)]) await h.thread.call("mach_port_deallocate", h.self, { name });
  }
  // An unguarded port's unguard: kGUARD_EXC_UNGUARDED with a guard of 0.
  const { victim, h, port } = await guardHandled(kernel);
  const plain = (await victim.thread.call("mach_port_allocate", victim.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  const done = victim.thread.call("mach_port_unguard", victim.self, { name: plain, guard: 5n });
  const r = await receiveOne(h, port);
  assert.deepEqual([r.view.getBigUint64(68, true), r.view.getBigUint64(76, true)], [(1n << 61n) | (BigInt(kGUARD_EXC_UNGUARDED) << 32n) | BigInt(plain), 0n]);
  await reply(h, r, retCodeReply(KERN_SUCCESS));
  assert.equal((await done).kr, KERN_INVALID_ARGUMENT);
  for (const name of [r.view.getUint32(28, true), r.view.getUint32(40, true)]) await h.thread.call("mach_port_deallocate", h.self, { name });
  assertInvariant(kernel);
});

test("ux_exception maps EXC_GUARD to no signal: with no other handler the host's ux port takes it, and the task is killed", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const p = (await a.thread.call("mach_port_allocate", a.self, { right: MACH_PORT_RIGHT_RECEIVE }))["name"] as number;
  await a.thread.call("mach_port_guard", a.self, { name: p, guard: 1n, strict: 0 });
  assert.equal((await a.thread.call("mach_port_destroy", a.self, { name: p })).kr, KERN_INVALID_RIGHT);
  assert.equal(a.thread.guardOutcome?.handledBy, "host");
  assert.deepEqual(a.thread.signals, []);
  assert.equal(a.task.active, false);
  assertInvariant(kernel);
});

test("the kernel-RPC traps check guards as their MIG routines do: _kernelrpc_mach_port_unguard_trap with a wrong guard raises EXC_GUARD when the trap returns", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const port = (a.thread.trap("_kernelrpc_mach_port_construct_trap", { target: a.self, flags: 0, qlimit: 0, context: 0n }) as unknown as { name: number }).name;
  assert.equal((a.thread.trap("_kernelrpc_mach_port_guard_trap", { target: a.self, name: port, guard: 0x1234n, strict: 0 }) as unknown as { kr: number }).kr, KERN_SUCCESS);
  const r = a.thread.trap("_kernelrpc_mach_port_unguard_trap", { target: a.self, name: port, guard: 0x1n });
  assert.ok(r instanceof Promise, "held until EXC_GUARD is delivered");
  assert.equal((await r).kr, KERN_INVALID_ARGUMENT);
  assert.equal(a.thread.guardOutcome?.handledBy, "host");
  assert.equal(a.task.active, false);
  assertInvariant(kernel);
});

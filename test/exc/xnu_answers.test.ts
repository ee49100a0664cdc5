/**
 * Thread state and exception RPC answers pinned to xnu-3248's pcb.c and
 * mach_msg_rpc_from_kernel, as raw requests with the whole reply checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, Msg, replyHead, replyWords, rpc, simpleRpc, transfer, type Actor } from "../helpers/kernel.js";
import { receiveOne, reply } from "./handler.js";
import {
  EXC_BAD_ACCESS,
  EXC_MASK_BAD_ACCESS,
  EXCEPTION_DEFAULT,
  KERN_INVALID_ARGUMENT,
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

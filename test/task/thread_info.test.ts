/**
 * thread_info (thread_info_internal, osfmk/kern/thread.c) for an in-process thread: each flavor in
 * xnu-3248's order with its count check, the scheduling flavors by the thread's mode, the run state
 * of a suspended thread, and THREAD_EXTENDED_INFO's 32-bit time arithmetic (and its fix).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot } from "../helpers/kernel.js";
import { KERN_INVALID_ARGUMENT, KERN_INVALID_POLICY, KERN_NOT_SUPPORTED, KERN_SUCCESS } from "../../src/abi/kern_return.js";
import {
  decodeInfo,
  THREAD_BASIC_INFO,
  THREAD_DEBUG_INFO_INTERNAL,
  THREAD_EXTENDED_INFO,
  THREAD_SCHED_FIFO_INFO,
  THREAD_SCHED_RR_INFO,
  THREAD_SCHED_TIMESHARE_INFO,
} from "../../src/abi/info.js";
import { extendedTime } from "../../src/kern/task_info.js";
import { THREAD_EXTENDED_POLICY, THREAD_PRECEDENCE_POLICY, THREAD_TIME_CONSTRAINT_POLICY } from "../../src/kern/sched_policy.js";

const TH_STATE_RUNNING = 1;
const TH_STATE_STOPPED = 2;
const TH_STATE_WAITING = 3;
const POLICY_TIMESHARE = 1;
const POLICY_RR = 2;

test("thread_info's flavors for an in-process thread: basic, the scheduling infos by mode, extended, debug", async () => {
  const kernel = boot({ arch: "x86_64" });
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  const info = async (flavor: number, count?: number) => {
    const r = await a.thread.call("thread_info", th, { flavor, ...(count === undefined ? {} : { thread_info_outCnt: count }) });
    return { kr: (r as { kr?: number }).kr ?? KERN_SUCCESS, out: (r.thread_info_out ?? []) as number[] };
  };
  const basic = decodeInfo("thread_info", THREAD_BASIC_INFO, (await info(THREAD_BASIC_INFO)).out);
  // Asked about itself, the thread is running: it is in this very trap.
  assert.deepEqual([basic.userTimeSeconds, basic.systemTimeMicroseconds, basic.cpuUsage, basic.policy, basic.runState], [0, 0, 0, POLICY_TIMESHARE, TH_STATE_RUNNING]);
  assert.equal((await info(THREAD_BASIC_INFO, 9)).kr, KERN_INVALID_ARGUMENT);
  const ts = decodeInfo("thread_info", THREAD_SCHED_TIMESHARE_INFO, (await info(THREAD_SCHED_TIMESHARE_INFO)).out);
  assert.deepEqual(ts, { maxPriority: 63, basePriority: 31, curPriority: 31, depressed: 0, depressPriority: -1 });
  assert.equal((await info(THREAD_SCHED_RR_INFO)).kr, KERN_INVALID_POLICY, "a timeshare thread has no RR info");
  assert.equal((await info(THREAD_SCHED_FIFO_INFO)).kr, KERN_INVALID_POLICY);
  assert.equal((await info(THREAD_SCHED_FIFO_INFO, 3)).kr, KERN_INVALID_ARGUMENT, "the count is checked first");
  assert.equal((await info(THREAD_DEBUG_INFO_INTERNAL)).kr, KERN_NOT_SUPPORTED);
  const x = await info(THREAD_EXTENDED_INFO);
  assert.equal(x.out.length, 28);
  const ext = decodeInfo("thread_info", THREAD_EXTENDED_INFO, x.out);
  assert.deepEqual([ext.pthUserTime, ext.pthPriority, ext.pthCurpri, ext.pthMaxpriority, ext.pthRunState], [0n, 31, 31, 63, TH_STATE_RUNNING]);
  assert.ok(x.out.slice(12).every((w) => w === 0), "no name: pth_name is empty");

  // Importance moves the base within [MINPRI, max]; a fixed-priority thread has RR info, not timeshare.
  await a.thread.call("thread_policy_set", th, { flavor: THREAD_PRECEDENCE_POLICY, policy_info: [-3 >>> 0] });
  assert.equal(decodeInfo("thread_info", THREAD_SCHED_TIMESHARE_INFO, (await info(THREAD_SCHED_TIMESHARE_INFO)).out).basePriority, 28);
  await a.thread.call("thread_policy_set", th, { flavor: THREAD_EXTENDED_POLICY, policy_info: [0] });
  assert.equal((await info(THREAD_SCHED_TIMESHARE_INFO)).kr, KERN_INVALID_POLICY);
  assert.deepEqual(decodeInfo("thread_info", THREAD_SCHED_RR_INFO, (await info(THREAD_SCHED_RR_INFO)).out), { maxPriority: 63, basePriority: 28, quantum: 10, depressed: 0, depressPriority: -1 });
  assert.equal(decodeInfo("thread_info", THREAD_BASIC_INFO, (await info(THREAD_BASIC_INFO)).out).policy, POLICY_RR);
  // A real-time thread's base is BASEPRI_RTQUEUES.
  await a.thread.call("thread_policy_set", th, { flavor: THREAD_TIME_CONSTRAINT_POLICY, policy_info: [1_000_000, 100_000, 200_000, 0] });
  assert.equal(decodeInfo("thread_info", THREAD_SCHED_RR_INFO, (await info(THREAD_SCHED_RR_INFO)).out).basePriority, 97);
  assertInvariant(kernel);
});

test("thread_info of a suspended thread: TH_STATE_STOPPED with its suspend count", async () => {
  const kernel = boot();
  const a = actor(kernel);
  a.task.createThread();
  const name = ((await a.thread.call("task_threads", a.self)).act_list as number[])[1]!;
  const state = async () => {
    const out = (await a.thread.call("thread_info", name, { flavor: THREAD_BASIC_INFO })).thread_info_out ?? [];
    return decodeInfo("thread_info", THREAD_BASIC_INFO, out);
  };
  await a.thread.call("thread_suspend", name);
  const suspended = await state();
  assert.deepEqual([suspended.runState, suspended.suspendCount], [TH_STATE_STOPPED, 1]);
  await a.thread.call("thread_resume", name);
  assert.equal((await state()).runState, TH_STATE_WAITING);
  await a.thread.call("mach_port_deallocate", a.self, { name });
  assertInvariant(kernel);
});

test("THREAD_EXTENDED_INFO's times: xnu-3248's integer_t arithmetic wraps from about 2.1 s; the fix (xnu-6153) does not", () => {
  assert.equal(extendedTime(1, 500_000, false), 1_500_000_000n, "below 2^31 ns the two agree");
  assert.equal(extendedTime(1, 500_000, true), 1_500_000_000n);
  // 3 s: 3e9 wraps to 3e9 - 2^32 in 32 bits, then is sign-extended to 64.
  assert.equal(extendedTime(3, 0, false), BigInt.asUintN(64, 3_000_000_000n - 4_294_967_296n));
  assert.equal(extendedTime(3, 0, true), 3_000_000_000n);
  assert.equal(extendedTime(5, 250, true), 5_000_250_000n);
});

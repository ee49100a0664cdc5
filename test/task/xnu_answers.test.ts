/**
 * The task (3416-3441) and thread_act (3608-3627) routines that answered
 * MIG_BAD_ID before, pinned to xnu-3248's functions, as raw MIG requests with
 * the whole reply checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { actor, assertInvariant, boot, MIN_TRAILER, Msg, replyHead, replyWords, rpc, simpleRpc, transfer, type Actor } from "../helpers/kernel.js";
import {
  IKOT_PSET_NAME,
  IKOT_SEMAPHORE,
  IKOT_TASK_RESUME,
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_POLICY,
  KERN_INVALID_TASK,
  KERN_NOT_DEPRESSED,
  KERN_NOT_SUPPORTED,
  KERN_POLICY_LIMIT,
  KERN_PROTECTION_FAILURE,
  KERN_SUCCESS,
  MACH_PORT_TYPE_SEND,
  MIG_BAD_ARGUMENTS,
  MIG_BAD_ID,
  POLICY_RR,
} from "../../src/index.js";
import {
  TASK_CATEGORY_POLICY,
  TASK_CONTROL_APPLICATION,
  TASK_FOREGROUND_APPLICATION,
  THREAD_AFFINITY_POLICY,
  THREAD_EXTENDED_POLICY,
  THREAD_POLICY_STATE,
  THREAD_PRECEDENCE_POLICY,
  THREAD_QOS_POLICY,
  THREAD_TIME_CONSTRAINT_POLICY,
  TASK_BASE_QOS_POLICY,
} from "../../src/kern/sched_policy.js";
import { x86_DEBUG_STATE64 } from "../../src/abi/thread_status.js";

const errorReply = (a: Actor, id: number, kr: number) => [...replyHead(a, 36, id), kr >>> 0, ...MIN_TRAILER];
/** A reply carrying one port: complex, one descriptor of `disposition`. */
const portReply = (a: Actor, id: number, name: number, disposition: number) => [...replyHead(a, 40, id, 0x80001200).slice(0, 6), 1, name, 0, disposition << 16, ...MIN_TRAILER];
async function kobjectType(a: Actor, name: number): Promise<number> {
  return (await a.thread.call("mach_port_kernel_object", a.self, { name }))["object_type"] as number;
}
/** policy_get: flavor, count, get_default; reply RetCode, count, the words, get_default. */
function policyGet(a: Actor, target: number, id: number, flavor: number, count: number, getDefault = 0): number[] {
  return replyWords(simpleRpc(a, target, id, [flavor, count, getDefault]));
}
const policyReply = (a: Actor, id: number, info: number[], getDefault: number) => [...replyHead(a, 44 + 4 * info.length, id), KERN_SUCCESS, info.length, ...info, getDefault, ...MIN_TRAILER];
/** policy_set: flavor, count, the words. */
const policySet = (a: Actor, target: number, id: number, flavor: number, info: number[]) => replyWords(simpleRpc(a, target, id, [flavor, info.length, ...info]));

test("the obsolete, placeholder and DEBUG-only task routines answer as task.c, sync_lock.c and syscall_emulation.c do; task_sample is a skip", () => {
  const kernel = boot();
  const a = actor(kernel);
  const cases: [number, number[], number][] = [
    [3416, [1, 0], KERN_FAILURE], // lock_set_create
    [3422, [], MIG_BAD_ID], // task_sample: skip
    [3423, [POLICY_RR, 2, 31, 10, 0, 0], KERN_FAILURE], // task_policy
    [3424, [0x1000, 0, 7], KERN_NOT_SUPPORTED], // task_set_emulation
    [3425, [], KERN_NOT_SUPPORTED], // task_get_emulation_vector
    [3427, [0, 0, 0, 0], KERN_FAILURE], // task_set_ras_pc
    [3428, [], KERN_FAILURE], // task_zone_info: CONFIG_TASK_ZONE_INFO is not in RELEASE
    [3430, [0], KERN_FAILURE], // task_assign_default
    [3435, [100], KERN_FAILURE], // task_set_phys_footprint_limit: no CONFIG_JETSAM
    [3619, [], MIG_BAD_ID], // thread_sample: skip
    [3620, [], MIG_BAD_ID], // etap_trace_thread: skip
  ];
  const thread = a.thread.threadSelfTrap();
  for (const [id, args, kr] of cases) {
    const target = id >= 3600 ? thread : a.self;
    assert.deepEqual(replyWords(simpleRpc(a, target, id, args)), errorReply(a, id + 100, kr), `id ${id}`);
  }
  assertInvariant(kernel);
});

test("semaphore_create / semaphore_destroy (sync_sema.c): an IKOT_SEMAPHORE port, and its owner alone destroys it", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3418, [8, 0])), errorReply(a, 3518, KERN_INVALID_ARGUMENT), "policy above SYNC_POLICY_MAX");
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3418, [0, -1 >>> 0])), errorReply(a, 3518, KERN_INVALID_ARGUMENT), "a negative value");
  const got = replyWords(simpleRpc(a, a.self, 3418, [0, 3]));
  const sem = got[7]!;
  assert.deepEqual(got, portReply(a, 3518, sem, 17));
  assert.equal(await kobjectType(a, sem), IKOT_SEMAPHORE);
  // A second reference, so the name outlives the moved right.
  await a.thread.call("mach_port_mod_refs", a.self, { name: sem, right: 0, delta: 1 });
  /** semaphore_destroy: 40 bytes, the semaphore moved in a port descriptor. */
  const destroy = (who: Actor, task: number, name: number) => {
    const m = new Msg(256);
    m.header({ bits: 0x80001513, size: 40, remote: task, local: who.reply, id: 3419 }).u32(24, 1).portDesc(28, name, 17);
    assert.equal(rpc(who.thread, m, 40, who.reply), 0);
    return replyWords(m);
  };
  // Another task holding a right to it is not its owner.
  const inB = transfer(a, sem, 19, b);
  assert.deepEqual(destroy(b, b.self, inB), errorReply(b, 3519, KERN_INVALID_ARGUMENT));
  assert.deepEqual(destroy(a, a.self, sem), errorReply(a, 3519, KERN_SUCCESS));
  // The port lives on while it has senders (it holds the semaphore's last reference until no-senders).
  assert.equal((await a.thread.call("mach_port_type", a.self, { name: sem }))["ptype"], MACH_PORT_TYPE_SEND);
  await a.thread.call("mach_port_deallocate", a.self, { name: sem });
  assertInvariant(kernel);
});

test("task_policy_set / task_policy_get (task_policy.c): roles, QoS tiers packaged, root-only state, and the caller's count returned", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const root = actor(kernel, { uid: 0, gid: 0 });
  assert.deepEqual(policySet(a, a.self, 3420, TASK_CATEGORY_POLICY, [TASK_FOREGROUND_APPLICATION]), errorReply(a, 3520, KERN_SUCCESS));
  assert.deepEqual(policyGet(a, a.self, 3421, TASK_CATEGORY_POLICY, 4), policyReply(a, 3521, [TASK_FOREGROUND_APPLICATION, 0, 0, 0], 0));
  assert.deepEqual(policyGet(a, a.self, 3421, TASK_CATEGORY_POLICY, 1, 1), policyReply(a, 3521, [0], 1), "get_default: TASK_UNSPECIFIED");
  // The control role: root, and only for itself.
  assert.deepEqual(policySet(a, a.self, 3420, TASK_CATEGORY_POLICY, [TASK_CONTROL_APPLICATION]), errorReply(a, 3520, KERN_INVALID_ARGUMENT));
  assert.deepEqual(policySet(root, root.self, 3420, TASK_CATEGORY_POLICY, [TASK_CONTROL_APPLICATION]), errorReply(root, 3520, KERN_SUCCESS));
  // QoS tiers: LATENCY_QOS_TIER_3, THROUGHPUT_QOS_TIER_1 read back packaged; a bad tier refused.
  const lat3 = ((0xff << 16) | 4) >>> 0;
  const thr1 = ((0xfe << 16) | 2) >>> 0;
  assert.deepEqual(policySet(a, a.self, 3420, TASK_BASE_QOS_POLICY, [lat3, thr1]), errorReply(a, 3520, KERN_SUCCESS));
  assert.deepEqual(policyGet(a, a.self, 3421, TASK_BASE_QOS_POLICY, 2), policyReply(a, 3521, [lat3, thr1], 0));
  assert.deepEqual(policySet(a, a.self, 3420, TASK_BASE_QOS_POLICY, [lat3 + 3, thr1]), errorReply(a, 3520, KERN_INVALID_ARGUMENT));
  // TASK_POLICY_STATE is root's: a user gets KERN_PROTECTION_FAILURE.
  assert.deepEqual(policyGet(a, a.self, 3421, 4, 16), errorReply(a, 3521, KERN_PROTECTION_FAILURE));
  assert.deepEqual(policyGet(a, a.self, 3421, 99, 16), errorReply(a, 3521, KERN_INVALID_ARGUMENT));
  assertInvariant(kernel);
});

test("thread_policy_set / thread_policy_get (thread_policy.c): time constraints within the real-time quanta, the extended policy under real time, affinity by the machine", async () => {
  const kernel = boot({ arch: "x86_64", machine: { affinitySets: 2 } });
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  // Defaults: timeshare; no real time yet, so get_default is turned on with std_quantum's figures.
  assert.deepEqual(policyGet(a, th, 3618, THREAD_EXTENDED_POLICY, 1), policyReply(a, 3718, [1], 0));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_TIME_CONSTRAINT_POLICY, 4), policyReply(a, 3718, [0, 5_000_000, 10_000_000, 1], 1));
  // computation below min_rt_quantum (50 us) or above max_rt_quantum (50 ms), or above the constraint: refused.
  assert.deepEqual(policySet(a, th, 3617, THREAD_TIME_CONSTRAINT_POLICY, [0, 49_999, 100_000, 1]), errorReply(a, 3717, KERN_INVALID_ARGUMENT));
  assert.deepEqual(policySet(a, th, 3617, THREAD_TIME_CONSTRAINT_POLICY, [0, 200_000, 100_000, 1]), errorReply(a, 3717, KERN_INVALID_ARGUMENT));
  assert.deepEqual(policySet(a, th, 3617, THREAD_TIME_CONSTRAINT_POLICY, [1_000_000, 100_000, 200_000, 0]), errorReply(a, 3717, KERN_SUCCESS));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_TIME_CONSTRAINT_POLICY, 4), policyReply(a, 3718, [1_000_000, 100_000, 200_000, 0], 0));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_EXTENDED_POLICY, 1), policyReply(a, 3718, [1], 1), "real time: get_default comes back set");
  assert.deepEqual(policySet(a, th, 3617, THREAD_AFFINITY_POLICY, [5]), errorReply(a, 3717, KERN_SUCCESS));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_AFFINITY_POLICY, 2), policyReply(a, 3718, [5, 0], 0));
  assert.deepEqual(policySet(a, th, 3617, THREAD_PRECEDENCE_POLICY, [-3 >>> 0]), errorReply(a, 3717, KERN_SUCCESS));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_PRECEDENCE_POLICY, 1), policyReply(a, 3718, [-3 >>> 0], 0));
  // QoS is the workqueue's (allow_qos_policy_set is off); the policy state is root's.
  assert.deepEqual(policySet(a, th, 3617, THREAD_QOS_POLICY, [4, 0]), errorReply(a, 3717, KERN_INVALID_ARGUMENT));
  assert.deepEqual(policyGet(a, th, 3618, THREAD_POLICY_STATE, 16), errorReply(a, 3718, KERN_PROTECTION_FAILURE));
  // A machine without affinity sets does not support the affinity policy.
  const none = boot({ machine: { affinitySets: 0 } });
  const b = actor(none);
  assert.deepEqual(policySet(b, b.thread.threadSelfTrap(), 3617, THREAD_AFFINITY_POLICY, [5]), errorReply(b, 3717, KERN_NOT_SUPPORTED));
  assertInvariant(kernel);
  assertInvariant(none);
});

test("thread_policy and thread_set_policy (mk_sp.c): policy checks, limits, and thread_set_mode_and_absolute_pri's importance", async () => {
  const kernel = boot();
  const root = actor(kernel, { uid: 0, gid: 0 });
  const th = root.thread.threadSelfTrap();
  /** thread_policy: policy, base (count + words), set_limit. */
  const tp = (policy: number, base: number[], setLimit: number) => replyWords(simpleRpc(root, th, 3616, [policy, base.length, ...base, setLimit]));
  assert.deepEqual(tp(3, [31], 0), errorReply(root, 3716, KERN_INVALID_POLICY));
  assert.deepEqual(tp(POLICY_RR, [31], 0), errorReply(root, 3716, KERN_INVALID_ARGUMENT), "an RR base is two words");
  assert.deepEqual(tp(POLICY_RR, [100, 10], 0), errorReply(root, 3716, KERN_POLICY_LIMIT), "above the thread's maximum");
  assert.deepEqual(tp(POLICY_RR, [40, 10], 0), errorReply(root, 3716, KERN_SUCCESS));
  assert.deepEqual(policyGet(root, th, 3618, THREAD_PRECEDENCE_POLICY, 1), policyReply(root, 3718, [9], 0), "40 is BASEPRI_DEFAULT + 9");
  assert.deepEqual(policyGet(root, th, 3618, THREAD_EXTENDED_POLICY, 1), policyReply(root, 3718, [0], 0), "RR is fixed priority");
  // thread_set_policy wants pset0's control port: the name port converts to no processor set.
  const name = (await root.thread.call("processor_set_default", root.thread.hostSelfTrap()))["default_set"] as number;
  const ctrl = (await root.thread.call("host_processor_set_priv", root.thread.hostSelfTrap(), { set_name: name }))["set"] as number;
  const tsp = (pset: number, policy: number, base: number[], limit: number[]) => {
    const m = new Msg(512);
    const args = [policy, base.length, ...base, limit.length, ...limit];
    const size = 48 + 4 * args.length;
    m.header({ bits: 0x80001513, size, remote: th, local: root.reply, id: 3624 }).u32(24, 1).portDesc(28, pset, 19).ndr(40);
    args.forEach((w, i) => m.u32(48 + 4 * i, w));
    assert.equal(rpc(root.thread, m, size, root.reply), 0);
    return replyWords(m);
  };
  assert.deepEqual(tsp(0, 1, [31], [63]), errorReply(root, 3724, KERN_INVALID_ARGUMENT));
  assert.deepEqual(tsp(ctrl, 1, [200], [63]), errorReply(root, 3724, KERN_INVALID_ARGUMENT), "invalid_pri");
  assert.deepEqual(tsp(ctrl, 1, [20], [63]), errorReply(root, 3724, KERN_SUCCESS));
  assert.deepEqual(policyGet(root, th, 3618, THREAD_PRECEDENCE_POLICY, 1), policyReply(root, 3718, [-11 >>> 0], 0));
  assert.equal(await kobjectType(root, name), IKOT_PSET_NAME);
  for (const n of [name, ctrl]) await root.thread.call("mach_port_deallocate", root.self, { name: n });
  assertInvariant(kernel);
});

test("thread_abort_safely, thread_depress_abort, assignments and vouchers (thread_act.c, thread.c, task.c)", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const th = a.thread.threadSelfTrap();
  assert.deepEqual(replyWords(simpleRpc(a, th, 3608)), errorReply(a, 3708, KERN_SUCCESS));
  assert.deepEqual(replyWords(simpleRpc(a, th, 3609)), errorReply(a, 3709, KERN_NOT_DEPRESSED));
  assert.deepEqual(replyWords(simpleRpc(a, th, 3622)), errorReply(a, 3722, KERN_FAILURE), "thread_assign_default");
  // Assignments name pset0 by its name port.
  for (const [target, id] of [[th, 3623], [a.self, 3431]] as const) {
    const got = replyWords(simpleRpc(a, target, id));
    assert.deepEqual(got, portReply(a, id + 100, got[7]!, 17));
    assert.equal(await kobjectType(a, got[7]!), IKOT_PSET_NAME);
  }
  // No voucher is ever bound: get answers a null port; a thread cannot be given one through MIG.
  assert.deepEqual(replyWords(simpleRpc(a, th, 3625, [0])), portReply(a, 3725, 0, 17));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3439, [0])), portReply(a, 3539, 0, 17));
  const setVoucher = (target: number, id: number) => {
    const m = new Msg(256);
    m.header({ bits: 0x80001513, size: 40, remote: target, local: a.reply, id }).u32(24, 1).portDesc(28, 0, 19);
    assert.equal(rpc(a.thread, m, 40, a.reply), 0);
    return replyWords(m);
  };
  assert.deepEqual(setVoucher(th, 3626), errorReply(a, 3726, KERN_INVALID_ARGUMENT));
  assert.deepEqual(setVoucher(a.self, 3540 - 100), errorReply(a, 3540, KERN_SUCCESS));
  assert.deepEqual(setVoucher(a.thread.hostSelfTrap(), 3440), errorReply(a, 3540, KERN_INVALID_TASK));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3438)).slice(0, 9), [...replyHead(a, 36 + 272, 3538), KERN_SUCCESS]);
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 3438)).slice(9, 9 + 68), new Array(68).fill(0));
  assertInvariant(kernel);
});

test("task_suspend2 / task_resume2 (task.c): a send-once token to the resume port; using it or dropping it releases the hold", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const victim = actor(kernel);
  const vt = transfer(victim, victim.self, 19, a);
  let got = replyWords(simpleRpc(a, vt, 3436));
  const token = got[7]!;
  assert.deepEqual(got, portReply(a, 3536, token, 18));
  assert.equal(victim.task.suspendCount, 1);
  assert.equal(victim.task.resumePort?.kotype, IKOT_TASK_RESUME);
  // task_resume2 is sent to the token itself, moving the send-once right.
  const resume = (name: number) => {
    const m = new Msg(256);
    m.header({ bits: 0x1512, size: 24, remote: name, local: a.reply, id: 3437 });
    assert.equal(rpc(a.thread, m, 24, a.reply), 0);
    return replyWords(m);
  };
  assert.deepEqual(resume(token), errorReply(a, 3537, KERN_SUCCESS));
  assert.equal(victim.task.suspendCount, 0);
  // A token dropped unused resumes too (task_suspension_notify on MACH_NOTIFY_SEND_ONCE).
  got = replyWords(simpleRpc(a, vt, 3436));
  assert.equal(victim.task.suspendCount, 1);
  await a.thread.call("mach_port_deallocate", a.self, { name: got[7]! });
  assert.equal(victim.task.suspendCount, 0);
  assertInvariant(kernel);
});

test("legacy task_suspend / task_resume (task.c): the caller's space holds an unnamed send right to the resume port per hold; losing it releases every legacy hold", async () => {
  const kernel = boot();
  const a = actor(kernel);
  const b = actor(kernel);
  const victim = actor(kernel);
  const vt = transfer(victim, victim.self, 19, a);
  const vtB = transfer(victim, victim.self, 19, b);
  const names = async (who: Actor) => {
    const out = (await who.thread.call("mach_port_names", who.self, {}))["names"] as Uint8Array;
    return [...new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4)];
  };
  const refs = async (who: Actor, name: number) => (await who.thread.call("mach_port_get_refs", who.self, { name, right: 0 }))["refs"] as number;
  const before = await names(a);
  assert.deepEqual(replyWords(simpleRpc(a, vt, 3407)), errorReply(a, 3507, KERN_SUCCESS));
  assert.deepEqual(replyWords(simpleRpc(a, vt, 3407)), errorReply(a, 3507, KERN_SUCCESS));
  assert.equal(victim.task.suspendCount, 2);
  const token = (await names(a)).filter((n) => !before.includes(n));
  assert.equal(token.length, 1, "one name, whatever the number of holds");
  assert.equal(await refs(a, token[0]!), 2);
  assert.equal(victim.task.resumePort?.kotype, IKOT_TASK_RESUME);
  // Each legacy resume releases a hold and one reference of the caller's token.
  assert.deepEqual(replyWords(simpleRpc(a, vt, 3408)), errorReply(a, 3508, KERN_SUCCESS));
  assert.equal(await refs(a, token[0]!), 1);
  assert.deepEqual(replyWords(simpleRpc(a, vt, 3408)), errorReply(a, 3508, KERN_SUCCESS));
  assert.equal(victim.task.suspendCount, 0);
  assert.deepEqual(await names(a), before, "the token went with the last hold");
  assert.deepEqual(replyWords(simpleRpc(a, vt, 3408)), errorReply(a, 3508, KERN_FAILURE), "no hold to release");

  // Deallocating the token (or dying) fires the resume port's no-senders: every legacy hold goes, task_suspend2's stays.
  simpleRpc(a, vt, 3407);
  simpleRpc(a, vt, 3407);
  const token2 = replyWords(simpleRpc(a, vt, 3436))[7]!;
  assert.equal(victim.task.suspendCount, 3);
  const legacy = (await names(a)).filter((n) => !before.includes(n) && n !== token2);
  assert.equal(legacy.length, 1);
  await a.thread.call("mach_port_mod_refs", a.self, { name: legacy[0]!, right: 0, delta: -2 });
  assert.equal(victim.task.suspendCount, 1);
  await a.thread.call("mach_port_deallocate", a.self, { name: token2 });
  assert.equal(victim.task.suspendCount, 0);

  // An out-of-band resume (by a task holding no token) still releases a hold; the suspender's token stays.
  simpleRpc(a, vt, 3407);
  assert.deepEqual(replyWords(simpleRpc(b, vtB, 3408)), errorReply(b, 3508, KERN_SUCCESS));
  assert.equal(victim.task.suspendCount, 0);
  assert.equal((await names(a)).length, before.length + 1);
  simpleRpc(b, vtB, 3407);
  assert.equal(victim.task.suspendCount, 1);
  b.task.terminate();
  assert.equal(victim.task.suspendCount, 1, "a's token is still a send right: no no-senders yet");
  a.task.terminate();
  assert.equal(victim.task.suspendCount, 0, "the last token holder died: no-senders released the legacy hold");
  assertInvariant(kernel);
});

test("task_get_state / task_set_state (machine_task.c): x86_DEBUG_STATE64 at its exact count, dr7 checked as debug_state_is_valid64", () => {
  const kernel = boot({ arch: "x86_64" });
  const a = actor(kernel);
  const get = (count: number) => replyWords(simpleRpc(a, a.self, 3433, [x86_DEBUG_STATE64, count], 2048));
  const zeros = new Array(16).fill(0);
  assert.deepEqual(get(16), [...replyHead(a, 40 + 64, 3533), KERN_SUCCESS, 16, ...zeros, ...MIN_TRAILER]);
  assert.deepEqual(get(224), errorReply(a, 3533, KERN_INVALID_ARGUMENT), "the count must be exactly x86_DEBUG_STATE64_COUNT");
  const set = (dr: number[]) => replyWords(simpleRpc(a, a.self, 3434, [x86_DEBUG_STATE64, 16, ...dr], 2048));
  const dr = (dr0: number, dr7: number) => [dr0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 9, 0, 0, 0, dr7, 0];
  assert.deepEqual(set(dr(0x1000, 0x2)), errorReply(a, 3534, KERN_INVALID_ARGUMENT), "a global enable");
  assert.deepEqual(set(dr(0x1000, 0x1 | (2 << 16))), errorReply(a, 3534, KERN_INVALID_ARGUMENT), "an I/O breakpoint");
  assert.deepEqual(set(dr(0x1000, 0x1)), errorReply(a, 3534, KERN_SUCCESS));
  // dr4 and dr5 are not copied in; dr7 gets its fixed bit 10.
  assert.deepEqual(get(16), [...replyHead(a, 40 + 64, 3533), KERN_SUCCESS, 16, 0x1000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x401, 0, ...MIN_TRAILER]);
  assertInvariant(kernel);
});


test("mach_voucher (5400-5404) is served on any port as in xnu-3248: no port is a voucher (KERN_INVALID_ARGUMENT), debug_info is DEVELOPMENT-only (KERN_NOT_SUPPORTED)", () => {
  const kernel = boot();
  const a = actor(kernel);
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5400, [1, 64])), errorReply(a, 5500, KERN_INVALID_ARGUMENT));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5401, [1, 64])), errorReply(a, 5501, KERN_INVALID_ARGUMENT));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5402, [64])), errorReply(a, 5502, KERN_INVALID_ARGUMENT));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5403, [1, 1, 4, 0x01020304, 64])), errorReply(a, 5503, KERN_INVALID_ARGUMENT));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5404, [0x103, 64])), errorReply(a, 5504, KERN_NOT_SUPPORTED));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 5405)), errorReply(a, 5505, MIG_BAD_ID));
  assertInvariant(kernel);
});

test("lock_set (617000-617005) is served on any port as in xnu-3248: lock sets are gone (sync_lock.c), so every routine is KERN_FAILURE, after MIG's own checks", () => {
  const kernel = boot();
  const a = actor(kernel);
  for (let id = 617000; id <= 617005; id++) assert.deepEqual(replyWords(simpleRpc(a, a.self, id, [7])), errorReply(a, id + 100, KERN_FAILURE));
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 617000)), errorReply(a, 617100, MIG_BAD_ARGUMENTS), "a request without lock_id");
  assert.deepEqual(replyWords(simpleRpc(a, a.self, 617006, [7])), errorReply(a, 617106, MIG_BAD_ID));
  assertInvariant(kernel);
});

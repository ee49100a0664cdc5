/**
 * The thread_act routines beyond state, ports and suspension (thread_act.defs,
 * xnu-3248): abort_safely, depress_abort, policies (thread_policy.c, mk_sp.c),
 * processor-set assignment and vouchers. 3619 (thread_sample) and 3620
 * (etap_trace_thread) are skips in the kernel's server: MIG_BAD_ID.
 */
import { KERN_FAILURE, KERN_INVALID_ARGUMENT, KERN_INVALID_TASK, KERN_NOT_DEPRESSED, KERN_SUCCESS, KERN_TERMINATED } from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP } from "../mig/types.js";
import {
  boolean_t,
  ipc_voucher_t,
  mach_voucher_selector_t,
  policy_base_t,
  policy_limit_t,
  policy_t,
  processor_set_name_t,
  processor_set_t,
  thread_act_t,
  thread_policy_flavor_t,
  thread_policy_t,
} from "../mig/defs_types.js";
import { convertPortToPset, convertPsetNameToPort } from "../kern/ipc_host.js";
import { convertPortToThread } from "../kern/ipc_tt.js";
import type { KernelCall } from "../kern/kernel.js";
import { THREAD_POLICY_MAX } from "../kern/sched_policy.js";
import type { Task } from "../kern/task.js";
import type { Thread } from "../kern/thread.js";
import { num, portArg, routinesOn } from "./common.js";

const routine = routinesOn(inP("thread", thread_act_t));
const onThrAct = inP("thr_act", thread_act_t);
const target = (call: KernelCall): Thread | null => convertPortToThread<Thread>(call.port);
const callerUid = (call: KernelCall): number => (call.caller as Task | null)?.secToken[0] ?? 0;
const words = (a: Record<string, unknown>, name: string): number[] => a[name] as number[];

export const threadMoreRoutines: Routine<KernelCall>[] = [
  routine(3608, "thread_abort_safely", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    if (!thread.active) return KERN_TERMINATED;
    // Only an abort-safe wait is cleared at once; the kernel's exception RPC waits
    // interruptibly, not abort-safely, so the abort is left pending (TH_SFLAG_ABORTSAFELY).
    thread.abortSafelyPending = true;
    return KERN_SUCCESS;
  }, inP("target_act", thread_act_t)),
  routine(3609, "thread_depress_abort", [], (call) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    // Nothing here depresses a priority (no thread_switch / swtch_pri): never depressed.
    return thread.active ? KERN_NOT_DEPRESSED : KERN_TERMINATED;
  }),
  routine(3616, "thread_policy", [inP("policy", policy_t), inP("base", policy_base_t), inP("set_limit", boolean_t)], (call, a) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    return thread.policy.policy(num(a, "policy"), words(a, "base"), num(a, "set_limit") !== 0);
  }, onThrAct),
  routine(3617, "thread_policy_set", [inP("flavor", thread_policy_flavor_t), inP("policy_info", thread_policy_t)], (call, a) => {
    const thread = target(call);
    if (!thread) return KERN_INVALID_ARGUMENT;
    return thread.policy.set(num(a, "flavor"), words(a, "policy_info"), thread.active, call.kernel.machine.affinitySets);
  }),
  routine(
    3618,
    "thread_policy_get",
    [inP("flavor", thread_policy_flavor_t), outP("policy_info", thread_policy_t, { countInOut: true }), inoutP("get_default", boolean_t)],
    (call, a) => {
      const thread = target(call);
      if (!thread) return KERN_INVALID_ARGUMENT;
      const capacity = Math.min(num(a, "policy_infoCnt"), THREAD_POLICY_MAX);
      const r = thread.policy.get(num(a, "flavor"), capacity, num(a, "get_default") !== 0, thread.active, call.kernel.machine.affinitySets, callerUid(call));
      return r.kr !== KERN_SUCCESS ? r.kr : { policy_info: r.info, get_default: r.getDefault ? 1 : 0 };
    },
  ),
  routine(3621, "thread_assign", [inP("new_set", processor_set_t, { intran: true })], () => KERN_FAILURE),
  routine(3622, "thread_assign_default", [], () => KERN_FAILURE),
  routine(3623, "thread_get_assignment", [outP("assigned_set", processor_set_name_t)], (call) =>
    target(call) ? { assigned_set: convertPsetNameToPort(call.kernel.pset0) } : KERN_INVALID_ARGUMENT,
  ),
  routine(
    3624,
    "thread_set_policy",
    [inP("pset", processor_set_t, { intran: true }), inP("policy", policy_t), inP("base", policy_base_t), inP("limit", policy_limit_t)],
    (call, a) => {
      const thread = target(call);
      if (!thread) return KERN_INVALID_ARGUMENT;
      const pset = convertPortToPset(portArg(a, "pset").port);
      return thread.policy.setPolicy(pset === call.kernel.pset0, num(a, "policy"), words(a, "base"), words(a, "limit"));
    },
    onThrAct,
  ),
  // No thread here has a voucher (none is ever bound by thread_set_voucher_name or a message).
  routine(3625, "thread_get_mach_voucher", [inP("which", mach_voucher_selector_t), outP("voucher", ipc_voucher_t)], (call) =>
    target(call) ? { voucher: null } : KERN_INVALID_ARGUMENT,
  onThrAct),
  // Only a thread not yet started may be given a voucher, and only by itself: never through this call.
  routine(3626, "thread_set_mach_voucher", [inP("voucher", ipc_voucher_t, { intran: true })], () => KERN_INVALID_ARGUMENT, onThrAct),
  routine(3627, "thread_swap_mach_voucher", [inP("new_voucher", ipc_voucher_t, { intran: true }), inoutP("old_voucher", ipc_voucher_t)], (call) =>
    target(call) ? KERN_INVALID_ARGUMENT : KERN_INVALID_TASK,
  onThrAct),
];

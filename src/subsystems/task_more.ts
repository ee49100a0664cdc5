/**
 * The task routines from 3416 on (task.defs, xnu-3248) but the semaphores
 * (task_sync.ts): lock sets, policies, the obsolete interfaces, task-wide state, suspension tokens and
 * vouchers, each answering as 3248's kernel does on x86_64. 3422 (task_sample)
 * is a skip in the kernel's server: MIG_BAD_ID.
 */
import {
  KERN_FAILURE,
  KERN_INVALID_ARGUMENT,
  KERN_INVALID_TASK,
  KERN_NOT_SUPPORTED,
  KERN_SUCCESS,
} from "../abi/kern_return.js";
import type { Routine } from "../mig/routine.js";
import { inoutP, inP, outP } from "../mig/types.js";
import {
  boolean_t,
  c_int,
  emulation_vector_t,
  ipc_voucher_t,
  lock_set_t,
  mach_voucher_selector_t,
  mach_zone_name_array_t,
  policy_base_t,
  policy_limit_t,
  policy_t,
  processor_set_name_t,
  processor_set_t,
  task_policy_flavor_t,
  task_policy_t,
  task_purgable_info_t,
  task_suspension_token_t,
  task_t,
  task_zone_info_array_t,
  thread_state_flavor_t,
  thread_state_t,
  vm_address_t,
} from "../mig/defs_types.js";
import { convertPsetNameToPort } from "../kern/ipc_host.js";
import type { KernelCall } from "../kern/kernel.js";
import { TASK_POLICY_MAX } from "../kern/sched_policy.js";
import { convertPortToSuspensionToken, taskResumeInternal, taskSuspend2 } from "../kern/task_suspend.js";
import type { Task } from "../kern/task.js";
import { num, portArg, routinesOn, taskOf } from "./common.js";
import { portReleaseSend } from "../ipc/right.js";

const routine = routinesOn(inP("task", task_t));
const onTargetTask = inP("target_task", task_t);
const target = (call: KernelCall): Task | null => taskOf(call.port);
const isKernelTask = (call: KernelCall, task: Task): boolean => task === call.kernel.kernelTask;
/** The calling task's uid (its security token), for the root-only flavors. */
const callerUid = (call: KernelCall): number => (call.caller as Task | null)?.secToken[0] ?? 0;

export const taskMoreRoutines: Routine<KernelCall>[] = [
  // sync_lock.c: lock sets are obsolete and refused whatever the arguments.
  routine(3416, "lock_set_create", [outP("new_lock_set", lock_set_t), inP("n_ulocks", c_int), inP("policy", c_int)], () => KERN_FAILURE),
  routine(3417, "lock_set_destroy", [inP("lock_set", lock_set_t, { intran: true })], () => KERN_FAILURE),
  routine(3420, "task_policy_set", [inP("flavor", task_policy_flavor_t), inP("policy_info", task_policy_t)], (call, a) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    return task.policy.set(num(a, "flavor"), a["policy_info"] as number[], isKernelTask(call, task), call.caller === task, callerUid(call));
  }),
  routine(
    3421,
    "task_policy_get",
    [inP("flavor", task_policy_flavor_t), outP("policy_info", task_policy_t, { countInOut: true }), inoutP("get_default", boolean_t)],
    (call, a) => {
      const task = target(call);
      if (!task) return KERN_INVALID_ARGUMENT;
      const capacity = Math.min(num(a, "policy_infoCnt"), TASK_POLICY_MAX);
      const r = task.policy.get(num(a, "flavor"), capacity, num(a, "get_default") !== 0, isKernelTask(call, task), callerUid(call));
      return r.kr !== KERN_SUCCESS ? r.kr : { policy_info: r.info, get_default: r.getDefault ? 1 : 0 };
    },
  ),
  // The obsolete scheduling and emulation interfaces.
  routine(3423, "task_policy", [inP("policy", policy_t), inP("base", policy_base_t), inP("set_limit", boolean_t), inP("change", boolean_t)], () => KERN_FAILURE),
  routine(3424, "task_set_emulation", [inP("routine_entry_pt", vm_address_t), inP("routine_number", c_int)], () => KERN_NOT_SUPPORTED, inP("target_port", task_t)),
  routine(3425, "task_get_emulation_vector", [outP("vector_start", c_int), outP("emulation_vector", emulation_vector_t)], () => KERN_NOT_SUPPORTED),
  routine(3426, "task_set_emulation_vector", [inP("vector_start", c_int), inP("emulation_vector", emulation_vector_t)], () => KERN_NOT_SUPPORTED),
  routine(3427, "task_set_ras_pc", [inP("basepc", vm_address_t), inP("boundspc", vm_address_t)], () => KERN_FAILURE, onTargetTask),
  // CONFIG_TASK_ZONE_INFO is in DEVELOPMENT and DEBUG kernels only.
  routine(3428, "task_zone_info", [outP("names", mach_zone_name_array_t), outP("info", task_zone_info_array_t)], () => KERN_FAILURE, onTargetTask),
  routine(3429, "task_assign", [inP("new_set", processor_set_t, { intran: true }), inP("assign_threads", boolean_t)], () => KERN_FAILURE),
  routine(3430, "task_assign_default", [inP("assign_threads", boolean_t)], () => KERN_FAILURE),
  routine(3431, "task_get_assignment", [outP("assigned_set", processor_set_name_t)], (call) => {
    // xnu-3248 reads task->active without a null check (a port that is no task
    // panics it); machipc refuses such a port (docs/xnu-bugs.md).
    if (!target(call)) return KERN_INVALID_ARGUMENT;
    return { assigned_set: convertPsetNameToPort(call.kernel.pset0) };
  }),
  routine(
    3432,
    "task_set_policy",
    [inP("pset", processor_set_t, { intran: true }), inP("policy", policy_t), inP("base", policy_base_t), inP("limit", policy_limit_t), inP("change", boolean_t)],
    () => KERN_FAILURE,
  ),
  routine(3433, "task_get_state", [inP("flavor", thread_state_flavor_t), outP("old_state", thread_state_t, { countInOut: true })], (call, a) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    const r = task.debugState.get(num(a, "flavor"), Math.min(num(a, "old_stateCnt"), 224));
    return r.kr !== KERN_SUCCESS ? r.kr : { old_state: r.state };
  }),
  routine(3434, "task_set_state", [inP("flavor", thread_state_flavor_t), inP("new_state", thread_state_t)], (call, a) => {
    const task = target(call);
    if (!task) return KERN_INVALID_ARGUMENT;
    return task.debugState.set(num(a, "flavor"), a["new_state"] as number[]);
  }),
  // Physical footprint limits are CONFIG_JETSAM, which OS X does not have.
  routine(3435, "task_set_phys_footprint_limit", [inP("new_limit", c_int), outP("old_limit", c_int)], () => KERN_FAILURE),
  routine(3436, "task_suspend2", [outP("suspend_token", task_suspension_token_t)], (call) => {
    const r = taskSuspend2(target(call));
    return r.kr !== KERN_SUCCESS ? r.kr : { suspend_token: r.token };
  }, onTargetTask),
  routine(3437, "task_resume2", [], (call) => taskResumeInternal(convertPortToSuspensionToken(call.port)), inP("suspend_token", task_suspension_token_t)),
  routine(3438, "task_purgable_info", [outP("stats", task_purgable_info_t)], (call) =>
    // vm_purgeable_stats over no purgeable objects: every queue empty.
    target(call) ? { stats: new Uint8Array(272) } : KERN_INVALID_ARGUMENT,
  ),
  // The task voucher interfaces are placeholders in 3248.
  routine(3439, "task_get_mach_voucher", [inP("which", mach_voucher_selector_t), outP("voucher", ipc_voucher_t)], (call) =>
    target(call) ? { voucher: null } : KERN_INVALID_TASK,
  ),
  routine(3440, "task_set_mach_voucher", [inP("voucher", ipc_voucher_t, { intran: true })], (call) => (target(call) ? KERN_SUCCESS : KERN_INVALID_TASK)),
  routine(3441, "task_swap_mach_voucher", [inP("new_voucher", ipc_voucher_t, { intran: true }), inoutP("old_voucher", ipc_voucher_t)], (call, a) => {
    if (!target(call)) return KERN_INVALID_TASK;
    // The presumed old voucher is converted (and so released) by the stub.
    portReleaseSend(portArg(a, "old_voucher").port);
    // *in_out_old_voucher = new_voucher, and convert_voucher_to_port of no voucher is a null port.
    return { old_voucher: null };
  }),
];

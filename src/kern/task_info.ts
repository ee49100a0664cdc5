/**
 * task_info and thread_info (osfmk/kern/task.c, thread.c) for the flavors
 * clients commonly ask for. Scheduling is outside machipc, so times are zero;
 * sizes come from the task's simulated address space.
 */
import { KERN_INVALID_ARGUMENT, KERN_SUCCESS, type KernReturn } from "../abi/kern_return.js";
import { POLICY_TIMESHARE } from "../abi/host.js";
import type { Task } from "./task.js";
import type { Thread } from "./thread.js";

import { MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC_INFO_64, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO } from "../abi/info.js";

export { MACH_TASK_BASIC_INFO, TASK_BASIC_INFO_32, TASK_BASIC_INFO_64, THREAD_BASIC_INFO, THREAD_IDENTIFIER_INFO };
export const TASK_SECURITY_TOKEN = 13;
export const TASK_AUDIT_TOKEN = 15;
export const TASK_INFO_MAX = 52;
export const THREAD_INFO_MAX = 32;
/** TH_STATE_RUNNING, TH_STATE_STOPPED, TH_STATE_WAITING... a thread that is not running a trap waits. */
const TH_STATE_WAITING = 3;

const u64 = (v: number): number[] => [v >>> 0, Math.floor(v / 0x100000000) >>> 0];

function need(capacity: number, n: number, words: () => number[]): { kr: KernReturn; info: number[] } {
  return capacity < n ? { kr: KERN_INVALID_ARGUMENT, info: [] } : { kr: KERN_SUCCESS, info: words() };
}

export function taskInfo(task: Task, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  const size = task.vm.mappedBytes();
  switch (flavor) {
    case TASK_BASIC_INFO_32:
      // suspend_count, virtual_size, resident_size, user_time{2}, system_time{2}, policy
      return need(capacity, 8, () => [task.suspendCount, size >>> 0, size >>> 0, 0, 0, 0, 0, POLICY_TIMESHARE]);
    case TASK_BASIC_INFO_64:
      return need(capacity, 10, () => [task.suspendCount, ...u64(size), ...u64(size), 0, 0, 0, 0, POLICY_TIMESHARE]);
    case MACH_TASK_BASIC_INFO:
      // virtual_size, resident_size, resident_size_max (u64 each), user_time, system_time, policy, suspend_count
      return need(capacity, 12, () => [...u64(size), ...u64(size), ...u64(size), 0, 0, 0, 0, POLICY_TIMESHARE, task.suspendCount]);
    case TASK_SECURITY_TOKEN:
      return need(capacity, 2, () => [...task.secToken]);
    case TASK_AUDIT_TOKEN:
      return need(capacity, 8, () => Array.from(task.auditToken));
    default:
      return { kr: KERN_INVALID_ARGUMENT, info: [] };
  }
}

export function threadInfo(thread: Thread, flavor: number, capacity: number): { kr: KernReturn; info: number[] } {
  switch (flavor) {
    case THREAD_BASIC_INFO:
      // user_time{2}, system_time{2}, cpu_usage, policy, run_state, flags, suspend_count, sleep_time
      return need(capacity, 10, () => [0, 0, 0, 0, 0, POLICY_TIMESHARE, TH_STATE_WAITING, 0, thread.suspendCount, 0]);
    case THREAD_IDENTIFIER_INFO:
      // thread_id, thread_handle, dispatch_qaddr (u64 each)
      return need(capacity, 6, () => [...u64(thread.task.pid * 0x10000 + thread.id), ...u64(0), ...u64(0)]);
    default:
      return { kr: KERN_INVALID_ARGUMENT, info: [] };
  }
}
